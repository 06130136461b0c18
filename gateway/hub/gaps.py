"""Per-gateway sequence bookkeeping: the highest sequence seen and the ranges still missing below it.

Pure (no I/O). Sequences start at 1 (the outbox's first), so a gateway first heard at sequence 5
is missing 1..4 until it resends them or says it no longer has them.
"""

from __future__ import annotations

Range = tuple[int, int]


def advance(high: int, missing: list[Range], seqs) -> tuple[int, list[Range]]:
    """Account for received sequences `seqs`: new gaps above `high`, holes filled below it."""
    ranges = [tuple(r) for r in missing]
    for seq in sorted(set(seqs)):
        if seq > high:
            if seq > high + 1:
                ranges.append((high + 1, seq - 1))
            high = seq
        else:
            ranges = _remove(ranges, seq, seq)
    return high, _merge(ranges)


def settle(missing: list[Range], first: int, last: int) -> list[Range]:
    """Drop first..last from the missing ranges (received, or given up as lost)."""
    return _remove([tuple(r) for r in missing], first, last)


def _remove(ranges: list[Range], first: int, last: int) -> list[Range]:
    out: list[Range] = []
    for a, b in ranges:
        if b < first or a > last:
            out.append((a, b))
            continue
        if a < first:
            out.append((a, first - 1))
        if b > last:
            out.append((last + 1, b))
    return out


def _merge(ranges: list[Range]) -> list[Range]:
    out: list[Range] = []
    for a, b in sorted(ranges):
        if out and a <= out[-1][1] + 1:
            out[-1] = (out[-1][0], max(out[-1][1], b))
        else:
            out.append((a, b))
    return out
