"""The gateway's MQTT client: publishes the outbox, keeps `state`/`health`, answers commands.

One worker thread owns the paho client (paho 2.x, MQTT 5, callback API v2) and is the only
thread that touches it; other threads hand it work through a queue. The worker:

- connects with jittered exponential backoff (a fresh paho client per attempt, Last Will =
  retained `state` offline with this connection's session number);
- publishes due outbox rows (QoS 1, at most `inflight` unacknowledged) and checks the reason
  code of every PUBACK: a refusal (>= 0x80, e.g. "not authorized") is an error, the row stays
  pending and is retried later;
- confirms rows when the hub's `{p}/ack` arrives, purges old confirmed rows;
- publishes `health` every `health_interval_s` and retained printer status;
- runs commands (`{p}/cmd/{name}`) in a separate thread and answers on the MQTT 5 response
  topic with the correlation data: `{"status": "ok"|"error", "data": ..., "error": ...}`.
  A command id seen before gets the same answer again (not run twice); an expired command
  (`expires_at` in the past, or dropped by the broker via message expiry) is not run.

A watchdog thread notices a worker that stopped looping (or died) and starts a new one.
Exceptions in callbacks are logged and never stop the loop.
"""

from __future__ import annotations

import collections
import datetime as dt
import json
import logging
import queue
import shutil
import socket
import threading
import time
import uuid
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from typing import Any

import paho.mqtt.client as mqtt

from gateway import __version__
from gateway.mqtt.broker import (
    Backoff,
    BrokerSettings,
    connect_properties,
    make_client,
    publish_properties,
)
from gateway.mqtt.outbox import Outbox, OutboxError
from gateway.mqtt.topics import Topics

log = logging.getLogger(__name__)

CommandHandler = Callable[[dict], Any]


def _now_iso() -> str:
    return dt.datetime.now(dt.UTC).astimezone().isoformat(timespec="seconds")


def _expired(body: dict, now: float) -> bool:
    exp = body.get("expires_at")
    if exp is None:
        return False
    if isinstance(exp, int | float):
        return exp < now
    try:
        return dt.datetime.fromisoformat(str(exp)).timestamp() < now
    except ValueError:
        return False


class CommandError(Exception):
    """Raised by a command handler: answered as status "error" with this message."""


def _guard(fn):
    """Callbacks must never kill the network loop."""

    def wrapper(self, *args, **kwargs):
        try:
            return fn(self, *args, **kwargs)
        except Exception:  # noqa: BLE001 - logged, the loop goes on
            self.callback_errors += 1
            log.exception("error in MQTT callback %s (ignored, the loop goes on)", fn.__name__)

    return wrapper


