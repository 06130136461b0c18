"""Hub test rig: a Store on SQLite/PostgreSQL, ingest consumers and gateways on a real mosquitto."""

from __future__ import annotations

import json
import threading

import paho.mqtt.client as mqtt
from paho.mqtt.enums import CallbackAPIVersion

from gateway.hub.ingest import Ingest
from tests.integration.mqtt_rig import PREFIX, settings


def consumers(url: str, store, n: int = 2, **kw) -> list[Ingest]:
    """n ingest consumers of one shared-subscription group; the first checks gaps."""
    kw.setdefault("gap_wait_s", 1.0)
    kw.setdefault("reconnect_max_s", 1.0)
    out = [Ingest(settings(url), store, client_id=f"hub-ingest-{i + 1}", gap_check=(i == 0), **kw) for i in range(n)]
    for c in out:
        c.start()
    return out


def stop(items) -> None:
    for c in items:
        c.stop()


class Watcher:
    """A plain MQTT 5 client recording what arrives on some topics (acks, rejected reports, replies)."""

    def __init__(self, url: str, *topics: str):
        port = int(url.rsplit(":", 1)[1])
        self.messages: list[tuple[str, dict, object]] = []
        self._ready = threading.Event()
        self.client = mqtt.Client(CallbackAPIVersion.VERSION2, protocol=mqtt.MQTTv5)

        def on_connect(c, *_):
            c.subscribe([(t, 1) for t in topics])   # one SUBACK for all: then we are ready
        self.client.on_connect = on_connect
        self.client.on_subscribe = lambda *a: self._ready.set()
        self.client.on_message = lambda c, u, m: self.messages.append(
            (m.topic, json.loads(m.payload) if m.payload[:1] in (b"{", b"[") else m.payload, m.properties))
        self.client.connect("127.0.0.1", port)
        self.client.loop_start()
        assert self._ready.wait(5), "watcher could not subscribe"

    def publish(self, topic: str, payload: bytes, **kw):
        return self.client.publish(topic, payload, qos=1, **kw).wait_for_publish(5)

    def on(self, topic_part: str) -> list:
        return [m for m in list(self.messages) if topic_part in m[0]]

    def close(self) -> None:
        self.client.loop_stop()
        self.client.disconnect()


__all__ = ["PREFIX", "consumers", "stop", "Watcher"]
