"""The generic extractor: printed lines + printed codes -> e-receipt fields.

Needs no configuration. Works on the text as printed (columns kept with spaces),
finds the regions of a receipt (header, items, totals, payments, fiscal block),
reads each field, then checks that the figures agree with each other. Every
disagreement lowers `confidence` and adds a warning; a field it cannot read for
sure is None. A till profile (`tillprofile.TillProfile`) can add words and pin
patterns or columns for one till brand.
"""

from __future__ import annotations

import re
from datetime import date, datetime, time, tzinfo
from decimal import Decimal
from itertools import pairwise

from gateway.receipt import vocab
from gateway.receipt.checks import score
from gateway.receipt.fiscal import fiscal_block
from gateway.receipt.items import Item, classify, digit_codes_before, parse_item
from gateway.receipt.numbers import (
    PERCENT_RE,
    find_amounts,
    find_date,
    find_masked_card,
    find_time,
    find_vat_id,
    money,
    parse_number,
    plain,
    redact_pans,
)
from gateway.receipt.tables import find_loyalty, parse_payment, parse_vat_row, settle_vat_rows

_SEPARATOR = re.compile(r"^\s*([-=*_#~.+─━═])\1{4,}\s*$|^\s*(?:[-=*_] ?){5,}\s*$")
_POSTCODE_CITY = re.compile(r"(?:^|\s)(?:[A-Z]{1,2}-)?(?:\d{4,5}|\d{4}\s?[A-Z]{2})\s+[A-Za-zÀ-ÿ'\-]{2,}")
_STREET = re.compile(r"[A-Za-zÀ-ÿ'.\-]{3,}.*\s\d{1,4}[a-zA-Z]?\b|^\d{1,4}[a-zA-Z]?,?\s+[A-Za-zÀ-ÿ]{3,}")
_VAT_ROW_START = re.compile(r"^\s*(?:[A-Z]|\d)?\s*[=:]?\s*\d{1,2}(?:[.,]\d{1,2})?\s?%")
_NUMBER_VALUE = re.compile(r"[:#.\s]*(?:(?:nr|no|n°|nummer|number|num)\.?\s*)?[:#.\s]*"
                           r"(?P<v>(?:[A-Z]{1,3}[-/ ]?)?\d[\w\-/.]*\w|\d)")


class Words:
    """Compiled keyword patterns, with a till profile's own words first."""

    def __init__(self, extra: dict[str, list[str]] | None = None):
        extra = extra or {}

        def make(name: str, base: list[str]):
            return vocab.kw([re.escape(vocab.fold(w)) for w in extra.get(name, [])] + base)

        self.total = make("total", vocab.TOTAL)
        self.not_total = make("not_total", vocab.NOT_TOTAL)
        self.subtotal = make("subtotal", vocab.SUBTOTAL)
        self.receipt_strong = make("receipt_number", vocab.RECEIPT_STRONG)
        self.receipt_weak = vocab.kw(vocab.RECEIPT_WEAK)
        self.receipt_exclude = vocab.kw(vocab.RECEIPT_EXCLUDE)
        self.headings = vocab.kw(vocab.HEADINGS)
        self.vat_words = vocab.kw(vocab.VAT_WORDS)
        self.vat_total = make("vat_total", vocab.VAT_TOTAL)
        self.net_total = make("net_total", vocab.NET_TOTAL)
        self.savings = make("savings", vocab.SAVINGS)
        self.validity = vocab.kw(vocab.VALIDITY)
        self.greetings = vocab.kw(vocab.GREETINGS)
        self.phone = vocab.kw(vocab.PHONE)
        self.discount = make("discount", vocab.DISCOUNT)
        self.payment = {
            "cash": make("cash", vocab.CASH),
            "voucher": make("voucher", vocab.VOUCHER),
            "meal_voucher": make("meal_voucher", vocab.MEAL_VOUCHER),
            "gift_card": make("gift_card", vocab.GIFT_CARD),
            **{brand: vocab.kw([p]) for brand, p in vocab.CARD_BRANDS.items()},
            "card": make("card", vocab.CARD),
        }
        self.change = make("change", vocab.CHANGE)
        self.loyalty_earned = make("loyalty_earned", vocab.LOYALTY_EARNED)
        self.loyalty_balance = make("loyalty_balance", vocab.LOYALTY_BALANCE)
        self.fiscal = make("fiscal", vocab.FISCAL_MARKERS)
        self.loyalty_card = make("loyalty_card", vocab.LOYALTY_CARD)


