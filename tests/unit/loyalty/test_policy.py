"""The policy: always-print rules, then the card's preference, then the store default."""

from __future__ import annotations

import pytest

from gateway.loyalty.policy import Policy
from gateway.loyalty.session import Preference

HUB_NONE = Preference("none", "hub")


@pytest.mark.parametrize("line, rule", [
    ("CARTE BANCAIRE  TRANSACTION ANNULÉE", "cancelled"),
    ("*** GEANNULEERD ***", "cancelled"),
    ("STORNO", "cancelled"),
    ("PAYMENT DECLINED", "cancelled"),
    ("PAIEMENT REFUSÉ", "cancelled"),
    ("Bon de garantie - 2 ans", "warranty"),
    ("Warranty card", "warranty"),
    ("Poids net: 0,512 kg", "weighing"),
    ("Nettogewicht 1,250 kg", "weighing"),
    ("REMBOURSEMENT: 12,50", "refund"),
    ("RETOUR", "refund"),
])
def test_legal_exceptions_are_printed_whatever_the_customer_chose(line, rule):
    d = Policy("none", "fr").decide(["SHOP", line, "TOTAL 12.50"], HUB_NONE)
    assert d.mode == "paper" and d.reason.startswith("always printed") and rule in d.reason


@pytest.mark.parametrize("line", ["Retour possible sous 30 jours", "Merci et à bientôt", "Pain gris 2,50",
                                  "Les prix sont garantis"])
def test_ordinary_lines_do_not_trigger_a_rule(line):
    assert Policy("none", "fr").decide(["SHOP", line], HUB_NONE).mode == "none"


def test_belgian_gks_ticket_only_with_country_be():
    lines = ["Brasserie", "FDM ID: B0123456", "TOTAL 23.00"]
    assert "GKS" in Policy("paper", "be").decide(lines, HUB_NONE).reason
    assert Policy("paper", "fr").decide(lines, HUB_NONE).mode == "none"


def test_configured_patterns_add_rules_and_bad_ones_are_named():
    p = Policy("paper", "", [r"CADEAU\s+\d+"])
    d = p.decide(["BON CADEAU 50"], Preference("qr", "hub"))
    assert d.mode == "paper" and "CADEAU" in d.reason
    with pytest.raises(ValueError, match="always_print"):
        Policy("paper", "", ["(["])


def test_refund_from_the_extracted_receipt():
    e = {"lines": [{"kind": "return"}], "totals": {"gross": "-5.00"}}
    assert Policy().decide(["Article X -5.00"], HUB_NONE, e).reason == "always printed: refund"
    assert Policy().decide(["x"], HUB_NONE, {"totals": {"gross": "-0.10"}}).mode == "paper"
    assert Policy().decide(["x"], HUB_NONE, {"totals": {"gross": "bad"}}).mode == "none"


def test_reasons_say_where_the_choice_came_from():
    p = Policy("paper")
    assert p.decide(["x"], None).to_dict() == {"mode": "paper", "reason": "store default (no card scanned)"}
    assert Policy("none").decide(["x"], None).mode == "none"
    assert "from the hub" in p.decide(["x"], Preference("qr", "hub")).reason
    assert "cached" in p.decide(["x"], Preference("qr", "cache")).reason
    assert "store default" in p.decide(["x"], Preference("paper", "default")).reason
