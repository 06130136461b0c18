"""Printer status: spot the till's status queries, read the printer's replies, answer
for an absent printer.

Pure logic, no I/O. Three parts:

- `QueryScanner` finds the commands that make a printer talk back in the
  till-to-printer stream, as they pass: DLE EOT n, GS r n, GS I n, GS a n (Automatic
  Status Back). It skips the data blocks of images and 2D codes (GS v 0, GS ( ...,
  GS 8 L, ESC *) whose lengths are in their headers, so picture bytes are not taken
  for queries. It is fast enough to run inline in the pump.
- `StatusTracker` reads the printer-to-till bytes and keeps a `PrinterStatus`. Replies
  are told apart by their fixed bits, as Epson's manuals advise: DLE EOT replies are
  0xx1xx10, the first ASB byte is 0xx1xx00, GS r replies are 0xx0xxxx, GS I strings
  are "_" ... NUL. DLE EOT replies are matched to their queries in order.
- `StatusTracker.answer()` builds the reply a TM-T88 would send for the last known
  status, with the offline/error bits set when the printer cannot be reached, so a
  till never waits for an answer that cannot come.
"""

from __future__ import annotations

import threading
import time
from collections import deque
from collections.abc import Callable
from dataclasses import asdict, dataclass, replace

DLE, EOT, ENQ, DC4, ESC, GS = 0x10, 0x04, 0x05, 0x14, 0x1B, 0x1D


@dataclass(frozen=True, slots=True)
class Query:
    command: str  # "DLE EOT" | "GS r" | "GS I" | "GS a" | "DLE ENQ" | "DLE DC4"
    n: int
    offset: int = 0  # position in the till's stream
    end: int = 0

    @property
    def expects_reply(self) -> bool:
        return self.command in ("DLE EOT", "GS r", "GS I")

    @property
    def raw(self) -> bytes:
        prefix = {"DLE EOT": b"\x10\x04", "GS r": b"\x1dr", "GS I": b"\x1dI", "GS a": b"\x1da"}
        return prefix.get(self.command, b"") + bytes([self.n])


class QueryScanner:
    """Incremental finder of reply-producing commands; `feed()` returns the complete ones."""

    def __init__(self) -> None:
        self.offset = 0
        self._prefix: list[int] = []
        self._skip = 0  # data bytes of an image/code block still to pass over

    def feed(self, chunk: bytes) -> list[Query]:
        found: list[Query] = []
        base = self.offset
        i, n = 0, len(chunk)
        prefix = self._prefix
        while i < n:
            if self._skip:
                take = min(self._skip, n - i)
                self._skip -= take
                i += take
                continue
            b = chunk[i]
            i += 1
            if not prefix:
                if b in (DLE, GS, ESC):
                    prefix.append(b)
                continue
            prefix.append(b)
            q = self._complete(prefix, base + i)
            if q is not None:
                if isinstance(q, Query):
                    found.append(q)
                prefix.clear()
        self.offset += n
        return found

    def _complete(self, p: list[int], end: int):
        """A Query when `p` is complete, False to drop the prefix, None to read on."""
        first, k = p[0], len(p)
        second = p[1]
        if first == DLE:
            if second == EOT:
                if k == 2:
                    return None
                if p[2] in (7, 8) and k == 3:  # DLE EOT 7/8 a: extended status
                    return None
                return Query("DLE EOT", p[2], end - k, end)
            if second == ENQ:
                return None if k < 3 else Query("DLE ENQ", p[2], end - k, end)
            if second == DC4:
                return None if k < 5 else Query("DLE DC4", p[2], end - k, end)
            return self._restart(p)
        if first == GS:
            if second in (0x72, 0x49, 0x61):  # r I a
                if k < 3:
                    return None
                return Query({0x72: "GS r", 0x49: "GS I", 0x61: "GS a"}[second], p[2], end - k, end)
            if second == 0x76:  # GS v 0 m xL xH yL yH data
                if k < 8:
                    return None
                self._skip = (p[4] + 256 * p[5]) * (p[6] + 256 * p[7])
                return False
            if second == 0x28:  # GS ( fn pL pH data
                if k < 5:
                    return None
                self._skip = p[3] + 256 * p[4]
                return False
            if second == 0x38:  # GS 8 L p1 p2 p3 p4 data
                if k < 7:
                    return None
                self._skip = p[3] | p[4] << 8 | p[5] << 16 | p[6] << 24
                return False
            return self._restart(p)
        if first == ESC:
            if second == 0x2A:  # ESC * m nL nH data
                if k < 5:
                    return None
                self._skip = (p[3] + 256 * p[4]) * (1 if p[2] in (0, 1) else 3)
                return False
            if second == ESC or second in (DLE, GS):
                return self._restart(p)
            return False
        return False

    @staticmethod
    def _restart(p: list[int]):
        """The prefix was not a command we track; its last byte may start one."""
        last = p[-1]
        p.clear()
        if last in (DLE, GS, ESC):
            p.append(last)
        return None


