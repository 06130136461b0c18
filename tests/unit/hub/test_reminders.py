"""The loyalty reminder list (points about to expire): from the Store, the ERP API and
`receipt-gateway hub reminders`, on SQLite and PostgreSQL.

One ledger, six customers: Ann (part of her points spent, the rest expiring in 10 days, more
in 60), Bob (spent them all), Cat (hers expired already), Dan (his expire in 60 days), Eve
(deleted her account) and Fay (points earned by a receipt a year ago, expiring in 20 days).
"""

from __future__ import annotations

import csv
import io
import json
from datetime import UTC, datetime, timedelta

import pytest

pytest.importorskip("starlette", reason="the hub extra is not installed: pip install -e '.[hub]'")

from gateway.cli import main  # noqa: E402
from gateway.hub.ledger import Rules  # noqa: E402
from tests.hubdb import PG_URL  # noqa: E402
from tests.unit.hub.receipts import incoming, make  # noqa: E402
from tests.unit.hub.web_support import make_site  # noqa: E402

KEY = "erp-key-0123456789abcdef0123456789abcdef"
AUTH = {"authorization": f"Bearer {KEY}"}
FAY_CARD = "f" * 64
RULES = Rules(expiry_days=365, reminder_days=30)


def _iso(when: datetime) -> str:
    return when.astimezone(UTC).isoformat(timespec="seconds")


def ledger_of_six(store, now: datetime) -> dict:
    """The six customers' ledgers; {name: account_id} and the dates the list should show."""
    soon, later = now + timedelta(days=10), now + timedelta(days=60)
    ids = {name: store.create_account(f"{name}@example.org")
           for name in ("ann", "bob", "cat", "dan", "eve")}
    store.add_entry(ids["ann"], "bonus", 40, "welcome campaign", expires_at=_iso(soon))
    store.add_entry(ids["ann"], "bonus", 20, "spring campaign", expires_at=_iso(later))
    assert store.redeem(ids["ann"], 15) is not None          # spends the points that expire first
    store.add_entry(ids["bob"], "bonus", 30, "welcome campaign", expires_at=_iso(soon))
    assert store.redeem(ids["bob"], 30) is not None
    store.add_entry(ids["cat"], "bonus", 30, "welcome campaign", expires_at=_iso(now - timedelta(days=1)))
    assert store.expire_points(now) == 30
    store.add_entry(ids["dan"], "bonus", 50, "welcome campaign", expires_at=_iso(later))
    store.add_entry(ids["eve"], "bonus", 70, "welcome campaign", expires_at=_iso(soon))
    assert store.delete_account(ids["eve"])
    ids["fay"] = store.create_account("fay@example.org", card_hmac=FAY_CARD)
    bought = now - timedelta(days=365 - 20)                  # a year's points expire in 20 days
    store.insert_receipts([incoming(make(1, issued_at=_iso(bought), total="12.00", card=FAY_CARD))])
    return {"ids": ids, "soon": _iso(soon), "later": _iso(later), "fay": _iso(bought + timedelta(days=365))}


def test_the_list_names_who_loses_points_how_many_and_when(make_store):
    store = make_store(rules=RULES)
    now = datetime.now(UTC).replace(microsecond=0)
    six = ledger_of_six(store, now)
    ids = six["ids"]

    assert store.expiry_reminders(now=now) == [   # 30 days, [loyalty_rules] reminder_days
        {"account_id": ids["ann"], "email": "ann@example.org", "locale": "en", "points": 25,
         "expires_at": six["soon"], "lots": [{"expires_at": six["soon"], "points": 25}]},
        {"account_id": ids["fay"], "email": "fay@example.org", "locale": "en", "points": 12,
         "expires_at": six["fay"], "lots": [{"expires_at": six["fay"], "points": 12}]},
    ]
    wider = store.expiry_reminders(90, now=now)
    assert [(r["email"], r["points"], r["expires_at"]) for r in wider] == [
        ("ann@example.org", 45, six["soon"]), ("fay@example.org", 12, six["fay"]),
        ("dan@example.org", 50, six["later"])]
    assert wider[0]["lots"] == [{"expires_at": six["soon"], "points": 25},
                                {"expires_at": six["later"], "points": 20}]
    assert store.expiry_reminders(5, now=now) == []
    # once Ann's points are spent, she is off the list
    assert store.redeem(ids["ann"], 25) is not None
    assert [r["email"] for r in store.expiry_reminders(now=now)] == ["fay@example.org"]


