"""The proxy: two pumps between one till and one printer, a copy for the decoder.

Threads, not asyncio: serial ports, the USB gadget device and pyusb only offer
blocking calls, so an event loop would push them into executor threads anyway; a
thread blocked in recv()/read() wakes in the kernel the moment bytes arrive (no loop
scheduling added to each chunk) and releases the GIL while it waits. So:

- till-to-printer pump (`serve()`, one till connection at a time): forwards each
  chunk as it arrives, answers status queries itself while the printer is
  unreachable, puts a copy on the `CopyQueue` (never blocks, never drops);
- printer-to-till pump (`PrinterLink`'s reader thread): relays the printer's bytes
  to the till at once, untouched, and lets the `StatusTracker` read them;
- `Segmenter` thread: decodes the copy and cuts it into receipts, on the side.

Hold mode (`hold_next_receipt`) switches the till-to-printer pump to inline decoding
for one receipt, from the next receipt boundary to its cut. A delivery policy can
instead set `claims`: a function asked at each receipt boundary for a `Claim` (hold
this receipt and decide at its cut, or just tag it), or None for plain pass-through.
"""

from __future__ import annotations

import logging
import sys
import threading
import time
from collections.abc import Callable
from typing import Any

from gateway.printer.capture import CapturedReceipt, Segmenter
from gateway.printer.copyqueue import CopyQueue
from gateway.printer.hold import MODES, Claim, HoldFilter
from gateway.printer.printer_link import PrinterLink
from gateway.printer.status import PrinterStatus, QueryScanner, StatusTracker
from gateway.printer.transport import LinkClosed, Transport

log = logging.getLogger("gateway.printer.proxy")


