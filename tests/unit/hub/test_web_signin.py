"""Signing in: the emailed link, the card number + emailed code; single use, expiry, limits,
and answers that never tell whether an address or a card has an account."""

from __future__ import annotations

import re

import pytest

pytest.importorskip("starlette", reason="the hub extra is not installed: pip install -e '.[hub]'")

from gateway.hub.auth import card_hmac, token_hash  # noqa: E402
from tests.unit.hub.web_support import CARD_KEY, CSRF, make_site  # noqa: E402


def _link(site) -> str:
    return re.search(r"https?://\S+", site.last_body()).group(0).replace("http://testserver", "")


def _use_link(site, link: str):
    page = site.client.get(link)
    token = re.search(r'name="token" value="([^"]*)"', page.text).group(1)
    return site.client.post("/signin/link", data={"csrf": CSRF.search(page.text).group(1), "token": token,
                                                   "next": "/account"}, follow_redirects=False)


def test_first_link_creates_the_account_and_signs_in(site):
    account = site.sign_in("New.Customer@Example.com")
    assert site.store.account(account)["email"] == "new.customer@example.com"
    r = site.client.get("/account")
    assert r.status_code == 200 and "My receipts" in r.text
    mail = site.mails()[-1]
    assert mail["To"] == "new.customer@example.com" and mail["Subject"] == "Your sign-in link"


def test_the_link_works_once_and_opening_it_uses_nothing(site):
    site.post("/signin/email", {"email": "anna@example.com"})
    link = _link(site)
    site.client.get(link)
    site.client.get(link)  # a mail scanner fetching the link twice uses nothing
    assert _use_link(site, link).status_code == 303
    site.client.cookies.clear()
    again = _use_link(site, link)
    assert again.status_code == 400 and "invalid or has expired" in again.text
    assert site.client.get("/account", follow_redirects=False).status_code == 303


def test_the_database_holds_only_hashes_of_sign_in_tokens(site):
    site.post("/signin/email", {"email": "anna@example.com"})
    token = _link(site).split("/signin/link/")[1].split("?")[0]
    with site.store.read() as conn:
        rows = conn.exec_driver_sql("SELECT token_hash FROM login_tokens").all()
    assert [r[0] for r in rows] == [token_hash(token)]
    assert token not in (site.tmp / "hub.db").read_bytes().decode("latin-1")


def test_an_expired_link_is_refused(site):
    site.post("/signin/email", {"email": "anna@example.com"})
    link = _link(site)
    with site.store.write() as conn:
        conn.exec_driver_sql("UPDATE login_tokens SET expires_at = '2000-01-01T00:00:00+00:00'")
    assert _use_link(site, link).status_code == 400


def test_known_and_unknown_addresses_get_the_same_answer(site):
    site.sign_in("anna@example.com")
    site.client.cookies.clear()
    known = site.post("/signin/email", {"email": "anna@example.com"})
    unknown = site.post("/signin/email", {"email": "nobody@example.com"})
    assert known.status_code == unknown.status_code == 200
    strip = lambda html: re.sub(r'value="[^"]+"', "", html)  # noqa: E731 - the CSRF token differs
    assert strip(known.text) == strip(unknown.text)


def test_a_bad_address_is_named(site):
    r = site.post("/signin/email", {"email": "not an address"})
    assert r.status_code == 400 and "Enter an email address" in r.text and 'aria-invalid="true"' in r.text


def test_card_and_emailed_code_sign_in(site):
    account = site.sign_in("anna@example.com")
    site.store.add_card(account, card_hmac(CARD_KEY, "2600123456789"))
    site.client.cookies.clear()
    r = site.post("/signin/card", {"card": "2600 1234 56789"})
    assert "we sent a code there" in r.text
    code = re.search(r"\b(\d{6})\b", site.last_body()).group(1)
    r = site.client.post("/signin/code", data={"csrf": CSRF.search(r.text).group(1), "code": code},
                         follow_redirects=False)
    assert r.status_code == 303 and r.headers["location"] == "/account"
    assert site.client.get("/account").status_code == 200
    assert "2600123456789" not in (site.tmp / "hub.db").read_bytes().decode("latin-1")


