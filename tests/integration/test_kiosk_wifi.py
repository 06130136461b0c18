"""The kiosk node's wifi link, gateway side, on a real mosquitto: the node's messages in,
result and screen out, on {prefix}/{store}/{gateway}/kiosk/{till}/{kind}."""

from __future__ import annotations

import json
import time

import paho.mqtt.client as mqtt

from gateway.config.schema import Config
from gateway.scanner import Button, Scan, open_source

BASE = "receipts/v1/store-042/gw-0001/kiosk/till-1"


def config(url: str) -> Config:
    cfg = Config({"gateway": {"id": "gw-0001", "store_id": "store-042", "till_id": "till-1"},
                  "mqtt": {"topic_prefix": "receipts/v1"},
                  "scanner": {"source": "kiosk", "kiosk_link": "wifi", "kiosk_broker": url}})
    return cfg


def node(url: str, seen: list):
    """A plain MQTT 3.1.1 client playing the node (umqtt speaks 3.1.1)."""
    c = mqtt.Client(mqtt.CallbackAPIVersion.VERSION2, client_id="kiosk-1", protocol=mqtt.MQTTv311)
    c.on_message = lambda _c, _u, m: seen.append((m.topic.rsplit("/", 1)[-1], json.loads(m.payload)))
    host, port = url.removeprefix("mqtt://").split(":")
    c.connect(host, int(port))
    c.subscribe(BASE + "/result", 1)
    c.subscribe(BASE + "/screen", 1)
    c.loop_start()
    return c


def test_scan_button_result_and_screen_over_the_local_broker(mosquitto):
    seen: list = []
    n = node(mosquitto.url, seen)
    source = open_source(config(mosquitto.url))
    try:
        assert source.wait_connected(5)
        time.sleep(0.2)   # subscriptions are in place
        n.publish(BASE + "/hello", json.dumps({"v": 1, "kind": "hello", "node": "kiosk-1", "till": "till-1",
                                                "online": True, "fw": "0.1.0", "board": "pico-w"}), 1, retain=True)
        n.publish(BASE + "/scan", "not json", 1)
        n.publish(BASE + "/scan", json.dumps({"v": 1, "kind": "scan", "node": "kiosk-1", "till": "till-1",
                                               "seq": 7, "code": "2400000000013"}), 1)
        n.publish(BASE + "/button", json.dumps({"v": 1, "node": "kiosk-1", "till": "till-1", "seq": 8,
                                                 "button": "no_paper", "ref": 7}), 1)
        scan = source.read(5)
        assert isinstance(scan, Scan) and scan.code == "2400000000013" and scan.seq == 7
        assert scan.source == "kiosk:kiosk-1"
        button = source.read(5)
        assert isinstance(button, Button) and button.name == "no_paper" and button.ref == 7
        assert source.nodes["kiosk-1"].online and source.drops["bad message"] == 1

        source.send_result(7, "qr", "Hello Anna")
        source.send_screen(["Thank you!"], timeout_s=5)
        deadline = time.monotonic() + 5
        while len(seen) < 2 and time.monotonic() < deadline:
            time.sleep(0.02)
        assert ("result", {"seq": 7, "mode": "qr", "greeting": "Hello Anna"}) in seen
        assert ("screen", {"lines": ["Thank you!"], "timeout_s": 5}) in seen
    finally:
        source.close()
        n.loop_stop()
        n.disconnect()


def test_scans_wait_for_a_late_broker(mosquitto_factory):
    broker = mosquitto_factory()
    source = open_source(config(broker.url))   # broker not up yet: the link keeps trying
    try:
        assert source.read(0.3) is None
        broker.start()
        assert source.wait_connected(8)
        seen: list = []
        n = node(broker.url, seen)
        time.sleep(0.2)
        n.publish(BASE + "/scan", json.dumps({"v": 1, "node": "kiosk-1", "till": "till-1", "seq": 1,
                                               "code": "123"}), 1)
        assert source.read(5).code == "123"
        n.loop_stop()
        n.disconnect()
    finally:
        source.close()


def test_display_test_sends_every_screen_to_the_kiosk_node(mosquitto, tmp_path, capsys):
    from gateway.cli import main
    from tests.unit.minimal_config import write_config

    seen: list = []
    n = node(mosquitto.url, seen)
    cfg = write_config(tmp_path / "g.toml", f'[display]\noutput = "kiosk"\nlanguage = "nl"\n[scanner]\n'
                                            f'source = "kiosk"\nkiosk_broker = "{mosquitto.url}"\n')
    cfg.write_text(cfg.read_text().replace('store_id = "s-1"', 'store_id = "store-042"')
                   .replace('id = "gw-1"', 'id = "gw-0001"'))
    try:
        assert main(["display-test", "--config", str(cfg), "--delay", "0"]) == 0
        deadline = time.monotonic() + 5
        while len(seen) < 11 and time.monotonic() < deadline:
            time.sleep(0.02)
    finally:
        n.loop_stop()
        n.disconnect()
    assert "on kiosk" in capsys.readouterr().out
    screens = [body for kind, body in seen if kind == "screen"]
    assert len(screens) == 11   # ten screens, then back to idle
    assert screens[0] == {"lines": ["Papierloos ticket?", "Scan uw kaart voor een papierloos kasticket"],
                          "timeout_s": 0}
    assert screens[4]["lines"][:2] == ["Kasticket verzonden", "Totaal € 23,85"]
