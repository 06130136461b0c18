"""Commands over MQTT 5 (response topic + correlation data), gap repair, and the listen CLI."""

from __future__ import annotations

import json
import os
import queue
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from gateway.config import ConfigError
from gateway.mqtt.broker import BrokerSettings, make_client, publish_properties
from gateway.mqtt.client import CommandError
from gateway.mqtt.outbox import Outbox
from tests.integration.mqtt_rig import (
    PREFIX,
    gateway,
    listener,
    receipt,
    settings,
    stored,
    wait_for,
)

ROOT = Path(__file__).resolve().parents[2]


class Hub:
    """A raw paho client that sends commands and collects answers."""

    def __init__(self, url: str):
        self.answers: queue.Queue = queue.Queue()
        self.client = make_client(settings(url), "test-hub")
        self.client.on_message = lambda c, u, m: self.answers.put(
            (m.properties.CorrelationData if m.properties else None, json.loads(m.payload)))
        self.reply = f"{PREFIX}/_hub/reply"
        self.client.connect("127.0.0.1", int(url.rsplit(":", 1)[1]))
        self.client.subscribe(self.reply, qos=1)
        self.client.loop_start()
        time.sleep(0.2)

    def send(self, gw, name: str, body: dict, corr: bytes, response: bool = True) -> None:
        props = publish_properties(CorrelationData=corr, **({"ResponseTopic": self.reply} if response else {}))
        self.client.publish(gw.topics.cmd(name), json.dumps(body).encode(), qos=1, properties=props).wait_for_publish(5)

    def answer(self, timeout: float = 5.0):
        return self.answers.get(timeout=timeout)

    def close(self) -> None:
        self.client.loop_stop()
        self.client.disconnect()


def test_commands_answered_deduplicated_and_expired_ignored(mosquitto, tmp_path):
    calls = []

    def reprint(args):
        calls.append(args)
        return {"printed": args["receipt_id"]}

    def boom(args):
        raise RuntimeError("printer on fire")

    gw = gateway(mosquitto.url, tmp_path / "gw", handlers={"reprint": reprint, "print_qr": boom})
    wait_for(lambda: gw.connected, 10, "gateway connected")
    hub = Hub(mosquitto.url)
    try:
        hub.send(gw, "reprint", {"id": "c1", "args": {"receipt_id": "R1"}}, b"k1")
        assert hub.answer() == (b"k1", {"status": "ok", "data": {"printed": "R1"}, "error": None})
        hub.send(gw, "reprint", {"id": "c1", "args": {"receipt_id": "R1"}}, b"k1")   # same id again
        assert hub.answer() == (b"k1", {"status": "ok", "data": {"printed": "R1"}, "error": None})
        assert len(calls) == 1, "a repeated command id must not run twice"
        hub.send(gw, "reprint", {"id": "c2", "args": {"receipt_id": "R2"}, "expires_at": time.time() - 5}, b"k2")
        hub.send(gw, "print_qr", {"id": "c3"}, b"k3")          # the handler raises: answered, loop alive
        corr, ans = hub.answer()
        assert corr == b"k3" and ans == {"status": "error", "data": None, "error": "RuntimeError: printer on fire"}
        assert len(calls) == 1, "an expired command must not run"
        hub.send(gw, "explode", {"id": "c4"}, b"k4")
        corr, ans = hub.answer()
        assert corr == b"k4" and ans["status"] == "error" and "unknown command 'explode'" in ans["error"]
        hub.send(gw, "reload_config", {"id": "c5"}, b"k5")
        assert hub.answer()[1]["status"] == "error"
        hub.send(gw, "resend", {"id": "c6", "args": {"to": 3}}, b"k6")
        assert 'resend needs {"from"' in hub.answer()[1]["error"]
        assert gw.connected and gw.status()["callback_errors"] == 0
    finally:
        hub.close()
        gw.stop()


def test_consumer_notices_a_gap_and_resend_fills_it(mosquitto, tmp_path):
    """Sequence 5 was acked by someone else (the consumer never stored it): the gap is asked for."""
    ob = Outbox(tmp_path / "gw")
    ids = [ob.add(receipt(n), f"{PREFIX}/store-1/gw-1/receipt/till-1")[0] for n in range(10)]
    ob.confirm([ids[4]])
    ob.close()
    lis = listener(mosquitto.url, tmp_path / "listen.db", gap_wait_s=1.0)
    gw = gateway(mosquitto.url, tmp_path / "gw")
    try:
        wait_for(lambda: lis.stored == 10, 15, "the consumer asks for sequence 5 and gets it")
        assert lis.resend_requests >= 1 and lis.lost_ranges == []
        assert sorted(s for _, s, _ in stored(tmp_path / "listen.db").values()) == list(range(1, 11))
    finally:
        gw.stop()
        lis.stop()


