"""hardware/usb-gadget/printer-gadget.sh against a fake configfs/sysfs tree in a temp dir."""

from __future__ import annotations

import os
import subprocess
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[3]
SCRIPT = ROOT / "hardware" / "usb-gadget" / "printer-gadget.sh"
ID_1284 = "MFG:EPSON;CMD:ESC/POS;MDL:TM-T20II;CLS:PRINTER;DES:TM-T20II;"


@pytest.fixture
def tree(tmp_path):
    (tmp_path / "config" / "usb_gadget").mkdir(parents=True)
    (tmp_path / "udc" / "fe980000.usb").mkdir(parents=True)
    return tmp_path


def gadget(tree, *args, **env):
    e = {"PATH": os.environ["PATH"], "CONFIGFS_ROOT": str(tree / "config"), "UDC_ROOT": str(tree / "udc"),
         "SYSFS_ROOT": str(tree / "sys"), **env}
    return subprocess.run(["bash", str(SCRIPT), *args], capture_output=True, text=True, env=e, timeout=30)


def read(p: Path) -> str:
    return p.read_text()


def test_up_writes_the_cloned_identity_and_binds(tree):
    p = gadget(tree, "up", PRINTER_VID="04B8", PRINTER_PID="0x0e15", PRINTER_1284_ID=ID_1284,
               PRINTER_PRODUCT="TM-T20II", PRINTER_SERIAL="X5ZF012345")
    assert p.returncode == 0, p.stderr
    assert p.stdout == ("printer-gadget: up on fe980000.usb as 0x04b8:0x0e15 (EPSON TM-T20II); "
                        "the till prints to /dev/g_printer0\n")
    g = tree / "config" / "usb_gadget" / "receipt-printer"
    assert read(g / "idVendor") == "0x04b8\n" and read(g / "idProduct") == "0x0e15\n"
    assert read(g / "bcdUSB") == "0x0200\n"
    assert read(g / "strings" / "0x409" / "product") == "TM-T20II\n"
    assert read(g / "strings" / "0x409" / "serialnumber") == "X5ZF012345\n"
    assert read(g / "functions" / "printer.usb0" / "pnp_string") == ID_1284  # no newline: sent verbatim
    assert read(g / "functions" / "printer.usb0" / "q_len") == "10\n"
    link = g / "configs" / "c.1" / "printer.usb0"
    assert link.is_symlink() and link.resolve() == (g / "functions" / "printer.usb0").resolve()
    assert read(g / "configs" / "c.1" / "bmAttributes") == "0xc0\n"
    assert read(g / "UDC") == "fe980000.usb\n"


def test_up_twice_is_harmless(tree):
    assert gadget(tree, "up").returncode == 0
    again = gadget(tree, "up")
    assert again.returncode == 0 and again.stdout == "printer-gadget: receipt-printer is already up on fe980000.usb\n"


def test_status_and_down(tree):
    gadget(tree, "up")
    st = gadget(tree, "status")
    assert st.returncode == 0
    assert "ids:       0x04b8:0x0202" in st.stdout and "bound to:  fe980000.usb" in st.stdout
    down = gadget(tree, "down")
    assert down.returncode == 0
    g = tree / "config" / "usb_gadget" / "receipt-printer"
    assert read(g / "UDC") == "\n" and not (g / "configs" / "c.1" / "printer.usb0").exists()


@pytest.mark.parametrize("env, message, remedy", [
    ({"PRINTER_VID": "EPSON"}, "PRINTER_VID=EPSON is not a 16-bit hex id", "write it like 0x04b8"),
    ({"PRINTER_1284_ID": "CMD:ESC/POS;"}, "PRINTER_1284_ID has no MFG: field", "printer-gadget.sh clone"),
    ({"UDC": "nope.usb"}, "USB device controller nope.usb not found", "fe980000.usb"),
])
def test_bad_settings_are_refused_before_touching_configfs(tree, env, message, remedy):
    p = gadget(tree, "up", **env)
    assert p.returncode == 2
    assert p.stderr.startswith(f"printer-gadget: error: {message}")
    assert "  fix: " in p.stderr and remedy in p.stderr
    assert not (tree / "config" / "usb_gadget" / "receipt-printer").exists()


def test_no_controller_explains_dwc2(tree):
    (tree / "udc" / "fe980000.usb").rmdir()
    p = gadget(tree, "up")
    assert p.returncode == 2
    assert "no USB device controller" in p.stderr and "dtoverlay=dwc2" in p.stderr


def test_clone_reads_the_real_printer_from_sysfs(tree):
    dev = tree / "sys" / "devices" / "platform" / "usb1" / "1-1.3"
    iface = dev / "1-1.3:1.0"
    iface.mkdir(parents=True)
    for name, value in {"idVendor": "04b8", "idProduct": "0e15", "bcdDevice": "0100",
                        "manufacturer": "EPSON", "product": "TM-T20II", "serial": "X5ZF012345"}.items():
        (dev / name).write_text(value + "\n")
    (iface / "ieee1284_id").write_text(ID_1284 + "\n")
    lp = tree / "sys" / "class" / "usbmisc" / "lp0"
    lp.mkdir(parents=True)
    (lp / "device").symlink_to(iface)
    p = gadget(tree, "clone")
    assert p.returncode == 0, p.stderr
    lines = p.stdout.splitlines()
    assert lines[0].startswith("# cloned from lp0")
    assert lines[1:] == ["PRINTER_VID=0x04b8", "PRINTER_PID=0x0e15", "PRINTER_BCD_DEVICE=0x0100",
                         f"PRINTER_1284_ID='{ID_1284}'", "PRINTER_MANUFACTURER='EPSON'",
                         "PRINTER_PRODUCT='TM-T20II'", "PRINTER_SERIAL='X5ZF012345'"]
    # the env file it prints drives `up` (as systemd's EnvironmentFile would)
    env = {k: v.strip("'") for k, v in (x.split("=", 1) for x in lines[1:])}
    assert gadget(tree, "up", **env).returncode == 0
    g = tree / "config" / "usb_gadget" / "receipt-printer"
    assert read(g / "idProduct") == "0x0e15\n" and read(g / "functions" / "printer.usb0" / "pnp_string") == ID_1284


def test_clone_without_a_printer(tree):
    p = gadget(tree, "clone")
    assert p.returncode == 2 and "no USB printer found" in p.stderr and "modprobe usblp" in p.stderr
