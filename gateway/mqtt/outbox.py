"""Durable outbox: every e-receipt is committed to SQLite before anyone tries to publish it.

A receipt is *captured* once `Outbox.add` returns: the row is in the WAL and fsynced
(`journal_mode=WAL`, `synchronous=FULL`). Rows move

    pending --(broker PUBACK)--> published --(hub ack on {p}/ack)--> confirmed --(retention)--> purged

A published row the hub has not confirmed within `republish_after_s` is due again, and at
every start published rows go back to pending: a PUBACK only means the broker has the
message in memory. Each row gets a per-gateway `sequence` (monotonic, never reused, kept
across restarts and even across a corrupt outbox thanks to a small reserved-block file)
so a consumer can deduplicate (by `receipt_id`) and notice gaps (and ask `resend`).

Failures are loud, never silent: a full outbox (`max_receipts` unconfirmed) or a full disk
raises `OutboxFull`; the caller keeps printing paper and reports the state. A corrupt file at
start is moved aside (`outbox.db.corrupt-<time>`), what can be read from it is salvaged, and
a new outbox is made; `Outbox.recovered` says what happened.
"""

from __future__ import annotations

import json
import logging
import os
import sqlite3
import threading
import time
from dataclasses import dataclass
from pathlib import Path

from ulid import ULID

log = logging.getLogger(__name__)

SEQUENCE_BLOCK = 1000  # sequences reserved on disk at a time (one extra fsync per block)

_SCHEMA = """
CREATE TABLE IF NOT EXISTS receipts (
    sequence   INTEGER PRIMARY KEY,
    receipt_id TEXT NOT NULL UNIQUE,
    topic      TEXT NOT NULL,
    payload    BLOB NOT NULL,
    state      TEXT NOT NULL DEFAULT 'pending',
    created    REAL NOT NULL,
    published  REAL,
    confirmed  REAL,
    attempts   INTEGER NOT NULL DEFAULT 0
);
CREATE INDEX IF NOT EXISTS receipts_state ON receipts(state, published);
CREATE TABLE IF NOT EXISTS meta (key TEXT PRIMARY KEY, value INTEGER NOT NULL);
"""


class OutboxError(Exception):
    """The outbox cannot take or hand out receipts; `reason` is a short code for the state topic."""

    def __init__(self, message: str, reason: str, remedy: str = ""):
        super().__init__(message)
        self.reason, self.remedy = reason, remedy


class OutboxFull(OutboxError):
    """A receipt was NOT captured: the outbox is at its limit or the disk is full."""


@dataclass(frozen=True)
class Row:
    sequence: int
    receipt_id: str
    topic: str
    payload: bytes
    state: str


@dataclass(frozen=True)
class Recovery:
    """What happened to a corrupt outbox found at start."""

    moved_to: str
    error: str
    salvaged: int


def _is_full(exc: BaseException) -> bool:
    if isinstance(exc, OSError) and exc.errno == 28:  # ENOSPC
        return True
    return getattr(exc, "sqlite_errorcode", None) == sqlite3.SQLITE_FULL


def _is_corrupt(exc: BaseException) -> bool:
    code = getattr(exc, "sqlite_errorcode", None)
    return code in (sqlite3.SQLITE_CORRUPT, sqlite3.SQLITE_NOTADB) or "malformed" in str(exc)


