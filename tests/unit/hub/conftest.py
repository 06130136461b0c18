"""Every hub storage test runs on SQLite and, when reachable, on PostgreSQL."""

from __future__ import annotations

import pytest

pytest.importorskip("sqlalchemy", reason="the hub extra is not installed: pip install -e '.[hub]'")

from tests.hubdb import pg_reason, store  # noqa: E402


@pytest.fixture(params=["sqlite", "postgresql"])
def db_kind(request):
    if request.param == "postgresql":
        reason = pg_reason()
        if reason:
            pytest.skip(reason)
    return request.param


@pytest.fixture
def make_store(db_kind, tmp_path):
    """make_store(**Store kwargs) -> a migrated Store; closed (and its schema dropped) afterwards."""
    stack = []

    def make(**kw):
        cm = store(db_kind, tmp_path / f"s{len(stack)}", **kw)
        stack.append(cm)
        return cm.__enter__()

    yield make
    for cm in reversed(stack):
        cm.__exit__(None, None, None)


@pytest.fixture
def site(tmp_path):
    """The hub's web app on a SQLite store (tests/unit/hub/web_support.py)."""
    from tests.unit.hub.web_support import make_site

    s = make_site(tmp_path)
    yield s
    s.client.close()
    s.store.close()
