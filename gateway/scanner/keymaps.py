"""Keyboard layouts for HID barcode scanners (keyboard wedges): key code -> character.

A scanner in keyboard mode "types" each character of the code as the key that makes it on
the layout the scanner is set to. A scanner set to AZERTY sends the digits as *shifted*
top-row keys, so the gateway must decode with the same layout. Pure tables, no I/O, no evdev:
the key codes are the Linux input ABI (linux/input-event-codes.h), checked against
`evdev.ecodes` in the tests.

Each layout maps a key name to (plain, shift, altgr) characters; "" means nothing.
"""

from __future__ import annotations

# linux/input-event-codes.h: the keys a scanner uses
KEY_CODES: dict[str, int] = {
    "KEY_ESC": 1, "KEY_1": 2, "KEY_2": 3, "KEY_3": 4, "KEY_4": 5, "KEY_5": 6, "KEY_6": 7,
    "KEY_7": 8, "KEY_8": 9, "KEY_9": 10, "KEY_0": 11, "KEY_MINUS": 12, "KEY_EQUAL": 13,
    "KEY_BACKSPACE": 14, "KEY_TAB": 15, "KEY_Q": 16, "KEY_W": 17, "KEY_E": 18, "KEY_R": 19,
    "KEY_T": 20, "KEY_Y": 21, "KEY_U": 22, "KEY_I": 23, "KEY_O": 24, "KEY_P": 25,
    "KEY_LEFTBRACE": 26, "KEY_RIGHTBRACE": 27, "KEY_ENTER": 28, "KEY_LEFTCTRL": 29,
    "KEY_A": 30, "KEY_S": 31, "KEY_D": 32, "KEY_F": 33, "KEY_G": 34, "KEY_H": 35, "KEY_J": 36,
    "KEY_K": 37, "KEY_L": 38, "KEY_SEMICOLON": 39, "KEY_APOSTROPHE": 40, "KEY_GRAVE": 41,
    "KEY_LEFTSHIFT": 42, "KEY_BACKSLASH": 43, "KEY_Z": 44, "KEY_X": 45, "KEY_C": 46,
    "KEY_V": 47, "KEY_B": 48, "KEY_N": 49, "KEY_M": 50, "KEY_COMMA": 51, "KEY_DOT": 52,
    "KEY_SLASH": 53, "KEY_RIGHTSHIFT": 54, "KEY_KPASTERISK": 55, "KEY_LEFTALT": 56,
    "KEY_SPACE": 57, "KEY_CAPSLOCK": 58, "KEY_NUMLOCK": 69, "KEY_KP7": 71, "KEY_KP8": 72,
    "KEY_KP9": 73, "KEY_KPMINUS": 74, "KEY_KP4": 75, "KEY_KP5": 76, "KEY_KP6": 77,
    "KEY_KPPLUS": 78, "KEY_KP1": 79, "KEY_KP2": 80, "KEY_KP3": 81, "KEY_KP0": 82,
    "KEY_KPDOT": 83, "KEY_102ND": 86, "KEY_KPENTER": 96, "KEY_RIGHTCTRL": 97,
    "KEY_KPSLASH": 98, "KEY_RIGHTALT": 100,
}
CODE_NAMES = {v: k for k, v in KEY_CODES.items()}

SHIFT_KEYS = frozenset({"KEY_LEFTSHIFT", "KEY_RIGHTSHIFT"})
ALTGR_KEYS = frozenset({"KEY_RIGHTALT"})
ALT_KEYS = frozenset({"KEY_LEFTALT"})
CTRL_KEYS = frozenset({"KEY_LEFTCTRL", "KEY_RIGHTCTRL"})
END_KEYS = frozenset({"KEY_ENTER", "KEY_KPENTER", "KEY_TAB"})
KEYPAD_DIGITS = {f"KEY_KP{d}": str(d) for d in range(10)}
KEYPAD = {**KEYPAD_DIGITS, "KEY_KPDOT": ".", "KEY_KPSLASH": "/", "KEY_KPASTERISK": "*",
          "KEY_KPMINUS": "-", "KEY_KPPLUS": "+"}

_LETTERS = "abcdefghijklmnopqrstuvwxyz"


def _letters(swaps: dict[str, str] | None = None) -> dict[str, tuple[str, str, str]]:
    """Letter keys; `swaps` maps key letter -> printed letter (AZERTY: q -> a ...)."""
    out = {}
    for k in _LETTERS:
        ch = (swaps or {}).get(k, k)
        out[f"KEY_{k.upper()}"] = (ch, ch.upper(), "")
    return out


def _row(keys: str, plain: str, shift: str, altgr: str = "") -> dict[str, tuple[str, str, str]]:
    """One row of keys; a space in `shift`/`altgr` means the key types nothing there."""
    names = keys.split()
    altgr = altgr or " " * len(names)
    return {f"KEY_{n}": (p, s.strip(), a.strip()) for n, p, s, a in zip(names, plain, shift, altgr, strict=True)}


