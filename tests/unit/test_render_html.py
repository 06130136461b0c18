"""The HTML renderer: a standalone page that looks like the paper, with real text."""

from __future__ import annotations

import base64
import io
import re
from html.parser import HTMLParser

import pytest
from PIL import Image, ImageDraw

from gateway.printer.document import (
    Barcode,
    Code2D,
    Cut,
    Document,
    DrawerKick,
    Span,
    StoredImage,
    Style,
    TextLine,
)
from gateway.printer.document import Image as ImageEvent
from gateway.printer.render_html import render_html
from gateway.printer.render_text import line_text


def line(*spans: Span, align: str = "left", width: int = 576, feed: int = 30) -> TextLine:
    return TextLine(spans=list(spans), align=align, width=width, feed=feed,
                    height=max([24] + [24 * s.style.height for s in spans]))


def page(events, width: int = 576, cell: int = 12) -> str:
    return render_html(Document(list(events), width=width, cell=cell))


class Page(HTMLParser):
    """Collects the text of each .line div, the <img> tags and the tag stack balance."""

    def __init__(self, text: str):
        super().__init__()
        self.lines: list[str] = []
        self.imgs: list[dict] = []
        self.articles: list[dict] = []
        self.html_attrs: dict = {}
        self._in_line = 0
        self._depth = 0
        self.feed(text)

    def handle_starttag(self, tag, attrs):
        a = dict(attrs)
        if tag == "html":
            self.html_attrs = a
        if tag == "img":
            self.imgs.append(a)
            return
        if tag == "article":
            self.articles.append(a)
        if tag in ("meta",):
            return
        self._depth += 1
        if tag == "div" and "line" in (a.get("class") or "").split():
            self._in_line = self._depth
            self.lines.append("")

    def handle_endtag(self, tag):
        if self._in_line == self._depth:
            self._in_line = 0
        self._depth -= 1

    def handle_data(self, data):
        if self._in_line:
            self.lines[-1] += data


def test_page_is_standalone_with_lang_and_title():
    html = page([line(Span("Hello", 0))])
    p = Page(html)
    assert html.startswith("<!DOCTYPE html>")
    assert p.html_attrs.get("lang")
    assert "<title>Receipt</title>" in html
    assert "http://" not in html and "https://" not in html  # nothing fetched from elsewhere
    assert p._depth == 0  # every element closed


def test_text_is_real_text_in_columns_like_the_paper():
    lines = [line(Span("Espresso", 0), Span("2,50 €", 576 - 6 * 12)),
             line(Span("Qty", 0), Span("Item", 5 * 12), Span("Total", 30 * 12))]
    p = Page(page(lines))
    assert [t.rstrip() for t in p.lines] == [line_text(x, 12) for x in lines]
    assert p.lines[0] == "Espresso" + " " * 34 + "2,50 €"


def test_script_in_receipt_text_is_escaped():
    evil = '<script>alert("x")</script> & <img src=x onerror=alert(1)>'
    html = page([line(Span(evil, 0)),
                 Code2D(symbology="qr", data='"><script>bad()</script>', options={"size": 2})])
    assert "<script>" not in html and "onerror=alert(1)>" not in html
    assert "&lt;script&gt;alert(&quot;x&quot;)&lt;/script&gt; &amp; &lt;img" in html
    assert "".join(Page(html).lines) == evil  # a browser shows the printed characters (wrapped)
    assert Page(html).imgs[0]["alt"] == 'QR code: "><script>bad()</script>'


def test_control_characters_do_not_reach_the_page():
    html = page([line(Span("a\x00b\x1bc\ud800", 0))])
    assert "\x00" not in html and "\x1b" not in html
    html.encode("utf-8")  # no lone surrogate left


def test_centred_and_right_lines_carry_their_alignment():
    html = page([line(Span("CAFÉ", 0), align="center"), line(Span("Merci", 0), align="right")])
    assert '<div class="line center"' in html and '<div class="line right"' in html
    assert ".line.center{text-align:center}" in html and ".line.right{text-align:right}" in html


