"""Item lines: 'Cola 33cl   2 x 1,50   3,00 A' -> description, quantity, unit price, amount, VAT code."""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from decimal import Decimal

from gateway.receipt import vocab
from gateway.receipt.numbers import QTY_RE, find_amounts, parse_number

_VAT_CODE = re.compile(r"^(?:[A-Z]|\d|[A-Z]\*|\*|\d{1,2}(?:[.,]\d{1,2})?\s?%)$")
_QTY_X_UNIT = re.compile(
    r"(?P<qty>-?" + QTY_RE + r")\s*(?P<unit_word>kg|g|l|st\.?|stk\.?|pcs?|x)?\s*[x×X*@]\s*"
    r"(?:€\s?|EUR\s?)?(?P<unit>-?\d+[.,]\d{2,3})(?:\s?(?:€|EUR))?(?:\s?/\s?(?:kg|l|st|stk|pc|pce|piece))?")
_LEAD_QTY = re.compile(r"^\s*(?P<qty>\d{1,3})(?:\s*[xX×]\s+|\s{2,}|\s*[xX×](?=[A-Za-zÀ-ÿ]))(?P<rest>\S.*)$")
_TRAIL_QTY = re.compile(r"^(?P<rest>.*\S)\s{2,}(?P<qty>\d{1,3})\s*$")
_CODE_BEFORE = re.compile(r"(?:\s{2,}|(?<=\d)\s)(?P<code>[A-Z])\s+$")  # 'Brot   A   3,49', '2 x 1,50 A 3,00'
_WEIGHT = re.compile(r"(?P<qty>\d{1,3}[.,]\d{3})\s?kg", re.I)

KINDS = ("sale", "return", "discount", "deposit")


@dataclass
class Item:
    description: str
    quantity: Decimal | None
    unit_price: Decimal | None
    amount: Decimal
    vat_code: str | None
    kind: str = "sale"
    own: str = ""  # the description printed on the amount line itself
    desc_end: int = 0  # column after that description
    more: list[str] = field(default_factory=list)  # wrapped lines below, as printed


def split_vat_code(line: str, amount_end: int) -> tuple[str | None, bool]:
    """What follows the line's last amount: a VAT code, nothing, or something else (False)."""
    rest = line[amount_end:].strip()
    if not rest:
        return None, True
    if _VAT_CODE.match(rest):
        code = rest.rstrip("*").replace(" ", "") or rest
        return code, True
    return None, False


def parse_item(line: str, amounts, pending: str = "", patterns: dict | None = None) -> Item | None:
    """Parse one item line whose last amount is the line amount; `pending` is wrapped text above it."""
    amount, a_start, a_end = amounts[-1]
    vat_code, clean = split_vat_code(line, a_end)
    if not clean:
        return None
    left = line[:a_start]
    if vat_code is None:
        before = _CODE_BEFORE.search(left)
        if before:
            vat_code, left = before.group("code"), left[:before.start()]
            a_start = len(left)
    qty: Decimal | None = None
    unit: Decimal | None = None
    num_start = a_start
    m = _QTY_X_UNIT.search(left)
    if m:
        num_start = m.start()
        qty = parse_number(m.group("qty"))
        unit = parse_number(m.group("unit"))
        left = left[:m.start()] + " " + left[m.end():]
    else:
        inner = find_amounts(left)
        if inner:
            unit, u_start, _ = inner[-1]
            head = left[:u_start]
            tq = _TRAIL_QTY.match(head) or re.match(r"^(?P<rest>.*\S)\s+(?P<qty>\d{1,3})\s*$", head)
            num_start = u_start
            if tq and parse_number(tq.group("qty")) and unit * parse_number(tq.group("qty")) == abs(amount):
                qty = parse_number(tq.group("qty"))
                left = tq.group("rest")
                num_start = tq.start("qty")
            else:
                left = head
                if unit and amount % unit == 0 and amount / unit > 0:
                    qty = amount / unit
                elif unit and amount < 0 and unit > 0 and (-amount) % unit == 0:
                    qty = -amount / unit
        else:
            lq = _LEAD_QTY.match(left)
            tq = _TRAIL_QTY.match(left)
            w = _WEIGHT.search(left)
            if lq:
                qty = parse_number(lq.group("qty"))
                left = lq.group("rest")
            elif tq:
                qty = parse_number(tq.group("qty"))
                left = tq.group("rest")
                num_start = tq.start("qty")
            elif w:
                qty = parse_number(w.group("qty"))
            if qty and qty > 0 and not w:
                unit = abs(amount) / qty
                if unit != unit.quantize(Decimal("0.001")):
                    unit = None
    if qty is None and pending:  # '3x Biologische halfvolle' / 'melk   1,65': the quantity leads the wrap
        lq = _LEAD_QTY.match(pending)
        if lq and not _LEAD_QTY.match(left):
            qty, pending = parse_number(lq.group("qty")), lq.group("rest")
            unit = abs(amount) / qty if qty else None
            if unit is not None and unit != unit.quantize(Decimal("0.001")):
                unit = None
    own = " ".join(left.split()).strip(" :-*")
    description = " ".join((pending + " " + left).split()).strip(" :-*")
    kind = classify(description, amount)
    if kind == "discount":
        qty = unit = None
    elif qty is None:
        qty, unit = Decimal(1), abs(amount)
    if qty is not None and qty < 0:
        qty = -qty
    if unit is not None and unit < 0:
        unit = -unit
    return Item(description, qty, unit, amount, vat_code, kind, own, len(line[:num_start].rstrip()))


_DIGIT_BEFORE = re.compile(r"(?<=\s)(?P<code>\d)\s+(?=\S+$)")


def digit_codes_before(lines: dict[int, str], codes: set[str]) -> dict[int, tuple[str, str]]:
    """'Baguette   1   4,36': a VAT code that is a digit printed before the amount reads like a
    quantity. It is the code when every item line (`lines`: index -> line) carries one of the VAT
    table's digit codes there and the quantity reading fails somewhere (a discount with a
    quantity, a unit price that is no whole cent, a 'qty x unit' printed beside it).
    Returns {index: (code, the line with the code blanked)}; {} when that is not so."""
    if len(lines) < 2 or not codes or not all(c.isdigit() for c in codes):
        return {}
    out: dict[int, tuple[str, str]] = {}
    evidence = False
    for i, line in lines.items():
        amounts = find_amounts(line)
        m = _DIGIT_BEFORE.search(line[:amounts[-1][1]] + "0") if amounts else None
        if m is None or m.group("code") not in codes or split_vat_code(line, amounts[-1][2])[0] is not None:
            return {}
        amount, digit = abs(amounts[-1][0]), int(m.group("code"))
        evidence = evidence or bool(_QTY_X_UNIT.search(line) or DISCOUNT_RE.search(vocab.fold(line))
                                    or digit == 0 or (amount / digit).quantize(Decimal("0.01")) * digit != amount)
        out[i] = (m.group("code"), line[:m.start()] + " " * (m.end() - m.start()) + line[m.end():])
    return out if evidence else {}


def classify(description: str, amount: Decimal) -> str:
    f = vocab.fold(description)
    if DEPOSIT_RE.search(f):
        return "deposit"
    if DISCOUNT_RE.search(f):
        return "discount" if amount <= 0 else "sale"
    if RETURN_RE.search(f) or amount < 0:
        return "return"
    return "sale"


DEPOSIT_RE = vocab.kw(vocab.DEPOSIT)
DISCOUNT_RE = vocab.kw(vocab.DISCOUNT)
RETURN_RE = vocab.kw(vocab.RETURN)
