"""Consistency checks: do the lines, the VAT table and the payments agree with the total?

The total is trusted only as far as independent figures confirm it: a total that
no other figure confirms never gets a high confidence.
"""

from __future__ import annotations

from decimal import Decimal

from gateway.receipt.numbers import money

HIGH = 0.9  # at or above: the total is confirmed by the lines and nothing contradicts it


def score(*, items, gross, vat_rows, payments, change, issued_at, receipt_number, warnings) -> float:
    if gross is None:
        return 0.2 if items else 0.1
    confirmed = 0
    contradicted = 0
    if items:
        total_lines = sum((it.amount for it in items), Decimal(0))
        # a tax line with no base or gross is tax added on top of the lines (sales-tax tills)
        tax_added = sum((r["vat"] for r in vat_rows or [] if r["vat"] is not None
                         and r["base"] is None and r["gross"] is None), Decimal(0))
        if total_lines == gross or (tax_added and total_lines + tax_added == gross):
            confirmed += 2
        else:
            contradicted += 1
            warnings.append(f"lines add up to {money(total_lines)}, the total is {money(gross)}")
    else:
        warnings.append("no item lines found")
    if vat_rows:
        ok = True
        for r in vat_rows:
            if None not in (r["base"], r["vat"], r["gross"]) and r["base"] + r["vat"] != r["gross"]:
                ok = False
                warnings.append(f"VAT row {r['code'] or r['rate']}: {money(r['base'])} + {money(r['vat'])}"
                                f" is not {money(r['gross'])}")
        grosses = [r["gross"] for r in vat_rows]
        if None not in grosses:
            if sum(grosses) == gross:
                confirmed += 1
            else:
                ok = False
                warnings.append(f"VAT table adds up to {money(sum(grosses))}, the total is {money(gross)}")
        if not ok:
            contradicted += 1
    if payments:
        paid = sum((Decimal(p["amount"]) if isinstance(p["amount"], str) else p["amount"])
                   for p in payments)
        net_paid = paid - (change or 0)
        if net_paid == gross:
            confirmed += 1
        elif paid >= gross and change is None and any(p["method"] == "cash" for p in payments):
            warnings.append(f"paid {money(paid)} for a total of {money(gross)}; no change line found")
        else:
            contradicted += 1
            warnings.append(f"payments cover {money(net_paid)}, the total is {money(gross)}")
    confidence = {0: 0.4, 1: 0.7, 2: 0.9}.get(confirmed, 0.97)
    confidence -= 0.25 * contradicted
    if issued_at is None:
        confidence -= 0.05
    if receipt_number is None:
        confidence -= 0.02
    if contradicted and confidence >= HIGH:
        confidence = HIGH - 0.1
    return round(max(0.0, min(1.0, confidence)), 2)
