"""HID keyboard-wedge decoding from real evdev event sequences (evdev's InputEvent and ecodes)."""

from __future__ import annotations

import pytest

evdev = pytest.importorskip("evdev")
from evdev import InputEvent, ecodes  # noqa: E402

from gateway.scanner import keymaps  # noqa: E402
from gateway.scanner.evdev_source import EvdevScanner  # noqa: E402
from gateway.scanner.fake_evdev import FakeInputDevice, format_evtest, parse_evtest, typed_events  # noqa: E402
from gateway.scanner.source import ScannerError  # noqa: E402

CARD = "2400000000013"


def scan_all(events, layout, **kw):
    dev = FakeInputDevice(events)
    with EvdevScanner(dev.path, layout, device=dev, **kw) as s:
        assert dev.grabbed, "the scanner must be grabbed so keystrokes never reach a console"
        return [e.code for e in s], s


def key(t, name, value):
    return [InputEvent(int(t), int((t % 1) * 1e6), ecodes.EV_KEY, ecodes.ecodes[name], value),
            InputEvent(int(t), int((t % 1) * 1e6), ecodes.EV_SYN, ecodes.SYN_REPORT, 0)]


def test_key_codes_are_the_kernels():
    for name, code in keymaps.KEY_CODES.items():
        assert ecodes.ecodes[name] == code, name


@pytest.mark.parametrize("layout", ["us", "be", "fr", "de"])
def test_a_card_typed_in_each_layout_decodes_in_that_layout(layout):
    codes, _ = scan_all(typed_events(CARD, layout) + typed_events("0471-Ab", layout, t0=1_700_000_002), layout)
    assert codes == [CARD, "0471-Ab"]


def test_azerty_digits_are_shifted_keys_and_read_wrong_as_us():
    events = typed_events(CARD, "be")
    shifted = [e for e in events if e.type == ecodes.EV_KEY and e.code == ecodes.KEY_LEFTSHIFT and e.value == 1]
    assert len(shifted) == len(CARD)
    codes, _ = scan_all(events, "us")
    assert codes == ["@$)))))))))!#"]   # what a US-decoded AZERTY card looks like: shifted digits


def test_azerty_scanner_without_shift_types_accented_letters():
    # a scanner set to US sends the digit keys unshifted; on AZERTY they read as &é"'(...
    codes, _ = scan_all(typed_events("1234567890", "us"), "fr")
    assert codes == ["&é\"'(-è_çà"]


def test_de_swaps_y_and_z_and_shifted_digits():
    codes, _ = scan_all(typed_events("Zy!7", "de"), "de")
    assert codes == ["Zy!7"]
    ev = typed_events("z", "de")
    assert any(e.type == ecodes.EV_KEY and e.code == ecodes.KEY_Y for e in ev)


def test_altgr_characters():
    assert scan_all(typed_events("a@b", "be"), "be")[0] == ["a@b"]
    assert scan_all(typed_events("x@y€", "de"), "de")[0] == ["x@y€"]


def test_capslock_inverts_shift_for_letters_only():
    # the scanner presses Caps Lock first, then types "AB12" with its usual shifts
    events = typed_events("AB12", "us", capslock_first=True)
    assert scan_all(events, "us")[0] == ["ab12"]
    # Caps Lock already on at the device (its LED): same
    dev = FakeInputDevice(typed_events("Ab1", "us"), capslock=True)
    with EvdevScanner(dev.path, "us", device=dev) as s:
        assert [e.code for e in s] == ["aB1"]


def test_capslock_on_azerty_digit_row_keeps_shifted_digits():
    dev = FakeInputDevice(typed_events("2400", "fr"), capslock=True)
    with EvdevScanner(dev.path, "fr", device=dev) as s:
        assert [e.code for e in s] == ["2400"]


