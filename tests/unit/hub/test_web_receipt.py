"""The receipt page the QR code opens: what the customer sees, the downloads, "add to my account",
and that no guessed or changed token shows anything."""

from __future__ import annotations

import io

import pytest

pytest.importorskip("starlette", reason="the hub extra is not installed: pip install -e '.[hub]'")

from PIL import Image  # noqa: E402

from tests.unit.hub.web_support import make_site, sample_ereceipt, store_receipts  # noqa: E402


@pytest.fixture
def doc(site):
    d = sample_ereceipt(3)
    store_receipts(site.store, [d])
    return d


def test_page_shows_the_paper_and_the_structured_receipt(site, doc):
    r = site.client.get(f"/r/{doc['access_token']}", headers={"accept-language": "nl-BE,nl;q=0.9"})
    assert r.status_code == 200
    html = r.text
    assert '<html lang="nl">' in html
    assert doc["merchant"]["name"] in html
    # the paper: every printed line is on the page as text
    for line in doc["text"]:
        if line.strip():
            assert line.strip().split()[0] in html
    # the structured part: items, VAT, payment, in Dutch number format
    first = doc["lines"][0]
    assert first["description"] in html
    assert first["amount"].replace(".", ",") in html
    assert "Btw" in html and "Betaald met" in html
    methods = {p["method"] for p in doc["payments"]}
    assert "cash" not in methods or "Contant" in html.split("Betaald met")[1]
    gross = doc["totals"]["gross"].replace(".", ",")
    assert gross in html
    assert r.headers["cache-control"] == "no-store"
    assert r.headers["referrer-policy"] == "no-referrer"


def test_png_download_is_the_paper_picture(site, doc):
    r = site.client.get(f"/r/{doc['access_token']}/receipt.png")
    assert r.status_code == 200 and r.headers["content-type"] == "image/png"
    assert "attachment" in r.headers["content-disposition"]
    img = Image.open(io.BytesIO(r.content))
    assert img.width == 42 * 12 + 48  # 42 columns of 12 dots, and a white margin
    assert img.height > len(doc["text"]) * 24


def test_pdf_download_is_a_one_page_pdf_at_paper_size(site, doc):
    r = site.client.get(f"/r/{doc['access_token']}/receipt.pdf")
    assert r.status_code == 200 and r.headers["content-type"] == "application/pdf"
    assert r.content.startswith(b"%PDF-")
    assert r.content.count(b"/Type /Page\n") + r.content.count(b"/Type /Page ") <= 1
    width_pt = float(r.content.split(b"/MediaBox [")[1].split()[2])
    assert 65 < width_pt * 25.4 / 72 < 72  # 504 + 48 dots at 203 dpi: 69 mm, an 80 mm roll's print width


@pytest.mark.parametrize("token", ["x" * 32, "short", "../../etc/passwd", "%00" * 10, "A" * 129])
def test_unknown_or_malformed_tokens_get_the_same_plain_404(site, doc, token):
    r = site.client.get(f"/r/{token}")
    missing = site.client.get("/no/such/page")
    assert r.status_code == 404
    assert r.text == missing.text  # nothing tells "wrong token" from "no such page"
    assert doc["merchant"]["name"] not in r.text


def test_a_changed_token_never_shows_another_receipt(site):
    docs = [sample_ereceipt(s) for s in (1, 2, 3)]
    store_receipts(site.store, docs)
    token = docs[0]["access_token"]
    for i in range(len(token)):  # one character changed, anywhere
        changed = token[:i] + ("A" if token[i] != "A" else "B") + token[i + 1:]
        r = site.client.get(f"/r/{changed}")
        assert r.status_code in (404, 429)
        assert all(d["receipt_number"] not in r.text for d in docs)
    assert site.client.get(f"/r/{token.lower()}").status_code in (404, 429)


