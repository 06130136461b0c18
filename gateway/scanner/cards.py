"""Is this scan a loyalty card, and which number? Pure: a string in, a `CardResult` out.

A scan is one line from a scanner (HID, serial or the kiosk node). It may be

- an EAN-13 / EAN-8 / UPC-A / UPC-E number: the check digit must be right (a half
  scan or a misread usually breaks it);
- a Code 128 (or any other 1D) payload: letters, digits and `-`, 4..40 characters;
- a QR code from a loyalty app: a URL carrying the number (`?card=...`, `?card_number=`,
  `?number=`, `?id=`, or the last path segment) or JSON (`{"card": "..."}`,
  `{"card": {"number": "..."}}`, `{"card_number": ...}`, `{"number": ...}`).

A retailer narrows what counts as its card with `[scanner] patterns` (regular
expressions, any must match the whole number) and/or `[scanner] prefixes` (plain
prefixes "2401" or numeric ranges "2400-2499" over the first digits). With neither,
every well-formed number above is accepted.

An optional AIM symbology identifier at the start (`]E0`, `]C1`, `]Q1` ...), which
many scanners can be set to send, is removed and used as a hint: with `]C` (Code 128)
a 13-digit number is not held to the EAN check digit.

The number is only kept in memory: `repr()` of a result masks it, so a result that
ends up in a log line does not leak the card.
"""

from __future__ import annotations

import json
import re
from collections.abc import Sequence
from dataclasses import dataclass, field
from urllib.parse import parse_qs, unquote, urlsplit

from gateway.printer.barcodes import gs1_check_digit

MAX_SCAN = 4096  # a QR payload from an app is small; more than this is noise
_CODE128 = re.compile(r"[A-Za-z0-9\-]{4,40}")
_AIM = re.compile(r"\](?P<sym>[A-Za-z])(?P<mod>[0-9A-Za-z])")
_URL_KEYS = ("card", "card_number", "cardnumber", "number", "id", "c")
_JSON_KEYS = ("card", "card_number", "cardNumber", "number", "id", "loyalty")


@dataclass(frozen=True)
class CardResult:
    valid: bool
    number: str | None  # the card number, spaces removed; None when invalid
    kind: str  # ean13 | ean8 | upca | upce | code128 | qr-url | qr-json | invalid
    reason: str  # why it was refused, or what it was accepted as

    def __repr__(self) -> str:
        shown = mask(self.number) if self.number else None
        return f"CardResult(valid={self.valid}, number={shown!r}, kind={self.kind!r}, reason={self.reason!r})"

    __str__ = __repr__


def mask(number: str) -> str:
    """`4012 **** **** 81`-style: the last two characters only."""
    return "*" * max(len(number) - 2, 0) + number[-2:]


@dataclass(frozen=True)
class CardRules:
    """What a retailer's card looks like (`[scanner] patterns` and `prefixes`)."""

    patterns: Sequence[str] = ()
    prefixes: Sequence[str] = ()
    _compiled: tuple[re.Pattern, ...] = field(default=(), init=False, repr=False, compare=False)
    _ranges: tuple[tuple[str, str], ...] = field(default=(), init=False, repr=False, compare=False)

    def __post_init__(self):
        compiled = []
        for p in self.patterns:
            try:
                compiled.append(re.compile(p))
            except re.error as exc:
                raise ValueError(f"card pattern {p!r} is not a valid regular expression: {exc}") from None
        ranges = []
        for p in self.prefixes:
            m = re.fullmatch(r"\s*(\d+)\s*(?:-\s*(\d+)\s*)?", p)
            if not m or (m.group(2) and len(m.group(1)) != len(m.group(2))):
                raise ValueError(f"card prefix {p!r} must be digits (\"2401\") or a range of equal-length "
                                 f"digits (\"2400-2499\")")
            lo, hi = m.group(1), m.group(2) or m.group(1)
            if int(lo) > int(hi):
                raise ValueError(f"card prefix range {p!r} runs backwards")
            ranges.append((lo, hi))
        object.__setattr__(self, "_compiled", tuple(compiled))
        object.__setattr__(self, "_ranges", tuple(ranges))

    def problem(self, number: str) -> str | None:
        """None when the number fits this retailer's cards, else why not."""
        if self._compiled and not any(p.fullmatch(number) for p in self._compiled):
            return "not this store's card (matches none of [scanner] patterns)"
        if self._ranges and not any(number[:len(lo)].isdigit() and lo <= number[:len(lo)] <= hi
                                    for lo, hi in self._ranges):
            return "not this store's card (outside [scanner] prefixes)"
        return None


