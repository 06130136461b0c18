from hypothesis import given
from hypothesis import strategies as st
from kiosk import validate

from tests.unit.firmware.conftest import ean13


@given(st.text("0123456789", min_size=12, max_size=12))
def test_every_ean13_with_its_check_digit_passes_and_any_other_digit_fails(body):
    code = ean13(body)
    assert validate.check_ok(code, "ean13")
    for wrong in "0123456789":
        if wrong != code[-1]:
            assert not validate.check_ok(code[:-1] + wrong, "ean13")


@given(st.text("0123456789", min_size=12, max_size=12), st.integers(0, 11), st.integers(1, 9))
def test_a_single_mistyped_digit_is_caught(body, pos, delta):
    code = ean13(body)
    bad = code[:pos] + str((int(code[pos]) + delta) % 10) + code[pos + 1:]
    assert not validate.check_ok(bad, "ean13")


def test_known_codes_of_each_symbology():
    assert validate.check_ok("96385074", "ean8")
    assert not validate.check_ok("96385075", "ean8")
    assert validate.check_ok("036000291452", "upca")
    assert not validate.check_ok("036000291453", "upca")
    assert validate.upce_to_upca("04252614") == "042100005264"
    assert validate.check_ok("04252614", "upce")
    assert not validate.check_ok("04252615", "upce")
    assert not validate.check_ok("24252614", "upce")  # number system 2 is not UPC-E
    assert validate.check_ok("79927398713", "luhn")
    assert not validate.check_ok("79927398710", "luhn")
    assert validate.check_ok("4006381333931", "gtin") and validate.check_ok("96385074", "gtin")
    assert not validate.check_ok("12345", "gtin")


def test_patterns():
    assert validate.pattern_ok("2400000000013", "2400#########")
    assert not validate.pattern_ok("2500000000017", "2400#########")
    assert not validate.pattern_ok("240000000001", "2400#########")
    assert validate.pattern_ok("ABC-123", "ABC-*")
    assert validate.pattern_ok("xAy", "?A?")
    assert validate.pattern_ok("", "*")
    assert validate.pattern_ok("a1b2c3", "*#*#*3")
    assert not validate.pattern_ok("abc", "a*d")


def test_validate_gives_the_reason_a_customer_sees():
    rules = [{"pattern": "2400#########", "check": "ean13"}]
    good = ean13("240000000001")
    assert validate.validate(good.encode() + b"\r\n", rules) == (good, None)
    assert validate.validate(b"]E0" + good.encode(), rules) == (good, None)
    assert validate.validate(good[:-1] + str((int(good[-1]) + 1) % 10), rules) == (None, "bad check digit")
    assert validate.validate(ean13("400638133393"), rules) == (None, "unknown card")
    assert validate.validate(b"\xff\xfe", rules) == (None, "unreadable scan")
    assert validate.validate(b"24\x0700", rules) == (None, "unreadable scan")
    assert validate.validate(b"   ", rules) == (None, "empty scan")
    assert validate.validate("2" * 60, rules) == (None, "scan too long")
    # no rules configured: any valid EAN/UPC is accepted
    assert validate.validate("96385074", []) == ("96385074", None)


def test_rule_problems_name_the_rule():
    assert validate.check_rules([{"pattern": "24*", "check": "ean13"}]) == []
    probs = validate.check_rules([{"pattern": 5, "check": "ean14", "len": 3}, "x"])
    assert any("rules[0]: unknown key 'len'" in p for p in probs)
    assert any("rules[0].pattern" in p for p in probs)
    assert any("rules[0].check 'ean14' is not one of" in p for p in probs)
    assert any("rules[1] must be an object" in p for p in probs)
