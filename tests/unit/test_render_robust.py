"""Whatever bytes a till sends, the renderers draw something and never fail."""

from __future__ import annotations

import io

from hypothesis import given, settings
from hypothesis import strategies as st
from PIL import Image

from gateway.printer.decoder import decode
from gateway.printer.render_html import render_html
from gateway.printer.render_png import render_png

# pieces of real commands, so random streams reach styles, codes and images
PIECES = [b"\x1b@", b"\x1b!\x38", b"\x1dB\x01", b"\x1d!\x77", b"\x1ba\x01", b"\x1ba\x02",
          b"\x1b-\x02", b"\x1b{\x01", b"\x1bV\x01", b"\x1bM\x01", b"\x1b$\x40\x01", b"\x1dL\x40\x00",
          b"\x1dW\x00\x01", b"\x1b3\x00", b"\x1bJ\xff", b"\x1bd\x05", b"\x1dh\x01", b"\x1dw\x06",
          b"\x1dk\x02400638133393\x00", b"\x1dkI\x05{Babc", b"\x1dk\x48\x03ABC",
          b"\x1d(k\x04\x001A2\x00", b"\x1d(k\x03\x001C\x08",
          b"\x1d(k\x08\x001P0hello", b"\x1d(k\x03\x001Q0", b"\x1d(k\x03\x000Q0",
          b"\x1dv0\x00\x02\x00\x04\x00\xff\x00\xaa\x55\x0f\xf0\x81\x18", b"\x1b*\x21\x02\x00" + b"\xff" * 6,
          b"\x1cp\x01\x00", b"\x1dVA\x10", b"\x1bp\x00\x19\xfa", b"\x10\x04\x01", b"\n", b"\t",
          "é€Ω".encode(), b"Total 12,50 \xd5", b"<script>x</script>"]


@settings(max_examples=40, deadline=None)
@given(st.lists(st.one_of(st.sampled_from(PIECES), st.binary(max_size=12)), max_size=40))
def test_any_stream_renders_to_png_and_html(parts):
    doc = decode(b"".join(parts))
    img = Image.open(io.BytesIO(render_png(doc)))
    assert img.width == doc.width
    assert img.height <= 110_000
    html = render_html(doc)
    assert "<script>" not in html
    assert html.rstrip().endswith("</html>")
