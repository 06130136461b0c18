"""Serial barcode scanners (RS-232, USB-serial, USB CDC-ACM "USB COM" mode): one code per line.

The port is opened exclusively (a second program, e.g. another till's gateway configured with
the same scanner by mistake, gets a clear error instead of stealing half the codes).
"""

from __future__ import annotations

import errno
import select
import time

import serial

from gateway.scanner.serial_lines import LineSplitter
from gateway.scanner.source import Event, Scan, ScannerError, ScanSource, SourceGone


def open_serial(device: str, baudrate: int = 9600):
    """A pyserial port, non-blocking, exclusive; errors say what to do."""
    try:
        return serial.Serial(device, baudrate, timeout=0, exclusive=True)
    except serial.SerialException as exc:
        err = getattr(exc, "errno", None)
        text = str(exc)
        if err == errno.ENOENT or "No such file" in text:
            raise ScannerError(f"no serial device {device}",
                               "plug the scanner in; stable names are under /dev/serial/by-id/ "
                               "or /dev/receipt-gateway/ (hardware/udev rules)") from None
        if err == errno.EACCES or "Permission denied" in text:
            raise ScannerError(f"no permission to open {device}",
                               "add the service user to the `dialout` group") from None
        if "lock" in text.lower() or err in (errno.EAGAIN, errno.EWOULDBLOCK):
            raise ScannerError(f"{device} is already in use by another program",
                               "is another till's gateway configured with this scanner? each till "
                               "needs its own (check [scanner] device in every config)") from None
        raise ScannerError(f"cannot open {device}: {text}") from None


class SerialLineSource(ScanSource):
    """Reads lines from a serial port; subclasses say what a line means (`on_line`)."""

    def __init__(self, device: str, baudrate: int = 9600, *, partial_timeout_s: float = 0.5,
                 max_length: int = 128, port=None):
        super().__init__()
        self.device = device
        self.port = port if port is not None else open_serial(device, baudrate)
        self.lines = LineSplitter(partial_timeout_s=partial_timeout_s, max_length=max_length)

    @property
    def drops(self):
        return self.lines.drops

    def on_line(self, text: str, ts: float) -> None:
        raise NotImplementedError

    def read(self, timeout: float | None = None) -> Event | None:
        deadline = None if timeout is None else time.monotonic() + timeout
        while not self._ready:
            if self.closed:
                raise SourceGone(self.name)
            wait = self.lines.partial_timeout_s if self.lines.pending else None
            if deadline is not None:
                left = max(0.0, deadline - time.monotonic())
                wait = left if wait is None else min(wait, left)
            ready, _, _ = select.select([self.port.fileno()], [], [], wait)
            now = time.time()
            if not ready:
                self.lines.expire(now)
                if deadline is not None and time.monotonic() >= deadline:
                    return None
                continue
            try:
                data = self.port.read(self.port.in_waiting or 1)
            except (serial.SerialException, OSError) as exc:
                raise SourceGone(f"{self.name}: {exc}") from None
            for text in self.lines.codes(data, now):
                self.on_line(text, now)
        return self._ready.popleft()

    def close(self) -> None:
        if not self.closed:
            super().close()
            self.port.close()


class SerialScanner(SerialLineSource):
    def __init__(self, device: str, baudrate: int = 9600, **kw):
        super().__init__(device, baudrate, **kw)
        self.name = f"serial:{device}"

    def on_line(self, text: str, ts: float) -> None:
        self._ready.append(Scan(text, self.name, ts))
