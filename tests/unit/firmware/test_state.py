"""The kiosk state machine: what the customer sees and what the gateway gets."""

import pytest
from kiosk import screen
from kiosk.state import Kiosk

from tests.unit.firmware.conftest import ean13

CARD = ean13("240000000001")


def sends(acts):
    return [a[1] for a in acts if a[0] == "send"]


def shows(acts):
    return [a[1] for a in acts if a[0] == "show"]


@pytest.fixture
def k(node_cfg):
    k = Kiosk(node_cfg, 0)
    assert shows(k.link(True, 0)) == [screen.IDLE]
    return k


def test_valid_scan_is_sent_and_result_shown_then_back_to_idle(k):
    acts = k.scan(CARD.encode() + b"\r", 100)
    assert sends(acts) == [{"v": 1, "kind": "scan", "node": "kiosk-7", "till": "till-3", "seq": 1, "code": CARD}]
    assert shows(acts) == [screen.READING]
    acts = k.message({"kind": "result", "seq": 1, "mode": "none", "greeting": "Hi Anna"}, 300)
    assert shows(acts) == [["Hi Anna"] + screen.MODE_TEXT["none"]]
    assert k.tick(300 + 11999) == []
    assert shows(k.tick(300 + 12000)) == [screen.IDLE]


def test_paper_button_after_no_paper_result_means_print_anyway(k):
    k.scan(CARD, 0)
    k.message({"kind": "result", "seq": 1, "mode": "qr"}, 10)
    acts = k.button("paper", 20)
    assert sends(acts)[0]["button"] == "print_anyway" and sends(acts)[0]["ref"] == 1
    assert shows(acts) == [screen.PRINT_ANYWAY]
    assert shows(k.tick(20 + 3000)) == [screen.IDLE]
    assert k.state == "idle"


def test_buttons_without_a_card_report_the_choice(k):
    acts = k.button("no_paper", 0)
    assert sends(acts)[0]["button"] == "no_paper" and "ref" not in sends(acts)[0]
    assert shows(acts) == [screen.NO_PAPER]
    assert shows(k.tick(3000)) == [screen.IDLE]


def test_bad_scan_is_explained_and_not_sent(k):
    acts = k.scan(CARD[:-1] + str((int(CARD[-1]) + 1) % 10), 0)
    assert sends(acts) == []
    assert shows(acts) == [screen.rejected("bad check digit")]
    assert shows(k.tick(3000)) == [screen.IDLE]


def test_no_answer_from_the_gateway(k):
    k.scan(CARD, 0)
    assert k.tick(4999) == []
    assert shows(k.tick(5000)) == [screen.NO_ANSWER]
    assert k.message({"kind": "result", "seq": 1, "mode": "none"}, 5100) == []  # too late
    assert shows(k.tick(8000)) == [screen.IDLE]


def test_answer_to_an_older_scan_is_ignored(k):
    k.scan(CARD, 0)
    k.scan(CARD, 100)
    assert k.message({"kind": "result", "seq": 1, "mode": "none"}, 200) == []
    assert k.state == "waiting"
    assert shows(k.message({"kind": "result", "seq": 2, "mode": "paper"}, 300))


def test_offline_scans_and_buttons_are_refused_visibly(k):
    assert shows(k.link(False, 0)) == [screen.OFFLINE]
    acts = k.scan(CARD, 10)
    assert sends(acts) == []
    assert sends(k.button("paper", 20)) == []
    assert shows(k.link(True, 30)) == []  # the overlay stays until it times out
    assert shows(k.tick(3020)) == [screen.IDLE]


def test_gateway_screens(k):
    acts = k.message({"kind": "screen", "lines": ["Welcome", "to the shop"], "timeout_s": 0}, 0)
    assert shows(acts) == [["Welcome", "to the shop"]]
    acts = k.message({"kind": "screen", "lines": ["Scan QR", "on display"], "timeout_s": 2}, 10)
    assert shows(acts) == [["Scan QR", "on display"]]
    assert shows(k.tick(2010)) == [["Welcome", "to the shop"]]


def test_built_in_screens_fit_a_128x64_display_without_wrapping():
    texts = [screen.IDLE, screen.OFFLINE, screen.CONNECTING, screen.READING, screen.NO_ANSWER,
             screen.PRINT_ANYWAY, screen.NO_PAPER, screen.PAPER, *screen.MODE_TEXT.values(),
             screen.rejected("bad check digit"), screen.rejected("unknown card")]
    for lines in texts:
        assert screen.fit(lines, 16, 8) == lines, lines