_DEFAULT_WORDS: Words | None = None


def default_words() -> Words:
    global _DEFAULT_WORDS
    if _DEFAULT_WORDS is None:
        _DEFAULT_WORDS = Words()
    return _DEFAULT_WORDS


def extract(lines: list[str], codes: list[dict] | None = None, *, profile=None,
            tz: tzinfo | None = None, printed: list[str] | None = None, hints: list | None = None,
            default_currency: str | None = "EUR") -> dict:
    """Read the e-receipt fields from text lines and printed codes. Never raises on text.

    `lines` are the till's lines (`logical.logical_lines`: printer wraps undone); `printed`,
    when given, the lines as printed, which become `text` (else `lines` do). `hints` (one
    `logical.Hint` per line) tell which lines were printed big, bold or centred.
    `default_currency` is the currency when the receipt prints none (said in a warning).
    """
    words = profile.words if profile is not None else default_words()
    text = [redact_pans(str(line).replace("\t", " ").rstrip()) for line in lines]
    shown = text if printed is None else [redact_pans(str(line).replace("\t", " ").rstrip()) for line in printed]
    hints = hints if hints is not None and len(hints) == len(text) else None
    folded = [vocab.fold(t) for t in text]
    warnings: list[str] = []
    skip = profile.skip_lines(text) if profile is not None else set()

    fiscal_idx = fiscal_block(text, folded, words.fiscal)
    codes_out = [{"type": str(c.get("type") or "unknown").lower(), "data": str(c.get("data") or "")}
                 for c in (codes or [])]
    fiscal_qr = [c["data"] for c in codes_out if _is_fiscal_code(c["data"])]
    usable = [i for i in range(len(text)) if i not in fiscal_idx and i not in skip]

    total_i, gross = _find_total(text, folded, usable, words, profile, warnings)
    vat_rows, printed_vat, printed_net = _find_vat(text, folded, usable, total_i, words)
    # a till that prints payment and change above the total: the items end at that block
    paid = _paid_before(text, folded, [i for i in usable if total_i is None or i < total_i], words)
    items, first_item = _find_items(text, folded, usable, total_i, words, profile,
                                    {r["code"] for r in vat_rows if r["code"]}, paid)
    header_end = first_item if first_item is not None else (total_i if total_i is not None else len(text))
    after = [i for i in usable if total_i is not None and i > total_i] if total_i is not None else \
        [i for i in usable if i >= header_end]
    if paid is not None:
        after = [i for i in usable if i >= paid and i != total_i]

    vat_rows = settle_vat_rows(vat_rows, gross)
    payments, change = _find_payments(text, folded, after, words)
    loyalty = find_loyalty(text, folded, usable, words)
    issued_at = _find_issued_at(text, folded, usable, words, profile, tz, warnings)
    merchant, merchant_idx = _find_merchant(text, folded, [i for i in usable if i < header_end], words, hints)
    receipt_number = _find_receipt_number(text, folded, [i for i in usable if i not in merchant_idx],
                                          words, profile)
    if merchant["vat_id"] and not find_vat_id(merchant["vat_id"])[1]:
        warnings.append(f"VAT id {merchant['vat_id']} fails its check digits")
    currency = _find_currency(text, profile)
    if currency is None and default_currency:
        currency = default_currency
        warnings.append(f"no currency printed: {currency} assumed ([decoder] currency)")

    vat_sum = sum((r["vat"] for r in vat_rows if r["vat"] is not None), Decimal(0)) if vat_rows else None
    base_sum = None
    if vat_rows and all(r["base"] is not None for r in vat_rows):
        base_sum = sum(r["base"] for r in vat_rows)
    total_vat = printed_vat if printed_vat is not None else vat_sum
    net = printed_net if printed_net is not None else base_sum
    if net is None and gross is not None and total_vat is not None:
        net = gross - total_vat
    discounts = [it.amount for it in items if it.kind == "discount"]
    discount = -sum(discounts) if discounts else None

    confidence = score(items=items, gross=gross, vat_rows=vat_rows, payments=payments, change=change,
                       issued_at=issued_at, receipt_number=receipt_number, warnings=warnings)
    if receipt_number is None:
        warnings.append("receipt number not found")
    return {
        "merchant": merchant,
        "receipt_number": receipt_number,
        "issued_at": issued_at,
        "currency": currency,
        "lines": [_item_json(it) for it in items],
        "vat": [{k: (money(v) if k in ("base", "vat", "gross") else v) for k, v in r.items()}
                for r in vat_rows],
        "totals": {"gross": money(gross), "net": money(net), "vat": money(total_vat),
                   "discount": money(discount), "change": money(change)},
        "payments": payments,
        "loyalty": loyalty,
        "fiscal": ({"lines": [lines[i] for i in sorted(fiscal_idx)], "qr": fiscal_qr}
                   if fiscal_idx or fiscal_qr else None),
        "codes": codes_out,
        "text": shown,
        "extraction": {"confidence": confidence, "warnings": warnings,
                       "till_profile": profile.name if profile is not None else None},
    }


