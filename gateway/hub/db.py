"""The hub's storage: one SQLAlchemy Core code path for SQLite (embedded) and PostgreSQL (production).

    store = Store("sqlite:///hub.db", base_dir="/etc/receipt-gateway")   # relative to the config file
    store = Store("postgresql://hub@db/hub")                            # psycopg 3 driver
    store.migrate()                                                     # idempotent, versioned

URL convention (SQLAlchemy's): `sqlite:///rel/path.db` is relative to `base_dir` (the config
file's directory), `sqlite:////abs/path.db` is absolute; `postgresql://` means psycopg 3.
SQLite runs in WAL mode with synchronous=FULL: a commit is on disk when it returns, so the
ingest may ack after it. Writers take the write lock up front (BEGIN IMMEDIATE) so two writers
wait for each other instead of failing.

Times are ISO 8601 strings (UTC for the hub's own stamps; a receipt's `issued_at` as printed,
with its offset); amounts are decimal strings, summed with Decimal, never floats.
"""

from __future__ import annotations

import json
import os
import secrets
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from decimal import Decimal, InvalidOperation
from pathlib import Path

from sqlalchemy import (
    BigInteger,
    Column,
    Index,
    Integer,
    MetaData,
    String,
    Table,
    Text,
    bindparam,
    cast,
    create_engine,
    delete,
    event,
    func,
    or_,
    select,
    text,
    update,
)
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.engine import Engine, make_url
from sqlalchemy.exc import IntegrityError, OperationalError

from gateway.hub import gaps
from gateway.hub.ledger import Rules, expiring, expiry_entries, receipt_entries, signup_entries

MODES = ("paper", "qr", "none")
LEDGER_KINDS = ("earn", "redeem", "bonus", "expire", "adjust")

metadata = MetaData()

receipts = Table(
    "receipts", metadata,
    Column("receipt_id", String(32), primary_key=True),
    Column("access_token", String(128), nullable=False, unique=True),
    Column("gateway_id", String(64), nullable=False),
    Column("store_id", String(64), nullable=False),
    Column("till_id", String(64), nullable=False),
    Column("sequence", Integer),
    Column("receipt_number", String(64)),
    Column("issued_at", String(40)),
    Column("total", String(24)),
    Column("currency", String(3)),
    Column("card_hmac", String(64)),
    Column("account_id", String(32)),
    Column("body", Text, nullable=False),
    Column("received_at", String(40), nullable=False),
    Index("receipts_account", "account_id", "issued_at"),
    Index("receipts_number", "receipt_number", "issued_at"),
    Index("receipts_card", "card_hmac"),
)

gateways = Table(
    "gateways", metadata,
    Column("gateway_id", String(64), primary_key=True),
    Column("store_id", String(64), nullable=False),
    Column("high_sequence", Integer, nullable=False, default=0),
    Column("missing", Text, nullable=False, default="[]"),   # JSON [[from, to], ...] still expected
    Column("lost", Text, nullable=False, default="[]"),      # JSON [[from, to], ...] the gateway no longer has
    Column("last_seen", String(40)),
)

accounts = Table(
    "accounts", metadata,
    Column("account_id", String(32), primary_key=True),
    Column("email", String(254), unique=True),
    Column("mode", String(8), nullable=False, default="qr"),
    Column("locale", String(8), nullable=False, default="en"),
    Column("created_at", String(40), nullable=False),
    Column("greeting_name", String(80)),
)

cards = Table(
    "cards", metadata,
    Column("card_hmac", String(64), primary_key=True),
    Column("key_id", String(32), nullable=False),
    Column("account_id", String(32), nullable=False),
    Index("cards_account", "account_id"),
)

ledger = Table(
    "ledger", metadata,
    Column("entry_id", Integer, primary_key=True, autoincrement=True),
    Column("account_id", String(32), nullable=False),
    Column("ts", String(40), nullable=False),
    Column("kind", String(8), nullable=False),
    Column("points", Integer, nullable=False),
    Column("receipt_id", String(32)),
    Column("note", Text, nullable=False, default=""),
    Column("expires_at", String(40)),
    Index("ledger_account", "account_id", "entry_id"),
    Index("ledger_receipt", "receipt_id"),
    Index("ledger_expires", "expires_at"),   # the hourly expiry and the reminder list find their rows
)

login_tokens = Table(
    "login_tokens", metadata,
    Column("token_hash", String(128), primary_key=True),
    Column("account_id", String(32)),
    Column("email", String(254)),
    Column("card_hmac", String(64)),
    Column("code_hash", String(128)),
    Column("expires_at", String(40), nullable=False),
    Column("used", Integer, nullable=False, default=0),
)

rejected = Table(   # e-receipts that failed the schema: kept whole for repair, never in `receipts`
    "rejected", metadata,
    Column("entry_id", Integer, primary_key=True, autoincrement=True),
    Column("received_at", String(40), nullable=False),
    Column("topic", Text, nullable=False),
    Column("gateway_id", String(64)),
    Column("receipt_id", String(64)),
    Column("errors", Text, nullable=False),        # JSON list of 'path: message'
    Column("payload", Text, nullable=False),
)

