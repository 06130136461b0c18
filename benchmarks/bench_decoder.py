"""Decoder throughput (MB/s) and peak memory, text-heavy and raster-heavy.

    python3 benchmarks/bench_decoder.py          # prints the figures for docs/performance.md
    python3 -m pytest benchmarks/bench_decoder.py --benchmark-only
"""

from __future__ import annotations

import statistics
import sys
import time
import tracemalloc
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
sys.path.insert(0, str(Path(__file__).resolve().parent))

from streams import raster_stream, text_stream  # noqa: E402

from gateway.printer.decoder import Decoder, decode  # noqa: E402


def chunked(data: bytes, size: int = 4096):
    dec = Decoder("TM-T88V")
    n = 0
    for i in range(0, len(data), size):
        n += len(dec.feed(data[i:i + size]))
    return n + len(dec.close())


def measure(name: str, data: bytes, runs: int = 5) -> dict:
    times = []
    for _ in range(runs):
        t = time.perf_counter()
        chunked(data)
        times.append(time.perf_counter() - t)
    tracemalloc.start()
    chunked(data)
    _, peak = tracemalloc.get_traced_memory()
    tracemalloc.stop()
    med = statistics.median(times)
    return {"stream": name, "MB": len(data) / 1e6, "median_s": med, "MB/s": len(data) / 1e6 / med,
            "peak_MiB": peak / 2**20}


def test_text_heavy(benchmark):
    data = text_stream(500_000)
    benchmark(chunked, data)


def test_raster_heavy(benchmark):
    data = raster_stream(5_000_000)
    benchmark(chunked, data)


def test_whole_stream_decode(benchmark):
    data = text_stream(200_000)
    benchmark(decode, data, "TM-T88V")


if __name__ == "__main__":
    rows = [measure("text-heavy (python-escpos receipts, 4 KiB chunks)", text_stream()),
            measure("raster-heavy (GS v 0 receipts, 4 KiB chunks)", raster_stream())]
    for r in rows:
        print(f"{r['stream']}: {r['MB']:.1f} MB, median {r['median_s'] * 1000:.0f} ms, "
              f"{r['MB/s']:.1f} MB/s, peak {r['peak_MiB']:.1f} MiB")