# -- check digits -----------------------------------------------------------------------------
def gs1_valid(digits: str) -> bool:
    return digits.isdigit() and len(digits) >= 2 and gs1_check_digit(digits[:-1]) == int(digits[-1])


def upce_to_upca(upce: str) -> str | None:
    """Expand an 8-digit UPC-E (number system 0/1) to its 12-digit UPC-A, or None."""
    if len(upce) != 8 or not upce.isdigit() or upce[0] not in "01":
        return None
    ns, d, check = upce[0], upce[1:7], upce[7]
    last = d[5]
    if last in "012":
        body = d[0:2] + last + "0000" + d[2:5]
    elif last == "3":
        body = d[0:3] + "00000" + d[3:5]
    elif last == "4":
        body = d[0:4] + "00000" + d[4]
    else:
        body = d[0:5] + "0000" + last
    return ns + body + check


# -- payloads ---------------------------------------------------------------------------------
def _from_url(text: str) -> str | None:
    parts = urlsplit(text)
    query = {k.lower(): v for k, v in parse_qs(parts.query).items()}
    for key in _URL_KEYS:
        if query.get(key):
            return query[key][0]
    segments = [unquote(s) for s in parts.path.split("/") if s]
    return segments[-1] if segments else None


def _from_json(value) -> str | None:
    if isinstance(value, str | int) and not isinstance(value, bool):
        return str(value)
    if isinstance(value, dict):
        for key in _JSON_KEYS:
            if key in value:
                found = _from_json(value[key])
                if found:
                    return found
    return None


def _bad(reason: str) -> CardResult:
    return CardResult(False, None, "invalid", reason)


def validate(scan: str | bytes, rules: CardRules | None = None) -> CardResult:
    """Check one scan. Never raises on any input."""
    rules = rules or CardRules()
    if isinstance(scan, bytes):
        try:
            scan = scan.decode("utf-8")
        except UnicodeDecodeError:
            return _bad("unreadable scan (not text): scan the card again")
    if len(scan) > MAX_SCAN:
        return _bad(f"scan too long ({len(scan)} characters): not a card")
    text = scan.strip().strip("\x00")
    symbology = ""
    m = _AIM.match(text)
    if m:
        symbology, text = m.group("sym").upper(), text[m.end():]
    if not text:
        return _bad("empty scan")
    if any(ord(c) < 0x20 or c in "\x7f\ufffd" for c in text):
        return _bad("garbled scan (control characters): scan the card again")

    kind = ""
    if text.startswith("{"):
        try:
            number = _from_json(json.loads(text))
        except ValueError:
            return _bad("half-read app code (JSON cut short): scan again")
        if number is None:
            return _bad("app code without a card number")
        kind = "qr-json"
    elif re.match(r"[A-Za-z][A-Za-z0-9+.\-]*://", text):
        number = _from_url(text)
        if not number:
            return _bad("app link without a card number")
        kind = "qr-url"
    else:
        number = text
    number = number.replace(" ", "")
    return _check_number(number, kind, symbology, rules)


def _check_number(number: str, kind: str, symbology: str, rules: CardRules) -> CardResult:
    if number.isdigit() and symbology != "C":
        n = len(number)
        gs1_kind = {13: "ean13", 12: "upca", 8: "ean8"}.get(n)
        if gs1_kind:
            if gs1_valid(number):
                return _fits(number, kind or gs1_kind, rules)
            upca = upce_to_upca(number) if n == 8 else None
            if upca and gs1_valid(upca):
                return _fits(number, kind or "upce", rules)
            return _bad(f"check digit wrong for a {n}-digit card (misread or half scan): scan again")
    if not _CODE128.fullmatch(number):
        if len(number) < 4:
            return _bad(f"too short for a card ({len(number)} characters): half scan?")
        return _bad("not a card number (only letters, digits and '-', 4 to 40 characters)")
    return _fits(number, kind or "code128", rules)


def _fits(number: str, kind: str, rules: CardRules) -> CardResult:
    problem = rules.problem(number)
    if problem:
        return _bad(problem)
    return CardResult(True, number, kind, f"{kind} card")


def rules_from_config(scanner: dict) -> CardRules:
    """CardRules from a `[scanner]` section (ValueError with the bad entry named)."""
    return CardRules(tuple(scanner.get("patterns") or ()), tuple(scanner.get("prefixes") or ()))
