"""A python-escpos Serial till printing through the gateway over pty pairs (null modem)."""

from __future__ import annotations

import threading

import pytest
from escpos.printer import Serial

from gateway.printer.fake_printer import FakePrinter
from gateway.printer.links import TillSource, printer_connector
from gateway.printer.printer_link import PrinterLink
from gateway.printer.proxy import Proxy
from tests.integration.proxy_helpers import NullModem, PtyPrinter, wait_for


@pytest.fixture
def rig():
    cable = NullModem()  # till (escpos) on a_path, gateway on b_path
    fake = FakePrinter()
    pty_printer = PtyPrinter(fake)
    receipts = []
    printer = PrinterLink(printer_connector({"link": "serial", "device": pty_printer.path, "baudrate": 19200}),
                          max_backoff_s=0.2, min_backoff_s=0.02)
    proxy = Proxy(printer, till_id="till-serial", on_receipt=receipts.append, idle_split_s=0.3).start()
    source = TillSource({"link": "serial", "device": cable.b_path, "baudrate": 19200, "flow": "none"})
    t = threading.Thread(target=lambda: proxy.serve_forever(source.accept), daemon=True)
    t.start()
    printer.wait_up(3)
    wait_for(lambda: proxy._till is not None, what="serial till port open")
    yield proxy, fake, cable, receipts
    source.close()
    proxy.stop()
    pty_printer.close()
    cable.close()


def test_escpos_serial_till_prints_queries_and_splits_on_idle(rig):
    proxy, fake, cable, receipts = rig
    till = Serial(cable.a_path, baudrate=19200, timeout=0.3)
    try:
        assert till.is_online() is True
        assert till.paper_status() == 2
        till.text("serial receipt one\n")  # no cut: the idle gap ends it
        wait_for(lambda: receipts, what="receipt split on idle")
        assert receipts[0].ended_by == "idle" and "serial receipt one" in receipts[0].text()
        fake.set_state(paper_out=True)
        assert till.paper_status() == 0
        till.text("second\n")
        till.cut()
        wait_for(lambda: len(receipts) == 2, what="second receipt")
        assert receipts[1].ended_by == "cut"
        # everything reached the printer; status polls between receipts are not receipts
        def strip(b):
            return b.replace(b"\x10\x04\x01", b"").replace(b"\x10\x04\x04", b"")
        assert strip(bytes(fake.printed)) == strip(receipts[0].raw + receipts[1].raw)
        assert b"serial receipt one" in fake.printed
    finally:
        till.close()


def test_serial_printer_unplugged_is_answered_by_the_gateway(rig):
    proxy, fake, cable, receipts = rig
    proxy.printer.stop()  # the printer cable is pulled and nothing reconnects
    proxy._printer_down("printer cable pulled")
    till = Serial(cable.a_path, baudrate=19200, timeout=0.3)
    try:
        assert till.is_online() is False
    finally:
        till.close()
