"""1D barcodes and 2D symbols keep their data; HRI digits appear only when printed."""

import pytest

from .helpers import events_of, lines_of, printer


@pytest.mark.parametrize("code,bc,expected", [
    ("4006381333931", "EAN13", "4006381333931"),
    ("96385074", "EAN8", "96385074"),
    ("036000291452", "UPC-A", "036000291452"),
    ("CODE39X", "CODE39", "CODE39X"),
    ("0123456789", "ITF", "0123456789"),
])
@pytest.mark.parametrize("form", ["A", "B"])
def test_1d_barcodes_both_forms(code, bc, expected, form):
    p = printer()
    p.barcode(code, bc, function_type=form, pos="OFF", check=False)
    bars = events_of(p.output, kind="barcode")
    assert len(bars) == 1
    assert bars[0].data.startswith(expected[:7]) and expected.startswith(bars[0].data[:7])
    assert lines_of(p.output) == []  # HRI off: no text line


def test_code128_from_python_escpos():
    p = printer()
    p.barcode("{BRcpt-0042", "CODE128", function_type="B", pos="BELOW")
    bar = events_of(p.output, kind="barcode")[0]
    assert bar.symbology == "code128" and bar.data == "Rcpt-0042"
    assert lines_of(p.output) == ["Rcpt-0042"]


def test_code128_code_set_c_bytes_are_digit_pairs():
    data = b"\x1dkI\x0a{BNr{C\x0c\x22\x38\x05"
    assert events_of(data, kind="barcode")[0].data == "Nr12345605"


def test_hri_above_and_below_text_lines():
    p = printer()
    p.barcode("4006381333931", "EAN13", pos="BOTH")
    assert lines_of(p.output) == ["4006381333931", "4006381333931"]


def test_native_qr_keeps_its_data_and_options():
    p = printer()
    p.qr("https://receipts.example.com/r/Zx9", size=5, native=True)
    code = events_of(p.output, kind="code2d")
    assert len(code) == 1
    assert code[0].symbology == "qr" and code[0].data == "https://receipts.example.com/r/Zx9"
    assert code[0].options["module"] == 5


def test_pdf417_data_kept():
    data = b"\x1b@\x1d(k\x0e\x000P0PDF417 DATA\x1d(k\x03\x000Q0"
    code = events_of(data, kind="code2d")[0]
    assert (code.symbology, code.data) == ("pdf417", "PDF417 DATA")


def test_qr_with_utf8_payload():
    payload = "Bon 12 — 7,50 €".encode()
    n = len(payload) + 3
    data = b"\x1d(k" + bytes([n & 255, n >> 8]) + b"1P0" + payload + b"\x1d(k\x03\x001Q0"
    assert events_of(data, kind="code2d")[0].data == "Bon 12 — 7,50 €"


def test_barcode_without_terminator_does_not_swallow_the_stream():
    data = b"\x1b@\x1dk\x02" + b"1" * 300 + b"\nafter\n\x10\x04\x01"
    evs = events_of(data)
    assert any(e.kind == "warning" for e in evs)
    assert any(e.kind == "status_request" for e in evs)


@pytest.mark.parametrize("m,sent,printed", [
    (67, "400638133393", "4006381333931"),  # EAN-13
    (68, "9638507", "96385074"),  # EAN-8
    (65, "03600029145", "036000291452"),  # UPC-A
])
def test_hri_line_has_the_check_digit_the_printer_adds(m, sent, printed):
    """Sent without its check digit (python-escpos's samples, node-thermal-printer's JAN13),
    the printer computes it and prints it under the bars: the text line says what the paper says.
    The barcode's data stays as sent."""
    for form in (bytes([m, len(sent)]) + sent.encode(), bytes([m - 65]) + sent.encode() + b"\x00"):
        data = b"\x1dH\x02\x1dk" + form + b"\n"
        assert lines_of(data) == [printed]
        assert events_of(data, kind="barcode")[0].data == sent
