"""`receipt-gateway doctor [--config FILE] [--json]`: check the box, say how to fix what is wrong.

In order: the config (as `check-config --strict`), the devices plugged in (serial ports,
USB printers, input devices by their by-id names) and the ones the config names, the
printer (a real DLE EOT request and its answers), the broker (a real MQTT connect with
the configured credentials and TLS), the data dir (writable, free space), the clock
(year, NTP), the decoder (C text path or the pure-Python fallback). Exit 0 when nothing failed (warnings allowed), 1 otherwise, 2 when the
config cannot be read at all.
"""

from __future__ import annotations

import dataclasses
import json
import os
from pathlib import Path

DEFAULT_CONFIG = "/etc/receipt-gateway/gateway.toml"


def add_arguments(p) -> None:
    p.add_argument("--config", "-c", default=DEFAULT_CONFIG, help=f"config file (default {DEFAULT_CONFIG})")
    p.add_argument("--timeout", type=float, default=3.0, help="seconds to wait for the printer and the broker")
    p.add_argument("--json", action="store_true", help="print the results as JSON")


def run(args) -> int:
    from gateway.cli.report import Report

    report = Report(json_mode=args.json)
    cfg = check_config(report, args.config)
    check_devices(report, cfg)
    if cfg is not None:
        check_printer(report, cfg["printer"], args.timeout)
        check_broker(report, cfg, args.timeout)
        check_data_dir(report, cfg["gateway"]["data_dir"])
    check_clock(report)
    check_decoder(report)
    if args.json:
        print(json.dumps({"ok": report.failures == 0, "checks": report.results}, indent=2))
    else:
        report.summary("doctor")
    return report.exit_code


def check_config(report, path: str):
    from gateway.cli.check_config import validate_loaded
    from gateway.config import ConfigError, load

    report.heading(f"Config {path}")
    try:
        cfg = load(path)
    except ConfigError as exc:
        for problem in exc.problems:
            report.fail("config", problem.render().split("\n  fix: ")[0], problem.remedy)
        return None
    problems, _ = validate_loaded(cfg, strict=True)
    for problem in problems:
        report.fail("config", problem.render().split("\n  fix: ")[0], problem.remedy)
    if not problems:
        g = cfg["gateway"]
        report.ok("config", f"valid: gateway {g['id']}, store {g['store_id']}, till {g['till_id']}; "
                  f"till via {cfg['till']['link']}, printer via {cfg['printer']['link']}")
    return cfg


def check_devices(report, cfg) -> None:
    from gateway.diagnostics.devices import input_devices, serial_ports, usb_printers

    report.heading("Devices")
    for title, devices in (("serial ports", serial_ports()), ("USB printers", usb_printers()),
                           ("input devices", input_devices())):
        report.info(title, f"{len(devices)} found" if devices else "none found",
                    devices=[dataclasses.asdict(d) for d in devices])
        for dev in devices:
            report.line(dev.line())
    if cfg is None:
        return
    wanted = [("till", cfg["till"], cfg["till"]["link"] in ("serial", "usb-gadget")),
              ("printer", cfg["printer"], cfg["printer"]["link"] == "serial"),
              ("scanner", cfg.get("scanner") or {}, (cfg.get("scanner") or {}).get("source") in ("serial", "evdev"))]
    for name, section, uses_device in wanted:
        device = section.get("device")
        if not uses_device or not device:
            continue
        if os.path.exists(device):
            report.ok(f"{name} device", f"{device} is present")
        else:
            report.fail(f"{name} device", f"{device} is not present",
                        _device_remedy(name, section))


def _device_remedy(name: str, section: dict) -> str:
    if section.get("link") == "usb-gadget":
        return "set up the printer gadget (hardware/usb-gadget.md): `sudo systemctl status receipt-gateway-gadget`"
    if name == "scanner" and section.get("source") == "evdev":
        return "plug the scanner in; pick its name from the input devices above (ls -l /dev/input/by-id/)"
    return ("plug the adapter in; pick its name from the serial ports above "
            f"(ls -l /dev/serial/by-id/) and set [{name}] device")


def check_printer(report, printer_cfg: dict, timeout: float, name: str = "printer"):
    """Ask the configured printer for its status; report it. Returns the status or None."""
    from gateway.printer.links import printer_connector
    from gateway.printer.probe import NoAnswer, describe, probe
    from gateway.printer.transport import LinkUnavailable

    link = printer_cfg["link"]
    report.heading(f"Printer (link = {link})")
    if link == "none":
        report.info(name, "link = none: receipts are not printed, nothing to ask")
        return None
    if link == "file":
        target = Path(printer_cfg["path"])
        if os.access(target.parent, os.W_OK):
            report.ok(name, f"link = file: receipts are appended to {target}")
        else:
            report.fail(name, f"link = file: cannot write in {target.parent}", "set [printer] path to a writable place")
        return None
    where = {"tcp": printer_cfg.get("address"), "serial": printer_cfg.get("device"),
             "usb": f"usb {printer_cfg.get('usb_vendor', 0):04x}:{printer_cfg.get('usb_product', 0):04x}",
             "fake": "the built-in fake printer"}.get(link, link)
    try:
        with report.step(f"asking the printer at {where} for its status (DLE EOT)"):
            status = probe(printer_connector(printer_cfg), timeout)
    except LinkUnavailable as exc:
        report.fail(name, str(exc), exc.remedy or None)
        return None
    except NoAnswer as exc:
        report.fail(name, f"{where}: {exc}", exc.remedy)
        return None
    kind, text, remedy = describe(status)
    report.check(kind, name, f"{where} answers DLE EOT: {text}", remedy, **status.to_dict())
    return status


def check_broker(report, cfg, timeout: float) -> None:
    from gateway.config import ConfigError
    from gateway.diagnostics.broker_check import check_broker as connect
    from gateway.mqtt.broker import BrokerSettings

    report.heading("Broker")
    try:
        settings = BrokerSettings.from_section(cfg["mqtt"], cfg.path)
    except ConfigError as exc:
        report.fail("broker", exc.message, exc.remedy)
        return
    with report.step(f"connecting to {cfg['mqtt']['url']}"):
        result = connect(settings, f"{cfg['gateway']['id']}-doctor", timeout)
    report.check("ok" if result.ok else "fail", "broker", result.detail, result.remedy)


def check_data_dir(report, data_dir: str) -> None:
    from gateway.diagnostics.system import check_data_dir as findings

    report.heading("Data dir")
    for f in findings(data_dir):
        report.check(f.status, "data dir", f.detail, f.remedy)


def check_clock(report) -> None:
    from gateway.diagnostics.system import check_clock as findings

    report.heading("Clock")
    for f in findings():
        report.check(f.status, "clock", f.detail, f.remedy)


def check_decoder(report) -> None:
    from gateway.diagnostics.system import check_text_path as findings

    report.heading("Decoder")
    for f in findings():
        report.check(f.status, "decoder", f.detail, f.remedy)