def test_the_erp_api_serves_the_list_to_a_key_holder_only(make_store, tmp_path):
    store = make_store(rules=RULES)
    six = ledger_of_six(store, datetime.now(UTC).replace(microsecond=0))
    site = make_site(tmp_path, api_keys=f"erp {KEY}\n", store=store)

    r = site.client.get("/api/v1/points/expiring", headers=AUTH)
    assert r.status_code == 200
    body = r.json()
    assert body["days"] == 30
    assert [(a["account_id"], a["points"], a["expires_at"]) for a in body["accounts"]] == [
        (six["ids"]["ann"], 25, six["soon"]), (six["ids"]["fay"], 12, six["fay"])]
    assert "eve@example.org" not in r.text and six["ids"]["eve"] not in r.text
    assert [a["email"] for a in site.client.get("/api/v1/points/expiring?days=90", headers=AUTH).json()["accounts"]] \
        == ["ann@example.org", "fay@example.org", "dan@example.org"]

    assert site.client.get("/api/v1/points/expiring").status_code == 401
    assert site.client.get("/api/v1/points/expiring", headers={"authorization": "Bearer wrong"}).status_code == 401
    for bad in ("0", "366", "ten", "-1"):
        r = site.client.get(f"/api/v1/points/expiring?days={bad}", headers=AUTH)
        assert r.status_code == 400 and "1 to 365" in r.json()["error"]
    described = site.client.get("/api/openapi.json").json()["paths"]["/api/v1/points/expiring"]["get"]
    assert [p["name"] for p in described["parameters"]] == ["days"] and "401" in described["responses"]
    site.client.close()


def _config(tmp_path, store) -> str:
    if store.dialect == "sqlite":
        database = f'database = "sqlite:///{store.engine.url.database}"\n'
    else:
        schema = store.engine.get_execution_options()["schema_translate_map"][None]
        database = f'database = "{PG_URL}"\ndatabase_schema = "{schema}"\n'
    cfg = tmp_path / "hub.toml"
    cfg.write_text('[mqtt]\nurl = "mqtt://127.0.0.1:1883"\n[hub]\n' + database +
                   "[loyalty_rules]\nexpiry_days = 365\nreminder_days = 30\n")
    return str(cfg)


def test_the_technician_prints_the_list_as_csv_or_json(make_store, tmp_path, capsys):
    store = make_store(rules=RULES)
    six = ledger_of_six(store, datetime.now(UTC).replace(microsecond=0))
    cfg = _config(tmp_path, store)

    assert main(["hub", "reminders", "--config", cfg]) == 0
    rows = list(csv.DictReader(io.StringIO(capsys.readouterr().out)))
    assert rows == [
        {"account_id": six["ids"]["ann"], "email": "ann@example.org", "locale": "en", "points": "25",
         "expires_at": six["soon"]},
        {"account_id": six["ids"]["fay"], "email": "fay@example.org", "locale": "en", "points": "12",
         "expires_at": six["fay"]}]

    assert main(["hub", "--config", cfg, "reminders", "--days", "90", "--format", "json"]) == 0
    listed = json.loads(capsys.readouterr().out)
    assert [(r["email"], r["points"]) for r in listed] == [("ann@example.org", 45), ("fay@example.org", 12),
                                                          ("dan@example.org", 50)]

    assert main(["hub", "reminders", "--config", cfg, "--days", "400"]) == 2
    err = capsys.readouterr().err
    assert "--days 400 is out of range" in err and "from 1 to 365" in err


def test_reminders_on_a_database_the_hub_never_created_says_how_to_create_it(tmp_path, capsys):
    cfg = tmp_path / "hub.toml"
    cfg.write_text('[mqtt]\nurl = "mqtt://127.0.0.1:1883"\n[hub]\ndatabase = "sqlite:///hub.db"\n')
    assert main(["hub", "reminders", "--config", str(cfg)]) == 2
    err = capsys.readouterr().err
    assert "cannot read the database sqlite:///hub.db" in err and "--migrate-only" in err
