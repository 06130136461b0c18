"""The firmware type-checks against micropython-rp2-stubs (scripts/typecheck-firmware)."""

from __future__ import annotations

import importlib.util
import shutil
import subprocess

import pytest

from tests.unit.firmware.conftest import FW, ROOT

SCRIPT = ROOT / "scripts" / "typecheck-firmware"
pytestmark = pytest.mark.skipif(importlib.util.find_spec("mypy") is None, reason="mypy not installed")


def typecheck(folder):
    proc = subprocess.run([str(SCRIPT), str(folder)], capture_output=True, text=True, timeout=180)
    if proc.returncode == 3:
        pytest.skip(proc.stderr.strip())
    return proc


def test_shipped_firmware_type_checks():
    proc = typecheck(FW)
    assert proc.returncode == 0, proc.stdout + proc.stderr
    assert "typecheck-firmware: ok" in proc.stdout


def test_a_cpython_only_call_is_an_error(tmp_path):
    src = tmp_path / "firmware"
    shutil.copytree(FW, src, ignore=shutil.ignore_patterns("__pycache__"))
    board = src / "board.py"
    board.write_text(board.read_text().replace("return time.ticks_ms()", "return time.monotonic()"))
    line = next(i for i, t in enumerate(board.read_text().splitlines(), 1) if "time.monotonic()" in t)
    proc = typecheck(src)
    assert proc.returncode == 1
    assert proc.stdout.splitlines() == [f'board.py:{line}: error: Module has no attribute "monotonic"  [attr-defined]']
