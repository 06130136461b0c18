"""Hub ingest on a real mosquitto: gateways' outboxes -> two shared-subscription consumers -> the Store.

Every captured receipt is stored exactly once and acked (the gateways' outboxes drain);
malformed e-receipts are rejected, reported and kept aside, never stored in `receipts`;
a gap is asked for with `resend`; sequences the gateway no longer has are recorded as lost.
"""

from __future__ import annotations

import json
import time

import pytest

pytest.importorskip("sqlalchemy", reason="the hub extra is not installed: pip install -e '.[hub]'")

from gateway.hub.ingest import rejected_topic  # noqa: E402
from gateway.mqtt.outbox import Outbox  # noqa: E402
from tests.hubdb import pg_reason, store  # noqa: E402
from tests.integration.hub.rig import PREFIX, Watcher, consumers, stop  # noqa: E402
from tests.integration.mqtt_rig import gateway, receipt, wait_for  # noqa: E402


@pytest.fixture(params=["sqlite", "postgresql"])
def hub_store(request, tmp_path):
    if request.param == "postgresql" and (reason := pg_reason()):
        pytest.skip(reason)
    with store(request.param, tmp_path / "hub") as s:
        yield s


def test_two_gateways_two_consumers_every_receipt_stored_once(mosquitto, tmp_path, hub_store):
    hub = consumers(mosquitto.url, hub_store, n=2)
    gws = [gateway(mosquitto.url, tmp_path / f"gw{i}", gw=f"gw-{i}") for i in (1, 2)]
    try:
        captured = {}
        for n in range(150):
            for i, gw in enumerate(gws, 1):
                rid, seq = gw.submit(receipt(n, gw=f"gw-{i}"), "till-1")
                captured[rid] = (f"gw-{i}", seq)
        for gw in gws:
            assert gw.wait_drained(30), f"outbox not drained (hub acks missing): {gw.outbox.stats()}"
        assert hub_store.receipt_count() == 300
        for rid, (gw_id, seq) in list(captured.items())[::37]:
            row = hub_store.receipt(rid)
            assert (row["gateway_id"], row["sequence"]) == (gw_id, seq)
            assert hub_store.receipt_by_token(row["access_token"])["receipt_id"] == rid
        assert sum(c.counts.stored for c in hub) == 300
        assert all(c.counts.received for c in hub), "the shared subscription should split the stream"
        assert hub_store.gateway_gaps() == {}
        assert hub_store.gateway("gw-1")["high_sequence"] == 150
    finally:
        for gw in gws:
            gw.stop()
        stop(hub)


def test_malformed_receipts_are_rejected_reported_and_kept_aside(mosquitto, tmp_path, hub_store):
    watcher = Watcher(mosquitto.url, rejected_topic(PREFIX))
    hub = consumers(mosquitto.url, hub_store, n=1)
    gw = gateway(mosquitto.url, tmp_path / "gw")
    try:
        bad = receipt(1)
        bad["totals"]["gross"] = "4,25"                      # a comma amount: not the schema's
        rid, _ = gw.submit(bad, "till-1")
        good_rid, _ = gw.submit(receipt(2), "till-1")
        watcher.publish(f"{PREFIX}/store-1/gw-1/receipt/till-1", b'{"receipt_id": "01J')
        wait_for(lambda: len(watcher.on("_hub/rejected")) == 2, 15, "two rejection reports")
        assert gw.wait_drained(15), "a rejected receipt is acked once kept aside (else it comes back forever)"
        assert hub_store.receipt_count() == 1 and hub_store.receipt(rid) is None
        assert hub_store.receipt(good_rid) is not None
        reports = {m[1]["receipt_id"]: m[1] for m in watcher.on("_hub/rejected")}
        assert "totals/gross" in " ".join(reports[rid]["errors"])
        assert json.loads(reports[rid]["payload"])["totals"]["gross"] == "4,25"
        assert "not JSON" in reports[None]["errors"][0]
        kept = hub_store.rejected()
        assert {k["receipt_id"] for k in kept} == {rid, None}
        assert hub[0].counts.rejected == 2
    finally:
        gw.stop()
        stop(hub)
        watcher.close()


def test_a_gap_is_asked_for_and_filled(mosquitto, tmp_path, hub_store):
    """Sequence 5 was confirmed without reaching this hub: the hub notices and asks for it."""
    ob = Outbox(tmp_path / "gw")
    ids = [ob.add(receipt(n), f"{PREFIX}/store-1/gw-1/receipt/till-1")[0] for n in range(10)]
    ob.confirm([ids[4]])
    ob.close()
    hub = consumers(mosquitto.url, hub_store, n=2)
    gw = gateway(mosquitto.url, tmp_path / "gw")
    try:
        wait_for(lambda: hub_store.receipt_count() == 10, 20, "the hub asks for sequence 5 and gets it")
        assert hub[0].resend_requests >= 1
        assert hub_store.gateway("gw-1")["missing"] == [] and hub_store.gateway("gw-1")["lost"] == []
    finally:
        gw.stop()
        stop(hub)


def test_sequences_the_gateway_no_longer_has_are_recorded_lost(mosquitto, tmp_path, hub_store):
    ob = Outbox(tmp_path / "gw", retention_s=0)
    ids = [ob.add(receipt(n), f"{PREFIX}/store-1/gw-1/receipt/till-1")[0] for n in range(5)]
    ob.confirm(ids[:2])
    ob.purge(now=time.time() + 1)
    ob.close()
    hub = consumers(mosquitto.url, hub_store, n=1)
    gw = gateway(mosquitto.url, tmp_path / "gw", retention_s=0)
    try:
        wait_for(lambda: (hub_store.gateway("gw-1") or {}).get("lost") == [(1, 2)], 20,
                 "the gateway answers that 1..2 are gone")
        assert hub_store.receipt_count() == 3 and hub_store.gateway_gaps() == {}
    finally:
        gw.stop()
        stop(hub)


def test_customer_story_card_points_claim(mosquitto, tmp_path, hub_store):
    """A card scanned at the till: the receipt is in the account with its points once the customer
    signs up with that card; a receipt without the card is claimed by number + date + total."""
    import hashlib
    import hmac

    key, number = b"retailer-secret", "6299 0001 2345 6789"
    card = hmac.new(key, number.replace(" ", "").encode(), hashlib.sha256).hexdigest()
    hub = consumers(mosquitto.url, hub_store, n=2)
    gw = gateway(mosquitto.url, tmp_path / "gw")
    try:
        with_card = receipt(4, gw="gw-1")
        with_card["loyalty"] = {"card": {"hmac": card, "key_id": "k1"}, "points_earned": None, "points_balance": None}
        rid_card, _ = gw.submit(with_card, "till-1")
        rid_plain, _ = gw.submit(receipt(5), "till-1")
        assert gw.wait_drained(20)
        acc = hub_store.create_account("ann@example.org", card_hmac=card)
        mine = hub_store.receipts_for_account(acc)
        assert [r["receipt_id"] for r in mine] == [rid_card]
        total = mine[0]["receipt"]["totals"]["gross"]                     # 1 x Coffee ... as printed
        assert hub_store.balance(acc) == int(float(total)) > 0
        plain = hub_store.receipt(rid_plain)
        day = plain["issued_at"][:10]
        assert hub_store.claim(acc, plain["receipt_number"], day, plain["total"]) == rid_plain
        assert {r["receipt_id"] for r in hub_store.receipts_for_account(acc)} == {rid_card, rid_plain}
        assert number.replace(" ", "") not in json.dumps(hub_store.receipt(rid_card))
    finally:
        gw.stop()
        stop(hub)
