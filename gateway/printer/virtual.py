"""A virtual receipt printer: the fake printer (TM-T88 replies) that also draws its paper.

    printer = VirtualPrinter("pictures/", on_page=print)
    Gateway(cfg, fake=printer)      # with [printer] link = "fake"
    ...
    printer.close()                 # renders what is left, stops the drawing thread

Every page the printer cuts becomes `page-NNN.png` (what the customer would hold: a
full receipt, a QR stub, ...). Drawing happens in its own thread from a copy of the
bytes, so the printer answers the gateway as fast as the fake printer does.
"""

from __future__ import annotations

import logging
import queue
import threading
from collections.abc import Callable
from pathlib import Path

from gateway.printer.fake_printer import FakePrinter

log = logging.getLogger("gateway.printer.virtual")


class VirtualPrinter(FakePrinter):
    def __init__(self, out_dir: str | Path, *, profile: str | None = None, path: str | Path | None = None,
                 on_page: Callable[[Path], None] | None = None):
        super().__init__(path=path, keep=True)
        self.out_dir = Path(out_dir)
        self.out_dir.mkdir(parents=True, exist_ok=True)
        self.profile = profile
        self.on_page = on_page or (lambda path: None)
        self.pages: list[Path] = []
        self._queue: queue.Queue[bytes | None] = queue.Queue()
        self._thread = threading.Thread(target=self._draw, name="virtual-printer", daemon=True)
        self._thread.start()

    def feed(self, data: bytes) -> bytes:
        reply = super().feed(data)
        self._queue.put(bytes(data))
        return reply

    def close(self, timeout: float = 10.0) -> None:
        """Draw what was printed after the last cut too, then stop."""
        self._queue.put(None)
        self._thread.join(timeout)

    def _draw(self) -> None:
        from gateway.printer.decoder import Decoder
        from gateway.printer.document import Cut

        decoder = Decoder(self.profile)
        events: list = []
        while True:
            data = self._queue.get()
            if data is None:
                events.extend(decoder.close())
                self._page(events)
                return
            for e in decoder.feed(data):
                events.append(e)
                if isinstance(e, Cut):
                    self._page(events)
                    events = []

    def _page(self, events: list) -> None:
        from gateway.printer.document import Document, Receipt
        from gateway.printer.profiles import get_profile
        from gateway.printer.render_png import render_png

        if not events or Receipt(events).is_blank:
            return
        prof = get_profile(self.profile)
        try:
            png = render_png(Document(events, profile=prof.name, width=prof.width, cell=prof.cell()))
        except Exception:  # noqa: BLE001 - a drawing bug must not stop the printer
            log.exception("could not draw page %d", len(self.pages) + 1)
            return
        path = self.out_dir / f"page-{len(self.pages) + 1:03d}.png"
        path.write_bytes(png)
        self.pages.append(path)
        self.on_page(path)
