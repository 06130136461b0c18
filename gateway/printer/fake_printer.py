"""A fake ESC/POS printer that answers like a TM-T88 and records what it printed.

For bench tests and demos where no printer is at hand: `[printer] link = "fake"`
runs it inside the gateway; `receipt-gateway fake-printer --listen 127.0.0.1:9101`
runs it as a network printer (raw port) that a gateway or a till can print to.

It answers DLE EOT 1-4, GS r 1/2, GS I n (see `gateway.printer.status.reply_for`;
DLE EOT 1 -> 0x16, 2/3/4 -> 0x12 when all is well, as a real TM-T88 does), sends
Automatic Status Back blocks when the till enables them (GS a) and the state changes,
and can be put in paper-out, near-end, cover-open, error or offline (powered off:
connections refused or dropped) states.
"""

from __future__ import annotations

import logging
import socket
import threading
from dataclasses import replace
from pathlib import Path

from gateway.printer.status import PrinterStatus, QueryScanner, asb_block, reply_for
from gateway.printer.transport import LinkClosed, LinkUnavailable, Transport

log = logging.getLogger("gateway.printer.fake")


class FakePrinter:
    """The printer's behaviour; thread-safe. Links (`FakeLink`, TCP) attach to it."""

    def __init__(self, path: str | Path | None = None, keep: bool = True):
        self.keep = keep  # keep what was printed in memory (`printed`)
        self.status = PrinterStatus(reachable=True, online=True, drawer_open=True, reason="")
        self.printed = bytearray()
        self.path = Path(path) if path else None
        self.powered = True
        self._lock = threading.Lock()
        self._scanner = QueryScanner()
        self._asb = 0
        self._links: list[FakeLink] = []

    # -- state the tests and technicians set --------------------------------
    def set_state(self, *, paper_out: bool | None = None, near_end: bool | None = None,
                  cover_open: bool | None = None, error: bool | None = None) -> None:
        changes = {k: v for k, v in dict(paper_out=paper_out, near_end=near_end,
                                         cover_open=cover_open, error=error).items() if v is not None}
        with self._lock:
            self.status = replace(self.status, **changes)
            online = not (self.status.paper_out or self.status.cover_open or self.status.error)
            self.status = replace(self.status, online=online)
            if self._asb:
                self._send_all(asb_block(self.status))

    def power(self, on: bool) -> None:
        """Switch the printer off (drops every connection) or on."""
        with self._lock:
            self.powered = on
            links = list(self._links) if not on else []
        for link in links:
            link.drop()

    # -- the byte stream ---------------------------------------------------
    def feed(self, data: bytes) -> bytes:
        """Take bytes as the printer would; return its replies."""
        with self._lock:
            if self.keep:
                self.printed += data
            if self.path:
                with self.path.open("ab") as f:
                    f.write(data)
            out = bytearray()
            for q in self._scanner.feed(data):
                if q.command == "GS a":
                    self._asb = q.n
                    if q.n:
                        out += asb_block(self.status)
                else:
                    out += reply_for(self.status, q)
            return bytes(out)

    def _send_all(self, data: bytes) -> None:
        for link in self._links:
            link.push(data)

    def attach(self, link: FakeLink) -> None:
        with self._lock:
            if not self.powered:
                raise LinkUnavailable("the fake printer is switched off", "switch it on: fake.power(True)")
            self._links.append(link)

    def detach(self, link: FakeLink) -> None:
        with self._lock:
            if link in self._links:
                self._links.remove(link)


class FakeLink(Transport):
    """An in-process connection to a `FakePrinter` (the printer side of the proxy)."""

    def __init__(self, printer: FakePrinter):
        self.printer, self.name = printer, "fake printer"
        self._out = bytearray()
        self._cond = threading.Condition()
        self._closed = False
        printer.attach(self)

    def push(self, data: bytes) -> None:
        with self._cond:
            self._out += data
            self._cond.notify_all()

    def drop(self) -> None:
        self.close()

    def read(self, max_bytes: int = 65536, timeout: float | None = None) -> bytes:
        with self._cond:
            self._cond.wait_for(lambda: self._out or self._closed, timeout)
            if self._out:
                data = bytes(self._out[:max_bytes])
                del self._out[:max_bytes]
                return data
            if self._closed:
                raise LinkClosed("fake printer connection closed")
            return b""

    def write(self, data: bytes) -> None:
        if self._closed:
            raise LinkClosed("fake printer connection closed")
        reply = self.printer.feed(data)
        if reply:
            self.push(reply)

    def close(self) -> None:
        with self._cond:
            self._closed = True
            self._cond.notify_all()
        self.printer.detach(self)


class FakeNetworkPrinter:
    """Serves a `FakePrinter` on a TCP raw port, one connection at a time, like a printer."""

    def __init__(self, printer: FakePrinter | None = None, listen: str = "127.0.0.1:0"):
        from gateway.printer.link_tcp import parse_address

        self.printer = printer or FakePrinter()
        host, port = parse_address(listen)
        self.sock = socket.create_server((host, port))
        host, port = self.sock.getsockname()[:2]
        self.address = f"{host}:{port}"
        self._stop = threading.Event()
        self._conns: list[socket.socket] = []
        self.connections = 0
        self.thread = threading.Thread(target=self._serve, name="fake-printer", daemon=True)
        self.thread.start()

    def _serve(self) -> None:
        while not self._stop.is_set():
            try:
                conn, _ = self.sock.accept()
            except OSError:
                return
            self.connections += 1
            self._conns.append(conn)
            link = _SocketLink(conn)
            try:
                self.printer.attach(link)
            except LinkUnavailable:
                conn.close()
                continue
            try:
                while True:
                    data = conn.recv(65536)
                    if not data:
                        break
                    reply = self.printer.feed(data)
                    if reply:
                        conn.sendall(reply)
            except OSError:
                pass
            finally:
                self.printer.detach(link)
                conn.close()
                self._conns.remove(conn)

    def drop_connections(self) -> None:
        """Close the current connection abruptly (a printer rebooting mid-job)."""
        for conn in list(self._conns):
            try:
                conn.shutdown(socket.SHUT_RDWR)
            except OSError:
                pass

    def close(self) -> None:
        self._stop.set()
        self.drop_connections()
        try:
            self.sock.shutdown(socket.SHUT_RDWR)  # wakes accept()
        except OSError:
            pass
        self.sock.close()
        self.thread.join(2)


class _SocketLink:
    def __init__(self, conn: socket.socket):
        self.conn = conn

    def push(self, data: bytes) -> None:
        try:
            self.conn.sendall(data)
        except OSError:
            pass

    def drop(self) -> None:
        try:
            self.conn.shutdown(socket.SHUT_RDWR)
        except OSError:
            pass
