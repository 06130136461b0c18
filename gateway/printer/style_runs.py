"""Runs of style commands (ESC ! n, ESC E n, ESC t n, GS ! n ...) applied as one state change.

Receipt software sends a few of these before most lines, and python-escpos's magic
encoder puts ESC t n in the middle of lines for every accent or euro sign. Each only
sets printer settings, so a whole run can be matched with one regular expression and
applied from a cache keyed by its bytes: the settings it assigns, the warnings it
raises (ESC t with a page the profile lacks) and how many commands it holds.

A run's effect is found by running the commands' own handlers (in `decoder.py`) once
on a recording state, so what each command means is written in one place only.
"""

from __future__ import annotations

import re

# the argument may be any byte but LF, ESC and GS: a line then never ends inside a command
_ARG = rb"[^\n\x1b\x1d]"
_ESC_STYLE = rb"[ !\-34EGMRVart{]"  # ESC SP ! - 3 4 E G M R V a r t {: one argument each
_GS_STYLE = rb"[!BHfhw]"  # GS ! B H f h w: one argument each


def command_pattern(cr_is_lf: bool) -> bytes:
    """One style command; CR (ignored by the printer) counts as one unless it ends lines."""
    cmd = rb"\x1b" + _ESC_STYLE + _ARG + rb"|\x1b2|\x1d" + _GS_STYLE + _ARG
    return cmd if cr_is_lf else cmd + rb"|\r"


def patterns(cr_is_lf: bool) -> tuple[re.Pattern, re.Pattern, re.Pattern]:
    """(run of commands, whole lines of text and runs each ended by LF, a run splitting a line)."""
    cmd = command_pattern(cr_is_lf)
    # at most 32 commands a run: a longer series is several runs, and cache keys stay short;
    # (cmd)(cmd){0,31} rather than (cmd){1,32}: this form lets re skip over text fast
    run = rb"(?:" + cmd + rb")(?:" + cmd + rb"){0,31}"
    lines = re.compile(rb"(?:(?:[\x20-\xff]++|" + cmd + rb")*+\n)+")
    return re.compile(run), lines, re.compile(rb"(" + run + rb")")


_COMMAND = {False: re.compile(command_pattern(False)), True: re.compile(command_pattern(True))}
_KEEP = object()


class _Recorder:
    """Stands in for the decoder's state while a run's handlers run; keeps what they assign."""

    def __init__(self) -> None:
        object.__setattr__(self, "assigned", {})

    def __getattr__(self, name):  # a handler reading a setting it may leave as it is (ESC a 7)
        return self.assigned.get(name, _KEEP)

    def __setattr__(self, name, value) -> None:
        if value is not _KEEP:
            self.assigned[name] = value


def compile_run(decoder, run: bytes) -> tuple[tuple, tuple, int]:
    """(settings assigned, warnings as (start, end, message) within the run, command count)."""
    rec = _Recorder()
    saved = decoder.s, decoder._events, decoder.unknown
    decoder.s, decoder._events = rec, []
    count = 0
    try:
        for m in _COMMAND[decoder.cr_is_lf].finditer(run):
            a, e = m.span()
            count += 1
            if run[a] == 0x0D:
                continue
            table = decoder._esc_fixed if run[a] == 0x1B else decoder._gs_fixed
            argc, handler = table[run[a + 1]]
            assert e - a == 2 + argc, f"style command {run[a:e]!r} is not {2 + argc} bytes long"
            if handler is not None:
                handler(run[a + 2:e], a, e)
        warnings = tuple((w.offset, w.end, w.message) for w in decoder._events)
    finally:
        decoder.s, decoder._events, decoder.unknown = saved
    return tuple(rec.assigned.items()), warnings, count
