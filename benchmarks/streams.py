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


def receipts(make, size: int) -> bytes:
    """make(seed) for seeds 0, 1, ... until there are `size` bytes."""
    parts, total, i = [], 0, 0
    while total < size:
        r = make(i)
        parts.append(r)
        total += len(r)
        i += 1
    return b"".join(parts)


def text_stream(size: int = 2_000_000) -> bytes:
    return receipts(text_receipt, size)


def raster_stream(size: int = 20_000_000) -> bytes:
    r = raster_receipt()
    return r * (size // len(r) + 1)


def tabs_receipt(seed: int = 0) -> bytes:
    """A till that prints columns by tabs and ESC $ (absolute position), with python-escpos:
    ESC D tab stops, item<HT>qty<HT>price, and ESC $ n to put each amount at its column."""
    rnd = random.Random(seed)
    p = Dummy(profile="TM-T88V")
    p.set(align="center", bold=True)
    p.text("Bakkerij De Kroon\n")
    p.set(align="left", bold=False)
    p._raw(b"\x1bD\x14\x1a\x00")  # tab stops at columns 20 and 26
    p.text("Artikel\tAant.\tBedrag\n")
    total = 0
    for _ in range(rnd.randint(8, 20)):
        name = rnd.choice(ITEMS)
        qty = rnd.randint(1, 6)
        cents = rnd.randint(50, 2500) * qty
        total += cents
        p.text(f"{name[:18]}\t{qty}\t{cents // 100},{cents % 100:02d} €\n")
        if rnd.random() < 0.5:  # a discount line: the amount put at dot 384 by ESC $
            p.text("  korting")
            p._raw(b"\x1b$\x80\x01")
            p.text(f"-0,{rnd.randint(10, 99)} €\n")
    p.text("-" * 42 + "\n")
    p.set(bold=True)
    p.text("TOTAAL")
    p._raw(b"\x1b$\x68\x01")  # dot 360
    p.text(f"{total // 100},{total % 100:02d} €\n")
    p.set(bold=False)
    p.text("BTW 6%\t\t" + f"{total * 6 // 10600 // 100},{total * 6 // 10600 % 100:02d} €\n")
    p.cut()
    return p.output


def tabs_stream(size: int = 2_000_000) -> bytes:
    return receipts(tabs_receipt, size)


NPM_MODEL = "epson-tm-t88vi"


def npm_receipt_ops(rnd: random.Random) -> list:
    """One receipt for @point-of-sale/receipt-printer-encoder (tests/npm_clients.js ops):
    a sized title, centred lines, a table of items padded by the encoder, rules, a bordered
    table, the total in double width, € in the model's CP858."""
    ops = [["line", "Bakkerij De Kroon", {"align": "center", "width": 2, "height": 2, "bold": True}],
           ["line", "Grote Markt 1, 1000 Brussel", {"align": "center"}],
           ["line", f"Ticket {rnd.randint(1000, 9999)}  23/11/2026 14:{rnd.randint(10, 59)}"],
           ["rule"]]
    rows, total = [], 0
    for _ in range(rnd.randint(8, 20)):
        cents = rnd.randint(50, 2500)
        total += cents
        rows.append([rnd.choice(ITEMS), str(rnd.randint(1, 9)), f"{cents // 100},{cents % 100:02d} €"])
    ops += [["table", [{"width": 22, "marginRight": 2}, {"width": 4, "align": "right"},
                       {"width": 12, "align": "right"}], rows],
            ["rule", {"style": "double"}],
            ["line", f"TOTAAL {total // 100},{total % 100:02d} €", {"width": 2, "bold": True}],
            ["table", [{"width": 10}, {"width": 12, "align": "right"}],
             [["BTW 6%", f"{total * 6 // 10600 // 100},{total * 6 // 10600 % 100:02d} €"]],
             {"border": "single", "outline": "single"}],
            ["line", "Dank u wel en tot ziens!", {"align": "center", "underline": True}],
            ["cut"]]
    return ops


def npm_missing() -> str | None:
    """Why the receipt-printer-encoder stream cannot be made here, or None."""
    from tests.integration.test_npm_clients import missing

    return missing("rpe")


def npm_stream(size: int = 2_000_000) -> bytes:
    """Receipts made by @point-of-sale/receipt-printer-encoder (node, tests/npm_clients.js)."""
    from tests.integration.test_npm_clients import run

    rnd = random.Random(0)
    ops = [["init"], ["codepage", "cp858"]]
    for _ in range(size // 700 + 1):  # ~0.8-1.3 KB a receipt: enough; cut at the first cut past size
        ops += npm_receipt_ops(rnd)
    data = run([{"lib": "rpe", "printerModel": NPM_MODEL, "ops": ops}])[0]["data"]
    return data[:data.index(b"\x1dV\x00", size) + 3]
