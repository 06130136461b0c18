"""Render a document as a Pillow picture of the paper: one pixel per printer dot.

Each event becomes a horizontal strip of paper, stacked in print order:
text lines (spans at their dot position, in their style, the line aligned as a
whole within its margins, advanced by its line spacing), blank feeds, images,
barcodes and QR codes drawn so a phone can scan them off the screen, stored
(NV) logos as labelled dashed boxes, and cuts as dashed scissors lines.
Status requests, beeps and warnings print nothing; a drawer kick leaves a
small grey mark in the left margin.

Text uses the bundled DejaVu Sans Mono (€, accents, Greek, Cyrillic, box
drawing), so a Raspberry Pi renders exactly what a laptop does.
"""

from __future__ import annotations

import io
import logging
import math
from dataclasses import replace
from functools import lru_cache
from pathlib import Path

from PIL import Image, ImageDraw, ImageFont, ImageOps

from gateway.printer import symbols
from gateway.printer.document import (
    Barcode,
    Code2D,
    Cut,
    Document,
    DrawerKick,
    Feed,
    Receipt,
    Span,
    StoredImage,
    Style,
    TextLine,
)
from gateway.printer.document import Image as ImageEvent

log = logging.getLogger(__name__)

FONT_DIR = Path(__file__).with_name("fonts")
FONT_FILES = {False: "DejaVuSansMono.ttf", True: "DejaVuSansMono-Bold.ttf"}
PAPER, INK, RED_INK, NOTE = 255, 0, 96, 150  # grey levels ("L" mode)
MAX_HEIGHT = 100_000  # dots (about 12 m of paper): past this the picture stops, with a note
MAX_FEED = 2_000  # longer blank feeds are shortened, with a note
FONT_B_RATIO = 17 / 24  # Font B cell height relative to Font A (9x17 vs 12x24)


@lru_cache(maxsize=16)
def _font(bold: bool, size: int) -> ImageFont.FreeTypeFont | ImageFont.ImageFont:
    path = FONT_DIR / FONT_FILES[bold]
    try:
        return ImageFont.truetype(str(path), size)
    except OSError:
        log.warning("font %s is missing: receipts render with Pillow's default font, "
                    "without €, accents or box drawing; reinstall receipt-gateway", path)
        return ImageFont.load_default(size)


def cell_height(font: int, cell: int) -> int:
    """Height in dots of one character of `font` (0 = A) for a Font A column `cell` wide."""
    base = 2 * cell
    return max(1, round(base * FONT_B_RATIO)) if font else base


@lru_cache(maxsize=4096)
def _glyph(char: str, bold: bool, width: int, height: int) -> Image.Image:
    """One character as a mask (255 = ink) filling a width x height cell."""
    size = max(4, min(round(width / 0.602), round(height / 1.17)))
    font = _font(bold, size)
    img = Image.new("L", (width, height), 0)
    if char.strip():
        draw = ImageDraw.Draw(img)
        try:
            ascent, descent = font.getmetrics()
        except AttributeError:  # pragma: no cover - bitmap default font
            ascent, descent = height * 3 // 4, height // 4
        top = (height - ascent - descent) // 2
        left = (width - font.getlength(char)) / 2
        draw.text((left, top), char, font=font, fill=255)
    return img


