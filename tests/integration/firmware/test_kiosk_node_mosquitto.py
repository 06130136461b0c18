"""The kiosk node (board.py + main.py on the fake machine) against a real mosquitto.

umqtt.simple is replaced by firmware/fakes/umqtt/over_socket.py, which speaks MQTT 3.1.1 over
a real socket with umqtt's API; the gateway side is a paho-mqtt client.
"""

from __future__ import annotations

import json
import socket
import subprocess
import sys
import time
from pathlib import Path

import pytest

from gateway.mqtt.local_broker import free_port  # one free-port helper for the package and tests

ROOT = Path(__file__).resolve().parents[3]
MOSQUITTO = Path("/usr/sbin/mosquitto")
BASE = "receipts/v1/store-042/gw-0001/kiosk/till-3"
CARD = "2400000000013"

pytestmark = pytest.mark.skipif(not MOSQUITTO.exists(), reason="mosquitto not installed")
for p in (str(ROOT), str(ROOT / "firmware" / "lib"), str(ROOT / "firmware")):
    if p not in sys.path:
        sys.path.insert(0, p)


@pytest.fixture
def broker(tmp_path):
    port = free_port()
    conf = tmp_path / "mosquitto.conf"
    conf.write_text(f"listener {port} 127.0.0.1\nallow_anonymous true\npersistence false\n")
    proc = subprocess.Popen([str(MOSQUITTO), "-c", str(conf)], stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    deadline = time.monotonic() + 5
    while time.monotonic() < deadline:
        try:
            socket.create_connection(("127.0.0.1", port), timeout=0.2).close()
            break
        except OSError:
            time.sleep(0.05)
    yield port
    proc.terminate()
    proc.wait(timeout=5)


@pytest.fixture
def gateway(broker):
    """A paho client playing the gateway: answers each scan with mode 'none'."""
    import paho.mqtt.client as mqtt

    seen: list[tuple[str, dict]] = []
    c = mqtt.Client(mqtt.CallbackAPIVersion.VERSION2, client_id="gw-test")

    def on_message(client, userdata, msg):
        body = json.loads(msg.payload)
        seen.append((msg.topic.rsplit("/", 1)[-1], body))
        if msg.topic.endswith("/scan"):
            client.publish(BASE + "/result", json.dumps({"seq": body["seq"], "mode": "none",
                                                         "greeting": "Hello Anna"}), qos=1)

    c.on_message = on_message
    c.connect("127.0.0.1", broker)
    c.subscribe(BASE + "/#", qos=1)
    c.loop_start()
    yield seen
    c.loop_stop()
    c.disconnect()


def wait_for(cond, node, utime, seconds=5.0):
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        node.step()
        utime.advance(10)
        if cond():
            return True
        time.sleep(0.005)
    return False


def test_scan_answer_and_last_will_over_a_real_broker(broker, gateway):
    from firmware import fakes

    hw = fakes.install(real_mqtt=True)
    for name in ("board", "main"):
        sys.modules.pop(name, None)
    try:
        import board
        import main
        from kiosk import config
        from kiosk.node import Node

        cfg = config.resolve({"node_id": "kiosk-7", "till": "till-3", "wifi": {"ssid": "shop", "password": "pw"},
                              "mqtt": {"host": "127.0.0.1", "port": broker, "store": "store-042",
                                       "gateway": "gw-0001"}})
        hw["network"].ACCESS_POINTS["shop"] = "pw"
        b = board.Board(cfg)
        link = main.make_link(cfg, b)
        node = Node(cfg, b, link)
        utime = hw["utime"]

        def screen():
            return [r for r in b.display.fb.rows() if r]

        assert wait_for(lambda: any(k == "hello" and m["online"] for k, m in gateway), node, utime)
        hw["machine"].uart(1).inject(CARD.encode() + b"\r\n")
        assert wait_for(lambda: screen()[:1] == ["Hello Anna"], node, utime), (screen(), gateway, link.bad_messages, link.last_error, node.kiosk.state)
        assert [m["code"] for k, m in gateway if k == "scan"] == [CARD]

        # the connection dies without a goodbye: the broker publishes the node's Last Will
        link.client.sock.close()
        deadline = time.monotonic() + 5
        while time.monotonic() < deadline and not any(k == "hello" and not m["online"] for k, m in gateway):
            time.sleep(0.02)
        assert any(k == "hello" and not m["online"] for k, m in gateway)
    finally:
        for name in ("board", "main"):
            sys.modules.pop(name, None)
        fakes.uninstall()


def test_the_laptop_simulator_scans_through_a_real_broker(broker, gateway):
    from firmware.fakes.sim import SimulatedKiosk

    k = SimulatedKiosk({"node_id": "kiosk-7", "till": "till-3", "wifi": {"ssid": "shop", "password": "pw"},
                        "mqtt": {"host": "127.0.0.1", "port": broker, "store": "store-042", "gateway": "gw-0001"}})
    try:
        k.run(0.3)
        assert k.screen() == ["Scan your", "loyalty card"]
        k.scan(CARD)
        deadline = time.monotonic() + 5
        while time.monotonic() < deadline and k.screen()[:1] != ["Hello Anna"]:
            k.run(0.05)
        assert k.screen()[:1] == ["Hello Anna"]
        k.press("paper")
        deadline = time.monotonic() + 5
        while time.monotonic() < deadline and not any(kind == "button" for kind, _ in gateway):
            time.sleep(0.02)
        assert [m["button"] for kind, m in gateway if kind == "button"] == ["print_anyway"]
    finally:
        k.close()
