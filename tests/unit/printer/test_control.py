"""Cuts, drawer kicks, status requests and unknown commands: nothing lost, nothing invented."""

import pytest

from gateway.printer.decoder import decode

from .helpers import events_of, printer


def test_cut_splits_receipts_and_python_escpos_cut_is_seen():
    p = printer()
    p.text("one\n")
    p.cut()
    p.text("two\n")
    p.cut(mode="PART")
    doc = decode(p.output)
    receipts = doc.receipts()
    assert len(receipts) == 2
    assert [r.lines[0].text for r in receipts] == ["one", "two"]
    cuts = [e for e in doc.events if e.kind == "cut"]
    assert [c.partial for c in cuts] == [False, True]


@pytest.mark.parametrize("data,partial,feed", [
    (b"\x1dV\x00", False, 0), (b"\x1dV1", True, 0), (b"\x1dVA\x10", False, 16),
    (b"\x1dVB\x05", True, 5), (b"\x1bi", True, 0), (b"\x1bm", True, 0),
])
def test_all_cut_forms(data, partial, feed):
    cut = events_of(b"x\n" + data, kind="cut")[0]
    assert (cut.partial, cut.feed) == (partial, feed)


def test_drawer_kicks_esc_p_and_dle_dc4():
    p = printer()
    p.cashdraw(2)
    p.cashdraw(5)
    kicks = events_of(p.output + b"\x10\x14\x01\x00\x05", kind="drawer_kick")
    assert [(k.pin, k.realtime) for k in kicks] == [(2, False), (5, False), (2, True)]
    assert kicks[2].on_ms == 500


@pytest.mark.parametrize("data,command,n", [
    (b"\x10\x04\x01", "DLE EOT", 1), (b"\x10\x04\x04", "DLE EOT", 4), (b"\x10\x04\x07\x01", "DLE EOT", 7),
    (b"\x10\x05\x02", "DLE ENQ", 2), (b"\x1dr\x01", "GS r", 1), (b"\x1dI\x42", "GS I", 0x42),
    (b"\x1da\xff", "GS a", 255), (b"\x10\x14\x08\x01\x03\x14\x01\x06\x02\x08", "DLE DC4", 8),
])
def test_status_requests_surface_with_their_bytes(data, command, n):
    req = events_of(b"abc" + data + b"def\n", kind="status_request")
    assert len(req) == 1 and (req[0].command, req[0].n) == (command, n)
    assert (req[0].offset, req[0].end) == (3, 3 + len(data))


def test_python_escpos_query_commands_are_status_requests():
    p = printer()
    p._raw(b"\x10\x04\x01")  # what Escpos.is_online() sends
    p._raw(b"\x10\x04\x04")  # paper_status()
    assert [r.n for r in events_of(p.output, kind="status_request")] == [1, 4]


def test_status_query_after_an_unknown_command_is_not_lost():
    data = b"\x1b@\x1bZ\x10\x04\x01\x1d\xf0\x1da\x01hello\n"
    evs = events_of(data)
    kinds = [e.kind for e in evs]
    assert kinds.count("warning") == 2
    assert [e.command for e in evs if e.kind == "status_request"] == ["DLE EOT", "GS a"]
    assert [e.text for e in evs if e.kind == "line"] == ["hello"]


def test_configuration_commands_are_skipped_by_length():
    # GS ( E user setup with a payload containing what looks like text and commands
    body = b"\x03\x01hidden\n\x10\x04\x01"
    data = b"\x1d(E" + bytes([len(body), 0]) + body + b"shown\n"
    evs = events_of(data)
    assert [e.text for e in evs if e.kind == "line"] == ["shown"]
    assert not [e for e in evs if e.kind in ("status_request", "warning")]


def test_stream_ending_inside_a_command_is_reported():
    evs = events_of(b"ok\n\x1dv0\x00\x10\x00")
    assert evs[-1].kind == "warning" and "ended inside a command" in evs[-1].message


def test_feeds():
    evs = events_of(b"a\x1bd\x03b\x1bJ\x50\n")
    assert [e.kind for e in evs] == ["line", "feed", "line", "line"]
    assert evs[1].lines == 2 and evs[2].feed == 0x50  # ESC J prints "b" and feeds 80 dots
