"""Render a document as a standalone HTML page that looks like the paper.

The paper is `doc.width / doc.cell` monospace columns wide; one printer dot is
`1/cell` ch both ways, so positions, line spacing, images and codes keep the
proportions they have on paper. Text stays real text (selectable, read by
screen readers, found by search): spans sit at their column, with their style
(bold, underline, inverted, double width/height, Font B); centred and
right-aligned lines are aligned by CSS. Images, barcodes and QR codes are
inline PNG data URIs drawn by `gateway.printer.symbols`, with alt text giving
their content. Every receipt is an <article>; a cut closes it with a dashed
scissors line. All text from the stream is escaped: a receipt is untrusted.
"""

from __future__ import annotations

import html
import re

from PIL import Image

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
    TextLine,
)
from gateway.printer.document import Image as ImageEvent
from gateway.printer.render_png import (
    FONT_B_RATIO,
    MAX_FEED,
    cell_height,
    printed_events,
    wrap_line,
)

_UNPRINTABLE = re.compile("[\x00-\x08\x0b-\x1f\x7f-\x9f\ud800-\udfff]")

CSS = """
body{margin:0;padding:1rem;background:#d9d9d6;color:#000;
 font-family:"DejaVu Sans Mono",Menlo,Consolas,"Liberation Mono",monospace}
main{display:flex;flex-direction:column;align-items:center;gap:1.5em}
.paper{position:relative;background:#fff;padding:1.5ch 2ch;box-shadow:0 1px 4px #0005;
 box-sizing:content-box;overflow:visible}
.line{white-space:pre;line-height:1.2;overflow:visible}
.line.center{text-align:center}.line.right{text-align:right}
.s,.g{display:inline-block;vertical-align:bottom;white-space:pre;overflow:visible;position:relative}
.t{position:absolute;left:0;bottom:0;white-space:pre;transform-origin:0 100%;line-height:1.2;
 text-rendering:geometricPrecision}
.b{font-weight:bold}.u1{text-decoration:underline}
.u2{text-decoration:underline;text-decoration-thickness:2px}
.inv{background:#000;color:#fff}.red{color:#c00}.it{font-style:italic}
.ud{transform:rotate(180deg)}
.sym{display:block;line-height:0}.sym.center{text-align:center}.sym.right{text-align:right}
.sym img{image-rendering:pixelated;image-rendering:crisp-edges}
.hri{display:block;line-height:1.2;white-space:pre}
.box{display:inline-block;border:1px dashed #999;color:#777;font-size:75%;line-height:1.3;
 padding:1ch;white-space:pre-wrap;word-break:break-all;box-sizing:border-box;text-align:center}
.note{color:#888;font-size:75%;text-align:center;line-height:1.2}
.cut{border-top:2px dashed #aaa;margin-top:1ch;position:relative;height:0}
.cut::before{content:"\\2702";position:absolute;left:-2ch;top:-0.7em;color:#888}
.cut span{position:absolute;right:0;top:-1.4em;color:#888;font-size:75%}
.kick{position:absolute;left:0.3ch;color:#999;font-size:75%;line-height:1}
"""


def esc(text: str) -> str:
    """Text from the stream, safe inside HTML elements and attribute values."""
    return html.escape(_UNPRINTABLE.sub("\ufffd", text), quote=True)


def _ch(dots: float, cell: int) -> str:
    return f"{dots / cell:.4g}ch"


