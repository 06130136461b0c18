"""Scan answer latency: the hub's ScanResponder on a real mosquitto, with or without ingest load.

    python3 benchmarks/hub_scan.py --accounts 10000 --requests 3000
    python3 benchmarks/hub_scan.py --ingest 10000          # while 2 consumers ingest 10,000 receipts
    python3 benchmarks/hub_scan.py --database postgresql://postgres@127.0.0.1/test

A requester process sends `{p}/scan/{till}` requests (MQTT 5 response topic + correlation
data, `--concurrency` outstanding) for cards of known accounts (80 %) and unknown cards.
Prints the time inside the hub (request handed to the responder -> reply queued) p50/p99/max,
and the round trip at the requester (publish -> reply received) p50/p99.
"""

from __future__ import annotations

import argparse
import hashlib
import json
import os
import random
import secrets
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

PREFIX = "receipts/v1"


def card(i: int) -> str:
    return hashlib.sha256(f"card-{i}".encode()).hexdigest()


def seed(store, accounts: int) -> None:
    """Accounts with a card each and a few ledger rows (bulk, one transaction)."""
    from gateway.hub.db import accounts as t_accounts
    from gateway.hub.db import cards, ledger, now_iso

    stamp = now_iso()
    ids = [secrets.token_urlsafe(16) for _ in range(accounts)]
    with store.write() as conn:
        conn.execute(t_accounts.insert(), [{"account_id": a, "email": f"c{i}@example.org", "mode": ("qr", "none", "paper")[i % 3],
                                            "locale": "en", "created_at": stamp, "greeting_name": f"C{i}"}
                                           for i, a in enumerate(ids)])
        conn.execute(cards.insert(), [{"card_hmac": card(i), "key_id": "k1", "account_id": a} for i, a in enumerate(ids)])
        conn.execute(ledger.insert(), [{"account_id": a, "ts": stamp, "kind": "earn", "points": 10 + j,
                                        "receipt_id": None, "note": "", "expires_at": None}
                                       for a in ids for j in range(5)])


def request(url: str, n: int, accounts: int, concurrency: int) -> None:
    """The requester process: prints a JSON list of round-trip milliseconds."""
    import threading

    import paho.mqtt.client as mqtt
    from paho.mqtt.enums import CallbackAPIVersion
    from paho.mqtt.packettypes import PacketTypes
    from paho.mqtt.properties import Properties

    from gateway.mqtt.consumer import no_delay

    host, port = url.rsplit("//", 1)[1].split(":")
    reply = f"{PREFIX}/store-1/gw-bench/reply"
    sent: dict[bytes, float] = {}
    rtt: list[float] = []
    slots = threading.Semaphore(concurrency)
    done = threading.Event()

    def on_message(c, u, msg):
        t = sent.pop(msg.properties.CorrelationData, None)
        if t is not None:
            rtt.append((time.perf_counter() - t) * 1000)
            slots.release()
            if len(rtt) == n:
                done.set()

    client = mqtt.Client(CallbackAPIVersion.VERSION2, client_id="bench-scan", protocol=mqtt.MQTTv5)
    client.on_message = on_message
    client.connect(host, int(port))
    no_delay(client)
    client.subscribe(reply, qos=1)
    client.loop_start()
    time.sleep(0.5)
    rng = random.Random(1)
    for i in range(n):
        slots.acquire()
        who = card(rng.randrange(accounts)) if rng.random() < 0.8 else hashlib.sha256(f"x{i}".encode()).hexdigest()
        corr = i.to_bytes(8, "big")
        props = Properties(PacketTypes.PUBLISH)
        props.ResponseTopic, props.CorrelationData = reply, corr
        sent[corr] = time.perf_counter()
        client.publish(f"{PREFIX}/store-1/gw-bench/scan/till-1", json.dumps({"card": {"hmac": who, "key_id": "k1"}}),
                       qos=1, properties=props)
    done.wait(120)
    client.loop_stop()
    print(json.dumps(rtt), flush=True)