def test_resend_reports_purged_sequences(mosquitto, tmp_path):
    gw = gateway(mosquitto.url, tmp_path / "gw", retention_s=0)
    hub = Hub(mosquitto.url)
    try:
        rids = [gw.submit(receipt(n), "till-1")[0] for n in range(3)]
        gw.outbox.confirm(rids[:2])
        gw.outbox.purge(now=time.time() + 1)
        hub.send(gw, "resend", {"id": "r1", "args": {"from": 1, "to": 4}}, b"r1")
        _, ans = hub.answer()
        assert ans == {"status": "ok", "data": {"queued": 1, "missing": [[1, 2], [4, 4]]}, "error": None}
    finally:
        hub.close()
        gw.stop()


def test_inline_password_in_world_readable_config_is_refused(tmp_path):
    cfg = tmp_path / "gateway.toml"
    cfg.write_text("")
    cfg.chmod(0o644)
    with pytest.raises(ConfigError) as exc:
        BrokerSettings.from_section({"url": "mqtt://x:1883", "username": "gw", "password": "s3cret"}, str(cfg))
    assert "every user of this machine can read" in str(exc.value) and "password_file" in str(exc.value)
    assert "s3cret" not in str(exc.value)
    cfg.chmod(0o640)
    assert BrokerSettings.from_section({"url": "mqtt://x", "password": "s3cret"}, str(cfg)).password == "s3cret"
    pw = tmp_path / "pw"
    pw.write_text("from-file\n")
    pw.chmod(0o600)
    assert BrokerSettings.from_section({"url": "mqtts://x", "password_file": str(pw)}).port == 8883
    assert BrokerSettings.from_section({"url": "mqtts://x", "password_file": str(pw)}).password == "from-file"


def test_listen_cli_prints_a_line_per_receipt(mosquitto, tmp_path):
    cfg = tmp_path / "listen.toml"
    cfg.write_text(f'[mqtt]\nurl = "{mosquitto.url}"\n')
    proc = subprocess.Popen([sys.executable, "-m", "gateway", "listen", "--config", str(cfg),
                             "--database", str(tmp_path / "l.db")], cwd=ROOT, stdout=subprocess.PIPE,
                            stderr=subprocess.PIPE, text=True, env=dict(os.environ, PYTHONUNBUFFERED="1"))
    gw = None
    try:
        assert "listening on 127.0.0.1" in proc.stdout.readline()
        time.sleep(0.5)
        gw = gateway(mosquitto.url, tmp_path / "gw")
        for n in range(3):
            gw.submit(receipt(n), "till-1")
        assert gw.wait_drained(10)
    finally:
        if gw:
            gw.stop()
        proc.send_signal(signal.SIGINT)
        out, err = proc.communicate(timeout=10)
    assert proc.returncode == 0, err
    assert "store-1/gw-1 till-1 #3 DEMO SHOP receipt 000002: 9.75 EUR, 1 lines, paper" in out
    assert "stopped: 3 receipts stored, 0 duplicates removed" in out


def test_listen_cli_bad_config_is_a_clear_error(tmp_path):
    cfg = tmp_path / "bad.toml"
    cfg.write_text('[mqtt]\nurl = "http://nope"\n')
    r = subprocess.run([sys.executable, "-m", "gateway", "listen", "--config", str(cfg)], cwd=ROOT,
                       capture_output=True, text=True)
    assert r.returncode == 2 and "[mqtt] url" in r.stderr and "mqtt://host:port" in r.stderr


def test_command_error_type_is_public():
    assert issubclass(CommandError, Exception)


def test_a_raising_callback_does_not_stop_the_loop(mosquitto, tmp_path):
    gw = gateway(mosquitto.url, tmp_path / "gw")
    lis = listener(mosquitto.url, tmp_path / "listen.db")
    try:
        wait_for(lambda: gw.connected, 10, "gateway connected")
        c = make_client(settings(mosquitto.url), "garbage")
        c.connect("127.0.0.1", mosquitto.port)
        c.loop_start()
        c.publish(gw.topics.ack, b"\xff not json", qos=1).wait_for_publish(5)
        c.loop_stop()
        wait_for(lambda: gw.status()["callback_errors"] == 1, 5, "the bad ack to be handled")
        for n in range(5):
            gw.submit(receipt(n), "till-1")
        assert gw.wait_drained(10) and gw.connected
    finally:
        gw.stop()
        lis.stop()


