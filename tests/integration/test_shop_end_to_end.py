"""Issue 8's "done when", the whole way: a customer scans a loyalty card on a serial scanner (pty) at a
gateway (in process, real mosquitto), the hub (ingest + scan responder + web pages, SQLite) answers
`qr`, the printer gets a stub whose QR code opens the receipt page; the customer signs in with the card
and a code and finds the receipt and its points; a customer without the card claims theirs; the hub
restarts mid-stream and no receipt is lost or stored twice."""

from __future__ import annotations

import re
import threading
import time

import pytest

pytest.importorskip("sqlalchemy", reason="the hub extra is not installed: pip install -e '.[hub]'")

from escpos.printer import Dummy  # noqa: E402

from gateway.app import Gateway  # noqa: E402
from gateway.config.hub import load_hub  # noqa: E402
from gateway.hub.auth import card_hmac  # noqa: E402
from gateway.hub.db import Store  # noqa: E402
from gateway.hub.service import HubService, open_store  # noqa: E402
from gateway.printer.fake_printer import FakeNetworkPrinter  # noqa: E402
from gateway.scanner.fake_serial import PtyScanner  # noqa: E402
from tests.integration.gateway_rig import till_print, wait_for  # noqa: E402
from tests.integration.hub.test_hub_process import hub_config  # noqa: E402
from tests.integration.test_loyalty_end_to_end import qr_payloads  # noqa: E402
from tests.integration.test_loyalty_gateway import loyalty_config  # noqa: E402
from tests.unit.hub.web_support import CARD_KEY, CSRF, make_site  # noqa: E402

CARD = "2600123456784"   # an EAN-13 with its check digit, as a card carries
QR = "https://receipts.example.com/r/{token}"
CUT = (b"\x1dV\x00", b"\x1dVA\x00", b"\x1dVB\x00")


def bakery_receipt(number: int, *lines: tuple[str, str], total: str) -> bytes:
    """A bakery's receipt as the till's python-escpos driver prints it."""
    p = Dummy(profile="TM-T88V")
    p.set(align="center", bold=True)
    p.textln("BAKKERIJ JANSSENS")
    p.set(align="left", bold=False)
    p.textln(f"23-11-2026 14:02          Bon {number}")
    for desc, amount in lines:
        p.textln(f"{desc:<32}{amount:>10}")
    p.textln(f"{'TOTAAL EUR':<32}{total:>10}")
    p.textln(f"{'Bancontact':<32}{total:>10}")
    p.cut()
    return p.output


class Hub:
    """The hub as `receipt-gateway hub` runs it (ingest in threads here), restartable on its database."""

    def __init__(self, tmp, url):
        (tmp / "hub").mkdir()
        path = hub_config(tmp / "hub", url)
        with path.open("a") as f:
            f.write("ingest_processes = false\nconsumers = 2\n[loyalty_rules]\nsignup_bonus = 25\n")
        self.cfg = load_hub(path)
        self.service: HubService | None = None

    def start(self) -> Store:
        self.service = HubService(self.cfg)
        self.service.start()
        wait_for(lambda: self.service.scan.connected and all(c.connected for c in self.service.consumers), 5,
                 "the hub's MQTT clients")
        return self.service.store

    def stop(self) -> None:
        self.service.stop()


