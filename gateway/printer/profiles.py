"""Printer profiles from python-escpos's capabilities database.

A profile tells the decoder how a printer numbers its code pages (ESC t n), how
wide its paper is in dots and how many columns each font has.
"""

from __future__ import annotations

import difflib
import json
from dataclasses import dataclass
from functools import cache
from importlib import resources

DEFAULT_WIDTH_DOTS = 576  # 80 mm paper at 203 dpi, 48 columns of Font A
FONT_CELL = {0: 12, 1: 9, 2: 9}  # Epson Font A 12x24, Font B 9x17, Font C 9x17
FONT_HEIGHT = {0: 24, 1: 17, 2: 17}


class UnknownProfile(ValueError):
    pass


@cache
def _capabilities() -> dict:
    ref = resources.files("escpos") / "capabilities.json"
    return json.loads(ref.read_text(encoding="utf-8"))


def profile_names() -> list[str]:
    return sorted(_capabilities()["profiles"])


@dataclass(frozen=True)
class Profile:
    name: str
    code_pages: dict[int, str]  # ESC t n -> encoding name as in the capabilities DB
    width: int  # printable width in dots
    dpi: int
    columns: dict[int, int]  # font -> columns
    width_known: bool = True  # False: the database does not say; lines are not wrapped

    def cell(self, font: int = 0) -> int:
        """Dots one character of `font` advances."""
        cols = self.columns.get(font)
        if cols:
            return max(1, self.width // cols)
        return FONT_CELL.get(font, 12)


def encoding_info(name: str) -> dict:
    """The capabilities DB's entry for a code page name ({} when unknown)."""
    return _capabilities()["encodings"].get(name, {})


@cache
def get_profile(name: str | None = None) -> Profile:
    caps = _capabilities()["profiles"]
    key = name or "default"
    if key not in caps:
        lower = {k.lower(): k for k in caps}
        if key.lower() in lower:
            key = lower[key.lower()]
        else:
            close = difflib.get_close_matches(key, list(caps), n=3, cutoff=0.5)
            hint = f" Did you mean {', '.join(close)}?" if close else ""
            raise UnknownProfile(f"unknown printer profile {name!r}.{hint} "
                                 f"Known profiles: {', '.join(sorted(caps))}")
    data = caps[key]
    pages = {int(n): enc for n, enc in data.get("codePages", {}).items()}
    media = data.get("media", {})
    width = media.get("width", {}).get("pixels")
    known = isinstance(width, int)
    width = width if known else DEFAULT_WIDTH_DOTS
    dpi = media.get("dpi")
    dpi = dpi if isinstance(dpi, int) else 203
    cols = {}
    for font, info in data.get("fonts", {}).items():
        c = info.get("columns")
        if isinstance(c, int) and c > 0:
            cols[int(font)] = c
    if media.get("width", {}).get("pixels") in (None, "Unknown"):
        cols = {}  # columns of an unknown paper width mean nothing: use the font cells
    return Profile(key, pages, width, dpi, cols, known)
