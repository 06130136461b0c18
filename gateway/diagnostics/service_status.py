"""What the running service says about itself: `{data_dir}/status.json` (written every 2 s) and
the outbox SQLite file, both read-only.
"""

from __future__ import annotations

import json
import os
import sqlite3
import time
from dataclasses import dataclass, field
from pathlib import Path

STATUS_FILE = "status.json"
OUTBOX_FILE = "outbox.db"
STALE_S = 10.0  # the service rewrites status.json every 2 s


@dataclass
class ServiceState:
    running: bool
    problem: str = ""         # why we think it is not running ("" when it is)
    age_s: float | None = None
    status: dict = field(default_factory=dict)


def read_status(data_dir: str | Path, now: float | None = None) -> ServiceState:
    path = Path(data_dir) / STATUS_FILE
    now = time.time() if now is None else now
    try:
        age = now - path.stat().st_mtime
        status = json.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        return ServiceState(False, f"the service is not running (no {path})")
    except (OSError, ValueError) as exc:
        return ServiceState(False, f"cannot read {path}: {exc}")
    if not isinstance(status, dict):
        return ServiceState(False, f"{path} is not a status object")
    pid = status.get("pid")
    if isinstance(pid, int) and not pid_alive(pid):
        return ServiceState(False, f"the service is not running (pid {pid} from {path} is gone)", age, status)
    if age > STALE_S:
        return ServiceState(False, f"{path} was last written {age:.0f} s ago: the service is stopped or hung",
                            age, status)
    return ServiceState(True, "", age, status)


def pid_alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True  # it exists, run by another user (receipt-gw)
    return True


def outbox_counts(data_dir: str | Path, now: float | None = None) -> dict | None:
    """{"pending", "published", "confirmed", "depth", "oldest_unconfirmed_s"} from the outbox, read-only;
    None when there is no outbox yet. Raises sqlite3.Error / OSError when it cannot be read."""
    path = Path(data_dir) / OUTBOX_FILE
    if not path.exists():
        return None
    now = time.time() if now is None else now
    # No WAL file: everything is in the main file; `immutable` reads it without creating -wal/-shm
    # files (which, made by root, the service could not open later). With a WAL (the service is running
    # or was killed), a read-only connection uses the service's own -shm.
    wal = path.with_name(path.name + "-wal").exists()
    db = sqlite3.connect(f"file:{path}?{'mode=ro' if wal else 'immutable=1'}", uri=True, timeout=2)
    try:
        rows = db.execute("SELECT state, COUNT(*), MIN(created) FROM receipts GROUP BY state").fetchall()
    finally:
        db.close()
    counts = {"pending": 0, "published": 0, "confirmed": 0}
    oldest = None
    for state, n, created in rows:
        counts[state] = n
        if state in ("pending", "published") and created is not None:
            oldest = created if oldest is None else min(oldest, created)
    counts["depth"] = counts["pending"] + counts["published"]
    counts["oldest_unconfirmed_s"] = None if oldest is None else round(now - oldest, 1)
    return counts
