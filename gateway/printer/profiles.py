"""Printer profiles from python-escpos's capabilities database.

A profile tells the decoder how a printer numbers its code pages (ESC t n), how
wide its paper is in dots and how many columns each font has.
"""

from __future__ import annotations

import difflib
import json
from collections.abc import Mapping
from dataclasses import dataclass, replace
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
    overrides: tuple[tuple[int, str], ...] = ()  # the technician's ESC t numbers laid over the database's

    def with_code_pages(self, pages: Mapping[int, str]) -> Profile:
        """This profile with `pages` (ESC t n -> encoding name) replacing the database's numbers."""
        if not pages:
            return self
        merged = dict(self.overrides)
        merged.update(pages)
        return replace(self, code_pages={**self.code_pages, **merged}, overrides=tuple(sorted(merged.items())))

    def cell(self, font: int = 0) -> int:
        """Dots one character of `font` advances."""
        cols = self.columns.get(font)
        if cols:
            return max(1, self.width // cols)
        return FONT_CELL.get(font, 12)


def encoding_info(name: str) -> dict:
    """The capabilities DB's entry for a code page name ({} when unknown)."""
    return _capabilities()["encodings"].get(name, {})


@dataclass(frozen=True)
class ProfileChoice:
    """What a config or command line chose: a profile name and the code page numbers the real
    printer has where the database's differ (`[printer] code_pages`, `decode --code-page`).
    Hashable, so it goes wherever a profile name goes; `get_profile` turns it into a Profile."""

    name: str | None = None
    code_pages: tuple[tuple[int, str], ...] = ()

    def __str__(self) -> str:
        return self.name or "default"


def choose(name: str | None, code_pages: Mapping[int, str] | None = None) -> str | None | ProfileChoice:
    """The name alone when nothing is overridden (every existing caller keeps its string)."""
    if not code_pages:
        return name
    return ProfileChoice(name, tuple(sorted(code_pages.items())))


def configured(printer: Mapping) -> str | None | ProfileChoice:
    """What a gateway config's [printer] section chooses for the decoder: `profile` (None for
    the default) with `code_pages` laid over it."""
    name = printer.get("profile") or None
    return choose(None if name == "default" else name, printer.get("code_pages"))


def escpos_printer(spec=None):
    """python-escpos's `Dummy` for the gateway's own print jobs (QR stub, test page), its `magic`
    code page choice following the real printer's numbers: a page a ProfileChoice moves to
    another number is selected by that number, and a number it takes over no longer selects
    the database's page."""
    from escpos.magicencode import Encoder
    from escpos.printer import Dummy

    name = profile_name(spec)
    p = Dummy(profile=None if name == "default" else name)
    over = code_page_overrides(spec)
    if over:
        # python-escpos keeps the numbers as the database's strings: encoding -> "n"
        pages = {enc: n for enc, n in p.magic.encoder.codepages.items() if int(n) not in over}
        pages.update({enc: str(n) for n, enc in over.items()})
        p.magic.encoder = Encoder(pages)
    return p


def profile_name(spec) -> str:
    """The profile's name ('default' for none) for a name, a ProfileChoice or a Profile."""
    if isinstance(spec, Profile | ProfileChoice):
        return spec.name or "default"
    return spec or "default"


def code_page_overrides(spec) -> dict[int, str]:
    """The overridden numbers of a ProfileChoice or Profile ({} for a plain name)."""
    if isinstance(spec, ProfileChoice | Profile):
        return dict(spec.code_pages if isinstance(spec, ProfileChoice) else spec.overrides)
    return {}


def get_profile(spec: str | None | ProfileChoice | Profile = None) -> Profile:
    """The Profile for a name, a ProfileChoice (name + overrides) or a Profile (returned as is)."""
    if isinstance(spec, Profile):
        return spec
    return _resolve(spec)


@cache
def _resolve(spec: str | None | ProfileChoice) -> Profile:
    if isinstance(spec, ProfileChoice):
        return _named(spec.name).with_code_pages(dict(spec.code_pages))
    return _named(spec)


@cache
def _named(name: str | None) -> Profile:
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
