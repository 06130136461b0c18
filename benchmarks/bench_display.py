"""Customer display: time to render each screen, and to turn it into framebuffer bytes.

Run: python3 -m pytest benchmarks/bench_display.py --benchmark-only
Figures go in docs/performance.md under "## Customer display".
"""

from __future__ import annotations

import pytest

from gateway.display import screens
from gateway.display.framebuffer import FbGeometry, pixels
from gateway.display.render import render

SIZES = {"320x240": (320, 240), "480x320": (480, 320)}
SCREENS = {s.label: s for s in screens.all_screens("fr")}
WHICH = ["idle", "card-none", "sent", "error-paper_out"]


@pytest.mark.parametrize("size", sorted(SIZES))
@pytest.mark.parametrize("name", WHICH)
def test_render(benchmark, name, size):
    img = benchmark(render, SCREENS[name], SIZES[size])
    assert img.size == SIZES[size]


@pytest.mark.parametrize("bpp", [16, 32])
def test_framebuffer_bytes_480x320(benchmark, bpp):
    img = render(SCREENS["sent"], (480, 320))
    data = benchmark(pixels, img, FbGeometry(480, 320, bpp))
    assert len(data) == 480 * 320 * bpp // 8
