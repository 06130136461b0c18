"""The devices a technician plugs in: serial ports, USB printers, input devices (scanners).

Listings only read sysfs and /dev (no device is opened); the roots are parameters so
the tests can point them at a small tree of their own.
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path

PRINTER_CLASS = "07"  # USB interface class "Printer"


@dataclass(frozen=True)
class Device:
    path: str          # the name to put in the config (a by-id link when there is one)
    target: str        # what it points at (/dev/ttyUSB0) or the same path
    description: str

    def line(self) -> str:
        extra = f" -> {self.target}" if self.target != self.path else ""
        return f"{self.path}{extra}  {self.description}".rstrip()


def _by_id(directory: Path) -> dict[str, str]:
    """{resolved target: by-id link path}."""
    links: dict[str, str] = {}
    if directory.is_dir():
        for link in sorted(directory.iterdir()):
            links.setdefault(os.path.realpath(link), str(link))
    return links


def serial_ports(dev_root: str = "/dev") -> list[Device]:
    """Serial ports pyserial finds, named by their /dev/serial/by-id link when they have one."""
    from serial.tools import list_ports

    by_id = _by_id(Path(dev_root) / "serial" / "by-id")
    out = []
    for port in sorted(list_ports.comports(), key=lambda p: p.device):
        desc = port.description if port.description and port.description != "n/a" else ""
        if port.vid is not None:
            desc = f"{desc} [{port.vid:04x}:{port.pid:04x}]".strip()
        link = by_id.get(os.path.realpath(port.device))
        out.append(Device(link or port.device, port.device, desc))
    return out


def usb_printers(sys_root: str = "/sys") -> list[Device]:
    """USB devices with a printer-class interface: from sysfs, or pyusb when sysfs has no USB tree."""
    base = Path(sys_root) / "bus" / "usb" / "devices"
    if not base.is_dir():
        return _usb_printers_pyusb()
    found = []
    for dev in sorted(base.iterdir()):
        vendor = _read(dev / "idVendor")
        if not vendor:
            continue
        classes = {_read(intf / "bInterfaceClass") for intf in dev.glob(f"{dev.name}:*")}
        if PRINTER_CLASS not in classes:
            continue
        product = _read(dev / "idProduct")
        name = " ".join(x for x in (_read(dev / "manufacturer"), _read(dev / "product")) if x)
        found.append(Device(f"usb {vendor}:{product}", f"usb {vendor}:{product}",
                            f"{name} (bus path {dev.name})".strip()))
    return found


def _usb_printers_pyusb() -> list[Device]:
    try:
        import usb.core
    except ImportError:
        return []
    found = []
    try:
        devices = list(usb.core.find(find_all=True))
    except Exception:  # no libusb backend
        return []
    for dev in devices:
        try:
            classes = {intf.bInterfaceClass for cfg in dev for intf in cfg}
        except Exception:
            continue
        if 7 in classes:
            ident = f"usb {dev.idVendor:04x}:{dev.idProduct:04x}"
            found.append(Device(ident, ident, "printer-class interface"))
    return found


def input_devices(dev_root: str = "/dev", sys_root: str = "/sys") -> list[Device]:
    """Input event devices, by their /dev/input/by-id names (what [scanner] device should say)."""
    by_id = _by_id(Path(dev_root) / "input" / "by-id")
    events = Path(dev_root) / "input"
    out = []
    seen = set()
    for target, link in sorted(by_id.items(), key=lambda kv: kv[1]):
        seen.add(target)
        out.append(Device(link, target, _input_name(sys_root, Path(target).name)))
    if events.is_dir():
        for node in sorted(events.glob("event*")):
            if os.path.realpath(node) not in seen:
                out.append(Device(str(node), str(node), _input_name(sys_root, node.name)))
    return out


def _input_name(sys_root: str, event: str) -> str:
    return _read(Path(sys_root) / "class" / "input" / event / "device" / "name")


def _read(path: Path) -> str:
    try:
        return path.read_text(encoding="utf-8", errors="replace").strip()
    except OSError:
        return ""
