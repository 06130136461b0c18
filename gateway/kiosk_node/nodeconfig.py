"""Build and check the node's config.json with the node's own checker (firmware/lib/kiosk/config.py)."""

from __future__ import annotations

import importlib
import json
import sys
from pathlib import Path
from types import ModuleType


def checker(root: Path) -> ModuleType:
    """The firmware's kiosk.config module, imported from `root`/lib."""
    lib = str(root / "lib")
    if lib not in sys.path:
        sys.path.insert(0, lib)
    return importlib.import_module("kiosk.config")


def parse_broker(value: str) -> tuple[str, int]:
    """'host' or 'host:port' (mqtt:// allowed) -> (host, port)."""
    v = value.removeprefix("mqtt://").rstrip("/")
    if v.startswith("mqtts://"):
        raise ValueError("the kiosk node speaks plain MQTT to the gateway's own broker on the shop LAN; "
                         "use mqtt://HOST:1883")
    host, _, port = v.rpartition(":") if ":" in v else (v, "", "1883")
    if not host or not port.isdigit():
        raise ValueError(f"{value!r} is not HOST or HOST:PORT")
    return host, int(port)


def build(*, node_id: str, till: str, store: str, gateway: str, board: str, link: str,
          broker: str | None, prefix: str, wifi_ssid: str | None, wifi_password: str | None,
          wifi_country: str | None, mqtt_user: str | None, mqtt_password: str | None,
          rules: list[dict] | None) -> dict:
    data: dict = {"node_id": node_id, "till": till, "board": board, "link": link,
                  "mqtt": {"prefix": prefix, "store": store, "gateway": gateway}}
    if broker:
        host, port = parse_broker(broker)
        data["mqtt"].update(host=host, port=port)
    if mqtt_user:
        data["mqtt"]["user"] = mqtt_user
    if mqtt_password:
        data["mqtt"]["password"] = mqtt_password
    if wifi_ssid or wifi_password or wifi_country:
        data["wifi"] = {"ssid": wifi_ssid or "", "password": wifi_password or ""}
        if wifi_country:
            data["wifi"]["country"] = wifi_country
    if rules:
        data["validation"] = {"rules": rules}
    return data


def check(root: Path, data: dict) -> list[str]:
    return checker(root).problems(data)


def dumps(data: dict) -> str:
    return json.dumps(data, indent=2) + "\n"
