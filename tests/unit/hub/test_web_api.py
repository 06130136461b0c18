"""The ERP API: bearer keys from a file, a customer's receipts and points, the OpenAPI document."""

from __future__ import annotations

import hashlib

import pytest

pytest.importorskip("starlette", reason="the hub extra is not installed: pip install -e '.[hub]'")

from gateway.cli import UserError  # noqa: E402
from gateway.hub.api import load_api_keys  # noqa: E402
from gateway.hub.auth import card_hmac  # noqa: E402
from tests.unit.hub.web_support import CARD_KEY, make_site, sample_ereceipt, store_receipts  # noqa: E402

KEY = "erp-key-0123456789abcdef0123456789abcdef"
HASHED = "webshop-key-9876543210fedcba9876543210fedcba"
AUTH = {"authorization": f"Bearer {KEY}"}


@pytest.fixture
def api(tmp_path):
    site = make_site(tmp_path, api_keys=f"# ERP keys\nerp {KEY}\nwebshop sha256:"
                                        f"{hashlib.sha256(HASHED.encode()).hexdigest()}\n")
    account = site.sign_in("anna@example.com")
    site.store.add_card(account, card_hmac(CARD_KEY, "2600123456789"))
    docs = [sample_ereceipt(s, card="2600123456789") for s in (31, 32)]
    store_receipts(site.store, docs)
    yield site, account, docs
    site.store.close()


def test_receipts_and_points_of_a_customer(api):
    site, account, docs = api
    r = site.client.get(f"/api/v1/customers/{account}/receipts", headers=AUTH)
    assert r.status_code == 200
    body = r.json()
    assert {x["receipt_id"] for x in body["receipts"]} == {d["receipt_id"] for d in docs}
    assert "ereceipt" not in body["receipts"][0]
    full = site.client.get(f"/api/v1/customers/{account}/receipts?full=1&limit=1", headers=AUTH).json()
    assert len(full["receipts"]) == 1 and full["receipts"][0]["ereceipt"]["schema"] == "receipt-gateway/e-receipt/1"
    points = site.client.get(f"/api/v1/customers/{account}/points", headers=AUTH).json()
    assert points["balance"] == site.store.balance(account) == sum(e["points"] for e in points["entries"])
    customer = site.client.get(f"/api/v1/customers/{account}", headers=AUTH).json()
    assert customer["email"] == "anna@example.com" and customer["points_balance"] == points["balance"]


def test_find_a_customer_by_email_or_card_hmac(api):
    site, account, _ = api
    by_mail = site.client.get("/api/v1/customers", params={"email": "Anna@Example.com"}, headers=AUTH)
    by_card = site.client.get("/api/v1/customers", params={"card_hmac": card_hmac(CARD_KEY, "2600123456789")},
                              headers=AUTH)
    assert by_mail.json()["account_id"] == by_card.json()["account_id"] == account
    assert site.client.get("/api/v1/customers", params={"email": "x@example.com"}, headers=AUTH).status_code == 404
    assert site.client.get("/api/v1/customers", params={"card_hmac": "1234"}, headers=AUTH).status_code == 400


def test_a_hashed_key_works_too(api):
    site, account, _ = api
    r = site.client.get(f"/api/v1/customers/{account}", headers={"authorization": f"Bearer {HASHED}"})
    assert r.status_code == 200


@pytest.mark.parametrize("headers", [{}, {"authorization": "Bearer wrong"}, {"authorization": f"Basic {KEY}"},
                                     {"authorization": f"Bearer {KEY}x"}])
def test_no_valid_key_no_data(api, headers):
    site, account, docs = api
    r = site.client.get(f"/api/v1/customers/{account}/receipts", headers=headers)
    assert r.status_code == 401 and r.headers["www-authenticate"].startswith("Bearer")
    assert docs[0]["receipt_id"] not in r.text


def test_unknown_account_is_404(api):
    site, _, _ = api
    assert site.client.get("/api/v1/customers/nobody/points", headers=AUTH).status_code == 404


def test_wrong_keys_are_rate_limited(api):
    site, account, _ = api
    codes = [site.client.get(f"/api/v1/customers/{account}", headers={"authorization": f"Bearer bad{i}"}).status_code
             for i in range(21)]
    assert codes == [401] * 20 + [429]
    assert site.client.get(f"/api/v1/customers/{account}", headers=AUTH).status_code == 429


def test_openapi_document_describes_every_api_route(api):
    site, _, _ = api
    doc = site.client.get("/api/openapi.json").json()
    assert doc["openapi"].startswith("3.1")
    from gateway.hub.api import ROUTES
    paths = {r.path for r in ROUTES if r.path.startswith("/api/v1/")}
    assert paths == set(doc["paths"])
    assert doc["components"]["securitySchemes"]["bearer"]["scheme"] == "bearer"
    for path in doc["paths"].values():  # every $ref resolves
        for ref in [v["$ref"] for v in path["get"]["responses"].values() if "$ref" in v]:
            assert ref.split("/")[-1] in doc["components"]["responses"]


def test_api_keys_file_errors_name_the_line(tmp_path):
    f = tmp_path / "keys"
    f.write_text("erp short\n")
    with pytest.raises(UserError, match=r"keys:1: an API key line"):
        load_api_keys(f)
    with pytest.raises(UserError, match="cannot read the API keys file"):
        load_api_keys(tmp_path / "missing")


def test_without_keys_the_api_answers_401(tmp_path):
    site = make_site(tmp_path)
    assert site.client.get("/api/v1/customers?email=a@b.cd", headers=AUTH).status_code == 401
