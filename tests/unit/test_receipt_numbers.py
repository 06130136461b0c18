"""Amounts, dates, VAT ids and card numbers as printed on European receipts."""

from datetime import date, time
from decimal import Decimal

import pytest

from gateway.receipt.numbers import (
    find_amounts,
    find_date,
    find_masked_card,
    find_time,
    find_vat_id,
    parse_number,
    redact_pans,
)


@pytest.mark.parametrize("text,value", [
    ("12,50", "12.50"), ("12.50", "12.50"), ("1.234,56", "1234.56"), ("1,234.56", "1234.56"),
    ("-3,00", "-3.00"), ("3,00-", "-3.00"), ("0,535", "0.535"), ("7", "7"),
])
def test_parse_number(text, value):
    assert parse_number(text) == Decimal(value)


@pytest.mark.parametrize("line,amounts", [
    ("Cola 2 x 1,50   3,00 A", ["1.50", "3.00"]),
    ("TOTAL EUR 1.234,56", ["1234.56"]),
    ("Korting -0,50", ["-0.50"]),
    ("Retour 3,00-", ["-3.00"]),
    ("Remise (4,00)", ["-4.00"]),
    ("€12.50", ["12.50"]),
    ("Wijn rood 0,75L   7,99", ["7.99"]),       # a volume is no amount
    ("Bananen 1,234 kg   2,46", ["2.46"]),      # nor a weight
    ("A 20,00%  10,00  2,00", ["10.00", "2.00"]),  # nor a rate
    ("12/03/2024 14:32", []),
])
def test_find_amounts(line, amounts):
    assert [str(a) for a, _, _ in find_amounts(line)] == amounts


@pytest.mark.parametrize("line,expected", [
    ("Datum: 12-03-2024", date(2024, 3, 12)), ("12/03/24 14:32", date(2024, 3, 12)),
    ("12.03.2024", date(2024, 3, 12)), ("2024-03-12T14:32", date(2024, 3, 12)),
    ("12 mars 2024", date(2024, 3, 12)), ("Monday 6th of April 2015", date(2015, 4, 6)), ("12. März 2024", date(2024, 3, 12)), ("12 Mar 2024", date(2024, 3, 12)),
    ("31-02-2024", None), ("Tel 12.34.56", None),
])
def test_find_date(line, expected):
    found = find_date(line)
    assert (found[0] if found else None) == expected


def test_find_time():
    assert find_time("14:32:05") == time(14, 32, 5)
    assert find_time("à 9h05") == time(9, 5)
    assert find_time("12,50") is None
    assert find_time("02:56:25 PM") == time(14, 56, 25)
    assert find_time("12:05 am") == time(0, 5)


@pytest.mark.parametrize("line,vat_id,ok", [
    ("BTW BE 0403.170.701", "BE0403170701", True), ("TVA BE0123.456.749", "BE0123456749", True),
    ("NL123456782B01", "NL123456782B01", True), ("FR 40 303 265 045", "FR40303265045", True),
    ("USt-IdNr. DE 136 695 976", "DE136695976", True), ("LU 15027442", "LU15027442", True),
    ("BE 0123.456.700", "BE0123456700", False),
])
def test_find_vat_id(line, vat_id, ok):
    assert find_vat_id(line) == (vat_id, ok)


def test_card_numbers_are_only_ever_masked():
    assert find_masked_card("Kaart: XXXX XXXX XXXX 1234") == "************1234"
    assert find_masked_card("Karte **** 9876") == "****9876"
    assert find_masked_card("4111 1111 1111 1111") == "************1111"  # a full PAN gets masked
    assert redact_pans("Card 4111111111111111 ok") == "Card ************1111 ok"
    assert redact_pans("4111 1111 1111 1111") == "**** **** **** 1111"
    assert redact_pans("EAN 4006381333931") == "EAN 4006381333931"  # 13 digits: not touched
