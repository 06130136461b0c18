"""`{data_dir}/status.json`: what the running service is doing, for `receipt-gateway status`.

A thread writes the snapshot every `interval_s` and soon after `poke()` (a receipt, a
printer or broker change), atomically: a temporary file in the same directory, fsync,
then rename, so a reader never sees half a file. The layout is documented in
docs/status.md. `read_status(data_dir)` is the reader's side.
"""

from __future__ import annotations

import json
import logging
import os
import threading
from collections.abc import Callable
from pathlib import Path

log = logging.getLogger("gateway.status")

FILENAME = "status.json"


def write_atomic(path: Path, data: dict) -> None:
    tmp = path.with_name(f".{path.name}.{os.getpid()}.tmp")
    with open(tmp, "w", encoding="utf-8") as f:
        json.dump(data, f, ensure_ascii=False, indent=1)
        f.write("\n")
        f.flush()
        os.fsync(f.fileno())
    os.replace(tmp, path)


def read_status(data_dir: str | Path) -> dict | None:
    """The last snapshot the service wrote, None when there is none (or it cannot be read)."""
    try:
        return json.loads((Path(data_dir) / FILENAME).read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None


class StatusWriter:
    def __init__(self, data_dir: str | Path, snapshot: Callable[[], dict], interval_s: float = 2.0):
        self.path = Path(data_dir) / FILENAME
        self.snapshot, self.interval_s = snapshot, interval_s
        self.writes = 0
        self._poke = threading.Event()
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None
        self._failed = ""

    def start(self) -> StatusWriter:
        self._thread = threading.Thread(target=self._run, name="status-file", daemon=True)
        self._thread.start()
        return self

    def poke(self) -> None:
        """Something changed: write soon."""
        self._poke.set()

    def write(self) -> None:
        try:
            write_atomic(self.path, self.snapshot())
            self.writes += 1
            self._failed = ""
        except Exception as exc:  # noqa: BLE001 - a status file must never stop the service
            if str(exc) != self._failed:
                log.warning("cannot write %s: %s", self.path, exc)
            self._failed = str(exc)

    def _run(self) -> None:
        while not self._stop.is_set():
            self.write()
            self._poke.wait(self.interval_s)
            self._poke.clear()
            self._stop.wait(min(0.3, self.interval_s))  # a burst of changes: one write, not hundreds

    def stop(self, final: dict | None = None) -> None:
        self._stop.set()
        self._poke.set()
        if self._thread:
            self._thread.join(3)
        if final is not None:
            try:
                write_atomic(self.path, final)
            except OSError as exc:
                log.warning("cannot write %s: %s", self.path, exc)
