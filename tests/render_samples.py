"""Print streams made with python-escpos (the real client library) for the renderer tests,
the rendering benchmark and the pictures in docs/images/.

Each function returns the bytes python-escpos's Dummy printer produced.
"""

from __future__ import annotations

from escpos.printer import Dummy
from PIL import Image, ImageDraw

QR_URL = "https://receipts.example/r/7Q2M-9XKD-ÉTÉ"
EAN = "5410013101703"  # a Belgian EAN-13 (check digit included)


def logo(width: int = 200, height: int = 80) -> Image.Image:
    """A small black-and-white shop logo drawn with Pillow."""
    img = Image.new("1", (width, height), 1)
    d = ImageDraw.Draw(img)
    d.rounded_rectangle((2, 2, width - 3, height - 3), radius=18, outline=0, width=5)
    d.ellipse((16, 14, 66, height - 14), fill=0)
    d.rectangle((84, 22, width - 18, 34), fill=0)
    d.rectangle((84, 46, width - 44, 58), fill=0)
    return img


def cafe_receipt(profile: str = "TM-T20II") -> bytes:
    """A Brussels café receipt: logo, styles, € prices, inverted total, QR and EAN-13."""
    p = Dummy(profile=profile)
    p.set(align="center")
    p.image(logo(), center=False)
    p.set(align="center", bold=True, double_width=True, double_height=True)
    p.textln("Café de l'Église")
    p.set_with_default(align="center")
    p.textln("Rue Haute 12, 1000 Bruxelles")
    p.textln("TVA BE 0123.456.789")
    p.ln()
    p.set_with_default()
    for item, price in [("2 x Espresso", "5,00"), ("1 x Croissant au beurre", "2,40"),
                        ("1 x Crème brûlée", "6,50"), ("1 x Thé vert", "3,20")]:
        p.textln(f"{item:<34}{price:>12} €")
    p.set(underline=1)
    p.textln(f"{'TVA 12 %':<34}{'1,82':>12} €")
    p.set_with_default(bold=True, double_height=True, double_width=True, invert=True)
    p.textln(" TOTAL      17,10 €")
    p.set_with_default(font="b")
    p.textln("Carte bancaire **** 4242   23/11/2026 12:54   Ticket 0042")
    p.set_with_default(align="center")
    p.ln()
    p.textln("Votre ticket électronique :")
    p.qr(QR_URL, size=5, native=True)
    p.barcode(EAN, "EAN13", height=80, width=3, pos="BELOW")
    p.textln("Merci et à bientôt !")
    p.cut()
    return p.output


def styles_receipt(profile: str = "TM-T20II") -> bytes:
    """Every text style python-escpos sets, and Greek, Cyrillic and box drawing."""
    p = Dummy(profile=profile)
    p.set(align="center", double_height=True, double_width=True)
    p.textln("STYLES")
    p.set_with_default()
    p.textln("Font A: plain text 0123456789")
    p.set(font="b")
    p.textln("Font B: a smaller font, more columns per line")
    p.set_with_default(bold=True)
    p.textln("Bold")
    p.set_with_default(underline=1)
    p.textln("Underline (thin)")
    p.set_with_default(underline=2)
    p.textln("Underline (thick)")
    p.set_with_default(invert=True)
    p.textln(" Inverted: white on black ")
    p.set_with_default(double_width=True)
    p.textln("Double width")
    p.set_with_default(double_height=True)
    p.textln("Double height")
    p.set_with_default(custom_size=True, width=3, height=3)
    p.textln("3 x 3")
    p.set_with_default(align="right")
    p.textln("aligned right")
    p.set_with_default()
    p.textln("Ελληνικά: καλημέρα")
    p.textln("Кириллица: спасибо")
    p.textln("€ £ ¥ é è à ç ü ñ ø")
    p.textln("┌──────┬──────┐")
    p.textln("│ box  │ draw │")
    p.textln("└──────┴──────┘")
    p.barcode("{BRECEIPT-42", "CODE128", height=60, width=2, pos="ABOVE", function_type="B")
    p.cut()
    return p.output


def narrow_receipt(profile: str = "POS-5890") -> bytes:
    """A 58 mm (384 dots) ticket with a centred QR code."""
    p = Dummy(profile=profile)
    p.set(align="center", bold=True, double_height=True)
    p.textln("Boulangerie Anne")
    p.set_with_default()
    p.textln(f"{'Pain gris':<22}{'3,10 €':>10}")
    p.textln(f"{'2 x Pistolet':<22}{'1,20 €':>10}")
    p.set_with_default(bold=True)
    p.textln(f"{'Total':<22}{'4,30 €':>10}")
    p.set_with_default(align="center")
    p.qr("https://receipts.example/r/B4K3-RY", size=4, native=True)
    p.cut()
    return p.output
