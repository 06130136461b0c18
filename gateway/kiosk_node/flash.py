"""The exact mpremote steps that put the kiosk node's files on a board."""

from __future__ import annotations

import glob
import os
import shutil
from dataclasses import dataclass
from pathlib import Path

from gateway.kiosk_node.files import LIB_PACKAGE, ROOT_FILES, deploy_files

RUNTIME_NOTES = {
    "pico-w": [
        "MicroPython itself (once per board): hold BOOTSEL, plug the Pico W in, and copy",
        "  RPI_PICO_W-<version>.uf2 (micropython.org/download/RPI_PICO_W) onto the RPI-RP2 drive.",
        "  The board reboots into MicroPython and shows up as /dev/ttyACM0.",
    ],
    "esp32": [
        "MicroPython itself (once per board), with esptool (pip install esptool):",
        "  esptool --chip esp32 --port PORT erase-flash",
        "  esptool --chip esp32 --port PORT --baud 460800 write-flash 0x1000 ESP32_GENERIC-<version>.bin",
        "  (firmware from micropython.org/download/ESP32_GENERIC)",
    ],
}

# one line on purpose: mkdir only what is missing (mpremote's `fs mkdir` fails on existing folders)
MKDIRS = ('import os;"lib" in [e[0] for e in os.ilistdir()] or os.mkdir("lib");'
          '"kiosk" in [e[0] for e in os.ilistdir("lib")] or os.mkdir("lib/kiosk")')


@dataclass(frozen=True)
class Step:
    title: str
    argv: list[str]
    cwd: Path


def port_problem(port: str) -> str | None:
    """A message when `port` is a device path that does not exist (mpremote shortcuts pass)."""
    if not port.startswith("/"):
        return None
    if os.path.exists(port):
        return None
    return f"the port {port} does not exist"


def candidate_ports() -> list[str]:
    found = sorted(glob.glob("/dev/serial/by-id/*")) + sorted(glob.glob("/dev/ttyACM*")) \
        + sorted(glob.glob("/dev/ttyUSB*"))
    return found


def find_mpremote() -> str | None:
    return shutil.which("mpremote")


def plan(root: Path, port: str, mpremote: str = "mpremote", *, config: Path | None = None,
         install_umqtt: bool = True) -> list[Step]:
    base = [mpremote, "connect", port]
    files = deploy_files(root)
    lib = [str(f) for f in files if str(f).startswith(LIB_PACKAGE)]
    top = [str(f) for f in files if str(f) in ROOT_FILES]
    steps = [
        Step("make folders :lib/kiosk", base + ["exec", MKDIRS], root),
        Step(f"copy {len(lib)} library files to :lib/kiosk/", base + ["fs", "cp", *lib, ":lib/kiosk/"], root),
    ]
    if install_umqtt:
        steps.append(Step("install umqtt.simple (MQTT client) with mip",
                          base + ["mip", "install", "umqtt.simple"], root))
    if config is not None:
        steps.append(Step(f"copy {config} to :config.json", base + ["fs", "cp", str(config), ":config.json"],
                          root))
    steps += [
        Step(f"copy {', '.join(top)} to :", base + ["fs", "cp", *top, ":"], root),
        Step("reset the board (the kiosk starts)", base + ["reset"], root),
    ]
    return steps
