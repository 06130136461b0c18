"""A python-escpos Serial till printing through the gateway over pty pairs (null modem)."""

from __future__ import annotations

import threading

import pytest
from escpos.printer import Dummy, Serial

from gateway.printer.fake_modem import FakeModemLines
from gateway.printer.fake_printer import FakePrinter
from gateway.printer.link_serial import SerialTransport
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


class SerialTill(Serial):
    """python-escpos's Serial printer reading a status reply as soon as it is there.

    Its own `_read()` asks pyserial for 16 bytes, so every status query lasts the whole
    read timeout; with a short timeout a reply late on a loaded machine is taken for
    silence. Here the timeout (3 s) only bounds the wait for the reply's first byte."""

    def _read(self) -> bytes:
        first = self.device.read(1)
        return first + self.device.read(self.device.in_waiting) if first else b""


def serial_till(path: str) -> Serial:
    return SerialTill(path, baudrate=19200, timeout=3)


def test_escpos_serial_till_prints_queries_and_splits_on_idle(rig):
    proxy, fake, cable, receipts = rig
    till = serial_till(cable.a_path)
    try:
        assert till.is_online() is True
        assert till.paper_status() == 2
        till.text("serial receipt one\n")  # no cut: the idle gap ends it
        wait_for(lambda: receipts, what="receipt split on idle")
        assert receipts[0].ended_by == "idle" and "serial receipt one" in receipts[0].text()
        fake.set_state(paper_out=True)
        assert till.paper_status() == 0
        second = Dummy()
        second.text("second\n")
        second.cut()
        till._raw(second.output)  # one write: the idle gap cannot fall inside it
        wait_for(lambda: len(receipts) == 2, what="second receipt")
        assert receipts[1].ended_by == "cut"
        # everything reached the printer; status polls between receipts are not receipts
        def strip(b):
            return b.replace(b"\x10\x04\x01", b"").replace(b"\x10\x04\x04", b"")
        sent = strip(receipts[0].raw + receipts[1].raw)
        # the capture may be done before the printer's pty has passed on the last bytes
        wait_for(lambda: len(strip(bytes(fake.printed))) >= len(sent), what="the printer's copy")
        assert strip(bytes(fake.printed)) == sent
        assert b"serial receipt one" in fake.printed
    finally:
        till.close()


def receipt(text: str) -> bytes:
    d = Dummy()
    d.text(text + "\n")
    d.cut()
    return d.output


def test_serial_printer_absent_then_plugged_then_pulled(tmp_path):
    """The printer's adapter is a by-id symlink that exists only while it is plugged."""
    by_id = tmp_path / "usb-FTDI_printer-if00-port0"
    cable, receipts = NullModem(), []
    printer = PrinterLink(printer_connector({"link": "serial", "device": str(by_id), "baudrate": 19200}),
                          max_backoff_s=0.2, min_backoff_s=0.02)
    proxy = Proxy(printer, till_id="till-serial", on_receipt=receipts.append, idle_split_s=0.3).start()
    source = TillSource({"link": "serial", "device": cable.b_path, "baudrate": 19200})
    threading.Thread(target=lambda: proxy.serve_forever(source.accept), daemon=True).start()
    wait_for(lambda: proxy._till is not None, what="serial till port open")
    till = serial_till(cable.a_path)
    fake = FakePrinter()
    pty_printer = None
    try:
        assert till.is_online() is False  # no printer: the gateway answers, offline
        till._raw(receipt("while the printer was away"))
        wait_for(lambda: receipts, what="the receipt captured without a printer")
        pty_printer = PtyPrinter(fake)
        by_id.symlink_to(pty_printer.path)  # plugged in
        assert printer.wait_up(5), printer.last_error
        assert till.is_online() is True
        till._raw(receipt("printed once it is back"))
        wait_for(lambda: b"printed once it is back" in fake.printed, what="printing after the plug")
        assert b"while the printer was away" not in fake.printed
        pty_printer.close()  # pulled: the gateway's port hangs up
        by_id.unlink()
        wait_for(lambda: not proxy.status.reachable, what="the loss noticed")
        assert till.is_online() is False
    finally:
        till.close()
        source.close()
        proxy.stop()
        if pty_printer:
            pty_printer.close()
        cable.close()


def test_till_dtr_follows_paper_out_and_the_printer_busy_line():
    """dsrdtr on both sides; ptys have no modem lines, so both ports get recording ones."""
    cable, fake = NullModem(), FakePrinter()
    pty_printer = PtyPrinter(fake)
    till_lines, printer_lines = FakeModemLines(), FakeModemLines()
    printer = PrinterLink(lambda: SerialTransport(pty_printer.path, baudrate=19200, flow="dsrdtr", role="printer",
                                                  lines=FakeModemLines.factory(printer_lines)),
                          max_backoff_s=0.2, min_backoff_s=0.02)
    proxy = Proxy(printer, till_id="till-serial", idle_split_s=0.3).start()
    assert printer.wait_up(3)  # before the till port opens: its DTR starts and stays up
    port = SerialTransport(cable.b_path, baudrate=19200, flow="dsrdtr", role="till",
                           lines=FakeModemLines.factory(till_lines))
    threading.Thread(target=proxy.serve, args=(port,), daemon=True).start()
    till = serial_till(cable.a_path)
    try:
        assert till_lines.wait_for("dtr", True)
        fake.set_state(paper_out=True)
        assert till.paper_status() == 0  # the reply tells the gateway too
        assert till_lines.wait_for("dtr", False), "DTR still up with the paper out"
        fake.set_state(paper_out=False)
        assert till.paper_status() == 2
        assert till_lines.wait_for("dtr", True)
        printer_lines.dsr_level = False  # the printer drops its DTR: busy
        assert till_lines.wait_for("dtr", False), "the printer's busy line did not reach the till"
        printer_lines.dsr_level = True
        assert till_lines.wait_for("dtr", True)
        assert till_lines.dtr == [True, False, True, False, True]
        assert printer_lines.dtr == [] and till_lines.rts == []
    finally:
        till.close()
        proxy.stop()
        pty_printer.close()
        cable.close()
