"""Realistic sample receipts made with real ESC/POS clients, each with its known truth.

`make_sample(seed, ...)` prints one receipt with python-escpos's `Dummy` printer and
returns the bytes, the text lines it should print and the fields an extractor must
find. Used by the demo, the tests and the benchmarks. Deterministic by seed.
"""

from gateway.samples.generator import LAYOUTS, Sample, make_sample, make_set

__all__ = ["LAYOUTS", "Sample", "make_sample", "make_set"]
