"""The decoder's text path: whole lines of text and style runs, each ended by LF.

A mixin of `Decoder` (decoder.py): it reads and sets the decoder's state (`s`, `_events`,
`_line`...) exactly as the command handlers would, only with fewer steps. A line whose
text starts after its style runs becomes its TextLine directly; a line with a run inside
it (python-escpos's magic encoder puts ESC t n before every euro sign and accent)
collects its text operations and is laid out when its LF comes; a line that would wrap
is handed to the LineBuilder as it stands. Same events as command by command: the golden
set (tests/unit/printer/test_golden.py) and the chunking properties check it.

`_lines` is the reference. The optional C extension `gateway.printer._textpath`
(built by setup.py when a compiler is there) does the same per block, calling back into
these methods for the rare cases; `RG_PURE_PYTHON=1` in the environment keeps it unused.
`text_path()` says which one decodes (`receipt-gateway doctor` shows it).
"""

from __future__ import annotations

import dataclasses
import os
from operator import attrgetter

from gateway.printer.codepages import decode_multibyte
from gateway.printer.document import Span, TextLine
from gateway.printer.layout import TEXT, decode_line_text, spans_if_fit
from gateway.printer.profiles import FONT_HEIGHT
from gateway.printer.style_runs import compile_run

_C_API = 5  # TEXTPATH_API in _textpath.c


def _load_accelerator():
    """(the C module or None, why not); the C module builds Span/TextLine by their slots,
    so it is used only when the dataclasses have exactly the fields it sets."""
    if os.environ.get("RG_PURE_PYTHON"):
        return None, "RG_PURE_PYTHON is set"
    try:
        from gateway.printer import _textpath
    except ImportError as e:
        return None, f"C extension not built ({e}); `pip install -e .` with a C compiler builds it"
    if getattr(_textpath, "API", None) != _C_API:
        return None, ("C extension out of date with text_lines.py; rebuild it: "
                      "`python3 setup.py build_ext --inplace` or `pip install -e .`")
    want = {Span: ["text", "x", "style", "cell"],
            TextLine: ["offset", "end", "spans", "align", "left", "width", "height", "feed", "till_spans"]}
    for cls, names in want.items():
        if [f.name for f in dataclasses.fields(cls)] != names or hasattr(cls, "__post_init__"):
            return None, f"{cls.__name__} fields changed; gateway/printer/_textpath.c must follow"
    try:
        _textpath.init(Span, TextLine, decode_multibyte, FONT_HEIGHT, TEXT)
    except (TypeError, RuntimeError) as e:
        return None, f"C extension refused the document classes: {e}"
    return _textpath, ""


ACCELERATOR, _WHY_PURE = _load_accelerator()


def text_path() -> str:
    """Which text path decodes: for `receipt-gateway doctor` and the benchmarks."""
    if TextLines._fast is not None:
        return "C (gateway.printer._textpath)"
    return f"pure Python ({_WHY_PURE or 'switched off'})"

MAX_BLOCK = 1 << 16  # bytes of whole lines handled per _lines call
# ... and per call of the C path: it holds the GIL throughout (~0.4 ms for 8 KiB), so the
# proxy's pump threads get it back as often as Python's 0.5 ms switch interval lets them
C_BLOCK = 1 << 13
_CONTEXT_KEY = attrgetter("kanji", "kanji_codec", "page", "intl", "bold", "underline", "width", "height",
                          "invert", "font", "double_strike", "upside_down", "rotated", "italic", "color",
                          "spacing")  # every setting _enc, _style, _cell and the text height read


