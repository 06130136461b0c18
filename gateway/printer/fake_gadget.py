"""A stand-in for the USB printer gadget (/dev/g_printerN) where there is no USB device port.

`FakeGadget` is a pseudo-terminal in raw mode: the gateway opens `fake.device` as it
would open /dev/g_printer0 (reads give the host's bytes, writes go to the host), and
the test or bench plays the till's USB host on the other end (`host_write`,
`host_read`, or `GadgetHostPrinter`, a python-escpos printer on that end). The
printer-class status byte goes through `fake.status` (a `RecordingStatusPort`) instead
of the ioctl; `fake.port_status()` is what the host's GET_PORT_STATUS request would
read, `fake.status.values` every byte the gateway set.

    fake = FakeGadget()
    source = TillSource({"link": "usb-gadget", "device": fake.device},
                        gadget_status=fake.status_port)

What only hardware shows (tests/hil/test_usb_gadget_hil.py): the ioctl itself, USB
packet boundaries and zero-length packets, the host driver's reading of the byte.
"""

from __future__ import annotations

import errno
import os
import select
import threading
import tty

from escpos.escpos import Escpos

from gateway.printer.link_gadget import PRINTER_NOT_ERROR, PRINTER_SELECTED


class RecordingStatusPort:
    """The status seam, recording: `values` lists every byte set, in order.

    `host_connected = False` makes it fail like the kernel does while no host has
    configured the gadget (ENODEV)."""

    def __init__(self, initial: int = PRINTER_SELECTED | PRINTER_NOT_ERROR):
        self.value = initial
        self.values: list[int] = []
        self.host_connected = True
        self.changed = threading.Condition()

    def _check(self) -> None:
        if not self.host_connected:
            raise OSError(errno.ENODEV, os.strerror(errno.ENODEV))

    def set(self, value: int) -> None:
        self._check()
        with self.changed:
            self.value = value & 0xFF
            self.values.append(self.value)
            self.changed.notify_all()

    def get(self) -> int:
        self._check()
        return self.value

    def wait_for(self, value: int, timeout: float = 5.0) -> bool:
        """Wait until the last byte set is `value`."""
        with self.changed:
            return self.changed.wait_for(lambda: self.value == value, timeout)


class FakeGadget:
    """A pty standing in for /dev/g_printerN; the master end is the till's USB host."""

    def __init__(self):
        self.master, self._slave = os.openpty()
        tty.setraw(self._slave)  # bytes pass untouched both ways (no echo, no CR/LF, no XON/XOFF)
        self.device = os.ttyname(self._slave)
        self.status = RecordingStatusPort()

    def status_port(self, fd: int) -> RecordingStatusPort:
        """The `status_port` factory `GadgetTransport` / `TillSource` take."""
        return self.status

    def port_status(self) -> int:
        """What the host's GET_PORT_STATUS control request reads."""
        return self.status.value

    def host_write(self, data: bytes) -> None:
        """The till's host sends on bulk OUT."""
        view = memoryview(data)
        while view:
            select.select([], [self.master], [], 1.0)
            view = view[os.write(self.master, view):]

    def host_read(self, max_bytes: int = 65536, timeout: float = 1.0) -> bytes:
        """The till's host reads bulk IN (b"" after `timeout`)."""
        ready, _, _ = select.select([self.master], [], [], timeout)
        return os.read(self.master, max_bytes) if ready else b""

    def close(self) -> None:
        for fd in (self.master, self._slave):
            try:
                os.close(fd)
            except OSError:
                pass


class GadgetHostPrinter(Escpos):
    """A python-escpos printer on the host end of a `FakeGadget`: the till's print driver."""

    def __init__(self, gadget: FakeGadget, timeout: float = 1.0, *args, **kwargs):
        Escpos.__init__(self, *args, **kwargs)
        self.gadget, self.timeout = gadget, timeout
        self.device = gadget

    def open(self, raise_not_found: bool = True) -> None:
        self.device = self.gadget

    def _raw(self, msg: bytes) -> None:
        self.gadget.host_write(msg)

    def _read(self) -> bytes:
        return self.gadget.host_read(16, self.timeout)

    def close(self) -> None:
        pass
