"""How amounts, dates and months read in each page language (Jinja filters).

Amounts arrive as decimal strings with a dot ("7.50"); times as ISO 8601 with offset.
Anything unreadable is shown as it came, never as an error. The filters are pure and their
inputs repeat (a customer's dates and amounts, page after page), so their answers are cached.
"""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal, InvalidOperation
from functools import lru_cache

SYMBOLS = {"EUR": "€", "GBP": "£", "USD": "$", "CHF": "CHF"}
MONTHS = {
    "en": "January February March April May June July August September October November December",
    "nl": "januari februari maart april mei juni juli augustus september oktober november december",
    "fr": "janvier février mars avril mai juin juillet août septembre octobre novembre décembre",
}
DATE = {"en": "%Y-%m-%d %H:%M", "nl": "%d-%m-%Y %H:%M", "fr": "%d/%m/%Y %H:%M"}


@lru_cache(maxsize=8192)
def money(amount, loc: str = "en", currency: str | None = None) -> str:
    if amount is None or amount == "":
        return ""
    try:
        value = Decimal(str(amount))
    except InvalidOperation:
        return str(amount)
    sign, value = ("-" if value < 0 else ""), abs(value)
    text = f"{value:,.2f}"
    if loc in ("nl", "fr"):
        text = text.replace(",", " ").replace(".", ",").replace(" ", "." if loc == "nl" else "\u202f")
    symbol = SYMBOLS.get(currency or "EUR", currency or "")
    if loc == "fr":
        return f"{sign}{text}\u00a0{symbol}"
    return f"{sign}{symbol}\u00a0{text}" if loc == "nl" else f"{sign}{symbol}{text}"


def number(value, loc: str = "en") -> str:
    if value is None:
        return ""
    text = str(value)
    return text.replace(".", ",") if loc in ("nl", "fr") else text


@lru_cache(maxsize=8192)
def when(iso: str | None, loc: str = "en") -> str:
    if not iso:
        return ""
    try:
        return datetime.fromisoformat(iso).strftime(DATE.get(loc, DATE["en"]))
    except ValueError:
        return iso


def day(iso: str | None, loc: str = "en") -> str:
    return when(iso, loc)[:10]


def month(ym: str | None, loc: str = "en") -> str:
    """'2025-07' -> 'July 2025' / 'juli 2025' / 'juillet 2025'."""
    try:
        year, mon = str(ym).split("-")[:2]
        return f"{MONTHS.get(loc, MONTHS['en']).split()[int(mon) - 1]} {year}"
    except (ValueError, IndexError):
        return str(ym or "")


FILTERS = {"money": money, "number": number, "when": when, "day": day, "month": month}