class TextLines:
    """Decoder methods for whole lines and style runs."""

    _fast = ACCELERATOR  # the C text path, or None; tests set it to None to run the reference

    def _apply_run(self, run: bytes, pos: int) -> None:
        """A run of style commands (see style_runs): its settings, warnings and count at once."""
        compiled = self._runs.get(run)
        if compiled is None:
            if len(self._runs) >= 4096:  # bound the cache on hostile streams
                self._runs.clear()
            compiled = self._runs[run] = compile_run(self, run)
        assigned, warnings, count = compiled
        if assigned:
            s = self.s
            for name, value in assigned:
                setattr(s, name, value)
            self._style_cache = None
            self._ctx = None
        for a, e, message in warnings:
            self._warn(self._base + pos + a, self._base + pos + e, message)
        self.commands += count

    def _context(self) -> tuple:
        """(encoding, style, cell, height) for text: one lookup keyed by the settings they depend on."""
        ctx = self._ctx
        if ctx is None:
            s = self.s
            key = _CONTEXT_KEY(s)
            ctx = self._contexts.get(key)
            if ctx is None:
                if len(self._contexts) >= 4096:
                    self._contexts.clear()
                ctx = self._contexts[key] = (self._enc(), self._style(), self._cell(),
                                             FONT_HEIGHT.get(s.font, 24) * s.height)
            self._ctx = ctx
        return ctx

    def _plain(self) -> tuple | None:
        """What a line without commands needs: (enc, style, cell, height, area, align, left,
        feed, most characters before it wraps); None where such lines take the general path."""
        enc, style, cell, height = self._ctx or self._context()
        if enc[0] != "sb":
            return None
        s, profile = self.s, self.profile
        area = max(1, min(s.area, profile.width - s.left))
        return (enc, style, cell, height, area, s.align, s.left, max(s.line_spacing, height),
                area // cell if profile.width_known else 1 << 62)

    def _lines(self, buf, pos: int, stop: int) -> int:
        """Whole lines of text and style runs, each ended by LF: the same events as byte by byte.

        The reference text path (`_textpath.lines` does the same in C, finding the block
        itself). One regex split cuts the block into text and runs. Text that starts a line
        and runs to its LF (the runs before it applied) becomes its TextLine directly; a
        line with a run inside collects its text operations and is laid out when its LF comes.
        """
        q = self._base + pos  # stream offset of the piece being read
        ops: list[list] = []  # the current line's text operations, when a run came inside it
        start = align = None
        text_height = 0
        plain = None  # _plain() while no run changes the settings
        for i, piece in enumerate(self._split_re.split(bytes(buf[pos:stop]))):
            if i & 1:
                self._apply_run(piece, q - self._base)
                q += len(piece)
                plain = None
                continue
            if not piece:
                continue
            segments = piece.split(b"\n")
            tail = segments.pop()  # text after the last LF: a line a run will continue
            for raw in segments:  # each ended by an LF
                end = q + len(raw) + 1
                if ops:
                    if raw:
                        text_height = self._add_text(ops, raw, text_height)
                    self._line_end(ops, start, align, text_height, end)
                    ops, start, align, text_height = [], None, None, 0
                else:
                    if plain is None:
                        plain = self._plain() or ()
                    if plain and len(raw) <= plain[8]:
                        enc, style, cell, height, area, left_align, left, feed, _ = plain
                        if raw:
                            text = raw.decode("ascii") if raw.isascii() and not enc[2] else decode_line_text(raw, enc)
                            spans = [Span(text, 0, style, cell)]
                        else:
                            spans = []
                        self._events.append(TextLine(offset=q, end=end, spans=spans, align=left_align, left=left,
                                                     width=area, height=height, feed=feed))
                        self.commands += 1
                    else:  # to wrap, or in a multi-byte encoding
                        line_ops: list[list] = []
                        height = self._add_text(line_ops, raw, 0) if raw else 0
                        self._line_end(line_ops, q, self.s.align, height, end)
                q = end
            if tail:
                if not ops:
                    start, align = q, self.s.align
                text_height = self._add_text(ops, tail, text_height)
                q += len(tail)
        return stop

    def _add_text(self, ops: list[list], raw: bytes, text_height: int) -> int:
        """LineBuilder.text on a line kept in `ops`; returns the line's text height."""
        enc, style, cell, height = self._ctx or self._context()
        if ops:
            op = ops[-1]
            if op[0] == TEXT and op[2] is enc and op[3] is style and op[4] == cell:
                op[1] += raw
                return text_height
        ops.append([TEXT, raw, enc, style, cell])
        return max(height, text_height)

    def _line_end(self, ops: list[list], start: int | None, align: str | None, text_height: int, end: int) -> None:
        """The LF at end - 1 prints the line: laid out here when it fits, else by the LineBuilder."""
        self.commands += 1
        s = self.s
        area = max(1, min(s.area, self.profile.width - s.left))
        spans = spans_if_fit(ops, area if self.profile.width_known else 1 << 30) if ops else []
        if spans is None:
            line = self._line
            line.ops, line.align, line.text_height, self._line_start = ops, align, text_height, start
            self._print_line(end - 1, end)
            return
        height = text_height or FONT_HEIGHT.get(s.font, 24) * s.height
        self._events.append(TextLine(offset=end - 1 if start is None else start, end=end, spans=spans,
                                     align=align or s.align, left=s.left, width=area, height=height,
                                     feed=max(s.line_spacing, height)))
