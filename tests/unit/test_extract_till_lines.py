"""Extraction on the till's own lines: a till set for more columns than the paper holds,
merchant names printed big over two lines, and the currency when none is printed."""

from escpos.printer import Dummy

from gateway.printer.decoder import decode
from gateway.receipt import build_ereceipt, validate
from gateway.receipt.logical import logical_lines
from gateway.samples.generator import make_sample


def ereceipt(data: bytes, profile=None, **kw) -> dict:
    doc = decode(data, profile)
    (receipt,) = [r for r in doc.receipts() if not r.is_blank]
    return validate(build_ereceipt(receipt, data, cell=doc.cell, **kw))


def lr(left: str, right: str, width: int = 48) -> str:
    return left + right.rjust(width - len(left)) + "\n"


def german_48(p: Dummy) -> None:
    p._raw(b"\x1b@")
    p.set(align="center", bold=True)
    p.text("Baeckerei Schmidt\n")
    p.set_with_default()
    p.text("Hauptstr. 12\n10115 Berlin\n\n")
    p.text(lr("Beleg-Nr. 4711", "12.03.2024 14:05"))
    p.text(lr("Roggenbrot 750g", "3,49 A"))
    p.text(lr("Butterkuchen", "13,67 A"))
    p.text("-" * 48 + "\n")
    p.set(bold=True, double_height=True)
    p.text(lr("Gesamt", "17,16 EUR"))
    p.set_with_default()
    p.text(lr("Bar", "20,00"))
    p.text(lr("Rückgeld", "2,84"))
    p.cut()


def test_a_48_column_till_on_a_42_column_printer_keeps_its_total():
    p = Dummy()
    german_48(p)
    e = ereceipt(p.output, "TM-T88V")  # 512 dots: 42 columns of Font A
    assert any(t.startswith("Gesamt") and t.endswith(" 17,") for t in e["text"])  # as printed: wrapped
    assert "16 EUR" in e["text"]
    assert e["totals"]["gross"] == "17.16"
    assert [x["amount"] for x in e["lines"]] == ["3.49", "13.67"]
    assert e["totals"]["change"] == "2.84"
    assert e["receipt_number"] == "4711"
    assert e["extraction"]["confidence"] >= 0.9


def test_column_moves_past_the_paper_edge_are_read_where_the_till_meant_them():
    # a 42-column till positioning with ESC $ on a 32-column printer: the printer ignores the
    # moves past its edge, so the paper shows "Tomaten 1kg3,98"; the till meant two columns
    p = Dummy()
    p._raw(b"\x1b@")
    p.text("Groentenwinkel Peeters\nMarkt 3\n2000 Antwerpen\n\nTicket 123   12-03-2024 10:00\n")
    for desc, amount in (("Tomaten 1kg", "3,98"), ("Prei", "1,20"), ("TOTAAL", "5,18")):
        p.text(desc)
        p._raw(b"\x1b$" + (36 * 12).to_bytes(2, "little"))
        p.text(amount + "\n")
    p.cut()
    doc = decode(p.output, "POS-5890")  # 384 dots
    lines, _ = logical_lines(doc.receipts()[0], doc.cell)
    assert "Tomaten 1kg                         3,98" in lines
    e = ereceipt(p.output, "POS-5890")
    assert [x["description"] for x in e["lines"]] == ["Tomaten 1kg", "Prei"]
    assert e["totals"]["gross"] == "5.18"


def test_generated_receipts_of_a_wider_till_extract_as_on_their_own_paper():
    for seed, layout in ((3, "qtycol-tabs"), (4, "qtyline-abs"), (5, "inline-spaces")):
        s = make_sample(seed, layout=layout, width=48, lang="de")
        e = ereceipt(s.data, "TM-T88V")
        assert e["totals"]["gross"] == s.truth["totals"]["gross"], (seed, layout)
        assert [x["amount"] for x in e["lines"]] == [x["amount"] for x in s.truth["lines"]]


def header_stream(before: str, big: str, after: str) -> bytes:
    """`before` plain, `big` centred double width and height, `after` plain."""
    p = Dummy()
    p._raw(b"\x1b@")
    p.text(before)
    p.set(align="center", double_width=True, double_height=True)
    p.text(big)
    p.set_with_default()
    p.text(after)
    p.cut()
    return p.output