def test_scan_qr_stub_receipt_page_account_points_claim_and_restart(mosquitto, tmp_path):
    hub = Hub(tmp_path, mosquitto.url)
    store = hub.start()
    (tmp_path / "web").mkdir()
    site = make_site(tmp_path / "web", store=open_store(hub.cfg))   # the pages' own Store, as a web process opens it
    anna = store.create_account("anna@example.com", card_hmac=card_hmac(CARD_KEY, CARD), mode="qr",
                                greeting_name="Anna")
    printer, scanner = FakeNetworkPrinter(), PtyScanner()
    (tmp_path / "gw").mkdir()
    cfg, port = loyalty_config(tmp_path / "gw", mosquitto.url, printer.address, scanner.name, card_key=CARD_KEY,
                               qr_template=QR)
    published: list[dict] = []
    gw = Gateway(cfg)
    gw.receipt_listeners.append(published.append)
    events: list[dict] = []
    gw.desk.listeners.append(events.append)
    gw.start()
    try:
        # Anna scans her card; the hub answers with her choice: a QR stub
        scanner.scan(CARD)
        accepted = wait_for(lambda: [e for e in events if e["event"] == "card_accepted"], 5, "the hub's answer")[0]
        assert (accepted["mode"], accepted["greeting"], accepted["points_balance"], accepted["source"]) == \
            ("qr", "Hello Anna", 25, "hub")
        till_print(port, [bakery_receipt(4711, ("Bruin brood", "3.20"), ("Appeltaart", "9.20"), total="12.40")])
        wait_for(lambda: bytes(printer.printer.printed).endswith(CUT), 10, "the stub")
        [url] = qr_payloads(bytes(printer.printer.printed))
        token = re.fullmatch(r"https://receipts\.example\.com/r/([\w-]+)", url).group(1)
        mine = wait_for(lambda: store.receipt_by_token(token), 10, "the receipt in the hub")
        assert mine["receipt_id"] == published[0]["receipt_id"]
        page = site.client.get(f"/r/{token}")
        assert page.status_code == 200
        for text in ("BAKKERIJ JANSSENS", "Bruin brood", "Appeltaart", "12.40"):
            assert text in page.text.replace("12,40", "12.40"), text
        assert site.client.get(f"/r/{token[:-1]}{'A' if token[-1] != 'A' else 'B'}").status_code == 404

        # a customer without a card: paper, then claimed later by number + date + total
        till_print(port, [bakery_receipt(4712, ("Croissant", "1.60"), ("Koffie", "2.80"), total="4.40")])
        bob_receipt = wait_for(lambda: len(published) > 1 and published[1], 10, "Bob's receipt")
        assert bob_receipt["delivery"]["mode"] == "paper" and bob_receipt["loyalty"] is None

        # the hub restarts while the till keeps printing: nothing lost, nothing stored twice
        burst = [bakery_receipt(5000 + i, ("Pistolet", "0.60"), total="0.60") for i in range(20)]

        def till_keeps_printing():
            for data in burst:
                till_print(port, [data])
                time.sleep(0.05)
        printing = threading.Thread(target=till_keeps_printing)
        printing.start()
        wait_for(lambda: len(published) >= 8, 15, "receipts before the restart")
        hub.stop()
        stored_before = site.store.receipt_count()
        wait_for(lambda: len(published) >= stored_before + 4, 15, "receipts while the hub is down")
        assert site.store.receipt_count() == stored_before < 22
        store = hub.start()
        printing.join(30)
        wait_for(lambda: gw.outbox.depth == 0, 30, "every receipt acked")
        ids = [e["receipt_id"] for e in published]
        assert len(ids) == len(set(ids)) == 22
        assert store.receipt_count() == 22
        assert sorted(store.receipt(i)["receipt_id"] for i in ids) == sorted(ids)

        # Anna signs in with her card and the code mailed to her: her receipt and points are there
        r = site.post("/signin/card", {"card": CARD})
        code = re.search(r"\b(\d{6})\b", site.last_body()).group(1)
        assert site.mails()[-1]["To"] == "anna@example.com"
        r = site.client.post("/signin/code", data={"csrf": CSRF.search(r.text).group(1), "code": code},
                             follow_redirects=False)
        assert r.status_code == 303
        account = site.client.get("/account")
        assert "BAKKERIJ JANSSENS" in account.text and f"/r/{token}" in account.text
        assert [x["receipt_id"] for x in store.receipts_for_account(anna)] == [mine["receipt_id"]]
        assert sorted((e["kind"], e["points"]) for e in store.ledger(anna)) == [("bonus", 25), ("earn", 12)]
        assert store.balance(anna) == 37
        assert re.search(r"\b37\b", site.client.get("/account/points").text)

        # Bob forgot his card: he signs in by the emailed link and claims his receipt
        site.client.cookies.clear()
        bob = site.sign_in("bob@example.com")
        day, number = bob_receipt["issued_at"][:10], bob_receipt["receipt_number"]
        assert number == "4712"
        ok = site.post("/account/claim", {"number": number, "date": day, "total": "4,40"}, form_page="/account")
        assert "the receipt is now in your account" in ok.text
        assert [x["receipt_id"] for x in store.receipts_for_account(bob)] == [bob_receipt["receipt_id"]]
        assert store.balance(bob) == 25 + 4         # the sign-up bonus and the claimed receipt's 4.40
        # the card number is nowhere in the hub's database
        assert CARD.encode() not in (tmp_path / "hub" / "data" / "hub.db").read_bytes()
    finally:
        gw.stop()
        hub.stop()
        site.client.close()
        site.store.close()
        printer.close()
        scanner.close()
