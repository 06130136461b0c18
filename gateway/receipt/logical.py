"""The till's own lines: printed lines joined back where the printer wrapped them.

A till set up for 48 columns printing on a 42-column printer (or 42 on 32) sends
lines longer than the paper; the printer wraps them by width, so an amount lands
on the next printed line ("Gesamt                                  17" / "5,16").
The decoder emits each piece as its own `TextLine`, all with the byte range of
the one LF-ended line they came from, and keeps the till's own line on the first
piece (`TextLine.till_spans`, also when the printer ignored a tab or ESC $ move
past the paper's edge). Without it (page mode, documents from elsewhere) the pieces
that share a byte range are joined, each continuation placed after the width of
the paper. The extractor reads these lines; the e-receipt's `text` keeps the
lines as printed.

Each logical line also carries a few style hints (bold, double width/height,
centred) that the merchant name detection uses (the first `HINTED` lines; plain below).
"""

from __future__ import annotations

from dataclasses import dataclass

from gateway.printer.barcodes import hri_text
from gateway.printer.document import Barcode, Feed, Receipt, Span, TextLine
from gateway.printer.render_text import line_text


@dataclass(slots=True)
class Hint:
    """How a logical line was printed (its dominant style)."""

    big: bool = False  # double width or double height
    bold: bool = False
    centered: bool = False
    wrapped: bool = False  # the printer wrapped it over more than one printed line
    full: bool = False  # its text reaches the paper's right edge (a word may go on below)


PLAIN_HINT = Hint()
HINTED = 16  # hints are read for the merchant name only: the top of the receipt


def logical_lines(receipt: Receipt, cell: int = 12) -> tuple[list[str], list[Hint]]:
    """The receipt's lines as the till sent them (printer wraps undone), with style hints."""
    lines: list[str] = []
    hints: list[Hint] = []
    events = receipt.events
    i, n = 0, len(events)
    while i < n:
        e = events[i]
        if isinstance(e, TextLine):
            j = i + 1
            while j < n and isinstance(events[j], TextLine) and events[j].offset == e.offset \
                    and events[j].end == e.end and e.end > e.offset:
                j += 1
            group = events[i:j]
            if e.till_spans is not None:  # the decoder kept the till's line: the exact one
                line = TextLine(offset=e.offset, end=e.end, spans=e.till_spans, align=e.align, left=e.left,
                                width=1 << 30, height=e.height, feed=group[-1].feed)
            else:
                line = group[0] if len(group) == 1 else _joined(group, cell)
            lines.append(line_text(line, cell))
            hints.append(_hint(line, len(group) > 1) if len(lines) <= HINTED else PLAIN_HINT)
            i = j
            continue
        if isinstance(e, Feed):
            lines.extend([""] * e.lines)
            hints.extend([PLAIN_HINT] * e.lines)
        elif isinstance(e, Barcode) and e.hri != "none" and e.data:
            for where in ("above", "below"):
                if e.hri in (where, "both"):
                    lines.append(hri_text(e.symbology, e.data))
                    hints.append(PLAIN_HINT)
        i += 1
    while lines and not lines[-1]:
        lines.pop()
        hints.pop()
    return lines, hints


def _joined(group: list[TextLine], cell: int) -> TextLine:
    """One TextLine with every piece shifted right by the columns the paper holds."""
    step = max(cell, (group[0].width // cell) * cell)
    spans: list[Span] = []
    for k, piece in enumerate(group):
        spans.extend(Span(s.text, s.x + k * step, s.style, s.cell) for s in piece.spans)
    first = group[0]
    return TextLine(offset=first.offset, end=first.end, spans=spans, align=first.align, left=first.left,
                    width=step * len(group), height=first.height, feed=group[-1].feed)


_HINTS: dict[tuple, Hint] = {}


def _hint(line: TextLine, wrapped: bool) -> Hint:
    spans = line.spans
    if len(spans) == 1:  # the common line: one run in one style
        span = spans[0]
        st, text = span.style, span.text.rstrip()
        if not text.strip():
            return PLAIN_HINT
        big, bold = st.width > 1 or st.height > 1, st.bold or st.double_strike
        last = span
    else:
        spans = [s for s in spans if s.text.strip()]
        if not spans:
            return PLAIN_HINT
        chars = sum(len(s.text) for s in spans)
        big = sum(len(s.text) for s in spans if s.style.width > 1 or s.style.height > 1) * 2 > chars
        bold = sum(len(s.text) for s in spans if s.style.bold or s.style.double_strike) * 2 > chars
        last = max(spans, key=lambda s: s.end_x)
        text = last.text.rstrip()
    full = last.x + last.cell * len(text) > line.width - last.cell
    key = (big, bold, line.align == "center", wrapped, full)
    hint = _HINTS.get(key)
    if hint is None:
        hint = _HINTS[key] = Hint(*key)
    return hint
