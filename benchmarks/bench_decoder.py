"""Decoder throughput (MB/s) and peak memory, text-heavy and raster-heavy.

    python3 benchmarks/bench_decoder.py          # prints the figures for docs/performance.md
    python3 benchmarks/bench_decoder.py tabs     # only the rows whose stream name holds "tabs"
    python3 -m pytest benchmarks/bench_decoder.py --benchmark-only

Streams (benchmarks/streams.py): python-escpos receipts (styles, ESC t before each € and
accent, EAN13, cut); python-escpos receipts whose columns are tabs (ESC D) and ESC $
positions, as many tills print them; receipts made by another generator,
@point-of-sale/receipt-printer-encoder through node (tests/npm_clients.js: padded tables,
rules, a bordered table, sizes, € in CP858; the row says why when node or the package is
absent); GS v 0 raster receipts.

"events" times Decoder.feed alone (4 KiB chunks). "to text, document kept" decodes the
whole Document (every event kept) and renders it: render_text(decode(data)), what `decode
--format text` did before it streamed and what the html/png/doc formats still do. "to text,
streamed" is what `receipt-gateway decode --format text FILE` does now: iter_text over the
file's reads (gateway.cli.decode.CHUNK bytes, fed in pieces that end at an LF), each
receipt rendered at its cut and its events dropped, the text counted (the CLI writes it
out) rather than kept. Each stream is
decoded on the C text path (gateway/printer/_textpath.c, when built) and on the
pure-Python reference, runs interleaved; figures are the median of the runs in wall time
and in CPU time (the steadier one on a shared machine), the best CPU run, and the peak of
traced memory.
"""

from __future__ import annotations

import contextlib
import os
import statistics
import sys
import time
import tracemalloc
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
sys.path.insert(0, str(Path(__file__).resolve().parent))

from streams import npm_missing, npm_stream, raster_stream, tabs_stream, text_stream  # noqa: E402

from gateway.cli.decode import CHUNK  # noqa: E402
from gateway.printer.decoder import Decoder, decode  # noqa: E402
from gateway.printer.document import Document  # noqa: E402
from gateway.printer.render_text import iter_text, render_text  # noqa: E402
from gateway.printer.text_lines import ACCELERATOR, TextLines, text_path  # noqa: E402

PATHS = {"C": ACCELERATOR, "Python": None}


@contextlib.contextmanager
def on_path(name: str):
    """Decode on the C text path or on the pure-Python one."""
    if name == "C" and ACCELERATOR is None:
        pytest.skip(f"C text path not in use: {text_path()}")
    saved, TextLines._fast = TextLines._fast, PATHS[name]
    try:
        yield
    finally:
        TextLines._fast = saved


def chunked(data: bytes, size: int = 4096):
    dec = Decoder("TM-T88V")
    n = 0
    for i in range(0, len(data), size):
        n += len(dec.feed(data[i:i + size]))
    return n + len(dec.close())


def to_text(data: bytes, size: int = 4096) -> str:
    """The whole document, kept, and its printed text: render_text(decode(data))."""
    dec = Decoder("TM-T88V")
    events = []
    for i in range(0, len(data), size):
        events += dec.feed(data[i:i + size])
    events += dec.close()
    p = dec.profile
    return render_text(Document(events=events, profile=p.name, width=p.width, cell=p.cell(0)))


def streamed(data: bytes, size: int = CHUNK) -> int:
    """What `decode --format text FILE` does: the file's reads fed as they come (a line cut
    between two reads waits in the decoder for its LF), the text receipt by receipt; its
    length (the CLI writes it out)."""
    reads = (data[i:i + size] for i in range(0, len(data), size))
    return sum(len(t) for t in iter_text(reads, "TM-T88V"))


def measure(data: bytes, fns: dict, runs: int = 7) -> dict:
    """{(path, what): figures}; the runs of every path and function interleaved."""
    wall: dict = {key: [] for key in fns}
    cpu: dict = {key: [] for key in fns}
    for _ in range(runs):
        for (path, what), fn in fns.items():
            with on_path(path):
                t, c = time.perf_counter(), time.process_time()
                fn(data)
                cpu[path, what].append(time.process_time() - c)
                wall[path, what].append(time.perf_counter() - t)
    out = {}
    for (path, what), fn in fns.items():
        with on_path(path):
            tracemalloc.start()
            fn(data)
            _, peak = tracemalloc.get_traced_memory()
            tracemalloc.stop()
        mb = len(data) / 1e6
        out[path, what] = {"MB/s": mb / statistics.median(wall[path, what]),
                           "CPU MB/s": mb / statistics.median(cpu[path, what]),
                           "best CPU MB/s": mb / min(cpu[path, what]), "peak_MiB": peak / 2**20}
    return out


@pytest.mark.parametrize("path", PATHS)
def test_text_heavy(benchmark, path):
    data = text_stream(500_000)
    with on_path(path):
        benchmark(chunked, data)


def test_raster_heavy(benchmark):
    data = raster_stream(5_000_000)
    benchmark(chunked, data)


@pytest.mark.parametrize("path", PATHS)
def test_text_heavy_to_text(benchmark, path):
    data = text_stream(500_000)
    with on_path(path):
        benchmark(to_text, data)


@pytest.mark.parametrize("path", PATHS)
def test_text_heavy_to_text_streamed(benchmark, path):
    data = text_stream(500_000)
    with on_path(path):
        benchmark(streamed, data)


@pytest.mark.parametrize("path", PATHS)
def test_tabs_and_positions_streamed(benchmark, path):
    data = tabs_stream(500_000)
    with on_path(path):
        benchmark(streamed, data)


@pytest.mark.skipif(npm_missing() is not None, reason=npm_missing() or "")
@pytest.mark.parametrize("path", PATHS)
def test_receipt_printer_encoder_streamed(benchmark, path):
    data = npm_stream(500_000)
    with on_path(path):
        benchmark(streamed, data)


def test_whole_stream_decode(benchmark):
    data = text_stream(200_000)
    benchmark(decode, data, "TM-T88V")


if __name__ == "__main__":
    paths = [p for p in PATHS if PATHS[p] is not None or p == "Python"]
    print(f"text path in use: {text_path()}; load average before: "
          + " ".join(f"{x:.2f}" for x in os.getloadavg()))
    print("| stream | measure | path | MB/s (wall, median) | MB/s (CPU, median) | best CPU | peak MiB |")
    print("|---|---|---|---|---|---|---|")
    rows = [("text-heavy (python-escpos)", text_stream), ("tabs and ESC $ columns (python-escpos)", tabs_stream),
             ("text-heavy (receipt-printer-encoder)", npm_stream), ("raster-heavy", raster_stream)]
    if len(sys.argv) > 1:  # e.g. `bench_decoder.py tabs`: only the rows whose name holds a word given
        rows = [r for r in rows if any(w in r[0] for w in sys.argv[1:])]
    for name, make in rows:
        if make is npm_stream and npm_missing():
            print(f"| {name} | skipped: {npm_missing()} | | | | | |")
            continue
        data = make()
        fns = {(p, what): fn for what, fn in (("events", chunked), ("to text, document kept", to_text),
                                              ("to text, streamed", streamed)) for p in paths}
        for (path, what), r in measure(data, fns).items():
            print(f"| {name} {len(data) / 1e6:.0f} MB | {what} | {path} | {r['MB/s']:.1f} | {r['CPU MB/s']:.1f} "
                  f"| {r['best CPU MB/s']:.1f} | {r['peak_MiB']:.1f} |")
    print("load average after: " + " ".join(f"{x:.2f}" for x in os.getloadavg()))