class GatewayClient:
    def __init__(self, settings: BrokerSettings, topics: Topics, outbox: Outbox, *,
                 client_id: str | None = None, handlers: dict[str, CommandHandler] | None = None,
                 health: Callable[[], dict] | None = None, health_interval_s: float = 30.0,
                 inflight: int = 100, reconnect_first_s: float = 0.5, reconnect_max_s: float = 60.0,
                 session_expiry_s: int = 3600, watchdog_s: float = 30.0, loop_timeout_s: float = 0.02):
        self.settings, self.topics, self.outbox = settings, topics, outbox
        self.client_id = client_id or topics.gateway_id
        self.health_extra = health
        self.health_interval_s = health_interval_s
        self.inflight_max = inflight
        self.session_expiry_s = session_expiry_s
        self.watchdog_s = watchdog_s
        self.loop_timeout_s = loop_timeout_s
        self.backoff = Backoff(reconnect_first_s, reconnect_max_s)
        self.handlers: dict[str, CommandHandler] = {
            "resend": self._cmd_resend,
            "reprint": _unavailable("reprint", "no printer is attached to this process"),
            "print_qr": _unavailable("print_qr", "no printer is attached to this process"),
            "reload_config": _unavailable("reload_config", "this process cannot reload its config"),
        }
        self.handlers.update(handlers or {})
        # state visible to other threads (read-only for them)
        self.connected = False
        self.session = 0
        self.last_error = ""
        self.refusals = 0
        self.callback_errors = 0
        self.connects = 0
        self.watchdog_restarts = 0
        # worker-owned
        self._client: mqtt.Client | None = None
        self._connecting_until = 0.0
        self._next_attempt = 0.0
        self._inflight: dict[int, int] = {}       # mid -> sequence
        self._hold: dict[int, float] = {}         # sequence -> not before (after a refusal)
        self._acked: list[int] = []               # PUBACKed sequences to mark published
        self._confirms: list[str] = []            # receipt ids the hub acked
        self._printer_status: dict[str, bytes] = {}
        self._next_health = 0.0
        self._next_purge = 0.0
        self._next_due_check = 0.0
        self._actions: queue.Queue = queue.Queue()
        self._wake = threading.Event()
        self._stop = threading.Event()
        self._beat = time.monotonic()
        self._generation = 0
        self._worker: threading.Thread | None = None
        self._watchdog: threading.Thread | None = None
        self._commands = ThreadPoolExecutor(1, thread_name_prefix="mqtt-cmd")
        self._seen_commands: collections.OrderedDict[str, bytes | None] = collections.OrderedDict()
        self._requests: dict[bytes, queue.Queue] = {}

    # ---- public API (any thread) --------------------------------------------------------------
    def start(self) -> None:
        self._stop.clear()
        self._spawn_worker()
        self._watchdog = threading.Thread(target=self._watch, name="mqtt-watchdog", daemon=True)
        self._watchdog.start()

    def stop(self, timeout: float = 5.0) -> None:
        """Say offline (retained state), disconnect, stop the threads."""
        self._actions.put(("stop", None))
        self._wake.set()
        if self._worker:
            self._worker.join(timeout)
        self._stop.set()
        self._commands.shutdown(wait=False, cancel_futures=True)

    def submit(self, receipt: dict, till: str) -> tuple[str, int]:
        """Capture an e-receipt in the outbox (durable when this returns) and publish it soon.

        Raises OutboxFull / OutboxError when it could not be captured (print the paper receipt).
        """
        result = self.outbox.add(receipt, self.topics.receipt(till))
        self._wake.set()
        return result

    def publish_printer_status(self, till: str, status: dict) -> None:
        """Retained printer status; re-sent after every reconnect."""
        self._actions.put(("printer", (till, json.dumps(status, separators=(",", ":")).encode())))

    def request(self, topic: str, body: dict, timeout: float = 2.0) -> dict | None:
        """Publish `body` with MQTT 5 response topic ({p}/reply) + correlation data; wait for the answer.

        For `{p}/scan/{till}` ("what does this card want?"). None on timeout or when offline:
        the caller falls back (e.g. to the default policy) and the till is never held up.
        """
        corr = uuid.uuid4().bytes
        waiter: queue.Queue = queue.Queue(1)
        self._requests[corr] = waiter
        try:
            self._actions.put(("request", (topic, json.dumps(body).encode(), corr)))
            self._wake.set()
            return waiter.get(timeout=timeout)
        except queue.Empty:
            return None
        finally:
            self._requests.pop(corr, None)

    def status(self) -> dict:
        return {"connected": self.connected, "session": self.session, "last_error": self.last_error,
                "refusals": self.refusals, "connects": self.connects, "callback_errors": self.callback_errors,
                "watchdog_restarts": self.watchdog_restarts}

    def wait_drained(self, timeout: float) -> bool:
        """Wait until the hub confirmed every captured receipt."""
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.outbox.depth == 0:
                return True
            time.sleep(0.05)
        return self.outbox.depth == 0

    # ---- threads --------------------------------------------------------------------------------
    def _spawn_worker(self) -> None:
        self._generation += 1
        gen = self._generation
        self._beat = time.monotonic()
        self._worker = threading.Thread(target=self._run, args=(gen,), name=f"mqtt-{gen}", daemon=True)
        self._worker.start()

    def _watch(self) -> None:
        while not self._stop.wait(min(1.0, self.watchdog_s / 4)):
            worker = self._worker
            stale = time.monotonic() - self._beat > self.watchdog_s
            if worker is not None and (stale or not worker.is_alive()) and not self._stop.is_set():
                self.watchdog_restarts += 1
                self.last_error = "watchdog: the MQTT loop stopped; restarted it"
                log.error("MQTT loop %s (beat %.0f s ago); starting a new one",
                          "died" if not worker.is_alive() else "is stuck", time.monotonic() - self._beat)
                old = self._client
                self._client = None
                self.connected = False
                self._inflight.clear()
                if old is not None:
                    try:
                        old.socket() and old.socket().close()
                    except Exception:  # noqa: BLE001
                        pass
                self._spawn_worker()

    def _run(self, gen: int) -> None:
        while not self._stop.is_set() and gen == self._generation:
            self._beat = time.monotonic()
            try:
                if self._step():
                    break
            except Exception as exc:  # noqa: BLE001 - never let the owner thread die
                self.last_error = f"loop error: {exc}"
                log.exception("MQTT loop error (continuing)")
                self._drop_connection(f"loop error: {exc}")
                time.sleep(0.5)

    def _step(self) -> bool:
        """One turn of the loop; True means stop."""
        now = time.monotonic()
        client = self._client
        if client is None:
            if self._take_actions(connected=False):
                return True
            if now >= self._next_attempt:
                self._attempt()
            else:
                self._wake.wait(min(0.2, self._next_attempt - now))
                self._wake.clear()
            return False
        rc = client.loop(timeout=self.loop_timeout_s)
        if rc != mqtt.MQTT_ERR_SUCCESS:
            self._drop_connection(f"connection lost ({mqtt.error_string(rc)})")
            return False
        if not self.connected:
            if now > self._connecting_until:
                self._drop_connection("no CONNACK from the broker in time")
            return self._take_actions(connected=False)
        self._flush()
        if not self._mine():   # the watchdog replaced this thread while it was blocked
            return True
        if self._take_actions(connected=True):
            return True
        self._pump()
        self._periodic()
        return False

    def _mine(self) -> bool:
        return threading.current_thread() is self._worker

    # ---- connection -----------------------------------------------------------------------------
    def _attempt(self) -> None:
        session = self.outbox.meta_increment("mqtt_session")
        will = json.dumps({"online": False, "session": session, "version": __version__,
                           "ts": _now_iso(), "reason": "connection lost"}).encode()
        client = make_client(self.settings, self.client_id, will=(self.topics.state, will))
        client.on_connect = self._on_connect
        client.on_disconnect = self._on_disconnect
        client.on_publish = self._on_publish
        client.on_message = self._on_message
        client.max_inflight_messages_set(max(20, self.inflight_max))
        client.max_queued_messages_set(0)
        try:
            client.connect(self.settings.host, self.settings.port, keepalive=self.settings.keepalive,
                           clean_start=False, properties=connect_properties(self.session_expiry_s))
        except Exception as exc:  # noqa: BLE001 - OSError, ssl errors, ...
            self.last_error = f"cannot connect to {self.settings.host}:{self.settings.port}: {exc}"
            delay = self.backoff.next_delay()
            log.warning("%s; retrying in %.1f s", self.last_error, delay)
            self._next_attempt = time.monotonic() + delay
            return
        _no_delay(client)
        self.session = session
        self._client = client
        self._connecting_until = time.monotonic() + 10

    def _drop_connection(self, why: str) -> None:
        client, self._client = self._client, None
        was = self.connected
        self.connected = False
        self._inflight.clear()   # rows not PUBACKed stay pending in the outbox and go out again
        if client is not None:
            try:
                client.disconnect()
            except Exception:  # noqa: BLE001
                pass
            try:
                client.loop(0)
            except Exception:  # noqa: BLE001
                pass
            try:
                sock = client.socket()
                if sock:
                    sock.close()
            except Exception:  # noqa: BLE001
                pass
        self._flush()
        delay = self.backoff.next_delay()
        self._next_attempt = time.monotonic() + delay
        if was or why:
            self.last_error = why
            log.warning("MQTT: %s; reconnecting in %.1f s", why, delay)

    @_guard
    def _on_connect(self, client, userdata, flags, reason_code, properties) -> None:
        if reason_code.is_failure:
            self.last_error = f"broker refused the connection: {reason_code}"
            log.error("%s (check user name, password, certificate and ACL)", self.last_error)
            self._connecting_until = 0  # dropped by the loop, then backoff
            return
        self.connected = True
        self.connects += 1
        self.backoff.reset()
        self._inflight.clear()
        client.subscribe(self.topics.ack, qos=1)
        client.subscribe(self.topics.cmd_filter, qos=1)
        client.subscribe(self.topics.reply, qos=1)
        birth = {"online": True, "session": self.session, "version": __version__, "ts": _now_iso()}
        client.publish(self.topics.state, json.dumps(birth).encode(), qos=1, retain=True)
        for till, payload in self._printer_status.items():
            client.publish(self.topics.printer_status(till), payload, qos=1, retain=True)
        self._next_health = 0.0
        self._next_due_check = 0.0
        log.info("MQTT connected to %s:%s (session %d)", self.settings.host, self.settings.port, self.session)

    @_guard
    def _on_disconnect(self, client, userdata, flags, reason_code, properties) -> None:
        if self.connected:
            log.info("MQTT disconnected: %s", reason_code)
        self.connected = False

    @_guard
    def _on_publish(self, client, userdata, mid, reason_code, properties) -> None:
        seq = self._inflight.pop(mid, None)
        if seq is None:
            return
        if reason_code.is_failure:
            self.refusals += 1
            self.last_error = f"broker refused receipt sequence {seq}: {reason_code}"
            log.error("%s; it stays in the outbox and is retried", self.last_error)
            self._hold[seq] = time.monotonic() + min(30.0, max(1.0, self.outbox.republish_after_s))
            return
        self._acked.append(seq)

    @_guard
    def _on_message(self, client, userdata, msg) -> None:
        if msg.topic == self.topics.ack:
            body = json.loads(msg.payload or b"{}")
            ids = body.get("receipt_ids") if isinstance(body, dict) else None
            if not isinstance(ids, list):
                log.warning("ignored an ack without a receipt_ids list on %s", msg.topic)
                return
            self._confirms.extend(i for i in ids if isinstance(i, str))
        elif msg.topic.startswith(self.topics.base + "/cmd/"):
            self._on_command(msg)
        elif msg.topic == self.topics.reply:
            corr = getattr(msg.properties, "CorrelationData", None) if msg.properties else None
            waiter = self._requests.get(corr) if corr else None
            if waiter is not None:
                body = json.loads(msg.payload or b"null")
                try:
                    waiter.put_nowait(body)
                except queue.Full:
                    pass

    # ---- work -----------------------------------------------------------------------------------
    def _flush(self) -> None:
        """Write PUBACKs and hub acks to the outbox, one transaction each."""
        try:
            if self._acked:
                acked, self._acked = self._acked, []
                self.outbox.mark_published(acked)
            if self._confirms:
                confirms, self._confirms = self._confirms, []
                self.outbox.confirm(confirms)
        except Exception as exc:  # noqa: BLE001 - rows stay unconfirmed, republished later: no loss
            self.last_error = f"outbox update failed: {exc}"
            log.error("%s (rows will be republished)", self.last_error)

    def _pump(self) -> None:
        room = self.inflight_max - len(self._inflight)
        now = time.monotonic()
        if room <= 0 or (now < self._next_due_check and not self._wake.is_set()):
            return
        self._wake.clear()
        self._next_due_check = now + 0.5
        if self._hold:
            self._hold = {s: t for s, t in self._hold.items() if t > now}
        exclude = set(self._inflight.values()) | set(self._hold)
        rows = self.outbox.due(room, exclude=exclude)
        if not self._mine():
            return
        for row in rows:
            info = self._client.publish(row.topic, row.payload, qos=1)
            if info.rc != mqtt.MQTT_ERR_SUCCESS:
                break
            self._inflight[info.mid] = row.sequence
        if len(rows) == room:
            self._wake.set()  # more waiting: come back at once

    def _periodic(self) -> None:
        now = time.monotonic()
        if now >= self._next_health:
            self._next_health = now + self.health_interval_s
            payload = json.dumps(self.health()).encode()   # may call out to slow code
            if not self._mine():
                return
            self._client.publish(self.topics.health, payload, qos=0)
        if now >= self._next_purge:
            self._next_purge = now + 60
            try:
                self.outbox.purge()
            except Exception as exc:  # noqa: BLE001
                log.warning("outbox purge failed: %s", exc)

    def health(self) -> dict:
        stats = self.outbox.stats()
        try:
            du = shutil.disk_usage(self.outbox.dir)
            disk = {"free_bytes": du.free, "total_bytes": du.total}
        except OSError as exc:
            disk = {"error": str(exc)}
        out = {"ts": _now_iso(), "session": self.session,
               "outbox": {k: stats[k] for k in ("depth", "oldest_unconfirmed_s", "refused", "alarm", "bytes")},
               "disk": disk, "mqtt": {"refusals": self.refusals, "connects": self.connects,
                                       "watchdog_restarts": self.watchdog_restarts}}
        if self.health_extra is not None:
            try:
                out.update(self.health_extra())
            except Exception as exc:  # noqa: BLE001
                out["health_error"] = str(exc)
        return out

    def _take_actions(self, connected: bool) -> bool:
        """Run queued work from other threads; True when asked to stop."""
        while True:
            try:
                kind, arg = self._actions.get_nowait()
            except queue.Empty:
                return False
            if kind == "stop":
                self._say_goodbye()
                return True
            if kind == "printer":
                till, payload = arg
                self._printer_status[till] = payload
                if connected:
                    self._client.publish(self.topics.printer_status(till), payload, qos=1, retain=True)
            elif kind == "request":
                if connected:
                    topic, payload, corr = arg
                    props = publish_properties(ResponseTopic=self.topics.reply, CorrelationData=corr)
                    self._client.publish(topic, payload, qos=1, properties=props)
            elif kind == "reply":
                if connected:
                    topic, payload, corr = arg
                    props = publish_properties(CorrelationData=corr) if corr else None
                    self._client.publish(topic, payload, qos=1, properties=props)
                # not connected: the requester times out and asks again; same id -> same answer

    def _say_goodbye(self) -> None:
        client = self._client
        if client is not None and self.connected:
            bye = {"online": False, "session": self.session, "version": __version__, "ts": _now_iso(),
                   "reason": "stopped"}
            info = client.publish(self.topics.state, json.dumps(bye).encode(), qos=1, retain=True)
            deadline = time.monotonic() + 2
            while not info.is_published() and time.monotonic() < deadline:
                client.loop(0.05)
            self._flush()
            client.disconnect()
            client.loop(0.1)
        self._client = None
        self.connected = False

    # ---- commands -------------------------------------------------------------------------------
    def _on_command(self, msg) -> None:
        name = msg.topic.rsplit("/", 1)[-1]
        props = msg.properties
        response_topic = getattr(props, "ResponseTopic", None) if props else None
        corr = getattr(props, "CorrelationData", None) if props else None
        try:
            body = json.loads(msg.payload or b"{}")
            if not isinstance(body, dict):
                raise ValueError("the command payload must be a JSON object")
        except ValueError as exc:
            self._reply(response_topic, corr, None, error=f"bad command payload: {exc}")
            return
        if _expired(body, time.time()):
            log.info("ignored expired command %s (id %s)", name, body.get("id"))
            return
        cmd_id = str(body.get("id") or (corr.hex() if corr else "")) or None
        if cmd_id is not None:
            if cmd_id in self._seen_commands:
                cached = self._seen_commands[cmd_id]
                if cached is not None and response_topic:
                    self._actions.put(("reply", (response_topic, cached, corr)))
                log.info("command %s id %s seen before: not run again", name, cmd_id)
                return
            self._seen_commands[cmd_id] = None
            while len(self._seen_commands) > 1000:
                self._seen_commands.popitem(last=False)
        handler = self.handlers.get(name)
        if handler is None:
            self._reply(response_topic, corr, cmd_id, error=f"unknown command {name!r}; known: "
                        + ", ".join(sorted(self.handlers)))
            return
        self._commands.submit(self._run_command, name, handler, body.get("args") or {}, response_topic,
                              corr, cmd_id)

    def _run_command(self, name, handler, args, response_topic, corr, cmd_id) -> None:
        try:
            data = handler(args if isinstance(args, dict) else {"value": args})
        except CommandError as exc:
            self._reply(response_topic, corr, cmd_id, error=str(exc))
        except Exception as exc:  # noqa: BLE001 - answered, logged
            log.exception("command %s failed", name)
            self._reply(response_topic, corr, cmd_id, error=f"{type(exc).__name__}: {exc}")
        else:
            self._reply(response_topic, corr, cmd_id, data=data)

    def _reply(self, topic, corr, cmd_id, data=None, error: str | None = None) -> None:
        payload = json.dumps({"status": "error" if error else "ok", "data": data, "error": error},
                             default=str).encode()
        if cmd_id is not None:
            self._seen_commands[cmd_id] = payload
        if topic:
            self._actions.put(("reply", (topic, payload, corr)))
            self._wake.set()

    def _cmd_resend(self, args: dict) -> dict:
        try:
            first = int(args["from"])
            last = int(args.get("to", first))
        except (KeyError, TypeError, ValueError):
            raise CommandError('resend needs {"from": first_sequence, "to": last_sequence}') from None
        if last - first > 1_000_000:
            raise CommandError("resend range too large (more than 1,000,000 sequences)")
        try:
            queued, missing = self.outbox.requeue(first, last)
        except OutboxError as exc:
            raise CommandError(str(exc)) from None
        self._wake.set()
        return {"queued": queued, "missing": [list(r) for r in missing]}


def _no_delay(client: mqtt.Client) -> None:
    """Send small packets at once: with Nagle's algorithm a scan request's answer waited
    for delayed ACKs (p50 92 ms instead of ~2 ms on loopback; docs/performance.md ## Loyalty)."""
    try:
        client.socket().setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
    except (OSError, AttributeError):
        pass


def _unavailable(name: str, why: str) -> CommandHandler:
    def handler(args: dict):
        raise CommandError(f"{name}: {why}")

    return handler
