"""The whole gateway in one process: python-escpos till over TCP -> Gateway -> file printer,
real mosquitto -> the listen consumer; status.json, retained printer status and the commands."""

from __future__ import annotations

import contextlib
import io
import json

from gateway.app import Gateway
from gateway.mqtt.topics import Topics
from gateway.printer.decoder import decode
from gateway.printer.document import Code2D, TextLine
from gateway.printer.reprint import printable_again
from gateway.samples.generator import make_sample
from gateway.statusfile import read_status
from tests.integration.gateway_rig import Hub, gateway_config, till_print, wait_for
from tests.integration.mqtt_rig import PREFIX, listener, stored

TOPICS = Topics(PREFIX, "store-1", "gw-1")


def samples(n: int, first: int = 0):
    with contextlib.redirect_stdout(io.StringIO()):  # python-escpos names its barcode renderer
        return [make_sample(i) for i in range(first, first + n)]


def test_receipts_reach_the_consumer_and_the_printer_unchanged(mosquitto, tmp_path):
    cfg, port = gateway_config(tmp_path, mosquitto.url)
    hub = Hub(mosquitto.url, watch=(TOPICS.printer_status("till-1"),))
    lis = listener(mosquitto.url, tmp_path / "listen.db")
    gw = Gateway(cfg, status_interval_s=0.2).start()
    sent = samples(5)
    try:
        till_print(port, [s.data for s in sent])
        wait_for(lambda: len(stored(tmp_path / "listen.db")) == 5, 20, "5 receipts at the consumer")
        got = sorted((json.loads(p) for _gw, _seq, p in stored(tmp_path / "listen.db").values()),
                     key=lambda e: e["sequence"])
        assert [e["sequence"] for e in got] == [1, 2, 3, 4, 5]
        for e, s in zip(got, sent, strict=True):
            assert e["merchant"]["name"] == s.truth["merchant"]["name"]
            assert e["totals"]["gross"] == s.truth["totals"]["gross"]
            assert e["delivery"] == {"mode": "paper", "reason": "store default (no card scanned)"}
            assert e["source"]["till_id"] == "till-1" and e["source"]["gateway_id"] == "gw-1"
        assert (tmp_path / "printer.bin").read_bytes() == b"".join(s.data for s in sent)
        wait_for(lambda: gw.outbox.depth == 0, 10, "the consumer's acks")

        status = wait_for(lambda: (s := read_status(cfg["gateway"]["data_dir"])) and s["receipts"]["count"] == 5
                          and s["mqtt"]["outbox_depth"] == 0 and s, 10, "status.json after 5 receipts")
        assert status["printer"]["online"] is True and status["printer"]["link"] == "file"
        assert status["mqtt"]["connected"] is True and status["mqtt"]["url"] == mosquitto.url
        assert status["till"] == {"link": "tcp", "connected": False, "peer": None}
        assert [r["receipt_id"] for r in status["receipts"]["last"]] == [e["receipt_id"] for e in got]
        assert status["receipts"]["last"][-1]["total"] == sent[-1].truth["totals"]["gross"]
        assert status["disk_free_mb"] > 0 and status["pid"] > 0

        printer_status = wait_for(lambda: hub.seen.get(TOPICS.printer_status("till-1")), 5, "printer status")
        assert printer_status[-1]["online"] is True and printer_status[-1]["paper_out"] is False
    finally:
        gw.stop()
        lis.stop()
        hub.close()
    assert read_status(cfg["gateway"]["data_dir"])["stopped"] is True


def test_reprint_print_qr_and_reload_config_commands(mosquitto, tmp_path):
    cfg, port = gateway_config(tmp_path, mosquitto.url)
    hub = Hub(mosquitto.url)
    gw = Gateway(cfg).start()
    printer = tmp_path / "printer.bin"
    sent = samples(2, first=40)
    # the till asks for status and kicks the drawer inside its job: a reprint must do neither
    sent[1].data = b"\x10\x04\x01" + sent[1].data.replace(b"\x1dV\x00", b"\x1bp\x00\x19\xfa\x1dV\x00")
    try:
        till_print(port, [s.data for s in sent])
        wait_for(lambda: gw.captured == 2, 10, "2 receipts captured")
        wait_for(lambda: gw.client.connected, 10, "gateway connected")
        before = printer.stat().st_size

        answer = hub.command(TOPICS, "reprint", {})   # the newest receipt
        assert answer["status"] == "ok", answer
        assert answer["data"]["sequence"] == 2
        reprinted = printer.read_bytes()[before:]
        assert reprinted == printable_again(sent[1].data)
        assert b"\x10\x04\x01" not in reprinted and b"\x1bp\x00" not in reprinted
        assert len(reprinted) == len(sent[1].data) - 3 - 5

        before = printer.stat().st_size
        answer = hub.command(TOPICS, "print_qr", {"sequence": 1})
        assert answer["status"] == "ok", answer
        token = json.loads(gw.outbox._db.execute("SELECT payload FROM receipts WHERE sequence=1").fetchone()[0])[
            "access_token"]
        assert answer["data"]["url"] == f"https://receipts.example.com/r/{token}"
        stub = decode(printer.read_bytes()[before:])
        assert [e.data for e in stub.events if isinstance(e, Code2D)] == [answer["data"]["url"]]
        assert any(sent[0].truth["merchant"]["name"] in e.text for e in stub.events if isinstance(e, TextLine))

        answer = hub.command(TOPICS, "reprint", {"sequence": 99})
        assert answer["status"] == "error" and "sequence 99 is not among the last 200" in answer["error"]
        answer = hub.command(TOPICS, "reload_config", {})   # the file did not change: nothing to do
        assert answer["status"] == "ok", answer
        assert answer["data"]["applied"] == {} and answer["data"]["restart_needed"] == []
        assert gw.captured == 2  # the gateway's own jobs are not captured as receipts
    finally:
        gw.stop()
        hub.close()


def test_broker_down_at_start_the_outbox_keeps_receipts_until_it_comes(mosquitto_factory, tmp_path):
    broker = mosquitto_factory()          # not started yet: nothing listens on its port
    cfg, port = gateway_config(tmp_path, broker.url)
    gw = Gateway(cfg, status_interval_s=0.2).start()
    sent = samples(3, first=70)
    try:
        till_print(port, [s.data for s in sent], per_connection=3)
        assert (wait_for(lambda: gw.captured == 3, 10, "3 receipts captured"))
        status = wait_for(lambda: (s := read_status(cfg["gateway"]["data_dir"])) and s["receipts"]["count"] == 3
                          and s, 5, "status.json")
        assert status["mqtt"]["connected"] is False and status["mqtt"]["outbox_depth"] == 3
        assert "cannot connect" in status["mqtt"]["last_error"]
        assert (tmp_path / "printer.bin").read_bytes() == b"".join(s.data for s in sent)
        broker.start()
        lis = listener(broker.url, tmp_path / "listen.db")
        try:
            wait_for(lambda: gw.outbox.depth == 0, 20, "the outbox drained once the broker came")
            assert sorted(seq for _gw, seq, _p in stored(tmp_path / "listen.db").values()) == [1, 2, 3]
        finally:
            lis.stop()
    finally:
        gw.stop()
