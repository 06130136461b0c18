"""Render a document as plain text: one printed line per line, columns kept.

A span's x position (dots) becomes a column: x // cell, where cell is the width of
one Font A character. Tabs and ESC $ / ESC \\ positioning therefore turn into
spaces. Alignment (ESC a) adds no padding: the line's own characters are kept.
Barcodes add their digits only when the stream has the printer print them (HRI), with the
check digit the printer adds to an EAN/UPC sent without it;
images and 2D codes add no line.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from typing import TYPE_CHECKING

from gateway.printer.barcodes import hri_text
from gateway.printer.document import (
    Barcode,
    Document,
    Event,
    Feed,
    Receipt,
    ReceiptSplitter,
    TextLine,
)
from gateway.printer.text_lines import ACCELERATOR, TextLines

if TYPE_CHECKING:
    from gateway.printer.profiles import Profile


def line_text(line: TextLine, cell: int) -> str:
    """The line's printed characters, columns kept, trailing spaces dropped."""
    fast = TextLines._fast
    return fast.line_text(line, cell) if fast is not None else line_text_py(line, cell)


def receipt_lines(receipt: Receipt, cell: int = 12) -> list[str]:
    """The receipt's printed lines: text lines, blank lines of feeds, barcode digits; none blank at the end."""
    fast = TextLines._fast
    return fast.receipt_lines(receipt.events, cell) if fast is not None else receipt_lines_py(receipt, cell)


def line_text_py(line: TextLine, cell: int) -> str:
    """`line_text` in Python: the reference of the C one (_textpath.c), and its fallback."""
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


def receipt_lines_py(receipt: Receipt, cell: int = 12) -> list[str]:
    """`receipt_lines` in Python: the reference of the C one (_textpath.c)."""
    lines: list[str] = []
    append = lines.append
    for e in receipt.events:
        if isinstance(e, TextLine):
            spans = e.spans
            if len(spans) == 1 and spans[0].x == 0:  # line_text's common case, without the call
                append(spans[0].text.rstrip())
            else:
                append(line_text_py(e, cell))
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


if ACCELERATOR is not None:  # the C text path's module renders too, when it is in use (TextLines._fast)
    ACCELERATOR.init_render(Feed, Barcode, line_text_py, hri_text)


def render_text(doc: Document) -> str:
    blocks = ["\n".join(receipt_lines(r, doc.cell)) for r in doc.receipts()]
    text = "\n\n".join(b for b in blocks if b)
    return text + "\n" if text else ""


class TextStream:
    """`render_text` receipt by receipt, as the events come: the same text, in bounded memory.

        out = TextStream(cell)
        for chunk in chunks:
            write(out.feed(decoder.feed(chunk)))
        write(out.feed(decoder.close()) + out.close())

    Each receipt is rendered when its cut arrives and its events let go; only the receipt
    not yet cut is held (see `ReceiptSplitter`). The pieces joined are `render_text` of the
    Document of all the events: each receipt's lines, a blank line between receipts that
    print any, a final newline. `printed` says whether any receipt was not blank.
    """

    def __init__(self, cell: int = 12):
        self.cell = cell
        self.printed = False  # any receipt with something visible (`Receipt.is_blank` false)
        self._split = ReceiptSplitter()
        self._started = False  # a block was given out: the next one is preceded by a blank line

    def feed(self, events: list[Event]) -> str:
        """The text of the receipts these events complete ("" when none)."""
        return self._text(self._split.feed(events))

    def close(self) -> str:
        """End of stream: the text of the part after the last cut (Document.receipts' rule)."""
        return self._text(self._split.close())

    def _text(self, receipts: list[Receipt]) -> str:
        out = []
        for r in receipts:
            if not self.printed and not r.is_blank:
                self.printed = True
            block = "\n".join(receipt_lines(r, self.cell))
            if block:
                out.append(("\n" if self._started else "") + block + "\n")
                self._started = True
        return "".join(out)


def iter_text(chunks: Iterable[bytes], profile: str | Profile | None = None, **kwargs) -> Iterator[str]:
    """Decode a stream given in chunks of any size; yield its printed text receipt by receipt.

    "".join(iter_text(chunks, profile)) == render_text(decode(b"".join(chunks), profile)).
    Pure: the chunks may come from a file, a socket or memory.
    """
    from gateway.printer.decoder import Decoder

    dec = Decoder(profile, **kwargs)
    out = TextStream(dec.profile.cell(0))
    for chunk in chunks:
        text = out.feed(dec.feed(chunk))
        if text:
            yield text
    text = out.feed(dec.close()) + out.close()
    if text:
        yield text
