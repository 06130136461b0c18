"""Render a document as plain text: one printed line per line, columns kept.

A span's x position (dots) becomes a column: x // cell, where cell is the width of
one Font A character. Tabs and ESC $ / ESC \\ positioning therefore turn into
spaces. Alignment (ESC a) adds no padding: the line's own characters are kept.
Barcodes add their digits only when the stream has the printer print them (HRI), with the
check digit the printer adds to an EAN/UPC sent without it;
images and 2D codes add no line.
"""

from __future__ import annotations

from gateway.printer.barcodes import hri_text
from gateway.printer.document import Barcode, Document, Feed, Receipt, TextLine


def line_text(line: TextLine, cell: int) -> str:
    spans = line.spans
    if len(spans) == 1 and spans[0].x == 0:  # most lines: one run of text from the left edge
        return spans[0].text.rstrip()
    out: list[str] = []
    col = 0
    half = cell // 2
    for span in spans:
        text = span.text
        target = (span.x + half) // cell if cell else 0
        if target > col:
            out.append(" " * (target - col))
            col = target
        out.append(text)
        if text:  # columns the text takes: its length when it is in the line's own cell
            col += len(text) if span.cell == cell and cell else max(1, round(span.cell * len(text) / cell))
    return "".join(out).rstrip()


def receipt_lines(receipt: Receipt, cell: int = 12) -> list[str]:
    lines: list[str] = []
    append = lines.append
    for e in receipt.events:
        if isinstance(e, TextLine):
            spans = e.spans
            if len(spans) == 1 and spans[0].x == 0:  # line_text's common case, without the call
                append(spans[0].text.rstrip())
            else:
                append(line_text(e, cell))
        elif isinstance(e, Feed):
            lines.extend([""] * e.lines)
        elif isinstance(e, Barcode) and e.hri != "none" and e.data:
            hri = hri_text(e.symbology, e.data)
            if e.hri in ("above", "both"):
                lines.append(hri)
            if e.hri in ("below", "both"):
                lines.append(hri)
    while lines and not lines[-1]:
        lines.pop()
    return lines


def render_text(doc: Document) -> str:
    blocks = ["\n".join(receipt_lines(r, doc.cell)) for r in doc.receipts()]
    text = "\n\n".join(b for b in blocks if b)
    return text + "\n" if text else ""
