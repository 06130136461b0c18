"""Amounts, quantities, rates, VAT ids and dates as printed on European receipts.

Pure functions over text; every amount is a `decimal.Decimal`. A value that
cannot be read for sure is `None`, never a guess.
"""

from __future__ import annotations

import re
from datetime import date, time
from decimal import Decimal, InvalidOperation
from functools import lru_cache

CENT = Decimal("0.01")

# An amount: optional sign or currency, digits with optional thousands separators,
# a decimal comma or dot and exactly two decimals, optional trailing minus. A VAT letter
# may touch the amount at the end of a line ("2,88B": a column move past the paper's edge
# that the printer ignored).
AMOUNT_RE = re.compile(
    r"(?<![\w.,/:])(?P<lead>-\s?|\(\s?)?(?:(?:€|EUR|£|GBP|CHF)\s?)?(?P<lead2>-\s?)?"
    r"(?P<num>\d{1,3}(?:[.,'](?=\d{3}[.,]\d{2}\b)\d{3})*[.,]\d{2}|\d+[.,]\d{2})"
    r"(?![\d/:%]|[.,]\d|\s?%)(?:\s?(?:€|EUR|£|GBP|CHF)\b)?(?P<trail>\s?-(?!\d)|\))?(?![a-z]|[A-Z](?<![A-D])|[A-D](?![\s*]*$))"
)
PERCENT_RE = re.compile(r"(?<![\d.,])(?P<rate>\d{1,2}(?:[.,]\d{1,2})?)\s?%")
QTY_RE = r"\d{1,4}(?:[.,]\d{1,3})?"


def parse_number(text: str) -> Decimal | None:
    """'1.234,56' / '1,234.56' / '12,50' / '7.5' -> Decimal (None when unreadable)."""
    t = text.strip().replace("'", "").replace("\u202f", "").replace(" ", "")
    if not t:
        return None
    neg = t.startswith("-") or t.endswith("-")
    t = t.strip("-+")
    if "," in t and "." in t:
        dec = "," if t.rfind(",") > t.rfind(".") else "."
        t = t.replace("." if dec == "," else ",", "").replace(dec, ".")
    elif "," in t:
        t = t.replace(",", ".") if t.count(",") == 1 else t.replace(",", "")
    elif t.count(".") > 1:
        t = t.replace(".", "")
    try:
        value = Decimal(t)
    except InvalidOperation:
        return None
    if not value.is_finite():
        return None
    return -value if neg else value


@lru_cache(maxsize=8192)
def find_amounts(line: str) -> tuple[tuple[Decimal, int, int], ...]:
    """Every amount on a line: (value, start, end), left to right (cached: lines repeat)."""
    if not any(c.isdigit() for c in line):
        return ()
    out = []
    for m in AMOUNT_RE.finditer(line):
        value = parse_number(m.group("num"))
        if value is None:
            continue
        lead = (m.group("lead") or "") + (m.group("lead2") or "")
        trail = m.group("trail") or ""
        if "-" in lead or "-" in trail or ("(" in lead and ")" in trail):
            value = -value
        out.append((value, m.start(), m.end()))
    return tuple(out)


def money(value: Decimal | None) -> str | None:
    """Decimal -> '7.50' (two decimals, dot)."""
    if value is None:
        return None
    return str(value.quantize(CENT))


def plain(value: Decimal | None) -> str | None:
    """Decimal -> shortest exact string with a dot ('2', '0.535', '5.5')."""
    if value is None:
        return None
    s = format(value.normalize(), "f")
    return s


# --- VAT ids -------------------------------------------------------------------------

_VAT_PATTERNS = [
    ("BE", re.compile(r"\bBE\s?[:.]?\s?(?P<d>[01]\s?\d{3}[.\s]?\d{3}[.\s]?\d{3})\b")),
    ("NL", re.compile(r"\bNL\s?(?P<d>\d{9}\s?B\s?\d{2})\b")),
    ("FR", re.compile(r"\bFR\s?(?P<d>[0-9A-HJ-NP-Z]{2}\s?\d{3}\s?\d{3}\s?\d{3})\b")),
    ("DE", re.compile(r"\bDE\s?(?P<d>\d{3}\s?\d{3}\s?\d{3})\b")),
    ("LU", re.compile(r"\bLU\s?(?P<d>\d{8})\b")),
]


def find_vat_id(line: str) -> tuple[str, bool] | None:
    """The first EU VAT id on a line, normalised ('BE0123456789'), and whether its check digits hold."""
    for cc, pat in _VAT_PATTERNS:
        m = pat.search(line)
        if m:
            digits = re.sub(r"[\s.]", "", m.group("d"))
            return cc + digits, _vat_checksum_ok(cc, digits)
    return None


def _vat_checksum_ok(cc: str, d: str) -> bool:
    if cc == "BE":
        return 97 - int(d[:8]) % 97 == int(d[8:])
    if cc == "LU":
        return int(d[:6]) % 89 == int(d[6:])
    if cc == "FR" and d[:2].isdigit():
        return (12 + 3 * (int(d[2:]) % 97)) % 97 == int(d[:2])
    if cc == "NL":
        weights = [9, 8, 7, 6, 5, 4, 3, 2, -1]
        s = sum(w * int(c) for w, c in zip(weights, d[:9], strict=True))
        return s % 11 == 0 or _mod97_nl(d)
    if cc == "DE":
        product = 10
        for c in d[:8]:
            s = (int(c) + product) % 10 or 10
            product = (2 * s) % 11
        return (11 - product) % 10 == int(d[8])
    return True


def _mod97_nl(d: str) -> bool:
    # since 2020 sole traders have ids checked with ISO 7064 mod 97-10 over "NL" + id
    text = "2321" + d  # N=23, L=21
    text = text.replace("B", "11")
    return int(text) % 97 == 1


