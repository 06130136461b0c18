"""VAT table rows, payment lines and loyalty lines."""

from __future__ import annotations

import re
from decimal import Decimal
from itertools import permutations

from gateway.receipt.numbers import PERCENT_RE, parse_number, plain

_CODE_BEFORE = re.compile(r"(?:^|\s)(?P<code>[A-Z]|\d)\s*(?:[=:]\s*|\s+)$")
_LEAD_WORDS = re.compile(r"^\s*(?:btw|tva|mwst\.?|ust\.?|vat|tax|taux|tarief|satz)\b[\s.:]*", re.I)


def _close(a: Decimal, b: Decimal, base: Decimal) -> bool:
    return abs(a - b) <= Decimal("0.05") + abs(base) * Decimal("0.005")


def parse_vat_row(line: str, amounts) -> dict | None:
    """'A  21%  10,00  2,10  12,10' -> {code, rate, base, vat, gross} (None when no rate)."""
    m = PERCENT_RE.search(line)
    if not m:
        return None
    rate = parse_number(m.group("rate"))
    if rate is None or rate > 30:
        return None
    before = _LEAD_WORDS.sub("", line[:m.start()])
    c = _CODE_BEFORE.search(" " + before)
    code = c.group("code") if c else None
    values = [a for a, start, _ in amounts if start >= m.end() or start < m.start()]
    base = vat = gross = None
    alts: list[tuple] = []
    r = rate / 100
    if len(values) >= 3:
        values = values[-3:]
        for b, v, g in permutations(values):
            if b + v == g and _close(b * r, v, b):
                base, vat, gross = b, v, g
                break
        else:
            base, vat, gross = values
    elif len(values) == 2:
        x, y = values
        fits = []  # (error, base, vat, gross) for each reading of the two amounts
        for a, b in ((x, y), (y, x)):
            if b < a or r == 0:
                fits.append((abs(a * r - b), a, b, a + b))  # base, vat
                fits.append((abs(a * r / (1 + r) - b), a - b, b, a))  # gross, vat
            if b >= a:
                fits.append((abs(a * (1 + r) - b), a, b - a, b))  # base, gross
        fits = [f for f in fits if _close(f[1] * r, f[2], f[1])]
        if not fits:
            return None
        fits.sort(key=lambda f: f[0])
        _, base, vat, gross = fits[0]
        alts = [f[1:] for f in fits[1:] if f[1:] != fits[0][1:]]
    elif len(values) == 1:
        vat = values[0]
    else:
        return None
    return {"code": code, "rate": plain(rate), "base": base, "vat": vat, "gross": gross, "alts": alts}


def settle_vat_rows(rows: list[dict], total: Decimal | None) -> list[dict]:
    """Where a row's two amounts read two ways, keep the reading that makes the table add up."""
    if total is not None and None not in [r["gross"] for r in rows] and sum(r["gross"] for r in rows) != total:
        for r in rows:
            for base, vat, gross in r["alts"]:
                if sum(x["gross"] for x in rows) - r["gross"] + gross == total:
                    r["base"], r["vat"], r["gross"] = base, vat, gross
                    break
    return [{k: v for k, v in r.items() if k != "alts"} for r in rows]


_PRIORITY = ("gift_card", "meal_voucher", "voucher", "bancontact", "maestro", "visa", "mastercard",
             "amex", "vpay", "girocard", "payconiq", "card", "cash")


def parse_payment(line: str, folded: str, amounts, words) -> dict | None:
    if PERCENT_RE.search(line) or words.loyalty_earned.search(folded) or words.loyalty_balance.search(folded):
        return None
    for method in _PRIORITY:
        if words.payment[method].search(folded):
            return {"method": method, "amount": amounts[-1][0], "card_masked": None}
    return None


_POINTS = re.compile(r"(?<![\w.,])(?P<n>-?\d{1,9}(?:[.,]\d{1,2})?)(?![\w.,%])")


def find_loyalty(text, folded, usable, words) -> dict | None:
    earned = balance = None
    for i in usable:
        f = folded[i]
        for pattern, which in ((words.loyalty_earned, "earned"), (words.loyalty_balance, "balance")):
            m = pattern.search(f)
            if not m:
                continue
            nums = list(_POINTS.finditer(text[i], m.end()))
            if not nums:
                continue
            value = plain(parse_number(nums[-1].group("n")))
            if which == "earned" and earned is None:
                earned = value
            elif which == "balance" and balance is None:
                balance = value
            break
    if earned is None and balance is None:
        return None
    return {"card": None, "points_earned": earned, "points_balance": balance}
