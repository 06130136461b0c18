"""The account pages: history with search, month filter and totals, points, claiming, delivery mode,
GDPR deletion; and that one customer never reaches another's data."""

from __future__ import annotations

import pytest

pytest.importorskip("starlette", reason="the hub extra is not installed: pip install -e '.[hub]'")

from gateway.hub.auth import card_hmac  # noqa: E402
from tests.unit.hub.web_support import CARD_KEY, make_site, sample_ereceipt, store_receipts  # noqa: E402

CARD = "2600123456789"


@pytest.fixture
def customer(site):
    """Anna, with her card linked and three receipts of it in two months, signed in."""
    docs = [sample_ereceipt(s, card=CARD) for s in (11, 12, 13)]
    docs[0]["issued_at"] = "2025-01-15T10:00:00+01:00"
    docs[1]["issued_at"] = "2025-02-03T09:30:00+01:00"
    docs[2]["issued_at"] = "2025-02-20T17:45:00+01:00"
    account = site.sign_in("anna@example.com")
    site.store.add_card(account, card_hmac(CARD_KEY, CARD))
    store_receipts(site.store, docs)
    return account, docs


def test_history_lists_receipts_newest_first_with_monthly_totals(site, customer):
    account, docs = customer
    html = site.client.get("/account").text
    positions = [html.index(d["receipt_number"]) for d in reversed(docs)]
    assert positions == sorted(positions)
    assert "Totals per month" in html and "February 2025" in html and "January 2025" in html
    feb = sum(float(d["totals"]["gross"]) for d in docs[1:])
    assert f"{feb:,.2f}" in html
    assert f"Points balance: <strong>{site.store.balance(account)}</strong>" in html


def test_month_filter_and_search(site, customer):
    _, docs = customer
    jan = site.client.get("/account?month=2025-01").text
    assert docs[0]["receipt_number"] in jan and docs[2]["receipt_number"] not in jan.split("Totals per month")[0]
    item = docs[2]["lines"][0]["description"]
    found = site.client.get("/account", params={"q": item}).text.split("Totals per month")[0]
    assert docs[2]["receipt_number"] in found
    none = site.client.get("/account", params={"q": "no-such-thing-xyz"}).text
    assert "No receipts found." in none
    assert site.client.get("/account?month=2025-13&page=x").status_code == 200  # ignored, not an error


def test_points_page_shows_balance_and_every_entry(site, customer):
    account, _ = customer
    html = site.client.get("/account/points").text
    entries = site.store.ledger(account)
    assert entries and html.count("<tr>") == len(entries) + 1
    assert f"<strong>{site.store.balance(account)}</strong>" in html
    assert "earned" in html


def test_claim_by_number_date_and_total(site):
    doc = sample_ereceipt(21)
    store_receipts(site.store, [doc])
    account = site.sign_in("carl@example.com")
    day = doc["issued_at"][:10]
    total = doc["totals"]["gross"].replace(".", ",")  # typed the way the paper shows it
    wrong = site.post("/account/claim", {"number": doc["receipt_number"], "date": day, "total": "0.01"},
                      form_page="/account")
    assert "No receipt matches" in wrong.text
    ok = site.post("/account/claim", {"number": doc["receipt_number"], "date": day, "total": total},
                   form_page="/account")
    assert "the receipt is now in your account" in ok.text
    assert [r["receipt_id"] for r in site.store.receipts_for_account(account)] == [doc["receipt_id"]]
    bad = site.post("/account/claim", {"number": "", "date": "yesterday", "total": "x"}, form_page="/account")
    assert "Fill in all three" in bad.text


def test_claiming_is_rate_limited_per_account(tmp_path):
    site = make_site(tmp_path)
    site.sign_in("carl@example.com")
    codes = [site.post("/account/claim", {"number": f"{i}", "date": "2025-01-01", "total": "1.00"},
                       form_page="/account").status_code for i in range(11)]
    assert codes == [200] * 10 + [429]


def test_delivery_mode(site, customer):
    account, _ = customer
    assert site.store.account(account)["mode"] == "qr"
    r = site.post("/account/mode", {"mode": "none"}, form_page="/account/settings")
    assert "Saved." in r.text and 'value="none" checked' in r.text
    assert site.store.account(account)["mode"] == "none"
    assert site.post("/account/mode", {"mode": "fax"}, form_page="/account/settings").status_code == 400


