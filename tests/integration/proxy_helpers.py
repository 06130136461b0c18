"""Shared set-up for the proxy tests: a gateway on loopback, a socket printer, pty null-modems."""

from __future__ import annotations

import os
import socket
import threading
import time
import tty

from gateway.printer.link_tcp import TcpTillServer
from gateway.printer.printer_link import PrinterLink
from gateway.printer.proxy import Proxy


def wait_for(cond, timeout=5.0, what="condition"):
    end = time.monotonic() + timeout
    while time.monotonic() < end:
        if cond():
            return
        time.sleep(0.005)
    raise AssertionError(f"timed out waiting for {what}")


class Gateway:
    """A proxy serving a TCP till port on 127.0.0.1, with receipts collected."""

    def __init__(self, connect, **kw):
        self.receipts = []
        self.statuses = []
        kw.setdefault("on_receipt", self.receipts.append)
        self.proxy = Proxy(PrinterLink(connect, max_backoff_s=0.2, min_backoff_s=0.02), **kw)
        self.proxy.subscribe(self.statuses.append)
        self.server = TcpTillServer("127.0.0.1:0")
        self.port = self.server.address[1]
        self.proxy.start()
        self.thread = threading.Thread(target=self._serve, daemon=True)
        self.thread.start()

    def _serve(self):
        try:
            self.proxy.serve_forever(self.server.accept)
        except Exception:
            pass

    def till(self, timeout=3.0) -> socket.socket:
        s = socket.create_connection(("127.0.0.1", self.port), timeout=timeout)
        s.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        return s

    def close(self):
        self.server.close()
        self.proxy.stop()


class SocketPrinter:
    """A network printer that records what it gets and sends what a test tells it to."""

    def __init__(self, port: int = 0):
        self.sock = socket.create_server(("127.0.0.1", port))
        self.port = self.sock.getsockname()[1]
        self.address = f"127.0.0.1:{self.port}"
        self.received = bytearray()
        self.conn: socket.socket | None = None
        self.connections = 0
        self._lock = threading.Lock()
        threading.Thread(target=self._serve, daemon=True).start()

    def _serve(self):
        while True:
            try:
                conn, _ = self.sock.accept()
            except OSError:
                return
            self.conn = conn
            self.connections += 1
            try:
                while True:
                    data = conn.recv(1 << 20)
                    if not data:
                        break
                    with self._lock:
                        self.received += data
            except OSError:
                pass
            finally:
                conn.close()

    def send(self, data: bytes):
        self.conn.sendall(data)

    def take(self) -> bytes:
        with self._lock:
            out = bytes(self.received)
            self.received.clear()
            return out

    def drop(self):
        if self.conn is not None:
            try:
                self.conn.shutdown(socket.SHUT_RDWR)
            except OSError:
                pass

    def close(self):
        self.drop()
        self.sock.close()


class NullModem:
    """Two pty pairs wired master-to-master: two serial device paths joined by a cable."""

    def __init__(self):
        self.a_master, a_slave = os.openpty()
        self.b_master, b_slave = os.openpty()
        self.a_path, self.b_path = os.ttyname(a_slave), os.ttyname(b_slave)
        for fd in (a_slave, b_slave):
            tty.setraw(fd)
        self._slaves = (a_slave, b_slave)  # kept open so the masters never see EIO early
        self._stop = False
        self._threads = [threading.Thread(target=self._copy, args=(src, dst), daemon=True)
                         for src, dst in ((self.a_master, self.b_master), (self.b_master, self.a_master))]
        for t in self._threads:
            t.start()

    def _copy(self, src, dst):
        import select

        while not self._stop:
            r, _, _ = select.select([src], [], [], 0.1)
            if not r:
                continue
            try:
                data = os.read(src, 65536)
            except OSError:
                return
            view = memoryview(data)
            while view:
                view = view[os.write(dst, view):]

    def close(self):
        self._stop = True
        for t in self._threads:  # they look at _stop at least every 0.1 s
            t.join(2)
        for fd in (self.a_master, self.b_master, *self._slaves):
            try:
                os.close(fd)
            except OSError:
                pass


class PtyPrinter:
    """A FakePrinter on the master side of a pty; the gateway opens `path` as its serial printer."""

    def __init__(self, fake):
        self.fake = fake
        self.master, slave = os.openpty()
        tty.setraw(slave)
        self.path = os.ttyname(slave)
        self._slave = slave
        self._stop = False
        self._thread = threading.Thread(target=self._run, daemon=True)
        self._thread.start()

    def _run(self):
        import select

        while not self._stop:
            r, _, _ = select.select([self.master], [], [], 0.1)
            if not r:
                continue
            try:
                data = os.read(self.master, 65536)
            except OSError:
                return
            reply = self.fake.feed(data)
            if reply:
                os.write(self.master, reply)

    def close(self):
        self._stop = True
        self._thread.join(2)
        for fd in (self.master, self._slave):
            try:
                os.close(fd)
            except OSError:
                pass