@dataclass(frozen=True, slots=True)
class PrinterStatus:
    """What the gateway knows about the printer; `online` is False when unreachable."""

    reachable: bool = False
    online: bool = False
    paper_out: bool = False
    near_end: bool = False
    cover_open: bool = False
    error: bool = False
    drawer_open: bool = False
    reason: str = "not connected yet"
    since: float = 0.0

    def to_dict(self) -> dict:
        return asdict(self)

    def summary(self) -> str:
        flags = [k for k in ("paper_out", "near_end", "cover_open", "error") if getattr(self, k)]
        state = "online" if self.online else "offline"
        return state + (" (" + ", ".join(flags) + ")" if flags else "") + (
            "" if self.reachable else f": {self.reason}")


# TM-T88 identity, used when the printer was never seen (GS I): model, type, ROM
DEFAULT_IDS: dict[int, bytes] = {
    1: b"\x20", 2: b"\x02", 3: b"\x40", 49: b"\x20", 50: b"\x02", 51: b"\x40",
    65: b"_30.01 ESC/POS\x00", 66: b"_EPSON\x00", 67: b"_TM-T88V\x00", 68: b"_00000000\x00",
    69: b"_PC437\x00",
}


class StatusTracker:
    """Keeps the printer's status from its replies; answers queries when it cannot."""

    def __init__(self, on_change: Callable[[PrinterStatus], None] | None = None):
        self._lock = threading.Lock()
        self._status = PrinterStatus(since=time.time())
        self._listeners: list[Callable[[PrinterStatus], None]] = [on_change] if on_change else []
        self._eot: deque[int] = deque()  # DLE EOT n awaiting replies
        self._buffered: deque[Query] = deque()  # GS r / GS I awaiting replies
        self._asb_left = 0
        self._asb: list[int] = []
        self._string: bytearray | None = None
        self._string_n = 0
        self.asb_enabled = 0
        self.ids: dict[int, bytes] = {}

    # -- observable ---------------------------------------------------------
    @property
    def status(self) -> PrinterStatus:
        return self._status

    def subscribe(self, listener: Callable[[PrinterStatus], None]) -> None:
        self._listeners.append(listener)

    def _set(self, **changes) -> None:
        old = self._status
        new = replace(old, **changes)
        if new == old:
            return
        self._status = replace(new, since=time.time())
        for listener in list(self._listeners):
            listener(self._status)

    # -- link state ---------------------------------------------------------
    def link_up(self) -> None:
        with self._lock:
            self._eot.clear()
            self._buffered.clear()
            self._asb_left, self._string = 0, None
            self._set(reachable=True, online=True, error=False, reason="")

    def link_down(self, reason: str) -> bytes:
        """Mark the printer unreachable. Returns what the till is owed: answers to the
        queries the printer took but never answered, and an ASB block if enabled."""
        with self._lock:
            pending = [Query("DLE EOT", n) for n in self._eot] + list(self._buffered)
            self._eot.clear()
            self._buffered.clear()
            self._set(reachable=False, online=False, reason=reason)
            owed = b"".join(self._answer(q) for q in pending)
            if self.asb_enabled:
                owed += asb_block(self._status)
            return owed

    # -- till-to-printer side ---------------------------------------------
    def note_queries(self, queries: list[Query]) -> None:
        """The queries were forwarded to the printer: expect their replies."""
        with self._lock:
            for q in queries:
                if q.command == "DLE EOT":
                    self._eot.append(q.n)
                elif q.command in ("GS r", "GS I"):
                    self._buffered.append(q)
                elif q.command == "GS a":
                    self.asb_enabled = q.n

    # -- printer-to-till side ---------------------------------------------
    def feed_reply(self, data: bytes) -> None:
        with self._lock:
            for b in data:
                self._reply_byte(b)

    def _reply_byte(self, b: int) -> None:
        if self._string is not None:
            if b == 0:
                self.ids[self._string_n] = b"_" + bytes(self._string) + b"\x00"
                self._string = None
            else:
                self._string += bytes([b])
            return
        if self._asb_left:
            self._asb.append(b)
            self._asb_left -= 1
            if not self._asb_left:
                self._apply_asb(self._asb)
            return
        if b & 0x93 == 0x12 and self._eot:
            self._apply_eot(self._eot.popleft(), b)
        elif b & 0x93 == 0x10:
            self._asb, self._asb_left = [b], 3
        elif self._buffered:
            q = self._buffered.popleft()
            if q.command == "GS I":
                if b == 0x5F:
                    self._string, self._string_n = bytearray(), q.n
                else:
                    self.ids[q.n] = bytes([b])
            elif q.n in (1, 49):
                self._set(near_end=bool(b & 0x03), paper_out=bool(b & 0x0C))
            elif q.n in (2, 50):
                self._set(drawer_open=bool(b & 0x01))

    def _apply_eot(self, n: int, b: int) -> None:
        if n == 1:
            self._set(online=not b & 0x08, drawer_open=bool(b & 0x04))
        elif n == 2:
            self._set(cover_open=bool(b & 0x04), paper_out=bool(b & 0x20), error=bool(b & 0x40))
        elif n == 3:
            self._set(error=bool(b & 0x68))
        elif n == 4:
            self._set(near_end=bool(b & 0x0C), paper_out=bool(b & 0x60))

    def _apply_asb(self, block: list[int]) -> None:
        b1, b2, b3, _ = block
        self._set(drawer_open=bool(b1 & 0x04), online=not b1 & 0x08, cover_open=bool(b1 & 0x20),
                  error=bool(b2 & 0x68), near_end=bool(b3 & 0x03), paper_out=bool(b3 & 0x0C))

    # -- answers for an unreachable printer --------------------------------
    def answer(self, query: Query) -> bytes:
        with self._lock:
            return self._answer(query)

    def _answer(self, q: Query) -> bytes:
        return reply_for(self._status, q, self.ids)



