"""Serial scanners on a real pty: line ends, garbage, half lines, exclusive open."""

from __future__ import annotations

import threading
import time

import pytest

from gateway.scanner.serial_lines import LineSplitter
from gateway.scanner.serial_source import SerialScanner
from gateway.scanner.source import ScannerError, SourceGone
from tests.unit.scanner.ptys import Pty

CARD = "2400000000013"


@pytest.fixture
def pty():
    p = Pty()
    yield p
    p.close()


def test_cr_lf_and_crlf_each_end_one_code(pty):
    with SerialScanner(pty.name) as s:
        pty.write(b"111\r222\n333\r\n444\n\r")
        got = [s.read(1).code for _ in range(4)]
        assert got == ["111", "222", "333", "444"]
        assert s.read(0.1) is None


def test_code_split_over_several_writes(pty):
    with SerialScanner(pty.name) as s:
        pty.write(CARD[:5].encode())
        time.sleep(0.05)
        pty.write(CARD[5:].encode() + b"\r\n")
        scan = s.read(1)
    assert scan.code == CARD and scan.source == f"serial:{pty.name}" and abs(scan.ts - time.time()) < 5


def test_garbage_is_dropped_and_counted(pty):
    with SerialScanner(pty.name) as s:
        pty.write(b"\xff\xfe\x80garbage\r\n12\x0734\n" + CARD.encode() + b"\n")
        assert s.read(1).code == CARD
        assert s.drops["garbage"] == 2


def test_gs1_separator_and_spaces(pty):
    with SerialScanner(pty.name) as s:
        pty.write(b"  0101234\x1d10AB  \r\n")
        assert s.read(1).code == "0101234\x1d10AB"


def test_a_half_line_then_a_pause_is_dropped(pty):
    with SerialScanner(pty.name, partial_timeout_s=0.1) as s:
        got = []
        reader = threading.Thread(target=lambda: got.append(s.read(2)))
        reader.start()
        pty.write(b"24000")           # cut off mid-code
        time.sleep(0.3)
        pty.write(CARD.encode() + b"\r")
        reader.join(3)
        assert got[0].code == CARD
        assert s.drops["partial"] == 1


def test_overlong_noise_is_dropped(pty):
    with SerialScanner(pty.name, max_length=32) as s:
        pty.write(b"9" * 500 + b"\n42\n")
        assert s.read(1).code == "42"
        assert s.drops["overlong"] == 1


def test_unplugged_scanner_ends_the_source(pty):
    s = SerialScanner(pty.name)
    pty.write(b"1\n")
    assert s.read(1).code == "1"
    import os
    os.close(pty.master)
    with pytest.raises(SourceGone):
        s.read(1)
    s.close()


def test_second_opener_gets_a_clear_error(pty):
    with SerialScanner(pty.name):
        with pytest.raises(ScannerError) as e:
            SerialScanner(pty.name)
    assert "already in use" in e.value.message and "another till" in e.value.remedy


def test_missing_device_says_where_to_look():
    with pytest.raises(ScannerError) as e:
        SerialScanner("/dev/serial/by-id/usb-nothing-here")
    assert "no serial device" in e.value.message and "/dev/serial/by-id/" in e.value.remedy


def test_splitter_expire_drops_only_after_the_timeout():
    sp = LineSplitter(partial_timeout_s=0.5)
    assert sp.codes(b"12", 10.0) == []
    sp.expire(10.4)
    assert sp.pending == b"12"
    assert sp.codes(b"3\n", 10.45) == ["123"]
    sp.codes(b"45", 11.0)
    assert sp.codes(b"6\n", 11.6) == ["6"] and sp.drops["partial"] == 1
