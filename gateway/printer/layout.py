"""Lay out one printed line: text runs, tabs and absolute/relative positions -> spans.

The decoder appends operations as bytes arrive and decodes the text only when the
line is printed, so a multi-byte character split across chunks, or a code page
switch in the middle of a line, come out the same whatever the chunking.
"""

from __future__ import annotations

from gateway.printer.codepages import decode_multibyte, decode_single, decode_utf8
from gateway.printer.document import Span, Style

TEXT, ABS, REL, TAB = 0, 1, 2, 3


class LineBuilder:
    """Operations of the line being received: [kind, ...] lists."""

    __slots__ = ("ops", "align", "text_height", "dropped")

    def __init__(self) -> None:
        self.ops: list[list] = []
        self.align: str | None = None  # alignment in force when the line's first data came
        self.text_height = 0
        self.dropped = False  # the last layout ignored a move past the paper's edge

    def __bool__(self) -> bool:
        return bool(self.ops)

    def text(self, raw: bytes, enc: tuple, style: Style, cell: int, height: int) -> None:
        ops = self.ops
        if ops:
            last = ops[-1]
            if last[0] == TEXT and last[2] is enc and last[3] is style and last[4] == cell:
                last[1] += raw
                return
        ops.append([TEXT, raw, enc, style, cell])
        if height > self.text_height:
            self.text_height = height

    def move(self, kind: int, value) -> None:
        self.ops.append([kind, value])

    def clear(self) -> None:
        self.ops = []
        self.align = None
        self.text_height = 0
        self.dropped = False

    def layout(self, start_x: int, width: int) -> tuple[list[list[Span]], int]:
        """Spans per printed line (more than one when text runs past `width`), and the end x."""
        ops = self.ops
        if len(ops) == 1 and ops[0][0] == TEXT:  # the common line: one run of text in one style
            op = ops[0]
            raw, cell = op[1], op[4] or 1
            if start_x + cell * len(raw) <= width:
                text = decode_line_text(raw, op[2])
                return [[Span(text, start_x, op[3], cell)]], start_x + cell * len(text)
        utf8 = _line_is_utf8(ops)
        lines: list[list[Span]] = [[]]
        x = start_x
        self.dropped = False
        for op in ops:
            kind = op[0]
            if kind == TEXT:
                text = _decode(op[1], op[2], utf8)
                cell = op[4] or 1
                while text:
                    room = (width - x) // cell
                    if room <= 0 and lines[-1]:
                        lines.append([])
                        x = 0
                        room = width // cell
                    part = text[:max(1, room)]
                    text = text[len(part):]
                    lines[-1].append(Span(part, x, op[3], cell))
                    x += cell * len(part)
            elif kind == ABS:
                if 0 <= op[1] <= width:
                    x = op[1]
                else:
                    self.dropped = True
            elif kind == REL:
                nx = x + op[1]
                if 0 <= nx <= width:
                    x = nx
                else:
                    self.dropped = True
            else:  # TAB: op[1] = tab stops in dots
                for stop in op[1]:
                    if stop > x:
                        self.dropped |= stop > width
                        x = stop if stop <= width else width
                        break
        return lines, x


def spans_if_fit(ops: list[list], width: int) -> list[Span] | None:
    """The spans `layout(0, width)` gives a line of operations when it needs no wrap and
    drops no move; None when it would wrap or drop one (then `layout` decides)."""
    utf8 = _line_is_utf8(ops)
    spans = []
    x = 0
    for op in ops:
        if op[0] != TEXT:
            x = _moved(op, x, width)
            if x is None:
                return None
            continue
        _, raw, enc, style, cell = op
        text = _decode(raw, enc, utf8)
        if text:
            cell = cell or 1
            end = x + cell * len(text)
            if end > width:
                return None
            spans.append(Span(text, x, style, cell))
            x = end
    return spans


def _moved(op: list, x: int, width: int) -> int | None:
    """x after a move as `layout` makes it; None when `layout` would drop the move."""
    if op[0] == TAB:
        for stop in op[1]:
            if stop > x:
                return stop if stop <= width else None
        return x
    nx = op[1] if op[0] == ABS else x + op[1]
    return nx if 0 <= nx <= width else None


def _line_is_utf8(ops: list[list]) -> bool:
    """A line is UTF-8 when its non-ASCII text is valid UTF-8 (and its page is single-byte)."""
    seen = False
    for op in ops:
        if op[0] != TEXT or op[1].isascii():
            continue
        if op[2][0] != "sb" or decode_utf8(op[1]) is None:
            return False
        seen = True
    return seen


def _decode(raw: bytes, enc: tuple, utf8: bool) -> str:
    if raw.isascii() and enc[0] == "sb":
        # ASCII is ASCII in every page except where ESC R replaced a few positions
        return decode_single(raw, enc[1]) if enc[2] else raw.decode("ascii")
    if utf8:
        return decode_utf8(raw) or ""
    if enc[0] == "mb":
        return decode_multibyte(raw, enc[1])
    return decode_single(raw, enc[1])


def decode_line_text(raw: bytes, enc: tuple) -> str:
    """The text of a line printed as one run: UTF-8 when it is, else its code page."""
    if enc[0] != "sb":
        return decode_multibyte(raw, enc[1])
    if raw.isascii():
        return decode_single(raw, enc[1]) if enc[2] else raw.decode("ascii")
    text = decode_utf8(raw)
    return decode_single(raw, enc[1]) if text is None else text
