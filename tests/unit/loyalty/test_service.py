"""The loyalty flow at run time with the kiosk node on a serial line (a pty): scans reach the desk,
the node gets its scan's result, buttons choose or reprint, the display follows each step."""

from __future__ import annotations

import json
import time

import pytest

from gateway.display.facade import Display
from gateway.display.outputs import PngOutput
from gateway.loyalty.service import LoyaltyService
from gateway.scanner.kiosk import KioskSerial
from tests.unit.loyalty.test_desk import NUMBER, desk, receipt, run_receipt
from tests.unit.scanner.ptys import Pty


def msg(**body) -> bytes:
    return json.dumps({"v": 1, "node": "kiosk-1", "till": "till-1", **body}).encode() + b"\r\n"


def wait(cond, what):
    end = time.monotonic() + 5
    while time.monotonic() < end:
        if cond():
            return
        time.sleep(0.01)
    raise AssertionError(f"timed out waiting for {what}")


@pytest.fixture
def flow(tmp_path):
    pty = Pty()
    d = desk({"mode": "qr", "greeting": "Hello Ann", "points_balance": 5})
    printed = []
    d.print_job = lambda data: printed.append(data) or True
    display = Display([PngOutput(tmp_path)])
    svc = LoyaltyService(d, KioskSerial(pty.name, till="till-1"), display, idle_after_s=0.2).start()
    yield pty, d, display, printed, tmp_path
    svc.stop()
    pty.close()


def test_kiosk_scan_gets_its_result_and_the_display_follows(flow):
    pty, d, display, printed, folder = flow
    assert display.last.name == "idle"
    pty.write(msg(kind="scan", seq=7, code="4006381333932"))  # misread
    wait(lambda: (folder / "display-error-invalid_card.png").exists(), "invalid card screen")
    pty.write(msg(kind="scan", seq=8, code=NUMBER))
    replies = []
    wait(lambda: replies.extend(pty.read_available(0.05).splitlines()) or replies, "the node's result")
    assert json.loads(replies[0]) == {"kind": "result", "seq": 8, "mode": "qr", "greeting": "Hello Ann"}
    wait(lambda: display.last.name == "card", "the card screen")
    _, out, decision = run_receipt(d, receipt("Brood 3.20"))
    wait(lambda: display.last.name == "sent", "the receipt-sent screen")
    wait(lambda: display.last.name == "idle", "back to idle")
    pty.write(msg(kind="button", seq=9, button="print_anyway", ref=8))
    wait(lambda: printed, "the reprint")
    assert b"Brood 3.20" in printed[0]


def test_no_paper_button_after_the_scan_changes_the_mode(flow):
    pty, d, display, printed, _ = flow
    pty.write(msg(kind="scan", seq=1, code=NUMBER))
    wait(lambda: d.sessions.active("till-1") and d.sessions.active("till-1").preference, "the preference")
    pty.write(msg(kind="button", seq=2, button="no_paper", ref=1))
    wait(lambda: d.sessions.active("till-1").preference.source == "kiosk", "the kiosk choice")
    _, out, decision = run_receipt(d, receipt("Brood 3.20"))
    assert decision.mode == "none" and "chosen at the kiosk" in decision.reason
