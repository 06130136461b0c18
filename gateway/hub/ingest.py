"""The hub's ingest: MQTT 5 shared-subscription consumers that store e-receipts and ack them.

Each consumer subscribes to `$share/hub/{prefix}/+/+/receipt/+` (the broker gives each receipt
to one consumer of the group) and, per message:

1. parses and checks it against the e-receipt schema. A malformed one is *rejected*: kept whole
   in the `rejected` table, reported on `{prefix}/_hub/rejected` and in the log, never put in
   `receipts` (not even partly); it is acked once kept, so the gateway does not send it forever;
2. collects it in a batch. The batch is committed in one transaction (Store.insert_receipts:
   dedup by receipt_id, per-gateway sequence bookkeeping, points) when it is full, when its
   oldest receipt waited `batch_wait_s`, or when the stream pauses;
3. only after the commit acks the batch's receipts to their gateways (`{p}/ack`,
   `{"receipt_ids": [...]}`), duplicates too, so their outboxes can let go.

A crash before the commit loses nothing: nothing was acked, so the gateways publish again
(`[outbox] republish_after_s`). One consumer per hub (`gap_check=True`) also looks for
sequence gaps that stay open `gap_wait_s` and asks the gateway to `resend` them (MQTT 5
response topic + correlation data); ranges the gateway no longer has are recorded as lost.
"""

from __future__ import annotations

import json
import logging
import time
from dataclasses import dataclass

from gateway.hub.db import Incoming, Store
from gateway.mqtt.broker import BrokerSettings
from gateway.mqtt.consumer import Consumer
from gateway.mqtt.topics import Topics, parse, receipt_filter
from gateway.receipt.schema import InvalidReceipt, validate

log = logging.getLogger(__name__)

MAX_REPORTED_PAYLOAD = 256 * 1024


def rejected_topic(prefix: str) -> str:
    return f"{prefix.rstrip('/')}/_hub/rejected"


@dataclass
class Counters:
    received: int = 0
    stored: int = 0
    duplicates: int = 0
    rejected: int = 0
    batches: int = 0


def check(payload: bytes) -> tuple[dict | None, list[str]]:
    """(e-receipt, []) when `payload` is a valid e-receipt, else (None, the problems)."""
    try:
        doc = json.loads(payload)
    except (ValueError, UnicodeDecodeError) as exc:
        return None, [f"(root): not JSON ({exc})"]
    try:
        return validate(doc), []
    except InvalidReceipt as exc:
        return None, exc.errors


