"""A card scan decides what the printer gets: python-escpos till over TCP -> gateway -> TCP printer,
a real mosquitto, a hub answering scans. For each mode the printer receives exactly the expected
bytes and the published e-receipt says what happened; status queries inside a held receipt are
answered at once; the card number is never in clear in a payload, a log line or the outbox.
"""

from __future__ import annotations

import io
import json
import logging

import pytest
import zxingcpp
from PIL import Image

from gateway.loyalty.cardkey import card_hmac
from gateway.printer.decoder import decode
from gateway.printer.render_png import render_png
from gateway.receipt.schema import errors as schema_errors
from tests.integration.loyalty_rig import KEY, KICK, QUERY, Hub, Rig, print_job, receipt_job
from tests.integration.proxy_helpers import wait_for

CARD = "4006381333931"
HMAC = card_hmac(KEY, CARD)


@pytest.fixture
def rig(mosquitto, tmp_path, request):
    hub = Hub(mosquitto.url)
    r = Rig(mosquitto.url, tmp_path, **getattr(request, "param", {}))
    r.hub = hub
    yield r
    r.close()
    hub.close()


def qr_payloads(stub: bytes) -> list[str]:
    png = render_png(decode(stub, "TM-T88V"))
    # QR only: the 1D decoders can "read" a code in the stub's printed text now and then
    return [res.text for res in zxingcpp.read_barcodes(Image.open(io.BytesIO(png)), formats=zxingcpp.BarcodeFormat.QRCode)]


def scan(rig, number=CARD):
    result, session = rig.desk.scan(number)
    assert result.valid
    assert session.wait_preference(2) is not None
    return session


def test_qr_customer_gets_a_stub_linking_to_the_receipt(rig, caplog):
    caplog.set_level(logging.DEBUG)
    rig.hub.answers[HMAC] = {"mode": "qr", "greeting": "Hello Ann", "points_balance": 1234}
    assert scan(rig).preference.source == "hub"
    raw, steps = receipt_job("Bruin brood              3.20", "Appeltaart               9.20")
    answers = print_job(rig, steps)
    assert answers == [b"\x16"]  # the printer answered DLE EOT 1 while the receipt was held
    e = rig.wait_receipts(1)
    wait_for(lambda: rig.printer.printer.printed.endswith(b"\x1dVA\x00") or
             rig.printer.printer.printed.endswith(b"\x1dV\x00"), what="the stub's cut")
    printed = bytes(rig.printer.printer.printed)
    assert printed.startswith(QUERY + KICK)
    stub = printed[len(QUERY + KICK):]
    url = f"https://receipts.example.com/r/{e['access_token']}"
    assert qr_payloads(stub) == [url]
    assert b"Bruin brood" not in printed and b"BAKKERIJ JANSSENS" in stub
    assert e["delivery"] == {"mode": "qr", "reason": "customer preference (from the hub)"}
    assert e["loyalty"]["card"] == {"hmac": HMAC, "key_id": "k1"} and e["loyalty"]["points_balance"] == "1234"
    assert "Bruin brood              3.20" in e["text"]
    assert schema_errors(e) == []
    topic, payload = rig.hub.asked.get(timeout=1)
    assert topic == "receipts/v1/store-1/gw-1/scan/till-1"
    assert json.loads(payload) == {"card": {"hmac": HMAC, "key_id": "k1"}}
    wait_for(lambda: rig.outbox_payloads(), what="the outbox row")
    stored = b"".join(rig.outbox_payloads())
    assert HMAC.encode() in stored
    for place in (stored, payload, caplog.text.encode(), (rig.data_dir / "preferences.db").read_bytes()):
        assert CARD.encode() not in place


def test_none_customer_gets_only_the_kick(rig):
    rig.hub.answers[HMAC] = {"mode": "none", "greeting": None, "points_balance": None}
    scan(rig)
    raw, steps = receipt_job("Bruin brood              3.20")
    assert print_job(rig, steps) == [b"\x16"]
    e = rig.wait_receipts(1)
    rig.gw.proxy.drain(5)
    assert bytes(rig.printer.printer.printed) == QUERY + KICK
    assert e["delivery"]["mode"] == "none" and e["loyalty"]["card"]["hmac"] == HMAC


def test_paper_customer_gets_the_receipt_byte_for_byte(rig):
    rig.hub.answers[HMAC] = {"mode": "paper", "greeting": "Hi", "points_balance": None}
    scan(rig)
    raw, steps = receipt_job("Bruin brood              3.20")
    print_job(rig, steps)
    e = rig.wait_receipts(1)
    wait_for(lambda: len(rig.printer.printer.printed) >= len(raw), what="the receipt")
    assert bytes(rig.printer.printer.printed) == raw
    assert e["delivery"] == {"mode": "paper", "reason": "customer preference (from the hub)"}
    assert e["loyalty"]["card"]["hmac"] == HMAC