def _item_json(it: Item) -> dict:
    return {"description": it.description, "quantity": plain(it.quantity),
            "unit_price": money(it.unit_price), "amount": money(it.amount),
            "vat_code": it.vat_code, "kind": it.kind}


def _is_fiscal_code(data: str) -> bool:
    return data.startswith("V0;") or bool(re.search(r"\b(?:TSE|FDM|NF525|kassenbeleg)\b", data, re.I))


# --- total -----------------------------------------------------------------------------

def _find_total(text, folded, usable, words, profile, warnings):
    candidates: list[tuple[int, Decimal]] = []
    for n, i in enumerate(usable):
        if profile is not None and profile.total_re is not None:
            m = profile.total_re.search(text[i])
            if m:
                amounts = find_amounts(m.group("amount") if "amount" in m.groupdict() else text[i])
                if amounts:
                    candidates.append((i, amounts[-1][0]))
                continue
        f = folded[i]
        m = words.total.search(f)
        if not m:
            continue
        amounts = find_amounts(text[i])
        if not amounts:
            below = _amount_below(text, usable, n)
            if below is not None and not words.not_total.search(f[:m.start()] + " " + f[m.end():]) \
                    and not words.subtotal.search(f):
                candidates.append((i, below))  # 'TOTAAL' / '   12,50' (big, or the till wrapped)
            continue
        head = f[:m.start()] + " " + f[m.end():amounts[0][1]]
        if words.subtotal.search(f[:amounts[0][1]]) or words.not_total.search(head) or PERCENT_RE.search(text[i]):
            continue
        if len({a for a, _, _ in amounts}) > 1:
            continue
        candidates.append((i, amounts[-1][0]))
    if not candidates:
        warnings.append("total not found")
        return None, None
    i, gross = candidates[0]
    others = {a for _, a in candidates[1:] if a != gross}
    if others:
        warnings.append(f"other totals printed ({', '.join(money(a) for a in sorted(others))}) "
                        f"differ from the total {money(gross)}")
    return i, gross


_AMOUNT_ONLY = re.compile(r"^\s*(?:€|EUR|£|GBP|CHF)?\s*-?\d[\d.,']*\d\s*(?:€|EUR|£|GBP|CHF)?\s*$")


