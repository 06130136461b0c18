"""Serial scanner bytes -> scanned codes. Pure: no I/O.

One code per line, ended by CR, LF or CRLF. What is not a clean code is dropped and counted
in `drops` (never passed on as a card number):
- partial:  a half line followed by a pause longer than `partial_timeout_s` (a scan cut off,
            or a scanner that was unplugged mid-code) - it must not glue onto the next scan;
- overlong: more than `max_length` characters without a line end (wrong baud rate, noise);
- garbage:  bytes that are not UTF-8 text, or control characters other than GS (0x1D, the
            GS1 separator some scanners send inside a code).
"""

from __future__ import annotations

import collections

ALLOWED_CONTROL = {"\x1d"}


class LineSplitter:
    def __init__(self, *, partial_timeout_s: float = 0.5, max_length: int = 128):
        self.partial_timeout_s = partial_timeout_s
        self.max_length = max_length
        self.drops: collections.Counter[str] = collections.Counter()
        self._buf = bytearray()
        self._overflow = False
        self._last = 0.0

    @property
    def pending(self) -> bytes:
        return bytes(self._buf)

    def expire(self, now: float) -> None:
        """Drop a half line that has waited longer than partial_timeout_s."""
        if (self._buf or self._overflow) and now - self._last > self.partial_timeout_s:
            self.drops["overlong" if self._overflow else "partial"] += 1
            self._buf.clear()
            self._overflow = False

    def feed(self, data: bytes, now: float) -> list[bytes]:
        """Add bytes received at `now`; return the complete lines (without terminators)."""
        self.expire(now)
        self._last = now
        out = []
        for b in data:
            if b in (10, 13):
                if self._overflow:
                    self.drops["overlong"] += 1
                elif self._buf:
                    out.append(bytes(self._buf))
                self._buf.clear()
                self._overflow = False
            elif not self._overflow:
                if len(self._buf) >= self.max_length:
                    self._overflow = True
                    self._buf.clear()
                else:
                    self._buf.append(b)
        return out

    def codes(self, data: bytes, now: float) -> list[str]:
        """Like feed(), decoded and cleaned: only lines that are clean text."""
        out = []
        for raw in self.feed(data, now):
            text = clean(raw)
            if text is None:
                self.drops["garbage"] += 1
            elif text:
                out.append(text)
        return out


def clean(raw: bytes) -> str | None:
    """The code in a line, stripped of spaces; None if it is not clean text."""
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError:
        return None
    if any((ord(c) < 32 or ord(c) == 127) and c not in ALLOWED_CONTROL and c != "\t" for c in text):
        return None
    return text.strip(" \t")
