"""The gateway's own small parts: the never-lost e-receipt, reprint bytes, the QR stub,
the recent-receipts store and the atomic status file."""

from __future__ import annotations

import hashlib
import json
import os
import time

from escpos.printer import Dummy

import gateway.receipt.from_capture as from_capture
from gateway.printer.capture import CapturedReceipt
from gateway.printer.decoder import Decoder, decode
from gateway.printer.document import Code2D, Cut, DrawerKick, StatusRequest, TextLine
from gateway.printer.reprint import printable_again
from gateway.printer.stub import build_stub, qr_url
from gateway.receipt.ereceipt import Source
from gateway.receipt.schema import validate
from gateway.recent import RecentReceipts
from gateway.statusfile import StatusWriter, read_status


def captured(raw: bytes) -> CapturedReceipt:
    dec = Decoder()
    events = dec.feed(raw) + dec.close()
    return CapturedReceipt("till-1", raw, time.time() - 1, time.time(), "cut", events)


def shop_receipt() -> bytes:
    p = Dummy()
    p.textln("BAKKERIJ DE KROON")
    p.textln("Brood                     3,20")
    p.textln("TOTAAL                    3,20")
    p.cut()
    return p.output


SOURCE = Source("store-1", "till-1", "gw-1", "default")


def test_a_receipt_whose_extraction_fails_keeps_text_and_hash(monkeypatch):
    def broken(*a, **k):
        raise KeyError("vat")

    monkeypatch.setattr(from_capture, "build_ereceipt", broken)
    raw = shop_receipt()
    e = from_capture.ereceipt_for(captured(raw), SOURCE, delivery={"mode": "paper", "reason": "default"})
    validate(e)
    assert e["text"] == ["BAKKERIJ DE KROON", "Brood                     3,20", "TOTAAL                    3,20"]
    assert e["source"]["raw_sha256"] == hashlib.sha256(raw).hexdigest()
    assert e["extraction"] == {"confidence": 0.0, "warnings": ["extraction failed: KeyError: 'vat'"]}
    assert e["totals"]["gross"] is None


def test_a_normal_receipt_is_extracted():
    e = from_capture.ereceipt_for(captured(shop_receipt()), SOURCE, delivery={"mode": "qr", "reason": "card"})
    validate(e)
    assert e["totals"]["gross"] == "3.20" and e["delivery"] == {"mode": "qr", "reason": "card"}


def test_reprint_takes_out_status_queries_and_drawer_kicks_only():
    p = Dummy()
    p.textln("Receipt 12")
    body = p.output
    raw = b"\x10\x04\x01" + body + b"\x1da\x04" + b"\x1bp\x00\x19\xfa" + b"\x1dV\x00"
    again = printable_again(raw)
    assert again == body + b"\x1dV\x00"
    kinds = [type(e) for e in decode(again).events]
    assert StatusRequest not in kinds and DrawerKick not in kinds and Cut in kinds
    image = Dummy()
    image._raw(b"\x1dv0\x00\x01\x00\x03\x00" + b"\x1bp\x00")   # 'ESC p 0' inside picture data stays
    assert printable_again(image.output) == image.output


def test_qr_stub_has_the_shop_total_and_the_link():
    e = {"access_token": "tok123", "merchant": {"name": "Épicerie du Château"}, "receipt_number": "7781",
         "issued_at": "2026-11-23T14:32:00+01:00", "currency": "EUR", "totals": {"gross": "12.00"}}
    url = qr_url("https://receipts.example.com/r/{token}", e)
    assert url == "https://receipts.example.com/r/tok123"
    doc = decode(build_stub(e, url, "TM-T88V"), "TM-T88V")
    texts = [e.text for e in doc.events if isinstance(e, TextLine)]
    assert "Épicerie du Château" in texts and "2026-11-23 14:32  No 7781" in texts and "TOTAL 12.00 EUR" in texts
    assert "Your full receipt is online:" in texts and "receipts.example.com/r/tok123" in texts
    assert [c.data for c in doc.events if isinstance(c, Code2D)] == [url]
    assert isinstance(doc.events[-1], Cut)


def test_recent_receipts_keep_the_newest(tmp_path):
    recent = RecentReceipts(tmp_path, keep=3)
    for seq in range(1, 61):
        recent.add(seq, f"id{seq}", bytes([seq]), {"sequence": seq})
    assert recent.find(sequence=60) == (bytes([60]), {"sequence": 60})
    assert recent.find(receipt_id="id59")[1] == {"sequence": 59}
    assert recent.find() == (bytes([60]), {"sequence": 60})
    assert recent.find(sequence=2) is None  # pruned
    recent.close()
    (tmp_path / "recent.db").write_bytes(b"not a database" * 100)
    assert RecentReceipts(tmp_path, keep=3).find() is None  # a corrupt cache is replaced, not fatal
    assert RecentReceipts(tmp_path, keep=0).find() is None


def test_status_file_is_replaced_atomically(tmp_path):
    n = {"i": 0}

    def snap():
        n["i"] += 1
        return {"count": n["i"]}

    w = StatusWriter(tmp_path, snap, interval_s=0.05).start()
    time.sleep(0.5)
    w.stop(final={"count": -1, "stopped": True})
    assert read_status(tmp_path) == {"count": -1, "stopped": True}
    assert w.writes >= 2
    assert [p.name for p in tmp_path.iterdir()] == ["status.json"]  # no temporary files left
    assert json.loads((tmp_path / "status.json").read_text())["stopped"] is True
    assert read_status(tmp_path / "nowhere") is None
    os.chmod(tmp_path, 0o500)
    try:
        w2 = StatusWriter(tmp_path, snap)
        w2.write()  # cannot write: logged, no exception
        assert w2.writes == 0 or os.geteuid() == 0
    finally:
        os.chmod(tmp_path, 0o700)