@pytest.mark.parametrize("scanned, typed", [
    ("CARD-2024-XY17", "CARD-2024-XY17"),     # a Code 128 card: the gateway hashes it with its dashes
    ("2600123456784", "2600-1234-56784"),     # an EAN card typed with dashes between the digit groups
    ("2600123456784", "2600 1234 5678 4"),
])
def test_a_card_signs_in_as_the_gateway_read_it(site, scanned, typed):
    """The account knows the card by the HMAC a gateway sent (gateway.loyalty.cardkey over what the
    scanner read); typing the number printed on the card must find that account."""
    from gateway.loyalty.cardkey import card_hmac as gateway_hmac
    from gateway.scanner.cards import validate

    account = site.sign_in("anna@example.com")
    site.store.add_card(account, gateway_hmac(CARD_KEY, validate(scanned).number))
    site.client.cookies.clear()
    before = len(site.mails())
    r = site.post("/signin/card", {"card": typed})
    assert "we sent a code there" in r.text
    assert len(site.mails()) == before + 1, "no code was mailed: the card was not recognised"
    code = re.search(r"\b(\d{6})\b", site.last_body()).group(1)
    r = site.client.post("/signin/code", data={"csrf": CSRF.search(r.text).group(1), "code": code},
                         follow_redirects=False)
    assert r.status_code == 303 and site.client.get("/account").status_code == 200


def test_a_wrong_code_is_refused_and_five_tries_end_the_ticket(site):
    account = site.sign_in("anna@example.com")
    site.store.add_card(account, card_hmac(CARD_KEY, "2600123456789"))
    site.client.cookies.clear()
    page = site.post("/signin/card", {"card": "2600123456789"})
    code = re.search(r"\b(\d{6})\b", site.last_body()).group(1)
    wrong = f"{(int(code) + 1) % 10**6:06d}"
    csrf = CSRF.search(page.text).group(1)
    answers = [site.client.post("/signin/code", data={"csrf": csrf, "code": wrong}) for _ in range(5)]
    assert [a.status_code for a in answers] == [400] * 5
    assert "wrong or has expired" in answers[0].text
    r = site.client.post("/signin/code", data={"csrf": csrf, "code": code})
    assert r.status_code == 429  # the right code, too late: the ticket is used up
    assert site.client.get("/account", follow_redirects=False).status_code == 303


def test_an_unknown_card_gets_the_same_answer_and_no_mail(site):
    known_account = site.sign_in("anna@example.com")
    site.store.add_card(known_account, card_hmac(CARD_KEY, "1111222233334"))
    site.client.cookies.clear()
    before = len(site.mails())
    known = site.post("/signin/card", {"card": "1111222233334"})
    unknown = site.post("/signin/card", {"card": "9999888877776"})
    assert len(site.mails()) == before + 1
    strip = lambda html: re.sub(r'value="[^"]+"', "", html)  # noqa: E731
    assert strip(known.text) == strip(unknown.text)


def test_asking_for_links_is_rate_limited(tmp_path):
    site = make_site(tmp_path)
    codes = [site.post("/signin/email", {"email": f"u{i}@example.com"}).status_code for i in range(11)]
    assert codes == [200] * 10 + [429]
    assert "Too many attempts" in site.post("/signin/email", {"email": "x@example.com"}).text


def test_one_address_gets_at_most_three_messages(tmp_path):
    site = make_site(tmp_path)
    for _ in range(5):
        assert site.post("/signin/email", {"email": "anna@example.com"}).status_code == 200
    assert len(site.mails()) == 3


def test_next_goes_only_to_our_own_pages(site):
    site.post("/signin/email", {"email": "anna@example.com", "next": "https://evil.example/"})
    assert "next=/account" in site.last_body()
    site.post("/signin/email", {"email": "anna@example.com", "next": "//evil.example/x"})
    assert "next=/account" in site.last_body()


def test_sign_out_ends_the_session(site):
    site.sign_in()
    r = site.post("/signout", {}, form_page="/account")
    assert "You are signed out." in r.text
    assert site.client.get("/account", follow_redirects=False).headers["location"] == "/signin?next=/account"
