"""Per-field extraction accuracy, end to end, written as the table in docs/extraction.md.

Each sample is printed by a real ESC/POS client (python-escpos Dummy; receiptline
from npm when installed), decoded by the gateway's decoder, rendered to text lines
and extracted; the result is compared with the sample's known truth.

    python3 benchmarks/extraction_accuracy.py            # prints the table
    python3 benchmarks/extraction_accuracy.py --write    # also rewrites docs/extraction.md

Tuned: the layouts the extractor was developed against (seeds 0-199). Held out:
layouts never looked at while writing it, on other seeds (1000-1199), and the
receiptline receipts (an independent client and layout engine). Till wider than the paper:
every layout printed by a till set for 48 columns on a 42-column printer or 42 on 32 (seeds 3000+).
"""

from __future__ import annotations

import argparse
import re
import sys
from dataclasses import replace
from pathlib import Path
from zoneinfo import ZoneInfo

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from gateway.printer.decoder import decode  # noqa: E402
from gateway.printer.profiles import get_profile  # noqa: E402
from gateway.receipt import build_ereceipt, validate  # noqa: E402
from gateway.samples import receiptline  # noqa: E402
from gateway.samples.accuracy import FIELDS, score_set  # noqa: E402
from gateway.samples.generator import HELD_OUT, TUNED, make_sample  # noqa: E402

TZ = ZoneInfo("Europe/Brussels")
LABELS = {"total": "total", "date": "date and time", "receipt_number": "receipt number",
          "line_amounts": "every line's amount", "lines": "every line, all fields",
          "vat_table": "VAT table (all rows, all columns)", "merchant_name": "merchant name",
          "vat_id": "merchant VAT id", "payments": "payments (method, amount, masked card)"}


# paper narrower than the till's layout: 48 columns on an 80 mm TM-T88V (42 columns of Font A),
# 42 columns on a 58 mm printer (32 columns; the TM-T88V's code pages, 384 dots)
NARROW_PAPER = {48: get_profile("TM-T88V"),
                42: replace(get_profile("TM-T88V"), name="58mm", width=384, columns={0: 32, 1: 42})}


def ereceipt(data: bytes, profile=None) -> dict:
    doc = decode(data, profile)
    receipt = next(r for r in doc.receipts() if not r.is_blank)
    return validate(build_ereceipt(receipt, data, cell=doc.cell, tz=TZ))


def python_escpos_set(layouts, seeds):
    return [(ereceipt(s.data), s.truth) for seed in seeds for s in (make_sample(seed, layout=lay)
                                                                        for lay in layouts)]


def narrow_paper_set(layouts, seeds):
    """Every layout printed by a till set one width wider than the printer's paper."""
    out = []
    for seed in seeds:
        for n, lay in enumerate(layouts):
            width = (48, 42)[(seed + n) % 2]
            s = make_sample(seed, layout=lay, width=width)
            out.append((ereceipt(s.data, NARROW_PAPER[width]), s.truth))
    return out


def measure(n: int) -> dict[str, dict]:
    out = {
        "tuned (python-escpos)": score_set(python_escpos_set(TUNED, range(n))),
        "held out (python-escpos)": score_set(python_escpos_set(HELD_OUT, range(1000, 1000 + n))),
        "till wider than the paper (all layouts)": score_set(narrow_paper_set(TUNED + HELD_OUT,
                                                                              range(3000, 3000 + n // 2))),
    }
    if receiptline.available():
        streams = receiptline.make_streams(range(max(1, n // 12)))
        out["receiptline (independent client)"] = score_set((ereceipt(d), t) for _, d, t in streams)
    return out


def table(results: dict[str, dict]) -> str:
    sets = list(results)
    rows = ["| field | " + " | ".join(sets) + " |", "|---|" + "---|" * len(sets)]
    rows.append("| receipts | " + " | ".join(str(results[s]["n"]) for s in sets) + " |")
    for f in FIELDS:
        rows.append(f"| {LABELS[f]} | " + " | ".join(f"{results[s][f] * 100:.1f}%" for s in sets) + " |")
    rows.append("| wrong total with confidence >= 0.9 | "
                + " | ".join(str(results[s]["wrong_total_high"]) for s in sets) + " |")
    return "\n".join(rows)


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("-n", type=int, default=200, help="seeds per layout (default 200)")
    ap.add_argument("--write", action="store_true", help="rewrite the table in docs/extraction.md")
    args = ap.parse_args()
    text = table(measure(args.n))
    print(text)
    if args.write:
        path = ROOT / "docs" / "extraction.md"
        doc = path.read_text(encoding="utf-8")
        doc = re.sub(r"<!-- accuracy -->.*<!-- /accuracy -->", f"<!-- accuracy -->\n{text}\n<!-- /accuracy -->",
                     doc, flags=re.S)
        path.write_text(doc, encoding="utf-8")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