def _span_html(span: Span, cell: int) -> str:
    st = span.style
    classes = ["s"]
    if st.bold or st.double_strike:
        classes.append("b")
    under = f" u{min(st.underline, 2)}" if st.underline else ""
    classes += [c for flag, c in ((st.invert, "inv"), (st.color, "red"), (st.italic, "it"),
                                  (st.upside_down, "ud")) if flag]
    height = cell_height(st.font, cell) * max(1, st.height)
    width = span.cell * len(span.text)
    text = esc(span.text)
    scale_y = max(1, st.height) * (FONT_B_RATIO if st.font else 1)
    scale_x = span.cell / cell
    if abs(scale_y - 1) > 1e-3 or abs(scale_x - 1) > 1e-3:
        # drawn at Font A size, then scaled like the printer doubles dots;
        # text-decoration does not reach into an inline-block: underline the inner span
        text = (f'<span class="t{under}" style="transform:scale({scale_x:.4g},{scale_y:.4g})">'
                f"{text}</span>")
    elif under:
        classes.append(under.strip())
    return (f'<span class="{" ".join(classes)}" style="width:{_ch(width, cell)};'
            f'height:{_ch(height, cell)}">{text}</span>')


def _line_html(line: TextLine, doc: Document) -> str:
    cell = doc.cell
    spans = [s for s in line.spans if s.text]
    text_h = max([line.height if spans else min(line.height, line.feed)]
                 + [cell_height(s.style.font, cell) * max(1, s.style.height) for s in spans])
    parts: list[str] = []
    pos = 0
    for span in spans:
        gap = span.x - pos
        if gap > 0:
            parts.append(f'<span class="g" style="width:{_ch(gap, cell)}">'
                         f'{" " * max(1, round(gap / cell))}</span>')
        parts.append(_span_html(span, cell))
        pos = max(pos, span.end_x)
    align = f" {line.align}" if line.align in ("center", "right") else ""
    style = (f"margin-left:{_ch(line.left, cell)};width:{_ch(line.width, cell)};"
             f"height:{_ch(text_h, cell)};"
             f"margin-bottom:{_ch(max(0, line.feed - text_h), cell)}")
    return f'<div class="line{align}" style="{style}">{"".join(parts)}</div>'


def _img(img: Image.Image, alt: str, cell: int) -> str:
    return (f'<img src="{symbols.png_data_uri(img)}" alt="{esc(alt)}" '
            f'style="width:{_ch(img.width, cell)};height:{_ch(img.height, cell)}">')


def _box(text: str, width: int, cell: int) -> str:
    return f'<span class="box" style="width:{_ch(width, cell)}">{esc(text)}</span>'


def _sym(inner: str, align: str) -> str:
    cls = f" {align}" if align in ("center", "right") else ""
    return f'<div class="sym{cls}">{inner}</div>'


def _barcode_html(e: Barcode, doc: Document) -> str:
    bars = symbols.barcode_image(e)
    hri = symbols.barcode_text(e)
    name = f"{e.symbology.upper()} barcode"
    skipped = symbols.barcode_problem(e) or (
        "wider than the paper: not printed" if bars is not None and bars.width > doc.width else None)
    if skipped or bars is None:  # a printer prints no HRI for a barcode it skips
        inner = _box(f"{name}\n{hri}\n({skipped or 'cannot draw this symbology'})",
                     min(doc.width, 320), doc.cell)
        hri = "" if skipped else hri
    else:
        inner = _img(bars, f"{name} {hri}", doc.cell)
    text = f'<span class="hri" aria-hidden="true">{esc(hri)}</span>' if hri else ""
    above = text if e.hri in ("above", "both") else ""
    below = text if e.hri in ("below", "both") else ""
    return _sym(f'<span style="display:inline-block;text-align:center">{above}{inner}{below}</span>',
                e.align)


def _code2d_html(e: Code2D, doc: Document) -> str:
    img = symbols.code2d_image(e)
    name = f"{e.symbology.upper()} code"
    if img is None or img.width > doc.width:
        why = "cannot draw it here" if img is None else "wider than the paper"
        return _sym(_box(f"{name} ({why})\n{e.data[:200]}", min(doc.width, 320), doc.cell), e.align)
    return _sym(_img(img, f"{name}: {e.data}", doc.cell), e.align)


