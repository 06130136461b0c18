"""A till, a gateway with the loyalty desk, a fake network printer and a hub that answers scans.

The pieces are real: mosquitto, the MQTT client and outbox, the proxy over TCP, a TCP
printer answering status queries like a TM-T88, python-escpos as the till.
"""

from __future__ import annotations

import json
import queue
import sqlite3
import threading
import time
from pathlib import Path

from escpos.printer import Dummy, Network

from gateway.config.schema import resolve
from gateway.config.sections import SECTIONS
from gateway.loyalty.desk import CardDesk
from gateway.mqtt.broker import make_client, publish_properties
from gateway.printer.fake_printer import FakeNetworkPrinter
from gateway.printer.links import printer_connector
from gateway.printer.profiles import get_profile
from gateway.receipt.ereceipt import Source, build_ereceipt
from tests.integration.mqtt_rig import PREFIX, gateway, settings
from tests.integration.proxy_helpers import Gateway, wait_for

PROFILE = "TM-T88V"
KEY = b"retailer-secret-for-tests-0123456789"
QUERY, KICK = b"\x10\x04\x01", b"\x1bp\x00\x19\xfa"


class Hub:
    """Answers `{p}/scan/+` like the receipt hub: by card HMAC, late or wrong when told to."""

    def __init__(self, url: str):
        self.answers: dict[str, object] = {}  # hmac -> body | ("late", s, body) | ("raw", bytes)
        self.asked: queue.Queue = queue.Queue()
        self.client = make_client(settings(url), "test-hub")
        self.client.on_message = self._on_message
        self.client.connect("127.0.0.1", int(url.rsplit(":", 1)[1]))
        self.client.subscribe(f"{PREFIX}/+/+/scan/+", qos=1)
        self.client.loop_start()
        time.sleep(0.2)

    def _on_message(self, client, userdata, m):
        body = json.loads(m.payload)
        self.asked.put((m.topic, m.payload))
        answer = self.answers.get(body["card"]["hmac"], {"mode": "paper", "greeting": None, "points_balance": None})
        if isinstance(answer, tuple) and answer[0] == "late":
            threading.Timer(answer[1], self._reply, (m, answer[2])).start()
        elif isinstance(answer, tuple) and answer[0] == "raw":
            self._reply(m, answer[1])
        else:
            self._reply(m, answer)

    def _reply(self, m, body):
        payload = body if isinstance(body, bytes) else json.dumps(body).encode()
        self.client.publish(m.properties.ResponseTopic, payload, qos=1,
                            properties=publish_properties(CorrelationData=m.properties.CorrelationData))

    def close(self):
        self.client.loop_stop()
        self.client.disconnect()


class Rig:
    """Gateway pieces wired as the service wires them; `receipts` are the published e-receipts."""

    def __init__(self, broker_url: str, tmp: Path, *, default: str = "paper", country: str = "", window_s=180):
        key = tmp / "loyalty.key"
        key.write_bytes(KEY + b"\n")
        key.chmod(0o600)
        self.data_dir = tmp / "data"
        self.printer = FakeNetworkPrinter()
        self.cfg = resolve({
            "gateway": {"id": "gw-1", "store_id": "store-1", "till_id": "till-1", "data_dir": str(self.data_dir)},
            "till": {"link": "tcp", "listen": "127.0.0.1:0"},
            "printer": {"link": "tcp", "address": self.printer.address, "profile": PROFILE},
            "mqtt": {"url": broker_url, "topic_prefix": PREFIX},
            "scanner": {"source": "serial", "device": "/dev/null"},
            "loyalty": {"hmac_key_file": str(key), "key_id": "k1"},
            "policy": {"default": default, "country": country, "card_window_s": window_s},
            "qr": {"url_template": "https://receipts.example.com/r/{token}"},
        }, SECTIONS)
        self.client = gateway(broker_url, self.data_dir)
        self.desk = CardDesk.from_config(self.cfg, request=self.client.request, scan_topic=self.client.topics.scan)
        self.desk.warm_up()
        self.events: list[dict] = []
        self.desk.listeners.append(self.events.append)
        self.receipts: list[dict] = []
        self.gw = Gateway(printer_connector(self.cfg["printer"]), till_id="till-1", profile=PROFILE,
                          on_receipt=self.on_receipt)
        self.gw.proxy.claims = self.desk.claim
        self.desk.print_job = self.gw.proxy.printer.write
        assert self.gw.proxy.printer.wait_up(3)

    def on_receipt(self, captured):
        """What the service does with each captured receipt (e-receipt -> outbox)."""
        delivery = self.desk.delivery_for(captured)
        card = delivery.pop("card", None)
        e = getattr(captured.decision, "e_receipt", None)
        if e is None:
            from gateway.printer.document import Receipt

            e = build_ereceipt(Receipt(captured.events), captured.raw,
                               Source("store-1", "till-1", "gw-1", PROFILE), cell=get_profile(PROFILE).cell(),
                               delivery=delivery, loyalty_card=card)
        self.client.submit(e, "till-1")
        self.receipts.append(e)

    def till(self) -> Network:
        return Network("127.0.0.1", self.gw.port, timeout=5)

    def wait_receipts(self, n: int, timeout: float = 10.0):
        wait_for(lambda: len(self.receipts) >= n, timeout, what=f"{n} receipts")
        return self.receipts[n - 1]

    def outbox_payloads(self) -> list[bytes]:
        con = sqlite3.connect(self.data_dir / "outbox.db")
        try:
            return [bytes(r[0]) for r in con.execute("SELECT payload FROM receipts")]
        finally:
            con.close()

    def close(self):
        self.gw.close()
        self.client.stop()
        self.client.outbox.close()
        self.printer.close()


def receipt_job(*lines: str, query: bool = True) -> tuple[bytes, list]:
    """A till's receipt as python-escpos writes it; (bytes, the steps to replay on a Network printer)."""
    steps = [("set", {"align": "center", "bold": True}), ("textln", "BAKKERIJ JANSSENS"),
             ("set", {"align": "left", "bold": False}), ("textln", "23-11-2026 14:02   Bon 4711")]
    steps += [("textln", line) for line in lines]
    if query:
        steps.append(("query", None))
    steps += [("textln", "TOTAAL EUR                 12.40"), ("raw", KICK), ("cut", None)]
    d = Dummy(profile=PROFILE)
    for name, arg in steps:
        _apply(d, name, arg)
    return d.output, steps


def _apply(p, name, arg):
    if name == "set":
        p.set(**arg)
    elif name == "textln":
        p.textln(arg)
    elif name == "raw":
        p._raw(arg)
    elif name == "query":
        p._raw(QUERY)
        if isinstance(p, Network):
            return p._read()  # the printer's answer, through the gateway, while the receipt is held
    elif name == "cut":
        p.cut()
    return None


def print_job(rig: Rig, steps) -> list:
    """Send the steps over TCP like a till; returns the status answers it got."""
    return run_steps(rig.gw.port, steps)


def run_steps(port: int, steps) -> list:
    p = Network("127.0.0.1", port, timeout=5, profile=PROFILE)
    answers = []
    try:
        for name, arg in steps:
            got = _apply(p, name, arg)
            if got is not None:
                answers.append(got)
    finally:
        p.close()
    return answers