def test_styles_become_css():
    html = page([line(Span("B", 0, Style(bold=True)), Span("U", 12, Style(underline=1)),
                      Span("I", 24, Style(invert=True)), Span("W", 36, Style(width=2, height=2),
                                                            cell=24))])
    assert re.search(r'<span class="s b"[^>]*>B</span>', html)
    assert re.search(r'<span class="s u1"[^>]*>U</span>', html)
    assert re.search(r'<span class="s inv"[^>]*>I</span>', html)
    # double width and height: two columns wide, four text rows (48 dots) high, font doubled
    assert re.search(r'style="width:2ch;height:4ch"><span class="t" style="transform:scale\(2,2\)">W<', html)
    assert ".inv{background:#000;color:#fff}" in html


def test_paper_width_in_columns_follows_the_document():
    assert 'style="width:48ch"' in page([line(Span("x", 0))], width=576, cell=12)
    assert 'style="width:32ch"' in page([line(Span("x", 0))], width=384, cell=12)


def _img(attrs: dict) -> Image.Image:
    prefix = "data:image/png;base64,"
    assert attrs["src"].startswith(prefix)
    return Image.open(io.BytesIO(base64.b64decode(attrs["src"][len(prefix):])))


def test_qr_and_barcode_are_inline_images_that_scan():
    zxingcpp = pytest.importorskip("zxingcpp")
    p = Page(page([Code2D(symbology="qr", data="https://example.org/r/xyz", options={"size": 3}),
                   Barcode(symbology="ean13", data="400638133393", hri="below", module=2,
                           height=60)]))
    qr, bars = (_img(a) for a in p.imgs)

    def scan(img):
        framed = Image.new("L", (img.width + 40, img.height + 40), 255)
        framed.paste(img.convert("L"), (20, 20))
        return [r.text for r in zxingcpp.read_barcodes(framed)]

    assert scan(qr) == ["https://example.org/r/xyz"]
    assert scan(bars) == ["4006381333931"]
    assert p.imgs[1]["alt"] == "EAN13 barcode 4006381333931"


def test_hri_digits_are_text_above_or_below():
    above = page([Barcode(symbology="code39", data="AB12", hri="above")])
    none = page([Barcode(symbology="code39", data="AB12", hri="none")])
    assert above.index('class="hri"') < above.index("<img")
    assert 'class="hri"' not in none


def test_images_keep_their_size_in_dots():
    pic = Image.new("1", (120, 60), 1)
    ImageDraw.Draw(pic).ellipse((0, 0, 119, 59), fill=0)
    p = Page(page([ImageEvent(image=pic, align="center", scale_x=2)]))
    assert p.imgs[0]["style"] == "width:20ch;height:5ch"  # 240 x 60 dots at 12 dots a column
    assert _img(p.imgs[0]).size == (240, 60)


def test_receipts_are_articles_closed_by_a_cut():
    html = page([line(Span("one", 0)), Cut(), StoredImage(key="7"), DrawerKick(),
                 line(Span("two", 0)), Cut(partial=True)])
    p = Page(html)
    assert [a["aria-label"] for a in p.articles] == ["Receipt 1 of 2", "Receipt 2 of 2"]
    assert html.count('class="cut"') == 2 and "partial cut" in html
    assert "NV logo\nkey 7" in html
    assert 'aria-label="cash drawer opened"' in html


def test_undrawable_symbol_is_a_labelled_box_with_its_data():
    html = page([Code2D(symbology="hanxin", data="漢信 <data>")])
    assert 'class="box"' in html and "HANXIN code" in html and "漢信 &lt;data&gt;" in html


def test_barcode_with_wrong_check_digit_says_why():
    html = page([Barcode(symbology="ean13", data="5410013101708", hri="below")])
    assert "check digit 8 should be 3" in html and "<img" not in html


def test_underline_of_scaled_text_sits_on_the_scaled_characters():
    html = page([line(Span("BIG", 0, Style(underline=1, width=2, height=2), cell=24))])
    # CSS does not carry text-decoration into inline-blocks: the inner span carries it
    assert '<span class="t u1" style="transform:scale(2,2)">BIG</span>' in html
