"""[scanner] config: the kiosk keys, needed devices, and two tills sharing one scanner."""

from __future__ import annotations

import os

import pytest

from gateway.config import ConfigError, load
from gateway.scanner import open_source
from gateway.scanner.shared import find_shared
from tests.unit.minimal_config import write_config


def write(path, till="till-1", scanner='source = "none"'):
    return write_config(path, f"[scanner]\n{scanner}\n", till)


def test_kiosk_keys_have_defaults(tmp_path):
    cfg = load(write(tmp_path / "a.toml", scanner='source = "kiosk"'))
    sc = cfg["scanner"]
    assert sc["kiosk_link"] == "wifi" and sc["kiosk_broker"] == "mqtt://127.0.0.1:1883"
    assert sc["partial_timeout_s"] == 0.5 and sc["max_length"] == 128


@pytest.mark.parametrize("scanner, message", [
    ('source = "serial"', 'source = "serial" needs the option device'),
    ('source = "evdev"\nlayout = "azerty"', "'azerty' is not one of us | be | fr | de"),
    ('source = "kiosk"\nkiosk_link = "serial"', 'kiosk_link = "serial" needs the option device'),
    ('source = "kiosk"\nkiosk_broker = "tcp://x"', "does not have the expected form"),
    ('source = "serial"\ndevice = "/dev/ttyACM0"\npartial_timeout_s = 0', "below the minimum"),
])
def test_bad_scanner_config_names_the_problem(tmp_path, scanner, message):
    with pytest.raises(ConfigError) as e:
        load(write(tmp_path / "a.toml", scanner=scanner))
    assert message in str(e.value) and "[scanner]" in str(e.value)


def test_two_tills_sharing_one_scanner_is_a_config_error(tmp_path):
    real = tmp_path / "event3"
    real.write_text("")
    link = tmp_path / "usb-Honeywell_1900-event-kbd"
    os.symlink(real, link)
    etc = tmp_path / "etc"
    etc.mkdir()
    a = write(etc / "till-1.toml", "till-1", f'source = "evdev"\ndevice = "{link}"')
    write(etc / "till-2.toml", "till-2", f'source = "evdev"\ndevice = "{real}"')
    write(etc / "broken.toml", "till-3", "source = 12")   # another file's own problem is not ours
    with pytest.raises(ConfigError) as e:
        open_source(load(a))
    text = str(e.value)
    assert f"{a}:" in text and "[scanner] device:" in text
    assert "also the scanner of till till-2" in text and "till-2.toml" in text
    assert "fix: give each till its own scanner" in text


def test_different_scanners_and_kiosks_over_wifi_do_not_clash():
    cfgs = [("a", {"gateway": {"till_id": "1"}, "scanner": {"source": "serial", "device": "/dev/ttyACM0"}}),
            ("b", {"gateway": {"till_id": "2"}, "scanner": {"source": "serial", "device": "/dev/ttyACM1"}}),
            ("c", {"gateway": {"till_id": "3"}, "scanner": {"source": "kiosk", "kiosk_link": "wifi",
                                                            "device": "/dev/ttyACM0"}})]
    assert find_shared(cfgs) == []
    cfgs.append(("d", {"gateway": {"till_id": "4"}, "scanner": {"source": "kiosk", "kiosk_link": "serial",
                                                                "device": "/dev/ttyACM1"}}))
    assert find_shared(cfgs) == [("/dev/ttyACM1", "b", "2", "d", "4")]


def test_no_scanner_means_no_source(tmp_path):
    assert open_source(load(write(tmp_path / "a.toml"))) is None
