"""Where the kiosk node's files are and which of them go onto the device."""

from __future__ import annotations

import os
from pathlib import Path

# copied to the device root; lib/kiosk/*.py go to :lib/kiosk/
ROOT_FILES = ("boot.py", "main.py", "board.py")
LIB_PACKAGE = "lib/kiosk"


class SourceMissing(Exception):
    pass


def source_dir(override: str | os.PathLike | None = None) -> Path:
    """The firmware/ folder: --source, $RG_FIRMWARE_DIR, or the one beside the gateway package."""
    candidates = [override, os.environ.get("RG_FIRMWARE_DIR"),
                  Path(__file__).resolve().parents[2] / "firmware"]
    for c in candidates:
        if c:
            p = Path(c)
            if (p / "main.py").is_file() and (p / LIB_PACKAGE).is_dir():
                return p
            if c is override or c == os.environ.get("RG_FIRMWARE_DIR"):
                raise SourceMissing(f"{p} is not a kiosk firmware folder (no main.py and {LIB_PACKAGE}/)")
    raise SourceMissing("the firmware/ folder is not next to this installation")


def deploy_files(root: Path) -> list[Path]:
    """Paths relative to `root`, in copy order: the library first, main.py last."""
    lib = sorted(p.relative_to(root) for p in (root / LIB_PACKAGE).glob("*.py"))
    return lib + [Path(f) for f in ROOT_FILES if (root / f).is_file()]
