"""The paper picture of a stored e-receipt: its printed `text` lines and codes as a Document.

The hub keeps the e-receipt, not the print stream, so the page and the downloads
rebuild a document from what the receipt printed: one text line per printed line
(columns kept), a 1D barcode where the paper printed its digits, and the QR codes
(fiscal ones included) at the end. The project's renderers then draw it exactly
as `receipt-gateway decode --format html|png` does: HTML for the page, a PNG at
one pixel per printer dot, and a PDF of that picture at the printer's resolution.
"""

from __future__ import annotations

import io
import re
from functools import lru_cache

from PIL import ImageOps

from gateway.printer import render_html
from gateway.printer.document import Barcode, Code2D, Cut, Document, Feed, Span, TextLine
from gateway.printer.render_png import render_receipt_image

CELL = 12  # dots per column (Font A)
DPI = 203  # the dot pitch of an 80 mm printer: the PDF prints at paper size
PAPER_COLUMNS = (32, 42, 48)  # 58 mm, 76 mm, 80 mm rolls

# render_html's CSS styles the standalone page's body and main; the hub page has its own
PAPER_CSS = re.sub(r"(?m)^(body|main)\{[^}]*\}\n?", "", render_html.CSS)


def columns(text: list[str]) -> int:
    """The narrowest standard roll the longest printed line fits on."""
    widest = max((len(line) for line in text), default=0)
    return next((c for c in PAPER_COLUMNS if widest <= c), widest)


def document(ereceipt: dict) -> Document:
    text: list[str] = list(ereceipt.get("text") or [])
    width = columns(text) * CELL
    bars = {c["data"]: c for c in ereceipt.get("codes") or []
            if c.get("type") not in ("qr", "pdf417", "datamatrix", "aztec") and c.get("data")}
    events = []
    for line in text:
        code = bars.pop(line.strip(), None) if line.strip() else None
        if code is not None:
            events.append(Barcode(symbology=code["type"], data=code["data"], hri="below",
                                  module=2, height=80, align="center"))
            continue
        spans = [Span(line.rstrip(), 0)] if line.strip() else []
        events.append(TextLine(spans=spans, width=width))
    qr_codes = [c for c in ereceipt.get("codes") or [] if c.get("type") == "qr" and c.get("data")]
    for code in qr_codes:
        events.append(Feed(dots=24))
        events.append(Code2D(symbology="qr", data=code["data"], align="center",
                             options={"size": 4}))
    events.append(Cut(feed=24))
    return Document(events=events, width=width, cell=CELL)


def paper_html(ereceipt: dict, label: str) -> str:
    """The receipt as an <article> of HTML (text stays text; escaped: a receipt is untrusted).

    A stored receipt never changes: its drawing (QR and barcode images included) is cached
    by receipt id."""
    return _paper_html(ereceipt["receipt_id"], label, _Frozen(ereceipt))


class _Frozen:
    """Carries the e-receipt into the cache without making it part of the key."""

    def __init__(self, ereceipt: dict):
        self.ereceipt = ereceipt

    def __hash__(self) -> int:
        return 0

    def __eq__(self, other) -> bool:
        return isinstance(other, _Frozen)


@lru_cache(maxsize=512)
def _paper_html(receipt_id: str, label: str, frozen: _Frozen) -> str:
    ereceipt = frozen.ereceipt
    doc = document(ereceipt)
    receipt = doc.receipts()[0]
    article = render_html.receipt_html(receipt, doc, 1, 1)
    return article.replace('aria-label="Receipt 1 of 1"',
                           f'aria-label="{render_html.esc(label)}"', 1)


def paper_font_size(ereceipt: dict) -> str:
    """CSS font size that fits the paper on the screen (one printer dot = one CSS px at most)."""
    cols = columns(list(ereceipt.get("text") or [])) + 4
    ch_per_em = 0.602
    return f"min({CELL / ch_per_em:.2f}px,calc((100vw - 2.5rem) / {cols * ch_per_em:.2f}))"


def image(ereceipt: dict):
    """A greyscale picture of the paper, one pixel per dot, with a white margin."""
    doc = document(ereceipt)
    return ImageOps.expand(render_receipt_image(doc.receipts()[0], doc), border=2 * CELL, fill=255)


def png(ereceipt: dict) -> bytes:
    return _file(ereceipt["receipt_id"], "PNG", "", _Frozen(ereceipt))


def pdf(ereceipt: dict, title: str = "Receipt") -> bytes:
    return _file(ereceipt["receipt_id"], "PDF", title, _Frozen(ereceipt))


@lru_cache(maxsize=64)  # a receipt's files are asked for a few times in a row (phone, then PDF)
def _file(receipt_id: str, kind: str, title: str, frozen: _Frozen) -> bytes:
    buf = io.BytesIO()
    if kind == "PNG":
        image(frozen.ereceipt).save(buf, format="PNG", compress_level=3)
    else:
        image(frozen.ereceipt).save(buf, format="PDF", resolution=DPI, title=title, author="receipt hub")
    return buf.getvalue()
