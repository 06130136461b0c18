"""The C text path (gateway/printer/_textpath.c) against the pure-Python reference.

Each case decodes the same stream on both paths and checks the documents are the same
(every event, the wrapped lines' till_spans, the command and warning counts, the bytes
consumed), and what a reader of the receipt sees. The rendering functions in the same
module (`line_text`, `receipt_lines`) are checked against render_text.py's references.
"""

import os
import shutil
import sysconfig

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from gateway.printer import render_text as render_text_mod
from gateway.printer import text_lines
from gateway.printer.decoder import Decoder
from gateway.printer.document import (
    PLAIN,
    Barcode,
    Document,
    Feed,
    Receipt,
    Span,
    TextLine,
    Warning,
)
from gateway.printer.render_text import render_text

from .helpers import printer
from .test_properties import streams, text_streams

C = text_lines.ACCELERATOR
needs_c = pytest.mark.skipif(C is None, reason=f"C text path not in use: {text_lines.text_path()}")


def _can_build() -> bool:
    cc = (os.environ.get("CC") or sysconfig.get_config_var("CC") or "gcc").split()[0]
    return shutil.which(cc) is not None and os.path.exists(os.path.join(sysconfig.get_paths()["include"], "Python.h"))


def test_c_path_is_in_use_where_it_can_be_built():
    if os.environ.get("RG_PURE_PYTHON"):
        pytest.skip("RG_PURE_PYTHON is set: the pure-Python path is wanted")
    if not _can_build():
        pytest.skip("no C compiler or Python headers here: the pure-Python path is the expected one")
    assert C is not None, (f"a C compiler is here but the decoder runs {text_lines.text_path()}; "
                           "build it: `pip install -e .` or `python3 setup.py build_ext --inplace`")
    assert text_lines.text_path().startswith("C ")


def run(data: bytes, fast, profile: str | None = "TM-T88V", size: int | None = None, **kw):
    saved = text_lines.TextLines._fast
    text_lines.TextLines._fast = fast
    try:
        dec = Decoder(profile, **kw)
        events = []
        step = size or max(1, len(data))
        for i in range(0, len(data), step):
            events += dec.feed(data[i:i + step])
        events += dec.close()
    finally:
        text_lines.TextLines._fast = saved
    p = dec.profile
    doc = Document(events=events, profile=p.name, width=p.width, cell=p.cell(0))
    return doc, dec


def same_on_both(data: bytes, profile: str | None = "TM-T88V", size: int | None = None, **kw) -> Document:
    """The C path's document, after checking it is the reference's."""
    c_doc, c_dec = run(data, C, profile, size, **kw)
    py_doc, py_dec = run(data, None, profile, size, **kw)

    def full(doc, dec):
        till = [[s.to_dict() for s in e.till_spans or []] for e in doc.events if isinstance(e, TextLine)]
        return doc.to_dict(), till, dec.commands, dec.unknown, dec.offset

    assert full(c_doc, c_dec) == full(py_doc, py_dec)
    return c_doc


def lines(doc: Document) -> list[str]:
    return render_text(doc).splitlines()


def text_lines_of(doc: Document) -> list[TextLine]:
    return [e for e in doc.events if isinstance(e, TextLine)]


@needs_c
@pytest.mark.parametrize("cr_is_lf", [False, True])
def test_carriage_returns(cr_is_lf):
    doc = same_on_both(b"one\r\ntwo\rthree\n\x1bE\x01four\r\n", cr_is_lf=cr_is_lf)
    if cr_is_lf:  # CR ends a line (and the LF after it an empty one)
        assert lines(doc) == ["one", "", "two", "three", "four"]
    else:  # CR is ignored, also in the middle of a line
        assert lines(doc) == ["one", "twothree", "four"]


@needs_c
def test_runs_of_more_than_32_commands():
    data = (b"\x1bE\x01" * 40 + b"bold\n" + b"x" + b"\x1b-\x01" * 33 + b"y\n"
            + b"\x1bE\x00\x1b-\x00" * 20 + b"plain\n")
    doc = same_on_both(data)
    assert lines(doc) == ["bold", "xy", "plain"]
    bold, xy, plain = text_lines_of(doc)
    assert bold.spans[0].style.bold and not plain.spans[0].style.bold
    assert [s.style.underline for s in xy.spans] == [0, 1]
    for size in (1, 2, 3, 5, 64):
        assert same_on_both(data, size=size).to_dict() == doc.to_dict()


