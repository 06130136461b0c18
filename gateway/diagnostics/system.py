"""The box itself: is the data dir writable with room to spare, is the clock right?"""

from __future__ import annotations

import os
import shutil
import subprocess
import time
from dataclasses import dataclass
from pathlib import Path

LOW_MB = 200     # below this the outbox may fill up during a long broker outage: warn
MIN_MB = 20      # below this receipts may not be captured: fail
MIN_YEAR = 2024  # a clock before this has never been set (a Pi has no battery-backed clock)


@dataclass(frozen=True)
class Finding:
    status: str  # ok | warn | fail | info
    detail: str
    remedy: str | None = None


def check_data_dir(path: str | Path) -> list[Finding]:
    p = Path(path)
    service = "sudo install -d -o receipt-gw -g receipt-gw -m 750"
    if not p.exists():
        return [Finding("fail", f"{p} does not exist", f"create it: `{service} {p}`")]
    if not p.is_dir():
        return [Finding("fail", f"{p} is not a directory", "set [gateway] data_dir to a directory")]
    probe = p / f".doctor-{os.getpid()}"
    try:
        with open(probe, "wb") as f:
            f.write(b"receipt-gateway doctor\n")
            f.flush()
            os.fsync(f.fileno())
    except OSError as exc:
        return [Finding("fail", f"cannot write in {p}: {exc.strerror}",
                        f"`sudo chown -R receipt-gw: {p}`; a read-only root? data_dir must be on the data "
                        "partition (hardware/readonly-root.md)")]
    finally:
        try:
            probe.unlink()
        except OSError:
            pass
    free_mb = shutil.disk_usage(p).free / 1e6
    found = [Finding("ok", f"{p} is writable")]
    if free_mb < MIN_MB:
        found.append(Finding("fail", f"only {free_mb:.0f} MB free on {p}",
                             "free space: old captures in data_dir, `journalctl --vacuum-size=50M`"))
    elif free_mb < LOW_MB:
        found.append(Finding("warn", f"{free_mb:.0f} MB free on {p}",
                             "free space: old captures in data_dir, `journalctl --vacuum-size=50M`"))
    else:
        found.append(Finding("ok", f"{free_mb:,.0f} MB free"))
    return found


def check_clock(now: float | None = None, ntp: str | None = None) -> list[Finding]:
    """`ntp`: timedatectl's NTPSynchronized value ("yes"/"no"), "" when it cannot say."""
    now = time.time() if now is None else now
    stamp = time.strftime("%Y-%m-%d %H:%M:%S %Z", time.localtime(now))
    year = time.gmtime(now).tm_year
    found = []
    if year < MIN_YEAR or year > 2100:
        found.append(Finding("fail", f"the clock says {stamp}: it was never set",
                             "connect the box to a network with NTP (`timedatectl set-ntp true`), or set it: "
                             "`sudo date -s 'YYYY-MM-DD HH:MM'`; receipts carry this time"))
    else:
        found.append(Finding("ok", f"{stamp}"))
    if ntp is None:
        ntp = ntp_synchronized()
    if ntp == "yes":
        found.append(Finding("ok", "synchronized with NTP"))
    elif ntp == "no":
        found.append(Finding("warn", "not synchronized with NTP",
                             "`sudo timedatectl set-ntp true`; let UDP port 123 out, or set [time] servers in "
                             "/etc/systemd/timesyncd.conf"))
    else:
        found.append(Finding("info", "NTP status unknown (timedatectl not available here)"))
    return found


def ntp_synchronized() -> str:
    try:
        out = subprocess.run(["timedatectl", "show", "-p", "NTPSynchronized", "--value"],
                             capture_output=True, text=True, timeout=5)
    except (OSError, subprocess.TimeoutExpired):
        return ""
    value = out.stdout.strip()
    return value if out.returncode == 0 and value in ("yes", "no") else ""


def check_text_path() -> list[Finding]:
    """Which decoder text path this install runs: the C extension or the pure-Python fallback."""
    from gateway.printer.text_lines import TextLines, text_path

    if TextLines._fast is not None:
        return [Finding("ok", f"text path: {text_path()}")]
    if os.environ.get("RG_PURE_PYTHON"):
        return [Finding("info", f"text path: {text_path()}")]
    return [Finding("warn", f"text path: {text_path()}; same receipts, text decodes ~4x slower",
                    "install a C compiler and the Python headers (`sudo apt-get install gcc python3-dev`), "
                    "then reinstall receipt-gateway (`pip install -e .` in a checkout)")]
