"""Serial flow control by lines: what the till is shown, what a busy printer holds back.

ptys have no modem lines, so the lines are a recording fake (gateway.printer.fake_modem);
the bytes still go through a real pty. What only hardware proves: docs/retrofit-serial.md.
"""

from __future__ import annotations

import logging
import os
import select
import threading
import tty

import pytest

from gateway.printer.fake_modem import FakeModemLines
from gateway.printer.link_serial import XOFF, XON, PortLines, SerialTransport
from gateway.printer.status import PrinterStatus

ONLINE = PrinterStatus(reachable=True, online=True)
PAPER_OUT = PrinterStatus(reachable=True, online=False, paper_out=True)
GONE = PrinterStatus(reachable=False)


@pytest.fixture
def pty():
    master, slave = os.openpty()
    tty.setraw(slave)
    yield master, os.ttyname(slave)
    os.close(master)
    os.close(slave)


@pytest.fixture
def open_port(pty):
    """open_port(flow, role, lines): the pty's device as a SerialTransport with fake lines."""
    made = []

    def make(flow, role, lines):
        made.append(SerialTransport(pty[1], flow=flow, role=role, lines=FakeModemLines.factory(lines)))
        return made[-1]

    yield make
    for t in made:
        t.close()


def drain(fd, timeout=0.5) -> bytes:
    out = b""
    while select.select([fd], [], [], timeout)[0]:
        out += os.read(fd, 100)
        timeout = 0.05
    return out


@pytest.mark.parametrize("flow, line", [("dsrdtr", "dtr"), ("rtscts", "rts")])
def test_till_line_follows_the_printer_state(pty, open_port, flow, line):
    lines = FakeModemLines()
    t = open_port(flow, "till", lines)
    t.mirror_status(ONLINE)  # as at open: no call
    t.mirror_status(PAPER_OUT)
    t.mirror_status(PAPER_OUT)  # no change, no call
    t.mirror_status(ONLINE)
    t.mirror_status(ONLINE, busy=True)  # the printer's own handshake line is down
    t.mirror_status(ONLINE)
    t.mirror_status(GONE)
    assert getattr(lines, line) == [True, False, True, False, True, False]
    assert getattr(lines, "rts" if line == "dtr" else "dtr") == []
    assert drain(pty[0], 0.05) == b""  # nothing on the data line


def test_xonxoff_till_gets_xoff_while_the_printer_is_offline(pty, open_port):
    lines = FakeModemLines()
    t = open_port("xonxoff", "till", lines)
    t.mirror_status(PAPER_OUT)
    t.mirror_status(PAPER_OUT)
    t.mirror_status(ONLINE)
    assert drain(pty[0]) == XON + XOFF + XON  # XON at open: ready
    assert lines.dtr == [] and lines.rts == []


def test_no_flow_control_shows_nothing(pty, open_port):
    lines = FakeModemLines()
    t = open_port("none", "till", lines)
    t.mirror_status(PAPER_OUT)
    t.mirror_status(ONLINE, busy=True)
    assert lines.dtr == [] and lines.rts == [] and drain(pty[0], 0.05) == b""


def test_printer_write_waits_while_the_printer_holds_dsr_down(pty, open_port):
    lines = FakeModemLines(dsr_script=[False] * 5)  # busy for the first five looks
    t = open_port("dsrdtr", "printer", lines)
    busy = []
    t.on_busy = busy.append
    t.write(b"\x1b@receipt")
    assert lines.dsr_reads >= 6  # it looked until DSR came up
    assert busy == [True, False]
    assert drain(pty[0]) == b"\x1b@receipt"


def test_printer_busy_line_is_reported_while_reading(pty, open_port):
    lines = FakeModemLines()
    t = open_port("dsrdtr", "printer", lines)
    busy = []
    changed = threading.Event()
    t.on_busy = lambda b: (busy.append(b), changed.set())
    assert t.read(100, 0.05) == b"" and busy == [False]
    lines.dsr_level = False  # the printer drops DTR (our DSR): buffer full, paper out
    changed.clear()
    t.read(100, 0.2)
    assert changed.is_set() and busy == [False, True]
    os.write(pty[0], b"\x16")
    assert t.read(100, 1.0) == b"\x16"  # replies still come through


def test_a_pty_has_no_lines_and_says_so_once(pty, caplog):
    caplog.set_level(logging.INFO, "gateway.printer.serial")
    t = SerialTransport(pty[1], flow="dsrdtr", role="printer")
    try:
        assert isinstance(t.lines, PortLines)
        assert t.lines.dsr() is None and not t.lines.present
        t.write(b"x")  # no line to wait for: written at once
        assert drain(pty[0]) == b"x"
        assert caplog.text.count("has no modem lines") == 1
    finally:
        t.close()
