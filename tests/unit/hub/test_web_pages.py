"""What every page shares: the language (Accept-Language and the switch), CSRF on every form,
security headers, and the messages existing in English, Dutch and French."""

from __future__ import annotations

import re

import pytest

pytest.importorskip("starlette", reason="the hub extra is not installed: pip install -e '.[hub]'")

from gateway.hub import i18n  # noqa: E402
from gateway.hub.formatting import money, month  # noqa: E402
from tests.unit.hub.web_support import sample_ereceipt, store_receipts  # noqa: E402


@pytest.mark.parametrize("header,cookie,want", [
    ("fr-BE,fr;q=0.9,en;q=0.8", None, "fr"), ("de-DE,nl;q=0.5", None, "nl"), ("de", None, "en"),
    ("en;q=0.2,nl;q=0.8", None, "nl"), ("", None, "en"), ("nl", "fr", "fr"), ("nl", "xx", "nl"),
    ("fr;q=abc, nl", None, "nl"), (None, None, "en")])
def test_language_negotiation(header, cookie, want):
    assert i18n.negotiate(header, cookie) == want


def test_every_message_exists_in_three_languages():
    for key in i18n.keys():
        texts = [i18n.t(loc, key) for loc in i18n.LOCALES]
        assert all(texts), key
        fields = [sorted(re.findall(r"{(\w+)}", x)) for x in texts]
        assert fields[0] == fields[1] == fields[2], key


def test_amounts_and_months_read_the_local_way():
    assert money("1234.5", "en", "EUR") == "€1,234.50"
    assert money("1234.5", "nl", "EUR") == "€\u00a01.234,50"
    assert money("1234.5", "fr", "EUR") == "1\u202f234,50\u00a0€"
    assert money("abc", "fr") == "abc" and money(None) == ""
    assert money("-3", "en") == "-€3.00" and money("-3", "fr") == "-3,00\u00a0€"
    assert month("2025-07", "fr") == "juillet 2025" and month("2025-07", "nl") == "juli 2025"


def test_pages_follow_accept_language_and_the_switch(site):
    assert '<html lang="fr">' in site.client.get("/signin", headers={"accept-language": "fr-BE"}).text
    r = site.client.get("/lang/nl?next=/signin", follow_redirects=False)
    assert r.status_code == 303 and r.headers["location"] == "/signin"
    page = site.client.get("/signin", headers={"accept-language": "fr-BE"})
    assert '<html lang="nl">' in page.text and "Aanmelden" in page.text
    assert page.headers["content-language"] == "nl"
    assert site.client.get("/lang/en?next=https://evil.example", follow_redirects=False).headers["location"] == "/"


@pytest.mark.parametrize("path,form", [
    ("/signin/email", {"email": "a@example.com"}), ("/signin/card", {"card": "2600123456789"}),
    ("/signout", {}), ("/account/mode", {"mode": "none"}), ("/account/delete", {"confirm": "yes"}),
    ("/account/claim", {"number": "1", "date": "2025-01-01", "total": "1"})])
def test_every_form_needs_the_csrf_token(site, path, form):
    account = site.sign_in()
    for csrf in (None, "wrong-token"):
        data = dict(form, **({"csrf": csrf} if csrf else {}))
        r = site.client.post(path, data=data)
        assert r.status_code == 403 and "This form has expired" in r.text
    assert site.store.account(account)["mode"] == "qr"  # nothing changed


def test_adding_a_receipt_needs_the_csrf_token(site):
    doc = sample_ereceipt(7)
    store_receipts(site.store, [doc])
    site.sign_in()
    assert site.client.post(f"/r/{doc['access_token']}/add", data={"csrf": "x"}).status_code == 403
    assert site.store.receipt_by_token(doc["access_token"])["account_id"] is None


def test_security_headers_and_session_cookie(site):
    r = site.client.get("/signin")
    assert "default-src 'none'" in r.headers["content-security-policy"]
    assert "frame-ancestors 'none'" in r.headers["content-security-policy"]
    assert r.headers["x-content-type-options"] == "nosniff"
    cookie = r.headers["set-cookie"]
    assert "httponly" in cookie.lower() and "samesite=lax" in cookie.lower()