def test_tab_and_keypad_enter_end_a_code():
    codes, _ = scan_all(typed_events("123", "us", end="KEY_TAB") + typed_events("456", "us", end="KEY_KPENTER",
                                                                               t0=1_700_000_001), "us")
    assert codes == ["123", "456"]


def test_keypad_digits_and_alt_codes():
    t = 1_700_000_000.0
    events = key(t, "KEY_KP4", 1) + key(t, "KEY_KP4", 0)
    # Alt + 0 2 3 3 on the keypad = "é" (cp1252 233)
    events += key(t + .01, "KEY_LEFTALT", 1)
    for i, d in enumerate("0233"):
        events += key(t + .02 + i / 100, f"KEY_KP{d}", 1) + key(t + .02 + i / 100, f"KEY_KP{d}", 0)
    events += key(t + .07, "KEY_LEFTALT", 0) + key(t + .08, "KEY_ENTER", 1) + key(t + .08, "KEY_ENTER", 0)
    assert scan_all(events, "us")[0] == ["4é"]


def test_a_half_scan_is_dropped_after_a_pause_not_glued_to_the_next():
    half = typed_events("24000", "us", end=None)
    whole = typed_events(CARD, "us", t0=1_700_000_002.0)
    codes, s = scan_all(half + whole, "us")
    assert codes == [CARD]
    assert s.decoder.drops["partial"] == 1


def test_unknown_keys_make_the_code_visibly_wrong():
    t = 1_700_000_000.0
    events = key(t, "KEY_1", 1) + key(t, "KEY_1", 0) + key(t, "KEY_F5", 1) + key(t, "KEY_F5", 0)
    events += key(t, "KEY_ENTER", 1) + key(t, "KEY_ENTER", 0)
    assert scan_all(events, "us")[0] == ["1\ufffd"]


def test_overlong_noise_is_dropped():
    codes, s = scan_all(typed_events("1" * 300, "us") + typed_events("42", "us", t0=1_700_000_003), "us", max_length=64)
    assert codes == ["42"] and s.decoder.drops["overlong"] == 1


def test_key_repeat_and_bare_enter_give_nothing():
    t = 1_700_000_000.0
    events = key(t, "KEY_1", 1) + key(t, "KEY_1", 2) + key(t, "KEY_1", 0) + key(t, "KEY_ENTER", 1)
    events += key(t, "KEY_ENTER", 0) + key(t + .1, "KEY_ENTER", 1) + key(t + .1, "KEY_ENTER", 0)
    assert scan_all(events, "us")[0] == ["1"]


def test_scan_carries_source_and_first_key_time():
    dev = FakeInputDevice(typed_events(CARD, "us", t0=1_700_000_123.5))
    with EvdevScanner(dev.path, "us", device=dev) as s:
        scan = s.read(1)
    assert scan.source == "evdev:" + dev.path and abs(scan.ts - 1_700_000_123.5) < 0.01


def test_evtest_recording_round_trips():
    events = typed_events(CARD, "be")
    text = format_evtest(events)
    assert "type 1 (EV_KEY), code 42 (KEY_LEFTSHIFT), value 1" in text
    again = parse_evtest("Input driver version is 1.0.1\nTesting ... (interrupt to exit)\n" + text)
    assert [(e.sec, e.usec, e.type, e.code, e.value) for e in again] == \
           [(e.sec, e.usec, e.type, e.code, e.value) for e in events]


def test_a_device_grabbed_by_someone_else_is_a_clear_error():
    dev = FakeInputDevice([], busy=True)
    with pytest.raises(ScannerError) as e:
        EvdevScanner(dev.path, "us", device=dev)
    assert "already grabbed by another program" in e.value.message
    assert "another till" in e.value.remedy


def test_read_times_out_on_a_quiet_device():
    import os
    dev = FakeInputDevice([])
    os.read(dev.fd, 1)      # nothing pending: select waits
    with EvdevScanner(dev.path, "us", device=dev) as s:
        assert s.read(0.05) is None