_DIGITS = "1 2 3 4 5 6 7 8 9 0"

US = {
    **_letters(),
    **_row(_DIGITS, "1234567890", "!@#$%^&*()"),
    **_row("MINUS EQUAL LEFTBRACE RIGHTBRACE SEMICOLON APOSTROPHE GRAVE BACKSLASH COMMA DOT SLASH",
           "-=[];'`\\,./", '_+{}:"~|<>?'),
    "KEY_SPACE": (" ", " ", ""),
}

_AZERTY_SWAPS = {"q": "a", "a": "q", "w": "z", "z": "w"}

_AZERTY_ROW2 = "MINUS EQUAL LEFTBRACE RIGHTBRACE APOSTROPHE BACKSLASH GRAVE COMMA DOT SLASH 102ND"


def _azerty(digits: str, digits_altgr: str, row2: tuple[str, str, str]) -> dict[str, tuple[str, str, str]]:
    """French and Belgian AZERTY: digits are the *shifted* top row; A/Q, Z/W swapped, M right of L."""
    return {
        **_letters(_AZERTY_SWAPS),
        "KEY_M": (",", "?", ""),
        "KEY_SEMICOLON": ("m", "M", ""),
        **_row(_DIGITS, digits, "1234567890", digits_altgr),
        **_row(_AZERTY_ROW2, *row2),
        "KEY_E": ("e", "E", "€"),
        "KEY_SPACE": (" ", " ", ""),
    }


FR = _azerty("&é\"'(-è_çà", " ~#{[|`\\^@", (")=^$ù*²;:!<", "°+¨£%µ ./§>", "]} ¤       "))
BE = _azerty("&é\"'(§è!çà", "|@#  ^  {}", (")-^$ùµ²;:=<", "°_¨*%£³./+>", "  []´`   ~\\"))

DE = {
    **_letters({"y": "z", "z": "y"}),
    **_row(_DIGITS, "1234567890", "!\"§$%&/()=", " ²³   {[]}"),
    **_row("MINUS EQUAL LEFTBRACE RIGHTBRACE SEMICOLON APOSTROPHE GRAVE BACKSLASH COMMA DOT SLASH 102ND",
           "ß´ü+öä^#,.-<", "?`Ü*ÖÄ°';:_>", "\\  ~       |"),
    "KEY_Q": ("q", "Q", "@"),
    "KEY_E": ("e", "E", "€"),
    "KEY_SPACE": (" ", " ", ""),
}

LAYOUTS: dict[str, dict[str, tuple[str, str, str]]] = {"us": US, "fr": FR, "be": BE, "de": DE}


def layout(name: str) -> dict[int, tuple[str, str, str]]:
    """The layout as key code -> (plain, shift, altgr)."""
    try:
        table = LAYOUTS[name]
    except KeyError:
        raise ValueError(f"unknown keyboard layout {name!r}; known: {', '.join(LAYOUTS)}") from None
    return {KEY_CODES[k]: v for k, v in table.items()}


def keystrokes(text: str, name: str) -> list[tuple[str, bool, bool]]:
    """How a scanner set to layout `name` types `text`: [(key name, shift, altgr)].

    The inverse of the layout, for the fake device and tests. Raises ValueError for a
    character the layout cannot type.
    """
    inverse: dict[str, tuple[str, bool, bool]] = {}
    for key, (plain, shift, altgr) in LAYOUTS[name].items():
        for ch, sh, ag in ((altgr, False, True), (shift, True, False), (plain, False, False)):
            if ch:
                inverse[ch] = (key, sh, ag)
    out = []
    for ch in text:
        if ch not in inverse:
            raise ValueError(f"layout {name!r} cannot type {ch!r}")
        out.append(inverse[ch])
    return out


def retype(text: str, typed_in: str, read_as: str) -> str | None:
    """What `text`, decoded with layout `read_as`, was meant to be if the scanner typed in
    `typed_in`; None when a character does not map. Used to tell a technician "your scanner
    types AZERTY" when a US-decoded card reads '@$))))))))))!#'."""
    keys = LAYOUTS[read_as]
    inverse = {}
    for key, (plain, shift, altgr) in keys.items():
        for ch, level in ((altgr, 2), (shift, 1), (plain, 0)):
            if ch:
                inverse[ch] = (key, level)
    target = LAYOUTS[typed_in]
    out = []
    for ch in text:
        if ch not in inverse or inverse[ch][0] not in target:
            return None
        key, level = inverse[ch]
        got = target[key][level]
        if not got:
            return None
        out.append(got)
    return "".join(out)


def guess_layouts(text: str, read_as: str) -> list[str]:
    """The other layouts under which `text` (decoded as `read_as`) becomes all digits."""
    if not text or text.isdigit():
        return []
    out = []
    for name in LAYOUTS:
        if name != read_as:
            again = retype(text, name, read_as)
            if again and again.isdigit():
                out.append(name)
    return out