schema_version = Table(
    "schema_version", metadata,
    Column("version", Integer, primary_key=True),
    Column("applied_at", String(40), nullable=False),
    Column("note", Text, nullable=False),
)

# Versioned migrations: (version, note, function(connection)). Append, never edit an applied one.
# Version 1 creates the tables above; a later version that adds a column must ALTER TABLE.
MIGRATIONS = [
    (1, "receipts, gateways, accounts, cards, ledger, login_tokens",
     lambda conn: metadata.create_all(conn, tables=[receipts, gateways, accounts, cards, ledger, login_tokens])),
    (2, "rejected: malformed e-receipts kept whole for repair",
     lambda conn: metadata.create_all(conn, tables=[rejected])),
    (3, "ledger_expires index: expiry and the reminder list without reading the whole ledger",
     lambda conn: _index(ledger, "ledger_expires").create(conn, checkfirst=True)),
]


def _index(table: Table, name: str) -> Index:
    return next(i for i in table.indexes if i.name == name)


_RECEIPT_COLUMNS = [c.name for c in receipts.columns]
_COLUMNS = [c for c in receipts.columns if c.name != "body"]
# the hot path of ingest into SQLite: one plain executemany, no per-row SQLAlchemy parameter processing
_SQLITE_INSERT = (f"INSERT INTO receipts ({', '.join(_RECEIPT_COLUMNS)}) "
                  f"VALUES ({', '.join('?' * len(_RECEIPT_COLUMNS))})")
_UPDATE_GATEWAY = (update(gateways).where(gateways.c.gateway_id == bindparam("gw"))
                   .values(store_id=bindparam("store_id"), high_sequence=bindparam("high_sequence"),
                           missing=bindparam("missing"), last_seen=bindparam("last_seen")))


# hot reads, built once (building a statement costs more than running it)
_BY_TOKEN = select(receipts).where(receipts.c.access_token == bindparam("token"))
_POINTS = (select(func.coalesce(func.sum(ledger.c.points), 0)).where(ledger.c.account_id == accounts.c.account_id)
           .scalar_subquery())
_CARD_PREFERENCE = (select(accounts.c.mode, accounts.c.locale, accounts.c.greeting_name, _POINTS.label("points_balance"))
                    .select_from(cards.join(accounts, cards.c.account_id == accounts.c.account_id))
                    .where(cards.c.card_hmac == bindparam("card")))
# an account with its balance (the sum of its ledger rows) in one query: every account page needs both
_ACCOUNT = select(accounts, _POINTS.label("points_balance")).where(accounts.c.account_id == bindparam("aid"))
_BALANCE = select(func.coalesce(func.sum(ledger.c.points), 0)).where(ledger.c.account_id == bindparam("aid"))
# totals per month, summed by the database in whole cents: an e-receipt's total has exactly two
# decimals (the schema's `amount`), so "12.35" -> 1235 is exact; no float, no row per receipt to Python
_MONTH = func.substr(receipts.c.issued_at, 1, 7)
_MONTHLY = (select(_MONTH.label("month"), func.count().label("n"),
                   func.sum(cast(func.replace(receipts.c.total, ".", ""), BigInteger)).label("cents"))
            .where(receipts.c.account_id == bindparam("aid")).group_by(_MONTH))
_LEDGER = select(ledger).where(ledger.c.account_id == bindparam("aid")).order_by(ledger.c.entry_id.desc())


def now_iso() -> str:
    return datetime.now(UTC).isoformat(timespec="milliseconds")


def _dec(value) -> Decimal | None:
    try:
        return Decimal(str(value)) if value is not None else None
    except InvalidOperation:
        return None


def resolve_url(url: str, base_dir: str | Path | None = None) -> str:
    """The SQLAlchemy URL to open: relative SQLite paths against `base_dir`, `postgresql://` -> psycopg 3."""
    u = make_url(url)
    if u.get_backend_name() == "sqlite":
        db = u.database or ""
        if db and db != ":memory:" and not db.startswith("file:") and not os.path.isabs(db):
            db = str(Path(base_dir or ".") / db)
        return u.set(database=db).render_as_string(hide_password=False)
    if u.drivername == "postgresql":
        u = u.set(drivername="postgresql+psycopg")
    return u.render_as_string(hide_password=False)