def test_delete_account_removes_its_data_and_ends_the_session(site, customer):
    account, docs = customer
    unconfirmed = site.post("/account/delete", {}, form_page="/account/settings")
    assert "Tick the box" in unconfirmed.text and site.store.account(account) is not None
    r = site.post("/account/delete", {"confirm": "yes"}, form_page="/account/settings")
    assert "Your account and its data are deleted." in r.text
    assert site.store.account(account) is None and site.store.ledger(account) == []
    assert site.store.account_by_card(card_hmac(CARD_KEY, CARD)) is None
    assert site.client.get("/account", follow_redirects=False).status_code == 303
    kept = site.store.receipt_by_token(docs[0]["access_token"])  # the shop's books keep the receipt
    assert kept["account_id"] is None and kept["card_hmac"] is None


def test_an_old_session_cookie_of_a_deleted_account_opens_nothing(site, customer):
    cookie = site.client.cookies.get("hub_session")
    site.post("/account/delete", {"confirm": "yes"}, form_page="/account/settings")
    site.client.cookies.set("hub_session", cookie)
    assert site.client.get("/account", follow_redirects=False).status_code == 303


def test_one_customer_never_sees_anothers_receipts(site, customer):
    _, docs = customer
    site.client.cookies.clear()
    site.sign_in("mallory@example.com")
    for path in ("/account", "/account/points", "/account?month=2025-02", f"/account?q={docs[0]['receipt_number']}"):
        html = site.client.get(path).text
        assert all(d["access_token"] not in html for d in docs), path
        assert "/r/" not in html and docs[1]["receipt_number"] not in html, path
    # claiming Anna's receipt with its exact details does not move it either
    d = docs[0]
    r = site.post("/account/claim", {"number": d["receipt_number"], "date": d["issued_at"][:10],
                                     "total": d["totals"]["gross"]}, form_page="/account")
    assert "No receipt matches" in r.text


def test_a_forged_session_cookie_is_ignored(site, customer):
    account, _ = customer
    import base64
    import json
    forged = base64.b64encode(json.dumps({"aid": account}).encode()).decode() + ".AAAA.BBBB"
    site.client.cookies.clear()
    site.client.cookies.set("hub_session", forged)
    assert site.client.get("/account", follow_redirects=False).status_code == 303


def test_pages_need_signing_in(site):
    for path in ("/account", "/account/points", "/account/settings"):
        r = site.client.get(path, follow_redirects=False)
        assert r.status_code == 303 and r.headers["location"] == f"/signin?next={path}"


def test_points_are_paged_and_the_balance_is_the_sum_of_every_entry(site, customer):
    account, _ = customer
    for i in range(40):
        site.store.add_entry(account, "adjust", 1, f"goodwill {i}")
    entries = site.store.ledger(account)
    first = site.client.get("/account/points").text
    second = site.client.get("/account/points?page=1").text
    assert first.count("<tr>") == 31 and 'rel="next"' in first  # 30 entries + the header row
    assert second.count("<tr>") == len(entries) - 30 + 1 and 'rel="prev"' in second
    assert f"<strong>{site.store.balance(account)}</strong>" in second


def test_the_pages_on_sqlite_and_postgresql(make_store, tmp_path):
    """The same pages on both databases: receipt page, add, history search and month, claim, delete."""
    site = make_site(tmp_path, store=make_store())
    mine, other = sample_ereceipt(51, card=CARD), sample_ereceipt(52)
    mine["issued_at"], other["issued_at"] = "2025-04-02T10:00:00+02:00", "2025-05-09T10:00:00+02:00"
    store_receipts(site.store, [mine, other])
    page = f"/r/{mine['access_token']}"
    assert mine["merchant"]["name"] in site.client.get(page).text
    account = site.sign_in("pg@example.com", next_path=page)
    assert "Added to your account." in site.post(f"{page}/add", {}, form_page=page).text
    assert site.store.account_by_card(card_hmac(CARD_KEY, CARD))["account_id"] == account
    r = site.post("/account/claim", {"number": other["receipt_number"], "date": other["issued_at"][:10],
                                     "total": other["totals"]["gross"]}, form_page="/account")
    assert "the receipt is now in your account" in r.text
    april = site.client.get("/account?month=2025-04").text.split("Totals per month")[0]
    assert mine["access_token"] in april and other["access_token"] not in april
    found = site.client.get("/account", params={"q": other["lines"][0]["description"].upper()}).text
    assert other["access_token"] in found.split("Totals per month")[0]
    assert "April 2025" in april and "May 2025" in april
    site.post("/account/delete", {"confirm": "yes"}, form_page="/account/settings")
    assert site.store.account(account) is None
    site.client.close()
