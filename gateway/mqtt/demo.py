"""Synthetic e-receipts through the real outbox and client: `python -m gateway.mqtt.demo`.

For technicians checking a broker path, for the fault tests (a process that can be
SIGKILLed and restarted) and for the load script. Each receipt is a real python-escpos
print stream run through the decoder (text, raw SHA-256); the business fields are read
from the demo layout (a stand-in for the extractor).

    python -m gateway.mqtt.demo --config gateway.toml --total 100 --rate 20

prints `captured <sequence> <receipt_id>` once each receipt is durably in the outbox,
continues after a restart up to --total, then waits until the hub acked everything.
"""

from __future__ import annotations

import argparse
import datetime as dt
import hashlib
import logging
import sys
import time

from gateway.config import load
from gateway.mqtt.broker import BrokerSettings
from gateway.mqtt.client import GatewayClient
from gateway.mqtt.outbox import Outbox, OutboxError
from gateway.mqtt.topics import Topics


def till_stream(numbers) -> bytes:
    """What a till would send for receipts `numbers`: real python-escpos output, one cut each."""
    from escpos.printer import Dummy  # imported here: the service uses build() and must start fast

    p = Dummy()
    for n in numbers:
        qty, price = 1 + n % 3, 1.25 + (n % 7)
        p.set(align="center", bold=True)
        p.textln("DEMO SHOP")
        p.set(align="left", bold=False)
        p.textln(f"Receipt {n:06d}")
        p.textln(f"{qty} x Coffee {price:.2f}".ljust(36) + f"{qty * price:.2f}")
        p.textln(f"TOTAL EUR {qty * price:.2f}")
        p.cut()
    return p.output


def e_receipt(raw: bytes, receipt, cell: int, store_id: str, gateway_id: str, till_id: str,
              card: dict | None = None) -> dict:
    """An e-receipt from one decoded receipt of the demo layout (a stand-in for the extractor).

    Valid against the published schema once the outbox has set `receipt_id` and `sequence`;
    `card` ({"hmac", "key_id"}) is the loyalty card scanned for it.
    """
    from gateway.printer.render_text import receipt_lines
    from gateway.receipt.ereceipt import new_access_token

    text = receipt_lines(receipt, cell)
    number = next((t.split()[1] for t in text if t.startswith("Receipt ")), None)
    total = next((t.split()[-1] for t in text if t.startswith("TOTAL")), None)
    item = next((t for t in text if " x " in t), "")
    qty, _, rest = item.partition(" x ")
    now = dt.datetime.now(dt.UTC).astimezone().isoformat(timespec="seconds")
    return {
        "schema": "receipt-gateway/e-receipt/1", "access_token": new_access_token(),
        "source": {"store_id": store_id, "till_id": till_id, "gateway_id": gateway_id, "captured_at": now,
                   "printer_profile": "default", "raw_sha256": hashlib.sha256(raw).hexdigest()},
        "merchant": {"name": text[0] if text else None, "address": None, "vat_id": None},
        "receipt_number": number, "issued_at": now, "currency": "EUR",
        "lines": [{"description": "Coffee", "quantity": qty.strip(), "unit_price": rest.split()[1] if rest else None,
                   "amount": total, "vat_code": "A", "kind": "sale"}] if item else [],
        "vat": [], "totals": {"gross": total, "net": None, "vat": None, "discount": None},
        "payments": [{"method": "cash", "amount": total, "card_masked": None}],
        "loyalty": {"card": card, "points_earned": None, "points_balance": None} if card else None,
        "fiscal": None, "delivery": {"mode": "paper", "reason": "default"},
        "text": text, "codes": [], "extraction": {"confidence": 1.0, "warnings": []},
    }


def sample_receipt(n: int, store_id: str, gateway_id: str, till_id: str, card: dict | None = None) -> dict:
    """Receipt number n: a python-escpos print stream, decoded, made into an e-receipt."""
    from gateway.printer.decoder import decode

    raw = till_stream([n])
    doc = decode(raw)
    return e_receipt(raw, doc.receipts()[0], doc.cell, store_id, gateway_id, till_id, card)


def build(cfg, **client_kwargs) -> tuple[Outbox, GatewayClient]:
    """Outbox + client from a loaded gateway config."""
    gw, mq, ob = cfg["gateway"], cfg["mqtt"], cfg.get("outbox") or {}
    outbox = Outbox(gw["data_dir"], max_receipts=ob.get("max_receipts", 100_000), max_mb=ob.get("max_mb", 0),
                    retention_s=ob.get("retention_s", 7 * 86400),
                    republish_after_s=ob.get("republish_after_s", 60))
    settings = BrokerSettings.from_section(mq, cfg.path)
    topics = Topics(mq["topic_prefix"], gw["store_id"], gw["id"])
    kwargs = dict(health_interval_s=mq.get("health_interval_s", 30), reconnect_max_s=mq.get("reconnect_max_s", 60),
                  session_expiry_s=mq.get("session_expiry_s", 3600))
    kwargs.update(client_kwargs)
    return outbox, GatewayClient(settings, topics, outbox, **kwargs)


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(prog="python -m gateway.mqtt.demo", description=__doc__.splitlines()[0])
    ap.add_argument("--config", required=True)
    ap.add_argument("--total", type=int, default=100, help="stop capturing when this many receipts exist")
    ap.add_argument("--rate", type=float, default=0, help="receipts per second (0: as fast as possible)")
    ap.add_argument("--drain-timeout", type=float, default=60, help="wait this long for the hub's acks")
    ap.add_argument("--reconnect-max", type=float, default=None, help="override [mqtt] reconnect_max_s")
    args = ap.parse_args(argv)
    logging.basicConfig(level=logging.WARNING, stream=sys.stderr, format="%(asctime)s %(levelname)s %(message)s")
    cfg = load(args.config)
    extra = {"reconnect_max_s": args.reconnect_max} if args.reconnect_max else {}
    outbox, client = build(cfg, **extra)
    if outbox.recovered:
        print(f"recovered corrupt outbox: moved to {outbox.recovered.moved_to}, "
              f"salvaged {outbox.recovered.salvaged}: {outbox.recovered.error}", flush=True)
    client.start()
    gw = cfg["gateway"]
    try:
        while outbox.next_sequence <= args.total:
            n = outbox.next_sequence
            try:
                rid, seq = client.submit(sample_receipt(n, gw["store_id"], gw["id"], gw["till_id"]), gw["till_id"])
            except OutboxError as exc:
                print(f"refused {n} {exc.reason}: {exc}", flush=True)
                time.sleep(0.2)
                continue
            print(f"captured {seq} {rid}", flush=True)
            if args.rate:
                time.sleep(1 / args.rate)
        drained = client.wait_drained(args.drain_timeout)
        print(f"{'drained' if drained else 'not drained'} depth={outbox.depth}", flush=True)
        return 0 if drained else 1
    finally:
        client.stop()
        outbox.close()


if __name__ == "__main__":
    sys.exit(main())
