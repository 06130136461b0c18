"""Scan validation: check digits (EAN-13, EAN-8, UPC-A, UPC-E, Luhn) and patterns.

Patterns are a small language that behaves the same on MicroPython and CPython
(MicroPython's `re` has no counted repetition):
    #   one digit          ?   any one character
    *   any run (even empty)   anything else: itself
A rule is {"pattern": "2400#########", "check": "ean13"}; a scan is accepted when
any rule matches its pattern and its check.
"""

CHECKS = ("ean13", "ean8", "upca", "upce", "gtin", "luhn", "none")

# AIM symbology identifiers some scanners put in front of the data (]E0 = EAN-13 ...)
_AIM_PREFIX_LEN = 3

DEFAULT_RULES = [{"pattern": "*", "check": "gtin"}]


def _digits(code):
    if not code or not code.isdigit():
        return None
    return [ord(c) - 48 for c in code]


def gtin_check_ok(code):
    """Mod-10 check used by EAN-13, EAN-8, UPC-A (weights 3,1 from the right)."""
    d = _digits(code)
    if d is None or len(d) < 2:
        return False
    total = 0
    for i, v in enumerate(reversed(d[:-1])):
        total += v * 3 if i % 2 == 0 else v
    return (10 - total % 10) % 10 == d[-1]


def upce_to_upca(code):
    """Expand an 8-digit UPC-E (number system 0 or 1) to UPC-A, or None."""
    if len(code) != 8 or not code.isdigit() or code[0] not in "01":
        return None
    ns, m, check = code[0], code[1:7], code[7]
    last = m[5]
    if last in "012":
        body = m[0:2] + last + "0000" + m[2:5]
    elif last == "3":
        body = m[0:3] + "00000" + m[3:5]
    elif last == "4":
        body = m[0:4] + "00000" + m[4]
    else:
        body = m[0:5] + "0000" + last
    return ns + body + check


def luhn_ok(code):
    d = _digits(code)
    if d is None or len(d) < 2:
        return False
    total = 0
    for i, v in enumerate(reversed(d)):
        if i % 2 == 1:
            v *= 2
            if v > 9:
                v -= 9
        total += v
    return total % 10 == 0


def check_ok(code, check):
    if check == "none":
        return True
    if check == "ean13":
        return len(code) == 13 and gtin_check_ok(code)
    if check == "ean8":
        return len(code) == 8 and gtin_check_ok(code)
    if check == "upca":
        return len(code) == 12 and gtin_check_ok(code)
    if check == "upce":
        full = upce_to_upca(code)
        return full is not None and gtin_check_ok(full)
    if check == "gtin":
        return len(code) in (8, 12, 13, 14) and gtin_check_ok(code)
    if check == "luhn":
        return luhn_ok(code)
    raise ValueError("unknown check " + repr(check) + "; use one of " + ", ".join(CHECKS))


def pattern_ok(code, pattern):
    """Match `code` against a #?* pattern (iterative, no recursion)."""
    c = p = 0
    star = -1
    mark = 0
    while c < len(code):
        if p < len(pattern) and pattern[p] == "*":
            star, mark = p, c
            p += 1
            continue
        if p < len(pattern) and _one(pattern[p], code[c]):
            c += 1
            p += 1
            continue
        if star >= 0:
            p = star + 1
            mark += 1
            c = mark
            continue
        return False
    while p < len(pattern) and pattern[p] == "*":
        p += 1
    return p == len(pattern)


def _one(pc, ch):
    if pc == "#":
        return "0" <= ch <= "9"
    if pc == "?":
        return True
    return pc == ch


def clean(raw, strip_aim=True):
    """Scanner bytes/str -> code text: trims CR/LF/space, drops an AIM ]Xn prefix."""
    if isinstance(raw, (bytes, bytearray)):
        try:
            raw = bytes(raw).decode("utf-8")
        except UnicodeError:
            return None
    code = raw.strip()
    if strip_aim and len(code) > _AIM_PREFIX_LEN and code[0] == "]":
        code = code[_AIM_PREFIX_LEN:]
    for ch in code:
        if ord(ch) < 32 or ord(ch) == 127:
            return None
    return code


def validate(raw, rules=None, max_len=48):
    """Return (code, None) when accepted, or (None, reason) with a short reason for the screen."""
    code = clean(raw)
    if code is None:
        return None, "unreadable scan"
    if not code:
        return None, "empty scan"
    if len(code) > max_len:
        return None, "scan too long"
    rules = DEFAULT_RULES if not rules else rules
    matched = False
    for rule in rules:
        if not pattern_ok(code, rule.get("pattern", "*")):
            continue
        matched = True
        if check_ok(code, rule.get("check", "none")):
            return code, None
    if matched:
        return None, "bad check digit"
    return None, "unknown card"


def check_rules(rules):
    """Problems with a rules list (for config validation), as strings."""
    problems = []
    if not isinstance(rules, list):
        return ["validation.rules must be a list of {pattern, check}"]
    for i, rule in enumerate(rules):
        where = "validation.rules[" + str(i) + "]"
        if not isinstance(rule, dict):
            problems.append(where + " must be an object {\"pattern\": ..., \"check\": ...}")
            continue
        for key in rule:
            if key not in ("pattern", "check"):
                problems.append(where + ": unknown key " + repr(key) + " (use pattern, check)")
        if not isinstance(rule.get("pattern", "*"), str):
            problems.append(where + ".pattern must be a string like \"2400#########\"")
        if rule.get("check", "none") not in CHECKS:
            problems.append(where + ".check " + repr(rule.get("check")) + " is not one of " + " | ".join(CHECKS))
    return problems
