"""A python-escpos till printing through the gateway over TCP, printer present, absent, back."""

from __future__ import annotations

import hashlib
import logging
import os
import socket

import pytest
from escpos.printer import Dummy, Network

from gateway.mqtt.local_broker import free_port
from gateway.printer.fake_printer import FakeLink, FakeNetworkPrinter, FakePrinter
from gateway.printer.link_tcp import connect_printer
from tests.integration.proxy_helpers import Gateway, SocketPrinter, wait_for


def receipt_bytes(*lines: str) -> bytes:
    d = Dummy()
    d.hw("INIT")
    for line in lines:
        d.text(line + "\n")
    d.cut()
    return d.output


@pytest.fixture
def gateway_fake(fake_net):
    gw = Gateway(lambda: connect_printer(fake_net.address))
    gw.proxy.printer.wait_up(3)
    yield gw
    gw.close()


def test_escpos_network_client_prints_and_queries_through_the_gateway(gateway_fake, fake_net):
    p = Network("127.0.0.1", gateway_fake.port, timeout=3)
    assert p.is_online() is True
    assert p.paper_status() == 2
    p.hw("INIT")
    p.text("Coffee        2.50\n")
    p.text("TOTAL         2.50\n")
    p.cut()
    p.close()
    wait_for(lambda: gateway_fake.receipts, what="the receipt")
    receipt = gateway_fake.receipts[0]
    assert "Coffee        2.50" in receipt.text() and "TOTAL" in receipt.text()
    assert receipt.ended_by == "cut" and receipt.till_id == "till-1"
    # the printer got exactly what the till sent (the queries belong to the receipt's bytes)
    assert receipt.raw.startswith(b"\x10\x04\x01\x10\x04\x04\x1b@")
    # the capture may be done before the printer has read the last bytes: wait for them
    wait_for(lambda: len(fake_net.printer.printed) >= len(receipt.raw), what="the printer's copy")
    assert bytes(fake_net.printer.printed) == receipt.raw


def test_printer_paper_out_reaches_the_till_and_the_status(gateway_fake, fake_net):
    fake_net.printer.set_state(paper_out=True)
    p = Network("127.0.0.1", gateway_fake.port, timeout=3)
    assert p.is_online() is False
    assert p.paper_status() == 0
    p.close()
    wait_for(lambda: gateway_fake.proxy.status.paper_out, what="paper_out in the status")
    assert gateway_fake.statuses[-1].online is False


def test_printer_absent_at_start_then_coming_back(caplog):
    caplog.set_level(logging.INFO, "gateway.printer")
    port = free_port()
    gw = Gateway(lambda: connect_printer(f"127.0.0.1:{port}"))
    try:
        p = Network("127.0.0.1", gw.port, timeout=3)
        assert p.is_online() is False  # answered by the gateway, not a hang
        assert p.paper_status() == 2  # nothing known about the paper: not reported out
        p.text("while the printer was away\n")
        p.cut()
        p.close()
        wait_for(lambda: gw.receipts, what="the receipt captured without a printer")
        assert "while the printer was away" in gw.receipts[0].text()
        assert gw.proxy.status.reachable is False
        assert f"printer not reachable: printer 127.0.0.1:{port} not reachable" in caplog.text
        printer = FakeNetworkPrinter(FakePrinter(), f"127.0.0.1:{port}")
        try:
            wait_for(lambda: gw.proxy.printer.up, what="reconnect")
            p = Network("127.0.0.1", gw.port, timeout=3)
            assert p.is_online() is True
            p.text("back again\n")
            p.cut()
            p.close()
            wait_for(lambda: b"back again" in printer.printer.printed, what="printing after reconnect")
            assert f"printer link up: printer tcp 127.0.0.1:{port}" in caplog.text
            assert b"while the printer was away" not in printer.printer.printed
        finally:
            printer.close()
    finally:
        gw.close()


def test_printer_closing_mid_receipt_is_answered_and_reconnected(caplog):
    caplog.set_level(logging.INFO, "gateway.printer")
    printer = SocketPrinter()
    gw = Gateway(lambda: connect_printer(printer.address))
    try:
        gw.proxy.printer.wait_up(3)
        till = gw.till()
        first = receipt_bytes("first half")[:-3]
        till.sendall(first)
        wait_for(lambda: len(printer.received) == len(first), what="first half printed")
        assert printer.take() == first
        printer.drop()  # the printer reboots mid-receipt
        wait_for(lambda: not gw.proxy.status.reachable or printer.connections > 1, what="link loss noticed")
        wait_for(lambda: gw.proxy.printer.up and printer.connections == 2, what="reconnected")
        till.sendall(b"second half\n\x1dV\x00")
        till.sendall(b"\x10\x04\x01")
        printer.send(b"\x16")  # the printer answers the query sent on the new link
        assert till.recv(1) == b"\x16"
        wait_for(lambda: printer.received.endswith(b"\x10\x04\x01"), what="rest forwarded")
        assert printer.take() == b"second half\n\x1dV\x00\x10\x04\x01"
        till.close()
        wait_for(lambda: len(gw.receipts) == 1, what="receipt")
        assert gw.receipts[0].raw == first + b"second half\n\x1dV\x00"
        assert "printer link lost: printer tcp 127.0.0.1" in caplog.text and "reconnecting" in caplog.text
    finally:
        gw.close()
        printer.close()


