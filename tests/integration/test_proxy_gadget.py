"""A till printing over USB (printer gadget), with a pty standing in for /dev/g_printer0.

The till's host is python-escpos on the host end of the stand-in; the status byte its
driver would poll (GET_PORT_STATUS) is recorded through the ioctl seam.
"""

from __future__ import annotations

import threading

import pytest
from escpos.printer import Dummy
from PIL import Image

from gateway.printer.fake_gadget import FakeGadget, GadgetHostPrinter
from gateway.printer.link_tcp import connect_printer
from gateway.printer.links import TillSource
from gateway.printer.printer_link import PrinterLink
from gateway.printer.proxy import Proxy
from tests.integration.proxy_helpers import SocketPrinter, wait_for


class Rig:
    def __init__(self, address: str):
        self.gadget = FakeGadget()
        self.receipts = []
        self.printer = PrinterLink(lambda: connect_printer(address), max_backoff_s=0.2, min_backoff_s=0.02)
        self.proxy = Proxy(self.printer, till_id="till-usb", on_receipt=self.receipts.append,
                           idle_split_s=0.3).start()
        self.source = TillSource({"link": "usb-gadget", "device": self.gadget.device},
                                 gadget_status=self.gadget.status_port)
        threading.Thread(target=self._serve, daemon=True).start()
        self.printer.wait_up(3)
        wait_for(lambda: self.proxy._till is not None, what="gadget device open")
        self.host = GadgetHostPrinter(self.gadget, timeout=3.0)  # a reply is read the moment it is there

    def _serve(self):
        try:
            self.proxy.serve_forever(self.source.accept)
        except Exception:
            pass

    def close(self):
        self.source.close()
        self.proxy.stop()
        self.gadget.close()


@pytest.fixture
def rig_fake(fake_net):
    rig = Rig(fake_net.address)
    yield rig
    rig.close()


def print_receipt(p):
    p.hw("INIT")
    p.set(bold=True, double_height=True)
    p.text("USB till\n")
    p.set(normal_textsize=True)
    p.text("Tea            1.80\n\x13\x11 XON/XOFF bytes are data here\n")
    p.barcode("4006381333931", "EAN13")
    p.qr("https://example.com/r/abc", native=True)
    p.image(Image.new("1", (64, 24), 0))
    p.cut()


def test_escpos_host_prints_byte_exact_through_the_gadget_to_a_socket_printer():
    printer = SocketPrinter()
    rig = Rig(printer.address)
    try:
        expected = Dummy()
        print_receipt(expected)
        print_receipt(rig.host)
        wait_for(lambda: len(printer.received) >= len(expected.output), what="the receipt at the printer")
        assert printer.take() == expected.output
        wait_for(lambda: rig.receipts, what="the receipt captured")
        assert rig.receipts[0].raw == expected.output and rig.receipts[0].ended_by == "cut"
        assert "USB till" in rig.receipts[0].text() and rig.receipts[0].till_id == "till-usb"
        assert rig.gadget.port_status() == 0x18  # selected, no error
    finally:
        rig.close()
        printer.close()


def test_status_queries_over_usb_are_answered_by_the_printer(rig_fake, fake_net):
    host = rig_fake.host
    assert host.is_online() is True
    assert host.paper_status() == 2
    fake_net.printer.set_state(paper_out=True)
    assert host.paper_status() == 0
    assert host.is_online() is False


@pytest.mark.parametrize("state, byte", [
    (dict(paper_out=True), 0x30),   # selected, fault, paper empty: "out of paper"
    (dict(cover_open=True), 0x10),  # selected, fault: "error"
    (dict(error=True), 0x10),
])
def test_printer_state_changes_set_the_printer_class_status_byte(rig_fake, fake_net, state, byte):
    status = rig_fake.gadget.status
    assert status.wait_for(0x18)
    rig_fake.host._raw(b"\x1da\xff")  # the till enables Automatic Status Back
    asb = bytearray()
    wait_for(lambda: asb.extend(rig_fake.host._read()) or len(asb) >= 4, what="the first ASB block")
    assert len(asb) == 4 and asb[0] & 0x93 == 0x10
    fake_net.printer.set_state(**state)  # the printer reports the change by ASB
    assert status.wait_for(byte), f"status byte {status.value:#04x}, wanted {byte:#04x}"
    fake_net.printer.set_state(paper_out=False, cover_open=False, error=False)
    assert status.wait_for(0x18)
    assert status.values[-3:] == [0x18, byte, 0x18]


def test_printer_switched_off_reads_offline_then_online_again(rig_fake, fake_net):
    status = rig_fake.gadget.status
    fake_net.printer.power(False)
    fake_net.drop_connections()
    assert status.wait_for(0x00), f"status byte {status.value:#04x}, wanted offline 0x00"
    assert rig_fake.host.is_online() is False  # answered by the gateway
    fake_net.printer.power(True)
    assert status.wait_for(0x18)
    assert rig_fake.host.is_online() is True


def test_idle_gap_ends_a_receipt_without_a_cut(rig_fake, fake_net):
    rig_fake.host.text("no cut on this one\n")
    wait_for(lambda: rig_fake.receipts, what="receipt split on idle")
    assert rig_fake.receipts[0].ended_by == "idle"
    assert b"no cut on this one\n" in fake_net.printer.printed
