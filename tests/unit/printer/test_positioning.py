"""Columns: tabs, absolute and relative positions become spaces in the text."""

from .helpers import events_of, lines_of


def test_default_tabs_every_eight_columns():
    assert lines_of(b"\x1b@Brood\t2,50\nNY Strip\t8,99\n") == ["Brood   2,50", "NY Strip        8,99"]


def test_esc_d_sets_tab_stops_in_characters():
    data = b"\x1b@\x1bD\x0a\x14\x00A\tB\tC\n"
    assert lines_of(data) == ["A         B         C"]


def test_esc_d_with_no_stops_disables_tabs():
    assert lines_of(b"\x1b@\x1bD\x00A\tB\n") == ["AB"]


def test_absolute_position_esc_dollar():
    # Font A is 12 dots wide: 36 * 12 = 432 dots -> column 36
    data = b"\x1b@Koffie\x1b$\xb0\x013,20\n"
    assert lines_of(data) == ["Koffie" + " " * 30 + "3,20"]


def test_relative_position_esc_backslash_forward_and_back():
    data = b"\x1b@ab\x1b\\\x18\x00cd\x1b\\\xe8\xffX\n"  # +24 dots, then -24 dots
    line = events_of(data, kind="line")[0]
    assert [(s.text, s.x) for s in line.spans] == [("ab", 0), ("cd", 48), ("X", 48)]


def test_position_beyond_paper_is_ignored():
    data = b"\x1b@ab\x1b$\xff\x7fcd\n"
    assert lines_of(data, "TM-T88V") == ["abcd"]


def test_page_mode_lays_text_out_by_position():
    data = (b"\x1b@\x1bL\x1bW\x00\x00\x00\x00\x00\x02\x00\x02"
            b"\x1d$\x3c\x00\x1b$\x00\x00Bottom"  # y = 60
            b"\x1d$\x00\x00\x1b$\x00\x00Top\x1b$\x90\x01Right"  # y = 0, x = 400
            b"\x0c")
    lines = events_of(data, kind="line")
    assert [ln.text for ln in lines] == ["TopRight", "Bottom"]
    assert [s.x for s in lines[0].spans] == [0, 400]


def test_page_mode_can_discards_the_page():
    data = b"\x1b@\x1bLgone\x18\x1b$\x00\x00kept\x0c"
    assert lines_of(data) == ["kept"]
