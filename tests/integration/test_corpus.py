"""Conformance on public ESC/POS material made by other real generators (../shared/corpus)."""

import json

import pytest

from gateway.printer.decoder import decode
from gateway.printer.render_text import render_text


def test_escpos_php_pangrams_decode_exactly(corpus):
    expected = json.loads((corpus / "escpos-php/character-encodings.expected-strings.json").read_text())
    text = render_text(decode((corpus / "escpos-php/character-encodings.bin").read_bytes(), "default"))
    ok = 0
    for lang, sentence in expected["inputsOk"].items():
        assert f"{lang}:" in text
        for line in sentence.strip("\n").split("\n"):
            assert line in text, f"{lang}: {line!r} not decoded"
        ok += 1
    assert ok == len(expected["inputsOk"]) >= 13


def test_retail_receipt_totals_read_right(corpus):
    lines = render_text(decode((corpus / "thermal/retail.bin").read_bytes())).splitlines()
    def amount(label):
        row = next(ln for ln in lines if ln.startswith(label))
        return row.split()[-1]
    assert amount("SUBTOTAL") == "105.96"
    assert amount("TAX 8.25%") == "8.74"
    assert amount("TOTAL ") == "114.70"
    assert "Visa Credit Card               114.70" in lines
    doc = decode((corpus / "thermal/retail.bin").read_bytes())
    assert doc.events[1].kind == "stored_image"  # GS ( L fn 69: the NV logo kept in the printer
    # the closing logo declares 255 bytes more than the file holds: a printer waits for them, so do we
    assert doc.events[-1].kind == "warning" and "ended inside a command" in doc.events[-1].message


@pytest.mark.parametrize("name", ["npos/raster.bin", "npos/raster-2.bin"])
def test_raster_only_receipts_decode_to_images(corpus, name):
    doc = decode((corpus / name).read_bytes())
    images = [e for e in doc.events if e.kind == "image"]
    warnings = [e for e in doc.events if e.kind == "warning"]
    assert images
    assert all(w.offset > images[-1].end for w in warnings)  # only the vendor tail after the last image
    assert all(i.image.width > 100 and i.image.height > 10 for i in images)
    assert sum(i.image.getbbox() is not None for i in images) == len(images)  # they have black dots


def test_escpos_tools_receipt_text(corpus):
    text = render_text(decode((corpus / "escpos-tools/receipt-with-logo.bin").read_bytes()))
    lines = text.splitlines()
    for want in ["ExampleMart Ltd.", "Example item #1                             4.00",
                 "Subtotal                                   12.95", "Monday 6th of April 2015 02:56:25 PM"]:
        assert want in lines


@pytest.mark.parametrize("path", ["escpos-php", "escpos-netprinter", "npos", "thermal", "escpos-tools"])
def test_every_corpus_stream_decodes_in_any_chunking(corpus, path):
    from gateway.printer.decoder import Decoder
    for f in sorted((corpus / path).glob("*.bin")):
        data = f.read_bytes()
        whole = [e.to_dict() for e in decode(data).events]
        dec = Decoder()
        evs = []
        for i in range(0, len(data), 7):
            evs += dec.feed(data[i:i + 7])
        evs += dec.close()
        assert [e.to_dict() for e in evs] == whole, f.name


def test_netprinter_barcodes_keep_their_data(corpus):
    doc = decode((corpus / "escpos-netprinter/barcodes.bin").read_bytes())
    got = {e.symbology: e.data for e in doc.events if e.kind == "barcode"}
    assert got["ean13"].startswith("012345678901")
    assert got["code39"] == "ABCZ012"
    assert "code93" in got and "codabar" in got
