"""Task pages point at files that exist; every shell script in hardware/ parses."""

from __future__ import annotations

import re
import subprocess
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[3]
PAGES = sorted((ROOT / "docs").glob("*.md")) + sorted((ROOT / "hardware").glob("*.md")) + [
    ROOT / "firmware" / "README.md", ROOT / "firmware" / "PROTOCOL.md", ROOT / "hardware" / "image" / "README.md"]
SCRIPTS = [p for p in (ROOT / "hardware").rglob("*") if p.is_file() and
           (p.suffix == ".sh" or p.read_bytes()[:20].startswith(b"#!/bin/bash") or
            p.read_bytes()[:30].startswith(b"#!/usr/bin/env bash"))]
REF = re.compile(r"`?((?:hardware|docs|firmware)/[\w./-]+\.(?:md|toml|sh|rules|service|json|example))`?")


def test_the_task_pages_exist():
    names = {p.name for p in (ROOT / "docs").glob("*.md")}
    assert {"flash-kiosk.md", "retrofit-ethernet.md", "retrofit-serial.md", "retrofit-usb.md",
            "troubleshooting.md"} <= names


@pytest.mark.parametrize("page", PAGES, ids=lambda p: str(p.relative_to(ROOT)))
def test_referenced_files_exist(page):
    for ref in REF.findall(page.read_text()):
        assert (ROOT / ref).exists(), f"{page.relative_to(ROOT)} mentions {ref}, which does not exist"


def test_scripts_found():
    names = {p.name for p in SCRIPTS}
    assert {"printer-gadget.sh", "01-run.sh", "prerun.sh", "receipt-gateway-firstboot"} <= names


@pytest.mark.parametrize("script", SCRIPTS, ids=lambda p: str(p.relative_to(ROOT)))
def test_shell_syntax(script):
    p = subprocess.run(["bash", "-n", str(script)], capture_output=True, text=True)
    assert p.returncode == 0, p.stderr
