"""The example configs a technician copies pass the strict loader, one per till link."""

from __future__ import annotations

from pathlib import Path

import pytest

from gateway.config import ConfigError, load

ROOT = Path(__file__).resolve().parents[3]
EXAMPLES = ROOT / "hardware" / "config"


@pytest.mark.parametrize("name, link", [("tcp.toml", "tcp"), ("serial.toml", "serial"),
                                        ("usb-gadget.toml", "usb-gadget")])
def test_example_loads(name, link):
    cfg = load(EXAMPLES / name)
    assert cfg["till"]["link"] == link
    assert cfg["gateway"]["data_dir"] == "/var/lib/receipt-gateway"  # the unit's only writable path


def test_serial_example_uses_hardware_flow_control():
    cfg = load(EXAMPLES / "serial.toml")
    assert cfg["till"]["flow"] == "dsrdtr" and cfg["till"]["device"].startswith("/dev/serial/by-id/")


def test_a_typo_in_a_copied_example_is_named(tmp_path):
    bad = tmp_path / "gateway.toml"
    bad.write_text((EXAMPLES / "serial.toml").read_text().replace('flow = "dsrdtr"', 'flow = "dsr"', 1))
    with pytest.raises(ConfigError) as e:
        load(bad)
    assert "[till] flow" in str(e.value) and "dsrdtr" in str(e.value)


def test_hub_example_loads_and_its_rules_parse():
    from gateway.config.hub import load_hub
    from gateway.hub.ledger import Rules

    cfg = load_hub(EXAMPLES / "hub.toml")
    assert cfg["hub"]["database"] == "sqlite:///hub.db" and cfg["hub"]["listen"] == "127.0.0.1:8080"
    rules = Rules.from_section(cfg["loyalty_rules"])
    assert rules.category("Tabac blond 20") == "tobacco" and "tobacco" in rules.excluded_categories
