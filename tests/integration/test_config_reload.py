"""Reloading the config of a running gateway: the `reload_config` command over MQTT, and SIGHUP to
`receipt-gateway run` (what `systemctl reload receipt-gateway` sends).

A python-escpos till prints over TCP, the printer is a file, receipts reach the `listen` consumer
through a real mosquitto: the tests look at what the printer got, what the backend got and what the
technician is answered."""

from __future__ import annotations

import contextlib
import io
import json
import os
import signal
import socket
import sqlite3
import subprocess
import sys
from pathlib import Path

from gateway.app import Gateway
from gateway.display import texts
from gateway.mqtt.local_broker import free_port
from gateway.mqtt.topics import Topics
from gateway.samples.generator import make_sample
from tests.integration.gateway_rig import Hub, gateway_config, till_print, wait_for
from tests.integration.mqtt_rig import PREFIX, listener, stored

ROOT = Path(__file__).resolve().parents[2]
TOPICS = Topics(PREFIX, "store-1", "gw-1")


def sample(n: int) -> bytes:
    with contextlib.redirect_stdout(io.StringIO()):  # python-escpos names its barcode renderer
        return make_sample(n).data


def outbox_rows(data_dir: Path) -> list[dict]:
    con = sqlite3.connect(data_dir / "outbox.db")
    try:
        return [json.loads(p) for (p,) in con.execute("SELECT payload FROM receipts ORDER BY sequence")]
    finally:
        con.close()


def received(db: Path) -> list[dict]:
    return sorted((json.loads(p) for _gw, _seq, p in stored(db).values()), key=lambda e: e["sequence"])


def test_reload_applies_live_keys_reports_restart_keys_and_refuses_a_broken_file(mosquitto, tmp_path):
    cfg, port = gateway_config(tmp_path, mosquitto.url,
                               extra=f'[display]\noutput = "png"\npng_dir = "{tmp_path / "screens"}"')
    path = Path(cfg.path)
    original = path.read_text()
    printer = tmp_path / "printer.bin"
    hub = Hub(mosquitto.url)
    lis = listener(mosquitto.url, tmp_path / "listen.db")
    gw = Gateway(cfg).start()
    try:
        first = sample(1)
        till_print(port, [first])
        wait_for(lambda: len(stored(tmp_path / "listen.db")) == 1, 20, "the first receipt at the consumer")
        assert printer.read_bytes() == first

        # the retailer goes paperless by default, moves the QR link, and a technician also edits the till port
        other_port = free_port()
        path.write_text(original.replace(f"127.0.0.1:{port}", f"127.0.0.1:{other_port}")
                        .replace('output = "png"', 'output = "png"\nlanguage = "fr"') + """
[policy]
default = "none"
[qr]
url_template = "https://shop.example.org/receipt/{token}"
""")
        wait_for(lambda: gw.client.connected, 10, "gateway connected")
        answer = hub.command(TOPICS, "reload_config", {})
        assert answer["status"] == "ok", answer
        assert answer["data"] == {
            "file": str(path),
            "applied": {"[policy] default": "none",
                        "[qr] url_template": "https://shop.example.org/receipt/{token}",
                        "[display] language": "fr"},
            "restart_needed": ["[till] listen"], "restart": "systemctl restart receipt-gateway", "warnings": []}

        # the till still prints on the old port (restart keys are not applied half); the receipt is held
        second = sample(2)
        till_print(port, [second])
        wait_for(lambda: len(stored(tmp_path / "listen.db")) == 2, 20, "the second receipt at the consumer")
        assert printer.read_bytes() == first, "store default none: the printer must get nothing"
        e = received(tmp_path / "listen.db")[1]
        assert e["delivery"] == {"mode": "none", "reason": "store default (no card scanned)"}
        # the customer display tells it in French now, with the new link
        shown = wait_for(lambda: (d := gw.loyalty.display.last) and d.name == "sent" and d, 10, "the sent screen")
        assert shown.title == texts.text("sent.title", "fr") != texts.text("sent.title", "en")
        assert shown.qr == f"https://shop.example.org/receipt/{e['access_token']}"
        # print_qr now links to the new template
        answer = hub.command(TOPICS, "print_qr", {"receipt_id": e["receipt_id"]})
        assert answer["data"]["url"] == f"https://shop.example.org/receipt/{e['access_token']}"
        with contextlib.suppress(OSError), socket.create_connection(("127.0.0.1", other_port), timeout=1):
            raise AssertionError("the new till port must not listen before a restart")

        # a broken file: every problem named with file:line, nothing changes
        path.write_text(original + """
[policy]
default = "never"
card_windw_s = 60
""")
        size = printer.stat().st_size
        answer = hub.command(TOPICS, "reload_config", {})
        assert answer["status"] == "error", answer
        lines = original.count("\n")
        error = answer["error"]
        assert error.startswith("config not reloaded, nothing changed: 2 problems"), error
        assert f"{path}:{lines + 3}: [policy] default: 'never' is not one of paper | qr | none" in error
        assert f"{path}:{lines + 4}: [policy] card_windw_s:" in error and "Did you mean [card_window_s]?" in error
        # valid TOML and keys, but a till profile that does not exist: refused as check-config refuses it
        path.write_text(original + '[decoder]\ntill_profile = "no-such-till"\n')
        error = hub.command(TOPICS, "reload_config", {})["error"]
        assert f"{path}:{lines + 2}: [decoder] till_profile: unknown till profile 'no-such-till'" in error, error
        third = sample(3)
        till_print(port, [third])
        wait_for(lambda: len(stored(tmp_path / "listen.db")) == 3, 20, "the third receipt at the consumer")
        assert printer.stat().st_size == size, "the refused file must not have brought paper back"
        assert received(tmp_path / "listen.db")[2]["delivery"]["mode"] == "none"

        # back to the original file: the live keys return, nothing waits for a restart any more
        path.write_text(original)
        answer = hub.command(TOPICS, "reload_config", {})
        assert answer["data"]["applied"] == {"[policy] default": "paper",
                                             "[qr] url_template": "https://receipts.example.com/r/{token}",
                                             "[display] language": "en"}
        assert answer["data"]["restart_needed"] == [] and answer["data"]["restart"] is None
    finally:
        gw.stop()
        lis.stop()
        hub.close()


