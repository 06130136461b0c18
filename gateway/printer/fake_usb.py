"""A pyusb backend emulating a USB receipt printer, for where none is plugged in.

`FakeUsbPrinterBackend(FakePrinter())` is handed to pyusb (`usb.core.find(backend=...)`,
`UsbPrinterTransport(backend=...)`, `PrinterService(cfg, fake=backend)` with
`[printer] link = "usb"`). It shows one printer-class device (class 7, bidirectional)
with a bulk OUT and a bulk IN endpoint: bytes written on OUT go to the `FakePrinter`,
its replies (DLE EOT, GS r, ASB) come back on IN. The class requests GET_DEVICE_ID and
GET_PORT_STATUS answer too. A bench or test can `unplug()`/`plug()` it, refuse access
(`permission = False`: as without the udev rule) or leave it claimed by usblp
(`kernel_driver = True` until detached).
"""

from __future__ import annotations

import errno
import os
import threading
from types import SimpleNamespace

import usb.backend
import usb.core

from gateway.printer.fake_printer import FakePrinter
from gateway.printer.link_gadget import port_status_byte

GET_DEVICE_ID, GET_PORT_STATUS, SOFT_RESET = 0, 1, 2
DEVICE_ID = b"MFG:EPSON;CMD:ESC/POS;MDL:TM-T88V;CLS:PRINTER;"


def _error(code: int) -> usb.core.USBError:
    return usb.core.USBError(os.strerror(code), errno=code)


