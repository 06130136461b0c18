"""The whole node (board.py + main.make_link + Node) on the fake machine/network/umqtt."""

import json

import pytest

from tests.unit.firmware.conftest import ean13

CARD = ean13("240000000001")
BASE = "receipts/v1/store-042/gw-0001/kiosk/till-3"


class Rig:
    def __init__(self, hw, cfg):
        import board
        import main

        self.hw, self.cfg = hw, cfg
        self.machine, self.utime = hw["machine"], hw["utime"]
        self.broker = hw["umqtt.simple"].BROKER
        hw["network"].ACCESS_POINTS["shop"] = "pw-123"
        self.board = board.Board(cfg)
        self.link = main.make_link(cfg, self.board)
        from kiosk.node import Node

        self.node = Node(cfg, self.board, self.link)

    def run(self, ms, step=10):
        for _ in range(ms // step):
            self.node.step()
            self.utime.advance(step)

    def screen(self):
        return [r for r in self.board.display.fb.rows() if r]

    def press(self, name, hold_ms=60):
        pin = self.machine.pins[self.cfg["buttons"][name]]
        pin.level = 0  # active low: pressed pulls to ground
        self.run(hold_ms)
        pin.level = 1
        self.run(hold_ms)

    def sent(self, kind):
        return [json.loads(p) for t, p in self.broker.messages("/kiosk/till-3/" + kind)]


@pytest.fixture
def rig(hw, node_cfg):
    r = Rig(hw, node_cfg)
    r.run(100)
    return r


def test_comes_up_says_hello_and_shows_idle(rig):
    assert rig.screen() == ["Scan your", "loyalty card"]
    hello = rig.broker.retained[BASE + "/hello"]
    assert json.loads(hello)["online"] is True and json.loads(hello)["board"] == "pico-w"
    assert rig.machine.wdts[0].feeds >= 9


def test_scan_goes_to_the_gateway_and_the_answer_is_shown(rig):
    rig.machine.uart(1).inject(CARD.encode() + b"\r\n")
    rig.run(20)
    scans = rig.sent("scan")
    assert [s["code"] for s in scans] == [CARD] and scans[0]["till"] == "till-3"
    assert rig.screen() == ["Reading card..."]
    rig.broker.publish(BASE + "/result", json.dumps({"seq": scans[0]["seq"], "mode": "none", "greeting": "Hello Anna"}))
    rig.run(20)
    assert rig.screen() == ["Hello Anna", "No paper receipt", "it goes to your", "account", "[paper]=print it"]
    rig.press("paper")
    assert [b["button"] for b in rig.sent("button")] == ["print_anyway"]
    assert rig.screen() == ["OK: your receipt", "will be printed"]


def test_scanner_without_terminator_is_taken_after_an_idle_gap(rig):
    rig.machine.uart(1).inject(CARD.encode())
    rig.run(100)
    assert rig.sent("scan") == []
    rig.run(100)
    assert [s["code"] for s in rig.sent("scan")] == [CARD]


def test_button_bounce_gives_one_press(rig):
    pin = rig.machine.pins[rig.cfg["buttons"]["no_paper"]]
    for level in (0, 1, 0, 1, 0):
        pin.level = level
        rig.run(10)
    rig.run(60)
    pin.level = 1
    rig.run(60)
    assert [b["button"] for b in rig.sent("button")] == ["no_paper"]


def test_broker_loss_shows_offline_then_reconnects_with_backoff(rig):
    rig.broker.up = False
    rig.run(50)
    assert rig.screen() == ["Kiosk offline", "Your receipt", "prints as usual"]
    assert json.loads(rig.broker.retained[BASE + "/hello"])["online"] is False  # Last Will
    rig.run(5000)
    assert rig.link.backoff.attempts >= 3  # kept trying, further apart
    attempts = rig.link.backoff.attempts
    rig.run(2000)
    assert rig.link.backoff.attempts <= attempts + 1
    rig.broker.up = True
    rig.run(30000)
    assert rig.link.up and rig.screen() == ["Scan your", "loyalty card"]
    assert json.loads(rig.broker.retained[BASE + "/hello"])["online"] is True


def test_wrong_wifi_password_keeps_retrying_without_hammering(hw, node_cfg):
    hw["network"].ACCESS_POINTS["shop"] = "other"
    import board
    import main
    from kiosk.node import Node

    b = board.Board(node_cfg)
    node = Node(node_cfg, b, main.make_link(node_cfg, b))
    for _ in range(1200):  # 12 s
        node.step()
        hw["utime"].advance(10)
    assert 2 <= b.wifi.wlan.connects <= 6
    assert [r for r in b.display.fb.rows() if r] == ["Kiosk offline", "Your receipt", "prints as usual"]


def test_garbage_from_the_gateway_is_counted_not_fatal(rig):
    rig.broker.publish(BASE + "/screen", b"{not json")
    rig.broker.publish(BASE + "/screen", json.dumps({"lines": "x"}))
    rig.run(30)
    assert rig.link.bad_messages == 2 and rig.screen() == ["Scan your", "loyalty card"]


def test_serial_link_json_lines(hw, node_cfg):
    import board
    from kiosk.node import Node
    from kiosk.transport import SerialLink

    node_cfg["link"] = "serial"
    b = board.Board(node_cfg)
    out = bytearray()
    inbox = [b'{"kind":"screen","lines":["Hi"],"timeout_s":0}\n']
    link = SerialLink(node_cfg, lambda: inbox.pop(0) if inbox else b"", out.extend, "0.1.0", "pico-w")
    node = Node(node_cfg, b, link)
    hw["machine"].uart(1).inject(CARD.encode() + b"\r")
    node.step()
    lines = [json.loads(x) for x in bytes(out).splitlines()]
    assert [m["kind"] for m in lines] == ["hello", "scan"] and lines[1]["code"] == CARD
    assert [r for r in b.display.fb.rows() if r] == ["Reading card..."]


def test_main_without_config_tells_the_technician(hw, tmp_path, monkeypatch, capsys):
    import main

    monkeypatch.chdir(tmp_path)
    main.main()
    out = capsys.readouterr().out
    assert "config.json" in out and "receipt-gateway firmware config --port" in out


def test_safe_mode_when_both_buttons_held(hw, tmp_path, monkeypatch, node_cfg):
    import main

    from tests.unit.firmware.conftest import NODE_CFG

    (tmp_path / "config.json").write_text(json.dumps(NODE_CFG))
    monkeypatch.chdir(tmp_path)
    machine = hw["machine"]
    orig = machine.Pin.__init__

    def held(self, *a, **kw):
        orig(self, *a, **kw)
        if self.id in (14, 15):
            self.level = 0

    monkeypatch.setattr(machine.Pin, "__init__", held)
    main.main()  # returns instead of looping forever
    assert machine.pins[14].level == 0
