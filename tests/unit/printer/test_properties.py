"""Properties of the decoder over any bytes and any chunking."""

import tracemalloc

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from gateway.printer.decoder import Decoder, decode
from gateway.printer.document import ReceiptSplitter
from gateway.printer.render_text import iter_text, render_text

from .helpers import comparable, feed_chunks

# on the C text path and on the pure-Python reference (conftest.py)
pytestmark = pytest.mark.usefixtures("text_path")

# streams made of real command fragments, text and raw noise, so the search reaches deep states
FRAGMENTS = [
    b"\x1b@", b"\x1b!\x38", b"\x1bE\x01", b"\x1bt\x13", b"\x1bt\x10", b"\x1ba\x01", b"\x1d!\x11",
    b"\x1b$\x40\x01", b"\x1b\\\xf0\xff", b"\t", b"\n", b"\r\n", b"\x1bD\x04\x10\x00", b"\x1bd\x02",
    b"\x1dV\x00", b"\x1dVA\x03", b"\x1bp\x00\x19\xfa", b"\x10\x04\x01", b"\x10\x04\x04", b"\x1dr\x01",
    b"\x1dk\x02400638133393\x00", b"\x1dkI\x05{BA12", b"\x1d(k\x07\x001P0abcd", b"\x1d(k\x03\x001Q0",
    b"\x1dv0\x00\x01\x00\x02\x00\xaa\x55", b"\x1b*\x00\x02\x00\xff\x00", b"\x1bL", b"\x0c", b"\x1bS",
    b"\x1d$\x10\x00", b"\x1c&", b"\x1c.", b"\x1bR\x02", "Caf\u00e9 \u20ac".encode(), b"TOTAAL 12,50",
    b"\xd5\x82\x8a", b"\x1d(L\x0b\x000p0\x01\x011\x08\x00\x02\x00\xff\xff", b"\x1d(L\x02\x0002",
]
streams = st.lists(st.one_of(st.sampled_from(FRAGMENTS), st.binary(max_size=12)), max_size=40).map(b"".join)


@given(data=st.binary(max_size=2048))
def test_any_bytes_never_raise(data):
    doc = decode(data)
    assert all(e.end >= e.offset for e in doc.events)


@given(data=streams, cuts=st.lists(st.integers(min_value=0, max_value=600), max_size=12))
def test_chunking_never_changes_the_document(data, cuts):
    whole = comparable(decode(data).events)
    assert comparable(feed_chunks(data, [c for c in cuts if c <= len(data)])) == whole


@given(data=streams)
def test_one_byte_at_a_time_equals_whole(data):
    dec = Decoder()
    evs = []
    for i in range(len(data)):
        evs += dec.feed(data[i:i + 1])
    evs += dec.close()
    assert comparable(evs) == comparable(decode(data).events)


@given(data=streams)
def test_every_byte_is_accounted_for(data):
    dec = Decoder()
    dec.feed(data)
    dec.close()
    assert dec.offset == len(data)


@settings(max_examples=15)
@given(header=st.sampled_from([b"\x1dv0\x00\xff\xff\xff\xff", b"\x1d8L\xff\xff\xff\x7f0p",
                               b"\x1d(L\xff\xff", b"\x1b*\x21\xff\xff", b"\x1cq\x01\xff\x03\xff\x03"]),
       chunk=st.integers(min_value=4096, max_value=70000))
def test_huge_claimed_lengths_use_bounded_memory(header, chunk):
    tracemalloc.start()
    dec = Decoder()
    dec.feed(header)
    sent = 0
    block = b"\x00" * chunk
    while sent < 1_500_000:
        dec.feed(block)
        sent += chunk
    _, peak = tracemalloc.get_traced_memory()
    tracemalloc.stop()
    assert peak < 8 * 1024 * 1024  # the limit is 4 MiB of payload


# for the text: several receipts (cuts), printed barcode digits, feeds, blank and
# whitespace-only lines, other cell widths and positions
TEXT_FRAGMENTS = FRAGMENTS + [
    b"\x1dH\x01", b"\x1dH\x02", b"\x1dH\x03", b"\x1bd\x04", b"\x1bJ\x40", b"   \n", "\u3000\n".encode(),
    b"\x1b!\x20", b"\x1b!\x01", b"\x1b \x05", b"\x1dVB\x10", b"\x1dV\x01", b"\x1b$\x90\x00", b"12 \n",
]
text_streams = st.lists(st.one_of(st.sampled_from(TEXT_FRAGMENTS), st.binary(max_size=12)), max_size=60).map(b"".join)


def chunks_at(data: bytes, cuts: list[int]) -> list[bytes]:
    bounds = sorted({c for c in cuts if c <= len(data)} | {0, len(data)})
    return [data[a:b] for a, b in zip(bounds, bounds[1:], strict=False)]


@settings(max_examples=300)
@given(data=text_streams, cuts=st.lists(st.integers(min_value=0, max_value=900), max_size=12),
       profile=st.sampled_from(["TM-T88V", "default"]))
def test_streamed_text_is_the_whole_documents_text(data, cuts, profile):
    """What `decode --format text` writes receipt by receipt is render_text of the whole document."""
    chunks = chunks_at(data, cuts)
    assert "".join(iter_text(chunks, profile)) == render_text(decode(data, profile))
    # and the receipts, split as their events come, are Document.receipts()
    dec, split, receipts = Decoder(profile), ReceiptSplitter(), []
    for chunk in chunks:
        receipts += split.feed(dec.feed(chunk))
    receipts += split.feed(dec.close()) + split.close()
    assert ([(r.start, r.end, r.cut, comparable(r.events)) for r in receipts]
            == [(r.start, r.end, r.cut, comparable(r.events)) for r in decode(data, profile).receipts()])
