"""Device listings from a sysfs/dev tree, clock and data-dir findings: what doctor says about the box."""

from __future__ import annotations

import os
import subprocess
import sys
import time

from gateway.diagnostics.devices import input_devices, usb_printers
from gateway.diagnostics.system import (
    Finding,
    check_clock,
    check_data_dir,
    check_text_path,
    ntp_synchronized,
)


def _usb_device(root, name, vendor, product, classes, manufacturer="", product_name=""):
    dev = root / "bus" / "usb" / "devices" / name
    dev.mkdir(parents=True)
    (dev / "idVendor").write_text(vendor + "\n")
    (dev / "idProduct").write_text(product + "\n")
    if manufacturer:
        (dev / "manufacturer").write_text(manufacturer + "\n")
        (dev / "product").write_text(product_name + "\n")
    for n, cls in enumerate(classes):
        intf = dev / f"{name}:1.{n}"
        intf.mkdir()
        (intf / "bInterfaceClass").write_text(cls + "\n")


def test_usb_printers_are_the_printer_class_devices(tmp_path):
    _usb_device(tmp_path, "1-1.2", "04b8", "0e15", ["07"], "EPSON", "TM-T20II")
    _usb_device(tmp_path, "1-1.3", "0c2e", "0b61", ["03"], "Honeywell", "1900")  # a HID scanner
    (tmp_path / "bus" / "usb" / "devices" / "usb1").mkdir()  # a root hub without ids
    found = usb_printers(str(tmp_path))
    assert [d.line() for d in found] == ["usb 04b8:0e15  EPSON TM-T20II (bus path 1-1.2)"]


def test_input_devices_by_id_names_first(tmp_path):
    dev, sys_root = tmp_path / "dev", tmp_path / "sys"
    (dev / "input" / "by-id").mkdir(parents=True)
    for n in (0, 3):
        (dev / "input" / f"event{n}").write_text("")
        name = sys_root / "class" / "input" / f"event{n}" / "device"
        name.mkdir(parents=True)
        (name / "name").write_text(["Power Button", "", "", "Honeywell 1900"][n] + "\n")
    os.symlink("../event3", dev / "input" / "by-id" / "usb-Honeywell_1900-event-kbd")
    lines = [d.line() for d in input_devices(str(dev), str(sys_root))]
    assert lines == [f"{dev}/input/by-id/usb-Honeywell_1900-event-kbd -> {dev}/input/event3  Honeywell 1900",
                     f"{dev}/input/event0  Power Button"]


def test_clock_never_set():
    found = check_clock(now=86400 * 3, ntp="no")
    assert found[0].status == "fail" and "1970-01-0" in found[0].detail and "never set" in found[0].detail
    assert "timedatectl set-ntp true" in found[0].remedy
    assert (found[1].status, found[1].detail) == ("warn", "not synchronized with NTP")


def test_clock_fine_and_synchronized():
    found = check_clock(now=time.time(), ntp="yes")
    assert [f.status for f in found] == ["ok", "ok"] and found[1].detail == "synchronized with NTP"


def test_ntp_status_read_from_timedatectl(tmp_path, monkeypatch):
    tool = tmp_path / "timedatectl"
    tool.write_text("#!/bin/sh\n[ \"$*\" = 'show -p NTPSynchronized --value' ] && echo no\n")
    tool.chmod(0o755)
    monkeypatch.setenv("PATH", f"{tmp_path}:{os.environ['PATH']}")
    assert ntp_synchronized() == "no"
    monkeypatch.setenv("PATH", str(tmp_path / "empty"))
    assert ntp_synchronized() == "" and check_clock(ntp="")[-1].status == "info"


def test_data_dir_findings(tmp_path):
    found = check_data_dir(tmp_path)
    assert found[0].status == "ok" and found[1].detail.endswith("MB free")
    assert list(tmp_path.iterdir()) == []  # the probe file is gone
    assert check_data_dir(tmp_path / "missing")[0].status == "fail"
    (tmp_path / "file").write_text("")
    assert check_data_dir(tmp_path / "file")[0].detail.endswith("is not a directory")


def test_text_path_finding(monkeypatch):
    from gateway.printer import text_lines

    if text_lines.ACCELERATOR is not None:
        assert check_text_path() == [Finding("ok", "text path: C (gateway.printer._textpath)")]
    monkeypatch.setattr(text_lines.TextLines, "_fast", None)
    monkeypatch.setattr(text_lines, "_WHY_PURE", "C extension not built (no module named _textpath)")
    monkeypatch.delenv("RG_PURE_PYTHON", raising=False)
    (found,) = check_text_path()
    assert found.status == "warn" and "pure Python (C extension not built" in found.detail
    assert "apt-get install gcc python3-dev" in found.remedy and "pip install -e ." in found.remedy
    monkeypatch.setenv("RG_PURE_PYTHON", "1")
    assert check_text_path()[0].status == "info"


def test_rg_pure_python_switches_the_c_path_off():
    code = "from gateway.printer.text_lines import text_path; print(text_path())"
    env = {**os.environ, "RG_PURE_PYTHON": "1"}
    out = subprocess.run([sys.executable, "-c", code], env=env, capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "pure Python (RG_PURE_PYTHON is set)"
