"""Helpers for the delivery tests: a gateway (outbox + client) and a listen consumer on a real broker."""

from __future__ import annotations

import json
import os
import sqlite3
import time
from pathlib import Path

from gateway.mqtt.broker import BrokerSettings
from gateway.mqtt.client import GatewayClient
from gateway.mqtt.demo import sample_receipt
from gateway.mqtt.listen import Listener
from gateway.mqtt.outbox import Outbox
from gateway.mqtt.topics import Topics

PREFIX = "receipts/v1"
RESULTS: list[dict] = []   # rows of docs/reliability.md, written when RG_RELIABILITY_OUT is set


def settings(url: str, **kw) -> BrokerSettings:
    return BrokerSettings.from_section({"url": url, "topic_prefix": PREFIX, "keepalive_s": 5, **kw})


def gateway(url: str, data_dir: Path, gw: str = "gw-1", **kw) -> GatewayClient:
    ob_kw = {k: kw.pop(k) for k in ("republish_after_s", "max_receipts", "max_pages", "retention_s") if k in kw}
    ob_kw.setdefault("republish_after_s", 2.0)
    outbox = Outbox(data_dir, **ob_kw)
    kw.setdefault("reconnect_first_s", 0.1)
    kw.setdefault("reconnect_max_s", 1.0)
    client = GatewayClient(settings(url), Topics(PREFIX, "store-1", gw), outbox, **kw)
    client.start()
    return client


def demo_config(tmp_path: Path, url: str, gw: str = "gw-kill") -> Path:
    """A gateway config for `python -m gateway.mqtt.demo` (fast reconnect and republish)."""
    cfg = tmp_path / "gateway.toml"
    cfg.write_text(f"""
[gateway]
id = "{gw}"
store_id = "store-1"
till_id = "till-1"
data_dir = "{tmp_path / 'gw-data'}"
[till]
[printer]
link = "none"
[mqtt]
url = "{url}"
reconnect_max_s = 1
[outbox]
republish_after_s = 2
""")
    return cfg


def listener(url: str, db: Path, **kw) -> Listener:
    kw.setdefault("gap_wait_s", 2.0)
    lis = Listener(settings(url), db, reconnect_max_s=1.0, **kw)
    lis.start()
    return lis


def receipt(n: int, gw: str = "gw-1") -> dict:
    return sample_receipt(n, "store-1", gw, "till-1")


def stored(db: Path) -> dict[str, tuple[str, int, bytes]]:
    con = sqlite3.connect(db)
    try:
        return {r[0]: (r[1], r[2], r[3]) for r in
                con.execute("SELECT receipt_id, gateway_id, sequence, payload FROM receipts")}
    finally:
        con.close()


def wait_for(predicate, timeout: float, what: str) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if predicate():
            return
        time.sleep(0.05)
    raise AssertionError(f"timed out after {timeout} s waiting for {what}")


def record(fault: str, sent: int, received: int, duplicates: int, lost: int, note: str = "") -> None:
    RESULTS.append({"fault": fault, "sent": sent, "received": received, "duplicates": duplicates,
                    "lost": lost, "note": note})
    out = os.environ.get("RG_RELIABILITY_OUT")
    if out:
        Path(out).write_text(json.dumps(RESULTS, indent=1))