class Outbox:
    """The SQLite outbox of one gateway. Thread-safe (one connection behind a lock)."""

    def __init__(self, data_dir: str | Path, *, name: str = "outbox.db", max_receipts: int = 100_000,
                 max_mb: float = 0, retention_s: float = 7 * 86400, republish_after_s: float = 60.0,
                 alarm_fraction: float = 0.8, max_pages: int | None = None):
        self.dir = Path(data_dir)
        self.path = self.dir / name
        self.max_receipts = max_receipts
        self.retention_s = retention_s
        self.republish_after_s = republish_after_s
        self.alarm_fraction = alarm_fraction
        self.refused = 0               # receipts refused since start (disk full / outbox full)
        self.last_error: OutboxError | None = None
        self.recovered: Recovery | None = None
        self._lock = threading.RLock()
        self._seq_file = self.dir / (name + ".seq")
        try:
            self.dir.mkdir(parents=True, exist_ok=True)
        except OSError as exc:
            raise OutboxError(f"cannot create the data directory {self.dir}: {exc.strerror}", "data_dir",
                              "create it and give the service user write access, or set [gateway] data_dir") from None
        self._max_pages = max_pages
        if max_mb and not max_pages:
            self._max_pages = int(max_mb * 1024 * 1024 // 4096)
        self._db = self._open()
        self._reserved = self._read_reserved()
        self._init_sequence()
        with self._lock:
            # a PUBACK before a restart proves nothing: republish everything unconfirmed
            self._db.execute("UPDATE receipts SET state='pending' WHERE state='published'")
            self._depth = self._db.execute(
                "SELECT count(*) FROM receipts WHERE state != 'confirmed'").fetchone()[0]

    # ---- opening, corruption ------------------------------------------------------------
    def _connect(self, path: Path) -> sqlite3.Connection:
        db = sqlite3.connect(path, isolation_level=None, check_same_thread=False, timeout=30)
        db.execute("PRAGMA journal_mode=WAL")
        db.execute("PRAGMA synchronous=FULL")
        db.execute("PRAGMA page_size=4096")
        if self._max_pages:
            db.execute(f"PRAGMA max_page_count={int(self._max_pages)}")
        return db

    def _open(self) -> sqlite3.Connection:
        db = None
        try:
            db = self._connect(self.path)
            check = db.execute("PRAGMA quick_check").fetchone()[0]
            if check != "ok":
                raise sqlite3.DatabaseError(f"integrity check failed: {check}")
            db.executescript(_SCHEMA)
            return db
        except sqlite3.DatabaseError as exc:
            if db is not None:
                db.close()
            if not (_is_corrupt(exc) or "integrity check" in str(exc)):
                if _is_full(exc):
                    raise OutboxFull(f"cannot open the outbox {self.path}: the disk is full", "disk_full",
                                     "free space on the data_dir file system") from None
                raise OutboxError(f"cannot open the outbox {self.path}: {exc}", "open_failed",
                                  "check the permissions and the file system of data_dir") from None
            return self._recover(str(exc))

    def _recover(self, error: str) -> sqlite3.Connection:
        stamp = time.strftime("%Y%m%dT%H%M%S")
        moved = self.path.with_name(f"{self.path.name}.corrupt-{stamp}")
        for suffix in ("", "-wal", "-shm"):
            src = Path(str(self.path) + suffix)
            if src.exists():
                os.replace(src, Path(str(moved) + suffix))
        log.error("outbox %s is corrupt (%s): moved it to %s and started a new one", self.path, error, moved)
        db = self._connect(self.path)
        db.executescript(_SCHEMA)
        salvaged = self._salvage(moved, db)
        self.recovered = Recovery(str(moved), error, salvaged)
        return db

    def _salvage(self, corrupt: Path, db: sqlite3.Connection) -> int:
        """Copy the unconfirmed rows that can still be read from the corrupt file."""
        rows = []
        try:
            old = sqlite3.connect(f"file:{corrupt}?mode=ro", uri=True)
            try:
                cur = old.execute("SELECT sequence, receipt_id, topic, payload, created FROM receipts "
                                  "WHERE state != 'confirmed' ORDER BY sequence")
                while True:
                    try:
                        row = cur.fetchone()
                    except sqlite3.DatabaseError:
                        break
                    if row is None:
                        break
                    rows.append(row)
            finally:
                old.close()
        except sqlite3.DatabaseError:
            pass
        if rows:
            db.execute("BEGIN IMMEDIATE")
            db.executemany("INSERT OR IGNORE INTO receipts(sequence, receipt_id, topic, payload, created) "
                           "VALUES (?,?,?,?,?)", rows)
            db.execute("COMMIT")
        return len(rows)

    # ---- sequence -----------------------------------------------------------------------
    def _read_reserved(self) -> int:
        try:
            return int(self._seq_file.read_text().strip() or 0)
        except (FileNotFoundError, ValueError):
            return 0

    def _write_reserved(self, value: int) -> None:
        tmp = self._seq_file.with_name(self._seq_file.name + ".tmp")
        with open(tmp, "w") as f:
            f.write(f"{value}\n")
            f.flush()
            os.fsync(f.fileno())
        os.replace(tmp, self._seq_file)
        fd = os.open(self.dir, os.O_RDONLY)
        try:
            os.fsync(fd)
        finally:
            os.close(fd)
        self._reserved = value

    def _init_sequence(self) -> None:
        row = self._db.execute("SELECT value FROM meta WHERE key='next_sequence'").fetchone()
        top = self._db.execute("SELECT max(sequence) FROM receipts").fetchone()[0] or 0
        if row is None:
            # new (or recreated) outbox: never reuse a sequence the old file may have handed out
            nxt = max(top + 1, self._reserved + 1 if self._reserved else 1)
        else:
            nxt = max(row[0], top + 1)
        self._db.execute("INSERT OR REPLACE INTO meta(key, value) VALUES ('next_sequence', ?)", (nxt,))

    def meta_increment(self, key: str) -> int:
        """A durable counter (e.g. the MQTT session number); returns the new value."""
        with self._lock:
            self._db.execute("BEGIN IMMEDIATE")
            try:
                self._db.execute("INSERT OR IGNORE INTO meta(key, value) VALUES (?, 0)", (key,))
                self._db.execute("UPDATE meta SET value = value + 1 WHERE key=?", (key,))
                value = self._db.execute("SELECT value FROM meta WHERE key=?", (key,)).fetchone()[0]
                self._db.execute("COMMIT")
            except BaseException:
                self._db.execute("ROLLBACK")
                raise
            return value

    # ---- capture ------------------------------------------------------------------------
    def add(self, receipt: dict, topic: str) -> tuple[str, int]:
        """Capture one e-receipt (a dict); sets `receipt_id` (ULID, unless given) and `sequence`.

        Returns (receipt_id, sequence) once the row is durably committed.
        Raises OutboxFull when the receipt could NOT be captured.
        """
        with self._lock:
            if self._depth >= self.max_receipts:
                self.refused += 1
                err = OutboxFull(f"outbox full: {self._depth} receipts wait for the hub's ack (max_receipts = "
                                 f"{self.max_receipts}); this receipt was not captured", "outbox_full",
                                 "check the broker connection and that the hub acks; raise [outbox] max_receipts")
                self.last_error = err
                raise err
            receipt_id = str(receipt.get("receipt_id") or ULID())
            try:
                self._db.execute("BEGIN IMMEDIATE")
                seq = self._db.execute("SELECT value FROM meta WHERE key='next_sequence'").fetchone()[0]
                body = dict(receipt, receipt_id=receipt_id, sequence=seq)
                payload = json.dumps(body, ensure_ascii=False, separators=(",", ":")).encode()
                self._db.execute("INSERT INTO receipts(sequence, receipt_id, topic, payload, created) "
                                 "VALUES (?,?,?,?,?)", (seq, receipt_id, topic, payload, time.time()))
                self._db.execute("UPDATE meta SET value=? WHERE key='next_sequence'", (seq + 1,))
                if seq >= self._reserved:
                    self._write_reserved(seq + SEQUENCE_BLOCK)
                self._db.execute("COMMIT")
            except (sqlite3.Error, OSError) as exc:
                self._rollback()
                self.refused += 1
                if _is_full(exc):
                    err = OutboxFull(f"disk full: the outbox {self.path} cannot grow; this receipt was not captured",
                                     "disk_full", "free space on the data_dir file system (the paper receipt "
                                     "was printed)")
                else:
                    err = OutboxError(f"outbox write failed: {exc}; this receipt was not captured", "write_failed",
                                      "check the SD card / file system of data_dir")
                self.last_error = err
                raise err from None
            except BaseException:
                self._rollback()   # e.g. a value JSON cannot encode: nothing half-written stays open
                raise
            self._depth += 1
            self.last_error = None
            return receipt_id, seq

    def _rollback(self) -> None:
        try:
            self._db.execute("ROLLBACK")
        except sqlite3.Error:
            pass

    # ---- delivery -----------------------------------------------------------------------
    def due(self, limit: int = 100, exclude: set[int] | frozenset = frozenset(), now: float | None = None) -> list[Row]:
        """Rows to (re)publish: pending, or published but unconfirmed for republish_after_s."""
        now = time.time() if now is None else now
        with self._lock:
            cur = self._db.execute(
                "SELECT sequence, receipt_id, topic, payload, state FROM receipts "
                "WHERE state='pending' OR (state='published' AND published < ?) ORDER BY sequence LIMIT ?",
                (now - self.republish_after_s, limit + len(exclude)))
            rows = [Row(*r) for r in cur.fetchall() if r[0] not in exclude]
        return rows[:limit]

    def _write(self, sql: str, params: list[tuple]) -> int:
        with self._lock:
            try:
                self._db.execute("BEGIN IMMEDIATE")
                n = 0
                for p in params:
                    n += self._db.execute(sql, p).rowcount
                self._db.execute("COMMIT")
                return n
            except (sqlite3.Error, OSError):
                self._rollback()
                raise

    def mark_published(self, sequences: list[int], now: float | None = None) -> int:
        now = time.time() if now is None else now
        return self._write("UPDATE receipts SET state='published', published=?, attempts=attempts+1 "
                           "WHERE sequence=? AND state != 'confirmed'", [(now, s) for s in sequences])

    def confirm(self, receipt_ids: list[str], now: float | None = None) -> int:
        """The hub stored these durably; returns how many rows were newly confirmed."""
        now = time.time() if now is None else now
        ids = [str(i) for i in receipt_ids if isinstance(i, str)]
        with self._lock:
            n = self._write("UPDATE receipts SET state='confirmed', confirmed=? "
                            "WHERE receipt_id=? AND state != 'confirmed'", [(now, i) for i in ids])
            self._depth -= n
            return n

    def requeue(self, first: int, last: int) -> tuple[int, list[tuple[int, int]]]:
        """Make rows first..last due again (the `resend` command).

        Returns (rows queued, missing ranges): sequences no longer (or never) in this outbox.
        """
        if last < first:
            first, last = last, first
        with self._lock:
            have = [r[0] for r in self._db.execute(
                "SELECT sequence FROM receipts WHERE sequence BETWEEN ? AND ? ORDER BY sequence", (first, last))]
            self._write("UPDATE receipts SET state='pending' WHERE sequence BETWEEN ? AND ?", [(first, last)])
            self._depth = self._db.execute("SELECT count(*) FROM receipts WHERE state != 'confirmed'").fetchone()[0]
        missing, expect = [], first
        for s in have + [last + 1]:
            if s > expect:
                missing.append((expect, s - 1))
            expect = s + 1
        return len(have), missing

    def purge(self, now: float | None = None) -> int:
        """Delete confirmed rows older than the retention."""
        now = time.time() if now is None else now
        return self._write("DELETE FROM receipts WHERE state='confirmed' AND confirmed < ?",
                           [(now - self.retention_s,)])

    # ---- state --------------------------------------------------------------------------
    @property
    def depth(self) -> int:
        """Receipts not yet confirmed by the hub."""
        return self._depth

    @property
    def next_sequence(self) -> int:
        with self._lock:
            return self._db.execute("SELECT value FROM meta WHERE key='next_sequence'").fetchone()[0]

    def stats(self, now: float | None = None) -> dict:
        now = time.time() if now is None else now
        with self._lock:
            counts = dict(self._db.execute("SELECT state, count(*) FROM receipts GROUP BY state").fetchall())
            oldest = self._db.execute("SELECT min(created) FROM receipts WHERE state != 'confirmed'").fetchone()[0]
        size = sum(p.stat().st_size for p in (self.path, Path(str(self.path) + "-wal")) if p.exists())
        alarm = None
        if self.last_error is not None:
            alarm = self.last_error.reason
        elif self._depth >= self.alarm_fraction * self.max_receipts:
            alarm = "outbox_filling"
        return {
            "depth": self._depth,
            "pending": counts.get("pending", 0),
            "published": counts.get("published", 0),
            "confirmed": counts.get("confirmed", 0),
            "oldest_unconfirmed_s": round(now - oldest, 1) if oldest else 0.0,
            "next_sequence": self.next_sequence,
            "bytes": size,
            "refused": self.refused,
            "alarm": alarm,
        }

    def close(self) -> None:
        with self._lock:
            try:
                self._db.close()
            except sqlite3.Error:
                pass
