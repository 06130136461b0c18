"""The whole gateway with the loyalty flow: a card typed by a serial scanner on a pty, the hub
on a real mosquitto, a python-escpos till over TCP, a TCP printer answering status queries,
the customer display as PNG files. And the start-up refusals a technician sees."""

from __future__ import annotations

import json
import os

from gateway.app import Gateway
from gateway.cli import main
from gateway.loyalty.cardkey import card_hmac
from gateway.printer.fake_printer import FakeNetworkPrinter
from tests.integration.gateway_rig import gateway_config, wait_for
from tests.integration.loyalty_rig import KEY, KICK, QUERY, Hub, receipt_job, run_steps
from tests.integration.test_loyalty_end_to_end import qr_payloads
from tests.unit.scanner.ptys import Pty

CARD = "4006381333931"


def loyalty_config(tmp, mqtt_url, printer_address, scanner_device, key_mode=0o600, loyalty=True, card_key=KEY,
                   qr_template="https://receipts.example.com/r/{token}"):
    key = tmp / "loyalty.key"
    key.write_bytes(card_key + b"\n")
    key.chmod(key_mode)
    extra = (f'[scanner]\nsource = "serial"\ndevice = "{scanner_device}"\n'
             f'[policy]\ndefault = "paper"\ncountry = "be"\n'
             f'[qr]\nurl_template = "{qr_template}"\n'
             f'[display]\noutput = "png"\npng_dir = "{tmp / "screens"}"\n')
    if loyalty:
        extra += f'[loyalty]\nhmac_key_file = "{key}"\nkey_id = "k1"\n'
    printer = f'link = "tcp"\naddress = "{printer_address}"\nprofile = "TM-T88V"\nreconnect_max_s = 0.5'
    return gateway_config(tmp, mqtt_url, printer=printer, extra=extra)


def test_a_card_scanned_on_the_serial_scanner_gets_the_qr_stub(mosquitto, tmp_path):
    printer, pty = FakeNetworkPrinter(), Pty()
    hub = Hub(mosquitto.url)
    hub.answers[card_hmac(KEY, CARD)] = {"mode": "qr", "greeting": "Hello Ann", "points_balance": 7}
    cfg, port = loyalty_config(tmp_path, mosquitto.url, printer.address, pty.name)
    published = []
    gw = Gateway(cfg, status_interval_s=0.2)
    gw.receipt_listeners.append(published.append)
    gw.start()
    screens = tmp_path / "screens"
    try:
        pty.write(b"40063813\r\n")  # a half scan: shown as invalid, ignored
        wait_for(lambda: (screens / "display-error-invalid_card.png").exists(), 5, "the invalid-card screen")
        pty.write(CARD.encode() + b"\r\n")
        wait_for(lambda: (screens / "display-card-qr.png").exists(), 5, "the card screen")
        _, payload = hub.asked.get(timeout=5)
        assert json.loads(payload) == {"card": {"hmac": card_hmac(KEY, CARD), "key_id": "k1"}}
        raw, steps = receipt_job("Bruin brood              3.20")
        assert run_steps(port, steps) == [b"\x16"]  # answered while the receipt was held
        e = wait_for(lambda: published and published[0], 10, "the e-receipt")
        wait_for(lambda: (screens / "display-sent.png").exists(), 5, "the receipt-sent screen")
        wait_for(lambda: printer.printer.printed.endswith(b"\x1dV\x00") or
                 printer.printer.printed.endswith(b"\x1dVA\x00"), 5, "the stub")
        printed = bytes(printer.printer.printed)
        assert printed.startswith(QUERY + KICK)
        assert qr_payloads(printed[len(QUERY + KICK):]) == [f"https://receipts.example.com/r/{e['access_token']}"]
        assert e["delivery"] == {"mode": "qr", "reason": "customer preference (from the hub)"}
        assert e["loyalty"]["card"]["hmac"] == card_hmac(KEY, CARD) and e["loyalty"]["points_balance"] == "7"
        # the customer changes their mind: the full original, without the query and the kick
        before = len(printer.printer.printed)
        assert gw.desk.print_anyway() is True
        wait_for(lambda: len(printer.printer.printed) > before, 5, "the reprint")
        wait_for(lambda: bytes(printer.printer.printed[before:]) == raw.replace(QUERY, b"").replace(KICK, b""),
                 5, "the whole original")
        for f in (tmp_path / "data").iterdir():
            if f.is_file():
                assert CARD.encode() not in f.read_bytes(), f
    finally:
        gw.stop()
        hub.close()
        printer.close()
        pty.close()


def test_scanner_without_the_card_key_is_refused_at_start(mosquitto, tmp_path, capsys):
    cfg, _ = loyalty_config(tmp_path, mosquitto.url, "127.0.0.1:9", "/dev/null", loyalty=False)
    assert main(["run", "--config", cfg.path]) == 2
    err = capsys.readouterr().err
    assert "card key is missing" in err and "hmac_key_file" in err and "Traceback" not in err


def test_a_card_key_readable_by_others_is_refused_with_the_fix(mosquitto, tmp_path, capsys):
    cfg, _ = loyalty_config(tmp_path, mosquitto.url, "127.0.0.1:9", "/dev/null", key_mode=0o644)
    assert main(["run", "--config", cfg.path]) == 2
    err = capsys.readouterr().err
    assert "mode 0644" in err and f"chmod 600 {tmp_path / 'loyalty.key'}" in err
    assert os.stat(tmp_path / "loyalty.key").st_mode & 0o777 == 0o644  # not changed behind their back
