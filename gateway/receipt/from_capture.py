"""The e-receipt of one captured receipt, and one that is never lost when extraction fails.

`ereceipt_for(captured, ...)` runs the extractor on a `CapturedReceipt` (what the
proxy cut out of the till's stream). If decoding or extraction raises, it still
returns a schema-valid e-receipt: the printed text (as far as it can be rendered),
the raw bytes' SHA-256, no business fields, confidence 0 and a warning naming the
failure. A receipt the gateway took off paper must reach the hub either way.
"""

from __future__ import annotations

import base64
import hashlib
import logging
from datetime import datetime

from ulid import ULID

from gateway.receipt.ereceipt import Source, build_ereceipt, new_access_token
from gateway.receipt.schema import SCHEMA_ID

log = logging.getLogger("gateway.receipt")


def ereceipt_for(captured, source: Source, *, delivery: dict, include_raw: bool = False,
                 till_profile=None, loyalty_card: dict | None = None, currency: str | None = "EUR") -> dict:
    """The e-receipt for `captured`; falls back to text + hash when extraction fails."""
    from gateway.printer.document import Receipt
    from gateway.printer.profiles import get_profile

    try:
        cell = get_profile(captured.profile).cell()
        receipt = Receipt(list(captured.events), 0, len(captured.raw), cut=captured.ended_by == "cut")
        return build_ereceipt(receipt, captured.raw, source, cell=cell, delivery=delivery,
                              include_raw=include_raw, till_profile=till_profile, loyalty_card=loyalty_card,
                              currency=currency)
    except Exception as exc:  # noqa: BLE001 - any extractor bug: keep the receipt, say why
        log.exception("extraction failed for a %d-byte receipt; publishing its text and hash only",
                      len(captured.raw))
        return fallback_ereceipt(captured, source, delivery=delivery, include_raw=include_raw,
                                 error=f"extraction failed: {type(exc).__name__}: {exc}")


def fallback_ereceipt(captured, source: Source, *, delivery: dict, error: str, include_raw: bool = False) -> dict:
    """A schema-valid e-receipt with only what needs no extraction: text, codes, raw hash."""
    warnings = [error]
    try:
        text = [line for line in captured.text().rstrip("\n").split("\n")]
    except Exception as exc:  # noqa: BLE001 - even the renderer failed: keep the bytes' hash
        text = []
        warnings.append(f"text rendering failed: {type(exc).__name__}: {exc}")
    captured_at = source.captured_at or datetime.fromtimestamp(captured.ended_at).astimezone()
    src = {"store_id": source.store_id, "till_id": source.till_id, "gateway_id": source.gateway_id,
           "captured_at": captured_at.isoformat(timespec="milliseconds"),
           "printer_profile": source.printer_profile,
           "raw_sha256": hashlib.sha256(captured.raw).hexdigest()}
    if include_raw:
        src["raw_bytes"] = base64.b64encode(captured.raw).decode("ascii")
    return {
        "schema": SCHEMA_ID, "receipt_id": str(ULID()), "access_token": new_access_token(), "sequence": None,
        "source": src,
        "merchant": {"name": None, "address": None, "vat_id": None},
        "receipt_number": None, "issued_at": None, "currency": None,
        "lines": [], "vat": [], "totals": {"gross": None, "net": None, "vat": None, "discount": None},
        "payments": [], "loyalty": None, "fiscal": None, "delivery": delivery,
        "text": text, "codes": [], "extraction": {"confidence": 0.0, "warnings": warnings},
    }
