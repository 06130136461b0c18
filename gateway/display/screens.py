"""The customer display's screens as data: title, lines, tone, QR code. Pure: no drawing, no I/O.

render.py draws a Screen with Pillow; the kiosk node gets `kiosk_lines()` (its small
monochrome display shows text only).
"""

from __future__ import annotations

import logging
from dataclasses import dataclass, field

from gateway.display import texts

log = logging.getLogger(__name__)
MODES = ("paper", "qr", "none")


@dataclass(frozen=True)
class Screen:
    name: str                      # idle | card | sent | printing | error-<kind>
    title: str
    lines: tuple[str, ...] = ()
    tone: str = "info"             # info | ok | wait | error: the header colour
    qr: str | None = None          # a URL shown as a QR code
    big: str | None = None         # one large line (the total)
    timeout_s: float = 0           # kiosk: back to its home screen after this (0 = this is home)
    extra: dict = field(default_factory=dict, compare=False)

    @property
    def label(self) -> str:
        """name, plus the mode on card screens: card-qr, card-none, card-paper."""
        mode = self.extra.get("mode")
        return f"{self.name}-{mode}" if mode else self.name

    def kiosk_lines(self) -> list[str]:
        out = [self.title, *self.lines]
        if self.big:
            out.insert(1, self.big)
        return out


def idle(lang: str = "en") -> Screen:
    return Screen("idle", texts.text("idle.title", lang), (texts.text("idle.body", lang),), "info")


def card(greeting: str | None, mode: str, lang: str = "en") -> Screen:
    if mode not in MODES:
        raise ValueError(f"mode must be one of {', '.join(MODES)}, not {mode!r}")
    title = (greeting or "").strip() or texts.text("card.welcome", lang)
    return Screen("card", title, (texts.text(f"mode.{mode}", lang),), "ok", timeout_s=15, extra={"mode": mode})


def sent(url: str, total, lang: str = "en", currency: str = "EUR") -> Screen:
    return Screen("sent", texts.text("sent.title", lang), (texts.text("sent.hint", lang),), "ok", qr=url,
                  big=f"{texts.text('sent.total', lang)} {texts.money(total, currency, lang)}", timeout_s=30)


def printing(lang: str = "en") -> Screen:
    return Screen("printing", texts.text("printing.title", lang), (texts.text("printing.body", lang),), "wait",
                  timeout_s=10)


def error(kind: str, lang: str = "en") -> Screen:
    if kind not in texts.ERROR_KINDS:
        log.warning("display: unknown error kind %r, showing the generic error screen", kind)
        key = "other"
    else:
        key = kind
    return Screen(f"error-{kind}", texts.text(f"error.{key}.title", lang),
                  (texts.text(f"error.{key}.body", lang),), "error", timeout_s=10)


GREETINGS = {"en": "Hello Anna", "nl": "Dag Anna", "fr": "Bonjour Anna", "de": "Hallo Anna"}


def all_screens(lang: str = "en", *, url: str = "https://receipts.example.com/r/8fJ2kQx7PZbW3nR1",
                total: str = "23.85", greeting: str | None = None) -> list[Screen]:
    """One of each screen, for display-test and the docs."""
    greeting = greeting or GREETINGS.get(lang, GREETINGS["en"])
    return [idle(lang), card(greeting, "qr", lang), card(greeting, "none", lang), card(None, "paper", lang),
            sent(url, total, lang), printing(lang), *(error(k, lang) for k in texts.ERROR_KINDS)]
