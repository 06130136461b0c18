"""The hub Store on SQLite and PostgreSQL: receipts, dedup, gaps, accounts, claims, points, GDPR."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import delete, inspect

from gateway.hub.db import Store, ledger, resolve_url, schema_version
from gateway.hub.ledger import Rules
from tests.unit.hub.receipts import incoming, make

CARD = "c" * 64


def test_migrate_is_idempotent_and_versioned(make_store):
    store = make_store()
    assert store.migrate() == 3 and store.migrate() == 3 and store.version() == 3
    schema = None if store.dialect == "sqlite" else store.engine.get_execution_options()["schema_translate_map"][None]
    names = set(inspect(store.engine).get_table_names(schema=schema))
    assert {"receipts", "gateways", "accounts", "cards", "ledger", "login_tokens", "rejected", "schema_version"} <= names


def test_a_version_2_database_gets_the_ledger_expiry_index(make_store):
    store = make_store()
    schema = None if store.dialect == "sqlite" else store.engine.get_execution_options()["schema_translate_map"][None]
    with store.write() as conn:   # back to what a hub of schema version 2 left
        next(i for i in ledger.indexes if i.name == "ledger_expires").drop(conn)
        conn.execute(delete(schema_version).where(schema_version.c.version == 3))
    assert "ledger_expires" not in {i["name"] for i in inspect(store.engine).get_indexes("ledger", schema=schema)}
    assert store.migrate() == 3
    assert "ledger_expires" in {i["name"] for i in inspect(store.engine).get_indexes("ledger", schema=schema)}


def test_sqlite_url_is_relative_to_the_config_directory(tmp_path):
    assert resolve_url("sqlite:///data/hub.db", tmp_path) == f"sqlite:///{tmp_path}/data/hub.db"
    assert resolve_url("sqlite:////var/lib/hub.db", tmp_path) == "sqlite:////var/lib/hub.db"
    assert resolve_url("postgresql://u@h/db").startswith("postgresql+psycopg://")
    store = Store("sqlite:///data/hub.db", base_dir=tmp_path)
    store.migrate()
    store.close()
    assert (tmp_path / "data" / "hub.db").is_file()


def test_a_receipt_is_stored_once_and_found_by_its_token(make_store):
    store = make_store()
    doc = make(1)
    first = store.insert_receipts([incoming(doc)])
    again = store.insert_receipts([incoming(doc), incoming(doc)])
    assert first.new == [doc["receipt_id"]] and not first.duplicates
    assert again.new == [] and again.duplicates == [doc["receipt_id"]] * 2
    assert store.receipt_count() == 1
    got = store.receipt_by_token(doc["access_token"])
    assert got["receipt"] == doc and got["total"] == "12.50" and got["gateway_id"] == "gw-1"
    token = doc["access_token"]
    changed = token[:-1] + ("x" if token[-1] != "x" else "y")  # a token ending in "x" stays itself with "x"
    assert store.receipt_by_token(changed) is None
    assert store.receipt_by_token("") is None


def test_a_token_clash_is_refused_not_stored(make_store):
    store = make_store()
    a, b = make(1), make(2)
    b["access_token"] = a["access_token"]
    result = store.insert_receipts([incoming(a), incoming(b)])
    assert result.new == [a["receipt_id"]] and result.conflicts == [b["receipt_id"]]
    assert store.receipt(b["receipt_id"]) is None


def test_sequence_gaps_are_tracked_per_gateway_until_filled_or_lost(make_store):
    store = make_store()
    store.insert_receipts([incoming(make(s)) for s in (1, 2, 5, 9)])
    store.insert_receipts([incoming(make(3, gw="gw-2"))])
    assert store.gateway_gaps() == {"gw-1": ("store-1", [(3, 4), (6, 8)]), "gw-2": ("store-1", [(1, 2)])}
    store.insert_receipts([incoming(make(s)) for s in (4, 3, 7)])
    assert store.gateway("gw-1")["missing"] == [(6, 6), (8, 8)]
    store.mark_lost("gw-1", [(6, 6), (8, 8)])
    gw = store.gateway("gw-1")
    assert gw["missing"] == [] and gw["lost"] == [(6, 6), (8, 8)] and gw["high_sequence"] == 9
    assert "gw-1" not in store.gateway_gaps()


def test_history_search_month_filter_and_totals(make_store):
    store = make_store()
    acc = store.create_account("Ann@Example.org ", card_hmac=CARD)
    docs = [make(1, issued_at="2025-01-05T09:00:00+01:00", total="10.00", card=CARD),
            make(2, issued_at="2025-01-20T09:00:00+01:00", total="2.35", card=CARD),
            make(3, issued_at="2025-02-02T09:00:00+01:00", total="7.10", card=CARD,
                 lines=[{"description": "Croissant au beurre", "quantity": "1", "unit_price": "7.10",
                         "amount": "7.10", "vat_code": "A", "kind": "sale"}]),
            make(4, issued_at="2025-02-03T09:00:00+01:00", total="99.00")]     # someone else's
    store.insert_receipts([incoming(d) for d in docs])
    assert [r["sequence"] for r in store.receipts_for_account(acc)] == [3, 2, 1]
    assert [r["sequence"] for r in store.receipts_for_account(acc, month="2025-01")] == [2, 1]
    assert [r["sequence"] for r in store.receipts_for_account(acc, q="CROISSANT")] == [3]
    assert [r["sequence"] for r in store.receipts_for_account(acc, q="%")] == []
    assert [r["sequence"] for r in store.receipts_for_account(acc, limit=1, offset=1)] == [2]
    assert store.monthly_totals(acc) == [("2025-02", 1, "7.10"), ("2025-01", 2, "12.35")]
    # a return (negative total) takes its amount off its month, to the cent
    back = [{"description": "Coffee", "quantity": "-1", "unit_price": "2.35", "amount": "-2.35", "vat_code": "A",
             "kind": "return"}]
    store.insert_receipts([incoming(make(5, issued_at="2025-01-21T09:00:00+01:00", total="-2.35", card=CARD,
                                         lines=back)),
                           incoming(make(6, issued_at="2025-03-01T09:00:00+01:00", total="0.05", card=CARD))])
    assert store.monthly_totals(acc) == [("2025-03", 1, "0.05"), ("2025-02", 1, "7.10"), ("2025-01", 3, "10.00")]
    assert store.account_by_email("ann@example.org")["account_id"] == acc


def test_claim_needs_an_exact_unclaimed_match(make_store):
    store = make_store()
    doc = make(1, number="A-1007", issued_at="2025-03-14T18:02:00+01:00", total="23.40")
    store.insert_receipts([incoming(doc)])
    ann, bob = store.create_account("ann@example.org"), store.create_account("bob@example.org")
    assert store.claim(ann, "A-1007", "2025-03-14", "23.41") is None
    assert store.claim(ann, "A-1007", "2025-03-15", "23.40") is None
    assert store.claim(ann, "A-100", "2025-03-14", "23.40") is None
    assert store.claim(ann, "A-1007", "2025-03-14", "23,40") == doc["receipt_id"]
    assert store.claim(bob, "A-1007", "2025-03-14", "23.40") is None          # taken
    assert store.attach(doc["receipt_id"], bob) is False
    assert [r["receipt_id"] for r in store.receipts_for_account(ann)] == [doc["receipt_id"]]
    assert store.receipts_for_account(bob) == []


def test_claim_refuses_an_ambiguous_match(make_store):
    store = make_store()
    store.insert_receipts([incoming(make(1, number="7", gw="gw-1")), incoming(make(1, number="7", gw="gw-2"))])
    ann = store.create_account("ann@example.org")
    assert store.claim(ann, "7", "2025-03-14", "12.50") is None


def test_points_from_card_at_ingest_on_attach_and_once_only(make_store):
    store = make_store(rules=Rules(signup_bonus=50))
    early = make(1, total="12.50", card=CARD)
    store.insert_receipts([incoming(early)])               # card not known yet: no account, no points
    acc = store.create_account("ann@example.org", card_hmac=CARD)
    assert store.balance(acc) == 50 + 12                    # bonus + the earlier receipt, attached now
    store.insert_receipts([incoming(make(2, total="3.99", card=CARD))])
    assert store.balance(acc) == 65
    assert store.attach(early["receipt_id"], acc) is True   # again: no second earn
    assert store.balance(acc) == 65
    kinds = [(e["kind"], e["points"]) for e in store.ledger(acc)]
    assert kinds == [("earn", 3), ("earn", 12), ("bonus", 50)]
    assert store.account_by_card(CARD)["account_id"] == acc


def test_redeem_only_what_is_there(make_store):
    store = make_store(rules=Rules(signup_bonus=20))
    acc = store.create_account("ann@example.org")
    assert store.redeem(acc, 25) is None
    assert store.redeem(acc, 15) is not None
    assert store.balance(acc) == 5
    with pytest.raises(ValueError):
        store.redeem(acc, 0)


def test_expiry_takes_unspent_old_points_and_lists_reminders(make_store):
    store = make_store(rules=Rules(expiry_days=30, reminder_days=10))
    acc = store.create_account("ann@example.org", card_hmac=CARD)
    store.insert_receipts([incoming(make(1, issued_at="2025-01-01T10:00:00+00:00", total="40.00", card=CARD)),
                           incoming(make(2, issued_at="2025-01-25T10:00:00+00:00", total="10.00", card=CARD))])
    store.redeem(acc, 15)
    reminders = store.expiry_reminders(now=datetime(2025, 1, 25, tzinfo=UTC))
    assert reminders == [{"account_id": acc, "email": "ann@example.org", "locale": "en", "points": 25,
                          "expires_at": "2025-01-31T10:00:00+00:00",
                          "lots": [{"expires_at": "2025-01-31T10:00:00+00:00", "points": 25}]}]
    assert store.expire_points(datetime(2025, 2, 1, tzinfo=UTC)) == 25
    assert store.expire_points(datetime(2025, 2, 1, tzinfo=UTC)) == 0        # idempotent
    assert store.balance(acc) == 10
    assert store.expire_points(datetime(2025, 2, 1, tzinfo=UTC) + timedelta(days=30)) == 10
    assert store.balance(acc) == 0


def test_delete_account_erases_personal_data_and_keeps_detached_receipts(make_store):
    store = make_store(rules=Rules(signup_bonus=5))
    acc = store.create_account("ann@example.org", card_hmac=CARD)
    doc = make(1, card=CARD)
    store.insert_receipts([incoming(doc)])
    store.put_login_token("h" * 64, "2999-01-01T00:00:00+00:00", account_id=acc)
    assert store.delete_account(acc) is True
    assert store.account(acc) is None and store.account_by_card(CARD) is None
    assert store.ledger(acc) == [] and store.balance(acc) == 0
    assert store.take_login_token("h" * 64) is None
    kept = store.receipt(doc["receipt_id"])
    assert kept["account_id"] is None and kept["card_hmac"] is None
    assert store.delete_account(acc) is False


def test_mode_and_login_tokens(make_store):
    store = make_store()
    acc = store.create_account(None, card_hmac=CARD)
    assert store.account(acc)["mode"] == "qr" and len(acc) >= 22
    assert store.set_mode(acc, "none") and store.account_by_card(CARD)["mode"] == "none"
    with pytest.raises(ValueError):
        store.set_mode(acc, "email")
    store.put_login_token("t1", "2999-01-01T00:00:00+00:00", card_hmac=CARD, code_hash="x")
    store.put_login_token("t2", "2000-01-01T00:00:00+00:00", email="a@b.c")
    assert store.take_login_token("t1")["card_hmac"] == CARD
    assert store.take_login_token("t1") is None                               # once only
    assert store.take_login_token("t2") is None                               # expired
    assert store.purge_login_tokens() == 2


def test_an_older_database_is_upgraded_in_place(make_store, monkeypatch):
    from gateway.hub import db

    monkeypatch.setattr(db, "MIGRATIONS", db.MIGRATIONS[:1])
    store = make_store()                                  # created at version 1 only
    assert store.version() == 1
    doc = make(1)
    store.insert_receipts([incoming(doc)])
    monkeypatch.undo()
    assert store.migrate() == 3 and store.version() == 3
    store.reject([{"topic": "t", "gateway_id": "gw-1", "receipt_id": None, "errors": ["x"], "payload": "{"}])
    assert store.rejected()[0]["errors"] == ["x"]
    assert store.receipt(doc["receipt_id"])["receipt"] == doc
