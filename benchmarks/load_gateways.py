"""N simulated gateways against one broker, consumed by M `receipt-gateway listen` processes.

    python3 benchmarks/load_gateways.py --gateways 1000 --rate 0.2 --duration 20 --consumers 2

Each simulated gateway is a paho MQTT 5 client speaking the gateway's topic tree: retained
`state` with a Last Will, receipts (QoS 1) at `--rate` per second with its own `sequence`,
and a subscription to its `ack` topic. Connections ramp up with jitter over `--ramp` s (as
the real client's backoff spreads reconnects). The consumers share one subscription group
(`$share/load/...`), store, deduplicate and ack. It does not run the outbox (its cost is per
box and measured by bench_outbox.py): it measures what the broker and the consumers sustain.

Prints: gateways connected, receipts offered/stored/acked per second, ack round trip p50/p99
(publish -> consumer stored -> ack back at the gateway), broker CPU and memory.
"""

from __future__ import annotations

import argparse
import json
import multiprocessing as mp
import os
import random
import sqlite3
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

PREFIX = "receipts/v1"


def simulate(worker: int, ids: list[str], url: str, rate: float, duration: float, ramp: float, out) -> None:
    """One process simulating len(ids) gateways (one paho network thread each)."""
    from ulid import ULID

    from gateway.mqtt.broker import BrokerSettings, connect_properties, make_client

    settings = BrokerSettings.from_section({"url": url, "keepalive_s": 60})
    lock = threading.Lock()
    sent: dict[str, float] = {}
    rtt: list[float] = []
    connected: set[str] = set()
    clients = {}

    def on_connect(client, gw, flags, rc, props):
        if rc.is_failure:
            return
        with lock:
            connected.add(gw)
        client.subscribe(f"{PREFIX}/store-{gw[-2:]}/{gw}/ack", qos=1)
        client.publish(f"{PREFIX}/store-{gw[-2:]}/{gw}/state", json.dumps({"online": True, "session": 1}),
                       qos=1, retain=True)

    def on_message(client, gw, msg):
        now = time.time()
        ids_ = json.loads(msg.payload).get("receipt_ids", [])
        with lock:
            for rid in ids_:
                t = sent.pop(rid, None)
                if t is not None:
                    rtt.append(now - t)

    rng = random.Random(worker)
    for gw in ids:
        will = (f"{PREFIX}/store-{gw[-2:]}/{gw}/state", json.dumps({"online": False, "session": 1}).encode())
        c = make_client(settings, gw, will=will, userdata=gw)
        c.on_connect, c.on_message = on_connect, on_message
        clients[gw] = c
    start = time.time()
    order = list(ids)
    rng.shuffle(order)
    for i, gw in enumerate(order):  # jittered ramp
        target = start + ramp * i / max(1, len(order))
        time.sleep(max(0.0, target - time.time()))
        c = clients[gw]
        c.connect_async(settings.host, settings.port, keepalive=60, clean_start=False,
                        properties=connect_properties(600))
        c.loop_start()
    t_ramp = time.time() - start
    next_send = {gw: time.time() + rng.uniform(0, 1 / rate) for gw in ids}
    seq = dict.fromkeys(ids, 0)
    offered = 0
    t0 = time.time()
    while time.time() - t0 < duration:
        now = time.time()
        for gw in ids:
            if now >= next_send[gw] and gw in connected:
                seq[gw] += 1
                rid = str(ULID())
                body = json.dumps({"schema": "receipt-gateway/e-receipt/1", "receipt_id": rid, "sequence": seq[gw],
                                   "text": ["LOAD TEST", f"{gw} #{seq[gw]}"], "totals": {"gross": "1.00"},
                                   "currency": "EUR", "merchant": {"name": "LOAD"}})
                with lock:
                    sent[rid] = time.time()
                clients[gw].publish(f"{PREFIX}/store-{gw[-2:]}/{gw}/receipt/till-1", body, qos=1)
                offered += 1
                next_send[gw] = now + rng.expovariate(rate)
        time.sleep(0.01)
    deadline = time.time() + 15
    while sent and time.time() < deadline:
        time.sleep(0.1)
    out.put({"worker": worker, "connected": len(connected), "ramp_s": t_ramp, "offered": offered,
             "acked": len(rtt), "unacked": len(sent), "rtt": rtt})
    for c in clients.values():
        c.disconnect()
        c.loop_stop()