class Proxy:
    def __init__(self, printer: PrinterLink, *, till_id: str = "till-1", profile: str | None = None,
                 on_receipt: Callable[[CapturedReceipt], None] | None = None,
                 on_status: Callable[[PrinterStatus], None] | None = None,
                 idle_split_s: float = 2.0, recorder=None, spill_dir: str | None = None,
                 decoder_factory: Callable[[], Any] | None = None, chunk: int = 65536):
        self.printer, self.till_id, self.profile = printer, till_id, profile
        self.idle_split_s, self.chunk = idle_split_s, chunk
        self.tracker = StatusTracker(on_status)
        self.tracker.subscribe(self._status_changed)
        self.queue = CopyQueue(spill_dir=spill_dir)
        self.segmenter = Segmenter(self.queue, till_id, profile=profile, on_receipt=on_receipt,
                                   recorder=recorder, decoder_factory=decoder_factory)
        self._decoder_factory = self.segmenter._factory
        self._till: Transport | None = None
        self._till_lock = threading.Lock()  # both pumps write to the till
        self._sid = 0
        self._hold_request: tuple[str, bytes] | None = None
        # the delivery policy's lever: asked at each receipt boundary, in the till pump
        self.claims: Callable[[], Claim | None] | None = None
        self._job_lock = threading.Lock()  # the till pump's writes vs the gateway's own jobs
        self._till_offset = 0  # bytes of the current till connection, and when it last sent
        self._till_last = 0.0
        self._stop = threading.Event()
        self.bytes_in = self.bytes_out = 0
        printer.on_bytes = self._from_printer
        printer.on_up = self._printer_up
        printer.on_down = self._printer_down
        printer.on_busy = self._printer_busy
        self.printer_busy = False  # the printer's handshake line (serial) says "hold on"

    # -- lifecycle ----------------------------------------------------------
    def start(self) -> Proxy:
        # the decoder thread must give the GIL back quickly so a pump waking on a chunk
        # is not held for Python's default 5 ms switch interval (that was the p99)
        sys.setswitchinterval(min(sys.getswitchinterval(), 0.0005))
        self.segmenter.start()
        self.printer.start()
        return self

    def stop(self) -> None:
        self._stop.set()
        till = self._till
        if till is not None:
            till.close()
        self.printer.stop()
        self.queue.close()
        self.segmenter.join(10)

    @property
    def status(self) -> PrinterStatus:
        return self.tracker.status

    def subscribe(self, listener: Callable[[PrinterStatus], None]) -> None:
        """Call `listener(PrinterStatus)` on every printer state change."""
        self.tracker.subscribe(listener)

    def drain(self, timeout: float = 10.0) -> bool:
        """Wait until the decoder has caught up with everything the pumps copied."""
        end = time.monotonic() + timeout
        while time.monotonic() < end:
            if not len(self.queue) and self.segmenter.idle.is_set():
                return True
            time.sleep(0.01)
        return False

    # -- hold mode ----------------------------------------------------------
    def hold_next_receipt(self, mode: str = "qr", stub_bytes: bytes = b"") -> None:
        """Hold the next receipt of this till until its cut, then print `stub_bytes`
        (mode "qr") or nothing (mode "none"). Status queries and drawer kicks inside
        it still reach the printer at once."""
        if mode not in MODES:
            raise ValueError(f"mode must be one of {MODES}")
        self._hold_request = (mode, bytes(stub_bytes))

    def cancel_hold(self) -> None:
        self._hold_request = None

    def _claim(self, sid: int, offset: int) -> HoldFilter | None:
        """At a receipt boundary (stream `offset`): hold this receipt, tag it, or let it pass."""
        if self._hold_request:
            mode, stub = self._hold_request
            self._hold_request = None
            claim: Claim | None = Claim(True, mode, stub)
        else:
            try:
                claim = self.claims() if self.claims else None
            except Exception:  # noqa: BLE001 - a policy bug must not stop the pump: pass through
                log.exception("the delivery policy failed at a receipt boundary; passing it through")
                claim = None
        if claim is None:
            return None
        if not claim.hold:
            self.queue.put(("mark", sid, offset, "paper", claim.info))
            return None
        decide = None
        if claim.decide is not None:
            def decide(raw, events, _claim=claim):
                mode, payload, info = _claim.decide(raw, events)
                self.queue.put(("mark", sid, offset, mode, info))
                return mode, payload, info
        self.queue.put(("hold", sid, offset, claim.mode))
        log.info("holding the next receipt of %s (%s)", self.till_id, claim.mode)
        return HoldFilter(claim.mode, claim.stub, self._decoder_factory(), decide)

    @property
    def till_peer(self) -> str | None:
        """The connected till (address or device), None when no till is connected."""
        till = self._till
        return till.name if till is not None else None

    # -- the gateway's own jobs (reprint, QR stub) ----------------------------
    def print_between_jobs(self, data: bytes, timeout: float = 10.0) -> bool:
        """Send a job of the gateway's own to the printer between two till jobs.

        Waits (up to `timeout`) until no till job is in progress: no till connected, or
        the connected till's last receipt was cut and it has been quiet for 0.1 s, or it
        has been quiet for `idle_split_s`. The till pump waits while the job is written,
        so the two never interleave. False when the printer is not connected or no gap
        came in time; nothing was sent then.
        """
        end = time.monotonic() + timeout
        while time.monotonic() < end and not self._stop.is_set():
            if self._till is not None:
                self.drain(0.2)  # let the decoder see the till's last cut
            with self._job_lock:
                if self._between_jobs():
                    if not self.printer.up:
                        return False
                    return self.printer.write(data)
            time.sleep(0.05)
        return False

    def _between_jobs(self) -> bool:
        if self._till is None:
            return True
        quiet = time.monotonic() - self._till_last
        at_cut = self.segmenter.boundary == (self._sid, self._till_offset)
        return (at_cut and quiet >= 0.1) or quiet >= max(self.idle_split_s, 0.5)

    # -- serving tills ------------------------------------------------------
    def serve_forever(self, accept: Callable[[], Transport]) -> None:
        """Serve till connections one after another (jobs stay in order)."""
        while not self._stop.is_set():
            try:
                till = accept()
            except LinkClosed:
                if self._stop.is_set():
                    return
                raise
            self.serve(till)

    def serve(self, till: Transport) -> None:
        """Run the till-to-printer pump for one till connection until it closes."""
        self._sid += 1
        sid = self._sid
        self._till_offset, self._till_last = 0, time.monotonic()
        log.info("till connected: %s (connection %d)", till.name, sid)
        self.queue.put(("open", sid, time.time(), till.name))
        with self._till_lock:
            self._till = till
            till.mirror_status(self.status, self.printer_busy)
        scanner = QueryScanner()
        offset = 0
        idle_marked = True
        polls_end = -1  # a till polling status between receipts: the next receipt starts here
        hold: HoldFilter | None = None
        timeout = self.idle_split_s if till.streaming else None
        reason = "closed by the till"
        try:
            while not self._stop.is_set():
                try:
                    data = till.read(self.chunk, timeout)
                except LinkClosed as exc:
                    reason = str(exc)
                    break
                now = time.time()
                if not data:  # idle gap on a serial/usb link: the receipt ends here
                    if not idle_marked:
                        if hold is not None:
                            self._forward(hold.finish(), [])
                            hold = None
                        self.queue.put(("idle", sid, now))
                        idle_marked = True
                    continue
                queries = scanner.feed(data)
                at_boundary = hold is None and (
                    idle_marked or offset == 0 or offset == polls_end or self.segmenter.boundary == (sid, offset))
                if at_boundary and queries and sum(q.end - q.offset for q in queries) == len(data):
                    polls_end = offset + len(data)  # only status queries: still between receipts
                if at_boundary and (self._hold_request or self.claims):
                    hold = self._claim(sid, offset)
                idle_marked = False
                with self._job_lock:
                    if hold is None:
                        self._forward(data, queries)
                    else:
                        now_out, rest = hold.feed(data)
                        while rest is not None:  # the cut: the next receipt starts right after it
                            log.info("held receipt ended at its cut: %d bytes held, %d passed, sent as %s",
                                     len(hold.buf) - len(rest), hold.passed, hold.mode)
                            hold = self._claim(sid, offset + len(data) - len(rest)) \
                                if (self._hold_request or self.claims) else None
                            if hold is None:
                                now_out += rest
                                break
                            more, rest = hold.feed(rest)
                            now_out += more
                        self._forward(now_out, queries)
                    self.queue.put(("data", sid, now, data), len(data))
                    offset += len(data)
                    self._till_offset, self._till_last = offset, time.monotonic()
        finally:
            if hold is not None:
                self._forward(hold.finish(), [])
            with self._till_lock:
                self._till = None
            till.close()
            self.queue.put(("close", sid, time.time(), reason))
            log.info("till connection %d ended (%s) after %d bytes", sid, reason, offset)

    def _forward(self, data: bytes, queries) -> None:
        if not data and not queries:
            return
        expecting = [q for q in queries if q.expects_reply or q.command == "GS a"]
        if data and self.printer.up:
            self.tracker.note_queries(expecting)
            if self.printer.write(data):
                self.bytes_in += len(data)
                return
            # the link broke during this write: link_down answered what was noted
            return
        answer = b"".join(self.tracker.answer(q) for q in expecting)
        for q in expecting:
            if q.command == "GS a":
                self.tracker.asb_enabled = q.n
        if answer:
            self._to_till(answer, "gateway")

    # -- printer-to-till pump -------------------------------------------------
    def _from_printer(self, data: bytes) -> None:
        self.tracker.feed_reply(data)
        self._to_till(data, "printer")

    def _to_till(self, data: bytes, source: str) -> None:
        with self._till_lock:
            till = self._till
            if till is not None:
                try:
                    till.write(data)
                    self.bytes_out += len(data)
                except LinkClosed:
                    pass  # the till pump sees the close too and ends the connection
        self.queue.put(("reply" if source == "printer" else "answer", self._sid, time.time(), data), len(data))

    def _printer_up(self) -> None:
        self.printer_busy = False  # a new link reports its handshake line afresh
        self.tracker.link_up()

    def _printer_down(self, reason: str) -> None:
        owed = self.tracker.link_down(reason)
        if owed:
            self._to_till(owed, "gateway")

    def _printer_busy(self, busy: bool) -> None:
        self.printer_busy = busy
        self._mirror(self.status)

    def _status_changed(self, status: PrinterStatus) -> None:
        log.info("printer %s", status.summary())
        self.queue.put(("status", time.time(), status.to_dict()))
        self._mirror(status)

    def _mirror(self, status: PrinterStatus) -> None:
        """Show the printer's state on the till link's own signals (lines, status byte)."""
        with self._till_lock:  # an XON/XOFF mirror writes to the till, like the reply pump
            till = self._till
            if till is not None:
                till.mirror_status(status, self.printer_busy)
