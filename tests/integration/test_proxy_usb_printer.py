"""The printer on a USB host port: pyusb over a fake backend that emulates a USB printer.

A python-escpos Network till prints through the gateway; the gateway's printer side is
the real pyusb code path (find, usblp detach, claim, bulk OUT/IN); only the bus is fake.
"""

from __future__ import annotations

import builtins
import errno

import pytest
import usb.core
from escpos.printer import Network

from gateway.printer.fake_printer import FakePrinter
from gateway.printer.fake_usb import FakeUsbPrinterBackend
from gateway.printer.link_usb import UsbPrinterTransport
from gateway.printer.links import printer_connector
from gateway.printer.transport import LinkUnavailable
from tests.integration.proxy_helpers import Gateway, wait_for


@pytest.fixture
def usb_rig():
    fake = FakePrinter()
    bus = FakeUsbPrinterBackend(fake)
    gw = Gateway(printer_connector({"link": "usb", "usb_vendor": 0x04B8, "usb_product": 0x0202}, bus))
    assert gw.proxy.printer.wait_up(3), gw.proxy.printer.last_error
    yield gw, bus, fake
    gw.close()


def test_escpos_till_prints_and_queries_a_usb_printer_through_the_gateway(usb_rig):
    gw, bus, fake = usb_rig
    assert bus.kernel_driver is False and bus.claimed == {0}  # usblp let go, interface claimed
    p = Network("127.0.0.1", gw.port, timeout=3)
    assert p.is_online() is True
    assert p.paper_status() == 2
    p.hw("INIT")
    p.text("USB printer 4.20\n")
    p.qr("receipt", native=True)
    p.cut()
    p.close()
    wait_for(lambda: gw.receipts, what="the receipt")
    wait_for(lambda: len(fake.printed) >= len(gw.receipts[0].raw), what="the printer's copy")
    assert bytes(fake.printed) == gw.receipts[0].raw
    fake.set_state(paper_out=True)
    p = Network("127.0.0.1", gw.port, timeout=3)
    assert p.paper_status() == 0 and p.is_online() is False
    p.close()
    wait_for(lambda: gw.proxy.status.paper_out, what="paper out in the gateway's status")


def test_usb_printer_unplugged_then_back(usb_rig):
    gw, bus, fake = usb_rig
    bus.unplug()
    wait_for(lambda: not gw.proxy.status.reachable, what="the loss noticed")
    p = Network("127.0.0.1", gw.port, timeout=3)
    assert p.is_online() is False  # answered by the gateway
    p.text("while unplugged\n")
    p.cut()
    p.close()
    wait_for(lambda: gw.receipts, what="captured without the printer")
    assert b"while unplugged" not in fake.printed
    bus.plug()
    wait_for(lambda: gw.proxy.printer.up, what="reconnected")
    p = Network("127.0.0.1", gw.port, timeout=3)
    assert p.is_online() is True
    p.text("plugged again\n")
    p.close()
    wait_for(lambda: b"plugged again" in fake.printed, what="printing after re-plug")


def test_endpoints_are_read_from_the_descriptors_and_any_printer_is_found():
    fake = FakePrinter()
    bus = FakeUsbPrinterBackend(fake, vendor=0x0519, product=0x0001, ep_out=0x02, ep_in=0x81, max_packet=512)
    t = UsbPrinterTransport(backend=bus)  # no ids: the first printer-class device
    try:
        assert t.name == "printer usb 0519:0001"
        t.write(b"\x10\x04\x01")
        assert t.read(100, 1.0) == b"\x16"
        assert t.read(100, 0.05) == b""  # nothing more: a timeout is no data, not an end
        assert bytes(fake.printed) == b"\x10\x04\x01"
    finally:
        t.close()
    assert bus.claimed == set()


def test_permission_denied_names_the_udev_rule():
    bus = FakeUsbPrinterBackend()
    bus.permission = False
    with pytest.raises(LinkUnavailable, match="no permission to use USB printer 04b8:0202") as info:
        UsbPrinterTransport(0x04B8, 0x0202, backend=bus)
    assert "99-receipt-gateway.rules" in info.value.remedy and "group lp" in info.value.remedy


def test_absent_printer_says_not_found():
    bus = FakeUsbPrinterBackend()
    bus.unplug()
    with pytest.raises(LinkUnavailable, match="04b8:0e15 not found") as info:
        UsbPrinterTransport(0x04B8, 0x0E15, backend=bus)
    assert "lsusb" in info.value.remedy


def test_missing_libusb_says_what_to_install(monkeypatch):
    def no_backend(*args, **kwargs):
        raise usb.core.NoBackendError("No backend available")

    monkeypatch.setattr(usb.core, "find", no_backend)
    with pytest.raises(LinkUnavailable, match="no USB library") as info:
        UsbPrinterTransport(0x04B8, 0x0202)
    assert "libusb-1.0-0" in info.value.remedy


def test_missing_pyusb_says_what_to_install(monkeypatch):
    real_import = builtins.__import__

    def no_usb(name, *args, **kwargs):
        if name == "usb" or name.startswith("usb."):
            raise ImportError("No module named 'usb'")
        return real_import(name, *args, **kwargs)

    monkeypatch.setattr(builtins, "__import__", no_usb)
    with pytest.raises(LinkUnavailable, match="need pyusb") as info:
        UsbPrinterTransport(0x04B8, 0x0202)
    assert "receipt-gateway[usb]" in info.value.remedy


def test_port_status_and_device_id_answer_like_a_printer():
    fake = FakePrinter()
    bus = FakeUsbPrinterBackend(fake)
    dev = usb.core.find(backend=bus)
    with pytest.raises(usb.core.USBError, match="busy"):  # usblp holds the interface
        dev.ctrl_transfer(0xA1, 1, 0, 0, 1)
    dev.detach_kernel_driver(0)
    assert bytes(dev.ctrl_transfer(0xA1, 1, 0, 0, 1)) == b"\x18"
    fake.set_state(paper_out=True)
    assert bytes(dev.ctrl_transfer(0xA1, 1, 0, 0, 1)) == b"\x30"
    assert b"CMD:ESC/POS" in bytes(dev.ctrl_transfer(0xA1, 0, 0, 0, 255))
    with pytest.raises(usb.core.USBError) as info:
        dev.ctrl_transfer(0xA1, 9, 0, 0, 1)
    assert info.value.errno == errno.EPIPE
