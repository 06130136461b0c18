"""The desk at the cut: a held receipt becomes the original, a stub with its own link, or nothing."""

from __future__ import annotations

import json
import logging

import pytest
from escpos.printer import Dummy

from gateway.loyalty.cardkey import CardKey
from gateway.loyalty.desk import CardDesk
from gateway.loyalty.policy import Policy
from gateway.loyalty.preference import PreferenceLookup
from gateway.loyalty.session import Sessions
from gateway.printer.decoder import Decoder
from gateway.printer.hold import HoldFilter
from gateway.receipt.schema import errors as schema_errors
from gateway.scanner.cards import CardRules
from tests.integration.proxy_helpers import wait_for

NUMBER = "4006381333931"
QUERY, KICK = b"\x10\x04\x01", b"\x1bp\x00\x19\xfa"


def receipt(*lines: str) -> bytes:
    p = Dummy()
    p.set(align="center", bold=True)
    p.textln("BAKKERIJ JANSSENS")
    p.set(align="left", bold=False)
    for line in lines:
        p.textln(line)
    p._raw(QUERY)
    p.textln("TOTAAL                     12.40")
    p._raw(KICK)
    p.cut()
    return p.output


def desk(answer, default="paper", country=""):
    def hub(topic, body, timeout):
        return answer
    d = CardDesk("till-1", key=CardKey(b"s" * 32, "k1"), rules=CardRules(), policy=Policy(default, country),
                 sessions=Sessions(180), lookup=PreferenceLookup(hub, lambda t: f"p/scan/{t}", None, default, 0.3),
                 qr_template="https://r.example/r/{token}", source_fields={"store_id": "s", "till_id": "till-1",
                                                                           "gateway_id": "gw"})
    d.events = []
    d.listeners.append(d.events.append)
    return d


def run_receipt(d, raw: bytes):
    """What the pump does: claim at the start, feed the held receipt, release at the cut."""
    claim = d.claim()
    if claim is None or not claim.hold:
        return claim, raw, None
    hold = HoldFilter(claim.mode, claim.stub, Decoder(), claim.decide)
    out, rest = hold.feed(raw)
    assert rest == b""
    return claim, out, hold.info


def scanned(d, scan=NUMBER):
    result, session = d.scan(scan)
    assert result.valid
    assert session.wait_preference(2) is not None
    return session


def test_qr_preference_prints_a_stub_with_the_receipts_own_link(caplog):
    caplog.set_level(logging.DEBUG)
    d = desk({"mode": "qr", "greeting": "Hi", "points_balance": 42})
    scanned(d)
    raw = receipt("Bruin brood          3.20", "Taart                9.20")
    _, out, decision = run_receipt(d, raw)
    e = decision.e_receipt
    assert out.startswith(QUERY + KICK)  # sent when they came, not again
    assert f"https://r.example/r/{e['access_token']}".encode() in out and b"Bruin" not in out
    assert e["delivery"] == {"mode": "qr", "reason": "customer preference (from the hub)"}
    assert e["loyalty"]["card"] == d.key.card(NUMBER) and e["loyalty"]["points_balance"] == "42"
    assert NUMBER not in json.dumps(e) and NUMBER not in caplog.text
    assert schema_errors(e) == []
    wait_for(lambda: d.events[-1]["event"] == "receipt_sent", what="the receipt-sent event")


def test_none_preference_sends_only_the_kick_and_the_query():
    d = desk({"mode": "none", "greeting": None, "points_balance": None})
    scanned(d)
    _, out, decision = run_receipt(d, receipt("Brood 3.20"))
    assert out == QUERY + KICK and decision.mode == "none"


def test_always_print_rule_sends_the_original_unaltered():
    d = desk({"mode": "none"}, country="be")
    scanned(d)
    raw = receipt("Koffie 2.80", "FDM ID: B0123456")
    _, out, decision = run_receipt(d, raw)
    assert decision.mode == "paper" and "GKS" in decision.reason
    assert out == QUERY + KICK + raw.replace(QUERY, b"").replace(KICK, b"")
    assert sorted(out) == sorted(raw)


