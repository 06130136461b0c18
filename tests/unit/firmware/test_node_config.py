"""config.json checks: the same code runs on the device and in `firmware config`."""

import json

import pytest
from kiosk import config

from tests.unit.firmware.conftest import FW, NODE_CFG


def test_defaults_and_board_pins_are_filled_in():
    cfg = config.resolve(NODE_CFG)
    assert cfg["mqtt"]["port"] == 1883 and cfg["mqtt"]["prefix"] == "receipts/v1"
    assert cfg["scanner"]["rx"] == 5 and cfg["buttons"]["paper"] == 14
    esp = config.resolve(dict(NODE_CFG, board="esp32"))
    assert esp["scanner"]["uart"] == 2 and esp["display"]["mosi"] == 23


def test_the_shipped_example_is_valid():
    cfg = config.loads((FW / "config.json").read_text())
    assert cfg["link"] == "wifi"


@pytest.mark.parametrize("change, problem", [
    ({"till": None}, "till: required"),
    ({"board": "esp8266"}, "board: 'esp8266' is not one of pico-w | esp32"),
    ({"mqtt": {"host": "h", "store": "s", "gateway": "g", "port": 70000}}, "mqtt.port: 70000 is not in 1..65535"),
    ({"mqtt": {"host": "h", "store": "s", "gateway": "g", "hots": 1}}, "mqtt.hots: unknown key"),
    ({"wifi": {"ssid": ""}}, "wifi.ssid: required when link is \"wifi\""),
    ({"node_id": "kiosk 7"}, "node_id: 'kiosk 7' must be 1-64 letters"),
    ({"watchdog_ms": 9000}, "watchdog_ms: 9000 must be 0 (off) or 1000..8000"),
    ({"buttons": {"debounce_ms": "30"}}, "buttons.debounce_ms: must be a whole number, not '30'"),
    ({"colour": "red"}, "colour: unknown key"),
])
def test_each_problem_names_the_key(change, problem):
    data = json.loads(json.dumps(NODE_CFG))
    for k, v in change.items():
        if v is None:
            data.pop(k)
        else:
            data[k] = v
    found = config.problems(data)
    assert any(p.startswith(problem) for p in found), found
    with pytest.raises(config.ConfigError):
        config.resolve(data)


def test_serial_link_needs_no_wifi():
    data = {k: v for k, v in NODE_CFG.items() if k != "wifi"}
    data["link"] = "serial"
    data["mqtt"] = {"store": "s", "gateway": "g"}
    assert config.problems(data) == []


def test_not_json():
    with pytest.raises(config.ConfigError, match="not valid JSON"):
        config.loads("{node_id: 1")
