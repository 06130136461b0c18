"""Receipts cut out of the till's stream, on the side, from the pumps' copy.

`Segmenter` runs in its own thread and reads the `CopyQueue` the pumps fill. It
feeds each till connection's bytes to the pure decoder and splits them into
`CapturedReceipt`s on cuts, on connection close and (serial/USB) on an idle gap.
Each receipt keeps its raw bytes, start/end times and till id, and goes to the
`on_receipt` hook. The recorder (if any) gets every item too, in order.
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from gateway.printer.copyqueue import CopyQueue
from gateway.printer.document import Cut, Document, Event, Receipt

log = logging.getLogger("gateway.printer.capture")


@dataclass
class CapturedReceipt:
    """One receipt as the till sent it."""

    till_id: str
    raw: bytes  # exactly the bytes the till sent for this receipt
    started_at: float  # unix time of its first byte
    ended_at: float  # unix time of its last byte (or of the gap/close that ended it)
    ended_by: str  # "cut" | "close" | "idle" | "stop"
    events: list[Event] = field(default_factory=list)  # offsets relative to `raw`
    profile: str | None = None
    delivery: str = "paper"  # paper | qr | none: what the printer got (hold mode)
    session: int = 0  # till connection number
    decision: Any = None  # what the delivery policy tagged this receipt with (Proxy.claims)

    def document(self) -> Document:
        from gateway.printer.profiles import get_profile

        prof = get_profile(self.profile)
        return Document(list(self.events), profile=prof.name, width=prof.width, cell=prof.cell())

    @property
    def is_blank(self) -> bool:
        return Receipt(self.events).is_blank

    def text(self) -> str:
        from gateway.printer.render_text import render_text

        return render_text(self.document())


def _shift(events: list[Event], by: int) -> list[Event]:
    for e in events:
        e.offset -= by
        e.end -= by
    return events


class _Session:
    def __init__(self, sid: int, decoder, ts: float):
        self.sid, self.decoder = sid, decoder
        self.buf = bytearray()  # bytes of the receipt being built
        self.start = 0  # stream offset of buf[0]
        self.offset = 0  # stream offset after the last byte fed
        self.events: list[Event] = []
        self.started_at = self.last_at = ts
        self.marks: list[tuple[int, str, Any]] = []  # (stream offset, mode, decision) from the pump
        self.last_cut_end = 0


class Segmenter:
    """Consumes the copy queue; calls `on_receipt(CapturedReceipt)` for each non-blank receipt."""

    def __init__(self, queue: CopyQueue, till_id: str, *, profile: str | None = None,
                 on_receipt: Callable[[CapturedReceipt], None] | None = None,
                 recorder=None, decoder_factory: Callable[[], Any] | None = None):
        self.queue, self.till_id, self.profile = queue, till_id, profile
        self.on_receipt = on_receipt or (lambda r: None)
        self.recorder = recorder
        self._factory = decoder_factory or self._default_factory
        self._sessions: dict[int, _Session] = {}
        self.receipts = 0
        self.boundary: tuple[int, int] = (0, 0)  # (session, offset) of the last receipt boundary seen
        self._thread: threading.Thread | None = None
        self.idle = threading.Event()

    def _default_factory(self):
        from gateway.printer.decoder import Decoder

        return Decoder(self.profile)

    def start(self) -> None:
        self._thread = threading.Thread(target=self.run, name="segmenter", daemon=True)
        self._thread.start()

    def join(self, timeout: float | None = None) -> None:
        if self._thread:
            self._thread.join(timeout)

    def run(self) -> None:
        while True:
            item = self.queue.get(timeout=0.5)
            if item is None:
                self.idle.set()
                if self.queue._closed and not len(self.queue):
                    break
                continue
            self.idle.clear()
            try:
                self.handle(item)
            except Exception:  # a decoder bug must not stop capturing the next receipts
                log.exception("could not process %s item; the bytes were still forwarded", item[0])
        for sid in list(self._sessions):
            self._finish(sid, time.time(), "stop")
        if self.recorder:
            self.recorder.close()

    def handle(self, item: tuple) -> None:
        kind = item[0]
        if self.recorder:
            self.recorder.write(item)
        if kind == "open":
            _, sid, ts, _peer = item
            self._sessions[sid] = _Session(sid, self._factory(), ts)
            self.boundary = (sid, 0)
        elif kind == "data":
            _, sid, ts, data = item
            self._data(self._sessions[sid], ts, data)
        elif kind == "idle":
            _, sid, ts = item
            s = self._sessions.get(sid)
            if s is not None:
                self._emit(s, len(s.buf), ts, "idle")
                self.boundary = (sid, s.offset)
        elif kind == "close":
            _, sid, ts, _reason = item
            self._finish(sid, ts, "close")
        elif kind in ("hold", "mark"):  # the pump held / tagged the receipt starting at offset
            sid, offset, mode = item[1:4]
            s = self._sessions.get(sid)
            if s is not None:
                s.marks.append((offset, mode, item[4] if kind == "mark" else None))

    def _data(self, s: _Session, ts: float, data: bytes) -> None:
        if not s.buf:
            s.started_at = ts
        s.buf += data
        s.offset += len(data)
        s.last_at = ts
        for e in s.decoder.feed(data):
            s.events.append(e)
            if isinstance(e, Cut):
                self._emit(s, e.end - s.start, ts, "cut")
                self.boundary = (s.sid, e.end)
                s.started_at = ts

    def _finish(self, sid: int, ts: float, why: str) -> None:
        s = self._sessions.pop(sid, None)
        if s is None:
            return
        try:
            s.events.extend(s.decoder.close())
        except Exception:
            log.exception("decoder failed at the end of connection %d", sid)
        self._emit(s, len(s.buf), ts, why)

    def _emit(self, s: _Session, upto: int, ts: float, why: str) -> None:
        raw = bytes(s.buf[:upto])
        end = s.start + upto
        mine = [e for e in s.events if e.offset < end]
        s.events = [e for e in s.events if e.offset >= end]
        del s.buf[:upto]
        start, s.start = s.start, end
        mine_marks = [m for m in s.marks if m[0] < end]
        s.marks = [m for m in s.marks if m[0] >= end]
        delivery, decision = mine_marks[-1][1:] if mine_marks else ("paper", None)
        if not raw:
            return
        receipt = CapturedReceipt(self.till_id, raw, s.started_at, ts if why != "cut" else s.last_at, why,
                                  _shift(mine, start), self.profile, delivery, s.sid, decision)
        if receipt.is_blank and delivery == "paper":
            log.debug("connection %d: %d bytes with nothing printed (status polls?) not a receipt",
                      s.sid, len(raw))
            return
        self.receipts += 1
        log.info("receipt %d from %s: %d bytes, ended by %s%s", self.receipts, self.till_id, len(raw), why,
                 "" if delivery == "paper" else f", printed as {delivery}")
        try:
            self.on_receipt(receipt)
        except Exception:
            log.exception("the receipt hook failed; receipt %d kept in the log only", self.receipts)
