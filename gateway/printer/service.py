"""The printer half of the service: till source + printer link + proxy, built from config.

    svc = PrinterService(cfg, on_receipt=outbox.add, record_dir=None)
    svc.start(); ...; svc.stop()

`on_receipt(CapturedReceipt)` is the seam where the rest of the gateway (extractor,
MQTT outbox) takes receipts; `svc.proxy.subscribe(listener)` gives printer status
changes; `svc.proxy.hold_next_receipt(...)` is the loyalty policy's lever.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable
from pathlib import Path

from gateway.printer.capture import CapturedReceipt
from gateway.printer.links import TillSource, printer_connector
from gateway.printer.printer_link import PrinterLink
from gateway.printer.proxy import Proxy
from gateway.printer.record import Recorder
from gateway.printer.transport import LinkClosed

log = logging.getLogger("gateway.printer.service")


class PrinterService:
    def __init__(self, cfg: dict, *, on_receipt: Callable[[CapturedReceipt], None] | None = None,
                 record_dir: str | Path | None = None, fake=None):
        gw, till, printer = cfg["gateway"], cfg["till"], cfg["printer"]
        self.till_id = gw["till_id"]
        from gateway.printer.profiles import configured

        profile = configured(printer)  # the name, or the name with [printer] code_pages over it
        self.recorder = Recorder(record_dir, self.till_id, profile) if record_dir else None
        if self.recorder:
            log.info("recording both directions to %s", self.recorder.path)
        link = PrinterLink(printer_connector(printer, fake), name=f"printer-{printer['link']}",
                           max_backoff_s=printer.get("reconnect_max_s", 10.0))
        spill = Path(gw.get("data_dir", "/tmp")) / "spill"
        spill_dir = str(spill) if _mkdir(spill) else None
        self.proxy = Proxy(link, till_id=self.till_id, profile=profile, on_receipt=on_receipt,
                           idle_split_s=till.get("idle_split_s", 2.0), recorder=self.recorder,
                           spill_dir=spill_dir)
        self.source = TillSource(till)
        self._thread: threading.Thread | None = None

    def start(self) -> PrinterService:
        self.proxy.start()
        self._thread = threading.Thread(target=self._serve, name="till-pump", daemon=True)
        self._thread.start()
        return self

    def _serve(self) -> None:
        try:
            self.proxy.serve_forever(self.source.accept)
        except LinkClosed:
            pass

    def stop(self) -> None:
        self.source.close()
        self.proxy.stop()
        if self._thread:
            self._thread.join(5)


def _mkdir(path: Path) -> bool:
    try:
        path.mkdir(parents=True, exist_ok=True)
        return True
    except OSError:
        return False
