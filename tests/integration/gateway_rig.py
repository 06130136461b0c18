"""Helpers for whole-gateway tests: a config file, a python-escpos till, a hub that sends commands."""

from __future__ import annotations

import contextlib
import io
import json
import queue
import time
from pathlib import Path

from escpos.printer import Network

from gateway.config.sections import load
from gateway.mqtt.broker import make_client, publish_properties
from tests.integration.mqtt_rig import PREFIX, settings
from tests.mosquitto import free_port


def gateway_config(tmp: Path, mqtt_url: str, *, printer: str = "", extra: str = "", port: int | None = None):
    """Write and load a gateway config: till on a free loopback port, printer appending to a file."""
    port = port or free_port()
    printer = printer or f'link = "file"\npath = "{tmp / "printer.bin"}"\nreconnect_max_s = 0.5'
    path = tmp / "gateway.toml"
    path.write_text(f"""
[gateway]
id = "gw-1"
store_id = "store-1"
till_id = "till-1"
data_dir = "{tmp / 'data'}"
log_level = "warning"
[till]
link = "tcp"
listen = "127.0.0.1:{port}"
[printer]
{printer}
[mqtt]
url = "{mqtt_url}"
topic_prefix = "{PREFIX}"
keepalive_s = 5
health_interval_s = 1
reconnect_max_s = 1
[outbox]
republish_after_s = 5
{extra}
""")
    return load(path), port


def till_print(port: int, streams: list[bytes], per_connection: int = 1) -> None:
    """The till: python-escpos `Network` sends each stream; a new connection every `per_connection`."""
    for i in range(0, len(streams), per_connection):
        till = Network("127.0.0.1", port, timeout=10)
        with contextlib.redirect_stdout(io.StringIO()):
            till.open()
        for data in streams[i:i + per_connection]:
            till._raw(data)
        till.close()


def wait_for(predicate, timeout: float, what: str):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        value = predicate()
        if value:
            return value
        time.sleep(0.05)
    raise AssertionError(f"timed out after {timeout} s waiting for {what}")


class Hub:
    """A raw MQTT 5 client: sends commands (response topic + correlation data), collects answers
    and the messages of the topics it watches."""

    def __init__(self, url: str, watch: tuple[str, ...] = ()):
        self.answers: queue.Queue = queue.Queue()
        self.seen: dict[str, list[dict]] = {}
        self.reply = f"{PREFIX}/_hub/reply"
        self.client = make_client(settings(url), "test-hub")
        self.client.on_message = self._on_message
        self.client.connect("127.0.0.1", int(url.rsplit(":", 1)[1]))
        for topic in (self.reply, *watch):
            self.client.subscribe(topic, qos=1)
        self.client.loop_start()
        time.sleep(0.2)

    def _on_message(self, client, userdata, msg) -> None:
        body = json.loads(msg.payload)
        if msg.topic == self.reply:
            self.answers.put(body)
        else:
            self.seen.setdefault(msg.topic, []).append(body)

    def command(self, topics, name: str, args: dict, timeout: float = 15.0) -> dict:
        props = publish_properties(CorrelationData=name.encode(), ResponseTopic=self.reply)
        body = {"id": f"{name}-{time.monotonic_ns()}", "args": args}
        self.client.publish(topics.cmd(name), json.dumps(body).encode(), qos=1, properties=props).wait_for_publish(5)
        return self.answers.get(timeout=timeout)

    def close(self) -> None:
        self.client.loop_stop()
        self.client.disconnect()
