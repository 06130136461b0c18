"""The strict config loader: what a technician sees for each kind of mistake."""

import pytest

from gateway.config import ConfigError, load

GOOD = """
[gateway]
id = "gw-0001"
store_id = "store-042"
till_id = "till-1"
data_dir = "/tmp/rg"

[till]
link = "tcp"
listen = "0.0.0.0:9100"

[printer]
link = "tcp"
address = "192.168.1.50:9100"
profile = "TM-T88V"

[mqtt]
url = "mqtt://localhost:1883"
"""


def write(tmp_path, text):
    p = tmp_path / "gateway.toml"
    p.write_text(text)
    return p


def test_good_config_resolves_with_defaults(tmp_path):
    cfg = load(write(tmp_path, GOOD))
    assert cfg["gateway"]["id"] == "gw-0001"
    assert cfg["printer"]["baudrate"] == 9600
    assert cfg["mqtt"]["topic_prefix"] == "receipts/v1"
    assert "scanner" not in cfg


def test_unknown_key_names_file_line_section_and_suggests(tmp_path):
    p = write(tmp_path, GOOD.replace('link = "tcp"\nlisten', 'lnk = "tcp"\nlisten'))
    with pytest.raises(ConfigError) as e:
        load(p)
    msg = str(e.value)
    assert f"{p}:9:" in msg
    assert "[lnk] is an invalid option for [till]. Did you mean [link]?" in msg


def test_bad_choice_lists_allowed_values(tmp_path):
    with pytest.raises(ConfigError) as e:
        load(write(tmp_path, GOOD.replace('link = "tcp"\nlisten', 'link = "tpc"\nlisten')))
    assert "'tpc' is not one of tcp | serial | usb-gadget. Did you mean [tcp]?" in str(e.value)


def test_number_out_of_range_names_limit(tmp_path):
    with pytest.raises(ConfigError) as e:
        load(write(tmp_path, GOOD + "\n[policy]\ncard_window_s = 1\n"))
    assert "[policy] card_window_s: 1 is below the minimum 5" in str(e.value)


def test_missing_required_section(tmp_path):
    with pytest.raises(ConfigError) as e:
        load(write(tmp_path, GOOD.split("[mqtt]")[0]))
    assert "the required section [mqtt] is missing" in str(e.value)


def test_link_needs_its_device(tmp_path):
    with pytest.raises(ConfigError) as e:
        load(write(tmp_path, GOOD.replace('link = "tcp"\nlisten = "0.0.0.0:9100"', 'link = "serial"')))
    assert 'link = "serial" needs the option device' in str(e.value)


def test_unknown_section_suggests(tmp_path):
    with pytest.raises(ConfigError) as e:
        load(write(tmp_path, GOOD + "\n[scaner]\nsource = 'serial'\n"))
    assert "[scaner] is not a known section. Did you mean [scanner]?" in str(e.value)


def test_broken_toml_gives_line(tmp_path):
    with pytest.raises(ConfigError) as e:
        load(write(tmp_path, GOOD + "\n[qr]\nurl_template = https://x\n"))
    assert "not valid TOML" in str(e.value)


def test_missing_file(tmp_path):
    with pytest.raises(ConfigError) as e:
        load(tmp_path / "nope.toml")
    assert "file not found" in str(e.value)
