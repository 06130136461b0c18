"""Raster and column images decode to the exact pixels python-escpos sent."""

import pytest
from PIL import Image, ImageChops, ImageDraw

from .helpers import events_of, feed_chunks, lines_of, printer


def sample_image(w=120, h=48) -> Image.Image:
    img = Image.new("1", (w, h), 1)
    d = ImageDraw.Draw(img)
    d.rectangle((2, 2, w - 3, h - 3), outline=0)
    d.line((0, 0, w - 1, h - 1), fill=0)
    d.text((10, 10), "LOGO", fill=0)
    return img


def same_pixels(a: Image.Image, b: Image.Image) -> bool:
    a = a.convert("1").crop((0, 0, b.width, b.height))
    return ImageChops.difference(a.convert("L"), b.convert("L")).getbbox() is None


@pytest.mark.parametrize("impl", ["bitImageRaster", "graphics"])
def test_raster_and_graphics_images_roundtrip(impl):
    src = sample_image()
    p = printer("TM-T88V")
    p.image(src, impl=impl, center=False)
    imgs = events_of(p.output, "TM-T88V", kind="image")
    assert len(imgs) == 1
    assert imgs[0].source == ("raster" if impl == "bitImageRaster" else "graphics")
    assert same_pixels(imgs[0].image, src)


def test_column_images_decode_in_stripes():
    src = sample_image(64, 48)
    p = printer("TM-T88V")
    p.image(src, impl="bitImageColumn", center=False)
    imgs = events_of(p.output, "TM-T88V", kind="image")
    assert imgs and all(i.source == "column" for i in imgs)
    assert sum(i.image.height for i in imgs) >= 48
    top = imgs[0].image
    assert same_pixels(top, src.crop((0, 0, 64, top.height)))


def test_gs_v_0_scale_modes():
    data = b"\x1dv0\x03\x01\x00\x02\x00\xff\x00"
    img = events_of(data, kind="image")[0]
    assert (img.scale_x, img.scale_y) == (2, 2) and img.image.size == (8, 2)


def test_nv_logo_reference_and_definition():
    # FS q defines NV image 1 (8 x 8 dots), FS p prints it; FS p 2 is unknown -> reference
    data = b"\x1cq\x01\x01\x00\x01\x00" + b"\xff" * 8 + b"\x1cp\x01\x00\x1cp\x02\x00"
    evs = [e for e in events_of(data) if e.kind in ("image", "stored_image")]
    assert evs[0].kind == "image" and evs[0].image.size == (8, 8)
    assert evs[1].kind == "stored_image" and evs[1].key == "2"


def test_huge_declared_image_is_skipped_without_buffering():
    from gateway.printer.decoder import Decoder

    dec = Decoder()
    evs = dec.feed(b"\x1dv0\x00\xff\xff\xff\xff")  # claims 65535 x 65535 bytes
    for _ in range(50):
        evs += dec.feed(b"\x00" * 65536)
        assert len(dec._buf) < 70000
    assert any(e.kind == "warning" and "limit" in e.message for e in evs)
    assert dec.offset == 8 + 50 * 65536


@pytest.mark.parametrize("between", [b"", b"\x1b3\x00"])  # node-thermal-printer's Custom type sets spacing 0
def test_the_line_feed_that_prints_an_esc_star_strip_is_no_blank_text_line(between):
    """ESC * puts a strip in the line; its LF prints it. python-escpos's bitImageColumn,
    receipt-printer-encoder and node-thermal-printer send a logo this way: the text has no
    blank line per strip, only the blank lines the stream feeds itself."""
    strip = b"\x1b*\x21\x08\x00" + bytes(range(24))
    data = b"Shop\n" + (strip + between + b"\n") * 3 + b"\x1b2\nTotal\n" + strip + b"\x1bJ\x18after\n"
    assert lines_of(data) == ["Shop", "", "Total", "after"]
    assert len(events_of(data, kind="image")) == 4
    for cuts in ([7], [5, 6, 40], list(range(1, len(data)))):  # any chunking: the same lines
        assert [ev.text for ev in feed_chunks(data, cuts) if ev.kind == "line"] == ["Shop", "", "Total", "after"]


def test_text_after_an_esc_star_strip_on_its_line_still_prints():
    data = b"\x1b*\x21\x02\x00" + bytes(6) + b"Hi\n\n"
    assert lines_of(data) == ["Hi"]
    assert [ev.kind for ev in events_of(data)][:3] == ["image", "line", "line"]
