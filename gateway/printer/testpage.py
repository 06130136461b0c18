"""The `print-test` page, made by python-escpos (the same client library tills' drivers resemble).

Pure: returns bytes. What it exercises: a code page switch (€ é ü need CP858/CP1252-style
pages, picked by python-escpos's encoder from the printer profile), bold, underline,
double height and width, centring, an EAN-13 barcode with its digits, a QR code, and the cut.
"""

from __future__ import annotations

import contextlib
import io
import time

CODE_PAGE_LINE = "Code page check: € é ü"
BARCODE = "4006381333931"


def test_page(gateway_id: str, *, profile="default", link: str = "", now: float | None = None) -> bytes:
    from gateway.printer.profiles import escpos_printer, profile_name

    stamp = time.strftime("%Y-%m-%d %H:%M:%S", time.localtime(time.time() if now is None else now))
    p = escpos_printer(profile)  # a name, or a name with [printer] code_pages: the euro as the printer numbers it
    p.set(align="center", bold=True, double_height=True, double_width=True)
    p.text("TEST PAGE\n")
    p.set_with_default(align="center")
    p.text("receipt-gateway print-test\n")
    p.set_with_default()
    p.text(f"Gateway: {gateway_id}\nPrinter: {profile_name(profile)} via {link}\nPrinted: {stamp}\n\n")
    p.text(f"{CODE_PAGE_LINE}\n")
    p.text("(euro sign, e acute, u umlaut)\n\n")
    for style, label in (({"bold": True}, "Bold line"), ({"underline": 1}, "Underlined line"),
                         ({"double_height": True}, "Double height"), ({"double_width": True}, "Double width")):
        p.set_with_default(**style)
        p.text(label + "\n")
    p.set_with_default(align="center")
    with contextlib.redirect_stdout(io.StringIO()):  # python-escpos prints which renderer it uses
        p.barcode(BARCODE, "EAN13", pos="BELOW", function_type="A")
    p.qr(f"receipt-gateway print-test {gateway_id} {stamp}", size=6, native=True)
    p.set_with_default(align="center")
    p.text("If all of this is readable,\nthe printer works.\n")
    p.cut()
    return p.output
