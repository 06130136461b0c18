"""The PNG renderer: a picture of the paper a person (and a phone) can read."""

from __future__ import annotations

import io
import logging

import pytest
from PIL import Image, ImageDraw, ImageOps

from gateway.printer import render_png as rp
from gateway.printer.document import (
    Barcode,
    Code2D,
    Cut,
    Document,
    DrawerKick,
    Feed,
    Span,
    StatusRequest,
    StoredImage,
    Style,
    TextLine,
    Warning,
)
from gateway.printer.document import Image as ImageEvent

zxingcpp = pytest.importorskip("zxingcpp")


def line(*spans: Span, align: str = "left", width: int = 576, feed: int = 30) -> TextLine:
    return TextLine(spans=list(spans), align=align, width=width, feed=feed,
                    height=max([24] + [24 * s.style.height for s in spans]))


def render(events, width: int = 576, cell: int = 12) -> Image.Image:
    png = rp.render_png(Document(list(events), width=width, cell=cell))
    img = Image.open(io.BytesIO(png))
    img.load()
    return img


def ink(img: Image.Image, box=None) -> int:
    """Number of dark pixels (in box)."""
    region = img.convert("L").crop(box) if box else img.convert("L")
    return sum(region.histogram()[:128])


def ink_columns(img: Image.Image) -> tuple[int, int]:
    """First and last column holding ink."""
    bbox = ImageOps.invert(img.convert("L")).point(lambda v: 255 if v > 127 else 0).getbbox()
    assert bbox, "nothing drawn"
    return bbox[0], bbox[2] - 1


def read(img: Image.Image) -> list[str]:
    return [r.text for r in zxingcpp.read_barcodes(img.convert("L"))]


@pytest.mark.parametrize("width", [384, 576, 512])
def test_png_opens_and_is_as_wide_as_the_paper(width):
    img = render([line(Span("Hello", 0), width=width)], width=width)
    assert img.format == "PNG"
    assert img.width == width
    assert img.height >= 24
    assert ink(img) > 20


def test_qr_code_in_the_picture_scans_to_its_data():
    url = "https://receipts.example/r/01HX3Q-ÉTÉ?n=42"
    img = render([line(Span("Scan me", 0)),
                  Code2D(symbology="qr", data=url, options={"size": 4, "ec": "M"}, align="center")])
    assert read(img) == [url]


def test_qr_from_raw_bytes_scans():
    img = render([Code2D(symbology="qr", data="", raw=b"RAW-123", options={"size": 3},
                         align="center")])
    assert read(img) == ["RAW-123"]


def test_ean13_barcode_scans_to_its_digits_with_check_digit_and_hri_below():
    plain = render([Barcode(symbology="ean13", data="400638133393", hri="none", module=2,
                            height=80, align="center")])
    with_hri = render([Barcode(symbology="ean13", data="400638133393", hri="below", module=2,
                               height=80, align="center")])
    assert read(plain) == ["4006381333931"]
    assert read(with_hri) == ["4006381333931"]
    assert with_hri.height > plain.height  # the digits take a text row
    # the digits are printed under the bars: ink below the bars
    assert ink(with_hri, (0, 82, 576, with_hri.height)) > 50


@pytest.mark.parametrize("symbology,data,expected", [
    ("code128", "Receipt-42", "Receipt-42"),
    ("code39", "ABC-123", "ABC-123"),
    ("ean8", "1234567", "12345670"),
    ("itf", "12345678", "12345678"),
])
def test_one_d_barcodes_scan(symbology, data, expected):
    img = render([Barcode(symbology=symbology, data=data, module=2, height=60, align="center")])
    assert read(img) == [expected]


def test_pdf417_scans_or_is_a_labelled_box():
    img = render([Code2D(symbology="pdf417", data="PDF417 payload", options={"size": 2},
                         align="center")])
    assert read(img) == ["PDF417 payload"]


def test_symbology_nothing_can_draw_becomes_a_placeholder_not_an_error():
    img = render([Code2D(symbology="hanxin", data="x", align="center"),
                  Barcode(symbology="mystery", data="123", align="center")])
    assert img.height > 96  # two boxes drawn
    assert ink(img) == 0  # grey labels, no black: nobody mistakes it for print
    grey = sum(img.convert("L").histogram()[:230])
    assert grey > 100


def test_inverted_span_is_white_on_black():
    img = render([line(Span(" TOTAL ", 0, Style(invert=True)))])
    box = (0, 0, 7 * 12, 24)
    assert ink(img, box) > 0.6 * 7 * 12 * 24


def test_bold_text_has_more_ink_than_plain():
    plain = render([line(Span("Bold or not 123 €", 0))])
    bold = render([line(Span("Bold or not 123 €", 0, Style(bold=True)))])
    assert ink(bold) > ink(plain) * 1.15


def test_underline_adds_a_rule_under_the_whole_span():
    img = render([line(Span("a    b", 0, Style(underline=2)))])
    rule = img.convert("L").crop((0, 22, 6 * 12, 24))
    assert ink(rule) == rule.width * rule.height


def test_double_width_and_height_scale_the_characters():
    single = render([line(Span("WIDE", 0))])
    double = render([line(Span("WIDE", 0, Style(width=2, height=2), cell=24))])
    x0, x1 = ink_columns(single)
    d0, d1 = ink_columns(double)
    assert (d1 - d0) > 1.8 * (x1 - x0)
    assert double.height >= 48
    assert ink(double) > 3.5 * ink(single)


