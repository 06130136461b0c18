"""Build the full e-receipt from one decoded receipt, its raw bytes and where it came from."""

from __future__ import annotations

import base64
import hashlib
import secrets
from dataclasses import dataclass
from datetime import datetime, tzinfo

from ulid import ULID

from gateway.printer.barcodes import hri_text
from gateway.printer.document import Barcode, Code2D, Receipt
from gateway.printer.render_text import receipt_lines
from gateway.receipt.extractor import extract
from gateway.receipt.logical import logical_lines
from gateway.receipt.schema import SCHEMA_ID


@dataclass
class Source:
    """Where a receipt came from (the `source` object of the e-receipt)."""

    store_id: str | None = None
    till_id: str | None = None
    gateway_id: str | None = None
    printer_profile: str | None = None
    captured_at: datetime | None = None


def receipt_codes(receipt: Receipt) -> list[dict]:
    """The barcodes and 2D codes a receipt prints: [{type, data}], data as a scanner reads it off
    the paper: an EAN-13/EAN-8/UPC-A sent without its check digit gets the digit the printer
    computes and encodes (`Barcode.data` keeps what was sent)."""
    out = []
    for e in receipt.events:
        if isinstance(e, Barcode) and e.data:
            out.append({"type": e.symbology, "data": hri_text(e.symbology, e.data)})
        elif isinstance(e, Code2D) and e.data:
            out.append({"type": e.symbology, "data": e.data})
    return out


def new_access_token() -> str:
    return secrets.token_urlsafe(24)  # 192 bits


def build_ereceipt(receipt: Receipt, raw: bytes, source: Source | None = None, *, cell: int = 12,
                   sequence: int | None = None, delivery: dict | None = None,
                   include_raw: bool = False, till_profile=None, loyalty_card: dict | None = None,
                   tz: tzinfo | None = None, receipt_id: str | None = None,
                   access_token: str | None = None, currency: str | None = "EUR") -> dict:
    """The e-receipt JSON (a dict) for `receipt`, whose stream bytes are `raw`.

    Fields are read from the till's lines (printer wraps undone); `text` is as printed.
    `currency` is the one assumed when the receipt prints none (`[decoder] currency`)."""
    lines, hints = logical_lines(receipt, cell)
    return ereceipt_from_lines(lines, receipt_codes(receipt), raw, source,
                               sequence=sequence, delivery=delivery, include_raw=include_raw,
                               till_profile=till_profile, loyalty_card=loyalty_card, tz=tz,
                               receipt_id=receipt_id, access_token=access_token,
                               printed=receipt_lines(receipt, cell), hints=hints, currency=currency)


def ereceipt_from_lines(lines: list[str], codes: list[dict], raw: bytes, source: Source | None = None,
                        *, sequence: int | None = None, delivery: dict | None = None,
                        include_raw: bool = False, till_profile=None, loyalty_card: dict | None = None,
                        tz: tzinfo | None = None, receipt_id: str | None = None,
                        access_token: str | None = None, printed: list[str] | None = None,
                        hints: list | None = None, currency: str | None = "EUR") -> dict:
    source = source or Source()
    fields = extract(lines, codes, profile=till_profile, tz=tz, printed=printed, hints=hints,
                     default_currency=currency)
    captured = source.captured_at or datetime.now().astimezone()
    if captured.tzinfo is None:
        captured = captured.astimezone()
    src = {
        "store_id": source.store_id, "till_id": source.till_id, "gateway_id": source.gateway_id,
        "captured_at": captured.isoformat(timespec="milliseconds"),
        "printer_profile": source.printer_profile,
        "raw_sha256": hashlib.sha256(raw).hexdigest(),
    }
    if include_raw:
        src["raw_bytes"] = base64.b64encode(raw).decode("ascii")
    loyalty = fields["loyalty"]
    if loyalty_card is not None:
        loyalty = dict(loyalty or {"points_earned": None, "points_balance": None})
        loyalty["card"] = {"hmac": loyalty_card["hmac"], "key_id": loyalty_card["key_id"]}
    return {
        "schema": SCHEMA_ID,
        "receipt_id": receipt_id or str(ULID()),
        "access_token": access_token or new_access_token(),
        "sequence": sequence,
        "source": src,
        "merchant": fields["merchant"],
        "receipt_number": fields["receipt_number"],
        "issued_at": fields["issued_at"],
        "currency": fields["currency"],
        "lines": fields["lines"],
        "vat": fields["vat"],
        "totals": fields["totals"],
        "payments": fields["payments"],
        "loyalty": loyalty,
        "fiscal": fields["fiscal"],
        "delivery": delivery or {"mode": "paper", "reason": None},
        "text": fields["text"],
        "codes": fields["codes"],
        "extraction": fields["extraction"],
    }