def pct(data, p):
    data = sorted(data)
    return data[min(len(data) - 1, int(round(p / 100 * (len(data) - 1))))] if data else float("nan")


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--accounts", type=int, default=10000)
    ap.add_argument("--requests", type=int, default=3000)
    ap.add_argument("--concurrency", type=int, default=4)
    ap.add_argument("--ingest", type=int, default=0, help="receipts ingested by 2 consumers meanwhile")
    ap.add_argument("--ingest-processes", action="store_true", help="the ingest consumers in their own processes")
    ap.add_argument("--database", default="")
    ap.add_argument("--nodelay", action="store_true", help="broker with set_tcp_nodelay true (no Nagle delay)")
    ap.add_argument("--switch-ms", type=float, default=0, help="sys.setswitchinterval (as the hub service sets it)")
    ap.add_argument("--request", nargs=4, help=argparse.SUPPRESS)
    args = ap.parse_args()
    if args.request:
        request(args.request[0], *map(int, args.request[1:]))
        return 0

    from gateway.hub.db import Store
    from gateway.hub.ingest import Ingest
    from gateway.hub.scan import ScanResponder
    from gateway.mqtt.broker import BrokerSettings
    from tests.mosquitto import Mosquitto

    if args.switch_ms:
        sys.setswitchinterval(args.switch_ms / 1000)
    tmp = Path(tempfile.mkdtemp(prefix="hub-scan-"))
    schema = f"rgbench_{secrets.token_hex(4)}" if args.database.startswith("postgresql") else ""
    broker = Mosquitto(tmp / "broker", extra_conf="set_tcp_nodelay true" if args.nodelay else "").start()
    store = Store(args.database or f"sqlite:///{tmp / 'hub.db'}", schema=schema or None)
    store.migrate()
    seed(store, args.accounts)
    settings = BrokerSettings.from_section({"url": broker.url})
    scan = ScanResponder(settings, store)
    scan.start()
    env = dict(os.environ, PYTHONPATH=str(ROOT))
    procs, consumers = [], []
    try:
        if args.ingest:
            if args.ingest_processes:
                from gateway.config.hub import load_hub
                from gateway.hub.workers import IngestProcess

                (tmp / "hub.toml").write_text(f'[mqtt]\nurl = "{broker.url}"\n[hub]\ndatabase = "{store.url}"\n'
                                              f'database_schema = "{schema}"\nlog_level = "warning"\n')
                cfg = load_hub(tmp / "hub.toml")
                consumers = [IngestProcess(cfg, i, gap_check=False) for i in (0, 1)]
            else:
                consumers = [Ingest(settings, store, client_id=f"hub-ingest-{i}", gap_check=False) for i in (1, 2)]
            for c in consumers:
                c.start()
            pub = subprocess.Popen([sys.executable, str(ROOT / "benchmarks/hub_ingest.py"), "--publish", broker.url,
                                    str(args.ingest), "20", "0", "1"], stdin=subprocess.PIPE, stdout=subprocess.PIPE,
                                   text=True, env=env)
            procs.append(pub)
            assert pub.stdout.readline().strip() == "ready"
            time.sleep(0.5)
            pub.stdin.write("go\n")
            pub.stdin.flush()
        time.sleep(0.5)
        req = subprocess.Popen([sys.executable, __file__, "--request", broker.url, str(args.requests),
                                str(args.accounts), str(args.concurrency)], stdout=subprocess.PIPE, text=True, env=env)
        procs.append(req)
        rtt = json.loads(req.stdout.readline() or "[]")
        ingested = store.receipt_count()
    finally:
        for c in consumers:
            c.stop()
        scan.stop()
        for p in procs:
            if p.poll() is None:
                p.kill()
            p.wait()
        dialect = store.dialect
        store.close()
        broker.kill()
        if schema:
            from tests.hubdb import drop_schema

            drop_schema(schema)
    inside = list(scan.latencies_ms)
    print(f"hub scan answers, {dialect}, {args.accounts} accounts, {args.requests} requests "
          f"({args.concurrency} outstanding), broker set_tcp_nodelay {'true' if args.nodelay else 'false'}, "
          f"load average {os.getloadavg()[0]:.1f} on {os.cpu_count()} cores"
          + (f", GIL switch interval {sys.getswitchinterval() * 1000:g} ms")
          + (f", while ingesting ({ingested} receipts stored meanwhile by 2 consumer "
             f"{'processes' if args.ingest_processes else 'threads'})" if args.ingest else ""))
    print(f"  inside the hub: p50 {pct(inside, 50):.2f} ms, p99 {pct(inside, 99):.2f} ms, max {max(inside):.2f} ms "
          f"({scan.answered} answered, {scan.unknown} unknown cards)")
    print(f"  round trip at the gateway side: p50 {pct(rtt, 50):.2f} ms, p99 {pct(rtt, 99):.2f} ms ({len(rtt)} replies)")
    return 0 if len(rtt) == args.requests else 1


if __name__ == "__main__":
    sys.exit(main())