def test_paper_preference_passes_untouched_and_tags_the_card():
    d = desk({"mode": "paper"})
    scanned(d)
    claim, out, _ = run_receipt(d, receipt("Brood 3.20"))
    assert not claim.hold and claim.info.card == d.key.card(NUMBER)


def test_store_default_none_holds_receipts_without_a_card():
    d = desk(None, default="none")
    _, out, decision = run_receipt(d, receipt("Brood 3.20"))
    assert out == QUERY + KICK and decision.reason == "store default (no card scanned)"
    assert decision.e_receipt["loyalty"] is None or decision.e_receipt["loyalty"].get("card") is None


def test_no_card_default_paper_leaves_the_pump_alone():
    assert desk(None).claim() is None


@pytest.mark.parametrize("scan", ["4006381333932", "", "\x1b[A", '{"card": "40'])
def test_invalid_scans_are_shown_and_ignored(scan):
    d = desk({"mode": "none"})
    result, session = d.scan(scan)
    assert not result.valid and session is None
    assert d.events[-1]["event"] == "invalid_card" and d.claim() is None


def test_print_anyway_reprints_the_full_original_without_kick_or_query():
    d = desk({"mode": "none"})
    printed = []
    d.print_job = lambda data: printed.append(data) or True
    scanned(d)
    raw = receipt("Brood 3.20")
    run_receipt(d, raw)
    assert d.print_anyway() is True
    assert printed == [raw.replace(QUERY, b"").replace(KICK, b"")]
    assert d.print_anyway("no-such-id") is False


def test_a_policy_crash_prints_the_receipt():
    d = desk({"mode": "none"})
    scanned(d)
    d.policy = None  # any bug at the cut
    _, out, _ = run_receipt(d, receipt("Brood 3.20"))
    assert b"Brood" in out


def test_a_status_poll_job_does_not_use_up_the_card():
    d = desk({"mode": "none"})
    scanned(d)
    claim = d.claim()
    hold = HoldFilter(claim.mode, claim.stub, Decoder(), claim.decide)
    out, _ = hold.feed(QUERY + b"\x10\x04\x02")
    assert out == QUERY + b"\x10\x04\x02" and hold.finish() == b""  # the till closed: nothing more to print
    _, out, decision = run_receipt(d, receipt("Brood 3.20"))  # the real receipt still gets the card
    assert out == QUERY + KICK and decision.card == d.key.card(NUMBER)


def test_a_kiosk_button_after_the_scan_overrides_the_hub():
    d = desk({"mode": "none", "greeting": "Hi", "points_balance": 3})
    assert d.choose("paper") is False  # no card scanned
    scanned(d)
    assert d.choose("paper") is True
    claim, _, _ = run_receipt(d, receipt("Brood 3.20"))
    assert not claim.hold and claim.info.preference.source == "kiosk" and claim.info.preference.points_balance == 3
    assert "chosen at the kiosk" in Policy().decide(["x"], claim.info.preference).reason


def test_a_claim_that_gets_nothing_after_a_cut_hands_the_card_back():
    """The pump claims right after a cut; when the till then goes quiet (connection closed, idle gap)
    the empty claim gives the card back for the next real receipt, and tags nothing."""
    d = desk({"mode": "none"})
    scanned(d)
    claim = d.claim()
    hold = HoldFilter(claim.mode, claim.stub, Decoder(), claim.decide)
    assert hold.feed(b"") == (b"", None) and hold.finish() == b""
    assert hold.info is None and d.sessions.active("till-1") is not None
    _, out, decision = run_receipt(d, receipt("Brood 3.20"))
    assert out == QUERY + KICK and decision.card == d.key.card(NUMBER)