def _amount_below(text, usable, n):
    """The amount alone on the line right after usable[n] (nothing else on it), else None."""
    if n + 1 >= len(usable) or usable[n + 1] != usable[n] + 1:
        return None
    line = text[usable[n + 1]]
    amounts = find_amounts(line)
    return amounts[0][0] if len(amounts) == 1 and _AMOUNT_ONLY.match(line) else None


# --- items -----------------------------------------------------------------------------

def _find_items(text, folded, usable, total_i, words, profile, vat_codes=frozenset(), paid=None):
    items: list[Item] = []
    first: int | None = None
    pending: list[str] = []
    pending_after: int | None = None  # index of the item line the pending text directly follows
    last_item_i: int | None = None
    start = profile.items_start(text) if profile is not None else None
    end = total_i if total_i is not None else _first_payment_line(text, folded, usable, words)
    if paid is not None:
        end = paid
    if profile is not None:
        pend = profile.items_end(text)
        if pend is not None:
            end = pend if end is None else min(end, pend)
    region = [i for i in usable if (end is None or i < end) and (start is None or i > start)]
    digit_codes = {} if profile is not None or not vat_codes or not all(c.isdigit() for c in vat_codes) \
        else digit_codes_before(
        {i: text[i] for i in region if find_amounts(text[i]) and not _not_an_item(text[i], folded[i], words)
         and not (words.receipt_strong.search(folded[i]) or words.phone.search(folded[i]))}, set(vat_codes))
    if digit_codes:
        text = list(text)
        for i, (_, blanked) in digit_codes.items():
            text[i] = blanked
    field = _description_field(text, region, words)
    qty_above: tuple[Decimal, Decimal] | None = None  # a '3 x 9,51' line above its item
    for k, i in enumerate(region):
        line, f = text[i], folded[i]
        if _EAN_ONLY.match(line):
            continue  # an article's EAN printed on a line of its own: no description
        above = _qty_line(line)
        if above and _next_amount(text, region[k + 1:k + 4]) == (above[0] * above[1]).quantize(Decimal("0.01")):
            qty_above = above
            continue
        if not line.strip() or _SEPARATOR.match(line):
            if pending and pending_after is not None and items and _continues(items[-1], pending[0], field):
                _extend(items[-1], pending, field)
            pending = []
            continue
        if not pending:
            pending_after = last_item_i if last_item_i is not None and i - 1 == last_item_i else None
        amounts = find_amounts(line)
        item = profile.parse_item(line, " ".join(pending)) if profile is not None else None
        if item is None:
            if not amounts:
                if (find_date(line) or find_vat_id(line) or words.phone.search(f)
                        or _is_heading(f, words) or _looks_like_number_line(f, words)):
                    pending = []
                elif items and _fills(items[-1], line) and _qty_below(items[-1], line):
                    pass
                else:
                    pending.append(line.rstrip())
                continue
            if _not_an_item(line, f, words) or (pending and _AMOUNT_ONLY.match(line) and _label_no_item(
                    vocab.fold(pending[-1]), words)):  # 'Subtotal' / '   5,00': no item
                pending = []
                continue
            if first is None and (words.receipt_strong.search(f) or words.phone.search(f)):
                pending = []
                continue
            if items and _qty_below(items[-1], line):
                pending = []
                continue
            below = (pending and pending_after is not None and items
                     and _continues(items[-1], pending[0], field))
            item = parse_item(line, amounts, "" if below else " ".join(pending))
            if item is None:
                pending.append(line.rstrip())
                continue
            if below and not item.own:
                item = parse_item(line, amounts, " ".join(pending))
            elif below:
                _extend(items[-1], pending, field)
        if i in digit_codes:
            item.vat_code = digit_codes[i][0]
        if qty_above and item.kind != "discount" and \
                abs(item.amount) == (qty_above[0] * qty_above[1]).quantize(Decimal("0.01")):
            item.quantity, item.unit_price = qty_above
        qty_above = None
        items.append(item)
        first = i if first is None else first
        last_item_i = i
        pending = []
    if pending and pending_after is not None and items and _continues(items[-1], pending[0], field):
        _extend(items[-1], pending, field)
    _join_wrapped(items, field)
    if first is not None:
        # the header ends where the first item's wrapped description starts
        while first > 0 and text[first - 1].strip() and not find_amounts(text[first - 1]) \
                and items and items[0].description.startswith(text[first - 1].strip()[:8]):
            first -= 1
    return items, first


