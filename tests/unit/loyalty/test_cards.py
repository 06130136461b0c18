"""Card validation: what a scan must look like to count as a loyalty card."""

from __future__ import annotations

import pytest

from gateway.config.schema import ConfigError, load_text
from gateway.config.sections import SECTIONS
from gateway.scanner.cards import (
    CardRules,
    gs1_check_digit,
    rules_from_config,
    upce_to_upca,
    validate,
)


@pytest.mark.parametrize("scan, kind", [
    ("4006381333931", "ean13"),
    ("5449000000996", "ean13"),
    ("96385074", "ean8"),
    ("036000291452", "upca"),
    ("04252614", "upce"),
    ("ABC-12345", "code128"),
    ("]E04006381333931", "ean13"),            # AIM identifier removed
    (" 4006 3813 3393 1\r\n", "ean13"),        # spaces and line end removed
])
def test_well_formed_cards_are_accepted(scan, kind):
    r = validate(scan)
    assert r.valid and r.kind == kind
    assert r.number == scan.strip().replace(" ", "").removeprefix("]E0")


@pytest.mark.parametrize("scan, words", [
    ("4006381333932", "check digit"),          # one digit misread
    ("400638133393", "check digit"),           # half scan: 12 digits, not a UPC-A
    ("96385075", "check digit"),
    ("", "empty"),
    ("   \r\n", "empty"),
    ("40", "too short"),
    ("\x1b[A\x1b[B", "garbled"),
    ("4006\x00381", "garbled"),
    ("caf\ufffd", "garbled"),
    ("{\"card\": \"24", "half-read"),
    ("{\"name\": \"x\"}", "without a card number"),
    ("https://app.example.com/", "without a card number"),
    ("hello world, this is not a card!", "not a card number"),
    ("9" * 5000, "too long"),
])
def test_garbage_and_half_scans_are_refused_with_a_reason(scan, words):
    r = validate(scan)
    assert not r.valid and r.number is None and r.kind == "invalid"
    assert words in r.reason


def test_bytes_that_are_not_text_are_refused():
    assert "unreadable" in validate(b"\xff\xfe\x00").reason
    assert validate(b"4006381333931\n").valid


def test_code128_hint_skips_the_ean_check_digit():
    assert validate("]C14006381333932").kind == "code128"
    assert not validate("4006381333932").valid


@pytest.mark.parametrize("scan, number, kind", [
    ("https://app.example.com/c?card=2401%20000123", "2401000123", "qr-url"),
    ("https://app.example.com/wallet/2401000123", "2401000123", "qr-url"),
    ("loyalty://card?Card_Number=2401000123&v=2", "2401000123", "qr-url"),
    ('{"card": {"number": "2401 000 123"}}', "2401000123", "qr-json"),
    ('{"card_number": 2401000123}', "2401000123", "qr-json"),
    ('{"v": 1, "loyalty": {"id": "4006381333931"}}', "4006381333931", "qr-json"),
])
def test_app_qr_payloads_give_the_card_number(scan, number, kind):
    r = validate(scan)
    assert (r.valid, r.number, r.kind) == (True, number, kind)


def test_app_payload_number_still_checked():
    assert "check digit" in validate('{"card": "4006381333932"}').reason


def test_patterns_and_prefix_ranges_narrow_to_the_retailers_cards():
    rules = CardRules(patterns=[r"24\d{8}", r"4006\d{9}"], prefixes=["2400-2499", "4006"])
    assert validate("2401000123", rules).valid
    assert validate("4006381333931", rules).valid
    assert "patterns" in validate("5449000000996", rules).reason
    only_range = CardRules(prefixes=["2400-2499"])
    assert validate("2499000000", only_range).valid
    assert "prefixes" in validate("2500000000", only_range).reason
    assert "prefixes" in validate("ABCD-1234", only_range).reason


def test_bad_rules_name_the_entry():
    with pytest.raises(ValueError, match=r"\(\[0-9"):
        CardRules(patterns=["([0-9"])
    with pytest.raises(ValueError, match="2499-2400"):
        CardRules(prefixes=["2499-2400"])
    with pytest.raises(ValueError, match="24a"):
        CardRules(prefixes=["24a"])


def test_config_refuses_bad_patterns_with_file_and_key():
    text = """
[gateway]
id = "gw-1"
store_id = "s"
till_id = "t"
[till]
[printer]
link = "none"
[mqtt]
[scanner]
source = "serial"
device = "/dev/ttyACM0"
prefixes = ["24-2"]
"""
    with pytest.raises(ConfigError) as err:
        load_text(text, SECTIONS, file="gw.toml")
    assert "gw.toml" in str(err.value) and "[scanner] prefixes" in str(err.value)
    ok = load_text(text.replace('["24-2"]', '["24-25"]'), SECTIONS, file="gw.toml")
    assert rules_from_config(ok["scanner"]).problem("2499") is None


def test_repr_never_shows_the_number():
    r = validate("4006381333931")
    assert "4006381333931" not in repr(r) and "4006381333931" not in str(r)
    assert repr(r).count("*") == 11


def test_check_digit_helpers():
    assert gs1_check_digit("400638133393") == 1
    assert upce_to_upca("04252614") == "042100005264"
    assert upce_to_upca("24252614") is None
