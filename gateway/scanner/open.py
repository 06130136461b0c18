"""The configured scanner source, from a gateway config."""

from __future__ import annotations

from gateway.scanner.shared import check_not_shared
from gateway.scanner.source import ScannerError, ScanSource


def open_source(cfg, *, config_path: str | None = None, device=None) -> ScanSource | None:
    """Open [scanner] of `cfg`; None when source = "none" (or no [scanner] section).

    `device` replaces the evdev device (a FakeInputDevice) or the serial port (for tests).
    """
    sc = cfg.get("scanner") or {}
    source = sc.get("source", "none")
    if source == "none":
        return None
    check_not_shared(cfg, config_path or getattr(cfg, "path", None))
    common = {"max_length": sc.get("max_length", 128)}
    if source == "evdev":
        from gateway.scanner.evdev_source import EvdevScanner

        return EvdevScanner(sc["device"], sc.get("layout", "us"), gap_s=sc.get("partial_timeout_s", 0.5),
                            device=device, **common)
    if source == "serial":
        from gateway.scanner.serial_source import SerialScanner

        return SerialScanner(sc["device"], sc.get("baudrate", 9600), port=device,
                             partial_timeout_s=sc.get("partial_timeout_s", 0.5), **common)
    if source == "kiosk":
        return _open_kiosk(cfg, sc, device)
    raise ScannerError(f"unknown scanner source {source!r}")


def _open_kiosk(cfg, sc: dict, device):
    gw = cfg.get("gateway") or {}
    if sc.get("kiosk_link") == "serial":
        from gateway.scanner.kiosk import KioskSerial

        return KioskSerial(sc["device"], sc.get("baudrate", 9600), till=gw.get("till_id"), port=device)
    from gateway.mqtt.broker import BrokerSettings
    from gateway.scanner.kiosk import KioskMqtt

    local = {"url": sc.get("kiosk_broker", "mqtt://127.0.0.1:1883"),
             "username": sc.get("kiosk_username", ""), "password_file": sc.get("kiosk_password_file", "")}
    settings = BrokerSettings.from_section(local, getattr(cfg, "path", None))
    prefix = sc.get("kiosk_topic_prefix") or (cfg.get("mqtt") or {}).get("topic_prefix", "receipts/v1")
    return KioskMqtt(settings, prefix=prefix, store=gw.get("store_id", ""), gateway=gw.get("id", ""),
                     till=gw.get("till_id", ""))