def test_watchdog_restarts_a_stuck_loop(mosquitto, tmp_path):
    stuck = []

    def slow_health():
        if not stuck:
            stuck.append(1)
            time.sleep(3)     # the loop thread hangs here (a stuck driver call, say)
        return {"printer": "ok"}

    lis = listener(mosquitto.url, tmp_path / "listen.db")
    gw = gateway(mosquitto.url, tmp_path / "gw", health=slow_health, watchdog_s=1.0)
    try:
        wait_for(lambda: stuck, 10, "the loop to hang")
        for n in range(5):
            gw.submit(receipt(n), "till-1")
        assert gw.wait_drained(10), gw.status()
        assert gw.status()["watchdog_restarts"] == 1
    finally:
        gw.stop()
        lis.stop()


def test_state_will_health_printer_status_and_scan_request(mosquitto, tmp_path):
    """Retained state (birth, then the Last Will when the process is SIGKILLed), health, printer status, scan."""
    seen: dict[str, list] = {}
    obs = make_client(settings(mosquitto.url), "observer")

    def on_message(c, u, m):
        seen.setdefault(m.topic.rsplit("/", 1)[-1] if "/printer/" not in m.topic else "printer", []).append(m)
        if m.topic.endswith("/scan/till-1"):   # the hub's answer to "what does this card want?"
            c.publish(m.properties.ResponseTopic, json.dumps({"mode": "qr", "greeting": "Hi"}), qos=1,
                      properties=publish_properties(CorrelationData=m.properties.CorrelationData))

    obs.on_message = on_message
    obs.connect("127.0.0.1", mosquitto.port)
    obs.subscribe(f"{PREFIX}/store-1/gw-1/#", qos=1)
    obs.loop_start()
    gw = gateway(mosquitto.url, tmp_path / "gw", health=lambda: {"printer": {"link": "up"}}, health_interval_s=1)
    try:
        wait_for(lambda: "health" in seen and "state" in seen, 10, "birth and health")
        birth = json.loads(seen["state"][-1].payload)
        assert birth["online"] is True and birth["session"] == gw.session and seen["state"][-1].retain is False
        health = json.loads(seen["health"][-1].payload)
        assert health["outbox"]["depth"] == 0 and health["printer"] == {"link": "up"}
        assert health["disk"]["free_bytes"] > 0
        gw.publish_printer_status("till-1", {"online": True, "paper_out": False})
        wait_for(lambda: "printer" in seen, 5, "printer status")
        assert json.loads(seen["printer"][-1].payload)["online"] is True
        assert gw.request(gw.topics.scan("till-1"), {"card": {"hmac": "ab", "key_id": "k1"}}) == \
            {"mode": "qr", "greeting": "Hi"}
        assert gw.request(gw.topics.scan("till-2"), {"card": {}}, timeout=0.3) is None   # nobody answers
    finally:
        gw.stop()
    wait_for(lambda: json.loads(seen["state"][-1].payload)["online"] is False, 5, "offline state on stop")
    assert json.loads(seen["state"][-1].payload)["reason"] == "stopped"
    # the Last Will: a gateway process killed outright leaves a retained offline state
    cfg = tmp_path / "gw.toml"
    cfg.write_text(f'[gateway]\nid = "gw-1"\nstore_id = "store-1"\ntill_id = "till-1"\ndata_dir = "{tmp_path / "gw2"}"\n'
                   f'[till]\n[printer]\nlink = "none"\n[mqtt]\nurl = "{mosquitto.url}"\n')
    proc = subprocess.Popen([sys.executable, "-m", "gateway.mqtt.demo", "--config", str(cfg), "--total", "1000000",
                             "--rate", "5"], cwd=ROOT, stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True)
    try:
        proc.stdout.readline()
        wait_for(lambda: json.loads(seen["state"][-1].payload)["online"] is True, 10, "demo birth")
    finally:
        proc.kill()
        proc.wait()
    wait_for(lambda: json.loads(seen["state"][-1].payload)["online"] is False, 10, "Last Will")
    will = json.loads(seen["state"][-1].payload)
    assert will["reason"] == "connection lost" and will["session"] >= 1
    late = make_client(settings(mosquitto.url), "late")          # a newcomer gets the retained death
    got = []
    late.on_message = lambda c, u, m: got.append(m)
    late.connect("127.0.0.1", mosquitto.port)
    late.subscribe(f"{PREFIX}/store-1/gw-1/state", qos=1)
    late.loop_start()
    wait_for(lambda: got, 5, "retained state")
    late.loop_stop()
    obs.loop_stop()
    assert got[0].retain and json.loads(got[0].payload)["online"] is False