class FakeUsbPrinterBackend(usb.backend.IBackend):
    def __init__(self, printer: FakePrinter | None = None, *, vendor: int = 0x04B8, product: int = 0x0202,
                 ep_out: int = 0x01, ep_in: int = 0x82, max_packet: int = 64):
        self.printer = printer or FakePrinter()
        self.vendor, self.product = vendor, product
        self.endpoints = (ep_out, ep_in)
        self.max_packet = max_packet
        self.plugged = True
        self.permission = True  # False: open fails with EACCES, as without the udev rule
        self.kernel_driver = True  # usblp has the interface until it is detached
        self.configuration = 0
        self.claimed: set[int] = set()
        self.control_requests: list[tuple[int, int]] = []
        self._in = bytearray()
        self._cond = threading.Condition()
        self._attached = False

    # -- the bench's hands -------------------------------------------------
    def unplug(self) -> None:
        with self._cond:
            self.plugged = False
            self.configuration = 0
            self.kernel_driver = True  # usblp takes a re-plugged printer again
            self._cond.notify_all()
        self._detach()

    def plug(self) -> None:
        self.plugged = True

    # -- FakePrinter link protocol (ASB blocks, power off) -------------------
    def push(self, data: bytes) -> None:
        with self._cond:
            self._in += data
            self._cond.notify_all()

    def drop(self) -> None:
        self.unplug()

    def _detach(self) -> None:
        if self._attached:
            self._attached = False
            self.printer.detach(self)

    # -- descriptors -----------------------------------------------------------
    def enumerate_devices(self):
        if self.plugged:
            yield "fake-printer"

    def get_device_descriptor(self, dev):
        return SimpleNamespace(
            bLength=18, bDescriptorType=1, bcdUSB=0x0200, bDeviceClass=0, bDeviceSubClass=0,
            bDeviceProtocol=0, bMaxPacketSize0=64, idVendor=self.vendor, idProduct=self.product,
            bcdDevice=0x0100, iManufacturer=0, iProduct=0, iSerialNumber=0, bNumConfigurations=1,
            address=5, bus=1, port_number=1, port_numbers=(1,), speed=2)

    def get_configuration_descriptor(self, dev, config):
        if config != 0:
            raise IndexError(config)
        return SimpleNamespace(bLength=9, bDescriptorType=2, wTotalLength=32, bNumInterfaces=1,
                               bConfigurationValue=1, iConfiguration=0, bmAttributes=0xC0, bMaxPower=1,
                               extra_descriptors=[])

    def get_interface_descriptor(self, dev, intf, alt, config):
        if intf != 0 or alt != 0:
            raise IndexError((intf, alt))
        return SimpleNamespace(bLength=9, bDescriptorType=4, bInterfaceNumber=0, bAlternateSetting=0,
                               bNumEndpoints=2, bInterfaceClass=7, bInterfaceSubClass=1,
                               bInterfaceProtocol=2, iInterface=0, extra_descriptors=[])

    def get_endpoint_descriptor(self, dev, ep, intf, alt, config):
        return SimpleNamespace(bLength=7, bDescriptorType=5, bEndpointAddress=self.endpoints[ep],
                               bmAttributes=2, wMaxPacketSize=self.max_packet, bInterval=0, bRefresh=0,
                               bSynchAddress=0, extra_descriptors=[])

    # -- handles and interfaces --------------------------------------------
    def _check(self) -> None:
        if not self.plugged:
            raise _error(errno.ENODEV)

    def open_device(self, dev):
        self._check()
        if not self.permission:
            raise _error(errno.EACCES)
        return "handle"

    def close_device(self, dev_handle):
        pass

    def set_configuration(self, dev_handle, config_value):
        self._check()
        self.configuration = config_value

    def get_configuration(self, dev_handle):
        self._check()
        return self.configuration

    def set_interface_altsetting(self, dev_handle, intf, altsetting):
        self._check()

    def claim_interface(self, dev_handle, intf):
        self._check()
        if self.kernel_driver:
            raise _error(errno.EBUSY)
        self.claimed.add(intf)
        if not self._attached:
            self.printer.attach(self)
            self._attached = True

    def release_interface(self, dev_handle, intf):
        self.claimed.discard(intf)
        self._detach()

    def is_kernel_driver_active(self, dev_handle, intf):
        self._check()
        return self.kernel_driver

    def detach_kernel_driver(self, dev_handle, intf):
        self._check()
        self.kernel_driver = False

    def attach_kernel_driver(self, dev_handle, intf):
        self.kernel_driver = True

    # -- transfers -----------------------------------------------------------
    def bulk_write(self, dev_handle, ep, intf, data, timeout):
        self._check()
        if ep != self.endpoints[0] or intf not in self.claimed:
            raise _error(errno.EPIPE)
        reply = self.printer.feed(bytes(data))
        if reply:
            self.push(reply)
        return len(data)

    def bulk_read(self, dev_handle, ep, intf, buff, timeout):
        with self._cond:
            self._cond.wait_for(lambda: self._in or not self.plugged, timeout / 1000 if timeout else None)
            self._check()
            if not self._in:
                raise usb.core.USBTimeoutError("Operation timed out", errno=errno.ETIMEDOUT)
            n = min(len(buff), len(self._in))
            buff[:n] = type(buff)(buff.typecode, self._in[:n])
            del self._in[:n]
            return n

    def ctrl_transfer(self, dev_handle, bmRequestType, bRequest, wValue, wIndex, data, timeout):
        self._check()
        self.control_requests.append((bmRequestType, bRequest))
        if bmRequestType & 0x60 == 0x20:  # class request to the printer interface
            if bRequest == GET_PORT_STATUS:
                answer = bytes([port_status_byte(self.printer.status)])
            elif bRequest == GET_DEVICE_ID:
                answer = len(DEVICE_ID + b"xx").to_bytes(2, "big") + DEVICE_ID
            elif bRequest == SOFT_RESET:
                return 0
            else:
                raise _error(errno.EPIPE)
            n = min(len(data), len(answer))
            data[:n] = type(data)(data.typecode, answer[:n])
            return n
        raise _error(errno.EPIPE)  # a stall, as for a request the device does not know

    def clear_halt(self, dev_handle, ep):
        self._check()

    def reset_device(self, dev_handle):
        self._check()