def _extend(item: Item, more: list[str], field: int) -> None:
    """Note the wrapped rest of a description; `_join_wrapped` writes it once all are known."""
    item.more = [*item.more, *more]
    item.kind = classify(" ".join([item.description, *more]), item.amount)
    if item.kind == "discount":
        item.quantity = item.unit_price = None


def _join_wrapped(items: list[Item], field: int) -> None:
    """Join wrapped descriptions. A till that cuts words at the column edge fills every
    wrapped line exactly; then the pieces are glued back without a space."""
    wrapped = [it for it in items if it.more]
    exact = [it for it in wrapped if it.desc_end >= field and not it.more[0][:1].isspace()]
    cut_words = bool(exact) and field > 0 and all(it.desc_end >= field - 1 for it in wrapped) and (
        len(wrapped) >= 2 or any(m[:1] in ",.-" or len(m.split()[0]) <= 2 for it in exact for m in it.more[:1]))
    for it in wrapped:
        text, last = it.description, it.desc_end
        for part in it.more:
            glued = cut_words and last >= field and not part[:1].isspace() and _may_continue(text, part.strip())
            text = text + part.strip() if glued else f"{text} {part.strip()}"
            last = len(part)
        it.description = text


def _may_continue(head: str, tail: str) -> bool:
    """Can `tail` be the rest of a word cut at the end of `head`? Not from a letter to a digit
    ('Butter' / '250g'; '250' / 'g' may be) nor from a small letter to a capital ('Apples' / 'Pink')."""
    a, b = head[-1:], tail[:1]
    if not a or not b:
        return False
    return not (a.isalpha() and b.isdigit() or a.islower() and b.isupper())


def _not_an_item(line: str, f: str, words: Words) -> bool:
    """A line with an amount in the items region that is no item: subtotal, savings, VAT, date."""
    return bool(words.subtotal.search(f) or words.savings.search(f) or words.vat_total.search(f)
                or (("tot" in f or "summe" in f)  # 'TOTAL HT', 'Total articles', 'Summe Artikel'
                    and words.total.search(f) and words.not_total.search(f))

                or find_date(line) or _VAT_ROW_START.match(line)
                or (words.vat_words.search(f) and PERCENT_RE.search(line)) or _tax_line(line, f, words))


def _label_no_item(f: str, words: Words) -> bool:
    """A label printed above its amount that names a total, subtotal, saving or the VAT (payment
    words are left out: 'Chocolate bar' / '1,20' is an item)."""
    return bool(words.total.search(f) or words.subtotal.search(f) or words.savings.search(f)
                or words.vat_total.search(f))


def _tax_line(line: str, f: str, words: Words) -> bool:
    """'A local tax   1,30' / 'MwSt  1,90': a tax amount on its own, no rate printed."""
    amounts = find_amounts(line)
    head = f[:amounts[0][1]] if amounts else ""
    return (len(amounts) == 1 and bool(words.vat_words.search(head)) and len(head.split()) <= 4
            and not PERCENT_RE.search(line))


def _description_field(text, region, words) -> int:
    """How wide the description column is: the longest description printed beside an amount."""
    widest = 0
    for i in region:
        amounts = find_amounts(text[i])
        if amounts and not _not_an_item(text[i], vocab.fold(text[i]), words):
            item = parse_item(text[i], amounts)
            if item is not None and item.own:
                widest = max(widest, item.desc_end)
    return widest


