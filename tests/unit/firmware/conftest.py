"""Kiosk node tests on CPython: firmware/lib and firmware/ on sys.path, fakes in sys.modules."""

from __future__ import annotations

import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[3]
FW = ROOT / "firmware"

for p in (str(ROOT), str(FW / "lib"), str(FW)):
    if p not in sys.path:
        sys.path.insert(0, p)

NODE_CFG = {
    "node_id": "kiosk-7",
    "till": "till-3",
    "board": "pico-w",
    "wifi": {"ssid": "shop", "password": "pw-123"},
    "mqtt": {"host": "192.168.4.1", "store": "store-042", "gateway": "gw-0001"},
    "validation": {"rules": [{"pattern": "2400#########", "check": "ean13"}]},
}


@pytest.fixture
def node_cfg():
    from kiosk import config

    return config.resolve(NODE_CFG)


@pytest.fixture
def hw():
    """The fake MicroPython modules, installed; `board`/`main` imported fresh against them."""
    from firmware import fakes

    mods = fakes.install()
    for name in ("board", "main"):
        sys.modules.pop(name, None)
    yield mods
    for name in ("board", "main"):
        sys.modules.pop(name, None)
    fakes.uninstall()


def ean13(body12: str) -> str:
    """body + its check digit."""
    total = sum(int(c) * (3 if i % 2 else 1) for i, c in enumerate(body12))
    return body12 + str((10 - total % 10) % 10)
