"""Incremental ESC/POS decoder: bytes in, document events out. Pure, no I/O.

    dec = Decoder(profile="TM-T88V")
    for chunk in chunks:
        events += dec.feed(chunk)
    events += dec.close()

Feeding one byte at a time gives the same events as feeding the whole stream.
Whole lines of text and style commands (ESC ! n, ESC t n ...) are matched by one regex,
their command runs applied from a cache (see `style_runs`) and most lines turned into
events directly; anything else goes command by command. Text runs are sliced in bulk; bulk
payloads (images, symbols) are sliced by their declared length. A command whose
bytes have not all arrived waits in the buffer; a payload larger than the limits
is skipped byte-exactly (as the printer consumes it) without being held in memory.
Unknown commands are skipped by their best known length with a Warning event.
"""

from __future__ import annotations

import re
from collections.abc import Callable

from gateway.printer import barcodes, graphics
from gateway.printer.codepages import intl_table, page_table
from gateway.printer.document import (
    Barcode,
    Beep,
    Code2D,
    Cut,
    Document,
    DrawerKick,
    Event,
    Feed,
    Image,
    Reset,
    StatusRequest,
    StoredImage,
    Style,
    TextLine,
    Warning,
)
from gateway.printer.layout import ABS, REL, TAB, LineBuilder
from gateway.printer.profiles import FONT_CELL, FONT_HEIGHT, Profile, get_profile
from gateway.printer.style_runs import patterns
from gateway.printer.text_lines import C_BLOCK, MAX_BLOCK, TextLines

ESC, GS, FS, DLE = 0x1B, 0x1D, 0x1C, 0x10
_CTRL = re.compile(rb"[\x00-\x1f]")
_NUL_RUN = re.compile(rb"\x00+")
MAX_PAYLOAD = graphics.MAX_IMAGE_BYTES  # larger declared payloads are skipped, not buffered
NEED = -1  # handler result: the command is not complete yet
_EVERY_8 = tuple(range(8, 256, 8))  # tab stops (in characters) before ESC D sets any
ALIGN = {0: "left", 1: "center", 2: "right", 48: "left", 49: "center", 50: "right"}


class _State:
    """Printer settings that ESC @ resets."""

    __slots__ = ("bold", "underline", "width", "height", "invert", "font", "double_strike",
                 "upside_down", "rotated", "italic", "color", "spacing", "align", "page",
                 "intl", "kanji", "kanji_codec", "line_spacing", "left", "area", "tabs",
                 "hri", "hri_font", "bar_module", "bar_height", "unit_x", "unit_y")

    def __init__(self, profile: Profile):
        self.bold = False
        self.underline = 0
        self.width = 1
        self.height = 1
        self.invert = False
        self.font = 0
        self.double_strike = False
        self.upside_down = False
        self.rotated = False
        self.italic = False
        self.color = 0
        self.spacing = 0  # ESC SP, dots right of each character
        self.align = "left"
        self.page = 0  # ESC t
        self.intl = 0  # ESC R
        self.kanji = False
        self.kanji_codec = "gb18030"
        self.line_spacing = 30 if profile.dpi == 180 else 34  # 1/6 inch
        self.left = 0
        self.area = profile.width
        self.tabs: tuple[int, ...] | None = None  # in characters; None = every 8
        self.hri = "none"
        self.hri_font = 0
        self.bar_module = 3
        self.bar_height = 162
        self.unit_x = 1.0  # dots per horizontal motion unit (GS P)
        self.unit_y = 1.0


