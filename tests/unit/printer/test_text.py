"""Text, styles and code pages: what the paper says, character for character."""

import pytest

from gateway.printer.document import TextLine

from .helpers import events_of, lines_of, printer


def test_plain_lines_come_out_as_printed():
    p = printer()
    p.text("Bakkerij De Kroon\nBrood    2,50\n")
    assert lines_of(p.output) == ["Bakkerij De Kroon", "Brood    2,50"]


@pytest.mark.parametrize("profile", ["default", "TM-T88V", "TM-T20II", "POS-5890"])
def test_euro_and_accents_with_python_escpos_magic_encoding(profile):
    p = printer(profile)
    p.text("Café Zoë — crème brûlée 4,50 €\nÄpfel Größe Ü\nç à è ù ñ ø å\n")
    assert lines_of(p.output, profile) == [
        "Café Zoë — crème brûlée 4,50 €",
        "Äpfel Größe Ü",
        "ç à è ù ñ ø å",
    ]


@pytest.mark.parametrize("page,encoding", [(19, "cp858"), (16, "cp1252"), (2, "cp850"), (0, "cp437"),
                                          (17, "cp866"), (18, "cp852"), (40, "iso8859_15")])
def test_esc_t_selects_the_profile_page(page, encoding):
    text = {"cp866": "Привет", "cp852": "Łódź", "cp437": "Größe", "cp850": "Ça coûte 7,50 ¤"}.get(
        encoding, "Prix 7,50 €")
    data = b"\x1b@\x1bt" + bytes([page]) + text.encode(encoding) + b"\n"
    assert lines_of(data) == [text]


def test_cp857_prints_the_euro_at_d5():
    """Python's cp857 leaves 0xD5 undefined; the printers' PC857 (and receipt-printer-encoder,
    which picks it for the euro in 'auto' mode) have the euro there, as CP858 does."""
    data = b"\x1b@\x1bt\x0dT\x81rk\x87e 12,50 \xd5\n"  # ESC t 13: PC857 Turkish
    assert lines_of(data) == ["Türkçe 12,50 €"]
    assert not events_of(data, kind="warning")


def test_code_page_switch_in_the_middle_of_a_line():
    data = b"\x1b@\x1bt\x00Gr\x94\xe1e \x1bt\x13\xd5 12,00\n"  # CP437 "Größe", CP858 "€"
    assert lines_of(data) == ["Größe € 12,00"]


def test_utf8_text_decodes_as_utf8():
    data = b"\x1b@" + "Kassabon Café € 3,20\n".encode()
    assert lines_of(data) == ["Kassabon Café € 3,20"]


def test_utf8_character_split_by_a_style_change_stays_whole():
    euro = "€".encode()
    data = b"\x1b@Prijs " + euro[:1] + euro[1:] + b" 5\n"
    assert lines_of(data) == ["Prijs € 5"]


def test_international_set_esc_r_replaces_ascii_positions():
    data = b"\x1b@\x1bR\x02Stra\x7ee \x5bpfel\n\x1bR\x00#1 [ok]\n"  # Germany: ~ -> ß, [ -> Ä
    assert lines_of(data) == ["Straße Äpfel", "#1 [ok]"]


def test_styles_are_kept_per_span():
    p = printer()
    p.set(bold=True)
    p.text("TOTAL ")
    p.set(bold=False, double_width=True, double_height=True)
    p.text("12,50\n")
    p.set(invert=True, underline=1, normal_textsize=True)
    p.text("INV\n")
    lines = events_of(p.output, kind="line")
    first = lines[0].spans
    assert [(s.text, s.style.bold, s.style.width, s.style.height) for s in first] == [
        ("TOTAL ", True, 1, 1), ("12,50", False, 2, 2)]
    assert first[1].x == 6 * 12
    inv = lines[1].spans[0].style
    assert inv.invert and inv.underline == 1


def test_gs_exclamation_sizes_and_font_b():
    data = b"\x1b@\x1d!\x34BIG\n\x1d!\x00\x1bM\x01small\n"
    lines = events_of(data, kind="line")
    assert (lines[0].spans[0].style.width, lines[0].spans[0].style.height) == (4, 5)
    assert lines[1].spans[0].style.font == 1 and lines[1].spans[0].cell == 9


def test_alignment_is_recorded_not_padded():
    p = printer()
    p.set(align="center")
    p.text("Welkom\n")
    p.set(align="right")
    p.text("rechts\n")
    lines = events_of(p.output, kind="line")
    assert [ln.align for ln in lines] == ["center", "right"]
    assert lines_of(p.output) == ["Welkom", "rechts"]


def test_esc_at_resets_styles_and_code_page():
    data = b"\x1bt\x13\x1bE\x01\xd5\n\x1b@\xd5\n"
    lines = events_of(data, kind="line")
    assert lines[0].text == "€" and lines[0].spans[0].style.bold
    assert lines[1].text == "╒" and not lines[1].spans[0].style.bold  # CP437 0xD5


def test_long_line_wraps_where_the_profile_says_the_paper_ends():
    data = b"\x1b@" + b"x" * 50 + b"\n"
    assert lines_of(data, "POS-5890") == ["x" * 32, "x" * 18]
    assert lines_of(data, "TM-T88V") == ["x" * 42, "x" * 8]
    assert lines_of(data) == ["x" * 50]  # default profile: paper width unknown, no invented wrap


def test_a_wrapped_line_keeps_the_tills_own_line_on_its_first_piece():
    data = b"\x1b@" + b"Gesamt" + b" " * 36 + b"17,16 EUR\n" + b"Bar\n"
    lines = [e for e in events_of(data, "TM-T88V") if isinstance(e, TextLine)]
    assert [ln.text for ln in lines] == ["Gesamt" + " " * 36, "17,16 EUR", "Bar"]
    assert "".join(s.text for s in lines[0].till_spans) == "Gesamt" + " " * 36 + "17,16 EUR"
    assert lines[1].till_spans is None and lines[2].till_spans is None
    assert "till_spans" not in lines[0].to_dict()  # not part of the printed document


def test_a_column_move_past_the_paper_edge_is_dropped_on_paper_but_kept_for_the_till():
    data = b"\x1b@Prei" + b"\x1b$" + (36 * 12).to_bytes(2, "little") + b"1,20\n"
    (line,) = [e for e in events_of(data, "POS-5890") if isinstance(e, TextLine)]
    assert line.text == "Prei1,20"  # what the printer does: ESC $ beyond 384 dots is ignored
    assert [(s.text, s.x) for s in line.till_spans] == [("Prei", 0), ("1,20", 36 * 12)]


def test_cr_lf_gives_one_line_and_lone_cr_is_ignored():
    assert lines_of(b"a\r\nb\rc\n") == ["a", "bc"]


def test_kanji_mode_decodes_double_byte_text():
    data = b"\x1b@\x1c&" + "金额".encode("gb18030") + b"\x1c.\n"
    assert lines_of(data) == ["金额"]


def test_line_events_carry_their_byte_range():
    data = b"\x1b@abc\ndef\n"
    lines = [e for e in events_of(data) if isinstance(e, TextLine)]
    assert [(ln.offset, ln.end) for ln in lines] == [(2, 6), (6, 10)]
