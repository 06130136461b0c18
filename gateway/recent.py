"""The last receipts' raw bytes and e-receipts, for the `reprint` and `print_qr` commands.

A small SQLite file `recent.db` in data_dir keeps the newest `keep` receipts (raw print
stream + e-receipt JSON), looked up by receipt_id or sequence. It is a convenience
copy, not the durable record (that is the outbox, written and fsynced first), so it
is written with `synchronous=NORMAL` and a failure here never stops a receipt.
"""

from __future__ import annotations

import json
import logging
import sqlite3
import threading
from pathlib import Path

log = logging.getLogger("gateway.recent")

_SCHEMA = """
CREATE TABLE IF NOT EXISTS recent (
    sequence   INTEGER PRIMARY KEY,
    receipt_id TEXT NOT NULL UNIQUE,
    raw        BLOB NOT NULL,
    receipt    BLOB NOT NULL
);
"""


class RecentReceipts:
    def __init__(self, data_dir: str | Path, keep: int = 200):
        self.keep = keep
        self.path = Path(data_dir) / "recent.db"
        self._lock = threading.Lock()
        self._adds = 0
        self._db: sqlite3.Connection | None = None
        if keep <= 0:
            return
        try:
            self.path.parent.mkdir(parents=True, exist_ok=True)
            try:
                self._db = self._open()
            except sqlite3.DatabaseError as exc:  # corrupt: it is only a cache, start a new one
                log.warning("recent receipts file %s unreadable (%s); starting a new one", self.path, exc)
                self.path.unlink(missing_ok=True)
                self._db = self._open()
        except (OSError, sqlite3.Error) as exc:  # the outbox will say loudly what is wrong with data_dir
            log.warning("cannot keep receipts for reprint in %s: %s", self.path, exc)
            self._db = None

    def _open(self) -> sqlite3.Connection:
        db = sqlite3.connect(self.path, isolation_level=None, check_same_thread=False)
        db.execute("PRAGMA journal_mode=WAL")
        db.execute("PRAGMA synchronous=NORMAL")
        db.executescript(_SCHEMA)
        return db

    def add(self, sequence: int, receipt_id: str, raw: bytes, receipt: dict) -> None:
        if self._db is None:
            return
        body = json.dumps(receipt, ensure_ascii=False, separators=(",", ":")).encode()
        try:
            with self._lock:
                self._db.execute("INSERT OR REPLACE INTO recent VALUES (?,?,?,?)", (sequence, receipt_id, raw, body))
                self._adds += 1
                if self._adds % 50 == 0 or self._adds == 1:
                    self._db.execute("DELETE FROM recent WHERE sequence <= ?", (sequence - self.keep,))
        except sqlite3.Error as exc:
            log.warning("could not keep receipt %s for reprint: %s", receipt_id, exc)

    def find(self, receipt_id: str | None = None, sequence: int | None = None) -> tuple[bytes, dict] | None:
        """(raw bytes, e-receipt) of a kept receipt; the newest one when neither key is given."""
        if self._db is None:
            return None
        if receipt_id is not None:
            sql, args = "SELECT raw, receipt FROM recent WHERE receipt_id = ?", (str(receipt_id),)
        elif sequence is not None:
            sql, args = "SELECT raw, receipt FROM recent WHERE sequence = ?", (int(sequence),)
        else:
            sql, args = "SELECT raw, receipt FROM recent ORDER BY sequence DESC LIMIT 1", ()
        with self._lock:
            row = self._db.execute(sql, args).fetchone()
        return (bytes(row[0]), json.loads(row[1])) if row else None

    def close(self) -> None:
        if self._db is not None:
            with self._lock:
                self._db.close()
            self._db = None
