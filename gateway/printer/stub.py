"""The short QR-code stub printed instead of a full receipt (and by the `print_qr` command).

    build_stub(e_receipt, url, profile) -> bytes   # an ESC/POS job, made by python-escpos

The stub names the shop, the receipt's date and number, the total, the loyalty points
balance when the hub gave one (and "+N with this receipt" when the hub sent the rules it
books points by), a QR code linking to the e-receipt (`[qr] url_template`
with the receipt's access token) and a line saying where the full receipt is. The QR
code is the printer's own (GS ( k, native): a few hundred bytes instead of a raster
image, so it reaches the printer in milliseconds.
"""

from __future__ import annotations

import contextlib
import io


def qr_url(template: str, e_receipt: dict) -> str:
    """The link for the QR code: `template` with {token} replaced by the receipt's access token."""
    return template.replace("{token}", str(e_receipt.get("access_token") or ""))


def _when(e_receipt: dict) -> str:
    issued = e_receipt.get("issued_at") or (e_receipt.get("source") or {}).get("captured_at") or ""
    return issued[:16].replace("T", " ")


def build_stub(e_receipt: dict, url: str, profile: str | None = None, *, points_earned: int | None = None) -> bytes:
    """An ESC/POS print job: shop, date, total, points, a QR code for `url`, where the receipt is, a cut.
    `points_earned`: what the hub will book for this receipt (gateway.loyalty.desk.points_this_receipt)."""
    from gateway.printer.profiles import escpos_printer

    p = escpos_printer(profile)  # a name, or a name with [printer] code_pages
    merchant = (e_receipt.get("merchant") or {}).get("name")
    totals = e_receipt.get("totals") or {}
    currency = e_receipt.get("currency") or ""
    p.hw("INIT")
    p.set(align="center", bold=True, double_height=True)
    p.textln(merchant or "Receipt")
    p.set(align="center", bold=False, normal_textsize=True)
    when, number = _when(e_receipt), e_receipt.get("receipt_number")
    if when or number:
        p.textln("  ".join(x for x in (when, f"No {number}" if number else "") if x))
    if totals.get("gross"):
        p.set(align="center", bold=True)
        p.textln(f"TOTAL {totals['gross']} {currency}".rstrip())
        p.set(align="center", bold=False)
    points = (e_receipt.get("loyalty") or {}).get("points_balance")
    if points is not None:  # the hub's balance before this receipt, and what this one earns when known
        p.textln(f"Points: {points}" + (f"  {points_earned:+d} with this receipt" if points_earned else ""))
    p.ln()
    p.set(align="center")  # the alignment centres the native QR code too
    with contextlib.redirect_stdout(io.StringIO()):  # python-escpos says which QR renderer it used
        p.qr(url, size=6, native=True)
    p.ln()
    p.set(align="center")
    p.textln("Your full receipt is online:")
    p.textln("scan the code or open")
    p.set(align="center", font="b")  # Font B, no scheme: the link fits one line on 80 mm paper
    p.textln(url.split("://", 1)[-1])
    p.set(align="center", font="a")
    p.ln()
    p.cut()
    return p.output