def _image_html(e: ImageEvent, doc: Document) -> str:
    if e.image is None or not e.image.width or not e.image.height:
        return ""
    img = e.image
    if e.scale_x > 1 or e.scale_y > 1:
        img = img.resize((img.width * e.scale_x, img.height * e.scale_y), Image.NEAREST)
    if img.width > doc.width:
        img = img.crop((0, 0, doc.width, img.height))
    return _sym(_img(img, f"printed picture, {img.width} × {img.height} dots", doc.cell), e.align)


def _feed_html(e: Feed, doc: Document) -> str:
    if e.dots <= 0:
        return ""
    if e.dots > MAX_FEED:
        return f'<div class="note" style="margin:2em 0">… {e.dots} dots of blank paper …</div>'
    return f'<div style="height:{_ch(e.dots, doc.cell)}"></div>'


def _event_html(e, doc: Document) -> str:
    if isinstance(e, TextLine):
        return "\n".join(_line_html(row, doc) for row in wrap_line(e))
    if isinstance(e, Feed):
        return _feed_html(e, doc)
    if isinstance(e, ImageEvent):
        return _image_html(e, doc)
    if isinstance(e, Barcode):
        return _barcode_html(e, doc)
    if isinstance(e, Code2D):
        return _code2d_html(e, doc)
    if isinstance(e, StoredImage):
        name = "NV logo" if e.store == "nv" else f"stored image ({e.store})"
        key = f"\nkey {e.key}" if e.key else ""
        return _sym(_box(f"{name}{key}", min(doc.width, 256), doc.cell), e.align)
    if isinstance(e, DrawerKick):
        return (f'<div class="kick" title="cash drawer kick (pin {e.pin})" '
                f'role="note" aria-label="cash drawer opened">⏏</div>')
    if isinstance(e, Cut):
        label = "<span>partial cut</span>" if e.partial else ""
        return (f'<div style="height:{_ch(max(0, e.feed), doc.cell)}"></div>'
                f'<div class="cut" role="separator" aria-label="paper cut">{label}</div>')
    return ""


def receipt_html(receipt: Receipt, doc: Document, number: int, total: int) -> str:
    body = "\n".join(h for h in (_event_html(e, doc) for e in printed_events(receipt.events)) if h)
    return (f'<article class="paper" aria-label="Receipt {number} of {total}" '
            f'style="width:{_ch(doc.width, doc.cell)}">\n{body}\n</article>')


def _font_size(doc: Document) -> str:
    """One printer dot = one CSS pixel (barcodes and images crisp on screens), smaller on phones.

    1ch is about 0.602em in DejaVu Sans Mono; the paper with its padding is columns + 4 ch.
    """
    ch_per_em = 0.602
    px = doc.cell / ch_per_em
    cols = doc.width / max(1, doc.cell) + 4
    return f"body{{font-size:min({px:.2f}px,calc((100vw - 2rem) / {cols * ch_per_em:.2f}))}}\n"


def render_html(doc: Document, lang: str = "und", title: str = "Receipt") -> str:
    """A standalone page (no external files) showing every receipt of the document.

    `lang` is the receipt's language when known (BCP 47, e.g. "fr-BE"); "und"
    (undetermined) otherwise.
    """
    receipts = doc.receipts()
    articles = [receipt_html(r, doc, i, len(receipts)) for i, r in enumerate(receipts, 1)]
    if not articles:
        articles = ['<article class="paper"><p class="note">(nothing printed)</p></article>']
    heading = title if len(articles) == 1 else f"{title}s ({len(articles)})"
    return ("<!DOCTYPE html>\n"
            f'<html lang="{esc(lang)}">\n<head>\n<meta charset="utf-8">\n'
            '<meta name="viewport" content="width=device-width, initial-scale=1">\n'
            f"<title>{esc(heading)}</title>\n<style>{CSS}{_font_size(doc)}</style>\n</head>\n"
            "<body>\n<main>\n"
            + "\n".join(articles) + "\n</main>\n</body>\n</html>\n")
