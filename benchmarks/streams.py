"""Benchmark streams made with the real python-escpos client."""

from __future__ import annotations

import contextlib
import io
import logging
import random

from escpos.printer import Dummy
from PIL import Image, ImageDraw

logging.getLogger("escpos").setLevel(logging.ERROR)

ITEMS = ["Brood volkoren", "Melk halfvol 1L", "Café crème", "Äpfel Boskoop", "Croissant beurre",
         "Kaas jong belegen", "Eau pétillante", "Bière blonde 33cl", "Chocolat noir 70%", "Tomaten"]


def text_receipt(seed: int = 0, width: int = 42) -> bytes:
    rnd = random.Random(seed)
    p = Dummy(profile="TM-T88V")
    p.set(align="center", bold=True, double_height=True, double_width=True)
    p.text("Bakkerij De Kroon\n")
    p.set(align="center", normal_textsize=True)
    p.text("Grote Markt 1, 1000 Brussel\nBTW BE 0123.456.789\n")
    p.set(align="left")
    p.text(f"Ticket {rnd.randint(1000, 9999)}   23/11/2026 14:{rnd.randint(10, 59)}\n")
    p.text("-" * width + "\n")
    total = 0
    for _ in range(rnd.randint(8, 20)):
        name = rnd.choice(ITEMS)
        cents = rnd.randint(50, 2500)
        total += cents
        amount = f"{cents // 100},{cents % 100:02d} €"
        p.text(f"{name:<{width - len(amount) - 2}}{amount} A\n")
    p.text("-" * width + "\n")
    p.set(bold=True, double_height=True)
    p.text(f"TOTAAL{f'{total // 100},{total % 100:02d} €':>{width - 6}}\n")
    p.set(bold=False, normal_textsize=True)
    p.text("Bancontact ************1234\nDank u wel en tot ziens!\n")
    with contextlib.redirect_stdout(io.StringIO()):  # python-escpos prints which renderer it picked
        p.barcode("4006381333931", "EAN13", pos="BELOW")
    p.cut()
    return p.output


def raster_receipt(height: int = 800) -> bytes:
    img = Image.new("1", (576, height), 1)
    d = ImageDraw.Draw(img)
    for y in range(0, height, 30):
        d.text((10, y), f"Line {y // 30}  Bakkerij De Kroon  12,50 EUR", fill=0)
    p = Dummy(profile="TM-T20II")
    p.image(img, impl="bitImageRaster", fragment_height=height)
    p.cut()
    return p.output


def text_stream(size: int = 2_000_000) -> bytes:
    parts, total, i = [], 0, 0
    while total < size:
        r = text_receipt(i)
        parts.append(r)
        total += len(r)
        i += 1
    return b"".join(parts)


def raster_stream(size: int = 20_000_000) -> bytes:
    r = raster_receipt()
    return r * (size // len(r) + 1)