def test_query_pending_when_printer_dies_is_answered_by_the_gateway():
    printer = SocketPrinter()
    gw = Gateway(lambda: connect_printer(printer.address))
    try:
        gw.proxy.printer.wait_up(3)
        till = gw.till()
        till.sendall(b"\x10\x04\x01")
        wait_for(lambda: printer.received == bytearray(b"\x10\x04\x01"), what="query forwarded")
        printer.close()  # never answers, goes away
        assert till.recv(1) == b"\x1a"  # offline, answered from the last known status
    finally:
        gw.close()


def test_till_disconnecting_mid_receipt_then_next_connection(gateway_fake, fake_net, caplog):
    caplog.set_level(logging.INFO, "gateway.printer")
    till = gateway_fake.till()
    partial = receipt_bytes("half a receipt", "never finished")[:-3]
    till.sendall(partial)
    till.close()
    wait_for(lambda: gateway_fake.receipts, what="the partial receipt")
    r = gateway_fake.receipts[0]
    assert r.ended_by == "close" and r.raw == partial and "never finished" in r.text()
    assert "closed the connection) after 38 bytes" in caplog.text and len(partial) == 38
    p = Network("127.0.0.1", gateway_fake.port, timeout=3)
    p.text("next one\n")
    p.cut()
    p.close()
    wait_for(lambda: len(gateway_fake.receipts) == 2, what="next receipt")
    sent = partial + gateway_fake.receipts[1].raw
    wait_for(lambda: len(fake_net.printer.printed) >= len(sent), what="the printer's copy")
    assert bytes(fake_net.printer.printed) == sent
    assert "next one" in gateway_fake.receipts[1].text()


def test_connections_are_served_in_order_one_at_a_time(gateway_fake, fake_net):
    a = gateway_fake.till()
    a.sendall(b"job A part 1\n")
    b = gateway_fake.till()
    b.sendall(b"job B\n\x1dV\x00")
    a.sendall(b"job A part 2\n\x1dV\x00")
    a.close()
    b.close()
    wait_for(lambda: b"job B" in fake_net.printer.printed, what="job B")
    assert bytes(fake_net.printer.printed) == b"job A part 1\njob A part 2\n\x1dV\x00job B\n\x1dV\x00"


def test_garbage_passes_untouched_and_the_next_receipt_still_decodes(gateway_fake, fake_net):
    garbage = os.urandom(20000).replace(b"\x10\x04", b"xx").replace(b"\x1dr", b"xx").replace(b"\x1dI", b"xx")
    till = gateway_fake.till()
    till.sendall(garbage)
    till.close()
    p = Network("127.0.0.1", gateway_fake.port, timeout=3)
    p.hw("INIT")
    p.text("after the garbage\n")
    p.cut()
    p.close()
    wait_for(lambda: b"after the garbage" in fake_net.printer.printed, what="next receipt printed")
    assert bytes(fake_net.printer.printed).startswith(garbage)
    assert gateway_fake.proxy.drain()
    assert any("after the garbage" in r.text() for r in gateway_fake.receipts)


def test_a_50_mb_raster_job_arrives_whole():
    printer = SocketPrinter()
    gw = Gateway(lambda: connect_printer(printer.address))
    try:
        gw.proxy.printer.wait_up(3)
        width, rows = 72, 2000  # 576 dots x 2000 rows per band
        band = b"\x1dv0\x00" + bytes([width, 0]) + rows.to_bytes(2, "little") + os.urandom(width * rows)
        job = b"\x1b@" + band * (50_000_000 // len(band)) + b"\x1dV\x00"
        digest = hashlib.sha256(job).hexdigest()
        till = gw.till()
        till.sendall(job)
        till.close()
        wait_for(lambda: len(printer.received) >= len(job), timeout=60, what="the whole job")
        assert hashlib.sha256(printer.take()).hexdigest() == digest
        assert gw.proxy.drain(60)
        assert len(gw.receipts) == 1 and len(gw.receipts[0].raw) == len(job)
    finally:
        gw.close()
        printer.close()


def test_in_process_fake_printer_link():
    fake = FakePrinter()
    gw = Gateway(lambda: FakeLink(fake))
    try:
        gw.proxy.printer.wait_up(3)
        fake.set_state(cover_open=True)
        p = Network("127.0.0.1", gw.port, timeout=3)
        assert p.is_online() is False
        assert p.query_status(b"\x10\x04\x02") == b"\x16"  # offline cause: cover open
        p.close()
        wait_for(lambda: gw.proxy.status.cover_open, what="cover_open")
        assert gw.statuses[-1].online is False
    finally:
        gw.close()


def test_gateway_till_port_in_use_says_so():
    from gateway.printer.link_tcp import TcpTillServer
    from gateway.printer.transport import LinkUnavailable

    s = socket.create_server(("127.0.0.1", 0))
    try:
        with pytest.raises(LinkUnavailable, match="cannot listen") as info:
            TcpTillServer(f"127.0.0.1:{s.getsockname()[1]}")
        assert "[till] listen" in info.value.remedy
    finally:
        s.close()
