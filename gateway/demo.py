"""The demo: a whole till -> gateway -> printer loop on one machine, no hardware.

A simulated till (the real python-escpos `Network` client) prints a few receipts to
the gateway over TCP on 127.0.0.1; the gateway passes every byte to a printer that
appends to a file, captures each receipt on the side, decodes it and writes its
text, HTML and PNG renditions. It ends by itself.
"""

from __future__ import annotations

import contextlib
import io
import logging
import socket
import threading
import time
from pathlib import Path

log = logging.getLogger("gateway.demo")

RECEIPTS = [
    ("nl", "Bakkerij De Kroon", "Grote Markt 1, 1000 Brussel", "BTW BE 0123.456.789", "Kassabon 1042",
     [("Brood volkoren", "3,20"), ("Croissant beurre x4", "4,80"), ("Koffie", "2,50")], "10,50", "Bancontact"),
    ("fr", "Épicerie du Château", "12 rue de l'Église, 75001 Paris", "TVA FR 12 345678901", "Ticket N° 7781",
     [("Crème brûlée", "4,50"), ("Pâté de campagne", "6,20"), ("Eau pétillante", "1,30")], "12,00", "Carte bancaire"),
    ("de", "Bäckerei Müller", "Hauptstraße 5, 10115 Berlin", "USt-IdNr. DE123456789", "Beleg-Nr. 5521",
     [("Brötchen x6", "2,40"), ("Käsekuchen", "3,90"), ("Größe Tüte", "0,20")], "6,50", "EC-Karte"),
]


def print_receipt(p, lang, name, address, vat, number, items, total, payment, width=42) -> None:
    """What a till sends: styles, code page switches for € and accents, a barcode, a cut."""
    p.hw("INIT")
    p.set(align="center", bold=True, double_height=True, double_width=True)
    p.text(f"{name}\n")
    p.set(align="center", normal_textsize=True)
    p.text(f"{address}\n{vat}\n")
    p.set(align="left")
    p.text(f"{number}        23/11/2026 14:32\n" + "-" * width + "\n")
    for desc, amount in items:
        p.text(f"{desc:<{width - len(amount) - 4}}{amount} € A\n")
    p.text("-" * width + "\n")
    p.set(bold=True, double_height=True)
    label = {"nl": "TOTAAL", "fr": "TOTAL", "de": "SUMME"}[lang]
    p.text(f"{label}{total + ' €':>{width - len(label)}}\n")
    p.set(bold=False, normal_textsize=True)
    p.text(f"{payment}{total + ' €':>{width - len(payment)}}\n")
    p.set(align="center")
    with contextlib.redirect_stdout(io.StringIO()):  # python-escpos prints which renderer it picked
        p.barcode("4006381333931", "EAN13", pos="BELOW")
    p.cut()


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def run_demo(out: Path, *, say=print) -> int:
    from escpos.printer import Network

    from gateway.printer.service import PrinterService

    out.mkdir(parents=True, exist_ok=True)
    port = _free_port()
    printer_file = out / "printer-received.bin"
    printer_file.unlink(missing_ok=True)
    cfg = {
        "gateway": {"id": "gw-demo", "store_id": "store-demo", "till_id": "till-1", "data_dir": str(out / "data")},
        "till": {"link": "tcp", "listen": f"127.0.0.1:{port}", "idle_split_s": 2.0},
        "printer": {"link": "file", "path": str(printer_file), "profile": "TM-T88V", "reconnect_max_s": 1.0},
    }
    captured = []
    done = threading.Event()

    def on_receipt(r) -> None:
        captured.append(r)
        if len(captured) >= len(RECEIPTS):
            done.set()

    svc = PrinterService(cfg, on_receipt=on_receipt).start()
    say(f"gateway listening for the till on 127.0.0.1:{port}; printer: {printer_file}")
    sent = bytearray()
    try:
        for r in RECEIPTS:
            till = Network("127.0.0.1", port, timeout=5)
            print_receipt(till, *r)
            till.close()
            say(f"till printed: {r[1]} ({r[4]})")
        if not done.wait(15):
            say(f"only {len(captured)} of {len(RECEIPTS)} receipts were captured")
            return 1
        time.sleep(0.2)
    finally:
        svc.stop()
    for i, (r, rec) in enumerate(zip(RECEIPTS, captured, strict=False), 1):
        sent += rec.raw
        stem = out / f"receipt-{i}-{r[0]}"
        written = _render(rec.document(), stem)
        say(f"receipt {i}: {len(rec.raw)} bytes, ended by {rec.ended_by}; wrote {', '.join(written)}")
    got = printer_file.read_bytes() if printer_file.exists() else b""
    same = got == bytes(sent)
    say(f"printer received {len(got)} bytes, {'identical to' if same else 'DIFFERENT from'} what the till sent")
    say(f"pictures and texts are in {out.resolve()}")
    return 0 if same else 1


def _render(doc, stem: Path) -> list[str]:
    from gateway.printer.render_text import render_text

    written = []
    stem.with_suffix(".txt").write_text(render_text(doc), encoding="utf-8")
    written.append(stem.with_suffix(".txt").name)
    for fmt, mod, fn in (("html", "gateway.printer.render_html", "render_html"),
                         ("png", "gateway.printer.render_png", "render_png")):
        try:
            render = getattr(__import__(mod, fromlist=[fn]), fn)
        except ImportError:
            continue
        data = render(doc)
        path = stem.with_suffix("." + fmt)
        if isinstance(data, str):
            path.write_text(data, encoding="utf-8")
        else:
            path.write_bytes(data)
        written.append(path.name)
    return written