def test_sighup_reloads_the_running_service(tmp_path):
    """`systemctl reload receipt-gateway` sends SIGHUP: the service reads its file again, tells systemd
    RELOADING=1 then READY=1, and the next receipt follows the new policy."""
    cfg, port = gateway_config(tmp_path, "mqtt://127.0.0.1:1")   # no broker: the outbox keeps receipts
    cfg = Path(cfg.path)
    printer = tmp_path / "printer.bin"
    base = cfg.read_text().replace('log_level = "warning"', 'log_level = "info"')   # the reload's log line
    cfg.write_text(base)
    notify = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM)
    notify.bind(str(tmp_path / "notify"))
    notify.settimeout(15)
    env = dict(os.environ, NOTIFY_SOCKET=str(tmp_path / "notify"), PYTHONPATH=str(ROOT))
    proc = subprocess.Popen([sys.executable, "-m", "gateway", "run", "--config", str(cfg)],
                            cwd=ROOT, env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT)
    try:
        assert notify.recv(4096).startswith(b"READY=1")
        first = sample(4)
        till_print(port, [first])
        wait_for(lambda: printer.exists() and printer.read_bytes() == first, 10, "the first receipt on paper")

        cfg.write_text(base + '[policy]\ndefault = "none"\n[gateway2]\n')   # broken: nothing changes
        proc.send_signal(signal.SIGHUP)
        assert notify.recv(4096).startswith(b"RELOADING=1\nMONOTONIC_USEC=")
        assert notify.recv(4096) == b"READY=1"
        till_print(port, [sample(5)])
        wait_for(lambda: len(printer.read_bytes()) > len(first), 10, "the second receipt on paper")

        cfg.write_text(base + '[policy]\ndefault = "none"\n')
        proc.send_signal(signal.SIGHUP)
        assert notify.recv(4096).startswith(b"RELOADING=1")
        assert notify.recv(4096) == b"READY=1"
        size = printer.stat().st_size
        till_print(port, [sample(7)])
        rows = wait_for(lambda: len(r := outbox_rows(tmp_path / "data")) == 3 and r, 10, "3 receipts captured")
        assert [e["delivery"]["mode"] for e in rows] == ["paper", "paper", "none"]
        assert printer.stat().st_size == size, "after the reload the store default is none: nothing printed"
        proc.send_signal(signal.SIGTERM)
        assert proc.wait(timeout=15) == 0
        log = proc.stdout.read().decode()
        assert "[gateway2] is not a known section" in log and "config not reloaded, nothing changed" in log
        assert "applied [policy] default = 'none'" in log
    finally:
        if proc.poll() is None:
            proc.kill()
        proc.wait()
        notify.close()


def test_reload_takes_the_printers_code_pages_at_the_next_till_connection(mosquitto, tmp_path):
    """[printer] code_pages is live: the decoder is built per till connection, so the receipt after
    the reload decodes with the technician's table; the printer gets the same bytes either way."""
    from escpos.printer import Dummy

    cfg, port = gateway_config(tmp_path, mosquitto.url)
    path = Path(cfg.path)
    lis = listener(mosquitto.url, tmp_path / "listen.db")
    hub = Hub(mosquitto.url)
    gw = Gateway(cfg).start()
    till = Dummy(profile="TH230")  # the till's driver numbers its pages as HP does: the euro on ESC t 11
    till.text("Prix 5 € crème\n")
    till.cut()
    try:
        till_print(port, [till.output])
        wait_for(lambda: len(stored(tmp_path / "listen.db")) == 1, 20, "the first receipt at the consumer")
        assert received(tmp_path / "listen.db")[0]["text"] == ["Prix 5 Ç crème"]  # Epson's 11: no table
        path.write_text(path.read_text().replace("reconnect_max_s = 0.5", 'reconnect_max_s = 0.5\n'
                                                 'code_pages = { 11 = "CP874" }'))
        wait_for(lambda: gw.client.connected, 10, "gateway connected")
        answer = hub.command(TOPICS, "reload_config", {})
        assert answer["data"]["applied"] == {"[printer] code_pages": {"11": "CP874"}}, answer  # JSON keys
        assert answer["data"]["restart_needed"] == []
        till_print(port, [till.output])
        wait_for(lambda: len(stored(tmp_path / "listen.db")) == 2, 20, "the second receipt at the consumer")
        assert received(tmp_path / "listen.db")[1]["text"] == ["Prix 5 € crème"]
        assert (tmp_path / "printer.bin").read_bytes() == till.output * 2
    finally:
        gw.stop()
        lis.stop()
        hub.close()