def test_font_b_is_narrower_and_positions_follow_span_x():
    img = render([line(Span("Price", 0, Style(font=1), cell=9), Span("9.99", 500))])
    x0, x1 = ink_columns(img)
    assert x0 < 9 and x1 >= 500 + 3 * 12
    assert ink(img, (46, 0, 499, 30)) == 0  # nothing between the two spans


def test_centred_and_right_aligned_lines_move_the_whole_line():
    centred = render([line(Span("MIDDLE", 0), align="center")])
    right = render([line(Span("END", 0), align="right")])
    x0, x1 = ink_columns(centred)
    assert abs((x0 + x1) / 2 - 288) < 8
    r0, r1 = ink_columns(right)
    assert r1 > 576 - 8 and r0 > 576 - 3 * 12 - 4


def test_alignment_stays_within_the_margins():
    # span x counts from the left margin (GS L): content [100, 124) centred in [100, 300)
    img = render([TextLine(spans=[Span("IN", 0)], align="center", left=100, width=200)])
    x0, x1 = ink_columns(img)
    assert abs((x0 + x1) / 2 - 200) < 6


def test_accents_euro_greek_cyrillic_and_box_drawing_are_real_glyphs():
    missing = rp._glyph("\ue000", False, 12, 24).tobytes()  # private use: the font's blank box
    for ch in "€éçüΩЖ─┼█":
        glyph = rp._glyph(ch, False, 12, 24)
        assert glyph.getbbox(), ch
        assert glyph.tobytes() != missing, ch


def test_lines_advance_by_their_line_spacing_and_feeds_add_blank_paper():
    tight = render([line(Span("a", 0), feed=24), line(Span("b", 0), feed=24)])
    loose = render([line(Span("a", 0), feed=60), line(Span("b", 0), feed=60)])
    fed = render([line(Span("a", 0), feed=30), Feed(dots=200, lines=6), line(Span("b", 0))])
    assert tight.height == 48
    assert loose.height == 120
    assert fed.height == 30 + 200 + 30


def test_huge_feed_is_shortened_so_the_picture_stays_small():
    img = render([line(Span("a", 0)), Feed(dots=60_000), line(Span("b", 0))])
    assert img.height < 400


def test_image_is_pasted_aligned_and_scaled():
    pic = Image.new("1", (40, 20), 1)
    ImageDraw.Draw(pic).rectangle((0, 0, 39, 19), fill=0)
    img = render([ImageEvent(image=pic, align="center", scale_x=2, scale_y=2)])
    assert img.height == 40
    assert ink_columns(img) == (288 - 40, 288 + 40 - 1)
    assert ink(img) == 80 * 40


def test_image_wider_than_paper_is_clipped():
    pic = Image.new("1", (800, 10), 0)
    img = render([ImageEvent(image=pic)], width=384)
    assert img.width == 384 and ink(img) == 384 * 10


def test_receipts_are_separated_by_a_cut_line_and_stored_logo_is_a_box():
    img = render([StoredImage(key="01", align="center"), line(Span("one", 0)), Cut(),
                  line(Span("two", 0)), Cut(partial=True)])
    grey = img.convert("L").point(lambda v: 255 if 100 < v < 200 else 0)
    cut_rows = [y for y in range(img.height)
                if sum(grey.crop((0, y, 576, y + 1)).histogram()[255:]) > 200]
    assert len(cut_rows) == 2  # one dashed line across the paper per cut
    assert ink(img, (0, 0, 576, cut_rows[0])) > 0  # "one" above the first cut
    assert ink(img, (0, cut_rows[0], 576, cut_rows[1])) > 0  # "two" between the cuts
    assert sum(grey.crop((0, 0, 576, 96)).histogram()[255:]) > 100  # the logo's dashed box


def test_events_that_print_nothing_draw_nothing():
    base = render([line(Span("x", 0))])
    extra = render([StatusRequest(command="DLE EOT", n=1), Warning(message="odd"),
                    line(Span("x", 0)), DrawerKick()])
    assert extra.size == base.size


def test_empty_document_renders_a_blank_slip():
    img = render([])
    assert img.width == 576 and img.height > 0


def test_missing_font_falls_back_with_a_warning(monkeypatch, tmp_path, caplog):
    # a name no machine has (Pillow also looks in the system font folders)
    monkeypatch.setattr(rp, "FONT_DIR", tmp_path)
    monkeypatch.setattr(rp, "FONT_FILES", {False: "NoSuchFont-x.ttf", True: "NoSuchFont-y.ttf"})
    rp._font.cache_clear()
    rp._glyph.cache_clear()
    try:
        with caplog.at_level(logging.WARNING):
            img = render([line(Span("still readable", 0))])
        assert ink(img) > 20
        assert "font" in caplog.text and "missing" in caplog.text
    finally:
        rp._font.cache_clear()
        rp._glyph.cache_clear()


def test_ean13_with_a_wrong_check_digit_is_flagged_not_silently_fixed():
    img = render([Barcode(symbology="ean13", data="5410013101708", hri="below", align="center")])
    assert read(img) == []  # nothing scannable drawn
    assert ink(img) == 0 and sum(img.convert("L").histogram()[:230]) > 100  # a grey labelled box


def test_upside_down_text_is_turned_over():
    upright = render([line(Span("TTTT", 0))])
    turned = render([line(Span("TTTT", 0, Style(upside_down=True)))])
    # the bar of a T is at the top of the cell; turned over it is at the bottom
    assert ink(upright, (0, 0, 48, 10)) > 2 * ink(upright, (0, 14, 48, 24))
    assert ink(turned, (0, 14, 48, 24)) > 2 * ink(turned, (0, 0, 48, 10))
