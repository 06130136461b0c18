"""Answers the gateways' "what does this card want?" (`{p}/scan/{till}`, MQTT 5 request/response).

Request body `{"card": {"hmac": H, "key_id": K}}` with a response topic and correlation data;
the reply (same correlation data) is `{"mode": "paper"|"qr"|"none", "greeting": str|null,
"points_balance": int|null}`, plus for a known card `"points_rules"`: the `[loyalty_rules]` that
decide one receipt's points (points_per_euro, categories, excluded_categories, campaigns). A card no account has, or a request the hub cannot read, gets
`[hub] unknown_card_mode` with no greeting and no balance: the till is never held up.

The responder has its own MQTT client and thread, so a scan never waits behind an ingest
commit; it subscribes with a shared subscription (`$share/{group}/{prefix}/+/+/scan/+`) so
several hub processes split the scans. Its session is not kept (session expiry 0): a scan
answered after a restart would be too late to matter.
"""

from __future__ import annotations

import json
import logging
import re
import time
from collections import deque
from typing import TYPE_CHECKING

from gateway.mqtt.broker import BrokerSettings, publish_properties
from gateway.mqtt.consumer import Consumer

if TYPE_CHECKING:  # any object with card_preference(hmac) answers scans (the demo's stand-in too)
    from gateway.hub.db import Store

log = logging.getLogger(__name__)

_HMAC = re.compile(r"[0-9a-f]{64}")
HELLO = {"en": "Hello {name}", "nl": "Hallo {name}", "fr": "Bonjour {name}", "de": "Hallo {name}"}


def scan_filter(prefix: str, group: str | None) -> str:
    flt = f"{prefix.rstrip('/')}/+/+/scan/+"
    return f"$share/{group}/{flt}" if group else flt


def card_of(payload: bytes) -> str | None:
    """The card HMAC of a scan request, or None when the request does not carry a well-formed one."""
    try:
        body = json.loads(payload)
        hmac = body["card"]["hmac"]
    except (ValueError, KeyError, TypeError, UnicodeDecodeError):
        return None
    return hmac if isinstance(hmac, str) and _HMAC.fullmatch(hmac) else None


def answer(store: Store, card_hmac: str | None, unknown_mode: str = "paper") -> dict:
    """The reply for one scan."""
    pref = store.card_preference(card_hmac) if card_hmac else None
    if pref is None:
        return {"mode": unknown_mode, "greeting": None, "points_balance": None}
    name = pref["greeting_name"]
    greeting = HELLO.get(pref["locale"], HELLO["en"]).format(name=name) if name else None
    out = {"mode": pref["mode"], "greeting": greeting, "points_balance": pref["points_balance"]}
    rules = getattr(store, "rules", None)
    if rules is not None:   # the gateway's QR stub prints "+N" from these (gateway.loyalty.preference)
        out["points_rules"] = rules.earn_section()
    return out


class ScanResponder(Consumer):
    thread_name = "hub-scan"

    def __init__(self, settings: BrokerSettings, store: Store, *, group: str | None = "hub",
                 client_id: str = "hub-scan-1", unknown_mode: str = "paper", reconnect_max_s: float = 5.0,
                 keep_samples: int = 100_000):
        super().__init__(settings, client_id, session_expiry_s=0, reconnect_max_s=reconnect_max_s,
                         loop_timeout_s=0.01)
        self.store = store
        self.group = group
        self.unknown_mode = unknown_mode
        self.answered = self.unknown = self.failed = 0
        self.latencies_ms: deque[float] = deque(maxlen=keep_samples)   # from arrival to reply queued

    def subscriptions(self) -> list[str]:
        return [scan_filter(self.prefix, self.group)]

    def handle(self, msg) -> None:
        t0 = time.perf_counter()
        props = msg.properties
        topic = getattr(props, "ResponseTopic", None) if props else None
        corr = getattr(props, "CorrelationData", None) if props else None
        if not topic:
            log.warning("scan request on %s without a response topic: ignored", msg.topic)
            return
        card = card_of(msg.payload)
        try:
            reply = answer(self.store, card, self.unknown_mode)
        except Exception:  # noqa: BLE001 - the database is down: the default keeps the till going
            log.exception("scan lookup failed; answered %s", self.unknown_mode)
            self.failed += 1
            reply = {"mode": self.unknown_mode, "greeting": None, "points_balance": None}
        if reply["points_balance"] is None:
            self.unknown += 1
        reply_props = publish_properties(CorrelationData=corr) if corr else None
        self.publish(topic, json.dumps(reply).encode(), properties=reply_props)
        self.answered += 1
        self.latencies_ms.append((time.perf_counter() - t0) * 1000)

    def stats(self) -> dict:
        return {"answered": self.answered, "unknown": self.unknown, "failed": self.failed,
                "p99_ms": percentile(self.latencies_ms, 99), "connected": self.connected}


def percentile(samples, p: float) -> float | None:
    data = sorted(samples)
    if not data:
        return None
    return data[min(len(data) - 1, int(round(p / 100 * (len(data) - 1))))]
