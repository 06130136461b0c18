"""Hub ingest throughput: receipts/s from a real mosquitto into the Store with N shared-subscription consumers.

    python3 benchmarks/hub_ingest.py --receipts 20000 --consumers 2            # SQLite file
    python3 benchmarks/hub_ingest.py --database postgresql://postgres@127.0.0.1/test
    python3 benchmarks/hub_ingest.py --processes 2                             # 2 hub processes, 1 consumer each

A publisher process plays `--gateways` gateways and publishes schema-valid e-receipts (the
demo gateway's, each with its own receipt_id, access_token and sequence) as fast as the
broker takes them (QoS 1). The consumers validate, store (batched transactions, SQLite WAL +
synchronous=FULL) and ack each receipt after its commit. Prints receipts stored per second
(first publish -> last commit), the hub's CPU time per receipt, and checks every receipt is
stored exactly once.
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import secrets
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

PREFIX = "receipts/v1"


def payloads(n: int, gateways: int):
    """(topic, payload) of n valid e-receipts spread over `gateways` gateways, sequences 1.. each."""
    from ulid import ULID

    from gateway.mqtt.demo import sample_receipt

    base = sample_receipt(1, "store-1", "gw-0000", "till-1")
    for i in range(n):
        gw = f"gw-{i % gateways:04d}"
        doc = dict(base, receipt_id=str(ULID()), access_token=secrets.token_urlsafe(24), sequence=i // gateways + 1,
                   receipt_number=f"{i:08d}")
        yield f"{PREFIX}/store-1/{gw}/receipt/till-1", json.dumps(doc).encode()


def publish(url: str, n: int, gateways: int, index: int = 0, count: int = 1) -> None:
    """Publisher `index` of `count` (each plays its share of the gateways): prints `published <seconds>`
    when the broker has PUBACKed all."""
    import paho.mqtt.client as mqtt
    from paho.mqtt.enums import CallbackAPIVersion

    msgs = [m for i, m in enumerate(payloads(n, gateways)) if (i % gateways) % count == index]
    host, port = url.rsplit("//", 1)[1].split(":")
    client = mqtt.Client(CallbackAPIVersion.VERSION2, client_id=f"bench-publisher-{index}", protocol=mqtt.MQTTv5)
    client.max_inflight_messages_set(1000)
    client.connect(host, int(port))
    client.loop_start()
    print("ready", flush=True)
    sys.stdin.readline()
    t0 = time.perf_counter()
    infos = [client.publish(t, p, qos=1) for t, p in msgs]
    for info in infos:
        info.wait_for_publish(60)
    print(f"published {time.perf_counter() - t0:.3f}", flush=True)
    client.loop_stop()
    client.disconnect()


class Publishers:
    """The publisher processes driven as one: a `ready` line from each, `go` to all, slowest `published`."""

    def __init__(self, procs):
        self.procs = procs
        self.stdin = self
        self.stdout = self

    def write(self, text):
        for p in self.procs:
            p.stdin.write(text)

    def flush(self):
        for p in self.procs:
            p.stdin.flush()

    def readline(self):
        lines = [p.stdout.readline() for p in self.procs]
        return max(lines, key=lambda line: float(line.split()[1]) if line.startswith("published") else 0)

    def poll(self):
        return None if any(p.poll() is None for p in self.procs) else 0

    def kill(self):
        for p in self.procs:
            p.kill()

    def wait(self):
        for p in self.procs:
            p.wait()


def hub_process(url: str, database: str, schema: str, index: int) -> None:
    """`--processes` mode: one consumer in its own process (as a second hub instance would be)."""
    from gateway.hub.db import Store
    from gateway.hub.ingest import Ingest
    from gateway.mqtt.broker import BrokerSettings

    store = Store(database, schema=schema or None)
    ingest = Ingest(BrokerSettings.from_section({"url": url}), store, client_id=f"hub-ingest-{index}",
                    gap_check=False)
    ingest.start()
    sys.stdin.readline()
    ingest.stop()
    cpu = resource.getrusage(resource.RUSAGE_SELF)
    print(json.dumps({"cpu_s": cpu.ru_utime + cpu.ru_stime, **ingest.stats()}), flush=True)


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--receipts", type=int, default=20000)
    ap.add_argument("--gateways", type=int, default=20)
    ap.add_argument("--consumers", type=int, default=2, help="consumer threads in this process")
    ap.add_argument("--processes", type=int, default=0, help="instead: this many hub processes, one consumer each")
    ap.add_argument("--database", default="", help="SQLAlchemy URL (default: a SQLite file in a temp dir)")
    ap.add_argument("--batch-max", type=int, default=500)
    ap.add_argument("--backlog", action="store_true",
                    help="publish everything while the consumers are away, then time the drain (threads only)")
    ap.add_argument("--publishers", type=int, default=1, help="publisher processes (the gateways split among them)")
    ap.add_argument("--publish", nargs=5, metavar=("URL", "N", "GATEWAYS", "I", "OF"), help=argparse.SUPPRESS)
    ap.add_argument("--hub", nargs=4, metavar=("URL", "DB", "SCHEMA", "I"), help=argparse.SUPPRESS)
    args = ap.parse_args()
    if args.publish:
        publish(args.publish[0], *map(int, args.publish[1:]))
        return 0
    if args.hub:
        hub_process(args.hub[0], args.hub[1], args.hub[2], int(args.hub[3]))
        return 0

    from gateway.hub.db import Store
    from gateway.hub.ingest import Ingest
    from gateway.mqtt.broker import BrokerSettings
    from tests.mosquitto import Mosquitto

    tmp = Path(tempfile.mkdtemp(prefix="hub-bench-"))
    schema = f"rgbench_{secrets.token_hex(4)}" if args.database.startswith("postgresql") else ""
    database = args.database or f"sqlite:///{tmp / 'hub.db'}"
    broker = Mosquitto(tmp / "broker").start()
    store = Store(database, schema=schema or None)
    store.migrate()
    consumers, procs = [], []
    env = dict(os.environ, PYTHONPATH=str(ROOT))
    if args.processes:
        procs = [subprocess.Popen([sys.executable, __file__, "--hub", broker.url, database, schema, str(i + 1)],
                                  stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True, env=env)
                 for i in range(args.processes)]
    else:
        settings = BrokerSettings.from_section({"url": broker.url})
        consumers = [Ingest(settings, store, client_id=f"hub-ingest-{i + 1}", gap_check=False,
                            batch_max=args.batch_max) for i in range(args.consumers)]
    pubs = [subprocess.Popen([sys.executable, __file__, "--publish", broker.url, str(args.receipts), str(args.gateways),
                              str(i), str(args.publishers)], stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True,
                             env=env) for i in range(args.publishers)]
    pub = Publishers(pubs)
    try:
        assert pub.stdout.readline().strip() == "ready"
        if args.backlog and consumers:
            # subscribe once, go away (the broker keeps the sessions), let the publisher fill the
            # broker, then measure how fast the consumers drain it: the publisher is not the limit
            for c in consumers:
                c.start()
            time.sleep(1.0)
            for c in consumers:
                c.stop()
            pub.stdin.write("go\n")
            pub.stdin.flush()
            published = pub.stdout.readline().split()
            cpu0 = resource.getrusage(resource.RUSAGE_SELF)
            t0 = time.perf_counter()
            for c in consumers:
                c.start()
        else:
            for c in consumers:
                c.start()
            time.sleep(1.0)                      # consumers connected and subscribed
            cpu0 = resource.getrusage(resource.RUSAGE_SELF)
            t0 = time.perf_counter()
            pub.stdin.write("go\n")
            pub.stdin.flush()
        deadline = t0 + 600
        while store.receipt_count() < args.receipts and time.perf_counter() < deadline:
            time.sleep(0.02)
        elapsed = time.perf_counter() - t0
        cpu1 = resource.getrusage(resource.RUSAGE_SELF)
        if not args.backlog or not consumers:
            published = pub.stdout.readline().split()
        stored = store.receipt_count()
        for c in consumers:
            c.stop()
        stats = [c.stats() for c in consumers]
        cpu = (cpu1.ru_utime + cpu1.ru_stime) - (cpu0.ru_utime + cpu0.ru_stime)
        for p in procs:
            p.stdin.write("stop\n")
            p.stdin.flush()
            line = json.loads(p.stdout.readline())
            stats.append(line)
            cpu += line["cpu_s"]
        dialect = store.dialect
    finally:
        for p in [pub, *procs]:
            if p.poll() is None:
                p.kill()
                p.wait()
        store.close()
        broker.kill()
        if schema:
            from tests.hubdb import drop_schema

            drop_schema(schema)
    how = f"{args.processes} processes x 1 consumer" if args.processes else f"{args.consumers} consumers in 1 process"
    print(f"hub ingest into {dialect}, {how}, {args.gateways} gateways, {args.receipts} receipts")
    print(f"  load average {os.getloadavg()[0]:.1f} on {os.cpu_count()} cores; mode: "
          f"{'drain a backlog' if args.backlog and not args.processes else 'live stream'}")
    print(f"  publisher done in {published[1] if len(published) > 1 else '?'} s")
    print(f"  stored {stored} in {elapsed:.2f} s = {stored / elapsed:,.0f} receipts/s "
          f"(received {sum(s['received'] for s in stats)}, duplicates {sum(s['duplicates'] for s in stats)}, "
          f"batches {sum(s['batches'] for s in stats)})")
    print(f"  hub CPU {cpu:.2f} s = {cpu / max(stored, 1) * 1e6:,.0f} us per receipt")
    ok = stored == args.receipts and sum(s["stored"] for s in stats) == args.receipts
    print("  every receipt stored exactly once" if ok else "  MISMATCH: not every receipt stored once")
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