def test_a_double_width_name_over_two_lines_is_one_name_not_the_address():
    e = ereceipt(header_stream("", "Slagerij\nVan den Broeck\n", "Kerkstraat 14\n9000 Gent\n\n"
                               "Ticket 55    12-03-2024 10:00\nWorst     4,50\nTOTAAL    4,50\n"))
    assert e["merchant"]["name"] == "Slagerij Van den Broeck"
    assert e["merchant"]["address"] == "Kerkstraat 14, 9000 Gent"


def test_a_big_copy_banner_is_not_the_name():
    e = ereceipt(header_stream("", "*** DUPLICAAT ***\n", "Bakkerij Jansen\nMarkt 1\n3511 AB Utrecht\n\n"
                               "Bonnr. 9    12-03-2024 10:00\nBrood     2,50\nTOTAAL    2,50\n"))
    assert e["merchant"]["name"] == "Bakkerij Jansen"


def test_a_big_name_below_a_plain_branch_line_is_the_name():
    e = ereceipt(header_stream("Filiale 0231\n", "FRESHMART\n", "12 High Street\nLondon SW1A 1AA\n\n"
                               "Receipt 9    12/03/2024 10:00\nMilk     1.20\nTOTAL    1.20\n"))
    assert e["merchant"]["name"] == "FRESHMART"


def test_currency_printed_or_assumed_from_the_config():
    def stream(amount_text: str) -> bytes:
        p = Dummy()
        p.text(f"Shop\n\nReceipt 1  12/03/2024 10:00\nTea   {amount_text}\nTOTAL   {amount_text}\n")
        p.cut()
        return p.output

    e = ereceipt(stream("2.50"))
    assert e["currency"] == "EUR"
    assert any("no currency printed: EUR assumed" in w for w in e["extraction"]["warnings"])
    e = ereceipt(stream("2.50"), currency="CHF")
    assert e["currency"] == "CHF"
    e = ereceipt(stream("£2.50"), currency="EUR")
    assert e["currency"] == "GBP" and not any("currency" in w for w in e["extraction"]["warnings"])
    assert e["totals"]["gross"] == "2.50"
    e = ereceipt(stream("2.50 CHF"))
    assert e["currency"] == "CHF"


def test_amounts_right_aligned_by_the_printer_on_their_own_line():
    p = Dummy()
    p._raw(b"\x1b@")
    p.text("Bakkerij Jansen\nMarkt 1\n3511 AB Utrecht\n\nBonnr. 77   12-03-2024 10:00\n")
    for desc, amount in (("Volkoren brood", "3,20 B"), ("Krentenbollen 6 stuks", "2,95 B"), ("Korting", "-0,50 B")):
        p.text(desc + "\n")
        p.set(align="right")
        p.text(amount + "\n")
        p.set(align="left")
    p.set(align="right", double_height=True, bold=True)
    p.text("TOTAAL  5,65\n")
    p.set_with_default()
    p.text("Pinnen   5,65\n")
    p.cut()
    e = ereceipt(p.output)
    assert [(x["description"], x["amount"], x["vat_code"], x["kind"]) for x in e["lines"]] == [
        ("Volkoren brood", "3.20", "B", "sale"), ("Krentenbollen 6 stuks", "2.95", "B", "sale"),
        ("Korting", "-0.50", "B", "discount")]
    assert e["totals"]["gross"] == "5.65" and e["extraction"]["confidence"] >= 0.9


def test_pieces_of_one_line_are_joined_when_the_document_has_no_till_line():
    # a document from elsewhere (or page mode): only the shared byte range tells the pieces apart
    from gateway.printer.document import Receipt, Span, TextLine

    pieces = [TextLine(offset=10, end=60, spans=[Span("Gesamt", 0)], width=504),
              TextLine(offset=10, end=60, spans=[Span("17,16", 0)], width=504),
              TextLine(offset=60, end=70, spans=[Span("Bar", 0)], width=504)]
    lines, hints = logical_lines(Receipt(pieces, 0, 70), 12)
    assert lines == ["Gesamt" + " " * 36 + "17,16", "Bar"]
    assert hints[0].wrapped and not hints[1].wrapped
