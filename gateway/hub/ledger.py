"""Loyalty points rules: what a receipt earns, sign-up bonus, campaigns, expiry. Pure (no I/O).

Every change of a customer's points is its own ledger row (`earn`, `bonus`, `redeem`, `expire`,
`adjust`); the balance is the sum of the rows, never a stored counter. This module computes the
rows; `gateway.hub.db.Store` writes them in the same transaction as the change that causes them.

Rules come from the hub config's `[loyalty_rules]` section (docs/hub.md):

    points_per_euro = 1.0
    categories = ["tobacco:(?i)\\b(tabak|tobacco|cigar)", "lottery:(?i)\\blott"]
    excluded_categories = ["tobacco", "lottery"]
    campaigns = ["2025-12-01..2025-12-24 x2", "2025-06-01..2025-06-30 x3 toys,books"]
    signup_bonus = 50
    expiry_days = 365
    reminder_days = 30

A line's category is the first `categories` entry whose regular expression matches its
description. Deposit lines never earn. Returns earn negative points (a return takes them back).
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from decimal import ROUND_DOWN, Decimal, InvalidOperation


@dataclass(frozen=True)
class Campaign:
    """Points x `multiplier` from `start` to `end` (inclusive dates), on `categories` (empty: every line)."""

    start: date
    end: date
    multiplier: Decimal
    categories: tuple[str, ...] = ()
    text: str = ""

    def applies(self, day: date | None, category: str | None) -> bool:
        if day is None or not self.start <= day <= self.end:
            return False
        return not self.categories or category in self.categories


_CAMPAIGN = re.compile(r"\s*(\d{4}-\d{2}-\d{2})\s*\.\.\s*(\d{4}-\d{2}-\d{2})\s+x(\d+(?:\.\d+)?)\s*([\w,\- ]*)\s*")


def parse_campaign(text: str) -> Campaign:
    """'2025-12-01..2025-12-24 x2 toys,books' -> Campaign; ValueError naming the expected form."""
    m = _CAMPAIGN.fullmatch(text)
    if not m:
        raise ValueError(f"campaign {text!r} is not 'YYYY-MM-DD..YYYY-MM-DD xN [category,...]'")
    start, end = date.fromisoformat(m.group(1)), date.fromisoformat(m.group(2))
    if end < start:
        raise ValueError(f"campaign {text!r} ends before it starts")
    cats = tuple(c.strip() for c in m.group(4).split(",") if c.strip())
    return Campaign(start, end, Decimal(m.group(3)), cats, text.strip())


def parse_category(text: str) -> tuple[str, re.Pattern]:
    """'tobacco:(?i)tabak' -> ('tobacco', compiled pattern); ValueError when malformed."""
    name, sep, pattern = text.partition(":")
    if not sep or not name.strip() or not pattern:
        raise ValueError(f"category {text!r} is not 'name:regular expression'")
    try:
        return name.strip(), re.compile(pattern)
    except re.error as exc:
        raise ValueError(f"category {text!r}: bad regular expression ({exc})") from None


@dataclass(frozen=True)
class Rules:
    points_per_euro: Decimal = Decimal(1)
    categories: tuple[tuple[str, re.Pattern], ...] = ()
    excluded_categories: frozenset[str] = frozenset()
    campaigns: tuple[Campaign, ...] = ()
    signup_bonus: int = 0
    expiry_days: int = 365          # 0: points never expire
    reminder_days: int = 30

    @classmethod
    def from_section(cls, section: dict | None) -> Rules:
        """From a checked `[loyalty_rules]` section (ValueError on a malformed category or campaign)."""
        s = section or {}
        return cls(points_per_euro=Decimal(str(s.get("points_per_euro", 1))),
                   categories=tuple(parse_category(c) for c in s.get("categories", [])),
                   excluded_categories=frozenset(s.get("excluded_categories", [])),
                   campaigns=tuple(parse_campaign(c) for c in s.get("campaigns", [])),
                   signup_bonus=int(s.get("signup_bonus", 0)), expiry_days=int(s.get("expiry_days", 365)),
                   reminder_days=int(s.get("reminder_days", 30)))

    def earn_section(self) -> dict:
        """What decides the points of one receipt, as `[loyalty_rules]` writes it: the scan answer
        carries it (`points_rules`) so the gateway can print the "+N" this hub will book."""
        return {"points_per_euro": str(self.points_per_euro),
                "categories": [f"{name}:{pattern.pattern}" for name, pattern in self.categories],
                "excluded_categories": sorted(self.excluded_categories),
                "campaigns": [c.text for c in self.campaigns]}

    def category(self, description: str) -> str | None:
        for name, pattern in self.categories:
            if pattern.search(description or ""):
                return name
        return None

    def expires_at(self, issued: datetime) -> str | None:
        if not self.expiry_days:
            return None
        return (issued + timedelta(days=self.expiry_days)).astimezone(UTC).isoformat(timespec="seconds")


def _amount(text) -> Decimal | None:
    try:
        return Decimal(str(text)) if text is not None else None
    except InvalidOperation:
        return None


def _issued(receipt: dict, fallback: datetime) -> datetime:
    text = receipt.get("issued_at")
    try:
        when = datetime.fromisoformat(text) if text else fallback
    except ValueError:
        when = fallback
    return when if when.tzinfo else when.replace(tzinfo=UTC)


def _whole(points: Decimal) -> int:
    return int(points.to_integral_value(rounding=ROUND_DOWN))


def receipt_entries(receipt: dict, rules: Rules, now: datetime | None = None) -> list[dict]:
    """Ledger rows a receipt earns: one `earn` row and, per campaign that applies, one `bonus` row.

    Keys: kind, points, note, expires_at (receipt_id/account_id/ts are added by the Store).
    A receipt with no usable amounts earns nothing (no rows).
    """
    now = now or datetime.now(UTC)
    issued = _issued(receipt, now)
    day = issued.date() if receipt.get("issued_at") else None
    base = Decimal(0)
    extra: dict[Campaign, Decimal] = {}
    lines = receipt.get("lines") or []
    if lines:
        for line in lines:
            amount = _amount(line.get("amount"))
            if amount is None or line.get("kind") == "deposit":
                continue
            cat = rules.category(line.get("description") or "")
            if cat in rules.excluded_categories:
                continue
            pts = amount * rules.points_per_euro
            base += pts
            for c in rules.campaigns:
                if c.applies(day, cat):
                    extra[c] = extra.get(c, Decimal(0)) + pts * (c.multiplier - 1)
    else:
        gross = _amount((receipt.get("totals") or {}).get("gross"))
        if gross is None:
            return []
        base = gross * rules.points_per_euro
        for c in rules.campaigns:
            if c.applies(day, None) and not c.categories:
                extra[c] = base * (c.multiplier - 1)
    number = receipt.get("receipt_number") or receipt.get("receipt_id")
    expires = rules.expires_at(issued)
    rows = []
    if _whole(base):
        rows.append({"kind": "earn", "points": _whole(base), "note": f"receipt {number}",
                     "expires_at": expires if base > 0 else None})
    for c, pts in extra.items():
        if _whole(pts):
            rows.append({"kind": "bonus", "points": _whole(pts), "note": f"campaign {c.text}",
                         "expires_at": expires if pts > 0 else None})
    return rows


def signup_entries(rules: Rules, now: datetime | None = None) -> list[dict]:
    if not rules.signup_bonus:
        return []
    now = now or datetime.now(UTC)
    return [{"kind": "bonus", "points": rules.signup_bonus, "note": "sign-up bonus",
             "expires_at": rules.expires_at(now)}]


def expiring(entries: list[dict], now: datetime) -> list[tuple[str, int]]:
    """Points still unspent per expiry date, oldest first: [(expires_at, points)].

    Spending (redeem, expire, negative adjust/earn) uses the points that expire first, so an
    `expire` row only takes what was earned, not yet spent, and past its date.
    """
    lots: list[list] = sorted(([e["expires_at"] or "9999", e["points"]] for e in entries if e["points"] > 0),
                              key=lambda lot: lot[0])
    spent = -sum(e["points"] for e in entries if e["points"] < 0)
    for lot in lots:
        used = min(lot[1], spent)
        lot[1] -= used
        spent -= used
    return [(when, pts) for when, pts in lots if pts > 0 and when != "9999"]


def expiry_entries(entries: list[dict], now: datetime) -> list[dict]:
    """The `expire` rows due now for one account's ledger `entries` (empty when none)."""
    stamp = now.astimezone(UTC).isoformat(timespec="seconds")
    due = sum(pts for when, pts in expiring(entries, now) if when <= stamp)
    return [{"kind": "expire", "points": -due, "note": "points expired", "expires_at": None}] if due else []