class Ingest(Consumer):
    thread_name = "hub-ingest"
    read_burst = 200

    def __init__(self, settings: BrokerSettings, store: Store, *, group: str = "hub", client_id: str = "hub-ingest-1",
                 batch_max: int = 500, batch_wait_s: float = 0.05, gap_check: bool = True, gap_wait_s: float = 5.0,
                 session_expiry_s: int = 86400, reconnect_max_s: float = 5.0, inflight: int = 1000):
        super().__init__(settings, client_id, session_expiry_s=session_expiry_s, reconnect_max_s=reconnect_max_s,
                         inflight=inflight)
        self.store = store
        self.group = group
        self.batch_max, self.batch_wait_s = batch_max, batch_wait_s
        self.gap_check, self.gap_wait_s = gap_check, gap_wait_s
        self.counts = Counters()
        self._batch: list[Incoming] = []
        self._batch_since = 0.0
        self._arrived = 0               # messages since the last tick: 0 means the stream paused
        self._rejects: list[dict] = []
        self._topics: dict[str, Topics] = {}
        self._next_gap_check = 0.0
        self._reply_topic = f"{self.prefix.rstrip('/')}/_hub/{client_id}/reply"

    def subscriptions(self) -> list[str]:
        return [receipt_filter(self.prefix, self.group), self._reply_topic]

    # ---- messages -----------------------------------------------------------------------------
    def handle(self, msg) -> None:
        if msg.topic == self._reply_topic:
            self._on_resend_reply(msg)
            return
        where = parse(self.prefix, msg.topic)
        if where is None or where.kind != "receipt":
            return
        self.counts.received += 1
        self._arrived += 1
        self._topics.setdefault(where.gateway_id, where.topics(self.prefix))
        doc, problems = check(msg.payload)
        if doc is None:
            self._reject(msg, where, problems)
            return
        if not self._batch:
            self._batch_since = time.monotonic()
        body = msg.payload.decode("utf-8")
        self._batch.append(Incoming(doc, body, where.store_id, where.gateway_id, where.rest[0] if where.rest else ""))

    def _reject(self, msg, where, problems: list[str]) -> None:
        self.counts.rejected += 1
        rid = None
        try:
            rid = json.loads(msg.payload).get("receipt_id")
            rid = rid if isinstance(rid, str) and 0 < len(rid) <= 64 else None
        except (ValueError, AttributeError, UnicodeDecodeError):
            pass
        log.warning("rejected an e-receipt from %s/%s (%s): %s", where.store_id, where.gateway_id,
                    rid or "no receipt_id", "; ".join(problems[:5]))
        self._rejects.append({"topic": msg.topic, "gateway_id": where.gateway_id, "receipt_id": rid,
                              "errors": problems[:50],
                              "payload": msg.payload[:MAX_REPORTED_PAYLOAD].decode("utf-8", "replace")})

    # ---- commit, then ack ---------------------------------------------------------------------
    def tick(self) -> None:
        arrived, self._arrived = self._arrived, 0
        due = self._batch and (len(self._batch) >= self.batch_max or not arrived
                               or time.monotonic() - self._batch_since >= self.batch_wait_s)
        if due or (self._rejects and not arrived):
            self.flush()
        if self.gap_check and time.monotonic() >= self._next_gap_check:
            self._next_gap_check = time.monotonic() + self.gap_wait_s / 2
            self._check_gaps()

    def finish(self) -> None:
        self.flush()

    def on_error(self, exc: Exception) -> None:
        super().on_error(exc)
        self._batch.clear()     # not acked: the gateways publish them again
        self._rejects.clear()

    def flush(self) -> None:
        acks: dict[str, list[str]] = {}
        if self._rejects:
            rejects, self._rejects = self._rejects, []
            self.store.reject(rejects)
            for r in rejects:
                self.publish(rejected_topic(self.prefix), json.dumps(r).encode())
                if r["receipt_id"]:
                    acks.setdefault(r["gateway_id"], []).append(r["receipt_id"])
        if self._batch:
            batch, self._batch = self._batch, []
            result = self.store.insert_receipts(batch)
            self.counts.batches += 1
            self.counts.stored += len(result.new)
            self.counts.duplicates += len(result.duplicates)
            refused = set(result.conflicts)
            for item in batch:
                rid = item.doc["receipt_id"]
                if rid in refused:
                    log.error("refused receipt %s from %s: its access_token belongs to another receipt",
                              rid, item.gateway_id)
                    continue
                acks.setdefault(item.gateway_id, []).append(rid)
        for gw, ids in acks.items():
            for i in range(0, len(ids), 500):
                self.publish(self._topics[gw].ack, json.dumps({"receipt_ids": ids[i:i + 500]}).encode())

    # ---- gaps ---------------------------------------------------------------------------------
    def _check_gaps(self) -> None:
        if not self.connected:
            return
        gaps = []
        for gw, (store_id, ranges) in self.store.gateway_gaps().items():
            topics = self._topics.setdefault(gw, Topics(self.prefix, store_id, gw))
            gaps += [(topics, first, last) for first, last in ranges]
        self.resend_overdue(gaps, self.gap_wait_s, self._reply_topic)

    def _on_resend_reply(self, msg) -> None:
        answer = self.resend_reply(msg)
        if answer is None:
            return
        gw, missing = answer
        if missing:
            self.store.mark_lost(gw, missing)
            for first, last in missing:
                log.warning("%s: sequences %d..%d are not in the gateway's outbox (never captured, or purged "
                            "after confirmation): recorded as lost", gw, first, last)

    def stats(self) -> dict:
        return {**self.counts.__dict__, "resend_requests": self.resend_requests, "connected": self.connected, "last_error": self.last_error}