def _continues(prev: Item, line: str, field: int) -> bool:
    """Is `line` the rest of the description above it (wrapped below its amount line)?"""
    first_word = line.split()[0] if line.split() else ""
    return bool(prev.own) and prev.desc_end + 1 + len(first_word) > field and len(line.strip()) <= field


_QTY_ONLY = re.compile(r"^\s*(?P<qty>\d{1,4}(?:[.,]\d{1,3})?)\s*(?:kg|st\.?|stk\.?)?\s*[x×X*@]\s*"
                       r"(?:€\s?|EUR\s?)?(?P<unit>\d+[.,]\d{2,3})(?:\s?(?:€|EUR))?(?:\s?/\s?\w+)?\s*$")


_EAN_ONLY = re.compile(r"^\s*\d{8}(?:\d{4,6})?\s*$")


def _qty_line(line: str) -> tuple[Decimal, Decimal] | None:
    """'  2 x 1,50' on a line of its own: (quantity, unit price)."""
    m = _QTY_ONLY.match(line)
    if not m:
        return None
    qty, unit = parse_number(m.group("qty")), parse_number(m.group("unit"))
    return (qty, unit) if qty is not None and unit is not None else None


def _next_amount(text: list[str], following: list[int]) -> Decimal | None:
    """The (absolute) line amount of the next line with one, among `following`."""
    for j in following:
        amounts = find_amounts(text[j])
        if amounts:
            return abs(amounts[-1][0])
        if not text[j].strip():
            return None
    return None


def _qty_below(prev: Item, line: str) -> bool:
    """'  2 x 1,50' under an item line: its quantity and unit price. Updates `prev`."""
    found = _qty_line(line)
    if found is None or prev.kind == "discount":
        return False
    qty, unit = found
    if (qty * unit).quantize(Decimal("0.01")) != abs(prev.amount):
        return False
    prev.quantity, prev.unit_price = qty, unit
    return True


def _fills(prev: Item, line: str) -> bool:
    return True


def _is_heading(f: str, words: Words) -> bool:
    if f.strip() and not re.search(r"[a-z0-9]", f):
        return True  # a currency sign or other symbols over the amount column
    tokens = re.findall(r"[a-z]+", f)
    if len(tokens) < 2:
        return False
    hits = sum(1 for t in tokens if words.headings.fullmatch(t))
    return hits >= 2 and hits >= len(tokens) - 1


def _looks_like_number_line(f: str, words: Words) -> bool:
    return bool(words.receipt_strong.search(f) and re.search(r"\d", f))


def _paid_before(text, folded, lines, words):
    """A till that prints the payment and the change above the total: the first payment line
    of that block (the items end there), else None."""
    for n, i in enumerate(lines):
        if words.change.search(folded[i]) and find_amounts(text[i]):
            paid = None
            for j in reversed(lines[max(0, n - 4):n]):
                if not find_amounts(text[j]) or not any(p.search(folded[j]) for p in words.payment.values()):
                    break
                paid = j
            return paid
    return None


def _first_payment_line(text, folded, usable, words):
    for i in usable:
        if find_amounts(text[i]) and any(p.search(folded[i]) for p in words.payment.values()):
            return i
    return None


# --- VAT -------------------------------------------------------------------------------

def _find_vat(text, folded, usable, total_i, words):
    rows: list[dict] = []
    printed_vat = printed_net = None
    for i in usable:
        f = folded[i]
        amounts = find_amounts(text[i])
        if not amounts or words.discount.search(f):
            continue
        if total_i is not None and i < total_i and not words.vat_words.search(f):
            continue
        if PERCENT_RE.search(text[i]):
            row = parse_vat_row(text[i], amounts)
            if row is not None and not any(_same_row(r, row) for r in rows):
                rows.append(row)
            continue
        if total_i is not None and i < total_i and _tax_line(text[i], f, words):
            rows.append({"code": None, "rate": None, "base": None, "vat": amounts[0][0], "gross": None,
                         "alts": []})
            continue
        if words.vat_total.search(f) and len(amounts) == 1 and printed_vat is None:
            printed_vat = amounts[0][0]
        elif words.net_total.search(f) and len(amounts) == 1 and printed_net is None:
            printed_net = amounts[0][0]
    return rows, printed_vat, printed_net


