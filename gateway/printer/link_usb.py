"""The printer on the gateway's USB host port, through pyusb (the library python-escpos's
Usb printer uses).

pyusb directly rather than `escpos.printer.Usb`: that class assumes endpoints 0x82/0x01
and resets the device on every open; here the printer-class interface (class 7) and
its bulk OUT/IN endpoints are read from the descriptors, the kernel's usblp driver is
detached from that interface only, and every failure says what to do.

`vendor`/`product` 0 take the first printer-class device. `backend` is pyusb's
(libusb1 by default); `gateway.printer.fake_usb` has one emulating a printer.
The till on the gateway's USB device port (printer gadget) is `link_gadget.py`.
"""

from __future__ import annotations

import errno
import logging
import threading
import time

from gateway.printer.transport import LinkClosed, LinkUnavailable, Transport

log = logging.getLogger("gateway.printer.usb")

PRINTER_CLASS = 7
WRITE_CHUNK = 16384

UDEV_REMEDY = ("install hardware/udev/99-receipt-gateway.rules (then `udevadm control --reload && "
               "udevadm trigger`) and re-plug the printer; the service user must be in group lp")


def _is_printer(dev) -> bool:
    try:
        return any(intf.bInterfaceClass == PRINTER_CLASS for cfg in dev for intf in cfg)
    except Exception:  # descriptors unreadable: not ours to guess
        return False


def _bulk(intf, direction):
    import usb.util

    return usb.util.find_descriptor(
        intf, custom_match=lambda e: usb.util.endpoint_direction(e.bEndpointAddress) == direction
        and usb.util.endpoint_type(e.bmAttributes) == usb.util.ENDPOINT_TYPE_BULK)


class UsbPrinterTransport(Transport):
    def __init__(self, vendor: int = 0, product: int = 0, *, backend=None, write_timeout_s: float = 10.0):
        try:
            import usb.core
            import usb.util
        except ImportError as exc:
            raise LinkUnavailable("USB printers need pyusb, which is not installed",
                                  "pip install 'receipt-gateway[usb]' (pyusb) and apt-get install "
                                  "libusb-1.0-0") from exc
        self._usb = usb
        ids = f"{vendor:04x}:{product:04x}" if vendor else "(any printer-class device)"
        self.name = f"printer usb {ids}"
        self.write_timeout_ms = int(write_timeout_s * 1000)
        self._closed = threading.Event()
        match = {"idVendor": vendor} if vendor else {}
        if product:
            match["idProduct"] = product
        try:
            dev = usb.core.find(backend=backend, custom_match=_is_printer if not vendor else None, **match)
        except usb.core.NoBackendError as exc:
            raise LinkUnavailable("pyusb found no USB library (libusb)",
                                  "apt-get install libusb-1.0-0") from exc
        if dev is None:
            raise LinkUnavailable(f"USB printer {ids} not found",
                                  "check the printer is on and its cable, `lsusb`, and [printer] "
                                  "usb_vendor/usb_product")
        self.dev = dev
        try:
            self._claim()
        except usb.core.USBError as exc:
            raise self._unavailable(exc, ids) from exc
        self.name = f"printer usb {dev.idVendor:04x}:{dev.idProduct:04x}"

    def _claim(self) -> None:
        usb, dev = self._usb, self.dev
        try:
            cfg = dev.get_active_configuration()
        except usb.core.USBError as exc:
            if exc.errno in (errno.EACCES, errno.ENODEV, errno.EBUSY):
                raise
            dev.set_configuration()  # not configured yet
            cfg = dev.get_active_configuration()
        intf = usb.util.find_descriptor(cfg, bInterfaceClass=PRINTER_CLASS) or cfg[(0, 0)]
        self.interface = intf.bInterfaceNumber
        try:
            if dev.is_kernel_driver_active(self.interface):
                dev.detach_kernel_driver(self.interface)  # usblp (/dev/usb/lp0) lets go of it
                log.info("%s: detached the kernel's usblp driver", self.name)
        except NotImplementedError:
            pass
        usb.util.claim_interface(dev, self.interface)
        self.ep_out = _bulk(intf, usb.util.ENDPOINT_OUT)
        self.ep_in = _bulk(intf, usb.util.ENDPOINT_IN)  # None: a one-way printer, no status replies
        if self.ep_out is None:
            raise LinkUnavailable(f"{self.name}: its printer interface has no bulk OUT endpoint",
                                  "this is not an ESC/POS printer, check usb_vendor/usb_product")
        if self.ep_in is None:
            log.warning("%s has no bulk IN endpoint: status queries are answered by the gateway", self.name)

    def _unavailable(self, exc, ids: str) -> LinkUnavailable:
        if exc.errno == errno.EACCES:
            return LinkUnavailable(f"no permission to use USB printer {ids}: {exc.strerror}", UDEV_REMEDY)
        if exc.errno == errno.EBUSY:
            return LinkUnavailable(f"USB printer {ids} is in use by another program: {exc.strerror}",
                                   "stop the other user (CUPS: `systemctl stop cups`; `lsof /dev/bus/usb`)")
        return LinkUnavailable(f"USB printer {ids}: {exc.strerror or exc}",
                               "re-plug the printer; check `dmesg` for USB errors")

    def read(self, max_bytes: int = 65536, timeout: float | None = None) -> bytes:
        usb = self._usb
        deadline = None if timeout is None else time.monotonic() + timeout
        if self.ep_in is None:
            if self._closed.wait(timeout):
                raise LinkClosed(f"{self.name} closed")
            return b""
        packet = self.ep_in.wMaxPacketSize or 64
        size = max(packet, max_bytes - max_bytes % packet)  # whole packets: no overflow error
        while not self._closed.is_set():
            left = 0.2 if deadline is None else min(0.2, deadline - time.monotonic())
            if left <= 0:
                return b""
            try:
                data = self.dev.read(self.ep_in.bEndpointAddress, size, max(1, int(left * 1000)))
            except usb.core.USBTimeoutError:
                continue
            except usb.core.USBError as exc:
                raise LinkClosed(f"{self.name}: {exc.strerror or exc}") from exc
            if len(data):
                return bytes(data)
        raise LinkClosed(f"{self.name} closed")

    def write(self, data: bytes) -> None:
        usb = self._usb
        view = memoryview(data)
        while view:
            if self._closed.is_set():
                raise LinkClosed(f"{self.name} closed")
            chunk = view[:WRITE_CHUNK]
            try:
                n = self.dev.write(self.ep_out.bEndpointAddress, chunk, self.write_timeout_ms)
            except usb.core.USBTimeoutError as exc:
                raise LinkClosed(f"{self.name} took no data for {self.write_timeout_ms // 1000} s "
                                 "(paper out, cover open, or hung)") from exc
            except usb.core.USBError as exc:
                raise LinkClosed(f"{self.name}: {exc.strerror or exc}") from exc
            view = view[n:]

    def close(self) -> None:
        if self._closed.is_set():
            return
        self._closed.set()
        try:
            self._usb.util.release_interface(self.dev, self.interface)
        except Exception:
            pass
        self._usb.util.dispose_resources(self.dev)
