"""systemd's notify protocol (sd_notify) without a dependency: READY=1, WATCHDOG=1, STATUS=.

hardware/systemd/receipt-gateway.service is Type=notify with WatchdogSec: `run` says
READY=1 once the till side listens and pings WATCHDOG=1 while the service is healthy.
Outside systemd ($NOTIFY_SOCKET unset) every call is a no-op returning False.
"""

from __future__ import annotations

import os
import socket


def notify(*fields: str) -> bool:
    """Send "KEY=value" fields to systemd; False when not run by systemd or on failure."""
    addr = os.environ.get("NOTIFY_SOCKET")
    if not addr or not fields:
        return False
    if addr[0] == "@":  # abstract namespace
        addr = "\0" + addr[1:]
    try:
        with socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM | socket.SOCK_CLOEXEC) as s:
            s.connect(addr)
            s.sendall("\n".join(fields).encode())
        return True
    except OSError:
        return False


def ready(status: str = "") -> bool:
    return notify("READY=1", *([f"STATUS={status}"] if status else []))


def watchdog() -> bool:
    return notify("WATCHDOG=1")


def reloading() -> bool:
    """RELOADING=1 with the monotonic time systemd (>= 253) wants; `ready()` ends the reload."""
    import time

    return notify("RELOADING=1", f"MONOTONIC_USEC={time.clock_gettime_ns(time.CLOCK_MONOTONIC) // 1000}")


def stopping() -> bool:
    return notify("STOPPING=1")


def watchdog_interval() -> float | None:
    """Seconds between pings (half of WatchdogSec), or None when systemd wants none."""
    usec = os.environ.get("WATCHDOG_USEC")
    pid = os.environ.get("WATCHDOG_PID")
    if not usec or (pid and pid != str(os.getpid())):
        return None
    try:
        return max(int(usec) / 2e6, 0.05)
    except ValueError:
        return None