@needs_c
@pytest.mark.parametrize("profile", ["TM-T88V", "default"])  # paper width known / unknown
def test_lines_at_and_past_the_wrap_width(profile):
    dec = Decoder(profile)
    columns = dec.profile.width // dec.profile.cell(0)
    exact = b"a" * columns
    over = b"b" * (columns + 1)
    mid_run = b"c" * (columns - 1) + b"\x1bE\x01" + b"dd"  # one column too many, with a run inside
    doc = same_on_both(exact + b"\n" + over + b"\n" + mid_run + b"\n" + exact[:-1] + b"\x1bE\x00e\n",
                       profile=profile)
    out = text_lines_of(doc)
    if dec.profile.width_known:  # the printer wraps what does not fit: two printed lines
        assert [e.text for e in out] == ["a" * columns, "b" * columns, "b",
                                         "c" * (columns - 1) + "d", "d", "a" * (columns - 1) + "e"]
        assert out[1].till_spans is not None and out[0].till_spans is None
    else:  # unknown paper: never invent a wrap
        assert [e.text for e in out] == ["a" * columns, "b" * (columns + 1),
                                         "c" * (columns - 1) + "dd", "a" * (columns - 1) + "e"]


@needs_c
@pytest.mark.parametrize("profile", ["TM-T88V", "default"])
def test_tabs_and_positions_inside_lines(profile):
    """HT, ESC $ and ESC \\ inside a line (the C path lays such lines out itself): columns
    where the printer puts them, a move past the paper's edge dropped (and the till's own line
    kept), arguments that are LF or ESC bytes, GS P motion units, a tab after a font change."""
    data = (b"\x1bt\x13\x1bD\x14\x1a\x00" + b"Item\tQty\t2,50 \xd5\n"  # ESC D stops at columns 20 and 26
            + b"korting\x1b$\x80\x01-0,19\n"  # dot 384
            + b"x\x1b$\x0a\x00y\x1b$\x1b\x00z\n"  # arguments 10 and 27: an LF and an ESC byte
            + b"ab\x1b\\\x10\x00cd\x1b\\\xf8\xffe\n"  # +16, then -8 dots
            + b"far\x1b$\xff\x7fout\n"  # past the edge: dropped
            + b"\tfirst\t\n" + b"\x1b$\x20\x00\n"  # a line starting with a move; moves only
            + b"\x1b!\x01a\tb\x1b!\x20c\td\n"  # font B then double width: other tab stops
            + b"\x1dP\xb4\x5a" + b"u\x1b$\x64\x00v\n")  # GS P: 2 dots a unit
    doc = same_on_both(data, profile=profile)
    for start in (b"\tx\n", b"\x1b$\x60\x00x\n", b"\x1b\\\x60\x00x\n"):  # a stream or block starting with a move
        assert [(s.text, s.x) for s in text_lines_of(same_on_both(start + data, profile=profile))[0].spans] == [("x", 96)]
        assert same_on_both(b"\x1bd\x01" + start, profile=profile).to_dict()
    for size in (1, 3, 4, 7):
        assert same_on_both(data, profile=profile, size=size).to_dict() == doc.to_dict()
    out = text_lines_of(doc)
    first = out[0]
    assert [(s.text, s.x) for s in first.spans] == [("Item", 0), ("Qty", 240), ("2,50 €", 312)]
    assert [(s.text, s.x) for s in out[1].spans] == [("korting", 0), ("-0,19", 384)]
    assert [(s.text, s.x) for s in out[2].spans] == [("x", 0), ("y", 10), ("z", 27)]
    assert [(s.text, s.x) for s in out[3].spans] == [("ab", 0), ("cd", 40), ("e", 56)]
    if Decoder(profile).profile.width_known:
        assert out[4].till_spans is not None and out[4].text == "farout"


