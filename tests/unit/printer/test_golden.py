"""The decoder gives the same documents as before its text path was rewritten for speed.

Compares against golden_decoder.json (see golden_streams.py): python-escpos receipts,
the public corpus when present, and 3000 seeded random streams of command fragments,
each decoded whole; every second one also in 7-byte chunks, every fourth short one a
byte at a time.
"""

import json

import pytest

from .golden_streams import FIXTURE, cases, decode_chunked, key_of

# on the C text path and on the pure-Python reference (conftest.py)
pytestmark = pytest.mark.usefixtures("text_path")


@pytest.fixture(scope="module")
def golden() -> dict:
    return json.loads(FIXTURE.read_text())


def test_documents_match_the_golden_set(golden):
    compared, unknown, wrong = 0, [], []
    for i, (name, data, profile) in enumerate(cases()):
        want = golden.get(key_of(data, profile))
        if want is None:  # a python-escpos release that makes other bytes: nothing to compare
            unknown.append(name)
            continue
        compared += 1
        sizes = [None] + ([7] if i % 2 and len(data) < 50_000 else []) + ([1] if i % 4 == 1 and len(data) <= 400 else [])
        for size in sizes:
            if decode_chunked(data, profile, size) != want:
                wrong.append(f"{name} on {profile}, chunks of {size or 'all'}")
                break
    assert not wrong, f"{len(wrong)} documents differ, first: {wrong[:5]}"
    assert not [n for n in unknown if n.startswith("random")], "the seeded random streams changed"
    assert compared >= 3000


def test_long_runs_and_big_blocks_decode_the_same_in_any_chunking():
    # 40 style commands in a row (runs are cut at 32), and more than the 64 KiB of whole
    # lines the text path takes at once when a stream is fed whole
    line = "Caf\u00e9 cr\u00e8me 2,50 \u20ac\n".encode("cp858")
    data = (b"\x1bE\x01\x1b-\x01" * 20 + b"head\n" + line * 4000 + b"\x1bt\x13" + line + b"\x1dV\x00")
    assert len(data) > 70_000
    whole = decode_chunked(data, "TM-T88V")
    assert decode_chunked(data, "TM-T88V", 3) == whole
    assert decode_chunked(data, "TM-T88V", 4096) == whole
