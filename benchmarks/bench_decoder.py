"""Decoder throughput (MB/s) and peak memory, text-heavy and raster-heavy.

    python3 benchmarks/bench_decoder.py          # prints the figures for docs/performance.md
    python3 -m pytest benchmarks/bench_decoder.py --benchmark-only

"to text" rows time what `receipt-gateway decode --format text` needs: the finished
Document (every event kept) and its printed text. Figures are the median and the best
of the runs; on a shared machine the best is the one that was least disturbed.
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
from gateway.printer.document import Document  # noqa: E402
from gateway.printer.render_text import render_text  # noqa: E402


def chunked(data: bytes, size: int = 4096):
    dec = Decoder("TM-T88V")
    n = 0
    for i in range(0, len(data), size):
        n += len(dec.feed(data[i:i + size]))
    return n + len(dec.close())


def to_text(data: bytes, size: int = 4096) -> str:
    """The whole document, kept, and its printed text: what `decode --format text` does."""
    dec = Decoder("TM-T88V")
    events = []
    for i in range(0, len(data), size):
        events += dec.feed(data[i:i + size])
    events += dec.close()
    p = dec.profile
    return render_text(Document(events=events, profile=p.name, width=p.width, cell=p.cell(0)))


def measure(name: str, data: bytes, fn=chunked, runs: int = 7) -> dict:
    times = []
    for _ in range(runs):
        t = time.perf_counter()
        fn(data)
        times.append(time.perf_counter() - t)
    tracemalloc.start()
    fn(data)
    _, peak = tracemalloc.get_traced_memory()
    tracemalloc.stop()
    med, best = statistics.median(times), min(times)
    return {"stream": name, "MB": len(data) / 1e6, "median_s": med, "MB/s": len(data) / 1e6 / med,
            "best MB/s": len(data) / 1e6 / best, "peak_MiB": peak / 2**20}


def test_text_heavy(benchmark):
    data = text_stream(500_000)
    benchmark(chunked, data)


def test_raster_heavy(benchmark):
    data = raster_stream(5_000_000)
    benchmark(chunked, data)


def test_text_heavy_to_text(benchmark):
    data = text_stream(500_000)
    benchmark(to_text, data)


def test_whole_stream_decode(benchmark):
    data = text_stream(200_000)
    benchmark(decode, data, "TM-T88V")


if __name__ == "__main__":
    text = text_stream()
    rows = [measure("text-heavy (python-escpos receipts, 4 KiB chunks), events only", text),
            measure("text-heavy to text (document kept + render_text)", text, to_text),
            measure("raster-heavy (GS v 0 receipts, 4 KiB chunks), events only", raster_stream()),
            measure("raster-heavy to text (document kept + render_text)", raster_stream(), to_text)]
    for r in rows:
        print(f"{r['stream']}: {r['MB']:.1f} MB, median {r['median_s'] * 1000:.0f} ms, "
              f"{r['MB/s']:.1f} MB/s (best {r['best MB/s']:.1f}), peak {r['peak_MiB']:.1f} MiB")
