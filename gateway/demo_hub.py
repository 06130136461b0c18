"""The demo's hub: the reference hub when the `hub` extra is installed, else a stand-in.

`ReferenceHub` runs `gateway.hub` in the demo's process as `receipt-gateway hub` would (its
own hub.toml in the demo folder): ingest into SQLite, the scan responder answering with each
demo customer's preference, and the receipt pages on a free loopback port, so the QR code on
a stub opens a real page. `StandInHub` only answers the scans (the same accounts, from
memory); the `listen` consumer then takes and acks the receipts.
"""

from __future__ import annotations

import os
import threading
import time
import urllib.request
from pathlib import Path

from gateway.demo_shop import CUSTOMERS, KEY_ID, card_hmac

PREFIX = "receipts/v1"


class ReferenceHub:
    name = "the reference hub"
    acks = True

    def __init__(self, folder: Path, mqtt_url: str, key_path: Path):
        from gateway.config.hub import load_hub
        from gateway.hub.service import HubService
        from gateway.mqtt.local_broker import free_port

        folder.mkdir(parents=True, exist_ok=True)
        self.port = free_port()
        self.base = f"http://127.0.0.1:{self.port}"
        secret = folder / "session.secret"   # signs the pages' session cookies (mode 0600, as the hub wants)
        secret.touch(0o600)
        secret.write_bytes(os.urandom(32).hex().encode())
        self.config_path = folder / "hub.toml"
        self.config_path.write_text(f"""# the demo's hub: `receipt-gateway hub --config {self.config_path}` runs the same
[mqtt]
url = "{mqtt_url}"
topic_prefix = "{PREFIX}"
[hub]
listen = "127.0.0.1:{self.port}"
database = "sqlite:///hub.db"
consumers = 1
ingest_processes = false
batch_wait_ms = 20
gap_wait_s = 30
log_level = "warning"
public_url = "{self.base}"
secret_file = "{secret}"
mail_dir = "{folder / 'mail'}"
card_key_file = "{key_path}"
card_key_id = "{KEY_ID}"
[loyalty_rules]
points_per_euro = 1
signup_bonus = 50
""", encoding="utf-8")
        self.service = HubService(load_hub(self.config_path))
        self.store = self.service.store
        self.url_template = self.base + "/r/{token}"
        self._server = self._thread = None

    def start(self) -> ReferenceHub:
        import uvicorn

        self.store.migrate()
        for c in CUSTOMERS.values():
            self.store.create_account(c.email, card_hmac=card_hmac(c.card), key_id=KEY_ID, mode=c.mode,
                                      locale=c.locale, greeting_name=c.name)
        self.service.start()
        self._server = uvicorn.Server(uvicorn.Config(self.service.web_app(), host="127.0.0.1", port=self.port,
                                                     log_level="warning", access_log=False, lifespan="off"))
        self._thread = threading.Thread(target=self._server.run, name="hub-web", daemon=True)
        self._thread.start()
        deadline = time.monotonic() + 10
        while not self._server.started:
            if time.monotonic() > deadline or not self._thread.is_alive():
                raise OSError(f"the hub's web pages did not start on 127.0.0.1:{self.port}")
            time.sleep(0.02)
        return self

    def ready(self) -> bool:
        return self.service.scan.connected and all(c.connected for c in self.service.consumers)

    def stored(self) -> int:
        return self.store.receipt_count()

    def fetch(self, url: str) -> tuple[int, str]:
        with urllib.request.urlopen(url, timeout=5) as r:   # noqa: S310 - our own loopback hub
            return r.status, r.read().decode("utf-8", "replace")

    def accounts(self) -> list[tuple[object, int, int]]:
        """(customer, receipts in the account, points balance) per demo customer."""
        out = []
        for c in CUSTOMERS.values():
            account = self.store.account_by_card(card_hmac(c.card))
            out.append((c, len(self.store.receipts_for_account(account["account_id"])),
                        self.store.balance(account["account_id"])))
        return out

    def stop(self) -> None:
        if self._server is not None:
            self._server.should_exit = True
            self._thread.join(10)
        self.service.stop()


class Preferences:
    """The demo accounts' preferences from memory, as `Store.card_preference` gives them."""

    def card_preference(self, hmac: str) -> dict | None:
        for c in CUSTOMERS.values():
            if card_hmac(c.card) == hmac:
                return {"mode": c.mode, "greeting_name": c.name, "locale": c.locale, "points_balance": 0}
        return None


class StandInHub:
    name = "a stand-in scan responder (the hub extra is not installed: pip install -e '.[hub]')"
    acks = False         # the listen consumer acks
    base = None
    url_template = "https://receipts.example.com/r/{token}"

    def __init__(self, mqtt_url: str):
        from gateway.hub.scan import ScanResponder
        from gateway.mqtt.broker import BrokerSettings

        settings = BrokerSettings.from_section({"url": mqtt_url, "topic_prefix": PREFIX})
        self.scan = ScanResponder(settings, Preferences(), group="hub", client_id="demo-scan-1",
                                  reconnect_max_s=1.0)

    def start(self) -> StandInHub:
        self.scan.start()
        return self

    def ready(self) -> bool:
        return self.scan.connected

    def stop(self) -> None:
        self.scan.stop()
