"""The short QR-code stub printed instead of a full receipt (and by the `print_qr` command).

    build_stub(e_receipt, url, profile) -> bytes   # an ESC/POS job, made by python-escpos

The stub names the shop, the receipt number and date, the total, and prints a QR code
linking to the e-receipt (`[qr] url_template` with the receipt's access token). The
loyalty policy may extend it (greeting, points); keep the signature.
"""

from __future__ import annotations

import contextlib
import io


def qr_url(template: str, e_receipt: dict) -> str:
    """The link for the QR code: `template` with {token} replaced by the receipt's access token."""
    return template.replace("{token}", str(e_receipt.get("access_token") or ""))


def build_stub(e_receipt: dict, url: str, profile: str | None = None) -> bytes:
    """An ESC/POS print job: header, total, a QR code for `url`, a cut."""
    from escpos.printer import Dummy

    p = Dummy(profile=profile) if profile and profile != "default" else Dummy()
    merchant = (e_receipt.get("merchant") or {}).get("name")
    totals = e_receipt.get("totals") or {}
    currency = e_receipt.get("currency") or ""
    p.hw("INIT")
    p.set(align="center", bold=True)
    p.textln(merchant or "Receipt")
    p.set(align="center", bold=False)
    number, issued = e_receipt.get("receipt_number"), e_receipt.get("issued_at")
    if number or issued:
        p.textln(" ".join(str(x) for x in (number, (issued or "")[:16].replace("T", " ")) if x))
    if totals.get("gross"):
        p.textln(f"Total {totals['gross']} {currency}".rstrip())
    p.ln()
    p.textln("Your receipt is online:")
    with contextlib.redirect_stdout(io.StringIO()):  # python-escpos says which QR renderer it used
        p.qr(url, size=6, native=True)
    p.textln(url)
    p.cut()
    return p.output
