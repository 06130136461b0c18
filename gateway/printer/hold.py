"""Hold mode: keep a receipt's body from the printer until its cut, then print a stub
(or nothing), while status queries and drawer kicks inside it still go out at once.

`HoldFilter` decodes the held bytes inline (the decoder gives each command's byte
range) and returns what must reach the printer now. It starts at a receipt boundary
and ends at the first cut (or when the connection closes / goes idle: `finish()`).
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from typing import Any

from gateway.printer.document import Cut, DrawerKick, StatusRequest

log = logging.getLogger("gateway.printer.hold")

MODES = ("qr", "none")


class HoldFilter:
    def __init__(self, mode: str, stub: bytes, decoder: Any):
        if mode not in MODES:
            raise ValueError(f"hold mode must be one of {MODES}, not {mode!r}")
        self.mode, self.stub, self.decoder = mode, stub if mode == "qr" else b"", decoder
        self.buf = bytearray()  # held bytes; the (fresh) decoder's offsets index it
        self.base = 0
        self.passed = 0  # status queries and kicks sent through
        self.done = False

    def feed(self, data: bytes) -> tuple[bytes, bytes | None]:
        """Take bytes of the held receipt. Returns (bytes to send the printer now,
        the bytes after the cut to forward normally, or None while still holding)."""
        self.buf += data
        out = bytearray()
        for e in self.decoder.feed(data):
            if isinstance(e, StatusRequest | DrawerKick):
                out += self.buf[e.offset - self.base:e.end - self.base]
                self.passed += 1
            elif isinstance(e, Cut):
                self.done = True
                out += self.stub
                # bytes past the cut belong to the next receipt: forwarded as usual
                return bytes(out), bytes(self.buf[e.end - self.base:])
        return bytes(out), None

    def finish(self) -> bytes:
        """The receipt ended without a cut (connection closed, idle gap): the stub, if any."""
        self.done = True
        return self.stub if self.buf.strip(b"\x00") else b""


def new_hold(mode: str, stub: bytes, decoder_factory: Callable[[], Any]) -> HoldFilter:
    return HoldFilter(mode, stub, decoder_factory())
