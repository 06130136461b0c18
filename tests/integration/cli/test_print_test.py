"""What a technician sees from `receipt-gateway print-test`, and what reaches the printer."""

from __future__ import annotations

import json
import socket
import subprocess
import sys
import time

import pytest

from gateway.cli import main
from gateway.printer.probe import STATUS_QUERY
from tests.integration.cli.conftest import gateway_config
from tests.mosquitto import free_port

MQTT = 'url = "mqtt://127.0.0.1:1883"'  # print-test does not talk to the broker


def print_test(capsys, config, *extra):
    code = main(["print-test", "--config", config, "--timeout", "1", *extra])
    out, err = capsys.readouterr()
    assert "Traceback" not in out + err
    return code, out, err


def decoded(path, fmt="text") -> str:
    return subprocess.run([sys.executable, "-m", "gateway", "decode", str(path), "--format", fmt,
                           "--profile", "TM-T88V"], capture_output=True, text=True, check=True).stdout


@pytest.fixture
def fake_printer_command(tmp_path):
    """`receipt-gateway fake-printer` as a technician starts it on the bench."""
    port, out = free_port(), tmp_path / "paper.bin"
    proc = subprocess.Popen([sys.executable, "-m", "gateway", "fake-printer", "--listen", f"127.0.0.1:{port}",
                             "--output", str(out)], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    deadline = time.monotonic() + 20
    while True:
        try:
            socket.create_connection(("127.0.0.1", port), timeout=0.2).close()
            break
        except OSError:
            assert proc.poll() is None and time.monotonic() < deadline, "fake-printer did not start"
            time.sleep(0.05)
    yield f"127.0.0.1:{port}", out
    proc.terminate()
    proc.wait(10)


def test_page_through_the_fake_printer_command(tmp_path, capsys, fake_printer_command):
    address, paper = fake_printer_command
    cfg = gateway_config(tmp_path, printer=f'link = "tcp"\naddress = "{address}"\nprofile = "TM-T88V"', mqtt=MQTT)
    code, out, _ = print_test(capsys, cfg, "--save", str(tmp_path / "page.bin"))
    assert code == 0, out
    size = (tmp_path / "page.bin").stat().st_size
    assert out.splitlines() == [
        "Test page through [printer] link = tcp",
        "ok    before: online",
        f"ok    print: test page sent ({size} bytes): check the code page line reads € é ü",
        "ok    after: online",
    ]
    time.sleep(0.3)
    printed = paper.read_bytes()
    assert printed.startswith(STATUS_QUERY) and printed.endswith(STATUS_QUERY)
    assert printed[len(STATUS_QUERY):-len(STATUS_QUERY)] == (tmp_path / "page.bin").read_bytes()
    text = decoded(tmp_path / "page.bin")
    assert "Code page check: € é ü" in text and "TEST PAGE" in text and "Gateway: gw-1" in text
    assert "4006381333931" in text  # the barcode's digits, printed below it
    events = json.loads(decoded(tmp_path / "page.bin", "doc"))["events"]
    kinds = {e["type"] for e in events}
    assert {"barcode", "code2d", "cut"} <= kinds, kinds
    qr = next(e for e in events if e["type"] == "code2d" and e["symbology"] == "qr")
    assert qr["data"].startswith("receipt-gateway print-test gw-1 ")


def test_paper_out_is_not_printed_on(tmp_path, capsys, fake_printer):
    fake_printer.printer.set_state(paper_out=True)
    cfg = gateway_config(tmp_path, printer=f'link = "tcp"\naddress = "{fake_printer.address}"', mqtt=MQTT)
    code, out, _ = print_test(capsys, cfg)
    assert code == 1
    assert "FAIL  before: paper out\n      fix: load a new paper roll and close the cover" in out
    assert "not printing (use --force to print anyway)" in out
    time.sleep(0.2)
    assert bytes(fake_printer.printer.printed) == STATUS_QUERY
    code, out, _ = print_test(capsys, cfg, "--force")
    assert code == 1 and "ok    print: test page sent" in out and "FAIL  after: paper out" in out


def test_printer_that_does_not_answer(tmp_path, capsys, silent_printer):
    cfg = gateway_config(tmp_path, printer=f'link = "tcp"\naddress = "{silent_printer.address}"', mqtt=MQTT)
    code, out, _ = print_test(capsys, cfg)
    assert code == 1 and "FAIL  before: the printer did not answer DLE EOT within 1 s" in out
    assert "TEST PAGE" not in bytes(silent_printer.received).decode("latin-1")


def test_serial_printer_on_a_pty(tmp_path, capsys, pty_printer):
    cfg = gateway_config(tmp_path, printer=f'link = "serial"\ndevice = "{pty_printer.path}"', mqtt=MQTT)
    code, out, _ = print_test(capsys, cfg)
    assert code == 0, out
    time.sleep(0.2)
    assert b"TEST PAGE" in pty_printer.received and pty_printer.received.endswith(STATUS_QUERY)


def test_printer_unreachable(tmp_path, capsys):
    port = free_port()
    cfg = gateway_config(tmp_path, printer=f'link = "tcp"\naddress = "127.0.0.1:{port}"', mqtt=MQTT)
    code, out, _ = print_test(capsys, cfg)
    assert code == 1 and f"FAIL  printer: printer 127.0.0.1:{port} not reachable: Connection refused" in out


def test_file_and_none_links(tmp_path, capsys):
    target = tmp_path / "receipts.bin"
    cfg = gateway_config(tmp_path, printer=f'link = "file"\npath = "{target}"', mqtt=MQTT)
    code, out, _ = print_test(capsys, cfg)
    assert code == 0 and f"bytes appended to {target}" in out and b"TEST PAGE" in target.read_bytes()
    cfg = gateway_config(tmp_path, printer='link = "none"', mqtt=MQTT)
    code, out, err = print_test(capsys, cfg)
    assert code == 2 and "[printer] link = none: this gateway prints nothing" in err and "fix: set [printer] link" in err
