"""The decoder's golden set: many streams and a digest of what the decoder makes of each.

`golden_decoder.json` holds, for each stream (keyed by the SHA-256 of its bytes), the
digest of the document the decoder made before its text path was rewritten for speed:
every event as a dict (images as their pixels, not as PNG files), the plain text
`decode --format text` prints, the bytes consumed and the warning count. A faster
decoder must give the same digests.

    PYTHONPATH=$PWD python3 -m tests.unit.printer.golden_streams   # rewrite the fixture

Rewrite it only for a deliberate change of the decoder's output, and say so in the commit.
"""

from __future__ import annotations

import contextlib
import hashlib
import io
import json
import logging
import random
import sys
from collections.abc import Iterator
from pathlib import Path

from gateway.printer.decoder import Decoder
from gateway.printer.document import Document, Image
from gateway.printer.render_text import render_text

from .test_properties import FRAGMENTS

ROOT = Path(__file__).resolve().parents[3]
FIXTURE = Path(__file__).with_name("golden_decoder.json")
PROFILES = ("default", "TM-T88V", "POS-5890")
CORPORA = [ROOT.parent / "shared" / "corpus", Path("/work/shared/corpus")]

# commands the text fast path handles, with arguments that matter (LF, ESC, GS, CR among them)
_ARGS = [0, 1, 2, 3, 8, 10, 13, 16, 17, 19, 27, 29, 48, 49, 50, 51, 56, 128, 255]
_STYLE = [b"\x1b!", b"\x1bE", b"\x1b-", b"\x1ba", b"\x1bt", b"\x1bM", b"\x1bG", b"\x1b{", b"\x1b ",
          b"\x1b3", b"\x1bR", b"\x1b4", b"\x1br", b"\x1bV", b"\x1d!", b"\x1dB", b"\x1dH", b"\x1df",
          b"\x1dh", b"\x1dw"]
_MORE = [b"\x1b2", b"\r", b"\r\n", b"\n\n", b"\x1b@", b"\x1c&", b"\x1cC\x01", b"\x1c.", b"\x1bt\x63",
         b"\x1bt\x12", "na\u00efve \u00e9t\u00e9 \u20ac 1,50".encode(), "\u4e2d\u6587".encode("gb18030"),
         b"\x1bL", b"\x1bW\x00\x00\x00\x00\x40\x01\x00\x01", b"\x1bT\x01", b"\x1b$\x10\x00", b"\x0c",
         b"\x1dL\x20\x00", b"\x1dW\x00\x01", b"\x1bJ\x10", b"\x1bd\x00", b"\x1bD\x02\x05\x00",
         b"x" * 60, b"-" * 48, b"=" * 42 + b"\n", b"\x00\x00", b"\x1dP\xb4\xb4", b"\x1b\\\x10\x00"]


def random_streams(count: int = 3000) -> Iterator[tuple[str, bytes]]:
    rnd = random.Random(20261123)
    pool = FRAGMENTS + _MORE
    for i in range(count):
        parts = []
        for _ in range(rnd.randint(1, 40)):
            r = rnd.random()
            if r < 0.35:
                parts.append(rnd.choice(_STYLE) + bytes([rnd.choice(_ARGS)]))
            elif r < 0.8:
                parts.append(rnd.choice(pool))
            elif r < 0.9:
                parts.append(bytes(rnd.choice(b"abc \xa4\x82\x8a\n\r\t\x1b\x1d") for _ in range(rnd.randint(1, 8))))
            else:
                parts.append(rnd.randbytes(rnd.randint(1, 12)))
        yield f"random-{i}", b"".join(parts)


def escpos_streams() -> Iterator[tuple[str, bytes]]:
    """Streams python-escpos makes: the benchmark receipts, the renderer samples, the extraction samples."""
    sys.path.insert(0, str(ROOT / "benchmarks"))
    logging.getLogger("escpos").setLevel(logging.ERROR)
    from streams import raster_receipt, text_receipt, text_stream

    from gateway.samples.generator import LAYOUTS, make_sample
    from tests import render_samples

    with contextlib.redirect_stdout(io.StringIO()):  # python-escpos says which barcode renderer it used
        for seed in range(40):
            yield f"bench-text-{seed}", text_receipt(seed, width=32 + seed % 3 * 8)
        yield "bench-text-stream", text_stream(60_000)
        yield "bench-raster", raster_receipt(120)
        for name in ("cafe_receipt", "styles_receipt", "narrow_receipt"):
            yield f"render-{name}", getattr(render_samples, name)()
        for seed in range(12):
            for layout in LAYOUTS:
                yield f"sample-{seed}-{layout}", make_sample(seed, layout=layout).data


def corpus_streams() -> Iterator[tuple[str, bytes]]:
    for root in CORPORA:
        if root.is_dir():
            for f in sorted(root.rglob("*.bin")):
                yield f"corpus-{f.relative_to(root)}", f.read_bytes()
            return


def all_streams() -> Iterator[tuple[str, bytes]]:
    yield from escpos_streams()
    yield from corpus_streams()
    yield from random_streams()


def _canonical(ev) -> dict:
    if isinstance(ev, Image):  # pixels, not a PNG file (whose bytes depend on the zlib build)
        img = ev.image
        d = {k: v for k, v in ev.to_dict().items() if k != "png"}
        if img is not None:
            d["pixels"] = hashlib.sha256(img.tobytes()).hexdigest()
            d["mode"] = img.mode
        return d
    return ev.to_dict()


def digest_of(events, consumed: int, unknown: int, profile: str | None = None) -> str:
    dec_profile = Decoder(profile).profile
    doc = Document(events=events, profile=dec_profile.name, width=dec_profile.width, cell=dec_profile.cell(0))
    blob = json.dumps({"events": [_canonical(e) for e in events], "text": render_text(doc),
                       "consumed": consumed, "unknown": unknown}, sort_keys=True, ensure_ascii=True)
    return hashlib.sha256(blob.encode()).hexdigest()[:24]


def decode_chunked(data: bytes, profile: str, size: int | None = None) -> str:
    dec = Decoder(profile)
    events = []
    step = size or max(1, len(data))
    for i in range(0, len(data), step):
        events += dec.feed(data[i:i + step])
    events += dec.close()
    return digest_of(events, dec.offset, dec.unknown, profile)


def key_of(data: bytes, profile: str) -> str:
    return f"{profile}:{hashlib.sha256(data).hexdigest()[:24]}"


def cases() -> Iterator[tuple[str, bytes, str]]:
    """(name, stream, profile): every stream on a profile that knows its paper width and one that does not."""
    for i, (name, data) in enumerate(all_streams()):
        for profile in PROFILES if not name.startswith("random") else (PROFILES[i % len(PROFILES)],):
            yield name, data, profile


def write_fixture() -> int:
    table = {}
    for _name, data, profile in cases():
        table[key_of(data, profile)] = decode_chunked(data, profile)
    FIXTURE.write_text(json.dumps(table, indent=0, sort_keys=True) + "\n")
    return len(table)


if __name__ == "__main__":
    print(f"{write_fixture()} streams written to {FIXTURE}")