@pytest.mark.parametrize("rig", [{"country": "fr"}], indirect=True)
def test_a_cancelled_card_slip_is_printed_whatever_the_customer_chose(rig):
    rig.hub.answers[HMAC] = {"mode": "none", "greeting": None, "points_balance": None}
    scan(rig)
    raw, steps = receipt_job("CARTE BANCAIRE", "TRANSACTION ANNULEE")
    print_job(rig, steps)
    e = rig.wait_receipts(1)
    wait_for(lambda: len(rig.printer.printer.printed) >= len(raw), what="the receipt")
    assert bytes(rig.printer.printer.printed) == QUERY + KICK + raw.replace(QUERY, b"").replace(KICK, b"")
    assert e["delivery"]["mode"] == "paper" and "cancelled" in e["delivery"]["reason"]


def test_the_scan_is_for_the_next_receipt_only(rig):
    rig.hub.answers[HMAC] = {"mode": "none", "greeting": None, "points_balance": None}
    scan(rig)
    first, steps = receipt_job("ONE")
    print_job(rig, steps)
    second, steps = receipt_job("TWO")
    print_job(rig, steps)
    rig.wait_receipts(2)
    wait_for(lambda: rig.printer.printer.printed.endswith(second), what="the second receipt on paper")
    assert bytes(rig.printer.printer.printed) == QUERY + KICK + second
    assert [e["delivery"]["mode"] for e in rig.receipts] == ["none", "paper"]
    assert rig.receipts[1]["loyalty"] is None or rig.receipts[1]["loyalty"].get("card") is None


def test_hub_late_or_wrong_falls_back_to_cache_then_default(rig, caplog):
    rig.hub.answers[HMAC] = {"mode": "qr", "greeting": None, "points_balance": None}
    scan(rig)  # remembered in the cache
    rig.hub.answers[HMAC] = ("late", 1.0, {"mode": "none", "greeting": None, "points_balance": None})
    session = scan(rig)
    assert session.preference.mode == "qr" and session.preference.source == "cache"
    other = "5449000000996"
    rig.hub.answers[card_hmac(KEY, other)] = ("raw", b"{not json")
    session = scan(rig, other)
    assert session.preference.source == "default" and session.preference.mode == "paper"
    rig.hub.answers[card_hmac(KEY, other)] = {"mode": "email"}
    session = scan(rig, other)
    assert session.preference.source == "default"
    assert "not usable" in caplog.text


def test_garbage_scans_and_a_scan_with_no_receipt_change_nothing(rig):
    for bad in ("4006381333932", "40063813", "\x1b[A\x00", '{"card": "40', ""):
        result, session = rig.desk.scan(bad)
        assert not result.valid and session is None
    assert [e["event"] for e in rig.events].count("invalid_card") == 5
    raw, steps = receipt_job("Bruin brood              3.20")
    print_job(rig, steps)
    rig.wait_receipts(1)
    wait_for(lambda: len(rig.printer.printer.printed) >= len(raw), what="the receipt")
    assert bytes(rig.printer.printer.printed) == raw


@pytest.mark.parametrize("rig", [{"window_s": 5}], indirect=True)
def test_a_scan_with_no_receipt_expires(rig):
    rig.hub.answers[HMAC] = {"mode": "none", "greeting": None, "points_balance": None}
    rig.desk.sessions.clock = lambda: 1e12  # the window has long passed when the receipt comes
    scan(rig)
    rig.desk.sessions.clock = lambda: 2e12
    raw, steps = receipt_job("Bruin brood")
    print_job(rig, steps)
    e = rig.wait_receipts(1)
    assert e["delivery"]["mode"] == "paper"


def test_a_till_polling_status_between_receipts_on_one_connection_still_gets_the_card(rig):
    """Receipt, status polls, the scan, more polls, the next receipt: all on one open connection."""
    from escpos.printer import Network

    rig.hub.answers[HMAC] = {"mode": "none", "greeting": None, "points_balance": None}
    first, _ = receipt_job("ONE", query=False)
    second, _ = receipt_job("TWO", query=False)
    till = Network("127.0.0.1", rig.gw.port, timeout=5, profile="TM-T88V")
    try:
        till._raw(first)
        wait_for(lambda: rig.printer.printer.printed.endswith(first), what="the first receipt")
        rig.gw.proxy.drain(5)
        for _ in range(2):
            till._raw(QUERY)
            assert till._read() == b"\x16"
        scan(rig)
        till._raw(QUERY)
        assert till._read() == b"\x16"
        till._raw(second)
        rig.wait_receipts(2)
    finally:
        till.close()
    assert bytes(rig.printer.printer.printed) == first + QUERY * 3 + KICK
    assert [e["delivery"]["mode"] for e in rig.receipts] == ["paper", "none"]


