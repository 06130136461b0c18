"""`receipt-gateway scanner-test`: what a technician sees, and the exit code."""

from __future__ import annotations

import os
import sys
import threading
import time

import pytest

from gateway.cli import main
from gateway.cli import scanner_test as verb
from tests.unit.minimal_config import write_config

evdev = pytest.importorskip("evdev")
from gateway.scanner.fake_evdev import format_evtest, typed_events  # noqa: E402

CARD, BAD = "2400000000013", "2400000000012"
DEV = "/dev/input/by-id/usb-Honeywell_1900-event-kbd"
VALIDATES = verb.cards is not None   # card validation (gateway/scanner/cards.py) is merged


def config(tmp_path, scanner: str):
    return write_config(tmp_path / "gateway.toml", f"[scanner]\n{scanner}\n")


def recording(tmp_path, *codes, layout="be"):
    events = []
    for i, code in enumerate(codes):
        events += typed_events(code, layout, t0=1_700_000_000 + 2 * i)
    path = tmp_path / "scan.evtest"
    path.write_text(format_evtest(events))
    return path


def test_replayed_hid_scans_are_shown_with_the_card_masked(tmp_path, capsys):
    cfg = config(tmp_path, f'source = "evdev"\ndevice = "{DEV}"\nlayout = "be"')
    rc = main(["scanner-test", "--config", str(cfg), "--fake", str(recording(tmp_path, CARD, BAD))])
    out = capsys.readouterr().out
    assert f"HID scanner {DEV} (layout be, grabbed), replaying" in out
    assert "end of recording" in out
    if VALIDATES:
        assert "card OK    ***********13  (ean13)" in out and CARD not in out
        assert f"NOT A CARD '{BAD}': check digit" in out
        assert "2 scans; 1 valid card, 1 not a card" in out
    else:
        assert f"scan '{CARD}'" in out and "2 scans" in out
    assert rc == 0


def test_show_numbers_prints_the_card_in_full(tmp_path, capsys):
    cfg = config(tmp_path, f'source = "evdev"\ndevice = "{DEV}"\nlayout = "be"')
    main(["scanner-test", "--config", str(cfg), "--fake", str(recording(tmp_path, CARD)), "--show-numbers"])
    assert CARD in capsys.readouterr().out


def test_an_azerty_scanner_read_as_us_gets_a_layout_hint(tmp_path, capsys):
    cfg = config(tmp_path, f'source = "evdev"\ndevice = "{DEV}"\nlayout = "us"')
    rc = main(["scanner-test", "--config", str(cfg), "--fake", str(recording(tmp_path, CARD))])
    out = capsys.readouterr().out
    assert "'@$)))))))))!#'" in out
    assert f'hint: read as {CARD} if the scanner types in layout "fr" or "be": set [scanner] layout = "fr"' in out
    assert rc == (1 if VALIDATES else 0)


def test_a_half_scan_is_reported_as_dropped(tmp_path, capsys):
    half = typed_events("24000", "us", end=None)
    whole = typed_events(CARD, "us", t0=1_700_000_003)
    path = tmp_path / "half.evtest"
    path.write_text(format_evtest(half + whole))
    cfg = config(tmp_path, f'source = "evdev"\ndevice = "{DEV}"')
    main(["scanner-test", "--config", str(cfg), "--fake", str(path)])
    out = capsys.readouterr().out
    assert "dropped 1 half-scanned code" in out and "1 scan;" in out and "1 dropped" in out


def test_serial_recording_with_garbage_and_line_ends(tmp_path, capsys):
    rec = tmp_path / "serial.bin"
    rec.write_bytes(b"\xff\xfe\x00\x81\r\n" + CARD.encode() + b"\r\n" + BAD.encode() + b"\r")
    cfg = config(tmp_path, 'source = "serial"\ndevice = "/dev/serial/by-id/usb-Datalogic-if00"')
    rc = main(["scanner-test", "--config", str(cfg), "--fake", str(rec)])
    out = capsys.readouterr().out
    assert "serial scanner /dev/serial/by-id/usb-Datalogic-if00 at 9600 baud" in out
    assert "dropped 1 line of garbage (wrong baud rate?)" in out
    assert "2 scans" in out and rc == 0