def reply_for(s: PrinterStatus, q: Query, ids: dict[int, bytes] | None = None) -> bytes:
    """The byte(s) a TM-T88 in state `s` answers to `q` (b"" when it answers nothing).

    An unreachable printer reads as offline with an error, keeping its paper flags.
    """
    down = not s.reachable
    offline = down or not s.online or s.paper_out or s.cover_open or s.error
    if q.command == "DLE EOT":
        base = 0x12
        if q.n == 1:
            return bytes([base | 0x08 * offline | 0x04 * s.drawer_open])
        if q.n == 2:
            return bytes([base | 0x04 * s.cover_open | 0x20 * s.paper_out | 0x40 * (s.error or down)])
        if q.n == 3:
            return bytes([base | 0x40 * (s.error or down)])
        if q.n == 4:
            return bytes([base | 0x0C * (s.near_end or s.paper_out) | 0x60 * s.paper_out])
        return b""
    if q.command == "GS r":
        if q.n in (1, 49):
            return bytes([0x03 * (s.near_end or s.paper_out) | 0x0C * s.paper_out])
        if q.n in (2, 50):
            return bytes([0x01 * s.drawer_open])
        return b"\x00"
    if q.command == "GS I":
        return (ids or {}).get(q.n) or DEFAULT_IDS.get(q.n, b"\x00")
    return b""


def asb_block(s: PrinterStatus) -> bytes:
    """A 4-byte Automatic Status Back block for state `s`."""
    offline = not s.reachable or not s.online
    return bytes([0x10 | 0x04 * s.drawer_open | 0x08 * offline | 0x20 * s.cover_open,
                  0x40 * (s.error or not s.reachable), 0x03 * (s.near_end or s.paper_out) | 0x0C * s.paper_out,
                  0x00])