def test_pages_are_accessible_basics(site):
    """lang attribute, a label for every input, one h1, a skip link (the browser tests look further)."""
    site.sign_in()
    for path in ("/", "/signin", "/account", "/account/points", "/account/settings"):
        html = site.client.get(path).text
        assert re.search(r'<html lang="(en|nl|fr)">', html), path
        assert html.count("<h1>") == 1, path
        assert 'class="skip" href="#main"' in html, path
        ids = re.findall(r'<input id="([^"]+)"', html) + re.findall(r'<select id="([^"]+)"', html)
        for ident in ids:
            assert f'for="{ident}"' in html, (path, ident)
        assert not re.search(r"<input (?![^>]*(id=|type=\"hidden\"))", html), path


def test_the_hub_config_file_drives_the_web_side(tmp_path):
    """Relative paths in [hub] are from the config file's directory; a missing key file is named."""
    from gateway.cli import UserError
    from gateway.config.hub import load_hub
    from gateway.hub.db import Store
    from gateway.hub.web import create_app

    (tmp_path / "secret").write_text("s3cret\n")
    (tmp_path / "card.key").write_text("k\n")
    for secret in ("secret", "card.key"):
        (tmp_path / secret).chmod(0o600)
    conf = tmp_path / "hub.toml"
    conf.write_text('[mqtt]\nurl = "mqtt://127.0.0.1:1883"\n[hub]\ndatabase = "sqlite:///hub.db"\n'
                    'secret_file = "secret"\ncard_key_file = "card.key"\nmail_dir = "mail"\n'
                    'public_url = "https://receipts.example.com"\n')
    cfg = load_hub(conf)
    store = Store(cfg["hub"]["database"], base_dir=tmp_path)
    store.migrate()
    app = create_app(store, cfg)
    hub = app.state.hub
    assert hub.secret == b"s3cret" and hub.card_key == b"k" and hub.mailer.outbox == tmp_path / "mail"
    # the card key is the gateways' retailer key: readable by others it is refused, as a gateway refuses it
    (tmp_path / "card.key").chmod(0o644)
    with pytest.raises(UserError, match=r"\[hub\] card_key_file: the secret file .*card.key has mode 0644") as exc:
        create_app(store, cfg)
    assert exc.value.remedy == f"sudo chmod 600 {tmp_path / 'card.key'}"
    assert hub.public_url == "https://receipts.example.com"
    conf.write_text(conf.read_text().replace('"card.key"', '"nope.key"'))
    with pytest.raises(UserError, match=r"cannot read \[hub\] card_key_file .*nope.key"):
        create_app(store, load_hub(conf))
    store.close()


def test_app_from_env_needs_a_shared_secret(tmp_path, monkeypatch):
    """More web processes (uvicorn --factory gateway.hub.web:app_from_env) must share the cookie secret."""
    from gateway.cli import UserError
    from gateway.hub.web import app_from_env

    conf = tmp_path / "hub.toml"
    conf.write_text('[mqtt]\nurl = "mqtt://127.0.0.1:1883"\n[hub]\ndatabase = "sqlite:///hub.db"\n')
    monkeypatch.delenv("RG_HUB_CONFIG", raising=False)
    with pytest.raises(UserError, match="RG_HUB_CONFIG is not set"):
        app_from_env()
    monkeypatch.setenv("RG_HUB_CONFIG", str(conf))
    with pytest.raises(UserError, match="secret_file is needed"):
        app_from_env()
    (tmp_path / "s").write_text("shared\n")
    (tmp_path / "s").chmod(0o600)
    conf.write_text(conf.read_text() + 'secret_file = "s"\n[loyalty_rules]\nsignup_bonus = 30\n')
    app = app_from_env()
    assert app.state.hub.secret == b"shared"
    # the pages' store keeps the hub's points rules: an account made there gets the configured bonus
    app.state.hub.store.migrate()
    account = app.state.hub.store.create_account("new@example.com")
    assert app.state.hub.store.balance(account) == 30
    app.state.hub.store.close()
