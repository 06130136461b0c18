"""Kiosk node and appliance figures: `python3 benchmarks/bench_firmware.py`.

Prints: the size of each firmware file compiled with mpy-cross (what goes into the
board's flash/RAM when imported), the node loop's cost per step on CPython with the
fakes (a reference only; MicroPython on an RP2040 is far slower), scan validation
cost, and `receipt-gateway run` start-up time to systemd's READY=1.
"""

from __future__ import annotations

import os
import socket
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
FW = ROOT / "firmware"
for p in (str(ROOT), str(FW / "lib"), str(FW)):
    sys.path.insert(0, p)

from gateway.kiosk_node import files, mpy  # noqa: E402


def mpy_sizes() -> None:
    exe = mpy.find_mpy_cross()
    if not exe:
        print("mpy-cross not installed: skipping sizes")
        return
    total_py = total_mpy = 0
    with tempfile.TemporaryDirectory() as tmp:
        for rel in files.deploy_files(FW):
            out = Path(tmp) / (rel.stem + ".mpy")
            subprocess.run([exe, "-o", str(out), str(FW / rel)], check=True)
            total_py += (FW / rel).stat().st_size
            total_mpy += out.stat().st_size
    print(f"firmware: {len(files.deploy_files(FW))} files, {total_py / 1024:.1f} KiB source, "
          f"{total_mpy / 1024:.1f} KiB as .mpy bytecode")


def node_step() -> None:
    from firmware import fakes

    hw = fakes.install()
    import board
    import main
    from kiosk import config, validate
    from kiosk.node import Node

    cfg = config.resolve({"node_id": "k", "till": "t", "wifi": {"ssid": "s", "password": "p"},
                          "mqtt": {"host": "h", "store": "s", "gateway": "g"}})
    hw["network"].ACCESS_POINTS["s"] = "p"
    b = board.Board(cfg)
    node = Node(cfg, b, main.make_link(cfg, b))
    import tracemalloc

    def steps(count):
        for i in range(count):
            if i % 500 == 0:
                hw["machine"].uart(cfg["scanner"]["uart"]).inject(b"4006381333931\r")
            node.step()
            hw["utime"].advance(10)

    n = 20000
    t0 = time.perf_counter()
    steps(n)
    dt = time.perf_counter() - t0
    import collections

    hw["umqtt.simple"].BROKER.log = collections.deque(maxlen=1)  # the fake broker keeps nothing
    tracemalloc.start()
    base = tracemalloc.get_traced_memory()[0]
    steps(n)
    grown = tracemalloc.get_traced_memory()[0] - base
    tracemalloc.stop()
    print(f"node loop on CPython: {dt / n * 1e6:.1f} us per step ({n} steps, a scan every 500)")
    print(f"node heap growth over {n} more steps ({n // 500} scans): {grown} bytes")
    t0 = time.perf_counter()
    for _ in range(n):
        validate.validate(b"4006381333931\r\n", [{"pattern": "40##########*", "check": "ean13"}])
    print(f"scan validation on CPython: {(time.perf_counter() - t0) / n * 1e6:.1f} us per scan")
    fakes.uninstall()


def startup() -> None:
    runs = []
    with tempfile.TemporaryDirectory() as tmp:
        with socket.socket() as s:
            s.bind(("127.0.0.1", 0))
            port = s.getsockname()[1]
        cfg = Path(tmp) / "gateway.toml"
        cfg.write_text(f'[gateway]\nid = "g"\nstore_id = "s"\ntill_id = "t"\ndata_dir = "{tmp}/data"\n'
                       f'[till]\nlink = "tcp"\nlisten = "127.0.0.1:{port}"\n[printer]\nlink = "none"\n'
                       '[mqtt]\nurl = "mqtt://127.0.0.1:1"\n')
        for i in range(5):
            sock_path = f"{tmp}/notify{i}"
            n = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM)
            n.bind(sock_path)
            n.settimeout(20)
            t0 = time.perf_counter()
            proc = subprocess.Popen([sys.executable, "-m", "gateway", "run", "--config", str(cfg)], cwd=ROOT,
                                    env=dict(os.environ, NOTIFY_SOCKET=sock_path),
                                    stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
            n.recv(4096)
            runs.append(time.perf_counter() - t0)
            proc.terminate()
            proc.wait()
            n.close()
    print(f"`run` start to READY=1 (tcp till, printer none): median {statistics.median(runs) * 1000:.0f} ms, "
          f"max {max(runs) * 1000:.0f} ms over {len(runs)} runs")


if __name__ == "__main__":
    mpy_sizes()
    node_step()
    startup()
