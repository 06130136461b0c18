"""The kiosk node's USB serial link on a real pty: JSON lines in, result/screen lines out."""

from __future__ import annotations

import json

import pytest

from gateway.scanner import kiosk_messages as km
from gateway.scanner.kiosk import KioskSerial
from gateway.scanner.source import Button, Scan
from tests.unit.scanner.ptys import Pty

HELLO = {"v": 1, "kind": "hello", "node": "kiosk-1", "till": "till-1", "online": True, "fw": "0.1.0",
         "board": "pico-w"}


@pytest.fixture
def link():
    p = Pty()
    k = KioskSerial(p.name, till="till-1")
    yield p, k
    k.close()
    p.close()


def line(msg) -> bytes:
    return json.dumps(msg).encode() + b"\r\n"


def test_repl_noise_is_skipped_scans_and_buttons_come_through(link):
    pty, k = link
    pty.write(b"MPY: soft reboot\r\nMicroPython v1.23.0 on 2024-06-02; Raspberry Pi Pico W with RP2040\r\n"
              b"Type \"help()\" for more information.\r\n>>> \r\n"
              b"Traceback (most recent call last):\r\n  File \"main.py\", line 4\r\n")
    pty.write(line(HELLO))
    pty.write(line({"v": 1, "kind": "scan", "node": "kiosk-1", "till": "till-1", "seq": 7, "code": "2400000000013"}))
    pty.write(line({"v": 1, "kind": "button", "node": "kiosk-1", "till": "till-1", "seq": 8,
                    "button": "print_anyway", "ref": 7}))
    scan = k.read(1)
    assert scan == Scan("2400000000013", "kiosk:kiosk-1", scan.ts, seq=7, node="kiosk-1")
    button = k.read(1)
    assert isinstance(button, Button) and button.name == "print_anyway" and button.ref == 7
    assert k.nodes["kiosk-1"].fw == "0.1.0" and k.skipped == 6


def test_a_node_set_to_another_till_is_refused(link, caplog):
    pty, k = link
    pty.write(line({"v": 1, "kind": "scan", "node": "kiosk-9", "till": "till-2", "seq": 1, "code": "123"}))
    assert k.read(0.3) is None
    assert k.drops["bad message"] == 1
    assert "is set to till 'till-2', this gateway serves 'till-1'" in caplog.text


def test_bad_json_objects_are_dropped(link):
    pty, k = link
    pty.write(b'{"kind": "scan", "node": "kiosk-1"\r\n')
    pty.write(line({"kind": "scan", "node": "kiosk-1", "seq": "x", "code": "1"}))
    pty.write(line({"kind": "reboot", "node": "kiosk-1"}))
    assert k.read(0.3) is None and k.drops["bad message"] == 3


def test_result_and_screen_go_out_as_json_lines_without_ctrl_c_or_d(link):
    pty, k = link
    k.send_result(7, "none", "Hello Anna")
    k.send_screen(["Thank you!", "ctrl \x03 and \x04 stay escaped", "x" * 100], timeout_s=5)
    data = pty.read_available()
    assert b"\x03" not in data and b"\x04" not in data
    first, second = [json.loads(x) for x in data.splitlines()]
    assert first == {"kind": "result", "seq": 7, "mode": "none", "greeting": "Hello Anna"}
    assert second["kind"] == "screen" and second["timeout_s"] == 5 and second["lines"][0] == "Thank you!"
    assert len(second["lines"][2]) == km.MAX_LINE_LEN


def test_the_node_firmware_accepts_what_the_gateway_sends():
    """The firmware's own parser (firmware/lib/kiosk/protocol.py) reads our result and screen lines."""
    import sys
    from pathlib import Path
    lib = str(Path(__file__).resolve().parents[3] / "firmware" / "lib")
    sys.path.insert(0, lib)
    try:
        from kiosk import protocol
        r = protocol.decode(km.encode_line(km.result(3, "qr", None)))
        s = protocol.decode(km.encode_line(km.screen(["a", "b"], 2)))
    finally:
        sys.path.remove(lib)
    assert r["mode"] == "qr" and r["seq"] == 3 and s["lines"] == ["a", "b"]


def test_result_refuses_an_unknown_mode():
    with pytest.raises(ValueError):
        km.result(1, "email", None)
