"""The whole service (`receipt-gateway run`, gateway.app.Gateway): start-up and memory.

    python3 benchmarks/bench_service.py [--receipts 10000] [--starts 5]

1. start to READY=1: `run` as systemd starts it (NOTIFY_SOCKET), till on TCP, printer
   "none", once with the broker down and once with a real mosquitto up; median and max.
2. resident memory: `run` with a real mosquitto and a `listen` consumer (in this process,
   acking so the outbox drains), a python-escpos till sending N distinct generated receipts
   over TCP (100 per connection, at most 200 ahead of capture unless --burst); VmRSS read from /proc at READY, after 1,000 receipts
   and after all N (captured = counted in status.json), and the peak (VmHWM).
"""

from __future__ import annotations

import argparse
import contextlib
import io
import json
import os
import socket
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from gateway.mqtt.local_broker import Mosquitto, available, free_port  # noqa: E402

CONFIG = """[gateway]
id = "gw-bench"
store_id = "s"
till_id = "till-1"
data_dir = "{data}"
log_level = "warning"
[till]
link = "tcp"
listen = "127.0.0.1:{port}"
[printer]
link = "none"
[mqtt]
url = "{url}"
reconnect_max_s = 2
"""


def cpu_seconds(pid: int) -> float:
    """CPU time (user + system) the process used so far: what start-up costs, whatever the load."""
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def start_service(tmp: Path, url: str, name: str) -> tuple[subprocess.Popen, float, int, Path]:
    """Start `run`; return (process, seconds to READY=1, till port, data dir)."""
    port = free_port()
    data = tmp / f"data-{name}"
    cfg = tmp / f"{name}.toml"
    cfg.write_text(CONFIG.format(data=data, port=port, url=url))
    notify = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM)
    notify.bind(str(tmp / f"notify-{name}"))
    notify.settimeout(30)
    t0 = time.perf_counter()
    proc = subprocess.Popen([sys.executable, "-m", "gateway", "run", "--config", str(cfg)], cwd=ROOT,
                            env=dict(os.environ, NOTIFY_SOCKET=str(tmp / f"notify-{name}"), PYTHONPATH=str(ROOT)),
                            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        while not notify.recv(4096).startswith(b"READY=1"):
            pass
    finally:
        notify.close()
    return proc, time.perf_counter() - t0, port, data


def stop(proc: subprocess.Popen) -> None:
    proc.terminate()
    try:
        proc.wait(20)
    except subprocess.TimeoutExpired:
        proc.kill()
        proc.wait()


def memory(pid: int) -> dict[str, float]:
    out = {}
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        key, _, value = line.partition(":")
        if key in ("VmRSS", "VmHWM"):
            out[key] = int(value.split()[0]) / 1024
    return out


def start_times(tmp: Path, runs: int, broker: Mosquitto | None) -> None:
    cases = [("broker down", f"mqtt://127.0.0.1:{free_port()}")]
    if broker is not None:
        cases.append(("broker up", broker.url))
    for label, url in cases:
        times, cpu = [], []
        for i in range(runs):
            proc, took, _port, _data = start_service(tmp, url, f"start-{label.split()[1]}-{i}")
            times.append(took)
            cpu.append(cpu_seconds(proc.pid))
            stop(proc)
        print(f"`run` start to READY=1 ({label}, tcp till, printer none): median {statistics.median(times) * 1000:.0f} ms,"
              f" max {max(times) * 1000:.0f} ms over {runs} runs; CPU used by then: median "
              f"{statistics.median(cpu) * 1000:.0f} ms; load average {os.getloadavg()[0]:.1f}", flush=True)


def captured(data: Path) -> int:
    try:
        return json.loads((data / "status.json").read_text())["receipts"]["count"]
    except (OSError, ValueError, KeyError):
        return 0


def wait_captured(data: Path, n: int, timeout: float) -> None:
    deadline = time.monotonic() + timeout
    while captured(data) < n:
        if time.monotonic() > deadline:
            raise SystemExit(f"only {captured(data)} of {n} receipts captured after {timeout:.0f} s")
        time.sleep(0.2)


def resident_memory(tmp: Path, n: int, broker: Mosquitto, pace: bool = True) -> None:
    from escpos.printer import Network

    from gateway.mqtt.broker import BrokerSettings
    from gateway.mqtt.listen import Listener
    from gateway.samples.generator import make_sample

    t0 = time.perf_counter()
    with contextlib.redirect_stdout(io.StringIO()):
        streams = [make_sample(i).data for i in range(n)]
    print(f"{n} distinct receipts generated in {time.perf_counter() - t0:.0f} s "
          f"({sum(map(len, streams)) / n:.0f} bytes each on average)", flush=True)
    listener = Listener(BrokerSettings.from_section({"url": broker.url}), tmp / "listen.db")
    listener.start()
    proc, _took, port, data = start_service(tmp, broker.url, "memory")
    try:
        time.sleep(1.0)  # the extractor warm-up import after READY
        rows = [("at READY (+1 s)", 0, memory(proc.pid))]
        t0 = time.perf_counter()
        for i in range(0, n, 100):
            till = Network("127.0.0.1", port, timeout=30)
            with contextlib.redirect_stdout(io.StringIO()):
                till.open()
            for data_ in streams[i:i + 100]:
                till._raw(data_)
            till.close()
            if i + 100 == 1000:
                wait_captured(data, 1000, 120)
                rows.append(("after 1,000 receipts", 1000, memory(proc.pid)))
            if pace:  # a till does not print thousands of receipts at once: stay 200 ahead at most
                wait_captured(data, i + 100 - 200, 120)
        wait_captured(data, n, 600)
        took = time.perf_counter() - t0
        rows.append((f"after {n:,} receipts", n, memory(proc.pid)))
        deadline = time.monotonic() + 120
        while listener.stored < n and time.monotonic() < deadline:
            time.sleep(0.2)
        time.sleep(3)
        rows.append(("outbox drained (+3 s)", n, memory(proc.pid)))
        for label, _count, m in rows:
            print(f"service RSS {label}: {m['VmRSS']:.1f} MB (peak {m['VmHWM']:.1f} MB)")
        print(f"{n:,} receipts captured in {took:.0f} s ({n / took:.0f}/s through the whole service); "
              f"the consumer stored {listener.stored}", flush=True)
    finally:
        stop(proc)
        listener.stop()


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--receipts", type=int, default=10_000)
    ap.add_argument("--starts", type=int, default=5)
    ap.add_argument("--burst", action="store_true",
                    help="send all receipts at once (the copy queue then holds up to 8 MB of backlog)")
    args = ap.parse_args()
    with tempfile.TemporaryDirectory() as tmp_name:
        tmp = Path(tmp_name)
        broker = Mosquitto(tmp / "broker").start() if available() else None
        if broker is None:
            print("mosquitto is not installed: only the broker-down start is measured")
        try:
            start_times(tmp, args.starts, broker)
            if broker is not None and args.receipts:
                resident_memory(tmp, args.receipts, broker, pace=not args.burst)
        finally:
            if broker is not None:
                broker.kill()
    return 0


if __name__ == "__main__":
    sys.exit(main())
