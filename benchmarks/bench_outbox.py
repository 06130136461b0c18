"""Delivery figures on this machine: outbox (durable) -> mosquitto -> `receipt-gateway listen`.

    python3 benchmarks/bench_outbox.py [--n 5000] [--backlog 10000]

This process is the gateway (Outbox + GatewayClient); the consumer is a separate
`python -m gateway listen` process writing its own SQLite file (synchronous=FULL); the
broker is a real mosquitto on a free port. Prints:
- sustained receipts/s (capture -> consumer stored -> hub ack), every insert fsynced;
- time to drain a backlog of 10,000 captured while the gateway was cut off;
- latency insert -> consumer p50/p99 at a steady 100 receipts/s;
- this process's RSS before/after 10,000 more receipts (growth = leak).
"""

from __future__ import annotations

import argparse
import logging
import os
import sqlite3
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from gateway.mqtt.broker import BrokerSettings  # noqa: E402
from gateway.mqtt.client import GatewayClient  # noqa: E402
from gateway.mqtt.demo import sample_receipt  # noqa: E402
from gateway.mqtt.outbox import Outbox  # noqa: E402
from gateway.mqtt.topics import Topics  # noqa: E402
from tests.mosquitto import Mosquitto  # noqa: E402


def rss_mb() -> float:
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) / 1024
    return float("nan")


def stored_count(db: Path) -> int:
    if not db.exists():
        return 0
    con = sqlite3.connect(db, timeout=5)
    try:
        return con.execute("SELECT count(*) FROM receipts").fetchone()[0]
    except sqlite3.OperationalError:
        return 0
    finally:
        con.close()


class Rig:
    def __init__(self, work: Path):
        self.work = work
        self.broker = Mosquitto(work / "broker")
        self.db = work / "listen.db"
        cfg = work / "listen.toml"
        cfg.write_text(f'[mqtt]\nurl = "{self.broker.url}"\n')
        self.listen_cmd = [sys.executable, "-m", "gateway", "listen", "--config", str(cfg),
                           "--database", str(self.db), "--quiet"]
        self.listen: subprocess.Popen | None = None
        self.outbox = Outbox(work / "gw", republish_after_s=30)
        self.settings = BrokerSettings.from_section({"url": self.broker.url})
        self.client = GatewayClient(self.settings, Topics("receipts/v1", "store-1", "gw-1"), self.outbox,
                                    reconnect_first_s=0.05, reconnect_max_s=0.5, inflight=200)

    def start_consumer(self) -> None:
        self.listen = subprocess.Popen(self.listen_cmd, cwd=ROOT, stdout=subprocess.DEVNULL)
        time.sleep(1.0)

    def close(self) -> None:
        self.client.stop()
        if self.listen:
            self.listen.terminate()
            self.listen.wait(10)
        self.broker.kill()


def wait_drained(rig: Rig, timeout: float = 120) -> float:
    t0 = time.perf_counter()
    while rig.outbox.depth and time.perf_counter() - t0 < timeout:
        time.sleep(0.005)
    return time.perf_counter()


def main() -> int:
    logging.getLogger("gateway").setLevel(logging.ERROR)
    ap = argparse.ArgumentParser()
    ap.add_argument("--n", type=int, default=5000, help="receipts for the throughput run")
    ap.add_argument("--backlog", type=int, default=10000)
    ap.add_argument("--latency-n", type=int, default=1000)
    args = ap.parse_args()
    bodies = [sample_receipt(i, "store-1", "gw-1", "till-1") for i in range(200)]
    with tempfile.TemporaryDirectory() as tmp:
        work = Path(tmp)
        rig = Rig(work)
        try:
            # 1. backlog: captured while the gateway is cut off from the broker (its client not
            #    running), then drained once it connects; broker and consumer stay up
            rig.broker.start()
            rig.start_consumer()
            t0 = time.perf_counter()
            for i in range(args.backlog):
                rig.client.submit(bodies[i % 200], "till-1")
            capture_s = time.perf_counter() - t0
            t0 = time.perf_counter()
            rig.client.start()
            t1 = wait_drained(rig)
            drain_s = t1 - t0
            print(f"capture (durable insert, fsync each): {args.backlog / capture_s:,.0f} receipts/s "
                  f"({capture_s / args.backlog * 1000:.2f} ms each)")
            print(f"backlog of {args.backlog:,} drained (consumer stored + acked) in {drain_s:.1f} s "
                  f"(includes reconnect; {args.backlog / drain_s:,.0f} receipts/s)")
            # 2. sustained throughput: capture as fast as possible while delivering
            rss0 = rss_mb()
            t0 = time.perf_counter()
            for i in range(args.n):
                rig.client.submit(bodies[i % 200], "till-1")
            t1 = wait_drained(rig)
            print(f"sustained: {args.n:,} receipts captured and delivered in {t1 - t0:.1f} s = "
                  f"{args.n / (t1 - t0):,.0f} receipts/s end to end")
            # 3. latency at a steady rate
            sent: dict[str, float] = {}
            for i in range(args.latency_n):
                t = time.time()
                rid, _ = rig.client.submit(bodies[i % 200], "till-1")
                sent[rid] = t
                time.sleep(max(0.0, 0.01 - (time.time() - t)))
            wait_drained(rig)
            con = sqlite3.connect(rig.db)
            marks = ",".join("?" * len(sent))
            got = dict(con.execute(f"SELECT receipt_id, received_at FROM receipts WHERE receipt_id IN ({marks})",
                                   list(sent)).fetchall())
            con.close()
            lat = sorted((got[r] - t) * 1000 for r, t in sent.items() if r in got)
            q = statistics.quantiles(lat, n=100)
            print(f"latency insert -> consumer at 100 receipts/s: p50 {q[49]:.1f} ms, p99 {q[98]:.1f} ms, "
                  f"max {lat[-1]:.1f} ms ({len(lat)} receipts)")
            # 4. memory: 10,000 more receipts through the same process
            rss1 = rss_mb()
            for i in range(10000):
                rig.client.submit(bodies[i % 200], "till-1")
            wait_drained(rig)
            rig.outbox.purge(now=time.time() + 10**9)
            rss2 = rss_mb()
            print(f"gateway process RSS: {rss0:.1f} MB before the runs, {rss1:.1f} MB, {rss2:.1f} MB after "
                  f"10,000 more receipts (growth {rss2 - rss1:+.1f} MB)")
            print(f"consumer stored {stored_count(rig.db):,} unique receipts; gateway refusals "
                  f"{rig.client.refusals}; machine: {os.cpu_count()} cores")
        finally:
            rig.close()
    return 0


if __name__ == "__main__":
    sys.exit(main())