def test_kiosk_node_over_usb_recording_shows_scans_and_buttons(tmp_path, capsys):
    rec = tmp_path / "kiosk.bin"
    rec.write_bytes(b"MicroPython v1.23.0; Raspberry Pi Pico W with RP2040\r\n>>> \r\n"
                    b'{"v":1,"kind":"scan","node":"kiosk-1","till":"till-1","seq":1,"code":"2400000000013"}\r\n'
                    b'{"v":1,"kind":"button","node":"kiosk-1","till":"till-1","seq":2,"button":"print_anyway","ref":1}\n')
    cfg = config(tmp_path, 'source = "kiosk"\nkiosk_link = "serial"\ndevice = "/dev/receipt-gateway/kiosk"')
    rc = main(["scanner-test", "--config", str(cfg), "--fake", str(rec)])
    out = capsys.readouterr().out
    assert "kiosk node (kiosk-serial:/dev/receipt-gateway/kiosk)" in out
    assert "button print_anyway from kiosk:kiosk-1 (answers scan 1)" in out
    assert "1 scan;" in out and "1 button press" in out and rc == 0


def test_live_serial_scanner_on_a_pty_stops_after_count(tmp_path, capsys):
    from tests.unit.scanner.ptys import Pty
    pty = Pty()
    cfg = config(tmp_path, f'source = "serial"\ndevice = "{pty.name}"')
    t = threading.Timer(0.3, pty.write, args=(CARD.encode() + b"\n",))
    t.start()
    try:
        rc = main(["scanner-test", "--config", str(cfg), "--count", "1", "--timeout", "10"])
    finally:
        t.join()
        pty.close()
    out = capsys.readouterr().out
    assert "stops after 1 scans" in out and "1 scan" in out and rc == 0


def test_nothing_scanned_before_the_timeout(tmp_path, capsys):
    from tests.unit.scanner.ptys import Pty
    pty = Pty()
    cfg = config(tmp_path, f'source = "serial"\ndevice = "{pty.name}"')
    try:
        t0 = time.monotonic()
        rc = main(["scanner-test", "--config", str(cfg), "--timeout", "0.3"])
    finally:
        pty.close()
    assert time.monotonic() - t0 < 3
    out = capsys.readouterr().out
    assert "no more scans within 0.3 s" in out and "0 scans" in out and rc == 1


@pytest.mark.parametrize("scanner, args, message, fix", [
    ('source = "none"', [], "no scanner is configured in", 'add a [scanner] section: source = "evdev"'),
    (f'source = "evdev"\ndevice = "{DEV}"', ["--fake", "/nonexistent.evtest"], "no recording /nonexistent.evtest",
     "pass the file written by evtest"),
    ('source = "serial"\ndevice = "/dev/serial/by-id/usb-not-there"', [], "no serial device /dev/serial/by-id/usb-not-there",
     "plug the scanner in"),
    ('source = "kiosk"', ["--fake", __file__], "--fake replays HID (evtest) and serial recordings",
     "run the simulated node instead: python3 -m firmware.fakes.sim"),
])
def test_user_errors_say_what_to_do(tmp_path, capsys, scanner, args, message, fix):
    cfg = config(tmp_path, scanner)
    assert main(["scanner-test", "--config", str(cfg), *args]) == 2
    err = capsys.readouterr().err
    assert message in err and f"fix: {fix}" in err and "Traceback" not in err


def test_a_recording_without_events(tmp_path, capsys):
    empty = tmp_path / "empty.evtest"
    empty.write_text("Input driver version is 1.0.1\n")
    cfg = config(tmp_path, f'source = "evdev"\ndevice = "{DEV}"')
    assert main(["scanner-test", "--config", str(cfg), "--fake", str(empty)]) == 2
    assert "holds no evdev events" in capsys.readouterr().err


def test_without_the_evdev_module_the_error_says_how_to_install_it(tmp_path, capsys, monkeypatch):
    monkeypatch.setitem(sys.modules, "evdev", None)
    cfg = config(tmp_path, f'source = "evdev"\ndevice = "{DEV}"')
    assert main(["scanner-test", "--config", str(cfg)]) == 2
    err = capsys.readouterr().err
    assert "need the Python module evdev" in err and "pip install 'receipt-gateway[evdev]'" in err


def test_two_tills_sharing_one_scanner(tmp_path, capsys):
    real = tmp_path / "ttyACM0"
    real.write_text("")
    os.symlink(real, tmp_path / "usb-scanner")
    a = write_config(tmp_path / "till-1.toml", f'[scanner]\nsource = "serial"\ndevice = "{tmp_path}/usb-scanner"\n')
    write_config(tmp_path / "till-2.toml", f'[scanner]\nsource = "serial"\ndevice = "{real}"\n', till="till-2")
    assert main(["scanner-test", "--config", str(a)]) == 2
    err = capsys.readouterr().err
    assert "config error" in err and "also the scanner of till till-2" in err and "give each till its own scanner" in err
