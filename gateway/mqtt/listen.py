"""A small consumer: shared subscription, SQLite store, dedup by receipt_id, gap repair, acks.

`receipt-gateway listen` runs it in the foreground and prints one line per receipt; the
tests and benchmarks run it in a thread. What it does with each receipt:

1. stores it in SQLite (`INSERT OR IGNORE` on `receipt_id`: a republished receipt is a
   duplicate, counted and not stored twice) and commits (synchronous=FULL);
2. only then acks it to its gateway on `{p}/ack` (`{"receipt_ids": [...]}`), duplicates too,
   so the gateway can drop it from its outbox;
3. tracks each gateway's `sequence`: a gap that stays open for `gap_wait_s` is asked for
   with the gateway's `resend` command; ranges the gateway no longer has are reported.

Gap tracking is per listener database: consumers of one shared-subscription group must
share the database (the hub does) or run with gap checks off.
"""

from __future__ import annotations

import json
import logging
import sqlite3
import threading
import time
import uuid
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

import paho.mqtt.client as mqtt

from gateway.mqtt.broker import (
    Backoff,
    BrokerSettings,
    connect_properties,
    make_client,
    publish_properties,
)
from gateway.mqtt.topics import Topics, parse, receipt_filter, state_filter

log = logging.getLogger(__name__)

_SCHEMA = """
CREATE TABLE IF NOT EXISTS receipts (
    receipt_id  TEXT PRIMARY KEY,
    store_id    TEXT NOT NULL,
    gateway_id  TEXT NOT NULL,
    till_id     TEXT NOT NULL,
    sequence    INTEGER,
    payload     BLOB NOT NULL,
    received_at REAL NOT NULL
);
CREATE INDEX IF NOT EXISTS receipts_seq ON receipts(gateway_id, sequence);
CREATE TABLE IF NOT EXISTS lost (
    gateway_id TEXT NOT NULL, first INTEGER NOT NULL, last INTEGER NOT NULL, noted_at REAL NOT NULL
);
"""


@dataclass
class SequenceTracker:
    """Which sequences of one gateway arrived: a low watermark plus a set above it."""

    low: int                       # every sequence <= low is settled (received or given up)
    above: set[int] = field(default_factory=set)
    suspects: dict[tuple[int, int], float] = field(default_factory=dict)  # gap -> first noticed

    def add(self, seq: int) -> None:
        if seq <= self.low:
            return
        self.above.add(seq)
        while self.low + 1 in self.above:
            self.low += 1
            self.above.discard(self.low)

    def settle(self, first: int, last: int) -> None:
        for s in range(first, last + 1):
            self.add(s)

    def gaps(self) -> list[tuple[int, int]]:
        out, expect = [], self.low + 1
        for s in sorted(self.above):
            if s > expect:
                out.append((expect, s - 1))
            expect = s + 1
        return out


