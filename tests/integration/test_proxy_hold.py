"""Hold mode: the receipt body waits for its cut and is replaced; queries and kicks go at once."""

from __future__ import annotations

import pytest

from gateway.printer.fake_printer import FakeLink, FakePrinter
from tests.integration.proxy_helpers import Gateway, wait_for

STUB = b"\x1b@Your receipt is online\n\x1dV\x00"


@pytest.fixture
def rig():
    fake = FakePrinter()
    gw = Gateway(lambda: FakeLink(fake))
    gw.proxy.printer.wait_up(3)
    yield gw, fake
    gw.close()


def test_stub_replaces_the_body_and_queries_inside_are_answered_at_once(rig):
    gw, fake = rig
    gw.proxy.hold_next_receipt(mode="qr", stub_bytes=STUB)
    till = gw.till()
    till.sendall(b"\x1b@SECRET LINE 1\n\x10\x04\x01")
    assert till.recv(1) == b"\x16"  # the printer answered before the receipt was over
    assert fake.printed == bytearray(b"\x10\x04\x01")
    till.sendall(b"TOTAL 9.99\n\x1bp\x00\x19\xfa")  # drawer kick
    wait_for(lambda: fake.printed.endswith(b"\x1bp\x00\x19\xfa"), what="drawer kick")
    till.sendall(b"\x1dV\x00")
    wait_for(lambda: fake.printed.endswith(STUB), what="stub")
    assert bytes(fake.printed) == b"\x10\x04\x01\x1bp\x00\x19\xfa" + STUB
    # the next receipt passes through untouched
    till.sendall(b"\x1b@NEXT\n\x1dV\x00")
    wait_for(lambda: fake.printed.endswith(b"NEXT\n\x1dV\x00"), what="next receipt")
    till.close()
    wait_for(lambda: len(gw.receipts) == 2, what="both receipts captured")
    held, nxt = gw.receipts
    assert held.delivery == "qr" and "SECRET LINE 1" in held.text() and "TOTAL 9.99" in held.text()
    assert nxt.delivery == "paper"


def test_mode_none_prints_nothing_but_the_kick(rig):
    gw, fake = rig
    gw.proxy.hold_next_receipt(mode="none")
    till = gw.till()
    till.sendall(b"\x1b@BODY\n\x10\x14\x01\x00\x05BODY2\n\x1dVA\x03")
    till.close()
    wait_for(lambda: gw.receipts, what="receipt")
    assert bytes(fake.printed) == b"\x10\x14\x01\x00\x05"
    assert gw.receipts[0].delivery == "none"


def test_hold_armed_mid_receipt_applies_to_the_next_one(rig):
    gw, fake = rig
    till = gw.till()
    till.sendall(b"\x1b@FIRST\n")
    wait_for(lambda: b"FIRST" in fake.printed, what="first part")
    gw.proxy.hold_next_receipt(mode="qr", stub_bytes=STUB)
    till.sendall(b"STILL FIRST\n\x1dV\x00")
    wait_for(lambda: fake.printed.endswith(b"STILL FIRST\n\x1dV\x00"), what="first receipt whole")
    wait_for(lambda: gw.proxy.segmenter.boundary[1] == len(b"\x1b@FIRST\nSTILL FIRST\n\x1dV\x00"),
             what="decoder at the cut")
    till.sendall(b"\x1b@SECOND\n\x1dV\x00")
    wait_for(lambda: fake.printed.endswith(STUB), what="stub for the second")
    assert b"SECOND" not in fake.printed
    till.close()