def _same_row(a: dict, b: dict) -> bool:
    return all(a[k] == b[k] for k in ("code", "rate", "base", "vat", "gross"))


# --- payments --------------------------------------------------------------------------

_BANK_CARDS = ("card", "bancontact", "maestro", "visa", "mastercard", "amex", "vpay", "girocard", "payconiq")


def _find_payments(text, folded, after, words):
    payments: list[dict] = []
    change: Decimal | None = None
    masked: list[str] = []
    for i in after:
        f = folded[i]
        card = None if words.loyalty_card.search(f) else find_masked_card(text[i])
        if card:
            masked.append(card)
        amounts = find_amounts(text[i])
        if not amounts:
            continue
        if words.change.search(f):
            if change is None:
                change = abs(amounts[-1][0])
            continue
        p = parse_payment(text[i], f, amounts, words)
        if p is None:
            continue
        if p["method"] != "cash" and any(q["method"] == p["method"] and q["amount"] == p["amount"]
                                         for q in payments):
            continue  # the card slip repeats the card payment
        payments.append(p)
    for methods in (_BANK_CARDS, ("gift_card",)):  # a slip's card number is the bank card's first
        for p in payments:
            if p["method"] in methods and masked and p["card_masked"] is None:
                p["card_masked"] = masked.pop(0)
    for p in payments:
        p["amount"] = money(p["amount"])
    return payments, change


# --- date and time ---------------------------------------------------------------------

def _find_issued_at(text, folded, usable, words, profile, tz, warnings):
    found: tuple[date, time | None] | None = None
    if profile is not None:
        found = profile.find_datetime(text)
    if found is None:
        for n, i in enumerate(usable):
            if words.validity.search(folded[i]):
                continue
            d = find_date(text[i])
            if not d:
                continue
            t = find_time(text[i][d[2]:]) or find_time(text[i][:d[1]])
            if t is None:
                for j in usable[n + 1:n + 2] + usable[max(0, n - 1):n]:
                    if not find_date(text[j]) or j == i:
                        t = find_time(text[j])
                        if t:
                            break
            found = (d[0], t)
            break
    if found is None:
        warnings.append("date not found")
        return None
    d, t = found
    if t is None:
        warnings.append("time not found: issued_at holds the date only")
        return d.isoformat()
    naive = datetime.combine(d, t)
    aware = naive.replace(tzinfo=tz) if tz is not None else naive.astimezone()
    return aware.isoformat(timespec="seconds")


# --- receipt number --------------------------------------------------------------------

def _find_receipt_number(text, folded, usable, words, profile):
    if profile is not None:
        value = profile.find_receipt_number(text)
        if value:
            return value
    for pattern in (words.receipt_strong, words.receipt_weak):
        for i in usable:
            f = folded[i]
            if pattern is words.receipt_weak and find_amounts(text[i]):
                continue  # "ROSE No. 2   8,99" is an item, not a receipt number
            for m in pattern.finditer(f):
                before = f[max(0, m.start() - 12):m.start()]
                if words.receipt_exclude.search(f[m.start():m.end() + 12]) and not \
                        re.match(r"\s*[:#]?\s*(?:nr|no|n°)?\.?\s*[:#]?\s*\d", f[m.end():]):
                    continue
                if words.receipt_exclude.search(before.split()[-1] if before.split() else ""):
                    continue
                v = _NUMBER_VALUE.match(text[i], m.end())
                if not v:
                    continue
                value = v.group("v")
                if find_date(value) or find_time(value) or find_amounts(value):
                    continue
                return value
    return None


