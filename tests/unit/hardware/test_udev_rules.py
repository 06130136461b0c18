"""hardware/udev rules: every line parses as udev rule syntax with known keys and fitting operators."""

from __future__ import annotations

import re
import shutil
import subprocess
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[3]
RULES = sorted((ROOT / "hardware" / "udev").glob("*.rules"))

# keys from udev(7); match-only, assign-only, or both (ENV, TAG, ...)
MATCH = {"ACTION", "DEVPATH", "KERNEL", "KERNELS", "NAME", "SYMLINK", "SUBSYSTEM", "SUBSYSTEMS",
         "DRIVER", "DRIVERS", "ATTR", "ATTRS", "SYSCTL", "ENV", "CONST", "TAG", "TAGS", "TEST",
         "PROGRAM", "RESULT"}
ASSIGN = {"NAME", "SYMLINK", "OWNER", "GROUP", "MODE", "SECLABEL", "ATTR", "SYSCTL", "ENV", "TAG",
          "RUN", "LABEL", "GOTO", "IMPORT", "OPTIONS"}
WITH_ATTR = {"ATTR", "ATTRS", "SYSCTL", "ENV", "CONST", "TEST", "SECLABEL", "RUN", "IMPORT"}
TOKEN = re.compile(r'\s*(?P<key>[A-Z]+)(\{(?P<attr>[^}]+)\})?\s*(?P<op>==|!=|\+=|-=|:=|=)\s*"(?P<value>[^"]*)"\s*(,|$)')


def parse_line(line: str) -> list[tuple[str, str | None, str, str]]:
    pos, out = 0, []
    while pos < len(line):
        m = TOKEN.match(line, pos)
        if not m:
            raise ValueError(f"cannot parse from column {pos + 1}: {line[pos:]!r}")
        key, attr, op, value = m.group("key", "attr", "op", "value")
        if key not in MATCH | ASSIGN:
            raise ValueError(f"unknown key {key}")
        if key in WITH_ATTR and not attr:
            raise ValueError(f"{key} needs {{attribute}}")
        if op in ("==", "!=") and key not in MATCH:
            raise ValueError(f"{key} cannot be matched with {op}")
        if op not in ("==", "!=") and key not in ASSIGN:
            raise ValueError(f"{key} cannot be assigned with {op}")
        if key == "MODE" and not re.fullmatch(r"0[0-7]{3}", value):
            raise ValueError(f"MODE {value!r} is not octal like 0660")
        if key == "SYMLINK" and " " in value:
            raise ValueError("SYMLINK with a space makes two links")
        out.append((key, attr, op, value))
        pos = m.end()
    return out


def rule_lines(path: Path):
    for no, raw in enumerate(path.read_text().splitlines(), 1):
        line = raw.strip()
        if line and not line.startswith("#"):
            yield no, line


def test_there_are_rules():
    assert [p.name for p in RULES] == ["99-receipt-gateway.rules"]


@pytest.mark.parametrize("path", RULES, ids=lambda p: p.name)
def test_every_line_parses(path):
    for no, line in rule_lines(path):
        try:
            tokens = parse_line(line)
        except ValueError as exc:
            pytest.fail(f"{path.name}:{no}: {exc}")
        assert any(op in ("==", "!=") for _k, _a, op, _v in tokens), f"{path.name}:{no}: matches everything"
        assert any(op not in ("==", "!=") for _k, _a, op, _v in tokens), f"{path.name}:{no}: assigns nothing"


def test_the_parser_catches_mistakes():
    for bad, why in [('KERNEL="ttyUSB0", GROUP="dialout"', "cannot be assigned"),
                     ('SUBSYSTEM=="tty", GRUOP="dialout"', "unknown key GRUOP"),
                     ('SUBSYSTEM=="tty" GROUP="dialout"', "cannot parse"),
                     ('SUBSYSTEM=="tty", MODE="660"', "not octal"),
                     ('ATTRS=="04b8", MODE="0660"', "needs {attribute}"),
                     ('OWNER=="x", MODE="0660"', "cannot be matched")]:
        with pytest.raises(ValueError, match=why):
            parse_line(bad)


def test_rules_cover_the_devices_the_gateway_opens():
    text = "\n".join(p.read_text() for p in RULES)
    assert 'SUBSYSTEM=="usb_printer_gadget", KERNEL=="g_printer[0-9]*", OWNER="receipt-gw"' in text
    assert 'ENV{ID_MM_DEVICE_IGNORE}="1"' in text  # ModemManager never talks to a printer port
    assert 'GROUP="input"' in text and 'SUBSYSTEM=="usbmisc"' in text


@pytest.mark.skipif(not shutil.which("udevadm"), reason="udevadm not installed")
def test_udevadm_verify_when_available(tmp_path):
    probe = subprocess.run(["udevadm", "verify", "--help"], capture_output=True, text=True)
    if probe.returncode != 0:
        pytest.skip("this udevadm has no `verify` (systemd < 253)")
    p = subprocess.run(["udevadm", "verify", *map(str, RULES)], capture_output=True, text=True)
    assert p.returncode == 0, p.stdout + p.stderr
