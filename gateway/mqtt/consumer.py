"""The skeleton of a backend consumer: one thread owns a paho client, reconnects with backoff, and
between network passes lets the subclass commit and ack what arrived.

Used by `listen` (gateway.mqtt.listen) and the hub's ingest (gateway.hub.ingest). A subclass
says what to subscribe to (`subscriptions`), what to do with a message (`handle`, called on the
loop thread) and what to do between passes (`tick`: store, ack, ask for resends). Persistent
sessions (clean_start=False) keep the broker queueing QoS 1 messages while the consumer is away.
"""

from __future__ import annotations

import json
import logging
import socket
import threading
import time
import uuid

import paho.mqtt.client as mqtt

from gateway.mqtt.broker import (
    Backoff,
    BrokerSettings,
    connect_properties,
    make_client,
    publish_properties,
)
from gateway.mqtt.topics import Topics

log = logging.getLogger(__name__)


class Consumer:
    thread_name = "consumer"
    read_burst = 1      # messages read per network pass beyond loop()'s one (ingest: many)

    def __init__(self, settings: BrokerSettings, client_id: str, *, session_expiry_s: int = 86400,
                 reconnect_max_s: float = 5.0, inflight: int = 200, loop_timeout_s: float = 0.02):
        self.settings = settings
        self.prefix = settings.topic_prefix
        self.client_id = client_id
        self.session_expiry_s = session_expiry_s
        self.inflight = inflight
        self.loop_timeout_s = loop_timeout_s
        self.backoff = Backoff(0.2, reconnect_max_s)
        self.connected = False
        self.last_error = ""
        self._client: mqtt.Client | None = None
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None
        self.resend_requests = 0
        self._pending_resend: dict[bytes, str] = {}
        self._gap_noticed: dict[tuple[str, int, int], float] = {}  # open gap -> when first noticed / last asked

    # ---- for subclasses -----------------------------------------------------------------------
    def subscriptions(self) -> list[str]:
        """Topic filters (QoS 1) to subscribe to after each connect."""
        return []

    def handle(self, msg) -> None:
        """One message (on the loop thread). Exceptions are logged; the loop goes on."""

    def tick(self) -> None:
        """After each network pass while connected (commit, ack, periodic work)."""

    def finish(self) -> None:
        """Before the clean disconnect at stop (flush what is pending)."""

    def close(self) -> None:
        """After the loop ended (release resources)."""

    def on_error(self, exc: Exception) -> None:
        """`tick` raised: log; subclasses drop what they could not store (it is not acked, so it comes back)."""
        self.last_error = f"{type(exc).__name__}: {exc}"
        log.error("%s (not acked; the gateways will send it again)", self.last_error)

    # ---- asking a gateway to resend a sequence gap ---------------------------------------------
    def request_resend(self, topics: Topics, first: int, last: int, reply_topic: str) -> None:
        """Publish `{p}/cmd/resend` {"from", "to"} with a response topic and correlation data."""
        if self._client is None or not self.connected:
            return
        corr = uuid.uuid4().bytes
        self._pending_resend[corr] = topics.gateway_id
        while len(self._pending_resend) > 10_000:
            self._pending_resend.pop(next(iter(self._pending_resend)))
        body = {"id": corr.hex(), "args": {"from": first, "to": last}, "expires_at": time.time() + 60}
        props = publish_properties(ResponseTopic=reply_topic, CorrelationData=corr, MessageExpiryInterval=60)
        self._client.publish(topics.cmd("resend"), json.dumps(body).encode(), qos=1, properties=props)
        self.resend_requests += 1
        log.info("asked %s to resend sequences %d..%d", topics.gateway_id, first, last)

    def resend_overdue(self, gaps, wait_s: float, reply_topic: str) -> None:
        """Ask for each gap `(topics, first, last)` that has stayed open `wait_s`, and again every
        `wait_s` while it stays open; gaps no longer listed are forgotten."""
        now = time.monotonic()
        still_open = set()
        for topics, first, last in gaps:
            key = (topics.gateway_id, first, last)
            still_open.add(key)
            if now - self._gap_noticed.setdefault(key, now) >= wait_s:
                self.request_resend(topics, first, last, reply_topic)
                self._gap_noticed[key] = now        # ask again later if it stays open
        self._gap_noticed = {k: t for k, t in self._gap_noticed.items() if k in still_open}

    def resend_reply(self, msg) -> tuple[str, list[tuple[int, int]]] | None:
        """(gateway id, ranges it no longer has) from its answer to one of our resend requests."""
        corr = getattr(msg.properties, "CorrelationData", None)
        gw = self._pending_resend.pop(corr, None) if corr else None
        if gw is None:
            return None
        reply = json.loads(msg.payload)
        if reply.get("status") != "ok":
            log.warning("resend by %s failed: %s", gw, reply.get("error"))
            return None
        return gw, [(int(a), int(b)) for a, b in (reply.get("data") or {}).get("missing", [])]

    # ---- running ------------------------------------------------------------------------------
    def start(self) -> None:
        self._stop.clear()
        self._thread = threading.Thread(target=self.run, name=self.thread_name, daemon=True)
        self._thread.start()

    def stop(self, timeout: float = 5.0) -> None:
        self._stop.set()
        if self._thread:
            self._thread.join(timeout)

    def publish(self, topic: str, payload: bytes, **kw) -> None:
        if self._client is not None:
            self._client.publish(topic, payload, qos=kw.pop("qos", 1), **kw)

    def run(self) -> None:
        """Loop until stop(): connect (with backoff), receive, tick."""
        next_attempt = 0.0
        try:
            while not self._stop.is_set():
                if self._client is None:
                    if time.monotonic() < next_attempt:
                        self._stop.wait(0.05)
                        continue
                    if not self._connect():
                        next_attempt = time.monotonic() + self.backoff.next_delay()
                        continue
                rc = self._client.loop(self.loop_timeout_s)
                if rc == mqtt.MQTT_ERR_SUCCESS and self.read_burst > 1:
                    # loop() reads about one packet per call; read what else is waiting in one go
                    rc = self._client.loop_read(self.read_burst)
                if rc != mqtt.MQTT_ERR_SUCCESS:
                    self._client = None
                    self.connected = False
                    self.last_error = f"connection lost ({mqtt.error_string(rc)})"
                    next_attempt = time.monotonic() + self.backoff.next_delay()
                    continue
                try:
                    self.tick()
                except Exception as exc:  # noqa: BLE001 - a database hiccup never stops the consumer
                    self.on_error(exc)
            if self._client is not None:
                try:
                    self.finish()
                except Exception as exc:  # noqa: BLE001
                    self.on_error(exc)
                self._client.disconnect()
                self._client.loop(0.1)
                self._client = None
                self.connected = False
        finally:
            self.close()

    def _connect(self) -> bool:
        client = make_client(self.settings, self.client_id)
        client.on_connect = self._on_connect
        client.on_message = self._on_message
        client.max_inflight_messages_set(self.inflight)
        client.max_queued_messages_set(0)
        try:
            client.connect(self.settings.host, self.settings.port, keepalive=self.settings.keepalive,
                           clean_start=False, properties=connect_properties(self.session_expiry_s))
        except Exception as exc:  # noqa: BLE001
            self.last_error = f"cannot connect to {self.settings.host}:{self.settings.port}: {exc}"
            return False
        self._client = client
        return True

    def _on_connect(self, client, userdata, flags, reason_code, properties) -> None:
        if reason_code.is_failure:
            self.last_error = f"broker refused the connection: {reason_code}"
            log.error(self.last_error)
            return
        self.connected = True
        self.backoff.reset()
        no_delay(client)
        for flt in self.subscriptions():
            client.subscribe(flt, qos=1)

    def _on_message(self, client, userdata, msg) -> None:
        try:
            self.handle(msg)
        except Exception:  # noqa: BLE001 - a bad message never stops the consumer
            log.exception("error handling a message on %s", msg.topic)


def no_delay(client: mqtt.Client) -> None:
    """Small replies and acks go out at once: without TCP_NODELAY, Nagle's algorithm holds a
    reply until the broker acknowledges the previous packet (~40 ms with delayed ACKs)."""
    sock = client.socket()
    if isinstance(sock, socket.socket):
        try:
            sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        except OSError:
            pass
