"""Serial links (pyserial), till side or printer side, with the configured flow control.

`flow` says how a busy printer holds the sender back, and so how the gateway shows the
printer's state to the till (it plays the printer there):
- "dsrdtr": a printer drops DTR (the till's DSR) while busy or offline. Linux has no
  kernel support, so it is done here: towards the till DTR follows the printer; towards
  the printer a write waits while its DSR is down.
- "rtscts": the kernel stops our output while CTS is down and drops RTS while our input
  buffer is full; towards the till RTS also drops while the printer is offline or busy.
- "xonxoff": the kernel handles XON/XOFF from the printer; towards the till the gateway
  sends XOFF when the printer goes offline or busy and XON when it is ready again.
- "none": nothing is shown; a till finds out by asking (DLE EOT).

The printer's own busy line (DSR for dsrdtr, CTS for rtscts) is watched while reading
and reported through `on_busy(bool)`, so the till's line follows it too.

Modem lines go through `ModemLines` (`PortLines` on a real port). Pseudo-terminals
(tests, virtual ports) have none: there every call is a no-op and `dsr()` is None;
`gateway.printer.fake_modem` records the calls instead.
"""

from __future__ import annotations

import logging
import select
import time
from collections.abc import Callable
from typing import Protocol

from gateway.printer.status import PrinterStatus
from gateway.printer.transport import FdTransport, LinkClosed, LinkUnavailable

log = logging.getLogger("gateway.printer.serial")

PARITIES = {"none": "N", "even": "E", "odd": "O", "mark": "M", "space": "S"}
XON, XOFF = b"\x11", b"\x13"
LINE_POLL_S = 0.02  # how often a busy printer line is looked at (no kernel wake-up for DSR/CTS)
BUSY_WAIT_S = 30.0  # how long a write waits for a busy printer before sending anyway


class ModemLines(Protocol):
    """The RS-232 control lines of one port (the seam around pyserial's modem calls)."""

    def set_dtr(self, on: bool) -> None: ...

    def set_rts(self, on: bool) -> None: ...

    def dsr(self) -> bool | None: ...

    def cts(self) -> bool | None: ...


class PortLines:
    """A pyserial port's lines; None/no-op where the port has none (pty, some adapters)."""

    def __init__(self, port):
        self.port = port
        self.present = True

    def _do(self, action):
        if not self.present:
            return None
        try:
            return action()
        except Exception as exc:  # SerialException/OSError(ENOTTY): no modem lines here
            self.present = False
            log.info("%s has no modem lines (%s): flow control by lines is off", self.port.port, exc)
            return None

    def set_dtr(self, on: bool) -> None:
        self._do(lambda: setattr(self.port, "dtr", on))

    def set_rts(self, on: bool) -> None:
        self._do(lambda: setattr(self.port, "rts", on))

    def dsr(self) -> bool | None:
        return self._do(lambda: self.port.dsr)

    def cts(self) -> bool | None:
        return self._do(lambda: self.port.cts)


class SerialTransport(FdTransport):
    streaming = True

    def __init__(self, device: str, *, baudrate: int = 9600, bytesize: int = 8, parity: str = "none",
                 stopbits: float = 1, flow: str = "none", role: str = "till",
                 lines: Callable[[object], ModemLines] = PortLines):
        import serial

        try:
            self.port = serial.Serial(device, baudrate=baudrate, bytesize=bytesize,
                                      parity=PARITIES.get(parity, parity), stopbits=stopbits,
                                      rtscts=flow == "rtscts", xonxoff=flow == "xonxoff",
                                      dsrdtr=False, timeout=0, exclusive=True)
        except (serial.SerialException, ValueError, OSError) as exc:
            raise LinkUnavailable(f"cannot open serial port {device}: {exc}",
                                  "check the device path (ls /dev/serial/by-id/), that no other program "
                                  "uses it, and that this user is in the dialout group") from exc
        self.flow, self.role = flow, role
        self.lines = lines(self.port)
        self.on_busy: Callable[[bool], None] = lambda busy: None
        self.ready: bool | None = None  # what the till was last shown
        self._printer_busy: bool | None = None
        super().__init__(self.port.fileno(), f"{role} serial {device}", own_fd=False)
        if role == "till":
            self._show(True)  # ready until the printer says otherwise

    # -- till side: show the printer's state on our lines ------------------
    def mirror_status(self, status: PrinterStatus, busy: bool = False) -> None:
        if self.role == "till":  # a printer is offline with the paper out, the cover open, an error
            offline = not status.online or status.paper_out or status.cover_open or status.error
            self._show(not offline and not busy)

    def _show(self, ready: bool) -> None:
        if ready == self.ready:
            return
        self.ready = ready
        if self.flow == "dsrdtr":
            self.lines.set_dtr(ready)
        elif self.flow == "rtscts":
            self.lines.set_rts(ready)
        elif self.flow == "xonxoff":
            try:
                super().write(XON if ready else XOFF)
            except LinkClosed:
                pass

    # -- printer side: respect and report the printer's busy line ---------
    def _busy_line(self) -> bool | None:
        """True while the printer holds us back, None when it has no such line."""
        if self.role != "printer":
            return None
        level = self.lines.dsr() if self.flow == "dsrdtr" else self.lines.cts() if self.flow == "rtscts" else None
        return None if level is None else not level

    def _watch(self) -> bool | None:
        busy = self._busy_line()
        if busy is not None and busy != self._printer_busy:
            self._printer_busy = busy
            log.info("printer %s", "busy (handshake line down)" if busy else "ready (handshake line up)")
            self.on_busy(busy)
        return busy

    def read(self, max_bytes: int = 65536, timeout: float | None = None) -> bytes:
        if self._watch() is None:
            return super().read(max_bytes, timeout)
        deadline = None if timeout is None else time.monotonic() + timeout
        while True:  # slices, so a change of the busy line is seen while the printer is quiet
            left = LINE_POLL_S if deadline is None else min(LINE_POLL_S, max(0.0, deadline - time.monotonic()))
            data = super().read(max_bytes, left)
            self._watch()
            if data or (deadline is not None and time.monotonic() >= deadline):
                return data

    def write(self, data: bytes) -> None:
        if self.flow == "dsrdtr" and self._watch():
            deadline = time.monotonic() + BUSY_WAIT_S
            while self._watch() and time.monotonic() < deadline:
                if self._closed:
                    raise LinkClosed(f"{self.name} is closed")
                select.select([self._wake_r], [], [], LINE_POLL_S)
            if self._printer_busy:
                log.warning("printer busy for %.0f s (DSR down): sending anyway", BUSY_WAIT_S)
        super().write(data)

    def close(self) -> None:
        super().close()
        try:
            self.port.close()
        except Exception:
            pass