# --- dates and times ------------------------------------------------------------------

MONTHS = {
    # nl
    "jan": 1, "januari": 1, "feb": 2, "februari": 2, "mrt": 3, "maart": 3, "apr": 4, "april": 4,
    "mei": 5, "jun": 6, "juni": 6, "jul": 7, "juli": 7, "aug": 8, "augustus": 8, "sep": 9,
    "sept": 9, "september": 9, "okt": 10, "oktober": 10, "nov": 11, "november": 11, "dec": 12,
    "december": 12,
    # fr
    "janv": 1, "janvier": 1, "févr": 2, "fevr": 2, "février": 2, "fevrier": 2, "mars": 3,
    "avr": 4, "avril": 4, "mai": 5, "juin": 6, "juil": 7, "juillet": 7, "août": 8, "aout": 8,
    "sept.": 9, "septembre": 9, "oct": 10, "octobre": 10, "novembre": 11, "déc": 12,
    "décembre": 12, "decembre": 12,
    # de
    "januar": 1, "februar": 2, "märz": 3, "maerz": 3, "mär": 3, "mai.": 5, "juni.": 6,
    "okt.": 10, "dez": 12, "dezember": 12,
    # en
    "january": 1, "february": 2, "march": 3, "mar": 3, "may": 5, "june": 6, "july": 7,
    "august": 8, "october": 10,
}

_NUM_DATE = re.compile(
    r"(?<![\d.,/-])(?:(?P<y1>20\d{2})[-/.](?P<m1>\d{1,2})[-/.](?P<d1>\d{1,2})"
    r"|(?P<d2>\d{1,2})(?P<sep>[-/.])(?P<m2>\d{1,2})(?P=sep)(?P<y2>\d{4}|\d{2}))(?![\d,]|\.\d)")
_WORD_DATE = re.compile(r"(?<!\d)(?P<d>\d{1,2})(?:st|nd|rd|th|er)?\.?\s+(?:of\s+)?"
                        r"(?P<mon>[A-Za-zéûäÄ]{3,10}\.?),?\s+(?P<y>20\d{2})\b")
_TIME = re.compile(r"(?<![\d.,:])(?P<h>[01]?\d|2[0-3])\s?[:h]\s?(?P<m>[0-5]\d)(?::(?P<s>[0-5]\d))?(?![\d,.]\d)"
                   r"(?:\s?(?P<ampm>[AaPp])\.?[Mm]\b\.?)?")


@lru_cache(maxsize=8192)
def find_date(line: str) -> tuple[date, int, int] | None:
    """The first plausible date on a line: (date, start, end)."""
    for m in _NUM_DATE.finditer(line):
        if m.group("y1"):
            y, mo, d = int(m.group("y1")), int(m.group("m1")), int(m.group("d1"))
        else:
            d, mo, y = int(m.group("d2")), int(m.group("m2")), int(m.group("y2"))
            if y < 100:
                y += 2000
        if not 2000 <= y <= 2099:
            continue
        try:
            return date(y, mo, d), m.start(), m.end()
        except ValueError:
            continue
    for m in _WORD_DATE.finditer(line):
        mon = MONTHS.get(m.group("mon").lower().rstrip(".")) or MONTHS.get(m.group("mon").lower())
        if not mon:
            continue
        try:
            return date(int(m.group("y")), mon, int(m.group("d"))), m.start(), m.end()
        except ValueError:
            continue
    return None


def find_time(line: str) -> time | None:
    for m in _TIME.finditer(line):
        hour = int(m.group("h"))
        if m.group("ampm"):
            if hour > 12:
                continue
            hour = hour % 12 + (12 if m.group("ampm") in "Pp" else 0)
        return time(hour, int(m.group("m")), int(m.group("s") or 0))
    return None


# --- card numbers ---------------------------------------------------------------------

_MASKED = re.compile(r"(?<![\w*])(?:[0-9Xx*•#]{4}[ -]?){1,4}[0-9Xx*•#]{1,4}(?![\w*])")
_DIGITS_RUN = re.compile(r"(?<!\d)(?:\d[ -]?){12,18}\d(?!\d)")


def luhn_ok(digits: str) -> bool:
    total = 0
    for i, c in enumerate(reversed(digits)):
        n = int(c)
        if i % 2:
            n = n * 2 - 9 if n > 4 else n * 2
        total += n
    return total % 10 == 0


def find_masked_card(line: str) -> str | None:
    """A printed card number, masked: '**** **** **** 1234' -> '************1234'.

    A full PAN (all digits, Luhn-valid) is masked here so it never leaves the device.
    """
    for m in _MASKED.finditer(line):
        s = re.sub(r"[ -]", "", m.group(0))
        if len(s) < 8 or not any(c in "Xx*•#" for c in s) or not s[-4:].isdigit():
            continue
        return re.sub(r"[Xx•#]", "*", s)
    for m in _DIGITS_RUN.finditer(line):
        digits = re.sub(r"\D", "", m.group(0))
        if 13 <= len(digits) <= 19 and luhn_ok(digits):
            return "*" * (len(digits) - 4) + digits[-4:]
    return None


def redact_pans(line: str) -> str:
    """Replace any unmasked, Luhn-valid 15-19 digit card number in a printed line."""
    def sub(m: re.Match) -> str:
        digits = re.sub(r"\D", "", m.group(0))
        if 15 <= len(digits) <= 19 and luhn_ok(digits):
            keep = len(m.group(0)) - 4
            return re.sub(r"\d", "*", m.group(0)[:keep]) + m.group(0)[keep:]
        return m.group(0)

    return _DIGITS_RUN.sub(sub, line)
