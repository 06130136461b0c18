"""The demo's shop floor: its customers, their loyalty cards, the scanner they scan them at, and
the hub that answers the scans and keeps the e-receipts.

- Three customers have an account: Ann wants a QR stub, Bram wants nothing printed, Chloé
  wants paper. Before some receipts one of them scans a card (`VISITS`); Bram's second
  receipt carries a warranty line, which the law wants on paper: it is printed anyway.
- The scanner is a USB serial scanner: a pty pair (gateway.scanner.fake_serial); the gateway
  opens it as `[scanner] device` and the demo "scans" by writing the card number to it.
- The card key is a file in the demo's output folder (mode 0600), as on a real gateway.
- The hub is the reference hub (`gateway.hub`: ingest, scan responder, receipt pages on
  SQLite) when the `hub` extra is installed; without it a small stand-in answers the scans
  from the same accounts and `receipt-gateway listen` takes the receipts.
"""

from __future__ import annotations

import os
import threading
import time
from dataclasses import dataclass
from pathlib import Path

from gateway.printer.barcodes import gs1_check_digit

KEY = b"demo-retailer-card-key-not-for-production"
KEY_ID = "k1"


def ean13(first12: str) -> str:
    """A 13-digit card number with its check digit (what a card's barcode carries)."""
    return first12 + str(gs1_check_digit(first12))


@dataclass(frozen=True)
class Customer:
    name: str
    card: str
    mode: str        # what the customer chose in their account: paper | qr | none
    email: str
    locale: str

    @property
    def masked(self) -> str:
        return "•••• " + self.card[-4:]


CUSTOMERS = {
    "ann": Customer("Ann", ean13("290000000042"), "qr", "ann@example.com", "en"),
    "bram": Customer("Bram", ean13("290000000099"), "none", "bram@example.com", "nl"),
    "chloe": Customer("Chloé", ean13("290000000123"), "paper", "chloe@example.com", "fr"),
}
VISITS = {2: "ann", 4: "bram", 5: "chloe", 6: "bram"}   # receipt number -> who scans a card before it
WARRANTY_AT = 6                                         # that receipt has a warranty line


def write_card_key(folder: Path) -> Path:
    """The retailer's card HMAC key, readable by its owner only (the gateway refuses anything looser)."""
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / "loyalty.key"
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(fd, "wb") as f:
        f.write(KEY + b"\n")
    path.chmod(0o600)
    return path


def card_hmac(number: str) -> str:
    from gateway.loyalty.cardkey import card_hmac as hmac_of

    return hmac_of(KEY, number)


def warranty_receipt() -> bytes:
    """An electronics shop's receipt with a warranty line, as python-escpos prints it."""
    from escpos.printer import Dummy

    p = Dummy(profile="TM-T88V")
    p.set(align="center", bold=True, double_height=True)
    p.textln("ELECTRO VAN DAMME")
    p.set(align="center", bold=False, normal_textsize=True)
    p.textln("Meir 12, 2000 Antwerpen")
    p.textln("BTW BE0123.456.789")
    p.set(align="left")
    p.textln("23-11-2026 14:31         Bon 20417")
    p.textln("-" * 42)
    p.textln("Waterkoker Inox 1.7L             49.99 A")
    p.textln("Ontkalker 250ml                   6.50 A")
    p.textln("-" * 42)
    p.set(bold=True)
    p.textln("TOTAAL EUR                       56.49")
    p.set(bold=False)
    p.textln("Bancontact                       56.49")
    p.textln("BTW A 21%      46.69     9.80    56.49")
    p.textln("")
    p.set(align="center")
    p.textln("GARANTIEBEWIJS - 2 jaar garantie")
    p.textln("Bewaar dit ticket")
    p.cut()
    return p.output


class CardAnswers:
    """Waits for the gateway's answer to a scan (the card desk's `card_accepted` event)."""

    def __init__(self, desk):
        self._events: list[dict] = []
        self._cond = threading.Condition()
        desk.listeners.append(self._on_event)

    def _on_event(self, event: dict) -> None:
        with self._cond:
            self._events.append(event)
            self._cond.notify_all()

    def wait(self, after: int, timeout: float = 5.0) -> dict | None:
        """The first card_accepted/invalid_card event after the first `after` events."""
        deadline = time.monotonic() + timeout
        with self._cond:
            while True:
                for e in self._events[after:]:
                    if e.get("event") in ("card_accepted", "invalid_card"):
                        return e
                left = deadline - time.monotonic()
                if left <= 0:
                    return None
                self._cond.wait(left)

    def __len__(self) -> int:
        with self._cond:
            return len(self._events)


def hub_installed() -> bool:
    """The `hub` extra (SQLAlchemy, Starlette, uvicorn) is importable."""
    import importlib.util

    return all(importlib.util.find_spec(m) is not None for m in ("sqlalchemy", "starlette", "uvicorn"))