def make_engine(url: str, *, base_dir: str | Path | None = None, schema: str | None = None,
                pool_size: int = 8) -> Engine:
    """An engine for `url`; for PostgreSQL, `schema` (created when missing) holds the tables."""
    full = make_url(resolve_url(url, base_dir))
    if full.get_backend_name() == "sqlite":
        if full.database and full.database != ":memory:":
            Path(full.database).parent.mkdir(parents=True, exist_ok=True)
        engine = create_engine(full, connect_args={"timeout": 30, "check_same_thread": False},
                               pool_size=pool_size, max_overflow=pool_size)

        @event.listens_for(engine, "connect")
        def _on_connect(dbapi_conn, _record):
            dbapi_conn.isolation_level = None       # we emit BEGIN ourselves (see _on_begin)
            cur = dbapi_conn.cursor()
            cur.execute("PRAGMA journal_mode=WAL")
            cur.execute("PRAGMA synchronous=FULL")
            cur.execute("PRAGMA foreign_keys=OFF")
            cur.close()

        @event.listens_for(engine, "begin")
        def _on_begin(conn):
            # straight to the driver: through exec_driver_sql this BEGIN cost as much as the query after it
            conn.connection.driver_connection.execute(
                "BEGIN IMMEDIATE" if conn.get_execution_options().get("rg_write") else "BEGIN")

        return engine
    engine = create_engine(full, pool_size=pool_size, max_overflow=pool_size, pool_pre_ping=True)
    if schema:
        with engine.begin() as conn:
            conn.execute(text(f'CREATE SCHEMA IF NOT EXISTS "{schema}"'))
        engine = engine.execution_options(schema_translate_map={None: schema})
    return engine


@dataclass
class Incoming:
    """One e-receipt as it arrived: the parsed document, its JSON text and where the topic says it came from."""

    doc: dict
    body: str
    store_id: str
    gateway_id: str
    till_id: str


@dataclass
class Stored:
    """What one `insert_receipts` call did."""

    new: list[str] = field(default_factory=list)          # receipt ids stored now
    duplicates: list[str] = field(default_factory=list)   # already stored before (still to be acked)
    conflicts: list[str] = field(default_factory=list)    # an access_token another receipt has: refused


def receipt_row(item: Incoming, received_at: str) -> dict:
    doc = item.doc
    loyalty = doc.get("loyalty") or {}
    card = loyalty.get("card") or {}
    return {"receipt_id": doc["receipt_id"], "access_token": doc["access_token"],
            "gateway_id": item.gateway_id, "store_id": item.store_id, "till_id": item.till_id,
            "sequence": doc.get("sequence"), "receipt_number": doc.get("receipt_number"),
            "issued_at": doc.get("issued_at"), "total": (doc.get("totals") or {}).get("gross"),
            "currency": doc.get("currency"), "card_hmac": card.get("hmac"), "account_id": None,
            "body": item.body, "received_at": received_at}


def _public(row) -> dict:
    """A receipt row as a dict, with the e-receipt parsed into `receipt`."""
    d = dict(row._mapping)
    d["receipt"] = json.loads(d.pop("body"))
    return d


