"""Extraction time per receipt: text lines + codes -> e-receipt fields (no decoding).

    python3 benchmarks/bench_extract.py                  # prints figures
    python3 -m pytest benchmarks/bench_extract.py --benchmark-only
"""

from __future__ import annotations

import statistics
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from gateway.printer.decoder import decode  # noqa: E402
from gateway.printer.profiles import get_profile  # noqa: E402
from gateway.receipt import ereceipt_from_lines, extract, numbers, vocab  # noqa: E402  # noqa: E402
from gateway.receipt.logical import logical_lines  # noqa: E402


def cold() -> None:
    """Forget the per-line caches: every receipt is timed as if it were the first."""
    numbers.find_amounts.cache_clear()
    numbers.find_date.cache_clear()
    vocab.fold.cache_clear()
from gateway.samples.generator import LAYOUTS, make_sample  # noqa: E402


def samples(n: int = 20):
    return [make_sample(seed, layout=lay) for seed in range(n) for lay in LAYOUTS]


def test_extract_one_receipt(benchmark):
    s = make_sample(1, layout="qtycol-tabs", lang="nl", width=48)
    benchmark(lambda: (cold(), extract(s.lines, s.codes)))


def test_full_ereceipt_one_receipt(benchmark):
    s = make_sample(1, layout="qtycol-tabs", lang="nl", width=48)
    benchmark(ereceipt_from_lines, s.lines, s.codes, s.data)


def main() -> int:
    items = samples()
    for s in items[:20]:
        extract(s.lines, s.codes)  # warm up (regex compilation)
    per: list[float] = []
    for s in items:
        best = float("inf")
        for _ in range(5):
            cold()
            t0 = time.perf_counter()
            extract(s.lines, s.codes)
            best = min(best, time.perf_counter() - t0)
        per.append(best * 1000)
    lines = statistics.mean(len(s.lines) for s in items)
    per.sort()
    print(f"extract(): {len(items)} receipts ({lines:.0f} printed lines on average), best of 5 each, "
          "line caches cleared before each run")
    print(f"  median {statistics.median(per):.2f} ms, p95 {per[int(len(per) * 0.95)]:.2f} ms, "
          f"max {per[-1]:.2f} ms per receipt")
    # from the decoded receipt: the till's lines (wraps undone) + extraction, 48-col tills on 42-col paper
    narrow = get_profile("TM-T88V")
    wide = [make_sample(seed, layout=lay, width=48) for seed in range(5) for lay in LAYOUTS]
    receipts = []
    for s in wide:
        doc = decode(s.data, narrow)
        receipts.append((next(r for r in doc.receipts() if not r.is_blank), doc.cell, s.codes))
    per = []
    for receipt, cell, codes in receipts:
        best = float("inf")
        for _ in range(5):
            cold()
            t0 = time.perf_counter()
            lines, hints = logical_lines(receipt, cell)
            extract(lines, codes, hints=hints)
            best = min(best, time.perf_counter() - t0)
        per.append(best * 1000)
    per.sort()
    print(f"logical_lines() + extract(), {len(per)} receipts of a 48-column till decoded for 42-column paper: "
          f"median {statistics.median(per):.2f} ms, p95 {per[int(len(per) * 0.95)]:.2f} ms, max {per[-1]:.2f} ms")
    cold()
    t0 = time.perf_counter()
    for s in items:
        ereceipt_from_lines(s.lines, s.codes, s.data)
    print(f"full e-receipt (extract + ids + hash): {(time.perf_counter() - t0) / len(items) * 1000:.2f} ms "
          "per receipt")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
