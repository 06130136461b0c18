"""Hub databases for tests: SQLite files and PostgreSQL on 127.0.0.1:5432 (trust auth, database `test`).

Each PostgreSQL store gets its own schema (`rgtest_<random>`), dropped at the end, so runs never
see each other's rows. RG_HUB_PG_URL overrides the server URL.
"""

from __future__ import annotations

import os
import secrets
from contextlib import contextmanager

PG_URL = os.environ.get("RG_HUB_PG_URL", "postgresql://postgres@127.0.0.1:5432/test")


def pg_reason() -> str | None:
    """None when PostgreSQL is reachable, else why not (for pytest.skip)."""
    try:
        import psycopg
    except ImportError:
        return "psycopg is not installed: pip install -e '.[hub]'"
    try:
        with psycopg.connect(PG_URL.replace("postgresql+psycopg", "postgresql"), connect_timeout=2):
            return None
    except Exception as exc:  # noqa: BLE001 - any failure means: skip with the reason
        return f"PostgreSQL not reachable at {PG_URL} ({str(exc).strip().splitlines()[0]})"


@contextmanager
def store(kind: str, tmp_path, **kw):
    """A migrated Store on SQLite (a file in tmp_path) or PostgreSQL (a fresh schema)."""
    from gateway.hub.db import Store

    if kind == "sqlite":
        s = Store("sqlite:///hub.db", base_dir=tmp_path, **kw)
        s.migrate()
        try:
            yield s
        finally:
            s.close()
        return
    schema = f"rgtest_{secrets.token_hex(6)}"
    s = Store(PG_URL, schema=schema, **kw)
    try:
        s.migrate()
        yield s
    finally:
        s.close()
        drop_schema(schema)


def drop_schema(schema: str) -> None:
    import psycopg

    with psycopg.connect(PG_URL.replace("postgresql+psycopg", "postgresql"), autocommit=True) as conn:
        conn.execute(f'DROP SCHEMA IF EXISTS "{schema}" CASCADE')