def test_guessing_tokens_is_rate_limited_per_address(tmp_path):
    site = make_site(tmp_path)
    doc = sample_ereceipt(5)
    store_receipts(site.store, [doc])
    codes = [site.client.get(f"/r/guess{i:027d}").status_code for i in range(31)]
    assert codes[:30] == [404] * 30 and codes[30] == 429
    # blocked even for a real token now, from this address ...
    assert site.client.get(f"/r/{doc['access_token']}").status_code == 429
    # ... but not from another one
    other = make_site(tmp_path / "b", client_ip="198.51.100.9")
    store_receipts(other.store, [doc])
    assert other.client.get(f"/r/{doc['access_token']}").status_code == 200


def test_add_to_my_account_asks_to_sign_in_then_adds_it(site, doc):
    page = f"/r/{doc['access_token']}"
    assert "Sign in to add it" in site.client.get(page).text
    r = site.post(f"{page}/add", {}, form_page=page, follow_redirects=False)
    assert r.status_code == 303 and r.headers["location"] == f"/signin?next={page}"
    account = site.sign_in("anna@example.com", next_path=page)
    r = site.post(f"{page}/add", {}, form_page=page)
    assert "Added to your account." in r.text and "This receipt is in your account." in r.text
    assert [x["receipt_id"] for x in site.store.receipts_for_account(account)] == [doc["receipt_id"]]


def test_adding_a_receipt_with_a_card_brings_the_card_and_its_points(site):
    first, second = sample_ereceipt(1, card="2600123456789"), sample_ereceipt(2, card="2600123456789")
    store_receipts(site.store, [first, second])
    account = site.sign_in("bob@example.com", next_path=f"/r/{first['access_token']}")
    site.post(f"/r/{first['access_token']}/add", {}, form_page=f"/r/{first['access_token']}")
    mine = {x["receipt_id"] for x in site.store.receipts_for_account(account)}
    assert mine == {first["receipt_id"], second["receipt_id"]}  # the card's earlier receipt came too
    assert site.store.balance(account) > 0
    later = sample_ereceipt(4, card="2600123456789")
    store_receipts(site.store, [later])  # from now on the card's receipts go straight to the account
    assert later["receipt_id"] in {x["receipt_id"] for x in site.store.receipts_for_account(account)}


def test_someone_elses_receipt_cannot_be_added(site, doc):
    page = f"/r/{doc['access_token']}"
    site.sign_in("anna@example.com", next_path=page)
    site.post(f"{page}/add", {}, form_page=page)
    site.client.cookies.clear()
    intruder = site.sign_in("mallory@example.com", next_path=page)
    r = site.post(f"{page}/add", {}, form_page=page)
    assert "already in an account" in r.text
    assert site.store.receipts_for_account(intruder) == []


def test_receipt_text_is_untrusted_and_escaped(site):
    doc = sample_ereceipt(8)
    evil = '<script>alert("x")</script><img src=x onerror=alert(1)>'
    doc["text"] = [evil] + doc["text"]
    doc["merchant"]["name"] = evil
    doc["lines"][0]["description"] = evil
    store_receipts(site.store, [doc])
    html = site.client.get(f"/r/{doc['access_token']}").text
    assert "<script>alert" not in html and "<img src=x" not in html
    assert "&lt;script&gt;" in html


def test_a_receipt_the_extractor_understood_little_of_still_shows(site):
    """Only the printed text is sure: no merchant, date, lines, VAT, totals or payments."""
    doc = sample_ereceipt(9)
    doc.update(merchant={"name": None, "address": None, "vat_id": None}, issued_at=None, receipt_number=None,
               lines=[], vat=[], payments=[], codes=[],
               totals={"gross": None, "net": None, "vat": None, "discount": None})
    store_receipts(site.store, [doc])
    r = site.client.get(f"/r/{doc['access_token']}")
    assert r.status_code == 200 and doc["text"][0].strip() in r.text
    assert site.client.get(f"/r/{doc['access_token']}/receipt.pdf").content.startswith(b"%PDF-")
