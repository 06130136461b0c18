"""The kiosk node, gateway side: its scans and button presses in, results and screens out.

Two links carry the same messages (firmware/PROTOCOL.md):
- serial: JSON lines on the node's USB port. It is the MicroPython REPL port, so lines that
  are not JSON objects (boot banner, a traceback) are skipped, and the gateway never sends
  Ctrl-C/Ctrl-D.
- wifi:   MQTT on the box's own broker ([scanner] kiosk_broker), topics
  {prefix}/{store}/{gateway}/kiosk/{till}/{kind}; card numbers travel there in clear, so that
  broker is never bridged to the retailer's.
"""

from __future__ import annotations

import json
import logging
import queue
import time

from gateway.scanner import kiosk_messages as km
from gateway.scanner.serial_source import SerialLineSource
from gateway.scanner.source import Event, ScanSource, SourceGone

log = logging.getLogger(__name__)


class KioskSerial(SerialLineSource):
    def __init__(self, device: str, baudrate: int = 115200, *, till: str | None = None, **kw):
        kw.setdefault("max_length", 1024)
        super().__init__(device, baudrate, **kw)
        self.name = f"kiosk-serial:{device}"
        self.till = till
        self.nodes: dict[str, km.Hello] = {}
        self.skipped = 0          # REPL lines that were not JSON

    def on_line(self, text: str, ts: float) -> None:
        if not text.startswith("{"):
            self.skipped += 1
            return
        _take(self, text, ts, None)

    def send(self, msg: dict) -> None:
        self.port.write(km.encode_line(msg))
        self.port.flush()

    def send_result(self, seq: int | None, mode: str, greeting: str | None = None) -> None:
        self.send(km.result(seq, mode, greeting))

    def send_screen(self, lines: list[str], timeout_s: float = 0) -> None:
        self.send(km.screen(lines, timeout_s))


def _take(source, text, ts: float, kind: str | None) -> None:
    try:
        item = km.parse(text, ts, kind=kind, till=source.till)
    except km.BadMessage as exc:
        source.drops["bad message"] += 1
        log.warning("%s: message dropped: %s", source.name, exc)
        return
    if isinstance(item, km.Hello):
        source.nodes[item.node] = item
    else:
        source._ready.append(item)


class KioskMqtt(ScanSource):
    """The wifi link: subscribes to the node's topics on the box's local broker."""

    def __init__(self, settings, *, prefix: str, store: str, gateway: str, till: str,
                 client_id: str | None = None):
        import collections

        from gateway.mqtt.broker import make_client

        super().__init__()
        self.till = till
        self.base = f"{prefix}/{store}/{gateway}/kiosk/{till}"
        self.name = f"kiosk-mqtt:{self.base}"
        self.nodes: dict[str, km.Hello] = {}
        self.drops: collections.Counter[str] = collections.Counter()
        self.connected = False
        self._inbox: queue.Queue = queue.Queue()
        self.client = make_client(settings, client_id or f"{gateway}-kiosk-{till}")
        self.client.on_connect = self._on_connect
        self.client.on_disconnect = self._on_disconnect
        self.client.on_message = lambda _c, _u, msg: self._inbox.put((msg.topic, msg.payload, time.time()))
        self.client.reconnect_delay_set(0.2, 5)
        self.client.connect_async(settings.host, settings.port, keepalive=settings.keepalive)
        self.client.loop_start()

    def _on_connect(self, client, _userdata, _flags, reason_code, _props=None) -> None:
        if reason_code.is_failure:
            log.warning("%s: local broker refused the connection: %s", self.name, reason_code)
            return
        self.connected = True
        client.subscribe([(f"{self.base}/{kind}", 1) for kind in km.UP_KINDS])

    def _on_disconnect(self, *_args) -> None:
        self.connected = False

    def wait_connected(self, timeout: float = 5.0) -> bool:
        deadline = time.monotonic() + timeout
        while not self.connected and time.monotonic() < deadline:
            time.sleep(0.01)
        return self.connected

    def read(self, timeout: float | None = None) -> Event | None:
        deadline = None if timeout is None else time.monotonic() + timeout
        while not self._ready:
            if self.closed:
                raise SourceGone(self.name)
            wait = 0.5 if deadline is None else max(0.0, min(0.5, deadline - time.monotonic()))
            try:
                topic, payload, ts = self._inbox.get(timeout=wait)
            except queue.Empty:
                if deadline is not None and time.monotonic() >= deadline:
                    return None
                continue
            _take(self, payload, ts, topic.rsplit("/", 1)[-1])
        return self._ready.popleft()

    def send(self, msg: dict) -> None:
        kind = msg["kind"]
        body = {k: v for k, v in msg.items() if k != "kind"}
        self._last_publish = self.client.publish(f"{self.base}/{kind}", json.dumps(body), qos=1)

    def send_result(self, seq: int | None, mode: str, greeting: str | None = None) -> None:
        self.send(km.result(seq, mode, greeting))

    def send_screen(self, lines: list[str], timeout_s: float = 0) -> None:
        self.send(km.screen(lines, timeout_s))

    def close(self) -> None:
        if not self.closed:
            super().close()
            last = getattr(self, "_last_publish", None)
            if last is not None and self.connected:
                try:
                    last.wait_for_publish(2)   # what was sent before close reaches the broker
                except (RuntimeError, ValueError):
                    pass
            self.client.loop_stop()
            self.client.disconnect()
