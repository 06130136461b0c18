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
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

from gateway.mqtt.broker import BrokerSettings
from gateway.mqtt.consumer import Consumer
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


class Listener(Consumer):
    thread_name = "listen"

    def __init__(self, settings: BrokerSettings, database: str | Path, *, group: str = "listen",
                 client_id: str | None = None, ack: bool = True, gap_check: bool = True,
                 gap_wait_s: float = 5.0, on_receipt: Callable[[str], None] | None = None,
                 session_expiry_s: int = 86400, reconnect_max_s: float = 5.0):
        super().__init__(settings, client_id or f"listen-{group}", session_expiry_s=session_expiry_s,
                         reconnect_max_s=reconnect_max_s)
        self.group = group
        self.ack, self.gap_check, self.gap_wait_s = ack, gap_check, gap_wait_s
        self.on_receipt = on_receipt
        self.received = self.stored = self.duplicates = self.invalid = 0
        self.lost_ranges: list[tuple[str, int, int]] = []
        self._db = sqlite3.connect(database, isolation_level=None, check_same_thread=False)
        self._db.execute("PRAGMA journal_mode=WAL")
        self._db.execute("PRAGMA synchronous=FULL")
        self._db.executescript(_SCHEMA)
        self._trackers: dict[str, SequenceTracker] = {}
        self._gw_topics: dict[str, Topics] = {}
        self._load_trackers()
        self._batch: list[tuple] = []
        self._acks: dict[str, list[str]] = {}
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

    # ---- the Consumer hooks -------------------------------------------------------------------
    def subscriptions(self) -> list[str]:
        return [receipt_filter(self.prefix, self.group), state_filter(self.prefix), self._reply_topic]

    def tick(self) -> None:
        self._commit_and_ack()
        if self.gap_check and time.monotonic() >= self._next_gap_check:
            self._next_gap_check = time.monotonic() + self.gap_wait_s / 2
            self._check_gaps()

    def finish(self) -> None:
        self._commit_and_ack()

    def close(self) -> None:
        self._db.close()

    def on_error(self, exc: Exception) -> None:
        super().on_error(exc)
        self._batch.clear()
        self._acks.clear()

    # ---- messages -----------------------------------------------------------------------
    def handle(self, msg) -> None:
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
        self.resend_overdue([(self._gw_topics[gw], first, last)
                             for gw, tracker in self._trackers.items() for first, last in tracker.gaps()],
                            self.gap_wait_s, self._reply_topic)

    def _on_resend_reply(self, msg) -> None:
        answer = self.resend_reply(msg)
        if answer is None:
            return
        gw, missing = answer
        for first, last in missing:
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
