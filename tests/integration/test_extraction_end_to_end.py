"""Real ESC/POS clients -> decoder -> receipts -> text -> e-receipt, checked against the known truth.

python-escpos (Dummy) prints every sample; receiptline (npm) prints a second set when
node and the package are installed (scripts/bootstrap).
"""

import json
import subprocess
import sys
from decimal import Decimal
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from gateway.printer.decoder import decode
from gateway.printer.render_text import receipt_lines
from gateway.receipt import Source, build_ereceipt, validate
from gateway.receipt.checks import HIGH
from gateway.samples import receiptline
from gateway.samples.accuracy import compare, score_set
from gateway.samples.generator import HELD_OUT, LANGS, LAYOUTS, TUNED, WIDTHS, make_sample

TZ = ZoneInfo("Europe/Brussels")
ROOT = Path(__file__).resolve().parents[2]


def ereceipt(data: bytes) -> dict:
    doc = decode(data)
    printed = [r for r in doc.receipts() if not r.is_blank]
    assert len(printed) == 1
    return validate(build_ereceipt(printed[0], data, Source(printer_profile="default"), cell=doc.cell, tz=TZ))


# one sample per layout x language, widths and code pages varied by the seed
CASES = [(seed, layout, lang) for seed, (layout, lang) in
         enumerate((lay, lang) for lay in LAYOUTS for lang in LANGS)]


@pytest.mark.parametrize("seed,layout,lang", CASES, ids=[f"{c[1]}-{c[2]}" for c in CASES])
def test_python_escpos_receipt_fields(seed, layout, lang):
    s = make_sample(seed, layout=layout, lang=lang, width=WIDTHS[seed % 3])
    doc = decode(s.data)
    assert [ln.rstrip() for ln in receipt_lines(doc.receipts()[0], doc.cell)] == s.lines  # decoder keeps columns
    e = ereceipt(s.data)
    t = s.truth
    assert e["totals"]["gross"] == t["totals"]["gross"]
    assert e["issued_at"][:19] == t["issued_at"]
    assert e["receipt_number"] == t["receipt_number"]
    assert [x["amount"] for x in e["lines"]] == [x["amount"] for x in t["lines"]]
    assert e["vat"] == t["vat"]
    assert e["merchant"]["vat_id"] == t["merchant"]["vat_id"]
    assert set(t["fiscal_lines"]) <= set((e["fiscal"] or {}).get("lines", []))
    assert [c["data"] for c in e["codes"]] == [c["data"] for c in t["codes"]]
    assert e["extraction"]["confidence"] >= HIGH


def test_held_out_layouts_meet_the_targets():
    pairs = []
    for seed in range(2000, 2040):
        for layout in HELD_OUT:
            s = make_sample(seed, layout=layout)
            pairs.append((ereceipt(s.data), s.truth))
    score = score_set(pairs)
    assert score["wrong_total_high"] == 0
    assert score["total"] >= 0.98 and score["date"] >= 0.98
    for field in ("receipt_number", "line_amounts", "vat_table"):
        assert score[field] >= 0.90, (field, score)


def test_a_wrong_total_never_gets_high_confidence():
    """The till prints a total its lines and payments do not add up to: it is flagged."""
    from gateway.receipt import extract
    from gateway.samples import words as W
    from gateway.samples.generator import fmt

    for seed in range(20):
        s = make_sample(seed, layout=TUNED[seed % len(TUNED)])
        printed = fmt(Decimal(s.truth["totals"]["gross"]), s.lang)
        labels = W.L[s.lang]["total"]
        i = next(i for i, ln in enumerate(s.lines)  # 'TOTAL   12,50', 'TOTAL  12,50 EUR' (any alignment)
                 if printed in ln and any(ln.strip().startswith(lb + " ") for lb in labels))
        wrong = str((int(printed[0]) + 1) % 10) + printed[1:]
        lines = list(s.lines)
        head, _, tail = lines[i].rpartition(printed)
        lines[i] = head + wrong + tail
        e = extract(lines, s.codes)
        assert e["totals"]["gross"] != s.truth["totals"]["gross"]
        assert e["extraction"]["confidence"] < HIGH, (s.name, e["extraction"])
        assert e["extraction"]["warnings"]


def test_cli_prints_the_ereceipt(tmp_path):
    s = make_sample(3, layout="inline-spaces", lang="fr", width=48)
    capture = tmp_path / "receipt.bin"
    capture.write_bytes(s.data)
    out = subprocess.run([sys.executable, "-m", "gateway", "decode", str(capture), "--format", "receipt"],
                         capture_output=True, text=True, cwd=ROOT, timeout=60)
    assert out.returncode == 0, out.stderr
    doc = validate(json.loads(out.stdout))
    assert doc["totals"]["gross"] == s.truth["totals"]["gross"]
    assert doc["receipt_number"] == s.truth["receipt_number"]
    two = tmp_path / "two.bin"
    two.write_bytes(s.data + make_sample(4, layout="qtyline-abs", lang="de").data)
    both = subprocess.run([sys.executable, "-m", "gateway", "decode", str(two), "-f", "receipt"],
                          capture_output=True, text=True, cwd=ROOT, timeout=60)
    docs = json.loads(both.stdout)
    assert isinstance(docs, list) and len(docs) == 2 and docs[0]["receipt_id"] != docs[1]["receipt_id"]
    bad = subprocess.run([sys.executable, "-m", "gateway", "decode", str(capture), "-f", "receipt",
                          "--till-profile", "no-such-till"], capture_output=True, text=True, cwd=ROOT, timeout=60)
    assert bad.returncode == 2 and "unknown till profile" in bad.stderr and "Traceback" not in bad.stderr


@pytest.mark.skipif(not receiptline.available(), reason="node or the receiptline npm package is absent "
                    "(scripts/bootstrap installs it)")
def test_receiptline_receipts_fields():
    streams = receiptline.make_streams(range(3))
    pairs = []
    for name, data, truth in streams:
        e = ereceipt(data)
        ok = compare(e, truth)
        assert ok["total"] and ok["date"] and ok["receipt_number"], name
        assert ok["line_amounts"] and ok["vat_table"], name
        pairs.append((e, truth))
    assert score_set(pairs)["wrong_total_high"] == 0


@settings(max_examples=40, deadline=None)
@given(data=st.data())
def test_any_captured_stream_yields_valid_ereceipts(data):
    """Mangled python-escpos streams: every receipt decoded still gives a schema-valid e-receipt."""
    s = make_sample(data.draw(st.integers(0, 50)), layout=data.draw(st.sampled_from(list(LAYOUTS))))
    raw = bytearray(s.data)
    for _ in range(data.draw(st.integers(0, 20))):
        pos = data.draw(st.integers(0, len(raw) - 1))
        raw[pos] = data.draw(st.integers(0, 255))
    raw = bytes(raw[: data.draw(st.integers(1, len(raw)))])
    doc = decode(raw)
    for receipt in doc.receipts():
        validate(build_ereceipt(receipt, raw[receipt.start:receipt.end], cell=doc.cell))
