"""`decode --format receipt`: the e-receipt JSON of each receipt in a capture."""

from __future__ import annotations

import json

from gateway.cli import UserError
from gateway.config import ConfigError
from gateway.receipt.ereceipt import Source, build_ereceipt
from gateway.receipt.schema import validate


def ereceipts_json(doc, data: bytes, printer_profile: str | None, till_profile: str | None) -> str:
    """One e-receipt (a JSON object) per printed receipt; a JSON array when there are several."""
    profile = None
    if till_profile:
        from gateway.receipt.tillprofile import load_till_profile

        try:
            profile = load_till_profile(till_profile)
        except ConfigError as exc:
            raise UserError(str(exc).split("\n")[0], exc.remedy or "check the till profile") from None
    from gateway.printer.profiles import profile_name

    source = Source(printer_profile=profile_name(printer_profile))  # a name, or a name with --code-page
    out = []
    for receipt in doc.receipts():
        if receipt.is_blank:
            continue
        raw = data[receipt.start:receipt.end]
        out.append(validate(build_ereceipt(receipt, raw, source, cell=doc.cell, till_profile=profile)))
    body = out[0] if len(out) == 1 else out
    return json.dumps(body, ensure_ascii=False, indent=1) + "\n"
