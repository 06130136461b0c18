"""Sample receipts printed by receiptline (npm), a second ESC/POS client independent of python-escpos.

The receipts share their content model with `generator.py` (shops, products, VAT,
payments) but are laid out by receiptline's own markup: columns separated by `|`,
rules, double-size totals, QR codes. Needs `node` and the receiptline package
(scripts/bootstrap installs it into .cache/receiptline); `available()` says whether it runs.
"""

from __future__ import annotations

import base64
import json
import os
import random
import shutil
import subprocess
from datetime import datetime, timedelta
from decimal import ROUND_HALF_UP, Decimal
from importlib import resources
from pathlib import Path

from gateway.samples import words as W
from gateway.samples.generator import CARD_METHOD, CENT, fmt, fmt_qty

ROOT = Path(__file__).resolve().parents[2]
ENCODING = {"nl": "cp1252", "fr": "cp1252", "de": "cp1252", "en": "cp1252"}


def node_path() -> str | None:
    for base in (os.environ.get("RECEIPTLINE_NODE_PATH"), str(ROOT / ".cache/receiptline/node_modules")):
        if base and (Path(base) / "receiptline").is_dir():
            return base
    return None


def available() -> bool:
    return shutil.which("node") is not None and node_path() is not None


def _esc(text: str) -> str:
    # receiptline markup characters are escaped with a backslash
    return "".join("\\" + c if c in "\\|{}~_\"`^-=" else c for c in text)


def make_doc(seed: int, lang: str, cpl: int) -> tuple[str, dict]:
    rng = random.Random(f"rl-{seed}-{lang}-{cpl}")
    w = W.L[lang]
    name, street, city, country = rng.choice(W.SHOPS[lang])
    rates = W.VAT[country]
    vat_id = rng.choice(W.VAT_IDS[country])
    number = str(rng.randint(1000, 999999))
    issued = datetime(2024, 1, 1) + timedelta(days=rng.randint(0, 700), minutes=rng.randint(420, 1260))
    sep = {"nl": "-", "fr": "/", "de": ".", "en": "/"}[lang]
    ds = f"{issued.day:02d}{sep}{issued.month:02d}{sep}{issued.year}"
    lines, items = [], []
    for product in rng.sample(W.PRODUCTS[lang], rng.randint(2, 8)):
        code, _ = rng.choice(rates[:-1])
        unit = Decimal(rng.randint(49, 1999)) / 100
        qty = Decimal(rng.choice([1, 1, 2, 3]))
        amount = (qty * unit).quantize(CENT, ROUND_HALF_UP)
        items.append({"description": product, "quantity": format(qty, "f"), "unit_price": f"{unit:.2f}",
                      "amount": f"{amount:.2f}", "vat_code": code, "kind": "sale"})
        qx = f"{fmt_qty(qty, lang)} x {fmt(unit, lang)}" if qty != 1 else ""
        lines.append(f"{_esc(product)} | {_esc(qx)} | {_esc(fmt(amount, lang))} {code}")
    total = sum(Decimal(i["amount"]) for i in items)
    vat_rows = []
    for code, rate in rates:
        gross = sum((Decimal(i["amount"]) for i in items if i["vat_code"] == code), Decimal(0))
        if gross:
            base = (gross * 100 / (100 + Decimal(rate))).quantize(CENT, ROUND_HALF_UP)
            vat_rows.append({"code": code, "rate": rate, "base": f"{base:.2f}", "vat": f"{gross - base:.2f}",
                             "gross": f"{gross:.2f}"})
    label = rng.choice(w["card"])
    last4 = f"{rng.randint(0, 9999):04d}"
    big = "^" if cpl >= 42 else ""
    doc = [
        "{width:*}", f"^^{_esc(name)}" if len(name) * 2 <= cpl else f"^{_esc(name)}",
        _esc(street), _esc(city), _esc(f"{w['vat']} {vat_id}"), "",
        f"{_esc(w['receipt'][0])} {number}", f"{_esc(ds)} {issued:%H:%M}",
        "{width:*,10,10}", "-",
        *lines, "-",
        "{width:*,12}", f"{big}{_esc(rng.choice(w['total']))} | {big}{_esc(fmt(total, lang))}", "",
        f"{_esc(label)} | {_esc(fmt(total, lang))}", f"{_esc(w['card_label'])}: **** {last4}", "",
        "{width:4,6,*,*,*}",
    ]
    for r in vat_rows:
        rate = r["rate"] if lang == "en" else r["rate"].replace(".", ",")
        doc.append(" | ".join(_esc(x) for x in (r["code"], f"{rate}%", fmt(Decimal(r["base"]), lang),
                                                 fmt(Decimal(r["vat"]), lang), fmt(Decimal(r["gross"]), lang))))
    url = f"https://receipts.example.com/r/{rng.getrandbits(48):012x}"
    doc += ["{width:*}", "", f"{{code:{url}; option:qrcode,4,m}}", f"{_esc(w['bye'])}", "="]
    truth = {
        "merchant": {"name": name, "address": f"{street}, {city}",
                     "vat_id": vat_id.replace(" ", "").replace(".", "")},
        "receipt_number": number, "issued_at": issued.isoformat(timespec="seconds"), "currency": "EUR",
        "lines": items, "vat": vat_rows, "totals": {"gross": f"{total:.2f}"},
        "payments": [{"method": CARD_METHOD[label], "amount": f"{total:.2f}", "card_masked": f"****{last4}"}],
        "codes": [{"type": "qr", "data": url}],
    }
    return "\n".join(doc), truth


def make_streams(seeds, langs=("nl", "fr", "de", "en"), widths=(32, 42, 48)) -> list[tuple[str, bytes, dict]]:
    """[(name, ESC/POS bytes, truth)] printed by receiptline, one per (seed, lang, width)."""
    jobs, truths, names = [], [], []
    for seed in seeds:
        for lang in langs:
            for cpl in widths:
                doc, truth = make_doc(seed, lang, cpl)
                jobs.append({"doc": doc, "cpl": cpl, "encoding": ENCODING[lang]})
                truths.append(truth)
                names.append(f"receiptline-{lang}-{cpl}-{seed}")
    script = resources.files("gateway.samples") / "receiptline_batch.js"
    env = dict(os.environ, NODE_PATH=node_path() or "")
    proc = subprocess.run(["node", str(script)], input=json.dumps(jobs).encode(), capture_output=True,
                          env=env, timeout=120, check=True)
    data = [base64.b64decode(b) for b in json.loads(proc.stdout)]
    return list(zip(names, data, truths, strict=True))
