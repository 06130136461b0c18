"""The till on the gateway's USB device port: the Linux printer gadget, /dev/g_printerN.

The till's host sees a USB printer. What it sends on the bulk OUT endpoint is what we
read from the character device; what we write goes back on bulk IN (DLE EOT replies,
ASB). The printer-class status byte the host's driver polls (GET_PORT_STATUS: usblp,
CUPS, Windows usbprint) is a separate channel, set with an ioctl. Gadget setup:
hardware/usb-gadget.md.

Facts from the kernel driver (drivers/usb/gadget/function/f_printer.c,
include/uapi/linux/usb/g_printer.h) this module relies on:
- GADGET_SET_PRINTER_STATUS = _IOWR('g', 0x22, unsigned char) takes the byte *by
  value* (`dev->printer_status = (u8)arg`), not through a pointer;
  GADGET_GET_PRINTER_STATUS = _IOR('g', 0x21, unsigned char) returns it as the
  ioctl's return value.
- While no host has configured the gadget (till off, cable out) read, write and the
  ioctls fail with ENODEV and poll reports POLLERR|POLLHUP.
- A non-blocking read with nothing queued, or one cut short by a host SOFT_RESET,
  fails with EAGAIN (no data yet, not an end of stream).

The status ioctl sits behind `StatusPort` so tests and bench set-ups (a pty standing in
for the device: `gateway.printer.fake_gadget`) can record the bytes set.
"""

from __future__ import annotations

import errno
import fcntl
import logging
import os
from collections.abc import Callable
from typing import Protocol

from gateway.printer.status import PrinterStatus
from gateway.printer.transport import FdTransport, LinkUnavailable

log = logging.getLogger("gateway.printer.gadget")

# <linux/usb/g_printer.h>: _IOR('g', 0x21, unsigned char) / _IOWR('g', 0x22, unsigned char)
GADGET_GET_PRINTER_STATUS = 0x80016721
GADGET_SET_PRINTER_STATUS = 0xC0016722
# IEEE 1284 status bits the USB printer class reports (GET_PORT_STATUS)
PRINTER_NOT_ERROR = 0x08
PRINTER_SELECTED = 0x10
PRINTER_PAPER_EMPTY = 0x20

SETUP_REMEDY = ("set up the printer gadget (hardware/usb-gadget.md) and check the cable is in "
                "the Pi's USB device (OTG) port")


def port_status_byte(status: PrinterStatus) -> int:
    """The 1284 status byte a USB printer in `status` reports to GET_PORT_STATUS.

    Read the way Linux usblp does (offline wins over paper out, paper out over error):
    all well 0x18; paper out 0x30 (selected, fault, paper empty: "out of paper");
    cover open or error 0x10 (selected, fault: "error"); offline or unreachable 0x00
    (plus 0x20 if the paper was out when last seen): "off-line".
    """
    paper = PRINTER_PAPER_EMPTY if status.paper_out else 0
    if not status.reachable:
        return paper
    if status.paper_out:
        return PRINTER_SELECTED | paper
    if status.cover_open or status.error:
        return PRINTER_SELECTED
    if not status.online:
        return 0
    return PRINTER_SELECTED | PRINTER_NOT_ERROR


class StatusPort(Protocol):
    """Where the printer-class status byte goes (the ioctl seam)."""

    def set(self, value: int) -> None: ...

    def get(self) -> int: ...


class GadgetIoctl:
    """The real thing: the g_printer ioctls on the open device."""

    def __init__(self, fd: int):
        self.fd = fd

    def set(self, value: int) -> None:
        fcntl.ioctl(self.fd, GADGET_SET_PRINTER_STATUS, value & 0xFF)  # by value, see above

    def get(self) -> int:
        return fcntl.ioctl(self.fd, GADGET_GET_PRINTER_STATUS, 0)


class GadgetTransport(FdTransport):
    """The till side over USB. `status_port(fd)` builds the status seam (default: ioctl)."""

    streaming = True

    def __init__(self, device: str = "/dev/g_printer0", *,
                 status_port: Callable[[int], StatusPort] = GadgetIoctl):
        try:
            fd = os.open(device, os.O_RDWR | os.O_NONBLOCK | os.O_NOCTTY)
        except OSError as exc:
            remedy = SETUP_REMEDY
            if exc.errno == errno.EACCES:
                remedy = ("install hardware/udev/99-receipt-gateway.rules (it gives the service "
                          "user the g_printer device) and re-run printer-gadget.sh up")
            raise LinkUnavailable(f"cannot open USB printer gadget {device}: {exc.strerror}",
                                  remedy) from exc
        self.port: StatusPort | None = status_port(fd)
        try:
            self.port.get()
        except OSError as exc:
            if exc.errno == errno.ENODEV:
                os.close(fd)
                raise LinkUnavailable(f"{device}: no USB host has configured the gadget",
                                      "switch the till on and check the cable to the Pi's USB "
                                      "device port") from exc
            log.warning("%s is not a USB printer gadget (%s): the printer-class status byte "
                        "cannot be kept; the data path works", device, exc.strerror)
            self.port = None
        super().__init__(fd, f"till usb-gadget {device}")
        self.status_byte: int | None = None  # last byte the host can read
        self._wanted = PRINTER_SELECTED | PRINTER_NOT_ERROR
        self._apply()

    def mirror_status(self, status: PrinterStatus, busy: bool = False) -> None:
        """Keep the printer-class status byte the till's driver polls in sync. (A busy
        printer needs no bit: we stop reading, the gadget NAKs the host's bulk OUT.)"""
        self._wanted = port_status_byte(status)
        self._apply()

    def read(self, max_bytes: int = 65536, timeout: float | None = None) -> bytes:
        data = super().read(max_bytes, timeout)
        if data and self.status_byte != self._wanted:
            self._apply()  # a set refused while the host was away (ENODEV): the host is back
        return data

    def _apply(self) -> None:
        if self.port is None or self.status_byte == self._wanted:
            return
        try:
            self.port.set(self._wanted)
        except OSError as exc:
            log.info("printer-class status byte 0x%02x not set yet: %s", self._wanted, exc.strerror)
            return
        self.status_byte = self._wanted
