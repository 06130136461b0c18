"""Random streams in random chunks, both directions interleaved: the bytes arrive exactly."""

from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from gateway.printer.link_tcp import connect_printer
from tests.integration.proxy_helpers import Gateway, SocketPrinter, wait_for


@pytest.fixture(scope="module")
def rig():
    printer = SocketPrinter()
    gw = Gateway(lambda: connect_printer(printer.address))
    gw.proxy.printer.wait_up(3)
    yield gw, printer
    gw.close()
    printer.close()


steps = st.lists(st.tuples(st.sampled_from(["till", "printer"]), st.binary(min_size=1, max_size=3000)),
                 min_size=1, max_size=12)


@settings(max_examples=25)
@given(steps=steps)
def test_both_directions_arrive_exactly_in_order(rig, steps):
    gw, printer = rig
    printer.take()
    till = gw.till()
    try:
        till.sendall(b"\x00")  # the session is live once the printer sees this
        wait_for(lambda: printer.received == bytearray(b"\x00"), what="session")
        printer.take()
        sent_till = bytearray()
        sent_printer = bytearray()
        got_till = bytearray()
        for who, data in steps:
            if who == "till":
                till.sendall(data)
                sent_till += data
            else:
                printer.send(data)
                sent_printer += data
        while len(got_till) < len(sent_printer):
            got_till += till.recv(65536)
        wait_for(lambda: len(printer.received) >= len(sent_till), what="till bytes at the printer")
        assert printer.take() == bytes(sent_till)
        assert bytes(got_till) == bytes(sent_printer)
    finally:
        till.close()
        wait_for(lambda: gw.proxy._till is None, what="session end")
