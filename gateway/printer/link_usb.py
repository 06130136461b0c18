"""The printer on the gateway's USB host port (pyusb via python-escpos).

The till on the gateway's USB device port (printer gadget) is `link_gadget.py`.
"""

from __future__ import annotations

from gateway.printer.transport import LinkClosed, LinkUnavailable, Transport


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
