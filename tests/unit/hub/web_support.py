"""A hub web app on a real SQLite store, with a real mail outbox, for the page tests.

Receipts are python-escpos print streams from the sample generator, decoded into
e-receipts the way a gateway does, then stored through `Store.insert_receipts`.
"""

from __future__ import annotations

import email
import email.policy
import json
import re
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

from starlette.testclient import TestClient

from gateway.hub.auth import card_hmac
from gateway.hub.db import Incoming, Store
from gateway.hub.ratelimit import Limiter
from gateway.hub.web import create_app
from gateway.receipt import Source, ereceipt_from_lines
from gateway.receipt.schema import validate
from gateway.samples.generator import make_sample

CARD_KEY = b"retailer-secret-key-1"
CSRF = re.compile(r'name="csrf" value="([^"]+)"')


def sample_ereceipt(seed: int, *, lang: str = "nl", card: str | None = None, seq: int | None = None) -> dict:
    s = make_sample(seed, lang=lang, width=42, layout="inline-spaces")
    loyalty = {"hmac": card_hmac(CARD_KEY, card), "key_id": "k1"} if card else None
    doc = ereceipt_from_lines(s.lines, s.codes, s.data, Source(
        store_id="store-042", till_id="till-1", gateway_id="gw-0001",
        captured_at=datetime(2025, 3, 1, 12, tzinfo=UTC)), sequence=seq if seq is not None else seed,
        loyalty_card=loyalty)
    return validate(doc)


def store_receipts(store: Store, docs: list[dict]) -> None:
    store.insert_receipts([Incoming(d, json.dumps(d), d["source"]["store_id"], d["source"]["gateway_id"],
                                    d["source"]["till_id"]) for d in docs])


@dataclass
class Site:
    client: TestClient
    store: Store
    mail_dir: Path
    tmp: Path

    def csrf(self, path: str = "/signin") -> str:
        return CSRF.search(self.client.get(path).text).group(1)

    def post(self, path: str, data: dict, form_page: str = "/signin", **kw):
        return self.client.post(path, data={"csrf": self.csrf(form_page), **data}, **kw)

    def mails(self) -> list[email.message.EmailMessage]:
        return [email.message_from_bytes(p.read_bytes(), policy=email.policy.default)
                for p in sorted(self.mail_dir.glob("*.eml"))]

    def last_body(self) -> str:
        return self.mails()[-1].get_content()

    def sign_in(self, address: str = "anna@example.com", next_path: str = "/account") -> str:
        """The emailed-link flow, as a customer does it; returns the account id."""
        before = len(self.mails())
        self.post("/signin/email", {"email": address, "next": next_path})
        assert len(self.mails()) == before + 1
        link = re.search(r"https?://\S+", self.last_body()).group(0)
        page = self.client.get(link.replace("http://testserver", ""))
        token = re.search(r'name="token" value="([^"]+)"', page.text).group(1)
        nxt = re.search(r'name="next" value="([^"]+)"', page.text).group(1)
        r = self.client.post("/signin/link", data={"csrf": CSRF.search(page.text).group(1), "token": token,
                                                   "next": nxt}, follow_redirects=False)
        assert r.status_code == 303, r.text
        return self.store.account_by_email(address)["account_id"]


def make_site(tmp_path: Path, *, limiter: Limiter | None = None, api_keys: str | None = None,
              card: bool = True, client_ip: str = "203.0.113.7", store: Store | None = None) -> Site:
    if store is None:
        store = Store("sqlite:///hub.db", base_dir=tmp_path)
        store.migrate()
    (tmp_path / "secret").write_bytes(b"hub-session-secret-for-tests\n")
    (tmp_path / "secret").chmod(0o600)
    hub = {"mail_dir": str(tmp_path / "mail"), "secret_file": str(tmp_path / "secret")}
    cfg = {"hub": hub}
    if card:
        (tmp_path / "loyalty.key").write_bytes(CARD_KEY + b"\n")
        (tmp_path / "loyalty.key").chmod(0o600)
        hub.update(card_key_file=str(tmp_path / "loyalty.key"), card_key_id="k1")
    if api_keys is not None:
        (tmp_path / "api.keys").write_text(api_keys)
        hub["api_keys_file"] = str(tmp_path / "api.keys")
    app = create_app(store, cfg, limiter=limiter)
    client = TestClient(app, client=(client_ip, 50000))
    return Site(client, store, tmp_path / "mail", tmp_path)