def span_image(span: Span, doc_cell: int) -> Image.Image:
    """The span as printed: its characters, scaled, bold, underlined, inverted ..."""
    st = span.style
    sw, sh = max(1, st.width), max(1, st.height)
    advance = span.cell / sw  # dots per character before width scaling
    height = cell_height(st.font, doc_cell)
    base = Image.new("L", (max(1, round(advance * len(span.text))), height), 0)
    glyph_w = max(1, math.ceil(advance))
    bold = st.bold or st.double_strike
    for i, ch in enumerate(span.text):
        g = _glyph(ch, bold, glyph_w, height)
        if st.rotated:
            g = g.rotate(-90, expand=True).resize((glyph_w, height))
        base.paste(255, (round(i * advance), 0), g)
    if st.italic:
        base = base.transform(base.size, Image.AFFINE, (1, 0.2, -0.1 * height, 0, 1, 0))
    img = base.resize((base.width * sw, height * sh), Image.NEAREST) if sw > 1 or sh > 1 else base
    if st.underline:
        ImageDraw.Draw(img).rectangle((0, img.height - st.underline, img.width - 1, img.height - 1),
                                      fill=255)
    if st.upside_down:
        img = img.rotate(180)
    ink = RED_INK if st.color else INK
    if st.invert:  # the cell in ink, the characters in paper
        return Image.eval(img, lambda v: ink + (PAPER - ink) * v // 255)
    return Image.eval(img, lambda v: PAPER - (PAPER - ink) * v // 255)


def wrap_line(line: TextLine) -> list[TextLine]:
    """The rows a printer prints for `line`: text running past the printable width wraps.

    The decoder leaves long lines whole when the paper width is unknown; the paper
    picture has a width, so it wraps them the way the printer would.
    """
    limit = max(1, line.width)
    if all(s.end_x <= limit for s in line.spans):
        return [line]
    rows: list[list[Span]] = [[]]
    shift = 0  # original x where the current row starts
    for span in line.spans:
        x, text = max(0, span.x - shift), span.text
        while text:
            room = (limit - x) // max(1, span.cell)
            if room <= 0 and rows[-1]:
                shift += x
                rows.append([])
                x, room = 0, limit // max(1, span.cell)
            part, text = text[:max(1, room)], text[max(1, room):]
            rows[-1].append(Span(part, x, span.style, span.cell))
            x += span.cell * len(part)
    return [TextLine(offset=line.offset, end=line.end, spans=row, align=line.align, left=line.left,
                     width=line.width, height=line.height, feed=line.feed) for row in rows]


def _line_strip(line: TextLine, doc: Document) -> Image.Image | None:
    rows = wrap_line(line)
    if len(rows) > 1:
        return _stack([im for im in (_row_strip(row, doc) for row in rows) if im], doc.width)
    return _row_strip(line, doc)


def _row_strip(line: TextLine, doc: Document) -> Image.Image | None:
    spans = [s for s in line.spans if s.text]
    images = [span_image(s, doc.cell) for s in spans]
    text_h = max([line.height] + [im.height for im in images])
    height = max(line.feed, text_h) if spans else line.feed
    if height <= 0:
        return None
    strip = Image.new("L", (doc.width, height), PAPER)
    shift = 0
    if spans and line.align in ("center", "right"):
        room = line.width - max(s.end_x for s in spans)
        shift = max(0, room // 2 if line.align == "center" else room)
    for span, im in zip(spans, images, strict=True):
        strip.paste(im, (line.left + span.x + shift, text_h - im.height))
    return strip


def _aligned(img: Image.Image, align: str, width: int) -> Image.Image:
    strip = Image.new("L", (width, img.height), PAPER)
    x = {"center": (width - img.width) // 2, "right": width - img.width}.get(align, 0)
    strip.paste(img.convert("L"), (max(0, x), 0))
    return strip


def _text(text: str, font: int, cell: int, fill: int = INK) -> Image.Image:
    """A run of plain text (HRI digits, labels) in one of the printer fonts."""
    span = Span(text, 0, Style(font=font), round(cell * (0.75 if font else 1)))
    img = span_image(span, cell)
    return img if fill == INK else Image.eval(img, lambda v: v if v == PAPER else fill)


def _placeholder(lines: list[str], width: int, height: int, cell: int) -> Image.Image:
    """A dashed box with labels: something the renderer cannot draw as printed."""
    labels = [_text(t[: max(1, (width - 8) // (cell * 3 // 4))], 1, cell, NOTE) for t in lines]
    height = max(height, sum(im.height + 2 for im in labels) + 8)
    box = Image.new("L", (width, height), PAPER)
    draw = ImageDraw.Draw(box)
    for x in range(0, width, 8):
        draw.line((x, 0, x + 3, 0), fill=NOTE)
        draw.line((x, height - 1, x + 3, height - 1), fill=NOTE)
    for y in range(0, height, 8):
        draw.line((0, y, 0, y + 3), fill=NOTE)
        draw.line((width - 1, y, width - 1, y + 3), fill=NOTE)
    y = (height - sum(im.height + 2 for im in labels)) // 2
    for im in labels:
        box.paste(im, ((width - im.width) // 2, y))
        y += im.height + 2
    return box


def _barcode_strip(e: Barcode, doc: Document) -> Image.Image:
    bars = symbols.barcode_image(e)
    hri = symbols.barcode_text(e)
    skipped = symbols.barcode_problem(e) or (
        "wider than the paper: not printed" if bars is not None and bars.width > doc.width else None)
    if skipped or bars is None:  # a printer prints no HRI for a barcode it skips
        hri_shown = "" if skipped else hri
        bars = _placeholder([f"{e.symbology.upper()} barcode", hri,
                             f"({skipped or 'cannot draw this symbology'})"],
                            min(doc.width, 320), max(40, e.height // 2), doc.cell)
        hri = hri_shown
    parts = []
    text = _text(hri, e.hri_font, doc.cell) if hri else None
    if text is not None and e.hri in ("above", "both"):
        parts.append(_aligned(text, "center", bars.width))
    parts.append(bars.convert("L"))
    if text is not None and e.hri in ("below", "both"):
        parts.append(_aligned(text, "center", bars.width))
    return _aligned(_stack(parts, bars.width), e.align, doc.width)


def _code2d_strip(e: Code2D, doc: Document) -> Image.Image:
    img = symbols.code2d_image(e)
    if img is None or img.width > doc.width:
        why = "cannot draw it here" if img is None else "wider than the paper"
        img = _placeholder([f"{e.symbology.upper()} symbol ({why})", e.data[:200]],
                           min(doc.width, 320), 96, doc.cell)
    return _aligned(img, e.align, doc.width)


def _image_strip(e: ImageEvent, doc: Document) -> Image.Image | None:
    if e.image is None or not e.image.width or not e.image.height:
        return None
    img = e.image.convert("L")
    if e.scale_x > 1 or e.scale_y > 1:
        img = img.resize((img.width * e.scale_x, img.height * e.scale_y), Image.NEAREST)
    if img.width > doc.width:
        img = img.crop((0, 0, doc.width, img.height))  # the printer clips at the paper edge
    return _aligned(img, e.align, doc.width)


def _feed_strip(e: Feed, doc: Document) -> Image.Image | None:
    if e.dots <= 0:
        return None
    if e.dots <= MAX_FEED:
        return Image.new("L", (doc.width, e.dots), PAPER)
    note = _text(f"... {e.dots} dots of blank paper ...", 1, doc.cell, NOTE)
    return _aligned(_stack([Image.new("L", (1, 60), PAPER), note, Image.new("L", (1, 60), PAPER)],
                           note.width), "center", doc.width)


def _cut_strip(e: Cut, doc: Document) -> Image.Image:
    strip = Image.new("L", (doc.width, max(0, e.feed) + 24), PAPER)
    y = strip.height - 12
    draw = ImageDraw.Draw(strip)
    for x in range(16, doc.width, 10):
        draw.line((x, y, x + 5, y), fill=NOTE)
    scissors = _text("✂", 0, doc.cell, NOTE)
    strip.paste(scissors, (0, y - scissors.height // 2))
    if e.partial:
        label = _text("partial cut", 1, doc.cell, NOTE)
        strip.paste(label, (doc.width - label.width, y - label.height - 1))
    return strip


def _stored_strip(e: StoredImage, doc: Document) -> Image.Image:
    name = "NV logo" if e.store == "nv" else f"stored image ({e.store})"
    label = [name, f"key {e.key}"] if e.key else [name]
    return _aligned(_placeholder(label, min(doc.width, 256), 96, doc.cell), e.align, doc.width)


def _stack(parts: list[Image.Image], width: int) -> Image.Image:
    out = Image.new("L", (width, max(1, sum(p.height for p in parts))), PAPER)
    y = 0
    for p in parts:
        out.paste(p, (0, y))
        y += p.height
    return out


_STRIPS = {TextLine: _line_strip, Feed: _feed_strip, Barcode: _barcode_strip, Code2D: _code2d_strip,
           ImageEvent: _image_strip, Cut: _cut_strip, StoredImage: _stored_strip}


def printed_events(events):
    """Events as the paper shows them: an ESC * bit image is part of the line that prints it.

    The decoder emits an ESC * band as an Image followed by the LF that prints it; on paper
    the LF's line spacing includes the band's height (bands stack without gaps).
    """
    band = 0
    for e in events:
        if isinstance(e, TextLine) and band and not any(sp.text for sp in e.spans):
            e = replace(e, height=0, feed=max(0, e.feed - band))
        band = (e.image.height * max(1, e.scale_y)
                if isinstance(e, ImageEvent) and e.source == "column" and e.image else 0)
        yield e


def render_receipt_image(receipt: Receipt, doc: Document) -> Image.Image:
    """One receipt (up to and including its cut) as a greyscale picture, doc.width dots wide."""
    parts: list[Image.Image] = []
    marks: list[int] = []  # y of drawer kicks
    height = 0
    for e in printed_events(receipt.events):
        if isinstance(e, DrawerKick):
            marks.append(height)
            continue
        make = _STRIPS.get(type(e))
        strip = make(e, doc) if make else None
        if strip is None:
            continue
        if height + strip.height > MAX_HEIGHT:
            parts.append(_aligned(_text("... the rest is too long to draw ...", 1, doc.cell, NOTE),
                                  "center", doc.width))
            break
        parts.append(strip)
        height += strip.height
    img = _stack(parts, doc.width)
    draw = ImageDraw.Draw(img)
    for y in marks:  # a small grey triangle in the margin: "the cash drawer opened here"
        draw.polygon([(0, y), (5, y + 4), (0, y + 8)], fill=NOTE)
    return img


def render_image(doc: Document) -> Image.Image:
    """The whole document: its receipts one after the other."""
    receipts = [render_receipt_image(r, doc) for r in doc.receipts()]
    if not receipts:
        note = _text("(nothing printed)", 1, doc.cell, NOTE)
        receipts = [_aligned(ImageOps.expand(note, border=(0, 12), fill=PAPER), "center", doc.width)]
    return _stack(receipts, doc.width)


def render_png(doc: Document) -> bytes:
    """The document as PNG bytes (greyscale, one pixel per printer dot)."""
    buf = io.BytesIO()
    render_image(doc).save(buf, format="PNG", compress_level=3)  # 3x faster than 6, +20 % size
    return buf.getvalue()