@needs_c
def test_a_line_cut_by_the_end_of_a_feed():
    """The C path keeps a line cut by the end of a feed until its LF comes (offset does not count
    it yet); the events are the reference's, and close() prints a line that never got its LF."""
    data = b"\x1bE\x01Bold\x1bE\x00 and plain 2,50\nsecond\tline\n" + b"tail without LF"
    for size in (4, 10, 25):
        doc = same_on_both(data, size=size)
        assert [ln.rstrip() for ln in lines(doc)] == ["Bold and plain 2,50", "second  line", "tail without LF"]
        assert not any(isinstance(e, Warning) for e in doc.events)
    saved, text_lines.TextLines._fast = text_lines.TextLines._fast, C
    try:
        dec = Decoder("TM-T88V")
        assert dec.feed(b"abc") == [] and dec.offset == 0
        out = dec.feed(b"def\nxy")
        assert [e.text for e in out] == ["abcdef"] and dec.offset == 7
        assert [e.text for e in dec.close()] == ["xy"] and dec.offset == 9
    finally:
        text_lines.TextLines._fast = saved


@needs_c
def test_utf8_lines_plain_and_with_runs():
    cafe = "Café crème 2,50 €".encode()
    data = (cafe + b"\n" + b"Caf" + b"\x1bE\x01" + "é €".encode() + b"\x1bE\x00!\n"
            + b"\x1bt\x13" + "Bière 3,00 €".encode("cp858") + b"\n"  # not UTF-8: its code page
            + b"half \xe2\x82 euro\n")  # an invalid sequence: the line is not UTF-8
    doc = same_on_both(data)
    assert lines(doc)[:3] == ["Café crème 2,50 €", "Café €!", "Bière 3,00 €"]
    assert "\ufffd" not in lines(doc)[3] and lines(doc)[3].startswith("half ")


@needs_c
def test_utf8_edge_cases():
    cases = [b"\xef\xbf\xbd real replacement", b"\xed\xa0\x80 surrogate", b"\xc0\xaf overlong",
             b"\xe0\x9f\xbf overlong", b"\xf0\x8f\xbf\xbf overlong", b"\xf4\x90\x80\x80 too high",
             b"cut short \xc3", b"cut short \xe2\x82", "ok \U0001F600 \u20ac".encode(),
             b"\xef\xbf\xbd\xa4 real and not"]
    for raw in cases:  # plain, and with a run inside the line (the other C branch)
        doc = same_on_both(raw + b"\n" + b"<" + b"\x1bE\x01" + raw + b"\n")
        one, two = lines(doc)
        assert two == "<" + one
    assert lines(same_on_both(cases[0] + b"\n")) == ["\ufffd real replacement"]
    assert lines(same_on_both(cases[8] + b"\n")) == ["ok \U0001F600 \u20ac"]
    assert "\ufffd" not in lines(same_on_both(cases[1] + b"\n"))[0]  # its code page instead


@needs_c
def test_international_character_sets():
    # ESC R 1 (France): [ ] @ print as other characters, also in pure ASCII text
    data = b"\x1bR\x01#[]@\n" + b"a\x1bE\x01#@\x1bE\x00b\n" + b"\x1bR\x00#[]@\n"
    doc = same_on_both(data)
    assert lines(doc) == ["#°§à", "a#àb", "#[]@"]


@needs_c
def test_kanji_lines_take_the_general_path():
    data = b"\x1c&" + "中文 12".encode("gb18030") + b"\n" + b"\x1c." + b"ascii\n"
    doc = same_on_both(data)
    assert lines(doc) == ["中文 12", "ascii"]


@needs_c
def test_empty_lines_and_a_line_left_open():
    doc = same_on_both(b"\n\n\x1bE\x01\n" + b"end without LF")
    assert lines(doc) == ["", "", "", "end without LF"]


@needs_c
def test_magic_encoder_receipt_in_any_chunking():
    p = printer("TM-T88V")
    p.set(align="center", bold=True)
    p.text("Bakkerij De Kroon\n")
    p.set(align="left", normal_textsize=True)
    for name, price in (("Café crème", "2,50 €"), ("Bière blonde", "3,00 €"), ("Äpfel", "1,20 €")):
        p.text(f"{name:<30}{price}\n")
    p.cut()
    data = p.output
    whole = same_on_both(data)
    assert "Café crème" in render_text(whole) and "3,00 €" in render_text(whole)
    for size in range(1, 18):
        assert same_on_both(data, size=size).to_dict() == whole.to_dict(), f"chunks of {size}"


