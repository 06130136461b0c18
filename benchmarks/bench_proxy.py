"""Proxy latency and throughput on loopback: `python3 benchmarks/bench_proxy.py`.

Prints: added latency per chunk (p50/p99) through the gateway vs a direct loopback
connection measured in the same run, DLE EOT round trip through the gateway to a
fake network printer, and throughput for a 10 MB raster stream.
"""

from __future__ import annotations

import os
import socket
import statistics
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from gateway.printer.fake_printer import FakeNetworkPrinter, FakePrinter  # noqa: E402
from gateway.printer.link_tcp import connect_printer  # noqa: E402
from tests.integration.proxy_helpers import Gateway, SocketPrinter, wait_for  # noqa: E402


def one_way(till: socket.socket, printer_conn_recv, n: int = 2000, size: int = 64) -> list[float]:
    out = []
    chunk = b"A" * (size - 1) + b"\n"
    for _ in range(n):
        t0 = time.perf_counter()
        till.sendall(chunk)
        printer_conn_recv(size)
        out.append((time.perf_counter() - t0) * 1e3)
    return out


def pct(xs: list[float], p: float) -> float:
    return sorted(xs)[min(len(xs) - 1, int(len(xs) * p))]


def main() -> None:
    # direct: till socket -> printer socket
    srv = socket.create_server(("127.0.0.1", 0))
    till = socket.create_connection(srv.getsockname())
    till.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
    conn, _ = srv.accept()

    def recv_exact(sock):
        def f(size):
            got = 0
            while got < size:
                got += len(sock.recv(size - got))
        return f

    direct = one_way(till, recv_exact(conn))
    till.close()
    conn.close()
    srv.close()

    # through the gateway: till socket -> gateway -> printer socket (read here directly)
    psrv = socket.create_server(("127.0.0.1", 0))
    paddr = f"127.0.0.1:{psrv.getsockname()[1]}"
    gw = Gateway(lambda: connect_printer(paddr))
    pconn, _ = psrv.accept()
    gw.proxy.printer.wait_up(3)
    till = gw.till()
    via = one_way(till, recv_exact(pconn))
    till.close()
    gw.close()
    pconn.close()
    psrv.close()

    printer = SocketPrinter()
    gw = Gateway(lambda: connect_printer(printer.address))
    gw.proxy.printer.wait_up(3)
    # throughput: 10 MB raster
    band = b"\x1dv0\x00" + bytes([72, 0]) + (2000).to_bytes(2, "little") + os.urandom(72 * 2000)
    job = band * (10_000_000 // len(band))
    printer.take()
    till = gw.till()
    t0 = time.perf_counter()
    till.sendall(job)
    wait_for(lambda: len(printer.received) >= len(job), timeout=60, what="job")
    dt = time.perf_counter() - t0
    till.close()
    gw.close()
    printer.close()

    fake = FakeNetworkPrinter(FakePrinter(keep=False))
    gw = Gateway(lambda: connect_printer(fake.address))
    gw.proxy.printer.wait_up(3)
    till = gw.till()
    rtt = []
    for _ in range(500):
        t0 = time.perf_counter()
        till.sendall(b"\x10\x04\x01")
        till.recv(1)
        rtt.append((time.perf_counter() - t0) * 1e3)
    till.close()
    gw.close()
    fake.close()

    print("## Proxy (loopback, 64-byte chunks, 2000 samples)")
    print(f"direct loopback   p50 {statistics.median(direct):.3f} ms  p99 {pct(direct, .99):.3f} ms")
    print(f"through gateway   p50 {statistics.median(via):.3f} ms  p99 {pct(via, .99):.3f} ms")
    print(f"added             p50 {statistics.median(via) - statistics.median(direct):.3f} ms  "
          f"p99 {pct(via, .99) - pct(direct, .99):.3f} ms  (ratio p50 {statistics.median(via) / statistics.median(direct):.1f}x)")
    print(f"status DLE EOT 1 round trip via gateway to fake printer: p50 {statistics.median(rtt):.3f} ms  "
          f"p99 {pct(rtt, .99):.3f} ms")
    print(f"throughput 10 MB raster: {len(job) / dt / 1e6:.1f} MB/s ({dt:.2f} s)")


if __name__ == "__main__":
    main()