@pytest.mark.parametrize("mode", ["paper", "qr", "none"])
def test_jobs_that_print_nothing_leave_the_card_for_the_next_real_receipt(rig, mode):
    """After the scan the till kicks the drawer, polls the status and feeds-and-cuts, each as a job of its
    own: none of them prints anything, so none is the card's receipt; the real one after them is."""
    rig.hub.answers[HMAC] = {"mode": mode, "greeting": None, "points_balance": None}
    scan(rig)
    cut = b"\x1dV\x00"
    print_job(rig, [("raw", KICK)])
    assert print_job(rig, [("query", None)]) == [b"\x16"]
    print_job(rig, [("cut", None)])
    wait_for(lambda: rig.printer.printer.printed.endswith(cut), what="the blank jobs at the printer")
    blank = bytes(rig.printer.printer.printed)
    assert blank.startswith(KICK + QUERY)   # a drawer kick and a status query always reach the printer at once
    raw, steps = receipt_job("Bruin brood              3.20")
    print_job(rig, steps)
    e = rig.wait_receipts(1)
    rig.gw.proxy.drain(5)
    assert len(rig.receipts) == 1, "a job that prints nothing is not a receipt"
    assert e["delivery"] == {"mode": mode, "reason": "customer preference (from the hub)"}
    assert e["loyalty"]["card"] == {"hmac": HMAC, "key_id": "k1"}
    wait_for(lambda: len(rig.printer.printer.printed) >= len(blank) + len(QUERY + KICK), what="the receipt's part")
    printed = bytes(rig.printer.printer.printed)[len(blank):]
    if mode == "paper":
        wait_for(lambda: rig.printer.printer.printed.endswith(raw), what="the receipt on paper")
    elif mode == "none":
        assert printed == QUERY + KICK
    else:
        wait_for(lambda: rig.printer.printer.printed.endswith(cut), what="the stub's cut")
        stub = bytes(rig.printer.printer.printed)[len(blank) + len(QUERY + KICK):]
        assert qr_payloads(stub) == [f"https://receipts.example.com/r/{e['access_token']}"]


def test_a_paper_card_counts_for_one_receipt_when_two_come_in_one_job(rig):
    """Receipt and card slip in one write: both are printed; the card is on the first only."""
    from escpos.printer import Network

    rig.hub.answers[HMAC] = {"mode": "paper", "greeting": None, "points_balance": None}
    scan(rig)
    first, _ = receipt_job("ONE", query=False)
    second, _ = receipt_job("SLIP", query=False)
    till = Network("127.0.0.1", rig.gw.port, timeout=5, profile="TM-T88V")
    try:
        till._raw(first + second)
        rig.wait_receipts(2)
    finally:
        till.close()
    wait_for(lambda: rig.printer.printer.printed.endswith(second), what="both on paper")
    assert bytes(rig.printer.printer.printed) == first + second
    one, slip = rig.receipts
    assert one["delivery"] == {"mode": "paper", "reason": "customer preference (from the hub)"}
    assert one["loyalty"]["card"]["hmac"] == HMAC
    assert slip["delivery"]["mode"] == "paper" and (slip["loyalty"] or {}).get("card") is None


def test_the_stub_shows_the_points_the_hub_books_for_this_receipt(mosquitto, tmp_path):
    """The real hub answers the scan with its balance and its [loyalty_rules]; the stub prints the balance
    and "+N with this receipt"; the hub, storing that e-receipt, books exactly N."""
    from gateway.hub.db import Incoming, Store
    from gateway.hub.ledger import Rules
    from gateway.hub.scan import ScanResponder
    from gateway.printer.render_text import render_text
    from tests.integration.mqtt_rig import settings

    rules = Rules.from_section({"points_per_euro": 2.0, "categories": ["tobacco:(?i)sigaret"],
                                "excluded_categories": ["tobacco"]})
    store = Store("sqlite:///hub.db", base_dir=tmp_path, rules=rules)
    store.migrate()
    account = store.create_account("ann@example.org", card_hmac=HMAC, mode="qr", greeting_name="Ann")
    store.add_entry(account, "bonus", 120, "welcome")
    responder = ScanResponder(settings(mosquitto.url), store, reconnect_max_s=1.0)
    responder.start()
    (tmp_path / "gw").mkdir()
    rig = Rig(mosquitto.url, tmp_path / "gw")
    try:
        wait_for(lambda: responder.connected, 10, what="the hub's scan responder")
        session = scan(rig)
        assert session.preference.source == "hub" and session.preference.points_balance == 120
        _raw, steps = receipt_job("Bruin brood              3.20", "Sigaretten               8.00")
        print_job(rig, steps)
        e = rig.wait_receipts(1)
        wait_for(lambda: rig.printer.printer.printed.endswith(b"\x1dV\x00"), what="the stub's cut")
        text = render_text(decode(bytes(rig.printer.printer.printed)[len(QUERY + KICK):], "TM-T88V"))
        assert "Points: 120  +6 with this receipt" in text, text   # 3.20 x 2; tobacco earns nothing
        store.insert_receipts([Incoming(e, json.dumps(e), "store-1", "gw-1", "till-1")])
        assert store.balance(account) == 120 + 6
    finally:
        rig.close()
        responder.stop()
        store.close()