# --- merchant --------------------------------------------------------------------------

def _find_merchant(text, folded, header, words, hints=None):
    name = None
    address: list[str] = []
    used: set[int] = set()
    vat_id = None
    for i in header:
        found = find_vat_id(text[i])
        if found and vat_id is None:
            vat_id = found[0]
    styled = _styled_name(text, folded, header, words, hints) if hints is not None else []
    start = None
    if styled:
        name = " ".join(text[styled[0]].split())
        for prev, i in pairwise(styled):
            part = " ".join(text[i].split())
            # a word the till cut at the paper's edge ("Boulangerie Dupo" / "nt") is glued back
            cut = hints[prev].full and name[-1:].isalnum() and part[:1].isalnum()
            name = name + part if cut else f"{name} {part}"
        used.update(styled)
        start = styled[-1]
    for i in header:
        if start is not None and i <= start:
            continue
        line, f = text[i].strip(), folded[i]
        if not line or _SEPARATOR.match(line):
            if name is not None:
                if address:
                    break
            continue
        if name is None:
            if _not_a_name(line, f, words):
                continue
            name = " ".join(line.split())
            used.add(i)
            continue
        if _header_other(line, f, words):
            break
        if _POSTCODE_CITY.search(line) or _STREET.search(line):
            address.append(" ".join(line.split()))
            used.add(i)
            if _POSTCODE_CITY.search(line):
                break
        elif address:
            break
    return {"name": name, "address": ", ".join(address) if address else None, "vat_id": vat_id}, used


def _header_other(line: str, f: str, words: Words) -> bool:
    return bool(find_date(line) or find_vat_id(line) or words.phone.search(f)
                or words.receipt_strong.search(f) or find_amounts(line))


def _not_a_name(line: str, f: str, words: Words) -> bool:
    return (_header_other(line, f, words) or bool(words.greetings.search(f))
            or len(re.sub(r"[^\w]", "", line)) < 2)


def _styled_name(text, folded, header, words, hints) -> list[int]:
    """The merchant name printed big (or bold) at the top: its line and the lines it wrapped
    onto in the same style. [] when the top of the receipt has no such line."""
    top = [i for i in header if text[i].strip() and not _SEPARATOR.match(text[i])][:5]
    for wanted in ("big", "bold"):
        for n, i in enumerate(top):
            line, f = text[i].strip(), folded[i]
            if _POSTCODE_CITY.search(line) or (n and _STREET.search(line)):
                break  # the address: the name is above it
            if not getattr(hints[i], wanted) or _not_a_name(line, f, words):
                continue
            out = [i]
            for j in top[n + 1:]:
                if j != out[-1] + 1 or hints[j].big != hints[i].big or hints[j].bold != hints[i].bold \
                        or _not_a_name(text[j].strip(), folded[j], words) \
                        or _POSTCODE_CITY.search(text[j]) or _STREET.search(text[j]):
                    break
                out.append(j)
            return out
    return []


def _find_currency(text, profile):
    """The currency printed; else the till profile's (for receipts that never print one)."""
    joined = "\n".join(text)
    counts = {code: len(pattern.findall(joined)) if any(k in joined for k in keys) else 0
              for code, keys, pattern in _CURRENCIES}
    best = max(counts.values())
    if best:
        return next(code for code, n in counts.items() if n == best)
    return profile.currency if profile is not None and profile.currency else None


# printed currency signs and codes; the most frequent one on a receipt wins (ties: this order).
# The plain substrings first: a regular expression only runs on a receipt that has one.
_CURRENCIES = [("EUR", ("€", "EUR"), re.compile(r"€|\bEUR\b")), ("GBP", ("£", "GBP"), re.compile(r"£|\bGBP\b")),
               ("CHF", ("CHF", "Fr."), re.compile(r"\bCHF\b|\bS?Fr\.\s?\d")),
               ("USD", ("$", "USD"), re.compile(r"\$\s?\d|\bUSD\b"))]
