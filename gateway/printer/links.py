"""Build the till-side source and the printer-side connector from the config sections."""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable

from gateway.printer.transport import LinkClosed, LinkUnavailable, Transport

log = logging.getLogger("gateway.printer.links")


def printer_connector(cfg: dict, fake=None) -> Callable[[], Transport]:
    """A function opening the printer link described by the [printer] section."""
    link = cfg.get("link", "tcp")
    if link == "tcp":
        from gateway.printer.link_tcp import connect_printer

        return lambda: connect_printer(cfg["address"])
    if link == "serial":
        from gateway.printer.link_serial import SerialTransport

        return lambda: SerialTransport(cfg["device"], baudrate=cfg.get("baudrate", 9600),
                                       bytesize=cfg.get("bytesize", 8), parity=cfg.get("parity", "none"),
                                       stopbits=cfg.get("stopbits", 1), flow=cfg.get("flow", "none"),
                                       role="printer")
    if link == "usb":
        from gateway.printer.link_usb import UsbPrinterTransport

        # `fake` here is a pyusb backend (gateway.printer.fake_usb) standing in for the bus
        return lambda: UsbPrinterTransport(cfg.get("usb_vendor", 0), cfg.get("usb_product", 0), backend=fake)
    from gateway.printer.fake_printer import FakeLink, FakePrinter

    if fake is None:  # file: a printer that appends to a file; none: one that discards
        fake = FakePrinter(path=cfg.get("path") or None, keep=link == "fake")
    return lambda: FakeLink(fake)


class TillSource:
    """Hands the proxy one till connection at a time (`accept()`), for any link."""

    def __init__(self, cfg: dict, *, gadget_status=None):
        """`gadget_status(fd)`: the USB gadget's status seam (a `StatusPort`; default: the ioctl)."""
        self.cfg, self.link = cfg, cfg.get("link", "tcp")
        self.gadget_status = gadget_status
        self.server = None
        self._stop = threading.Event()
        if self.link == "tcp":
            from gateway.printer.link_tcp import TcpTillServer

            self.server = TcpTillServer(cfg.get("listen", "0.0.0.0:9100"))
            log.info("listening for the till on %s:%d", *self.server.address)

    def _open(self) -> Transport:
        if self.link == "serial":
            from gateway.printer.link_serial import SerialTransport

            c = self.cfg
            return SerialTransport(c["device"], baudrate=c.get("baudrate", 9600), bytesize=c.get("bytesize", 8),
                                   parity=c.get("parity", "none"), stopbits=c.get("stopbits", 1),
                                   flow=c.get("flow", "none"), role="till")
        from gateway.printer.link_gadget import GadgetIoctl, GadgetTransport

        return GadgetTransport(self.cfg["device"], status_port=self.gadget_status or GadgetIoctl)

    def accept(self) -> Transport:
        if self.server is not None:
            return self.server.accept()
        delay = 0.2
        while not self._stop.is_set():  # a serial/usb port: (re)open, waiting while it is absent
            try:
                return self._open()
            except LinkUnavailable as exc:
                log.warning("%s (retrying)", exc)
                self._stop.wait(delay)
                delay = min(delay * 2, 5.0)
        raise LinkClosed("till source closed")

    def close(self) -> None:
        self._stop.set()
        if self.server is not None:
            self.server.close()