class Store:
    def __init__(self, url: str, *, base_dir: str | Path | None = None, schema: str | None = None,
                 rules: Rules | None = None, pool_size: int = 8):
        self.url = resolve_url(url, base_dir)
        self.engine = make_engine(url, base_dir=base_dir, schema=schema, pool_size=pool_size)
        self._writer = self.engine.execution_options(rg_write=True)
        self.dialect = self.engine.dialect.name
        self.rules = rules or Rules()
        self._insert = sqlite.insert if self.dialect == "sqlite" else postgresql.insert

    def close(self) -> None:
        self.engine.dispose()

    def write(self):
        """A write transaction (SQLite: BEGIN IMMEDIATE)."""
        return self._writer.begin()

    def read(self):
        return self.engine.connect()

    # ---- migrations ---------------------------------------------------------------------------
    def migrate(self) -> int:
        """Apply the migrations this database has not had yet; returns the schema version."""
        with self.write() as conn:
            if self.dialect == "postgresql":
                conn.execute(text("SELECT pg_advisory_xact_lock(727274)"))  # one migrator at a time
            metadata.create_all(conn, tables=[schema_version])
            done = {r[0] for r in conn.execute(select(schema_version.c.version))}
            for version, note, apply in MIGRATIONS:
                if version not in done:
                    apply(conn)
                    conn.execute(schema_version.insert().values(version=version, applied_at=now_iso(), note=note))
            return max(done | {v for v, _, _ in MIGRATIONS})

    def version(self) -> int:
        with self.read() as conn:
            return conn.execute(select(func.max(schema_version.c.version))).scalar() or 0

    # ---- ingest -------------------------------------------------------------------------------
    def insert_receipts(self, items: list[Incoming]) -> Stored:
        """Store a batch in one transaction: receipts (deduplicated by receipt_id), the gateways'
        sequence bookkeeping, and the points of receipts whose card belongs to an account.
        When this returns, the batch is durable and may be acked."""
        out = Stored()
        if not items:
            return out
        stamp = now_iso()
        rows, seen = [], set()
        for item in items:
            rid = item.doc["receipt_id"]
            if rid in seen:
                out.duplicates.append(rid)
                continue
            seen.add(rid)
            rows.append(receipt_row(item, stamp))
        rows.sort(key=lambda r: r["receipt_id"])   # one lock order for concurrent writers (PostgreSQL)
        docs = {item.doc["receipt_id"]: item.doc for item in items}
        for attempt in range(3):
            try:
                with self.write() as conn:
                    self._insert_batch(conn, rows, docs, out, stamp)
                return out
            except OperationalError as exc:
                if attempt == 2 or not _retryable(exc):
                    raise
                out.new, out.conflicts = [], []
                out.duplicates = out.duplicates[:len(items) - len(rows)]
        return out

    def _insert_batch(self, conn, rows: list[dict], docs: dict[str, dict], out: Stored, stamp: str) -> None:
        hmacs = {r["card_hmac"] for r in rows if r["card_hmac"]}
        owners = {h: a for h, a in conn.execute(select(cards.c.card_hmac, cards.c.account_id)
                                                .where(cards.c.card_hmac.in_(hmacs)))} if hmacs else {}
        for r in rows:
            r["account_id"] = owners.get(r["card_hmac"])
        inserted = self._insert_new(conn, rows)
        others = [r["receipt_id"] for r in rows if r["receipt_id"] not in inserted]
        if others:
            known = set(conn.execute(select(receipts.c.receipt_id)
                                     .where(receipts.c.receipt_id.in_(others))).scalars())
            out.duplicates += [rid for rid in others if rid in known]
            out.conflicts += [rid for rid in others if rid not in known]
        new_rows = [r for r in rows if r["receipt_id"] in inserted]
        out.new = [r["receipt_id"] for r in new_rows]
        by_gw: dict[str, tuple[str, list[int]]] = {}
        for r in new_rows:
            entry = by_gw.setdefault(r["gateway_id"], (r["store_id"], []))
            if r["sequence"] is not None:
                entry[1].append(r["sequence"])
        self._advance_gateways(conn, by_gw, stamp)
        entries = []
        for r in new_rows:
            if r["account_id"]:
                entries += self._earn_rows(r["account_id"], r["receipt_id"], docs[r["receipt_id"]], stamp)
        if entries:
            conn.execute(ledger.insert(), entries)

    def _insert_new(self, conn, rows: list[dict]) -> set[str]:
        """Insert the rows whose receipt_id is not stored yet; the ids inserted.

        PostgreSQL: INSERT .. ON CONFLICT DO NOTHING RETURNING (concurrent writers are fine).
        SQLite: the writer holds the database lock (BEGIN IMMEDIATE), so the ids already there
        are looked up first and the rest go in with one plain executemany (~10x cheaper than
        RETURNING through SQLAlchemy's insertmanyvalues). An access_token clash makes the
        whole executemany fail; then the rows go in one by one to find the culprit."""
        if self.dialect != "sqlite":
            stmt = self._insert(receipts).on_conflict_do_nothing().returning(receipts.c.receipt_id)
            return set(conn.execute(stmt, rows).scalars())
        ids = [r["receipt_id"] for r in rows]
        there = set()
        for i in range(0, len(ids), 500):
            there |= set(conn.execute(select(receipts.c.receipt_id).where(receipts.c.receipt_id.in_(ids[i:i + 500])))
                         .scalars())
        fresh = [r for r in rows if r["receipt_id"] not in there]
        if not fresh:
            return set()
        try:
            with conn.begin_nested():
                conn.exec_driver_sql(_SQLITE_INSERT, [tuple(r[c] for c in _RECEIPT_COLUMNS) for r in fresh])
            return {r["receipt_id"] for r in fresh}
        except IntegrityError:
            stmt = self._insert(receipts).on_conflict_do_nothing()
            return {r["receipt_id"] for r in fresh if conn.execute(stmt, r).rowcount == 1}

    def _lock_gateways(self, conn, by_gw: dict) -> None:
        """PostgreSQL: make sure each gateway row exists and lock them in one order (SQLite's
        BEGIN IMMEDIATE already serialises writers)."""
        if self.dialect != "postgresql" or not by_gw:
            return
        conn.execute(self._insert(gateways).on_conflict_do_nothing(),
                     [{"gateway_id": gw, "store_id": st, "high_sequence": 0, "missing": "[]", "lost": "[]"}
                      for gw, (st, _) in sorted(by_gw.items())])
        conn.execute(select(gateways.c.gateway_id).where(gateways.c.gateway_id.in_(sorted(by_gw)))
                     .order_by(gateways.c.gateway_id).with_for_update()).all()

    def _advance_gateways(self, conn, by_gw: dict[str, tuple[str, list[int]]], stamp: str) -> None:
        """Update each gateway's high sequence and missing ranges: one read, one executemany."""
        if not by_gw:
            return
        self._lock_gateways(conn, by_gw)
        known = {gw: (high, json.loads(missing)) for gw, high, missing in conn.execute(
            select(gateways.c.gateway_id, gateways.c.high_sequence, gateways.c.missing)
            .where(gateways.c.gateway_id.in_(sorted(by_gw))))}
        updates, inserts = [], []
        for gw, (store_id, seqs) in sorted(by_gw.items()):
            high, missing = gaps.advance(*known.get(gw, (0, [])), seqs)
            row = {"gw": gw, "store_id": store_id, "high_sequence": high, "missing": json.dumps(missing),
                   "last_seen": stamp}
            (updates if gw in known else inserts).append(row)
        if updates:
            conn.execute(_UPDATE_GATEWAY, updates)
        if inserts:
            conn.execute(gateways.insert(), [dict(r, gateway_id=r.pop("gw"), lost="[]") for r in inserts])

    def gateway_gaps(self) -> dict[str, tuple[str, list[tuple[int, int]]]]:
        """{gateway_id: (store_id, [(from, to), ...])} for gateways with sequences still missing."""
        with self.read() as conn:
            rows = conn.execute(select(gateways.c.gateway_id, gateways.c.store_id, gateways.c.missing)
                                .where(gateways.c.missing != "[]"))
            return {gw: (store, [tuple(r) for r in json.loads(m)]) for gw, store, m in rows}

    def gateway(self, gateway_id: str) -> dict | None:
        with self.read() as conn:
            row = conn.execute(select(gateways).where(gateways.c.gateway_id == gateway_id)).first()
        if row is None:
            return None
        d = dict(row._mapping)
        d["missing"] = [tuple(r) for r in json.loads(d["missing"])]
        d["lost"] = [tuple(r) for r in json.loads(d["lost"])]
        return d

    def mark_lost(self, gateway_id: str, ranges: Iterable[tuple[int, int]]) -> None:
        """The gateway no longer has these sequences: stop expecting them, remember them as lost."""
        with self.write() as conn:
            row = conn.execute(select(gateways.c.missing, gateways.c.lost)
                               .where(gateways.c.gateway_id == gateway_id).with_for_update()).first()
            if row is None:
                return
            missing, lost = json.loads(row[0]), json.loads(row[1])
            for first, last in ranges:
                missing = gaps.settle(missing, first, last)
                lost.append([first, last])
            conn.execute(update(gateways).where(gateways.c.gateway_id == gateway_id)
                         .values(missing=json.dumps(missing), lost=json.dumps(lost)))

    def reject(self, items: list[dict]) -> None:
        """Keep malformed e-receipts whole ({topic, gateway_id, receipt_id, errors, payload}) for repair."""
        if items:
            stamp = now_iso()
            with self.write() as conn:
                conn.execute(rejected.insert(), [dict(i, errors=json.dumps(i["errors"]), received_at=stamp)
                                                 for i in items])

    def rejected(self, limit: int = 100) -> list[dict]:
        with self.read() as conn:
            rows = conn.execute(select(rejected).order_by(rejected.c.entry_id.desc()).limit(limit))
            return [dict(r._mapping, errors=json.loads(r.errors)) for r in rows]

    def receipt_count(self) -> int:
        with self.read() as conn:
            return conn.execute(select(func.count()).select_from(receipts)).scalar()

    # ---- receipts -----------------------------------------------------------------------------
    def receipt_by_token(self, token: str) -> dict | None:
        """The receipt whose QR token this is (columns + `receipt`: the e-receipt), or None."""
        if not token or len(token) > 128:
            return None
        with self.read() as conn:
            row = conn.execute(_BY_TOKEN, {"token": token}).first()
        return _public(row) if row else None

    def receipt(self, receipt_id: str) -> dict | None:
        with self.read() as conn:
            row = conn.execute(select(receipts).where(receipts.c.receipt_id == receipt_id)).first()
        return _public(row) if row else None

    def receipts_for_account(self, account_id: str, q: str | None = None, month: str | None = None,
                             limit: int = 50, offset: int = 0, bodies: bool = True) -> list[dict]:
        """The account's receipts, newest first; `q` searches number, merchant and lines (case-blind),
        `month` is 'YYYY-MM' of issued_at. bodies=False: the columns only, no `receipt` (the
        e-receipts are not read nor parsed)."""
        stmt = (select(receipts) if bodies else select(*_COLUMNS)).where(receipts.c.account_id == account_id)
        if month:
            stmt = stmt.where(receipts.c.issued_at.like(f"{_like_escape(month)}%", escape="\\"))
        if q:
            pattern = f"%{_like_escape(q.lower())}%"
            stmt = stmt.where(or_(func.lower(receipts.c.receipt_number).like(pattern, escape="\\"),
                                  func.lower(receipts.c.body).like(pattern, escape="\\")))
        stmt = stmt.order_by(receipts.c.issued_at.desc(), receipts.c.receipt_id.desc()).limit(limit).offset(offset)
        with self.read() as conn:
            return [_public(r) if bodies else dict(r._mapping) for r in conn.execute(stmt)]

    def monthly_totals(self, account_id: str) -> list[tuple[str, int, str]]:
        """[(month 'YYYY-MM', receipt count, total as a decimal string)], newest month first
        (one GROUP BY on the receipts_account index)."""
        with self.read() as conn:
            rows = conn.execute(_MONTHLY, {"aid": account_id}).all()
        months: dict[str, list] = {}
        for month, n, cents in rows:   # NULL and '' issued_at are both "unknown"
            acc = months.setdefault(month or "unknown", [0, 0])
            acc[0] += n
            acc[1] += int(cents or 0)
        return [(m, n, f"{Decimal(c) / 100:.2f}") for m, (n, c) in sorted(months.items(), reverse=True)]

    def claim(self, account_id: str, receipt_number: str, date, total) -> str | None:
        """Attach the one unclaimed receipt with exactly this number, date (YYYY-MM-DD of issued_at)
        and total to the account; its receipt_id, or None when none or more than one match."""
        want = _dec(str(total).replace(",", ".").strip()) if total is not None else None
        number = (receipt_number or "").strip()
        day = date.isoformat() if hasattr(date, "isoformat") else str(date or "").strip()
        if want is None or not number or len(day) != 10:
            return None
        with self.read() as conn:
            rows = conn.execute(select(receipts.c.receipt_id, receipts.c.total, receipts.c.account_id)
                                .where(receipts.c.receipt_number == number,
                                       receipts.c.issued_at.like(f"{_like_escape(day)}%", escape="\\"))).all()
        hits = [r for r in rows if _dec(r.total) == want]
        if len(hits) != 1 or hits[0].account_id not in (None, account_id):
            return None
        rid = hits[0].receipt_id
        return rid if self.attach(rid, account_id) else None

    def attach(self, receipt_id: str, account_id: str) -> bool:
        """Put a receipt in an account (and earn its points); False when it belongs to another one."""
        with self.write() as conn:
            row = conn.execute(select(receipts.c.account_id, receipts.c.body)
                               .where(receipts.c.receipt_id == receipt_id)).first()
            if row is None or row.account_id not in (None, account_id):
                return False
            if row.account_id == account_id:
                return True
            conn.execute(update(receipts).where(receipts.c.receipt_id == receipt_id).values(account_id=account_id))
            already = conn.execute(select(func.count()).select_from(ledger)
                                   .where(ledger.c.receipt_id == receipt_id)).scalar()
            if not already:
                entries = self._earn_rows(account_id, receipt_id, json.loads(row.body), now_iso())
                if entries:
                    conn.execute(ledger.insert(), entries)
            return True

    # ---- accounts -----------------------------------------------------------------------------
    def create_account(self, email: str | None = None, *, card_hmac: str | None = None, key_id: str = "k1",
                       mode: str = "qr", locale: str = "en", greeting_name: str | None = None) -> str:
        """A new account (random 128-bit id) with its sign-up bonus; with `card_hmac`, the card and
        every earlier receipt of that card not in another account come with it."""
        if mode not in MODES:
            raise ValueError(f"mode {mode!r} is not one of {', '.join(MODES)}")
        account_id = secrets.token_urlsafe(16)
        stamp = now_iso()
        with self.write() as conn:
            conn.execute(accounts.insert().values(account_id=account_id, email=_norm_email(email), mode=mode,
                                                  locale=locale, created_at=stamp, greeting_name=greeting_name))
            bonus = [dict(e, account_id=account_id, ts=stamp, receipt_id=None) for e in signup_entries(self.rules)]
            if bonus:
                conn.execute(ledger.insert(), bonus)
            if card_hmac:
                self._add_card(conn, account_id, card_hmac, key_id, stamp)
        return account_id

    def add_card(self, account_id: str, card_hmac: str, key_id: str = "k1") -> bool:
        """Link a card to the account (and its earlier unclaimed receipts); False if another account has it."""
        with self.write() as conn:
            return self._add_card(conn, account_id, card_hmac, key_id, now_iso())

    def _add_card(self, conn, account_id: str, card_hmac: str, key_id: str, stamp: str) -> bool:
        owner = conn.execute(select(cards.c.account_id).where(cards.c.card_hmac == card_hmac)).scalar()
        if owner is not None:
            return owner == account_id
        conn.execute(cards.insert().values(card_hmac=card_hmac, key_id=key_id, account_id=account_id))
        rows = conn.execute(select(receipts.c.receipt_id, receipts.c.body)
                            .where(receipts.c.card_hmac == card_hmac, receipts.c.account_id.is_(None))).all()
        if rows:
            conn.execute(update(receipts).where(receipts.c.card_hmac == card_hmac, receipts.c.account_id.is_(None))
                         .values(account_id=account_id))
            entries = []
            for rid, body in rows:
                entries += self._earn_rows(account_id, rid, json.loads(body), stamp)
            if entries:
                conn.execute(ledger.insert(), entries)
        return True

    def account(self, account_id: str) -> dict | None:
        """The account's row and `points_balance` (the sum of its ledger, as `balance`), or None."""
        if not account_id:
            return None
        with self.read() as conn:
            row = conn.execute(_ACCOUNT, {"aid": account_id}).first()
        return dict(row._mapping, points_balance=int(row.points_balance)) if row else None

    def account_by_email(self, email: str) -> dict | None:
        with self.read() as conn:
            row = conn.execute(select(accounts).where(accounts.c.email == _norm_email(email))).first()
        return dict(row._mapping) if row else None

    def account_by_card(self, card_hmac: str) -> dict | None:
        with self.read() as conn:
            row = conn.execute(select(accounts).join(cards, cards.c.account_id == accounts.c.account_id)
                               .where(cards.c.card_hmac == card_hmac)).first()
        return dict(row._mapping) if row else None

    def card_preference(self, card_hmac: str) -> dict | None:
        """For a scan: {mode, locale, greeting_name, points_balance} of the card's account, or None
        (one query)."""
        with self.read() as conn:
            row = conn.execute(_CARD_PREFERENCE, {"card": card_hmac}).first()
        return dict(row._mapping, points_balance=int(row.points_balance)) if row else None

    def cards_of(self, account_id: str) -> list[dict]:
        with self.read() as conn:
            return [dict(r._mapping) for r in conn.execute(select(cards).where(cards.c.account_id == account_id))]

    def set_mode(self, account_id: str, mode: str) -> bool:
        if mode not in MODES:
            raise ValueError(f"mode {mode!r} is not one of {', '.join(MODES)}")
        return self._set(account_id, mode=mode)

    def set_locale(self, account_id: str, locale: str) -> bool:
        return self._set(account_id, locale=locale)

    def set_email(self, account_id: str, email: str | None) -> bool:
        return self._set(account_id, email=_norm_email(email))

    def set_greeting(self, account_id: str, greeting_name: str | None) -> bool:
        return self._set(account_id, greeting_name=greeting_name)

    def _set(self, account_id: str, **values) -> bool:
        with self.write() as conn:
            return conn.execute(update(accounts).where(accounts.c.account_id == account_id)
                                .values(**values)).rowcount == 1

    def delete_account(self, account_id: str) -> bool:
        """GDPR erasure: the account, its cards, ledger and sign-in tokens go; its receipts stay
        (the shop's books) but are detached and lose the card HMAC."""
        with self.write() as conn:
            hmacs = list(conn.execute(select(cards.c.card_hmac).where(cards.c.account_id == account_id)).scalars())
            mine = receipts.c.account_id == account_id
            if hmacs:
                mine = or_(mine, receipts.c.card_hmac.in_(hmacs))
            conn.execute(update(receipts).where(mine).values(account_id=None, card_hmac=None))
            conn.execute(delete(cards).where(cards.c.account_id == account_id))
            conn.execute(delete(ledger).where(ledger.c.account_id == account_id))
            cond = login_tokens.c.account_id == account_id
            if hmacs:
                cond = or_(cond, login_tokens.c.card_hmac.in_(hmacs))
            conn.execute(delete(login_tokens).where(cond))
            return conn.execute(delete(accounts).where(accounts.c.account_id == account_id)).rowcount == 1

    # ---- points -------------------------------------------------------------------------------
    def _earn_rows(self, account_id: str, receipt_id: str, doc: dict, stamp: str) -> list[dict]:
        return [dict(e, account_id=account_id, receipt_id=receipt_id, ts=stamp)
                for e in receipt_entries(doc, self.rules)]

    def balance(self, account_id: str) -> int:
        with self.read() as conn:
            return int(conn.execute(_BALANCE, {"aid": account_id}).scalar())

    def ledger(self, account_id: str, limit: int | None = None, offset: int = 0) -> list[dict]:
        """The account's ledger rows, newest first (`limit` of them from `offset`, or all)."""
        stmt = _LEDGER if limit is None else _LEDGER.limit(limit).offset(offset)
        with self.read() as conn:
            return [dict(r._mapping) for r in conn.execute(stmt, {"aid": account_id})]

    def add_entry(self, account_id: str, kind: str, points: int, note: str = "", *,
                  receipt_id: str | None = None, expires_at: str | None = None) -> int:
        """One ledger row (bonus or adjust by staff); returns its entry_id."""
        if kind not in LEDGER_KINDS:
            raise ValueError(f"kind {kind!r} is not one of {', '.join(LEDGER_KINDS)}")
        with self.write() as conn:
            return conn.execute(ledger.insert().values(account_id=account_id, ts=now_iso(), kind=kind,
                                                       points=int(points), receipt_id=receipt_id, note=note,
                                                       expires_at=expires_at)).inserted_primary_key[0]

    def redeem(self, account_id: str, points: int, note: str = "redeemed") -> int | None:
        """Spend points: a `redeem` row of -points; None (nothing written) when the balance is short."""
        if points <= 0:
            raise ValueError("redeem a positive number of points")
        with self.write() as conn:
            if self.dialect == "postgresql":   # serialise spenders of one account
                conn.execute(select(accounts.c.account_id).where(accounts.c.account_id == account_id)
                             .with_for_update())
            have = conn.execute(select(func.coalesce(func.sum(ledger.c.points), 0))
                                .where(ledger.c.account_id == account_id)).scalar()
            if have < points:
                return None
            return conn.execute(ledger.insert().values(account_id=account_id, ts=now_iso(), kind="redeem",
                                                       points=-int(points), note=note)).inserted_primary_key[0]

    def expire_points(self, now: datetime | None = None) -> int:
        """Write the `expire` rows due now for every account; returns the points expired."""
        now = now or datetime.now(UTC)
        stamp = now.astimezone(UTC).isoformat(timespec="seconds")
        total = 0
        with self.write() as conn:
            due = conn.execute(select(ledger.c.account_id).distinct()
                               .where(ledger.c.expires_at.is_not(None), ledger.c.expires_at <= stamp)).scalars()
            for account_id in list(due):
                entries = [dict(r._mapping) for r in conn.execute(
                    select(ledger.c.points, ledger.c.expires_at).where(ledger.c.account_id == account_id))]
                for e in expiry_entries(entries, now):
                    conn.execute(ledger.insert().values(account_id=account_id, ts=now_iso(), receipt_id=None, **e))
                    total -= e["points"]
        return total

    def expiry_reminders(self, within_days: int | None = None, now: datetime | None = None) -> list[dict]:
        """The reminder list: accounts with points that expire after `now` and within `within_days`
        (default the rules' reminder_days), earliest expiry first:
        [{account_id, email, locale, points, expires_at, lots: [{expires_at, points}]}] where
        `points` is the sum of the lots and `expires_at` the first lot's date.

        Read from the ledger alone (spending takes the points that expire first, as
        `expire_points` does), in one query; ledger rows of an account that no longer exists
        (deleted) never show."""
        now = now or datetime.now(UTC)
        days = self.rules.reminder_days if within_days is None else within_days
        now_s = now.astimezone(UTC).isoformat(timespec="seconds")
        until = (now + timedelta(days=days)).astimezone(UTC).isoformat(timespec="seconds")
        due = (select(ledger.c.account_id).where(ledger.c.expires_at > now_s, ledger.c.expires_at <= until)
               .distinct().scalar_subquery())
        stmt = (select(ledger.c.account_id, accounts.c.email, accounts.c.locale, ledger.c.points, ledger.c.expires_at)
                .join(accounts, accounts.c.account_id == ledger.c.account_id)
                .where(ledger.c.account_id.in_(due)).order_by(ledger.c.account_id))
        by_account: dict[str, tuple] = {}
        with self.read() as conn:
            for r in conn.execute(stmt):
                by_account.setdefault(r.account_id, (r.email, r.locale, []))[2].append(
                    {"points": r.points, "expires_at": r.expires_at})
        out = []
        for account_id, (email, locale, entries) in by_account.items():
            soon = [(w, p) for w, p in expiring(entries, now) if now_s < w <= until]
            if soon:
                out.append({"account_id": account_id, "email": email, "locale": locale,
                            "points": sum(p for _, p in soon), "expires_at": soon[0][0],
                            "lots": [{"expires_at": w, "points": p} for w, p in soon]})
        return sorted(out, key=lambda r: (r["expires_at"], r["account_id"]))

    # ---- sign-in tokens (hashed by the caller; the hub never stores a token in clear) -----------
    def put_login_token(self, token_hash: str, expires_at: str, *, account_id: str | None = None,
                        email: str | None = None, card_hmac: str | None = None,
                        code_hash: str | None = None) -> None:
        with self.write() as conn:
            conn.execute(login_tokens.insert().values(token_hash=token_hash, expires_at=expires_at,
                                                      account_id=account_id, email=_norm_email(email),
                                                      card_hmac=card_hmac, code_hash=code_hash, used=0))

    def take_login_token(self, token_hash: str, now: str | None = None) -> dict | None:
        """Use a sign-in token once: its row when unused and not expired (then marked used), else None."""
        now = now or now_iso()
        with self.write() as conn:
            row = conn.execute(select(login_tokens).where(login_tokens.c.token_hash == token_hash)).first()
            if row is None or row.used or row.expires_at <= now:
                return None
            done = conn.execute(update(login_tokens).where(login_tokens.c.token_hash == token_hash,
                                                           login_tokens.c.used == 0).values(used=1)).rowcount
            return dict(row._mapping) if done == 1 else None

    def purge_login_tokens(self, now: str | None = None) -> int:
        """Delete used and expired sign-in tokens; returns how many."""
        with self.write() as conn:
            return conn.execute(delete(login_tokens).where(or_(login_tokens.c.expires_at <= (now or now_iso()),
                                                               login_tokens.c.used != 0))).rowcount


def _retryable(exc: OperationalError) -> bool:
    """A deadlock or serialisation failure (PostgreSQL) or a busy database: worth one more try."""
    code = getattr(exc.orig, "sqlstate", None)
    return code in ("40P01", "40001") or "database is locked" in str(exc.orig)


def _like_escape(s: str) -> str:
    return s.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")


def _norm_email(email: str | None) -> str | None:
    return email.strip().lower() if email and email.strip() else None
