"""The e-receipt document: schema, ids, tokens, raw bytes; any text gives a valid e-receipt."""

import base64
import hashlib
from datetime import UTC, datetime

import pytest
from hypothesis import given
from hypothesis import strategies as st

from gateway.printer.document import Barcode, Code2D, Cut, Receipt, Span, TextLine
from gateway.receipt import (
    InvalidReceipt,
    Source,
    build_ereceipt,
    ereceipt_from_lines,
    schema,
    validate,
)
from gateway.receipt.schema import SCHEMA_ID

SOURCE = Source(store_id="store-042", till_id="till-1", gateway_id="gw-0001", printer_profile="TM-T88V",
                captured_at=datetime(2024, 3, 12, 13, 32, tzinfo=UTC))


def _receipt(texts, codes=()):
    events = [TextLine(spans=[Span(t, 0)]) for t in texts] + list(codes) + [Cut()]
    return Receipt(events)


def test_published_schema_is_2020_12_with_the_contract_id():
    s = schema()
    assert s["$id"] == SCHEMA_ID == "receipt-gateway/e-receipt/1"
    assert "2020-12" in s["$schema"]


def test_build_from_a_decoded_receipt_keeps_text_codes_and_hash():
    raw = b"\x1b@Shop\nTOTAL 3,00\n\x1dV\x00"
    receipt = _receipt(["Shop", "Brood   3,00", "TOTAL   3,00", "Contant 3,00"],
                       [Code2D(symbology="qr", data="https://r.example/1"),
                        Barcode(symbology="ean13", data="400638133393")])
    doc = validate(build_ereceipt(receipt, raw, SOURCE, sequence=7, include_raw=True,
                                  delivery={"mode": "qr", "reason": "card preference"},
                                  loyalty_card={"hmac": "ab" * 32, "key_id": "k1"}))
    assert doc["schema"] == SCHEMA_ID and doc["sequence"] == 7
    assert len(doc["receipt_id"]) == 26
    assert len(base64.urlsafe_b64decode(doc["access_token"] + "==")) >= 16  # >= 128 bits
    assert doc["source"]["raw_sha256"] == hashlib.sha256(raw).hexdigest()
    assert base64.b64decode(doc["source"]["raw_bytes"]) == raw
    assert doc["source"]["captured_at"] == "2024-03-12T13:32:00.000+00:00"
    assert doc["text"] == ["Shop", "Brood   3,00", "TOTAL   3,00", "Contant 3,00"]
    # the EAN-13 was sent without its check digit: the codes carry the 13 digits a scanner reads
    assert doc["codes"] == [{"type": "qr", "data": "https://r.example/1"},
                            {"type": "ean13", "data": "4006381333931"}]
    assert [e.data for e in receipt.events if isinstance(e, Barcode)] == ["400638133393"]  # as sent
    assert doc["totals"]["gross"] == "3.00"
    assert doc["delivery"] == {"mode": "qr", "reason": "card preference"}
    assert doc["loyalty"]["card"] == {"hmac": "ab" * 32, "key_id": "k1"}


def test_raw_bytes_are_left_out_unless_asked():
    doc = validate(ereceipt_from_lines(["x"], [], b"x", SOURCE))
    assert "raw_bytes" not in doc["source"] and doc["sequence"] is None


def test_each_receipt_gets_its_own_id_and_token():
    a, b = (ereceipt_from_lines(["x"], [], b"x") for _ in range(2))
    assert a["receipt_id"] != b["receipt_id"] and a["access_token"] != b["access_token"]


def test_schema_rejects_comma_amounts_and_naive_times():
    doc = ereceipt_from_lines(["Shop", "TOTAL 3,00"], [], b"x", SOURCE)
    doc["totals"]["gross"] = "3,00"
    doc["source"]["captured_at"] = "2024-03-12T13:32:00"
    with pytest.raises(InvalidReceipt) as err:
        validate(doc)
    assert any(e.startswith("totals/gross") for e in err.value.errors)
    assert any(e.startswith("source/captured_at") for e in err.value.errors)


def test_schema_rejects_a_full_card_number():
    doc = ereceipt_from_lines(["Shop", "TOTAL 3,00", "Visa 3,00"], [], b"x", SOURCE)
    doc["payments"][0]["card_masked"] = "4111111111111111"
    with pytest.raises(InvalidReceipt):
        validate(doc)


printable = st.text(st.characters(blacklist_categories=("Cs",)), max_size=60)
receiptish = st.lists(st.one_of(
    printable,
    st.sampled_from(["TOTAAL 12,50", "TOTAL  -3,00", "Korting -1,00 A", "A 21% 10,00 2,10 12,10",
                     "Visa **** 1234", "12-03-2024 14:32", "Ticket 123", "2 x 1,50  3,00 B", "",
                     "-----", "BTW BE 0123.456.749", "Cash 20,00", "Change 7,50", "TSE-Signatur:",
                     "4111 1111 1111 1111", "1.234,56", "9999999999,99"]),
), max_size=40)


@given(lines=receiptish, codes=st.lists(st.fixed_dictionaries({"type": st.sampled_from(["qr", "ean13"]),
                                                               "data": printable}), max_size=3))
def test_any_text_gives_a_valid_ereceipt(lines, codes):
    doc = ereceipt_from_lines(lines, codes, b"raw", SOURCE)
    validate(doc)
    assert doc["text"] == [ln.replace("\t", " ").rstrip() for ln in doc["text"]]
    assert len(doc["text"]) == len(lines)


def test_an_ean_sent_without_its_check_digit_is_the_number_a_scanner_reads():
    """python-escpos sends an EAN-13 as 12 digits; the paper's bars and HRI line carry 13, and so do the
    e-receipt's codes, so the hub's paper view draws the barcode where its HRI line was."""
    import contextlib
    import io

    from escpos.printer import Dummy

    from gateway.hub.paper import document
    from gateway.printer.decoder import decode

    p = Dummy()
    p.text("Shop\n")
    with contextlib.redirect_stdout(io.StringIO()):  # python-escpos names its barcode renderer
        p.barcode("400638133393", "EAN13", pos="BELOW")
    p.cut()
    doc = decode(p.output)
    receipt = next(r for r in doc.receipts() if not r.is_blank)
    assert [e.data for e in receipt.events if isinstance(e, Barcode)] == ["400638133393"]  # as sent
    e = validate(build_ereceipt(receipt, p.output, SOURCE, cell=doc.cell))
    assert e["codes"] == [{"type": "ean13", "data": "4006381333931"}]
    assert e["text"][-1].strip() == "4006381333931"
    paper = document(e)
    assert [(b.symbology, b.data) for b in paper.events if isinstance(b, Barcode)] == [("ean13", "4006381333931")]
