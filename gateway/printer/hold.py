"""Hold mode: keep a receipt's body from the printer until its cut, then print a stub
(or nothing, or the receipt after all), while status queries and drawer kicks inside it
still go out at once.

`HoldFilter` decodes the held bytes inline (the decoder gives each command's byte
range) and returns what must reach the printer now. It starts at a receipt boundary
and ends at the first cut (or when the connection closes / goes idle: `finish()`).

What replaces the body is fixed when the hold starts (`stub`), or decided at the cut by
`decide(raw, events) -> (mode, payload)`: the policy then sees the whole receipt (to
print a receipt that must always be printed, or to put the receipt's own link in the
stub). Mode "paper" sends the held bytes unaltered, less the queries and kicks that
already went out (so none of them reaches the printer twice); "qr" sends `payload`;
"none" sends nothing.

`Claim` is what a policy hands the proxy at a receipt boundary (`Proxy.claims`).
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from gateway.printer.document import Cut, DrawerKick, Event, StatusRequest

log = logging.getLogger("gateway.printer.hold")

MODES = ("qr", "none")
OUTCOMES = ("paper", "qr", "none")

# decide(held raw bytes up to and with the cut, their events) -> (mode, payload, info)
Decide = Callable[[bytes, list[Event]], tuple[str, bytes, Any]]


@dataclass
class Claim:
    """A policy's wish for the receipt about to start.

    hold=False: pass it through untouched, only tag it with `info` (e.g. the card).
    hold=True: hold it; `decide` (or the fixed `stub` for mode "qr") replaces it at the cut.
    """

    hold: bool
    mode: str = "qr"  # what the hold expects to print; `decide` has the last word
    stub: bytes = b""
    decide: Decide | None = None
    info: Any = None


class HoldFilter:
    def __init__(self, mode: str, stub: bytes, decoder: Any, decide: Decide | None = None):
        if mode not in MODES:
            raise ValueError(f"hold mode must be one of {MODES}, not {mode!r}")
        self.mode, self.stub, self.decoder = mode, stub if mode == "qr" else b"", decoder
        self.decide = decide
        self.info: Any = None  # what `decide` returned with its choice
        self.buf = bytearray()  # held bytes; the (fresh) decoder's offsets index it
        self.events: list[Event] = []
        self.sent: list[tuple[int, int]] = []  # byte ranges already sent (queries, kicks)
        self.done = False

    @property
    def passed(self) -> int:
        """How many status queries and kicks were sent through."""
        return len(self.sent)

    def feed(self, data: bytes) -> tuple[bytes, bytes | None]:
        """Take bytes of the held receipt. Returns (bytes to send the printer now,
        the bytes after the cut to forward normally, or None while still holding)."""
        self.buf += data
        out = bytearray()
        for e in self.decoder.feed(data):
            self.events.append(e)
            if isinstance(e, StatusRequest | DrawerKick):
                out += self.buf[e.offset:e.end]
                self.sent.append((e.offset, e.end))
            elif isinstance(e, Cut):
                out += self._release(e.end)
                # bytes past the cut belong to the next receipt: forwarded as usual
                return bytes(out), bytes(self.buf[e.end:])
        return bytes(out), None

    def finish(self) -> bytes:
        """The receipt ended without a cut (connection closed, idle gap)."""
        if self.done:
            return b""
        try:
            self.events.extend(self.decoder.close())
        except Exception:  # noqa: BLE001 - the bytes still get decided on
            log.exception("decoder failed at the end of a held receipt")
        if not self.buf.strip(b"\x00"):
            self.done = True
            if self.decide is not None:  # claimed, then nothing came (a cut, then the till closed): the
                try:                     # policy hands back what the claim took (a scanned card)
                    self.decide(bytes(self.buf), list(self.events))
                except Exception:  # noqa: BLE001
                    log.exception("the delivery decision failed on an empty job")
            return b""
        return self._release(len(self.buf))

    def _release(self, end: int) -> bytes:
        """What replaces the held receipt (its first `end` bytes) at its end."""
        self.done = True
        if self.decide is None:
            return self.stub
        try:
            mode, payload, self.info = self.decide(bytes(self.buf[:end]), list(self.events))
        except Exception:  # noqa: BLE001 - a policy bug prints the receipt, never loses it
            log.exception("the delivery decision failed at the cut; printing the receipt")
            mode, payload = "paper", b""
        if mode not in OUTCOMES:
            log.error("the delivery decision gave mode %r; printing the receipt", mode)
            mode = "paper"
        self.mode = mode
        if mode == "paper":
            return self.unsent(end)
        return payload if mode == "qr" else b""

    def unsent(self, end: int) -> bytes:
        """The held bytes up to `end`, less the ranges already sent."""
        return cut_out(bytes(self.buf[:end]), self.sent)


def cut_out(raw: bytes, ranges: list[tuple[int, int]]) -> bytes:
    """`raw` without the byte ranges `ranges` (start, end), which may be in any order."""
    out, pos = bytearray(), 0
    for start, stop in sorted(ranges):
        if start >= len(raw):
            break
        out += raw[pos:start]
        pos = max(pos, stop)
    out += raw[pos:]
    return bytes(out)


def new_hold(mode: str, stub: bytes, decoder_factory: Callable[[], Any]) -> HoldFilter:
    return HoldFilter(mode, stub, decoder_factory())
