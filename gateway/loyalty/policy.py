"""Which way does a receipt go: paper, QR stub or nothing, and why. Pure.

Order of precedence:
1. "always print" rules on the receipt's printed text (legal exceptions override the
   customer): warranty receipts, cancelled/failed card slips, weighing-scale tickets,
   refunds, Belgian horeca GKS tickets (`country = "be"`), plus `[policy] always_print`;
2. the scanned card's preference (from the hub, the cache, or the default);
3. without a card: the store default (`[policy] default`).

The built-in rules match words in the text folded to lower case without accents, so
"ANNULÉ", "Annule" and "annulé" are the same. The common set is applied in every
country: each of its kinds is required in France and prudent elsewhere; `country`
adds its own.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation

from gateway.loyalty.session import Preference

MODES = ("paper", "qr", "none")

# (name, regular expression on folded text); \b-bounded words in be/fr/de/nl/lu languages + English
COMMON_RULES: tuple[tuple[str, str], ...] = (
    ("warranty receipt", r"\b(garantie\w*|warranty|guarantee|garantiebewijs|garantieschein|gewahrleistung)\b"),
    ("cancelled or failed card payment",
     r"\b(annule|annulee|annulation|geannuleerd|storno|storniert|declined|refuse|refusee|abgelehnt|"
     r"abgebrochen|geweigerd|niet gelukt|transaction cancelled|cancelled|not authori[sz]ed|non autorise)\b"),
    ("weighing-scale ticket", r"\b(poids net|net weight|nettogewicht|netto ?gewicht|tare|tara)\b"),
    ("refund", r"^\W*(remboursement|refund|terugbetaling|erstattung|ruckerstattung|retour|retoure|"
               r"avoir|gutschrift|creditnota)\W*(:|$|-?\d)"),  # a heading or an amount, not "retour possible"
)
COUNTRY_RULES: dict[str, tuple[tuple[str, str], ...]] = {
    "be": (("Belgian GKS (horeca) ticket",
            r"\b(fdm|vsc|scu)\b|\bfdm[ -]?(id|nr|ref)|witte kassa|geregistreerd kassasysteem|"
            r"systeme de caisse enregistreuse|\bgks\b|\bsce\b"),),
    "fr": (), "de": (), "nl": (), "lu": (),
}


def fold(text: str) -> str:
    decomposed = unicodedata.normalize("NFKD", text)
    return "".join(c for c in decomposed if not unicodedata.combining(c)).lower()


@dataclass(frozen=True)
class Delivery:
    mode: str
    reason: str

    def to_dict(self) -> dict:
        return {"mode": self.mode, "reason": self.reason}


class Policy:
    def __init__(self, default: str = "paper", country: str = "", always_print: list[str] | tuple = ()):
        if default not in MODES:
            raise ValueError(f"default must be one of {MODES}, not {default!r}")
        self.default, self.country = default, country
        rules = [(name, re.compile(rx, re.M)) for name, rx in COMMON_RULES + COUNTRY_RULES.get(country, ())]
        for rx in always_print:
            try:
                rules.append((f"[policy] always_print {rx!r}", re.compile(rx, re.M | re.I)))
            except re.error as exc:
                raise ValueError(f"[policy] always_print pattern {rx!r} is not a valid regular expression: "
                                 f"{exc}") from None
        self.rules = rules

    @classmethod
    def from_config(cls, cfg: dict) -> Policy:
        p = cfg.get("policy") or {}
        return cls(p.get("default", "paper"), p.get("country", ""), p.get("always_print") or ())

    def must_print(self, lines: list[str], e_receipt: dict | None = None) -> str | None:
        """The name of the first "always print" rule the receipt matches, or None."""
        text = "\n".join(lines)
        folded = fold(text)
        for name, rx in self.rules:
            if rx.search(text if name.startswith("[policy]") else folded):
                return name
        if e_receipt and _is_refund(e_receipt):
            return "refund"
        return None

    def decide(self, lines: list[str], preference: Preference | None, e_receipt: dict | None = None) -> Delivery:
        rule = self.must_print(lines, e_receipt)
        if rule:
            return Delivery("paper", f"always printed: {rule}")
        if preference is None:
            return Delivery(self.default, "store default (no card scanned)")
        if preference.source == "default":
            return Delivery(preference.mode, "card scanned, no answer from the hub or the cache: store default")
        source = {"hub": "from the hub", "cache": "cached, the hub did not answer in time",
                  "kiosk": "chosen at the kiosk"}[preference.source]
        return Delivery(preference.mode, f"customer preference ({source})")


def _is_refund(e_receipt: dict) -> bool:
    if any((line or {}).get("kind") == "return" for line in e_receipt.get("lines") or []):
        return True
    gross = (e_receipt.get("totals") or {}).get("gross")
    try:
        return gross is not None and Decimal(str(gross)) < 0
    except InvalidOperation:
        return False
