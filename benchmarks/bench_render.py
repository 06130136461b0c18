"""Rendering time per receipt: PNG and HTML, on receipts python-escpos makes.

Run: python3 -m pytest benchmarks/bench_render.py --benchmark-only
Figures go in docs/performance.md under "## Rendering".
"""

from __future__ import annotations

import pytest

from gateway.printer import render_png as rp
from gateway.printer.decoder import decode
from gateway.printer.render_html import render_html
from gateway.printer.render_png import render_png
from tests.render_samples import cafe_receipt, narrow_receipt, styles_receipt

SAMPLES = {
    "cafe-80mm": (cafe_receipt, "TM-T20II"),  # logo, styles, 9 item lines, QR, EAN-13
    "styles-80mm": (styles_receipt, "TM-T20II"),  # every text style, scripts, CODE128
    "bakery-58mm": (narrow_receipt, "POS-5890"),  # short ticket with a QR code
}


@pytest.fixture(scope="module", params=sorted(SAMPLES))
def doc(request):
    make, profile = SAMPLES[request.param]
    return decode(make(profile), profile=profile)


def test_png(benchmark, doc):
    png = benchmark(render_png, doc)
    assert png.startswith(b"\x89PNG")


def test_png_cold_glyph_cache(benchmark, doc):
    """First receipt after start: every glyph is drawn by FreeType."""
    def cold():
        rp._glyph.cache_clear()
        return render_png(doc)
    benchmark(cold)


def test_html(benchmark, doc):
    html = benchmark(render_html, doc)
    assert html.startswith("<!DOCTYPE html>")
