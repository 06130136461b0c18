"""Key events -> scanned codes, for HID keyboard-wedge scanners. Pure: no I/O, no evdev.

Feed it the (time, type, code, value) of each input event; it returns a finished code when
Enter, keypad Enter or Tab ends one. Tracks Shift, Caps Lock (letters only, as the console
does), AltGr, and Alt + keypad digits (scanners in "ALT mode" type non-ASCII characters as
their decimal code). A key the layout does not know becomes U+FFFD so validation rejects
the code instead of silently reading a wrong card number. A pause longer than `gap_s`
between two keys drops the half-typed code (a half scan must not glue onto the next one).
"""

from __future__ import annotations

import collections
from dataclasses import dataclass

from gateway.scanner import keymaps

EV_SYN, EV_KEY = 0, 1
PRESS, RELEASE, REPEAT = 1, 0, 2
UNKNOWN = "\ufffd"


@dataclass(frozen=True)
class Typed:
    """A code the scanner finished typing; `ts` is the time of its first key."""

    code: str
    ts: float


class KeyDecoder:
    def __init__(self, layout: str = "us", *, gap_s: float = 0.5, max_length: int = 128,
                 capslock: bool = False):
        self.table = keymaps.layout(layout)
        self.layout_name = layout
        self.gap_s = gap_s
        self.max_length = max_length
        self.capslock = capslock
        self.held: set[str] = set()
        self.drops: collections.Counter[str] = collections.Counter()  # partial | overlong
        self._buf: list[str] = []
        self._first_ts = 0.0
        self._last_ts: float | None = None
        self._alt_digits = ""
        self._overflow = False

    @property
    def pending(self) -> str:
        return "".join(self._buf)

    def feed(self, ts: float, type_: int, code: int, value: int) -> Typed | None:
        if type_ != EV_KEY or value == REPEAT:
            return None
        name = keymaps.CODE_NAMES.get(code, f"KEY_{code}")
        if value == RELEASE:
            self.held.discard(name)
            if name in keymaps.ALT_KEYS and self._alt_digits:
                self._add(ts, _alt_code(self._alt_digits))
                self._alt_digits = ""
            return None
        if value != PRESS:
            return None
        if self._last_ts is not None and (self._buf or self._overflow) and ts - self._last_ts > self.gap_s:
            self._reset(dropped="partial")
        self._last_ts = ts
        if name in keymaps.SHIFT_KEYS | keymaps.ALTGR_KEYS | keymaps.ALT_KEYS | keymaps.CTRL_KEYS:
            self.held.add(name)
            return None
        if name == "KEY_CAPSLOCK":
            self.capslock = not self.capslock
            return None
        if name == "KEY_NUMLOCK":
            return None
        if name in keymaps.END_KEYS:
            return self._finish()
        if self.held & keymaps.ALT_KEYS and name in keymaps.KEYPAD_DIGITS:
            self._alt_digits += keymaps.KEYPAD_DIGITS[name]
            return None
        self._add(ts, self._char(code, name))
        return None

    def _char(self, code: int, name: str) -> str:
        if name in keymaps.KEYPAD:
            return keymaps.KEYPAD[name]
        if self.held & keymaps.CTRL_KEYS:
            return UNKNOWN  # Ctrl+key: a scanner sending control characters (e.g. GS in GS1 codes)
        keys = self.table.get(code)
        if keys is None:
            return UNKNOWN
        plain, shifted, altgr = keys
        if self.held & keymaps.ALTGR_KEYS:
            ch = altgr
        else:
            shift = bool(self.held & keymaps.SHIFT_KEYS)
            ch = shifted if shift else plain
            if self.capslock and len(plain) == 1 and plain.isalpha():
                if shifted == plain.upper():      # a letter key: Caps Lock inverts Shift
                    ch = plain if shift else shifted
                elif not shift:                   # AZERTY é/è/ç/à: capital letter, Shift still a digit
                    ch = plain.upper()
        return ch or UNKNOWN

    def _add(self, ts: float, ch: str) -> None:
        if self._overflow:
            return
        if not self._buf:
            self._first_ts = ts
        if len(self._buf) >= self.max_length:
            self._overflow = True
            self._buf = []
            return
        self._buf.append(ch)

    def _finish(self) -> Typed | None:
        if self._overflow:
            self._reset(dropped="overlong")
            return None
        code = "".join(self._buf)
        first = self._first_ts
        self._reset(dropped=None)
        return Typed(code, first) if code else None

    def _reset(self, *, dropped: str | None) -> None:
        if dropped:
            self.drops[dropped] += 1
        self._buf = []
        self._overflow = False
        self._alt_digits = ""


def _alt_code(digits: str) -> str:
    """Alt+keypad: a leading 0 means the Windows code page (cp1252), else the OEM one (cp437)."""
    n = int(digits)
    if n > 255:
        return chr(n) if n < 0x110000 else UNKNOWN
    return bytes([n]).decode("cp1252" if digits.startswith("0") else "cp437", errors="replace")
