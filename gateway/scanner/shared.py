"""Configuration check: one scanner device serves one till.

A box can run one gateway per till (one config each). Two configs naming the same scanner,
even under different names (/dev/input/by-id/... and /dev/input/event3 are one device), would
make two gateways fight over it: a configuration error that names both files and both tills.
"""

from __future__ import annotations

import os
from pathlib import Path

from gateway.config.schema import ConfigError

DEVICE_SOURCES = ("evdev", "serial", "kiosk")


def device_of(cfg: dict) -> str | None:
    sc = cfg.get("scanner") or {}
    if sc.get("source") not in DEVICE_SOURCES or not sc.get("device"):
        return None
    if sc["source"] == "kiosk" and sc.get("kiosk_link") != "serial":
        return None
    return sc["device"]


def find_shared(configs: list[tuple[str, dict]]) -> list[tuple[str, str, str, str, str]]:
    """[(device, file A, till A, file B, till B)] for scanner devices named by two configs.

    Pure apart from resolving symlinks (os.path.realpath), so by-id and eventN names meet.
    """
    seen: dict[str, tuple[str, str]] = {}
    out = []
    for path, cfg in configs:
        dev = device_of(cfg)
        if dev is None:
            continue
        till = (cfg.get("gateway") or {}).get("till_id", "?")
        key = os.path.realpath(dev)
        if key in seen:
            out.append((dev, seen[key][0], seen[key][1], path, till))
        else:
            seen[key] = (path, till)
    return out


def check_not_shared(cfg: dict, config_path: str | None) -> None:
    """Raise ConfigError when another config beside this one uses the same scanner device."""
    if config_path is None or device_of(cfg) is None:
        return
    from gateway.config import load

    me = Path(config_path).resolve()
    configs: list[tuple[str, dict]] = [(str(config_path), cfg)]
    for other in sorted(me.parent.glob("*.toml")):
        if other.resolve() == me:
            continue
        try:
            configs.append((str(other), load(other)))
        except (ConfigError, OSError):
            continue   # not a gateway config (or broken: its own check-config says so)
    for dev, _file_a, till_a, file_b, till_b in find_shared(configs):
        raise ConfigError(
            f"the scanner {dev} is also the scanner of till {till_b} in {file_b}; two tills cannot "
            f"share one scanner (this config is for till {till_a})",
            file=str(config_path), section="scanner", key="device",
            remedy="give each till its own scanner: list them with `ls -l /dev/input/by-id/ "
                   "/dev/serial/by-id/` and set [scanner] device in each config")
