"""Make print streams with the real python-escpos client and decode them."""

from __future__ import annotations

import logging

from escpos.printer import Dummy

from gateway.printer.decoder import Decoder, decode
from gateway.printer.render_text import render_text

logging.getLogger("escpos").setLevel(logging.ERROR)


def printer(profile: str = "default") -> Dummy:
    return Dummy(profile=profile)


def text_of(data: bytes, profile: str | None = None) -> str:
    return render_text(decode(data, profile))


def lines_of(data: bytes, profile: str | None = None) -> list[str]:
    return text_of(data, profile).splitlines()


def events_of(data: bytes, profile: str | None = None, kind: str | None = None):
    evs = decode(data, profile).events
    return [e for e in evs if kind is None or e.kind == kind]


def feed_chunks(data: bytes, cuts: list[int], profile: str | None = None):
    dec = Decoder(profile)
    out, prev = [], 0
    for c in sorted(set(cuts)) + [len(data)]:
        out += dec.feed(data[prev:c])
        prev = c
    return out + dec.close()


def comparable(events) -> list[dict]:
    return [e.to_dict() for e in events]
