"""USB links: the printer on the gateway's USB host port (pyusb via python-escpos), and the
till on the gateway's USB device port (Linux printer gadget, /dev/g_printerN).

Gadget setup with configfs: hardware/usb-gadget.md.
"""

from __future__ import annotations

import fcntl
import os

from gateway.printer.transport import FdTransport, LinkClosed, LinkUnavailable, Transport

# <linux/usb/g_printer.h>: _IOR('g', 0x21, unsigned char) / _IOWR('g', 0x22, unsigned char)
GADGET_GET_PRINTER_STATUS = 0x80016721
GADGET_SET_PRINTER_STATUS = 0xC0016722
# IEEE 1284 status bits the USB printer class reports (GET_PORT_STATUS)
PRINTER_NOT_ERROR = 0x08
PRINTER_SELECTED = 0x10
PRINTER_PAPER_EMPTY = 0x20


class GadgetTransport(FdTransport):
    """The till side over USB: the till sees a USB printer; we read /dev/g_printerN."""

    streaming = True

    def __init__(self, device: str = "/dev/g_printer0"):
        try:
            fd = os.open(device, os.O_RDWR | os.O_NONBLOCK)
        except OSError as exc:
            raise LinkUnavailable(f"cannot open USB printer gadget {device}: {exc.strerror}",
                                  "set up the printer gadget (hardware/usb-gadget.md) and check "
                                  "the cable is in the Pi's USB device (OTG) port") from exc
        super().__init__(fd, f"till usb-gadget {device}")
        self.status_byte: int | None = None
        self.set_busy(False)

    def set_busy(self, busy: bool, *, online: bool = True, paper_out: bool = False) -> None:
        """Keep the printer-class status byte the till's driver polls in sync."""
        value = (PRINTER_NOT_ERROR * (not busy and online) | PRINTER_SELECTED * online
                 | PRINTER_PAPER_EMPTY * paper_out)
        try:
            fcntl.ioctl(self.fd, GADGET_SET_PRINTER_STATUS, bytes([value]))
        except OSError:
            return  # not a gadget (tests with a fake device file or pty)
        self.status_byte = value


class UsbPrinterTransport(Transport):
    """The printer on a USB host port, through python-escpos's Usb class (pyusb)."""

    def __init__(self, vendor: int, product: int, timeout_ms: int = 2000):
        try:
            import usb.core  # noqa: F401  (pyusb)
            from escpos.printer import Usb
        except ImportError as exc:
            raise LinkUnavailable("USB printers need pyusb and libusb",
                                  "pip install pyusb; apt-get install libusb-1.0-0") from exc
        try:
            self.printer = Usb(vendor, product, timeout=timeout_ms)
            self.printer.open()
        except Exception as exc:
            raise LinkUnavailable(f"USB printer {vendor:04x}:{product:04x} not found: {exc}",
                                  "check the cable, `lsusb`, [printer] usb_vendor/usb_product and the "
                                  "udev rule giving this user access (hardware/)") from exc
        self.name = f"printer usb {vendor:04x}:{product:04x}"
        self._closed = False

    def read(self, max_bytes: int = 65536, timeout: float | None = None) -> bytes:
        import usb.core

        dev, ep_in = self.printer.device, self.printer.in_ep
        while not self._closed:
            try:
                return bytes(dev.read(ep_in, max_bytes, int((timeout or 0.2) * 1000)))
            except usb.core.USBTimeoutError:
                if timeout is not None:
                    return b""
            except usb.core.USBError as exc:
                raise LinkClosed(f"{self.name}: {exc}") from exc
        raise LinkClosed(f"{self.name} closed")

    def write(self, data: bytes) -> None:
        try:
            self.printer._raw(data)
        except Exception as exc:
            raise LinkClosed(f"{self.name}: {exc}") from exc

    def close(self) -> None:
        self._closed = True
        try:
            self.printer.close()
        except Exception:
            pass