def proc_cpu_s(pid: int) -> float:
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def proc_rss_mb(pid: int) -> float:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) / 1024
    return 0.0


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--gateways", type=int, default=1000)
    ap.add_argument("--rate", type=float, default=0.2, help="receipts per second per gateway")
    ap.add_argument("--duration", type=float, default=20)
    ap.add_argument("--ramp", type=float, default=10, help="spread the connections over this many seconds")
    ap.add_argument("--consumers", type=int, default=2)
    ap.add_argument("--workers", type=int, default=4, help="processes simulating gateways")
    args = ap.parse_args()
    from tests.mosquitto import Mosquitto

    with tempfile.TemporaryDirectory() as tmp:
        work = Path(tmp)
        broker = Mosquitto(work / "broker", extra_conf="log_type none\n").start()
        cfg = work / "listen.toml"
        cfg.write_text(f'[mqtt]\nurl = "{broker.url}"\n')
        consumers = [subprocess.Popen([sys.executable, "-m", "gateway", "listen", "--config", str(cfg), "--group",
                                       "load", "--client-id", f"load-{i}", "--no-gap-check", "--quiet",
                                       "--database", str(work / f"c{i}.db")], cwd=ROOT, stdout=subprocess.DEVNULL)
                     for i in range(args.consumers)]
        time.sleep(1.5)
        cpu0, t0 = proc_cpu_s(broker.proc.pid), time.time()
        ids = [f"gw-{i:04d}" for i in range(args.gateways)]
        out: mp.Queue = mp.Queue()
        procs = [mp.Process(target=simulate, args=(w, ids[w::args.workers], broker.url, args.rate, args.duration,
                                                  args.ramp, out)) for w in range(args.workers)]
        for p in procs:
            p.start()
        results = [out.get(timeout=args.ramp + args.duration + 120) for _ in procs]
        for p in procs:
            p.join(10)
        elapsed = time.time() - t0
        cpu = proc_cpu_s(broker.proc.pid) - cpu0
        rss = proc_rss_mb(broker.proc.pid)
        time.sleep(1)
        for c in consumers:
            c.terminate()
            c.wait(10)
        stored = []
        for i in range(args.consumers):
            con = sqlite3.connect(work / f"c{i}.db")
            stored.append(con.execute("SELECT count(*) FROM receipts").fetchone()[0])
            con.close()
        broker.kill()
    rtt = sorted(x * 1000 for r in results for x in r["rtt"])
    offered = sum(r["offered"] for r in results)
    q = statistics.quantiles(rtt, n=100) if len(rtt) > 100 else [float("nan")] * 99
    print(f"gateways: {sum(r['connected'] for r in results)}/{args.gateways} connected "
          f"(ramp {max(r['ramp_s'] for r in results):.1f} s), {args.workers} simulator processes")
    print(f"offered: {offered:,} receipts in {args.duration:.0f} s = {offered / args.duration:,.0f} receipts/s "
          f"({args.rate} per gateway per s)")
    print(f"stored by {args.consumers} shared-subscription consumers: {sum(stored):,} ({' + '.join(map(str, stored))})")
    print(f"acked back to the gateways: {sum(r['acked'] for r in results):,}; not acked within 15 s: "
          f"{sum(r['unacked'] for r in results):,}")
    print(f"round trip publish -> consumer stored -> ack at gateway: p50 {q[49]:.0f} ms, p99 {q[98]:.0f} ms")
    print(f"broker: {cpu:.1f} CPU-s over {elapsed:.0f} s ({100 * cpu / elapsed:.0f}% of one core), RSS {rss:.0f} MB")
    return 0


if __name__ == "__main__":
    sys.exit(main())
