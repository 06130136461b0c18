"""Run the node's pure-logic self checks (kiosk/selftest.py) on CPython, in a child process."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

from gateway.kiosk_node.mpy import Problem

_RUNNER = """
import sys, traceback
sys.path.insert(0, sys.argv[1])
try:
    from kiosk import selftest
    failed = selftest.run()
except Exception as exc:
    tb = traceback.extract_tb(exc.__traceback__)[-1]
    print("CRASH", tb.filename, tb.lineno, type(exc).__name__ + ": " + str(exc))
    sys.exit(1)
sys.exit(1 if failed else 0)
"""


def run(root: Path) -> tuple[int, list[Problem]]:
    """(number of checks, problems); each problem points at the check's line."""
    lib = root / "lib"
    selftest = lib / "kiosk" / "selftest.py"
    text = selftest.read_text(encoding="utf-8")
    total = text.count("    yield ")
    proc = subprocess.run([sys.executable, "-c", _RUNNER, str(lib)], capture_output=True, text=True,
                          timeout=60)
    problems = []
    shown = f"{root.name}/lib/kiosk/selftest.py"
    for line in proc.stdout.splitlines():
        if line.startswith("FAIL "):
            name = line[5:]
            no = next((i for i, t in enumerate(text.splitlines(), 1) if f'yield "{name}"' in t), None)
            problems.append(Problem(shown, no, f"self check failed: {name}"))
        elif line.startswith("CRASH "):
            _, filename, lineno, msg = line.split(" ", 3)
            try:
                filename = f"{root.name}/{Path(filename).resolve().relative_to(root.resolve())}"
            except ValueError:
                pass
            problems.append(Problem(filename, int(lineno), msg))
    if proc.returncode != 0 and not problems:
        problems.append(Problem(shown, None, (proc.stderr.strip().splitlines() or ["crashed"])[-1]))
    return total, problems
