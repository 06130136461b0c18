"""The printer side: one connection kept up, reconnected with backoff, read by its own pump.

`PrinterLink` owns the connection to the real printer. A reconnect thread opens it
(never the pumps: they must not wait for a connect), doubling the wait after each
failure up to `max_backoff_s`. While up, a reader thread relays every byte the
printer sends to `on_bytes` (the printer-to-till pump). `write()` never blocks on a
missing printer: it returns False and the proxy answers the till itself.
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable

from gateway.printer.transport import LinkClosed, LinkUnavailable, Transport

log = logging.getLogger("gateway.printer.link")


class PrinterLink:
    def __init__(self, connect: Callable[[], Transport], *, name: str = "printer",
                 max_backoff_s: float = 10.0, min_backoff_s: float = 0.1):
        self.connect, self.name = connect, name
        self.max_backoff_s, self.min_backoff_s = max_backoff_s, min_backoff_s
        self.on_bytes: Callable[[bytes], None] = lambda data: None
        self.on_up: Callable[[], None] = lambda: None
        self.on_down: Callable[[str], None] = lambda reason: None
        #: the printer's handshake line (serial DSR/CTS) says busy (True) or ready (False)
        self.on_busy: Callable[[bool], None] = lambda busy: None
        self._transport: Transport | None = None
        self._lock = threading.Lock()  # guards writes and the transport swap
        self._wake = threading.Event()
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None
        self.connects = 0
        self.last_error = "not connected yet"

    @property
    def up(self) -> bool:
        return self._transport is not None

    def start(self) -> None:
        self._thread = threading.Thread(target=self._run, name=f"{self.name}-link", daemon=True)
        self._thread.start()

    def wait_up(self, timeout: float) -> bool:
        end = time.monotonic() + timeout
        while not self.up and time.monotonic() < end:
            time.sleep(0.005)
        return self.up

    def write(self, data: bytes) -> bool:
        """Send to the printer; False when it is not connected or the link broke."""
        transport = self._transport
        if transport is None:
            return False
        try:
            with self._lock:
                transport.write(data)
            return True
        except LinkClosed as exc:
            self._lost(transport, str(exc))
            return False

    def _lost(self, transport: Transport, reason: str) -> None:
        with self._lock:
            if self._transport is not transport:
                return
            self._transport = None
        transport.close()
        self.last_error = reason
        log.warning("printer link lost: %s; reconnecting", reason)
        self.on_down(reason)
        self._wake.set()

    def _run(self) -> None:
        backoff = self.min_backoff_s
        while not self._stop.is_set():
            if self._transport is not None:
                self._wake.wait(1.0)
                self._wake.clear()
                continue
            try:
                transport = self.connect()
            except (LinkUnavailable, LinkClosed, OSError) as exc:
                if str(exc) != self.last_error or self.connects == 0:
                    log.warning("printer not reachable: %s (retrying, at most every %.1f s)",
                                exc, self.max_backoff_s)
                if self.up is False and self.last_error == "not connected yet":
                    self.on_down(str(exc))
                self.last_error = str(exc)
                self._stop.wait(backoff)
                backoff = min(backoff * 2, self.max_backoff_s)
                continue
            started = time.monotonic()
            self.connects += 1
            log.info("printer link up: %s", transport.name)
            if hasattr(transport, "on_busy"):
                transport.on_busy = lambda busy: self.on_busy(busy)
            with self._lock:
                self._transport = transport
            self.on_up()
            self._read(transport)
            # a link that drops at once is not healthy: keep backing off
            backoff = self.min_backoff_s if time.monotonic() - started > 5 else min(backoff * 2, self.max_backoff_s)
            self._stop.wait(backoff if not self._stop.is_set() else 0)

    def _read(self, transport: Transport) -> None:
        while not self._stop.is_set():
            try:
                data = transport.read(65536)
            except LinkClosed as exc:
                self._lost(transport, str(exc))
                return
            except Exception as exc:  # a link bug must not kill the reconnect thread
                log.exception("printer link read failed")
                self._lost(transport, f"read failed: {exc}")
                return
            if data:
                self.on_bytes(data)

    def stop(self) -> None:
        self._stop.set()
        self._wake.set()
        transport = self._transport
        self._transport = None
        if transport is not None:
            transport.close()
        if self._thread is not None:
            self._thread.join(3)