@needs_c
def test_an_exception_in_a_callback_comes_out_of_feed(monkeypatch):
    def broken(self, *args):
        raise RuntimeError("broken on purpose")

    wrap = b"w" * 100 + b"\n"  # wraps on 80 mm paper: the LineBuilder prints it
    unknown_page = b"\x1bt\x7f" + b"text\n"  # a page the profile lacks: a warning
    for fast in (C, None):
        for method, data in (("_print_line", wrap), ("_warn", unknown_page), ("_context", b"abc\n")):
            with monkeypatch.context() as m:
                m.setattr(Decoder, method, broken)
                with pytest.raises(RuntimeError, match="broken on purpose"):
                    run(data, fast)
    # and a fresh decoder on the C path is not affected
    assert lines(same_on_both(wrap + unknown_page))[-1] == "text"


@needs_c
@settings(max_examples=300, deadline=None)
@given(data=streams, size=st.sampled_from([None, 1, 3, 7, 64]))
def test_any_command_stream_same_on_both_paths(data, size):
    same_on_both(data, size=size)
    same_on_both(data, profile="default", size=size, cr_is_lf=True)


@needs_c
def test_init_refuses_classes_it_cannot_fill_and_keeps_the_ones_it_has():
    import dataclasses

    from gateway.printer.codepages import decode_multibyte
    from gateway.printer.layout import TEXT
    from gateway.printer.profiles import FONT_HEIGHT

    @dataclasses.dataclass(slots=True)
    class NoCell:  # a field missing
        text: str
        x: int
        style: object

    @dataclasses.dataclass
    class WithDict:  # not slotted
        text: str
        x: int
        style: object
        cell: int

    @dataclasses.dataclass(slots=True)
    class Reordered:  # every field, at other slot offsets than Span's
        pad: int
        cell: int
        style: object
        x: int
        text: str

    for span_cls in (NoCell, WithDict):
        with pytest.raises(TypeError):
            C.init(span_cls, TextLine, decode_multibyte, FONT_HEIGHT, TEXT)
    with pytest.raises(TypeError):  # the first class passes, the second does not: nothing changes
        C.init(Reordered, NoCell, decode_multibyte, FONT_HEIGHT, TEXT)
    assert lines(same_on_both(b"still \x1bE\x01fine\n")) == ["still fine"]


@needs_c
def test_lines_longer_than_a_c_block_and_streams_fed_whole():
    from gateway.printer.text_lines import C_BLOCK

    long_line = b"x" * (C_BLOCK + 10) + b"\n"  # no whole line fits one C call
    data = b"head\n" + long_line + ("Caf\u00e9 \u20ac 1\n".encode("cp858") + b"\x1bt\x13\xd5\n") * 3000
    doc = same_on_both(data, profile="default")  # paper width unknown: nothing wraps
    assert lines(doc)[:2] == ["head", "x" * (C_BLOCK + 10)] and len(lines(doc)) == 2 + 6000


# ------------------------------------------------------------------ rendering: _textpath.line_text /
# receipt_lines against render_text.line_text_py / receipt_lines_py


def rendered_both(receipt: Receipt, cell) -> list[str]:
    """receipt_lines and every line's line_text on both paths; the C answer after checking it."""
    for line in receipt.events:
        if isinstance(line, TextLine):
            assert C.line_text(line, cell) == render_text_mod.line_text_py(line, cell)
    c_lines = C.receipt_lines(receipt.events, cell)
    assert c_lines == render_text_mod.receipt_lines_py(receipt, cell)
    return c_lines


@needs_c
@settings(max_examples=300, deadline=None)
@given(data=text_streams, cell=st.sampled_from([12, 9, 10, 17, 24, 1]))
def test_any_document_renders_the_same_on_both_paths(data, cell):
    for r in run(data, C)[0].receipts():
        rendered_both(r, cell)


def span_line(*spans, cls=TextLine) -> TextLine:
    return cls(spans=[Span(*s) for s in spans])


