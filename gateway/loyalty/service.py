"""The loyalty flow at run time: scanner source -> card desk -> display (and the kiosk node).

    svc = LoyaltyService(desk, source, display).start()   # built by gateway.app.Gateway
    svc.stop()

One thread reads the scanner source. A scan goes to the desk (validated, hashed, its
session opened, the hub asked); a kiosk "print anyway" button reprints the last held
receipt. The desk's events drive the customer display: invalid card, card accepted
(greeting and mode), receipt sent (QR and total), printing, errors; the kiosk node also
gets the result of its scan. After a receipt the display returns to idle.
"""

from __future__ import annotations

import logging
import threading
import time

from gateway.loyalty.desk import CardDesk
from gateway.scanner.source import Button, Scan, SourceGone

log = logging.getLogger("gateway.loyalty.service")

IDLE_AFTER_S = 20.0


class LoyaltyService:
    def __init__(self, desk: CardDesk, source=None, display=None, idle_after_s: float = IDLE_AFTER_S):
        self.desk, self.source, self.display = desk, source, display
        self.idle_after_s = idle_after_s
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None
        self._idle_timer: threading.Timer | None = None
        desk.listeners.append(self.on_event)

    def start(self) -> LoyaltyService:
        if self.display is not None:
            self.display.show_idle()
        if self.source is not None:
            self._thread = threading.Thread(target=self._read, name="scanner", daemon=True)
            self._thread.start()
        return self

    def stop(self) -> None:
        self._stop.set()
        if self._idle_timer:
            self._idle_timer.cancel()
        if self.source is not None:
            try:
                self.source.close()
            except Exception:  # noqa: BLE001 - closing a gone device
                pass
        if self._thread:
            self._thread.join(2)
        if self.display is not None:
            self.display.close()

    def _read(self) -> None:
        while not self._stop.is_set():
            try:
                event = self.source.read(timeout=0.5)
            except SourceGone as exc:
                log.error("the scanner went away (%s): card scans stop until the service restarts", exc)
                return
            except Exception:  # noqa: BLE001 - one bad read must not end scanning
                if self._stop.is_set():
                    return  # closed under the read
                log.exception("scanner read failed")
                time.sleep(0.5)
                continue
            if event is not None:
                self.handle(event)

    def handle(self, event) -> None:
        if isinstance(event, Scan):
            self.desk.scan(event.code, ref=event.seq)
        elif isinstance(event, Button) and event.name == "print_anyway":
            self.desk.print_anyway()
        elif isinstance(event, Button) and event.name in ("paper", "no_paper"):
            self.desk.choose("paper" if event.name == "paper" else "none")

    def on_event(self, ev: dict) -> None:
        kind, d = ev["event"], self.display
        if kind == "card_accepted" and ev.get("ref") is not None and hasattr(self.source, "send_result"):
            self.source.send_result(ev["ref"], ev["mode"], ev.get("greeting"))
        if d is None:
            return
        if kind == "invalid_card":
            d.show_error("invalid_card")
        elif kind == "card_accepted":
            d.show_card(ev.get("greeting"), ev["mode"])
        elif kind == "receipt_sent":
            d.show_sent(ev["url"], ev.get("total"), ev.get("currency"))
            self._idle_later()
        elif kind in ("receipt_printed", "printing"):
            d.show_printing()
            self._idle_later()
        elif kind == "error":
            d.show_error("printer_offline")

    def _idle_later(self) -> None:
        if self._idle_timer:
            self._idle_timer.cancel()
        self._idle_timer = threading.Timer(self.idle_after_s, self.display.show_idle)
        self._idle_timer.daemon = True
        self._idle_timer.start()
