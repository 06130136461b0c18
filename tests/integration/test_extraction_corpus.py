"""Receipts from other projects' corpora (../shared/corpus): made by neither our generator nor for it."""

from gateway.printer.decoder import decode
from gateway.receipt import build_ereceipt, validate
from gateway.receipt.checks import HIGH


def ereceipts(path):
    data = path.read_bytes()
    doc = decode(data)
    return [validate(build_ereceipt(r, data[r.start:r.end], cell=doc.cell))
            for r in doc.receipts() if not r.is_blank]


def test_us_retail_receipt_with_sales_tax_on_top(corpus):
    (e,) = ereceipts(corpus / "thermal" / "retail.bin")
    assert e["totals"]["gross"] == "114.70"
    assert [x["amount"] for x in e["lines"]] == ["14.99", "8.99", "49.99", "36.99", "-5.00"]
    assert e["lines"][-1]["kind"] == "discount"
    assert e["payments"] == [{"method": "visa", "amount": "114.70", "card_masked": "************1234"}]
    assert e["receipt_number"] is None  # "PAT. ROSE No. 2" is an item, not the receipt number
    assert e["issued_at"] is None  # 03/29/12 is a US date: not read as European, not guessed
    assert e["extraction"]["confidence"] >= HIGH  # lines + tax = total, paid in full


def test_escpos_php_receipt_with_logo(corpus):
    (e,) = ereceipts(corpus / "escpos-tools" / "receipt-with-logo.bin")
    assert e["merchant"]["name"] == "ExampleMart Ltd."
    assert e["totals"]["gross"] == "14.25"
    assert [x["description"] for x in e["lines"]] == ["Example item #1", "Another thing", "Something else",
                                                      "A final item"]
    assert e["issued_at"].startswith("2015-04-06T14:56:25")  # "Monday 6th of April 2015 02:56:25 PM"
    assert e["receipt_number"] is None  # "Shop No. 42." is the address


def test_every_corpus_capture_gives_valid_ereceipts(corpus):
    files = sorted(corpus.rglob("*.bin"))
    assert files
    for path in files:
        for e in ereceipts(path):
            assert e["text"] is not None and e["source"]["raw_sha256"]
