"""Points rules (pure): per euro, excluded categories, deposits, returns, campaigns, expiry order."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from gateway.hub.gaps import advance, settle
from gateway.hub.ledger import Rules, expiring, expiry_entries, parse_campaign, receipt_entries

RULES = Rules.from_section({
    "points_per_euro": 2,
    "categories": ["tobacco:(?i)\\b(tabak|cigarettes?)\\b", "toys:(?i)\\blego\\b"],
    "excluded_categories": ["tobacco"],
    "campaigns": ["2025-12-01..2025-12-24 x2 toys", "2025-12-20..2025-12-21 x3"],
    "signup_bonus": 25, "expiry_days": 365,
})


def line(desc, amount, kind="sale"):
    return {"description": desc, "quantity": "1", "unit_price": amount, "amount": amount, "vat_code": "A", "kind": kind}


def receipt(lines, issued="2025-11-05T10:00:00+01:00", gross=None):
    return {"receipt_number": "42", "issued_at": issued, "lines": lines, "totals": {"gross": gross}}


def test_points_per_euro_skip_excluded_categories_and_deposits():
    rows = receipt_entries(receipt([line("Bread", "3.40"), line("Cigarettes Marlboro", "9.00"),
                                    line("Bottle deposit", "0.10", "deposit")]), RULES)
    assert rows == [{"kind": "earn", "points": 6, "note": "receipt 42", "expires_at": "2026-11-05T09:00:00+00:00"}]


def test_a_return_takes_points_back_without_expiry():
    rows = receipt_entries(receipt([line("Shoes", "-30.00", "return")]), RULES)
    assert rows == [{"kind": "earn", "points": -60, "note": "receipt 42", "expires_at": None}]


def test_campaigns_add_their_own_bonus_rows_by_date_and_category():
    rows = receipt_entries(receipt([line("LEGO City", "10.00"), line("Bread", "2.00")],
                                   issued="2025-12-20T15:00:00+01:00"), RULES)
    assert [(r["kind"], r["points"], r["note"]) for r in rows] == [
        ("earn", 24, "receipt 42"),
        ("bonus", 20, "campaign 2025-12-01..2025-12-24 x2 toys"),     # toys only: 10 EUR x 2 pts x (2-1)
        ("bonus", 48, "campaign 2025-12-20..2025-12-21 x3")]          # everything: 24 x (3-1)
    assert receipt_entries(receipt([line("LEGO City", "10.00")], issued="2025-12-25T09:00:00+01:00"),
                           RULES) == [{"kind": "earn", "points": 20, "note": "receipt 42",
                                       "expires_at": "2026-12-25T08:00:00+00:00"}]


def test_no_lines_uses_the_total_and_nothing_readable_earns_nothing():
    assert receipt_entries(receipt([], gross="7.99"), RULES)[0]["points"] == 15
    assert receipt_entries(receipt([], gross=None), RULES) == []


def test_bad_campaign_and_category_texts_are_refused():
    with pytest.raises(ValueError, match="YYYY-MM-DD..YYYY-MM-DD xN"):
        parse_campaign("december x2")
    with pytest.raises(ValueError, match="ends before it starts"):
        parse_campaign("2025-12-24..2025-12-01 x2")
    with pytest.raises(ValueError, match="name:regular expression"):
        Rules.from_section({"categories": ["tobacco"]})


def test_spending_uses_the_points_that_expire_first():
    entries = [{"points": 40, "expires_at": "2025-02-01T00:00:00+00:00"},
               {"points": 10, "expires_at": "2025-03-01T00:00:00+00:00"},
               {"points": 5, "expires_at": None},
               {"points": -45, "expires_at": None}]
    assert expiring(entries, datetime(2025, 1, 1, tzinfo=UTC)) == [("2025-03-01T00:00:00+00:00", 5)]
    assert expiry_entries(entries, datetime(2025, 2, 15, tzinfo=UTC)) == []
    assert expiry_entries(entries, datetime(2025, 3, 2, tzinfo=UTC))[0]["points"] == -5


def test_gap_bookkeeping():
    assert advance(0, [], [1, 2, 3]) == (3, [])
    assert advance(0, [], [3, 7]) == (7, [(1, 2), (4, 6)])
    assert advance(7, [(1, 2), (4, 6)], [5, 1]) == (7, [(2, 2), (4, 4), (6, 6)])
    assert advance(7, [(4, 6)], [6, 4, 5]) == (7, [])
    assert settle([(1, 10)], 3, 5) == [(1, 2), (6, 10)]