@needs_c
def test_columns_positions_and_cells():
    cases = [
        (span_line(("Total", 0), ("12,50", 300)), "Total                    12,50"),
        # a span in another cell takes round(cell * n / 12) columns, halves to the even side
        (span_line(("AB", 0, PLAIN, 24), ("x", 60)), "AB x"),
        (span_line(("A", 0, PLAIN, 18), ("x", 24)), "Ax"),  # 1.5 -> 2 columns
        (span_line(("AAA", 0, PLAIN, 18), ("x", 60)), "AAA x"),  # 4.5 -> 4 columns
        (span_line(("AB", 0, PLAIN, 1), ("y", 12)), "ABy"),  # at least one column
        (span_line(("", 120), ("z", 0)), "          z"),  # an empty span still moves to its column
        (span_line(("", 120)), ""),
        (span_line(("neg", -40), ("w", 60)), "neg  w"),  # a negative x floors like Python
        (span_line(("a \u3000", 0)), "a"),  # Unicode spaces are stripped too
        (span_line(("\u20ac\u3000", 0), ("", 200)), "\u20ac"),
        (span_line(("a", 0), ("\u4e2d\u3000", 36)), "a  \u4e2d"),
        (span_line(("\u00e9", 0), ("\U0001F600", 36)), "\u00e9  \U0001F600"),
        (span_line(), ""),
    ]
    for line, want in cases:
        assert rendered_both(Receipt([line]), 12) == ([want] if want else [])
        got = C.line_text(line, 12)
        assert got == render_text_mod.line_text_py(line, 12) == want
        assert got.encode() == want.encode() and len(got) == len(want)


@needs_c
def test_odd_objects_get_the_reference_answer():
    class Line(TextLine):  # a subclass (it may have attributes of its own): the reference reads it
        pass

    odd = [span_line(("x", 12.0), ("y", 36)),  # a float position
           TextLine(spans=(Span("tuple", 0),)),  # spans in a tuple
           span_line(("sub", 0), ("class", 100), cls=Line), span_line(("n", True), ("m", 40)), span_line(("big", -2**40), ("b", 0))]
    def outcome(fn, *args):
        try:
            return "ok", fn(*args)
        except Exception as exc:  # the same error on both paths counts as the same answer
            return type(exc), str(exc)

    for line in odd:
        for cell in (12, 12.0, 5):
            assert outcome(C.line_text, line, cell) == outcome(render_text_mod.line_text_py, line, cell)
    assert [outcome(C.line_text, line, 12) for line in odd] == [
        (TypeError, "can't multiply sequence by non-int of type 'float'"),
        ("ok", "tuple"), ("ok", "sub     class"), ("ok", "n  m"), ("ok", "bigb")]
    for fn in (C.line_text, render_text_mod.line_text_py):  # cell 0: the same error
        with pytest.raises(ZeroDivisionError):
            fn(span_line(("a", 0), ("b", 24)), 0)


@needs_c
def test_feeds_barcodes_and_blank_lines_at_the_end():
    events = [span_line(("head", 0)), Feed(lines=2), Barcode(data="4006381333931", hri="both"),
              Barcode(data="123", hri="above"), Barcode(data="456", hri="below"), Barcode(data="789"),
              Barcode(data="", hri="both"), span_line(("  ", 0)), Feed(lines=True), span_line(("tail", 24)),
              Feed(lines=3), span_line(("   ", 0)), Feed(lines=0), Feed(lines=-1)]
    assert rendered_both(Receipt(events), 12) == ["head", "", "", "4006381333931", "4006381333931", "123",
                                                  "456", "", "", "  tail"]
    assert rendered_both(Receipt([Feed(lines=4), span_line((" ", 0))]), 12) == []
    # the printer adds the check digit an EAN/UPC was sent without, on both paths
    sent_short = [Barcode(symbology="ean13", data="400638133393", hri="below"),
                  Barcode(symbology="ean8", data="9638507", hri="above"),
                  Barcode(symbology="upc-a", data="03600029145", hri="below")]
    assert rendered_both(Receipt(sent_short), 12) == ["4006381333931", "96385074", "036000291452"]
    with pytest.raises(TypeError):
        C.receipt_lines([Feed(lines="2")], 12)
