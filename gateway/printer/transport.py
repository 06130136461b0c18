"""The one transport interface every link implements (till side and printer side).

A transport is a byte pipe: `read()` blocks until bytes arrive (or `timeout`
passes: then it returns b""), `write()` sends all bytes or raises, `close()` may be
called from another thread and wakes a blocked `read()`. End of stream or a
broken link raises `LinkClosed`. Links with modem lines or a status channel
(serial, USB gadget) also implement `mirror_status()` so the till sees the printer's
busy/online state; others ignore it.
"""

from __future__ import annotations

import os
import select
import threading
import time

from gateway.printer.status import PrinterStatus


class LinkClosed(ConnectionError):
    """The other end went away (EOF, reset, device unplugged)."""


class LinkUnavailable(ConnectionError):
    """The link could not be opened; `remedy` says what to check."""

    def __init__(self, message: str, remedy: str = ""):
        super().__init__(message)
        self.remedy = remedy


class Transport:
    """Base class: a bidirectional byte link."""

    name = "link"
    #: True for links without connection boundaries (serial, usb): receipts are
    #: also split on an idle gap.
    streaming = False

    def read(self, max_bytes: int = 65536, timeout: float | None = None) -> bytes:
        raise NotImplementedError

    def write(self, data: bytes) -> None:
        raise NotImplementedError

    def close(self) -> None:
        raise NotImplementedError

    def mirror_status(self, status: PrinterStatus, busy: bool = False) -> None:
        """Show the printer's state on the link's own signals (default: none). `busy`:
        the printer's own handshake line says "hold on" (a serial printer's DSR/CTS)."""

    def __repr__(self) -> str:
        return f"<{type(self).__name__} {self.name}>"


class FdTransport(Transport):
    """A transport over a file descriptor (pty, tty, character device).

    `close()` from another thread wakes `read()` through a self-pipe, so a pump
    blocked on a quiet serial line stops at once.
    """

    def __init__(self, fd: int, name: str, *, own_fd: bool = True):
        self.fd, self.name, self._own = fd, name, own_fd
        self._wake_r, self._wake_w = os.pipe()
        self._closed = False
        self._lock = threading.Lock()

    def read(self, max_bytes: int = 65536, timeout: float | None = None) -> bytes:
        if self._closed:
            raise LinkClosed(f"{self.name} is closed")
        deadline = None if timeout is None else time.monotonic() + timeout
        while True:
            left = None if deadline is None else max(0.0, deadline - time.monotonic())
            try:
                ready, _, _ = select.select([self.fd, self._wake_r], [], [], left)
            except (OSError, ValueError) as exc:  # the fd was closed under us by close()
                raise LinkClosed(f"{self.name} was closed: {exc}") from exc
            if self._closed or self._wake_r in ready:
                raise LinkClosed(f"{self.name} was closed")
            if not ready:
                return b""
            try:
                data = os.read(self.fd, max_bytes)
            except BlockingIOError:  # readable but nothing there (a USB gadget after a soft reset)
                if left == 0.0:
                    return b""
                continue
            except OSError as exc:  # EIO: the other end of a pty closed; ENODEV: unplugged
                raise LinkClosed(f"{self.name}: {exc.strerror}") from exc
            if not data:
                raise LinkClosed(f"{self.name}: end of stream")
            return data

    def write(self, data: bytes) -> None:
        view = memoryview(data)
        while view:
            if self._closed:
                raise LinkClosed(f"{self.name} is closed")
            try:
                n = os.write(self.fd, view)
            except BlockingIOError:
                select.select([], [self.fd], [], 1.0)
                continue
            except OSError as exc:
                raise LinkClosed(f"{self.name}: {exc.strerror}") from exc
            view = view[n:]

    def close(self) -> None:
        with self._lock:
            if self._closed:
                return
            self._closed = True
        os.write(self._wake_w, b"x")
        if self._own:
            try:
                os.close(self.fd)
            except OSError:
                pass

    def __del__(self):
        for fd in (getattr(self, "_wake_r", None), getattr(self, "_wake_w", None)):  # None: __init__ failed
            if fd is None:
                continue
            try:
                os.close(fd)
            except OSError:
                pass
