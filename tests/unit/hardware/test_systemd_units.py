"""hardware/systemd units: required keys (INI parse) and `systemd-analyze verify` when present."""

from __future__ import annotations

import configparser
import shutil
import subprocess
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[3]
UNITS = ROOT / "hardware" / "systemd"
MAIN = UNITS / "receipt-gateway.service"


def parse(path: Path) -> dict[str, dict[str, list[str]]]:
    """systemd unit -> {section: {key: [values...]}} (keys repeat, e.g. DeviceAllow)."""
    out: dict[str, dict[str, list[str]]] = {}
    section = None
    for no, raw in enumerate(path.read_text().splitlines(), 1):
        line = raw.strip()
        if not line or line[0] in "#;":
            continue
        if line.startswith("["):
            assert line.endswith("]"), f"{path.name}:{no}: bad section header"
            section = line[1:-1]
            out.setdefault(section, {})
            continue
        assert section, f"{path.name}:{no}: key before any [section]"
        key, sep, value = line.partition("=")
        assert sep and key.strip() == key and key, f"{path.name}:{no}: not Key=value: {line!r}"
        out[section].setdefault(key, []).append(value)
    return out


def one(unit, section, key):
    values = unit[section][key]
    assert len(values) == 1, f"{key} set {len(values)} times"
    return values[0]


def test_service_is_a_watched_notify_service_with_a_dedicated_user():
    u = parse(MAIN)
    assert one(u, "Service", "Type") == "notify"
    assert int(one(u, "Service", "WatchdogSec")) >= 10
    assert one(u, "Service", "Restart") == "on-failure"
    assert one(u, "Service", "User") == "receipt-gw"
    assert set(one(u, "Service", "SupplementaryGroups").split()) >= {"dialout", "input"}
    assert "--config /etc/receipt-gateway/gateway.toml" in one(u, "Service", "ExecStart")
    assert one(u, "Service", "ExecReload") == "/bin/kill -HUP $MAINPID"   # `run` reloads its config on SIGHUP
    assert one(u, "Install", "WantedBy") == "multi-user.target"


def test_service_is_hardened_and_writes_only_its_data_dir():
    s = parse(MAIN)["Service"]
    for key, value in {"ProtectSystem": "strict", "ReadWritePaths": "/var/lib/receipt-gateway",
                       "NoNewPrivileges": "yes", "PrivateTmp": "yes", "ProtectHome": "yes",
                       "DevicePolicy": "closed", "CapabilityBoundingSet": ""}.items():
        assert s[key] == [value], key
    allowed = s["DeviceAllow"]
    for dev in ("char-ttyUSB rw", "char-ttyACM rw", "char-input r", "/dev/g_printer0 rw"):
        assert dev in allowed


def test_every_unit_parses_with_a_plain_ini_reader_too():
    for path in UNITS.glob("*.service"):
        cp = configparser.ConfigParser(strict=False, interpolation=None)
        cp.optionxform = str  # type: ignore[assignment,method-assign]
        cp.read_string(path.read_text())
        assert cp.has_section("Unit") and cp.has_section("Service"), path.name


@pytest.mark.skipif(not shutil.which("systemd-analyze"), reason="systemd-analyze not installed")
@pytest.mark.parametrize("name", ["receipt-gateway.service", "receipt-gateway-gadget.service"])
def test_systemd_analyze_verify(tmp_path, name):
    # the programs live on the Pi, not here: point Exec lines at /bin/true so verify checks the rest
    text = (UNITS / name).read_text()
    text = text.replace("/opt/receipt-gateway/bin/receipt-gateway", "/bin/true")
    text = text.replace("/opt/receipt-gateway/hardware/usb-gadget/printer-gadget.sh", "/bin/true")
    text = text.replace("/sbin/modprobe", "/bin/true")
    unit = tmp_path / name
    unit.write_text(text)
    p = subprocess.run(["systemd-analyze", "verify", str(unit)], capture_output=True, text=True, timeout=60)
    mine = [x for x in (p.stdout + p.stderr).splitlines() if str(unit) in x or name in x]
    assert p.returncode == 0 and mine == [], "\n".join(mine)


@pytest.mark.skipif(not shutil.which("systemd-analyze"), reason="systemd-analyze not installed")
def test_systemd_analyze_catches_a_typo(tmp_path):
    text = MAIN.read_text().replace("/opt/receipt-gateway/bin/receipt-gateway", "/bin/true")
    unit = tmp_path / "receipt-gateway.service"
    unit.write_text(text.replace("WatchdogSec=", "WatchdogSecs="))
    p = subprocess.run(["systemd-analyze", "verify", str(unit)], capture_output=True, text=True, timeout=60)
    assert "Unknown key 'WatchdogSecs'" in p.stdout + p.stderr
