"""Serial links (pyserial), till side or printer side, with the configured flow control.

`flow`: "rtscts" and "xonxoff" are done by the kernel/pyserial. "dsrdtr" has no
kernel support on Linux, so it is done here: on the printer side a write waits while
the printer drops DSR (busy); on the till side the gateway drops DTR while the
printer is offline or busy, mirroring the printer's busy line to the till.
Pseudo-terminals (tests, virtual ports) have no modem lines: those calls are skipped.
"""

from __future__ import annotations

import time

from gateway.printer.transport import FdTransport, LinkUnavailable

PARITIES = {"none": "N", "even": "E", "odd": "O", "mark": "M", "space": "S"}


class SerialTransport(FdTransport):
    streaming = True

    def __init__(self, device: str, *, baudrate: int = 9600, bytesize: int = 8, parity: str = "none",
                 stopbits: float = 1, flow: str = "none", role: str = "till"):
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
        super().__init__(self.port.fileno(), f"{role} serial {device}", own_fd=False)
        if flow == "dsrdtr":
            self._modem(lambda: setattr(self.port, "dtr", True))

    def _modem(self, action):
        try:
            return action()
        except (OSError, ValueError, Exception):  # pty or adapter without modem lines
            return None

    def write(self, data: bytes) -> None:
        if self.flow == "dsrdtr" and self.role == "printer":
            deadline = time.monotonic() + 30
            while self._modem(lambda: self.port.dsr) is False and time.monotonic() < deadline:
                time.sleep(0.005)
        super().write(data)

    def set_busy(self, busy: bool, *, online: bool = True, paper_out: bool = False) -> None:
        if self.role == "till" and self.flow == "dsrdtr":
            self._modem(lambda: setattr(self.port, "dtr", not busy))

    def close(self) -> None:
        super().close()
        try:
            self.port.close()
        except Exception:
            pass