class Decoder(TextLines):
    """Feed bytes, get events. See the module docstring."""

    def __init__(self, profile: str | Profile | None = None, *, cr_is_lf: bool = False):
        self.profile = profile if isinstance(profile, Profile) else get_profile(profile)
        self.cr_is_lf = cr_is_lf
        self._buf = bytearray()
        self._base = 0  # stream offset of _buf[0]
        self._skip = 0  # bytes of an oversized payload still to skip
        self._events: list[Event] = []
        self._line = LineBuilder()
        self._line_start = 0  # offset where the pending line's first byte came
        self._styles: dict[tuple, Style] = {}
        self._contexts: dict[tuple, tuple] = {}  # text settings -> (enc, style, cell, height)
        self._runs: dict[bytes, tuple] = {}  # style command runs -> (assignments, warnings, count)
        self._run_ctx: dict[bytes, list] = {}  # C text path: run -> [context before, after, ...]
        self._run_re, self._lines_re, self._split_re = patterns(cr_is_lf)
        self._encs: dict[tuple, tuple] = {}
        self._tab_cache: dict[tuple, tuple] = {}  # (font, spacing, width, ESC D stops) -> stops in dots
        self._symbols: dict[int, tuple[bytes, dict]] = {}  # GS ( k stored data per symbol
        self._sym_opts: dict[int, dict] = {}
        self._stored: dict[str, object] = {}  # defined NV / download images by key
        self._graphics = None  # GS ( L fn 112 buffered image
        self._page_mode = False
        self._page_items: list[tuple[int, int, Event]] = []  # (y, seq, event)
        self._page_y = 0
        self._page_x = 0
        self._image_row = False  # the pending line holds ESC * bit image data: its LF prints that
        self._wait_lines = True  # C path: a line cut by the end of a feed waits for the rest (close() clears)
        self.commands = 0
        self.unknown = 0
        self._reset_state()
        self._build_tables()

    # ------------------------------------------------------------------ public
    @property
    def offset(self) -> int:
        """Stream bytes consumed so far (fed bytes still waiting in a partial command are not, nor,
        on the C text path, a line of text whose LF has not come yet; close() consumes all)."""
        return self._base

    def feed(self, data: bytes) -> list[Event]:
        if data:
            if self._skip:
                take = min(self._skip, len(data))
                self._skip -= take
                self._base += take
                data = data[take:]
            if data:
                self._buf += data
                self._parse()
        out, self._events = self._events, []
        return out

    def close(self) -> list[Event]:
        """End of stream: print what is pending; report a command cut short."""
        if self._buf and self._wait_lines:  # a line kept for its LF: decode it as it stands
            self._wait_lines = False
            try:
                self._parse()
            finally:
                self._wait_lines = True
        if self._buf:
            self._warn(self._base, self._base + len(self._buf),
                       f"stream ended inside a command ({bytes(self._buf[:4]).hex(' ')}...)")
            self._base += len(self._buf)
            self._buf.clear()
        if self._skip:
            self._warn(self._base, self._base, f"stream ended {self._skip} bytes short of an image's declared size")
            self._skip = 0
        if self._page_mode:
            self._print_page(self._base, self._base)
        elif self._line:
            self._print_line(self._base, self._base)
        out, self._events = self._events, []
        return out

    # ------------------------------------------------------------------ state
    def _reset_state(self) -> None:
        self.s = _State(self.profile)
        self._style_cache: Style | None = None
        self._ctx: tuple | None = None  # (enc, style, cell, height) for text; None after any change

    def _style(self) -> Style:
        st = self._style_cache
        if st is None:
            s = self.s
            key = (s.bold, s.underline, s.width, s.height, s.invert, s.font, s.double_strike,
                   s.upside_down, s.rotated, s.italic, s.color)
            st = self._styles.get(key)
            if st is None:
                st = self._styles[key] = Style(*key)
            self._style_cache = st
        return st

    def _enc(self) -> tuple:
        s = self.s
        key = (s.kanji, s.kanji_codec if s.kanji else s.page, s.intl)
        enc = self._encs.get(key)
        if enc is None:
            if s.kanji:
                enc = ("mb", s.kanji_codec, False)
            else:
                name = self.profile.code_pages.get(s.page, "Unknown")
                enc = ("sb", intl_table(name, s.intl) if s.intl else page_table(name)[0], bool(s.intl))
            self._encs[key] = enc
        return enc

    def _cell(self) -> int:
        s = self.s
        base = self.profile.cell(s.font) if s.font in self.profile.columns else FONT_CELL.get(s.font, 12)
        return (base + s.spacing) * s.width

    def _x(self, units: int) -> int:
        return int(units * self.s.unit_x)

    # ------------------------------------------------------------------ output
    def _emit(self, ev: Event) -> None:
        if self._page_mode and not isinstance(ev, StatusRequest | DrawerKick | Warning | Beep):
            self._page_items.append((self._page_y, len(self._page_items), ev))
        else:
            self._events.append(ev)

    def _warn(self, start: int, end: int, message: str) -> None:
        self.unknown += 1
        self._events.append(Warning(offset=start, end=end, message=message))

    def _print_line(self, start: int, end: int, feed: int | None = None) -> None:
        """Print the pending line (LF, ESC d, ESC J, cut...)."""
        line = self._line
        if self._image_row:  # the line is an ESC * strip (its Image event) and maybe text after it
            self._image_row = False
            if not line and not self._page_mode:
                return
        s = self.s
        area = max(1, min(s.area, self.profile.width - s.left))
        if not line.ops and not self._page_mode:  # nothing on it (ESC d after a barcode): no layout
            height = line.text_height or FONT_HEIGHT.get(s.font, 24) * s.height
            self._events.append(TextLine(offset=start, end=end, spans=[], align=line.align or s.align,
                                         left=s.left, width=area, height=height,
                                         feed=feed if feed is not None else max(s.line_spacing, height)))
            line.clear()
            return
        wrap = area if self.profile.width_known else 1 << 30  # unknown paper: never invent a wrap
        if self._page_mode:
            spans_lines, self._page_x = line.layout(self._page_x, wrap)
            for spans in spans_lines:
                if spans:
                    self._page_items.append((self._page_y, len(self._page_items), TextLine(
                        offset=self._line_start if line else start, end=end, spans=spans,
                        align="left", left=s.left, width=area,
                        height=line.text_height, feed=s.line_spacing)))
            line.clear()
            return
        spans_lines, _ = line.layout(0, wrap)
        # the till's own line, when the paper changed it (extraction reads that one)
        till = line.layout(0, 1 << 30)[0][0] if len(spans_lines) > 1 or line.dropped else None
        align = line.align or s.align
        height = line.text_height or FONT_HEIGHT.get(s.font, 24) * s.height
        first = self._line_start if line else start
        for i, spans in enumerate(spans_lines):
            last = i == len(spans_lines) - 1
            adv = (feed if feed is not None else max(s.line_spacing, height)) if last else max(s.line_spacing, height)
            self._events.append(TextLine(offset=first, end=end, spans=spans, align=align,
                                         left=s.left, width=area, height=height, feed=adv,
                                         till_spans=till if i == 0 else None))
        line.clear()

    def _flush_text(self, start: int) -> None:
        """Print a pending partial line before a block (barcode, image) that prints on its own."""
        self._image_row = False  # an ESC * strip before it is printed by it too
        if self._line:
            self._print_line(start, start)

    # ------------------------------------------------------------------ parsing
    def _parse(self) -> None:
        buf = self._buf
        n = len(buf)
        pos = 0
        ctrl = self._ctrl
        cmd2 = self._cmd2
        search = _CTRL.search
        lines = self._lines_re.match
        run = self._run_re.match
        fast = self._fast
        retry = 0  # after a line the text path cannot take whole, try again past its LF (C: its stop)
        while pos < n:
            b = buf[pos]
            m = None
            if (b >= 0x20 or b == 0x0A or ((b == ESC or b == GS or b == 0x0D) and (m := run(buf, pos)))
                    or (fast is not None and (b == 0x09 or (b == ESC and pos + 1 < n and buf[pos + 1] in (0x24, 0x5C))))):
                # text, LF, a style run or (the C path takes them) HT, ESC $, ESC \\: maybe whole lines
                # (not tried at other commands or inside image data, which may hold any byte)
                if pos >= retry and not self._line.ops and not self._page_mode and not self._image_row:
                    if fast is not None:  # the C text path: finds the block and decodes it
                        end = fast.lines(self, buf, pos, pos + C_BLOCK)
                        if end >= 0:
                            pos = end
                            continue
                        # where its scan stopped (another command, the buffer's end, the C_BLOCK
                        # bound): no whole line starts before that, so do not ask again until then
                        retry = max(-1 - end, pos + 1)
                        if retry >= n and n - pos < C_BLOCK and self._wait_lines:
                            # the buffer ends inside a line of text and style runs: keep it until its
                            # LF comes (the next feed's block takes it whole, same events; close()
                            # or more than C_BLOCK of it without an LF decodes it as it stands)
                            break
                    else:
                        block = lines(buf, pos, pos + MAX_BLOCK)  # a whole stream fed at once: bounded copies
                        if block is not None:
                            pos = self._lines(buf, pos, block.end())
                            continue
                        retry = buf.find(b"\n", pos) + 1 or n
                if m is not None:
                    if fast is None:
                        self._apply_run(bytes(buf[pos:m.end()]), pos)
                    else:
                        fast.apply_run(self, bytes(buf[pos:m.end()]), pos)
                    pos = m.end()
                    continue
                if b >= 0x20:
                    found = search(buf, pos)
                    stop = found.start() if found else n
                    self._text(bytes(buf[pos:stop]), pos)
                    pos = stop
                    continue
            if (b == ESC or b == GS or b == FS) and pos + 1 < n and (spec := cmd2.get(b << 8 | buf[pos + 1])):
                # a known ESC/GS/FS command, from one table (an unknown one, or a prefix whose
                # second byte has not come, goes to _prefixed through ctrl)
                argc, handler = spec
                if argc < 0:
                    r = handler(buf, pos, n)
                elif (r := pos + 2 + argc) > n:
                    break
                elif handler is not None:
                    handler(buf[pos + 2:r], self._base + pos, self._base + r)
            else:
                r = ctrl[b](buf, pos, n)
            if r < 0:
                break
            self.commands += 1
            if self._skip:  # an oversized payload: drop what we hold of it, skip the rest as it comes
                take = min(self._skip, n - r)
                self._skip -= take
                r += take
            pos = r
        if pos:
            del buf[:pos]
            self._base += pos

    def _text(self, raw: bytes, pos: int) -> None:
        line = self._line
        if not line.ops:
            self._line_start = self._base + pos
            if line.align is None:
                line.align = self.s.align
        line.text(raw, *(self._ctx or self._context()))

    # --- control bytes
    def _build_tables(self) -> None:
        ctrl: list[Callable[[bytearray, int, int], int]] = [self._c_ignore] * 32
        ctrl[0x00] = self._c_nul
        ctrl[0x07] = self._c_bel
        ctrl[0x09] = self._c_ht
        ctrl[0x0A] = self._c_lf
        ctrl[0x0C] = self._c_ff
        ctrl[0x0D] = self._c_cr
        ctrl[0x10] = self._c_dle
        ctrl[0x12] = self._c_dc2
        ctrl[0x18] = self._c_can
        ctrl[0x1B] = self._c_esc
        ctrl[0x1C] = self._c_fs
        ctrl[0x1D] = self._c_gs
        self._ctrl = ctrl
        # fixed-length commands: second byte -> (argument count, handler(args, start, end))
        self._esc_fixed: dict[int, tuple[int, Callable | None]] = {
            0x0C: (0, self._e_print_page), 0x20: (1, self._e_spacing), 0x21: (1, self._e_mode),
            0x24: (2, self._e_abs), 0x25: (1, None), 0x2D: (1, self._e_underline),
            0x32: (0, self._e_spacing_default), 0x33: (1, self._e_line_spacing), 0x34: (1, self._e_italic),
            0x3C: (0, None), 0x3D: (1, None), 0x3F: (1, None), 0x40: (0, self._e_init),
            0x42: (2, self._e_beep), 0x45: (1, self._e_bold), 0x47: (1, self._e_double_strike),
            0x4A: (1, self._e_feed_dots), 0x4B: (1, self._e_reverse), 0x4C: (0, self._e_page_mode),
            0x4D: (1, self._e_font), 0x52: (1, self._e_intl), 0x53: (0, self._e_standard_mode),
            0x54: (1, None), 0x55: (1, None), 0x56: (1, self._e_rotate), 0x57: (8, self._e_area),
            0x5C: (2, self._e_rel), 0x61: (1, self._e_align), 0x64: (1, self._e_feed_lines),
            0x65: (1, self._e_reverse), 0x69: (0, self._e_cut_esc), 0x6D: (0, self._e_cut_esc),
            0x70: (3, self._e_pulse), 0x72: (1, self._e_color), 0x74: (1, self._e_page),
            0x75: (1, self._e_status), 0x76: (0, self._e_status), 0x7B: (1, self._e_upside_down),
        }
        self._esc_var: dict[int, Callable[[bytearray, int, int], int]] = {
            0x26: self._e_define_chars, 0x28: self._e_paren, 0x2A: self._e_bit_image,
            0x44: self._e_tabs, 0x63: self._e_c,
        }
        self._gs_fixed: dict[int, tuple[int, Callable | None]] = {
            0x21: (1, self._g_size), 0x24: (2, self._g_abs_y), 0x2F: (1, self._g_print_downloaded),
            0x3A: (0, None), 0x3C: (0, None), 0x42: (1, self._g_invert), 0x45: (1, None),
            0x48: (1, self._g_hri), 0x49: (1, self._g_status_i), 0x4C: (2, self._g_left),
            0x50: (2, self._g_units), 0x54: (1, None), 0x57: (2, self._g_width), 0x5C: (2, self._g_rel_y),
            0x5E: (3, None), 0x61: (1, self._g_asb), 0x62: (1, None), 0x63: (0, None),
            0x66: (1, self._g_hri_font), 0x68: (1, self._g_bar_height), 0x6A: (1, self._g_asb),
            0x72: (1, self._g_status_r), 0x77: (1, self._g_bar_module), 0x7C: (1, None),
        }
        self._gs_var: dict[int, Callable[[bytearray, int, int], int]] = {
            0x28: self._g_paren, 0x2A: self._g_define_downloaded, 0x38: self._g_8,
            0x43: self._g_counter, 0x44: self._g_bmp, 0x51: self._g_variable_image,
            0x56: self._g_cut, 0x67: self._g_maintenance, 0x6B: self._g_barcode,
            0x76: self._g_raster, 0x7A: self._g_online_wait,
        }
        self._fs_fixed: dict[int, tuple[int, Callable | None]] = {
            0x21: (1, None), 0x26: (0, self._f_kanji_on), 0x2D: (1, None), 0x2E: (0, self._f_kanji_off),
            0x3F: (2, None), 0x43: (1, self._f_kanji_code), 0x53: (2, None), 0x57: (1, None),
            0x70: (2, self._f_print_nv),
        }
        self._fs_var: dict[int, Callable[[bytearray, int, int], int]] = {
            0x28: self._f_paren, 0x32: self._f_define_kanji, 0x67: self._f_user_memory,
            0x71: self._f_define_nv,
        }
        # (prefix << 8 | second byte) -> (argument count, handler) or (-1, variable-length handler)
        self._cmd2: dict[int, tuple[int, Callable | None]] = {}
        for prefix, fixed, var in ((ESC, self._esc_fixed, self._esc_var), (GS, self._gs_fixed, self._gs_var),
                                   (FS, self._fs_fixed, self._fs_var)):
            self._cmd2.update({prefix << 8 | c: (-1, h) for c, h in var.items()})
            self._cmd2.update({prefix << 8 | c: spec for c, spec in fixed.items()})

    def _abs(self, pos: int) -> int:
        return self._base + pos

    def _c_nul(self, buf, pos, n):
        return _NUL_RUN.match(buf, pos).end()  # padding: skip the whole run at once

    def _c_ignore(self, buf, pos, n):
        b = buf[pos]
        if b not in (0x00, 0x1E, 0x1F, 0x11, 0x13, 0x0B, 0x0E, 0x0F, 0x14):
            self._warn(self._abs(pos), self._abs(pos) + 1, f"control byte 0x{b:02x} ignored")
        return pos + 1

    def _c_bel(self, buf, pos, n):
        self._emit(Beep(offset=self._abs(pos), end=self._abs(pos) + 1))
        return pos + 1

    def _c_ht(self, buf, pos, n):
        self._line_move(TAB, self._tab_stops(), self._abs(pos))
        return pos + 1

    def _tab_stops(self) -> tuple:
        """The tab stops in dots, for the font and spacing in force."""
        s = self.s
        key = (s.font, s.spacing, s.width, s.tabs)
        stops = self._tab_cache.get(key)
        if stops is None:
            if len(self._tab_cache) >= 4096:  # bound the cache on hostile streams
                self._tab_cache.clear()
            cell = (FONT_CELL.get(s.font, 12) + s.spacing) * s.width
            stops = self._tab_cache[key] = tuple(t * cell for t in (s.tabs if s.tabs is not None else _EVERY_8))
        return stops

    def _move_op(self, cmd: int, v: int) -> list:
        """The line operation of HT (cmd 0x09), ESC $ (0x24) or ESC \\ (0x5C) with argument
        nL | nH << 8: what _c_ht / _e_abs / _e_rel append (move_op in _textpath.c mirrors it)."""
        if cmd == 0x09:
            return [TAB, self._tab_stops()]
        if cmd == 0x24:
            return [ABS, self._x(v)]
        return [REL, self._x(v - 0x10000 if v >= 0x8000 else v)]

    def _c_lf(self, buf, pos, n):
        a = self._abs(pos)
        self._print_line(a, a + 1)
        if self._page_mode:
            self._page_y += self.s.line_spacing
            self._page_x = 0
        return pos + 1

    def _c_cr(self, buf, pos, n):
        if self.cr_is_lf:
            return self._c_lf(buf, pos, n)
        return pos + 1

    def _c_ff(self, buf, pos, n):
        a = self._abs(pos)
        if self._page_mode:
            self._print_page(a, a + 1)
            self._page_mode = False
        elif self._line:
            self._print_line(a, a + 1)
        return pos + 1

    def _c_can(self, buf, pos, n):
        if self._page_mode:
            self._page_items.clear()
            self._line.clear()
        return pos + 1

    def _c_dc2(self, buf, pos, n):
        # clone printers: DC2 # n (print density), DC2 T (self test); others take no argument
        if pos + 1 >= n:
            return NEED
        if buf[pos + 1] == 0x23:
            return pos + 3 if pos + 2 < n else NEED
        return pos + 1

    def _c_dle(self, buf, pos, n):
        if pos + 2 >= n:
            return NEED
        c, fn = buf[pos + 1], buf[pos + 2]
        a = self._abs(pos)
        if c == 0x04:  # DLE EOT n [a]
            end = pos + 3 + (1 if fn in (7, 8) else 0)
            if end > n:
                return NEED
            self._emit(StatusRequest(offset=a, end=self._abs(end), command="DLE EOT", n=fn,
                                     raw=bytes(buf[pos:end]), realtime=True))
            return end
        if c == 0x05:  # DLE ENQ n
            self._emit(StatusRequest(offset=a, end=a + 3, command="DLE ENQ", n=fn,
                                     raw=bytes(buf[pos:pos + 3]), realtime=True, expects_reply=False))
            return pos + 3
        if c == 0x14:  # DLE DC4 fn ...
            extra = {1: 2, 2: 2, 3: 5, 7: 1, 8: 7}.get(fn, 2)
            end = pos + 3 + extra
            if end > n:
                return NEED
            if fn == 1:
                m, t = buf[pos + 3], buf[pos + 4]
                self._emit(DrawerKick(offset=a, end=self._abs(end), pin=5 if m == 1 else 2,
                                      on_ms=t * 100, off_ms=t * 100, realtime=True))
            else:
                self._emit(StatusRequest(offset=a, end=self._abs(end), command="DLE DC4", n=fn,
                                         raw=bytes(buf[pos:end]), realtime=True,
                                         expects_reply=fn in (7, 8)))
            return end
        return pos + 1  # a lone DLE is not a command: skip it, keep what follows

    # --- ESC / GS / FS dispatch
    def _prefixed(self, buf, pos, n, name):
        """ESC/GS/FS that `_parse` did not find in `_cmd2` (every known command, fixed and
        variable length): its second byte has not come yet, or the command is unknown."""
        if pos + 1 >= n:
            return NEED
        c = buf[pos + 1]
        self._warn(self._abs(pos), self._abs(pos) + 2,
                   f"unknown command {name} 0x{c:02x} ({chr(c) if 0x20 < c < 0x7F else '?'}); skipped 2 bytes")
        return pos + 2

    def _c_esc(self, buf, pos, n):
        return self._prefixed(buf, pos, n, "ESC")

    def _c_gs(self, buf, pos, n):
        return self._prefixed(buf, pos, n, "GS")

    def _c_fs(self, buf, pos, n):
        return self._prefixed(buf, pos, n, "FS")

    def _sized(self, buf, pos, n, header: int, size: int, start_payload: int):
        """Common tail of length-prefixed commands: NEED, a skip of an oversized payload, or the end."""
        end = start_payload + size
        if size > MAX_PAYLOAD:
            a = self._abs(pos)
            self._warn(a, a + header, f"payload of {size} bytes is larger than the {MAX_PAYLOAD} byte limit; skipped")
            have = n - start_payload
            self._skip = size - have if have < size else 0
            return min(end, n), True
        if end > n:
            return NEED, False
        return end, False

    # --- ESC handlers (args is a bytearray slice)
    def _mark(self):
        self._style_cache = None
        self._ctx = None

    def _e_spacing(self, args, a, e):
        self.s.spacing = args[0]
        self._ctx = None

    def _e_mode(self, args, a, e):
        s, n = self.s, args[0]
        s.font = n & 1
        s.bold = bool(n & 0x08)
        s.height = 2 if n & 0x10 else 1
        s.width = 2 if n & 0x20 else 1
        s.underline = 1 if n & 0x80 else 0
        self._mark()

    def _e_abs(self, args, a, e):
        self._line_move(*self._move_op(0x24, args[0] | args[1] << 8), a)

    def _e_rel(self, args, a, e):
        self._line_move(*self._move_op(0x5C, args[0] | args[1] << 8), a)

    def _line_move(self, kind, value, a):
        line = self._line
        if not line:
            self._line_start = a
            line.align = self.s.align
        line.move(kind, value)

    def _e_underline(self, args, a, e):
        n = args[0]
        self.s.underline = n - 48 if 48 <= n <= 50 else min(n, 2)
        self._mark()

    def _e_spacing_default(self, args, a, e):
        self.s.line_spacing = 30 if self.profile.dpi == 180 else 34

    def _e_line_spacing(self, args, a, e):
        self.s.line_spacing = args[0]

    def _e_italic(self, args, a, e):
        self.s.italic = bool(args[0] & 1)
        self._mark()

    def _e_init(self, args, a, e):
        self._image_row = False
        if self._page_mode:
            self._page_items.clear()
            self._page_mode = False
        self._line.clear()
        self._reset_state()
        self._events.append(Reset(offset=a, end=e))

    def _e_beep(self, args, a, e):
        self._emit(Beep(offset=a, end=e, times=args[0]))

    def _e_bold(self, args, a, e):
        self.s.bold = bool(args[0] & 1)
        self._mark()

    def _e_double_strike(self, args, a, e):
        self.s.double_strike = bool(args[0] & 1)
        self._mark()

    def _e_feed_dots(self, args, a, e):
        self._image_row = False  # ESC J prints an ESC * strip without feeding a text line
        if self._line:
            self._print_line(a, e, feed=args[0])
        elif self._page_mode:
            self._page_y += args[0]
        else:
            self._emit(Feed(offset=a, end=e, dots=args[0], lines=0))
        if self._page_mode:
            self._page_x = 0

    def _e_feed_lines(self, args, a, e):
        n = args[0]
        spacing = self.s.line_spacing
        if self._page_mode:
            self._print_line(a, e)
            self._page_y += spacing * n
            self._page_x = 0
            return
        if n == 0:
            if self._line:
                self._print_line(a, e, feed=0)
            self._image_row = False
            return
        self._print_line(a, e)  # the pending line (maybe empty) takes the first line feed
        if n > 1:
            self._emit(Feed(offset=a, end=e, dots=spacing * (n - 1), lines=n - 1))

    def _e_reverse(self, args, a, e):
        if self._line:
            self._print_line(a, e, feed=0)

    def _e_page_mode(self, args, a, e):
        if not self._page_mode:
            self._flush_text(a)
            self._page_mode = True
            self._page_items = []
            self._page_y = 0
            self._page_x = 0

    def _e_standard_mode(self, args, a, e):
        if self._page_mode:
            self._page_items.clear()
            self._line.clear()
            self._page_mode = False

    def _e_print_page(self, args, a, e):
        if self._page_mode:
            self._print_page(a, e)

    def _print_page(self, a, e):
        if self._line:
            self._print_line(a, e)
        items = sorted(self._page_items, key=lambda t: (t[0], t[1]))
        self._page_items = []
        merged: list[Event] = []
        last_y = None
        for y, _seq, ev in items:
            if isinstance(ev, TextLine) and last_y == y and merged and isinstance(merged[-1], TextLine):
                prev = merged[-1]
                prev.spans = sorted(prev.spans + ev.spans, key=lambda sp: sp.x)
                prev.height = max(prev.height, ev.height)
                prev.end = max(prev.end, ev.end)
                continue
            merged.append(ev)
            last_y = y if isinstance(ev, TextLine) else None
        self._events.extend(merged)
        self._page_y = 0
        self._page_x = 0

    def _e_font(self, args, a, e):
        n = args[0]
        self.s.font = n - 48 if 48 <= n <= 52 else (n if n <= 4 else 0)
        self._mark()

    def _e_intl(self, args, a, e):
        self.s.intl = args[0]
        self._ctx = None

    def _e_rotate(self, args, a, e):
        self.s.rotated = (args[0] & 0x0F) in (1, 2)
        self._mark()

    def _e_area(self, args, a, e):
        # page mode print area: x, y, dx, dy; we keep its width
        dx = args[4] | args[5] << 8
        if dx:
            self.s.area = min(self.profile.width, self._x(dx))

    def _e_align(self, args, a, e):
        self.s.align = ALIGN.get(args[0], self.s.align)

    def _e_cut_esc(self, args, a, e):
        self._cut(a, e, partial=True)

    def _cut(self, a, e, partial, feed=0):
        self._image_row = False
        if self._page_mode:
            self._print_page(a, a)
            self._page_mode = False
        elif self._line:
            self._print_line(a, a)
        self._events.append(Cut(offset=a, end=e, partial=partial, feed=feed))

    def _e_pulse(self, args, a, e):
        m = args[0]
        self._emit(DrawerKick(offset=a, end=e, pin=5 if m in (1, 49) else 2,
                              on_ms=args[1] * 2, off_ms=args[2] * 2))

    def _e_color(self, args, a, e):
        self.s.color = args[0] & 1
        self._mark()

    def _e_page(self, args, a, e):
        n = args[0]
        if n not in self.profile.code_pages:
            self._warn(a, e, f"ESC t {n}: code page {n} is not in profile {self.profile.name}; decoding as {'CP437'}")
        elif not page_table(self.profile.code_pages[n])[1]:
            self._warn(a, e, f"ESC t {n}: code page {self.profile.code_pages[n]} has no table; decoding as CP437")
        self.s.page = n
        self._ctx = None

    def _e_status(self, args, a, e):
        cmd = "ESC u" if len(args) else "ESC v"
        self._emit(StatusRequest(offset=a, end=e, command=cmd, n=args[0] if len(args) else 0,
                                 raw=b"", realtime=False))

    def _e_upside_down(self, args, a, e):
        self.s.upside_down = bool(args[0] & 1)
        self._mark()

    def _e_tabs(self, buf, pos, n):
        # ESC D n1 ... nk NUL (k <= 32); ends early at a non-ascending value per the spec
        i = pos + 2
        stops: list[int] = []
        while True:
            if i >= n:
                return NEED if i - pos < 40 else self._bad_tabs(pos, i)
            v = buf[i]
            i += 1
            if v == 0:
                break
            if stops and v <= stops[-1]:
                break
            stops.append(v)
            if len(stops) >= 32:
                if i < n and buf[i] == 0:
                    i += 1
                break
        self.s.tabs = tuple(stops)
        return i

    def _bad_tabs(self, pos, i):
        self._warn(self._abs(pos), self._abs(i), "ESC D tab list without end")
        return i

    def _e_c(self, buf, pos, n):
        if pos + 3 >= n:
            return NEED
        return pos + 4  # ESC c 0/1/3/4/5 n

    def _e_paren(self, buf, pos, n):
        # ESC ( fn pL pH d1..dp (beeper, etc.)
        if pos + 4 >= n:
            return NEED
        p = buf[pos + 3] | buf[pos + 4] << 8
        end, skipped = self._sized(buf, pos, n, 5, p, pos + 5)
        if end == NEED:
            return NEED
        if not skipped and buf[pos + 2] == 0x41:  # ESC ( A: beeper
            self._emit(Beep(offset=self._abs(pos), end=self._abs(end)))
        return end

    def _e_define_chars(self, buf, pos, n):
        # ESC & y c1 c2 [x d1..d(y*x)] for each character c1..c2
        if pos + 4 >= n:
            return NEED
        y, c1, c2 = buf[pos + 2], buf[pos + 3], buf[pos + 4]
        i = pos + 5
        for _ in range(max(0, c2 - c1 + 1)):
            if i >= n:
                return NEED
            i += 1 + y * buf[i]
        if i > n:
            return NEED
        return i

    def _e_bit_image(self, buf, pos, n):
        # ESC * m nL nH d1..dk
        if pos + 4 >= n:
            return NEED
        m = buf[pos + 2]
        cols = buf[pos + 3] | buf[pos + 4] << 8
        per = 3 if m in (32, 33) else 1
        end, skipped = self._sized(buf, pos, n, 5, cols * per, pos + 5)
        if end == NEED or skipped:
            return end
        if cols:
            self._flush_text(self._abs(pos))
            self._emit(Image(offset=self._abs(pos), end=self._abs(end), source="column",
                             bits=bytes(buf[pos + 5:end]), bits_size=(per, cols), bits_layout="column",
                             align=self.s.align, scale_x=2 if m in (0, 32) else 1,
                             scale_y=3 if m in (0, 1) else 1))
            self._image_row = not self._page_mode
        return end

    # --- GS handlers
    def _g_size(self, args, a, e):
        n = args[0]
        self.s.width = min(8, (n >> 4) + 1)
        self.s.height = min(8, (n & 0x0F) + 1)
        self._mark()

    def _g_abs_y(self, args, a, e):
        if self._page_mode:
            if self._line:
                self._print_line(a, a)
            self._page_y = int((args[0] | args[1] << 8) * self.s.unit_y)

    def _g_rel_y(self, args, a, e):
        if self._page_mode:
            if self._line:
                self._print_line(a, a)
            v = args[0] | args[1] << 8
            if v >= 0x8000:
                v -= 0x10000
            self._page_y = max(0, self._page_y + int(v * self.s.unit_y))

    def _g_invert(self, args, a, e):
        self.s.invert = bool(args[0] & 1)
        self._mark()

    def _g_hri(self, args, a, e):
        self.s.hri = barcodes.HRI.get(args[0], "none")

    def _g_hri_font(self, args, a, e):
        self.s.hri_font = args[0] & 0x0F

    def _g_bar_height(self, args, a, e):
        self.s.bar_height = args[0] or 1

    def _g_bar_module(self, args, a, e):
        self.s.bar_module = args[0]

    def _g_status_r(self, args, a, e):
        # GS r n: transmit status; the printer answers, we only see the question
        self._emit(StatusRequest(offset=a, end=e, command="GS r", n=args[0], raw=b"", realtime=False))

    def _g_status_i(self, args, a, e):
        # GS I n: transmit printer ID
        self._emit(StatusRequest(offset=a, end=e, command="GS I", n=args[0], raw=b"", realtime=False))

    def _g_asb(self, args, a, e):
        self._emit(StatusRequest(offset=a, end=e, command="GS a", n=args[0], raw=b"",
                                 realtime=False, expects_reply=args[0] != 0))

    def _g_left(self, args, a, e):
        self.s.left = min(self.profile.width, self._x(args[0] | args[1] << 8))

    def _g_width(self, args, a, e):
        w = self._x(args[0] | args[1] << 8)
        self.s.area = w if w > 0 else self.profile.width

    def _g_units(self, args, a, e):
        dpi = self.profile.dpi
        self.s.unit_x = dpi / args[0] if args[0] else 1.0
        self.s.unit_y = dpi / args[1] if args[1] else 1.0

    def _g_cut(self, buf, pos, n):
        if pos + 2 >= n:
            return NEED
        m = buf[pos + 2]
        if m in (0, 1, 48, 49):
            end = pos + 3
            self._cut(self._abs(pos), self._abs(end), partial=m in (1, 49))
            return end
        if pos + 3 >= n:
            return NEED
        end = pos + 4
        feed = buf[pos + 3]
        self._cut(self._abs(pos), self._abs(end), partial=m in (66, 98, 104), feed=feed)
        return end

    def _g_barcode(self, buf, pos, n):
        if pos + 2 >= n:
            return NEED
        m = buf[pos + 2]
        a = self._abs(pos)
        if m <= 6:  # form A: data ends with NUL
            i = buf.find(0, pos + 3, min(n, pos + 3 + 255))
            if i < 0:
                i = min(n, pos + 3 + 255)
            if i >= n:
                return NEED
            if buf[i] != 0:
                self._warn(a, self._abs(i), "GS k barcode data without its closing NUL; skipped")
                return pos + 3
            data, end = bytes(buf[pos + 3:i]), i + 1
            symb = barcodes.FORM_A[m]
        elif 65 <= m <= 79:
            if pos + 3 >= n:
                return NEED
            k = buf[pos + 3]
            end = pos + 4 + k
            if end > n:
                return NEED
            data = bytes(buf[pos + 4:end])
            symb = barcodes.FORM_B[m]
        else:
            self._warn(a, a + 3, f"GS k with unknown barcode system {m}; skipped 3 bytes")
            return pos + 3
        self._flush_text(a)
        s = self.s
        self._emit(Barcode(offset=a, end=self._abs(end), symbology=symb,
                           data=barcodes.barcode_text(symb, data), hri=s.hri, hri_font=s.hri_font,
                           module=s.bar_module, height=s.bar_height, align=s.align))
        return end

    def _g_raster(self, buf, pos, n):
        # GS v 0 m xL xH yL yH d1..dk
        if pos + 7 >= n:
            return NEED
        if buf[pos + 2] != 0x30:
            self._warn(self._abs(pos), self._abs(pos) + 3, "GS v without 0; skipped 3 bytes")
            return pos + 3
        m = buf[pos + 3]
        x = buf[pos + 4] | buf[pos + 5] << 8
        y = buf[pos + 6] | buf[pos + 7] << 8
        end, skipped = self._sized(buf, pos, n, 8, x * y, pos + 8)
        if end == NEED or skipped:
            return end
        if x and y:
            self._flush_text(self._abs(pos))
            m &= 0x03
            self._emit(Image(offset=self._abs(pos), end=self._abs(end), source="raster",
                             bits=bytes(buf[pos + 8:end]), bits_size=(x, y), bits_layout="raster",
                             align=self.s.align, scale_x=2 if m in (1, 3) else 1,
                             scale_y=2 if m in (2, 3) else 1))
        return end

    def _g_paren(self, buf, pos, n):
        # GS ( fn pL pH d1..dp
        if pos + 4 >= n:
            return NEED
        fn = buf[pos + 2]
        p = buf[pos + 3] | buf[pos + 4] << 8
        end, skipped = self._sized(buf, pos, n, 5, p, pos + 5)
        if end == NEED or skipped:
            return end
        self._paren_body(fn, bytes(buf[pos + 5:end]), self._abs(pos), self._abs(end), bytes(buf[pos:end]))
        return end

    def _g_8(self, buf, pos, n):
        # GS 8 L p1 p2 p3 p4 m fn ...: GS ( L with a 4-byte length
        if pos + 6 >= n:
            return NEED
        if buf[pos + 2] != 0x4C:
            self._warn(self._abs(pos), self._abs(pos) + 3, "GS 8 without L; skipped 3 bytes")
            return pos + 3
        p = buf[pos + 3] | buf[pos + 4] << 8 | buf[pos + 5] << 16 | buf[pos + 6] << 24
        end, skipped = self._sized(buf, pos, n, 7, p, pos + 7)
        if end == NEED or skipped:
            return end
        self._paren_body(0x4C, bytes(buf[pos + 7:end]), self._abs(pos), self._abs(end), bytes(buf[pos:end]))
        return end

    def _paren_body(self, fn: int, body: bytes, a: int, e: int, raw: bytes) -> None:
        if fn == 0x6B:  # GS ( k: 2D symbols
            self._symbol(body, a, e)
        elif fn == 0x4C:  # GS ( L: graphics
            self._graphics_cmd(body, a, e, raw)
        elif fn == 0x48:  # GS ( H: response / process id
            self._emit(StatusRequest(offset=a, end=e, command="GS ( H", n=body[0] if body else 0,
                                     raw=raw, realtime=False))
        elif fn == 0x41:  # GS ( A: test print
            pass
        # GS ( C/D/E/K/M/N/P/Q/z...: configuration; skipped by length

    def _symbol(self, body: bytes, a: int, e: int) -> None:
        if len(body) < 2:
            return
        cn, fn = body[0], body[1]
        sym = barcodes.SYMBOLS_2D.get(cn)
        if sym is None:
            self._warn(a, e, f"GS ( k with unknown symbol type {cn}")
            return
        opts = self._sym_opts.setdefault(cn, {})
        if fn == 0x50:  # store data (after m)
            data = body[3:] if len(body) >= 3 else b""
            self._symbols[cn] = (data, dict(opts))
        elif fn == 0x51:  # print
            data, stored_opts = self._symbols.get(cn, (b"", {}))
            self._flush_text(a)
            self._emit(Code2D(offset=a, end=e, symbology=sym, data=barcodes.symbol_text(data),
                              raw=data, options=stored_opts, align=self.s.align))
        elif fn == 0x52:  # transmit size information
            self._emit(StatusRequest(offset=a, end=e, command="GS ( k", n=cn, raw=b"", realtime=False))
        else:
            names = {0x41: "model" if cn == 49 else "columns", 0x42: "rows", 0x43: "module",
                     0x44: "row_height", 0x45: "error_correction", 0x46: "options"}
            if fn in names and len(body) >= 3:
                opts[names[fn]] = body[2] if not (cn == 49 and fn == 0x41) else body[2] - 48

    def _graphics_cmd(self, body: bytes, a: int, e: int, raw: bytes) -> None:
        if len(body) < 2:
            return
        fn = body[1]  # body[0] is m = 48
        if fn in (0, 1, 48, 49, 51, 64, 80):  # capacity / key lists: the printer answers
            self._emit(StatusRequest(offset=a, end=e, command="GS ( L", n=fn, raw=raw, realtime=False))
        elif fn in (2, 50):  # print the buffered graphics
            if self._graphics is not None:
                img, sx, sy = self._graphics
                self._graphics = None
                self._flush_text(a)
                self._emit(Image(offset=a, end=e, image=img, source="graphics", align=self.s.align,
                                 scale_x=sx, scale_y=sy))
        elif fn in (112, 113):  # store graphics data in the print buffer
            img = self._graphics_image(fn, body[2:], raster_offset=0)
            if img is not None:
                sx, sy = body[3] if len(body) > 3 else 1, body[4] if len(body) > 4 else 1
                self._graphics = (img, max(1, min(2, sx)), max(1, min(2, sy)))
        elif fn in (67, 68, 83, 84):  # define NV (67/68) or download (83/84) graphics
            if len(body) >= 9:
                key = f"{'nv' if fn < 80 else 'download'}:{body[2]:02x}{body[3]:02x}"
                # a kc1 kc2 b xL xH yL yH c d...
                x = body[5] | body[6] << 8
                y = body[7] | body[8] << 8
                data = body[10:] if len(body) > 10 else b""
                img = (graphics.raster_dots(data, x, y) if fn in (67, 83)
                       else graphics.column(data, x, (y + 7) // 8))
                if img is not None:
                    self._stored[key] = img
        elif fn in (69, 85):  # print NV (69) / download (85) graphics
            if len(body) >= 4:
                key = f"{'nv' if fn == 69 else 'download'}:{body[2]:02x}{body[3]:02x}"
                self._print_stored(key, a, e, "graphics-nv" if fn == 69 else "graphics-download")

    def _graphics_image(self, fn: int, p: bytes, raster_offset: int):
        # a bx by c xL xH yL yH d1...dk
        if len(p) < 8:
            return None
        x = p[4] | p[5] << 8
        y = p[6] | p[7] << 8
        data = p[8:]
        if fn == 112:
            return graphics.raster_dots(data, x, y)
        return graphics.column(data, x, (y + 7) // 8)

    def _print_stored(self, key: str, a: int, e: int, store: str) -> None:
        self._flush_text(a)
        img = self._stored.get(key)
        if img is not None:
            self._emit(Image(offset=a, end=e, image=img, source=store, align=self.s.align))
        else:
            self._emit(StoredImage(offset=a, end=e, store=store, key=key.split(":", 1)[1],
                                   align=self.s.align))

    def _g_define_downloaded(self, buf, pos, n):
        # GS * x y d1..d(x*y*8): column format, x*8 columns of y bytes
        if pos + 3 >= n:
            return NEED
        x, y = buf[pos + 2], buf[pos + 3]
        end, skipped = self._sized(buf, pos, n, 4, x * y * 8, pos + 4)
        if end == NEED or skipped:
            return end
        img = graphics.column(bytes(buf[pos + 4:end]), x * 8, y)
        if img is not None:
            self._stored["downloaded:0"] = img
        return end

    def _g_print_downloaded(self, args, a, e):
        self._print_stored("downloaded:0", a, e, "downloaded")

    def _g_variable_image(self, buf, pos, n):
        # GS Q 0 m xL xH yL yH d1..dk (column format, variable height)
        if pos + 7 >= n:
            return NEED
        x = buf[pos + 4] | buf[pos + 5] << 8
        y = buf[pos + 6] | buf[pos + 7] << 8
        end, _ = self._sized(buf, pos, n, 8, x * y, pos + 8)
        return end

    def _g_bmp(self, buf, pos, n):
        # GS D 0x30 0x43/0x53 0x30 kc1 kc2 b c d1..dk (Windows BMP): length is in the BMP header
        if pos + 15 >= n:
            return NEED
        start = pos + 10 if buf[pos + 3] == 0x43 else pos + 6
        if buf[start:start + 2] != b"BM":
            self._warn(self._abs(pos), self._abs(pos) + 2, "GS D without a BMP image; skipped 2 bytes")
            return pos + 2
        if start + 6 > n:
            return NEED
        size = int.from_bytes(buf[start + 2:start + 6], "little")
        end, _ = self._sized(buf, pos, n, start - pos, size, start)
        return end

    def _g_counter(self, buf, pos, n):
        if pos + 2 >= n:
            return NEED
        sub = buf[pos + 2]
        if sub in (0x30, 0):
            end = pos + 5
        elif sub in (0x31, 1):
            end = pos + 9
        elif sub in (0x32, 2):
            end = pos + 5
        elif sub == 0x3B:  # GS C ; sa ; sb ; sn ; sr ; sc ;
            i, semis = pos + 3, 0
            while i < n and semis < 5 and i - pos < 64:
                if buf[i] == 0x3B:
                    semis += 1
                i += 1
            if semis < 5:
                return NEED if i >= n else i
            end = i
        else:
            end = pos + 3
        return NEED if end > n else end

    def _g_maintenance(self, buf, pos, n):
        # GS g 0 m aL aH / GS g 2 m aL aH
        if pos + 5 >= n:
            return NEED
        if buf[pos + 2] == 0x32:
            self._emit(StatusRequest(offset=self._abs(pos), end=self._abs(pos + 6), command="GS g 2",
                                     n=buf[pos + 3], raw=bytes(buf[pos:pos + 6]), realtime=False))
        return pos + 6

    def _g_online_wait(self, buf, pos, n):
        return NEED if pos + 4 >= n else pos + 5  # GS z 0 t1 t2

    # --- FS handlers
    def _f_kanji_on(self, args, a, e):
        self.s.kanji = True
        self._ctx = None

    def _f_kanji_off(self, args, a, e):
        self.s.kanji = False
        self._ctx = None

    def _f_kanji_code(self, args, a, e):
        n = args[0]
        self.s.kanji_codec = "shift_jis" if n in (1, 49) else "iso2022_jp" if n in (0, 48) else "gb18030"
        self._ctx = None

    def _f_print_nv(self, args, a, e):
        self._print_stored(f"fsq:{args[0]}", a, e, "nv")

    def _f_paren(self, buf, pos, n):
        if pos + 4 >= n:
            return NEED
        p = buf[pos + 3] | buf[pos + 4] << 8
        end, skipped = self._sized(buf, pos, n, 5, p, pos + 5)
        if end == NEED or skipped:
            return end
        if buf[pos + 2] == 0x65:  # FS ( e: extended ASB
            self._emit(StatusRequest(offset=self._abs(pos), end=self._abs(end), command="FS ( e",
                                     n=p, raw=bytes(buf[pos:end]), realtime=False))
        return end

    def _f_define_kanji(self, buf, pos, n):
        return NEED if pos + 4 + 72 > n else pos + 4 + 72  # FS 2 c1 c2 d1..d72

    def _f_user_memory(self, buf, pos, n):
        # FS g 1 m a1 a2 a3 a4 nL nH d1..dk (write) / FS g 2 m a1..a4 nL nH (read)
        if pos + 9 >= n:
            return NEED
        k = buf[pos + 8] | buf[pos + 9] << 8
        if buf[pos + 2] == 0x32:
            end = pos + 10
            self._emit(StatusRequest(offset=self._abs(pos), end=self._abs(end), command="FS g 2",
                                     n=k, raw=bytes(buf[pos:end]), realtime=False))
            return end
        end, _ = self._sized(buf, pos, n, 10, k, pos + 10)
        return end

    def _f_define_nv(self, buf, pos, n):
        # FS q n [xL xH yL yH d1...d(x*y*8)] x n
        if pos + 2 >= n:
            return NEED
        count = buf[pos + 2]
        i = pos + 3
        images = []
        for _ in range(count):
            if i + 3 >= n:
                return NEED
            x = buf[i] | buf[i + 1] << 8
            y = buf[i + 2] | buf[i + 3] << 8
            size = x * y * 8
            end, skipped = self._sized(buf, pos, n, i + 4 - pos, size, i + 4)
            if end == NEED or skipped:
                return end
            images.append((bytes(buf[i + 4:end]), x, y))
            i = end
        for idx, (data, x, y) in enumerate(images, 1):
            img = graphics.column(data, x * 8, y)
            if img is not None:
                self._stored[f"fsq:{idx}"] = img
        return i


def decode(data: bytes, profile: str | Profile | None = None, **kwargs) -> Document:
    """Decode a whole stream into a Document."""
    dec = Decoder(profile, **kwargs)
    events = dec.feed(data)
    events += dec.close()
    p = dec.profile
    return Document(events=events, profile=p.name, width=p.width, cell=p.cell(0))