class Listener:
    def __init__(self, settings: BrokerSettings, database: str | Path, *, group: str = "listen",
                 client_id: str | None = None, ack: bool = True, gap_check: bool = True,
                 gap_wait_s: float = 5.0, on_receipt: Callable[[str], None] | None = None,
                 session_expiry_s: int = 86400, reconnect_max_s: float = 5.0):
        self.settings = settings
        self.prefix = settings.topic_prefix
        self.group = group
        self.client_id = client_id or f"listen-{group}"
        self.ack, self.gap_check, self.gap_wait_s = ack, gap_check, gap_wait_s
        self.on_receipt = on_receipt
        self.session_expiry_s = session_expiry_s
        self.backoff = Backoff(0.2, reconnect_max_s)
        self.received = self.stored = self.duplicates = self.invalid = 0
        self.resend_requests = 0
        self.lost_ranges: list[tuple[str, int, int]] = []
        self.connected = False
        self.last_error = ""
        self._db = sqlite3.connect(database, isolation_level=None, check_same_thread=False)
        self._db.execute("PRAGMA journal_mode=WAL")
        self._db.execute("PRAGMA synchronous=FULL")
        self._db.executescript(_SCHEMA)
        self._trackers: dict[str, SequenceTracker] = {}
        self._gw_topics: dict[str, Topics] = {}
        self._load_trackers()
        self._batch: list[tuple] = []
        self._acks: dict[str, list[str]] = {}
        self._lines: list[str] = []
        self._pending_resend: dict[bytes, tuple[str, int, int]] = {}
        self._client: mqtt.Client | None = None
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None
        self._next_gap_check = 0.0
        self._reply_topic = f"{self.prefix}/_listen/{self.client_id}/reply"

    def _load_trackers(self) -> None:
        for gw, store in self._db.execute("SELECT DISTINCT gateway_id, store_id FROM receipts"):
            self._gw_topics[gw] = Topics(self.prefix, store, gw)
            seqs = [r[0] for r in self._db.execute(
                "SELECT sequence FROM receipts WHERE gateway_id=? AND sequence IS NOT NULL ORDER BY sequence", (gw,))]
            if seqs:
                tracker = SequenceTracker(seqs[0] - 1)
                for s in seqs:
                    tracker.add(s)
                self._trackers[gw] = tracker
        for gw, first, last in self._db.execute("SELECT gateway_id, first, last FROM lost"):
            if gw in self._trackers:
                self._trackers[gw].settle(first, last)

    # ---- running ------------------------------------------------------------------------
    def start(self) -> None:
        self._thread = threading.Thread(target=self.run, name="listen", daemon=True)
        self._thread.start()

    def stop(self, timeout: float = 5.0) -> None:
        self._stop.set()
        if self._thread:
            self._thread.join(timeout)

    def run(self) -> None:
        """Loop until stop(): connect (with backoff), receive, store, ack."""
        next_attempt = 0.0
        while not self._stop.is_set():
            if self._client is None:
                if time.monotonic() < next_attempt:
                    self._stop.wait(0.05)
                    continue
                if not self._connect():
                    next_attempt = time.monotonic() + self.backoff.next_delay()
                    continue
            rc = self._client.loop(0.02)
            if rc != mqtt.MQTT_ERR_SUCCESS:
                self._client = None
                self.connected = False
                self.last_error = f"connection lost ({mqtt.error_string(rc)})"
                next_attempt = time.monotonic() + self.backoff.next_delay()
                continue
            try:
                self._commit_and_ack()
                if self.gap_check and time.monotonic() >= self._next_gap_check:
                    self._next_gap_check = time.monotonic() + self.gap_wait_s / 2
                    self._check_gaps()
            except sqlite3.Error as exc:
                self.last_error = f"database error: {exc}"
                log.error("%s (receipts not acked; the gateways will send them again)", self.last_error)
                self._batch.clear()
                self._acks.clear()
        if self._client is not None:
            self._commit_and_ack()
            self._client.disconnect()
            self._client.loop(0.1)
        self._db.close()

    def _connect(self) -> bool:
        client = make_client(self.settings, self.client_id)
        client.on_connect = self._on_connect
        client.on_message = self._on_message
        client.max_inflight_messages_set(200)
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
        client.subscribe(receipt_filter(self.prefix, self.group), qos=1)
        client.subscribe(state_filter(self.prefix), qos=1)
        client.subscribe(self._reply_topic, qos=1)

    # ---- messages -----------------------------------------------------------------------
    def _on_message(self, client, userdata, msg) -> None:
        try:
            if msg.topic == self._reply_topic:
                self._on_resend_reply(msg)
                return
            where = parse(self.prefix, msg.topic)
            if where is None:
                return
            if where.kind == "state":
                self._on_state(where, msg.payload)
            elif where.kind == "receipt":
                self._on_receipt(where, msg.payload)
        except Exception:  # noqa: BLE001 - a bad message never stops the consumer
            log.exception("error handling a message on %s", msg.topic)

    def _on_state(self, where, payload: bytes) -> None:
        try:
            state = json.loads(payload) if payload else {}
        except ValueError:
            return
        if isinstance(state, dict) and self.on_receipt:
            word = "online" if state.get("online") else f"offline ({state.get('reason', 'no reason')})"
            self.on_receipt(f"{time.strftime('%H:%M:%S')} {where.store_id}/{where.gateway_id} "
                            f"{word}, session {state.get('session')}")

    def _on_receipt(self, where, payload: bytes) -> None:
        self.received += 1
        try:
            receipt = json.loads(payload)
            rid = receipt["receipt_id"]
            if not isinstance(rid, str) or not rid:
                raise ValueError("receipt_id is not a string")
            seq = receipt.get("sequence")
            seq = int(seq) if seq is not None else None
        except (ValueError, KeyError, TypeError) as exc:
            self.invalid += 1
            log.warning("ignored an invalid receipt from %s/%s: %s", where.store_id, where.gateway_id, exc)
            return
        till = where.rest[0] if where.rest else ""
        self._gw_topics.setdefault(where.gateway_id, where.topics(self.prefix))
        self._batch.append((rid, where.store_id, where.gateway_id, till, seq, payload, time.time(), receipt))

    def _commit_and_ack(self) -> None:
        if self._batch:
            batch, self._batch = self._batch, []
            self._db.execute("BEGIN IMMEDIATE")
            new = []
            try:
                for rid, store, gw, till, seq, payload, ts, receipt in batch:
                    cur = self._db.execute(
                        "INSERT OR IGNORE INTO receipts(receipt_id, store_id, gateway_id, till_id, sequence, "
                        "payload, received_at) VALUES (?,?,?,?,?,?,?)", (rid, store, gw, till, seq, payload, ts))
                    if cur.rowcount:
                        new.append((store, gw, till, seq, receipt))
                    else:
                        self.duplicates += 1
                    self._acks.setdefault(gw, []).append(rid)
                self._db.execute("COMMIT")
            except BaseException:
                self._db.execute("ROLLBACK")
                raise
            self.stored += len(new)
            for store, gw, till, seq, receipt in new:
                if seq is not None:
                    self._trackers.setdefault(gw, SequenceTracker(seq - 1)).add(seq)
                if self.on_receipt:
                    self.on_receipt(describe(store, gw, till, seq, receipt))
        if self.ack and self._acks and self._client is not None and self.connected:
            acks, self._acks = self._acks, {}
            for gw, ids in acks.items():
                for i in range(0, len(ids), 500):
                    body = json.dumps({"receipt_ids": ids[i:i + 500]}).encode()
                    self._client.publish(self._gw_topics[gw].ack, body, qos=1)
        elif not self.ack:
            self._acks.clear()

    # ---- gaps ---------------------------------------------------------------------------
    def _check_gaps(self) -> None:
        now = time.monotonic()
        for gw, tracker in self._trackers.items():
            gaps = set(tracker.gaps())
            tracker.suspects = {g: t for g, t in tracker.suspects.items() if g in gaps}
            for gap in gaps:
                first_seen = tracker.suspects.setdefault(gap, now)
                if now - first_seen >= self.gap_wait_s:
                    self._request_resend(gw, *gap)
                    tracker.suspects[gap] = now  # ask again later if it stays open

    def _request_resend(self, gw: str, first: int, last: int) -> None:
        if self._client is None or not self.connected:
            return
        corr = uuid.uuid4().bytes
        self._pending_resend[corr] = (gw, first, last)
        body = {"id": corr.hex(), "args": {"from": first, "to": last}, "expires_at": time.time() + 60}
        props = publish_properties(ResponseTopic=self._reply_topic, CorrelationData=corr, MessageExpiryInterval=60)
        self._client.publish(self._gw_topics[gw].cmd("resend"), json.dumps(body).encode(), qos=1,
                             properties=props)
        self.resend_requests += 1
        log.info("asked %s to resend sequences %d..%d", gw, first, last)

    def _on_resend_reply(self, msg) -> None:
        corr = getattr(msg.properties, "CorrelationData", None)
        req = self._pending_resend.pop(corr, None) if corr else None
        if req is None:
            return
        gw = req[0]
        reply = json.loads(msg.payload)
        if reply.get("status") != "ok":
            log.warning("resend by %s failed: %s", gw, reply.get("error"))
            return
        for first, last in (reply.get("data") or {}).get("missing", []):
            self._db.execute("INSERT INTO lost(gateway_id, first, last, noted_at) VALUES (?,?,?,?)",
                             (gw, first, last, time.time()))
            self._trackers[gw].settle(first, last)
            self.lost_ranges.append((gw, first, last))
            line = (f"{time.strftime('%H:%M:%S')} WARNING {gw}: sequences {first}..{last} are not in the "
                    "gateway's outbox (never captured, or purged after confirmation)")
            log.warning(line)
            if self.on_receipt:
                self.on_receipt(line)

    # ---- queries ------------------------------------------------------------------------
    def stats(self) -> dict:
        return {"received": self.received, "stored": self.stored, "duplicates": self.duplicates,
                "invalid": self.invalid, "resend_requests": self.resend_requests,
                "lost_ranges": list(self.lost_ranges), "connected": self.connected}


def describe(store: str, gw: str, till: str, seq, receipt: dict) -> str:
    """One readable line for a receipt."""
    merchant = (receipt.get("merchant") or {}).get("name") or "?"
    totals = receipt.get("totals") or {}
    gross = totals.get("gross")
    money = f"{gross} {receipt.get('currency') or ''}".strip() if gross is not None else "no total"
    number = receipt.get("receipt_number") or "-"
    lines = len(receipt.get("lines") or [])
    mode = (receipt.get("delivery") or {}).get("mode", "?")
    return (f"{time.strftime('%H:%M:%S')} {store}/{gw} {till} #{seq} {merchant} receipt {number}: "
            f"{money}, {lines} lines, {mode} [{receipt.get('receipt_id')}]")
