"""TCP links: the till-side raw-port server (9100 / AppSocket) and the printer-side client."""

from __future__ import annotations

import logging
import socket
import threading

from gateway.printer.transport import LinkClosed, LinkUnavailable, Transport

log = logging.getLogger("gateway.printer.tcp")


def parse_address(text: str, default_port: int = 9100) -> tuple[str, int]:
    host, sep, port = text.rpartition(":")
    if not sep:
        return text, default_port
    return host.strip("[]") or "0.0.0.0", int(port)


class TcpTransport(Transport):
    """One TCP connection."""

    def __init__(self, sock: socket.socket, name: str):
        self.sock, self.name = sock, name
        sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        self._closed = False
        self._timeout: float | None = None

    def read(self, max_bytes: int = 65536, timeout: float | None = None) -> bytes:
        if timeout != self._timeout:
            self.sock.settimeout(timeout)
            self._timeout = timeout
        try:
            data = self.sock.recv(max_bytes)
        except TimeoutError:
            return b""
        except OSError as exc:
            raise LinkClosed(f"{self.name}: {exc.strerror or exc}") from exc
        if not data:
            raise LinkClosed(f"{self.name} closed the connection")
        return data

    def write(self, data: bytes) -> None:
        try:
            self.sock.sendall(data)
        except OSError as exc:
            raise LinkClosed(f"{self.name}: {exc.strerror or exc}") from exc

    def close(self) -> None:
        if self._closed:
            return
        self._closed = True
        try:
            self.sock.shutdown(socket.SHUT_RDWR)  # wakes a recv() blocked in another thread
        except OSError:
            pass
        self.sock.close()


def connect_printer(address: str, timeout: float = 3.0, user_timeout_s: float = 10.0) -> TcpTransport:
    """Open the printer's raw port. Unacknowledged data for `user_timeout_s` breaks the
    link (a pulled cable is noticed in seconds, not after TCP's 15 minutes)."""
    host, port = parse_address(address)
    try:
        sock = socket.create_connection((host, port), timeout=timeout)
    except OSError as exc:
        raise LinkUnavailable(f"printer {host}:{port} not reachable: {exc.strerror or exc}",
                              "check the printer is on, its cable, and [printer] address") from exc
    sock.settimeout(None)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_KEEPALIVE, 1)
    for opt, value in (("TCP_USER_TIMEOUT", int(user_timeout_s * 1000)), ("TCP_KEEPIDLE", 5),
                       ("TCP_KEEPINTVL", 2), ("TCP_KEEPCNT", 3)):
        if hasattr(socket, opt):
            sock.setsockopt(socket.IPPROTO_TCP, getattr(socket, opt), value)
    return TcpTransport(sock, f"printer tcp {host}:{port}")


class TcpTillServer:
    """Listens on the raw port; `accept()` returns the next till connection.

    The proxy serves one connection at a time, like a printer's raw port: a second
    connection waits (its bytes stay in the kernel) until the first closes, so jobs
    reach the printer in the order the tills sent them.
    """

    streaming = False

    def __init__(self, listen: str):
        host, port = parse_address(listen)
        self.sock = socket.socket(socket.AF_INET6 if ":" in host else socket.AF_INET, socket.SOCK_STREAM)
        self.sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        try:
            self.sock.bind((host, port))
        except OSError as exc:
            self.sock.close()
            raise LinkUnavailable(f"cannot listen on {host}:{port}: {exc.strerror}",
                                  "another program (or a running gateway) uses this port; "
                                  "stop it or change [till] listen") from exc
        self.sock.listen(16)
        self.address = self.sock.getsockname()[:2]
        self._closed = threading.Event()

    def accept(self) -> TcpTransport:
        try:
            conn, peer = self.sock.accept()
        except OSError as exc:
            raise LinkClosed("till listener closed") from exc
        conn.setsockopt(socket.SOL_SOCKET, socket.SO_KEEPALIVE, 1)
        return TcpTransport(conn, f"till {peer[0]}:{peer[1]}")

    def close(self) -> None:
        self._closed.set()
        try:
            self.sock.shutdown(socket.SHUT_RDWR)
        except OSError:
            pass
        self.sock.close()
