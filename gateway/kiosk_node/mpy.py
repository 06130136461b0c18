"""Compile firmware files with mpy-cross: what MicroPython's compiler refuses fails here."""

from __future__ import annotations

import re
import shutil
import subprocess
import tempfile
from dataclasses import dataclass
from pathlib import Path


@dataclass(frozen=True)
class Problem:
    path: str
    line: int | None
    message: str

    def __str__(self) -> str:
        where = f"{self.path}:{self.line}" if self.line else self.path
        return f"{where}: {self.message}"


def find_mpy_cross() -> str | None:
    return shutil.which("mpy-cross")


def compile_file(mpy_cross: str, src: Path, shown_as: str, out_dir: Path) -> Problem | None:
    out = out_dir / (src.stem + ".mpy")
    proc = subprocess.run([mpy_cross, "-o", str(out), "-s", shown_as, str(src)],
                          capture_output=True, text=True, timeout=60)
    if proc.returncode == 0:
        return None
    text = (proc.stderr or proc.stdout).strip()
    m = re.search(r'File "[^"]*", line (\d+)', text)
    last = text.splitlines()[-1] if text else f"mpy-cross exited with {proc.returncode}"
    return Problem(shown_as, int(m.group(1)) if m else None, last)


def compile_all(root: Path, files: list[Path], mpy_cross: str) -> list[Problem]:
    problems = []
    with tempfile.TemporaryDirectory() as tmp:
        for rel in files:
            p = compile_file(mpy_cross, root / rel, f"{root.name}/{rel}", Path(tmp))
            if p:
                problems.append(p)
    return problems
