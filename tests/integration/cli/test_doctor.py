"""What a technician sees from `receipt-gateway doctor`: each check, each failure with its fix, exit codes."""

from __future__ import annotations

import json

from gateway.cli import main
from gateway.printer.text_lines import text_path
from tests.integration.cli.conftest import USER, broker_section, gateway_config
from tests.mosquitto import free_port


def tcp_config(tmp_path, address: str, broker) -> str:
    return gateway_config(tmp_path, printer=f'link = "tcp"\naddress = "{address}"', mqtt=f'url = "{broker.url}"')


def doctor(capsys, config, *extra):
    code = main(["doctor", "--config", config, "--timeout", "1", *extra])
    out, err = capsys.readouterr()
    assert "Traceback" not in out + err
    return code, out


def test_all_good_with_fake_printer_and_real_broker(tmp_path, capsys, fake_printer, auth_broker):
    cfg = gateway_config(tmp_path, printer=f'link = "tcp"\naddress = "{fake_printer.address}"',
                         mqtt=broker_section(auth_broker, tmp_path=tmp_path))
    code, out = doctor(capsys, cfg)
    assert code == 0, out
    assert "ok    config: valid: gateway gw-1, store store-1, till till-1; till via tcp, printer via tcp" in out
    assert f"ok    printer: {fake_printer.address} answers DLE EOT: online" in out
    assert f"ok    broker: mqtt://127.0.0.1:{auth_broker.port} accepted the connection as {USER}" in out
    assert f"ok    data dir: {tmp_path / 'data'} is writable" in out
    assert "serial ports:" in out and "USB printers:" in out and "input devices:" in out
    assert f"decoder: text path: {text_path()}" in out
    # a decoder without its C text path is a warning (with the fix), not a failure
    warned = text_path().startswith("pure Python (C extension")
    assert out.rstrip().endswith("doctor: all checks passed" + " (1 warning)" * warned)
    # the status request, nothing else: asking does not print
    assert bytes(fake_printer.printer.printed) == b"\x10\x04\x01\x10\x04\x02\x10\x04\x03\x10\x04\x04"


def test_wrong_password_is_named_with_its_fix(tmp_path, capsys, fake_printer, auth_broker):
    cfg = gateway_config(tmp_path, printer=f'link = "tcp"\naddress = "{fake_printer.address}"',
                         mqtt=broker_section(auth_broker, password="wrong", tmp_path=tmp_path))
    code, out = doctor(capsys, cfg)
    assert code == 1
    assert f"FAIL  broker: mqtt://127.0.0.1:{auth_broker.port} refused the credentials as {USER} (" in out
    assert "fix: check [mqtt] username and the password file" in out
    assert "doctor: 1 problem to fix" in out


def test_anonymous_refused_and_broker_down(tmp_path, capsys, fake_printer, auth_broker):
    cfg = gateway_config(tmp_path, printer='link = "fake"', mqtt=broker_section(auth_broker, password=None))
    code, out = doctor(capsys, cfg)
    assert code == 1 and "refused the credentials (anonymous)" in out
    port = free_port()
    cfg = gateway_config(tmp_path, printer='link = "fake"', mqtt=f'url = "mqtt://127.0.0.1:{port}"')
    code, out = doctor(capsys, cfg)
    assert code == 1
    assert f"FAIL  broker: mqtt://127.0.0.1:{port}: connection refused (nothing listens on port {port})" in out
    assert "fix: check [mqtt] url (host and port) and that the broker is running" in out


def test_printer_that_does_not_answer(tmp_path, capsys, silent_printer, mosquitto):
    cfg = tcp_config(tmp_path, silent_printer.address, mosquitto)
    code, out = doctor(capsys, cfg)
    assert code == 1
    assert f"FAIL  printer: {silent_printer.address}: the printer did not answer DLE EOT within 1 s" in out
    assert "fix: check that the device is an ESC/POS printer and is switched on" in out
    assert bytes(silent_printer.received) == b"\x10\x04\x01\x10\x04\x02\x10\x04\x03\x10\x04\x04"
    assert "ok    broker:" in out


def test_printer_switched_off(tmp_path, capsys, mosquitto):
    port = free_port()
    cfg = tcp_config(tmp_path, f"127.0.0.1:{port}", mosquitto)
    code, out = doctor(capsys, cfg)
    assert code == 1
    assert f"FAIL  printer: printer 127.0.0.1:{port} not reachable: Connection refused" in out
    assert "fix: check the printer is on, its cable, and [printer] address" in out


def test_printer_out_of_paper(tmp_path, capsys, fake_printer, mosquitto):
    fake_printer.printer.set_state(paper_out=True)
    cfg = tcp_config(tmp_path, fake_printer.address, mosquitto)
    code, out = doctor(capsys, cfg, "--json")
    assert code == 1
    checks = {c["check"]: c for c in json.loads(out)["checks"]}
    assert checks["printer"]["status"] == "fail" and checks["printer"]["paper_out"] is True
    assert checks["printer"]["detail"].endswith("answers DLE EOT: paper out")
    assert checks["printer"]["remedy"] == "load a new paper roll and close the cover"


def test_serial_printer_on_a_pty(tmp_path, capsys, pty_printer, mute_pty_printer, mosquitto):
    cfg = gateway_config(tmp_path, printer=f'link = "serial"\ndevice = "{pty_printer.path}"\nbaudrate = 38400',
                         mqtt=f'url = "{mosquitto.url}"')
    code, out = doctor(capsys, cfg)
    assert code == 0, out
    assert f"ok    printer device: {pty_printer.path} is present" in out
    assert f"ok    printer: {pty_printer.path} answers DLE EOT: online" in out
    cfg = gateway_config(tmp_path, printer=f'link = "serial"\ndevice = "{mute_pty_printer.path}"',
                         mqtt=f'url = "{mosquitto.url}"')
    code, out = doctor(capsys, cfg)
    assert code == 1 and "did not answer DLE EOT" in out and "same baudrate/parity/flow" in out


def test_missing_devices_and_unwritable_data_dir(tmp_path, capsys, mosquitto):
    blocker = tmp_path / "not-a-dir"
    blocker.write_text("")
    cfg = gateway_config(tmp_path, printer='link = "serial"\ndevice = "/dev/serial/by-id/usb-NOPE-port0"',
                         mqtt=f'url = "{mosquitto.url}"', data_dir=blocker / "data",
                         extra='\n[scanner]\nsource = "evdev"\ndevice = "/dev/input/by-id/usb-NOPE-event-kbd"\n')
    code, out = doctor(capsys, cfg)
    assert code == 1
    assert "FAIL  printer device: /dev/serial/by-id/usb-NOPE-port0 is not present" in out
    assert "set [printer] device" in out
    assert "FAIL  scanner device: /dev/input/by-id/usb-NOPE-event-kbd is not present" in out
    assert "FAIL  printer: cannot open serial port /dev/serial/by-id/usb-NOPE-port0" in out
    assert f"FAIL  data dir: {blocker / 'data'} does not exist" in out
    assert "install -d -o receipt-gw" in out


def test_broken_config_still_checks_the_rest(tmp_path, capsys):
    path = tmp_path / "gateway.toml"
    path.write_text('[gateway]\nid = "gw-1"\nstore_id = "s"\ntill_id = "t"\n[till]\nlnk = "tcp"\n')
    code, out = doctor(capsys, str(path))
    assert code == 1
    assert f"FAIL  config: {path}:6: [till] lnk: [lnk] is an invalid option for [till]. Did you mean [link]?" in out
    assert "FAIL  config: " in out and "the required section [printer] is missing" in out
    assert "serial ports:" in out and "ok    clock:" in out
    assert "doctor: 3 problems to fix" in out


def test_missing_secret_file_fails_on_the_box(tmp_path, capsys, mosquitto):
    cfg = gateway_config(tmp_path, printer='link = "fake"',
                         mqtt=f'url = "{mosquitto.url}"\nusername = "u"\npassword_file = "{tmp_path}/nope"')
    code, out = doctor(capsys, cfg)
    assert code == 1 and f"the secret file {tmp_path}/nope does not exist" in out


def test_doctor_runs_as_a_command(tmp_path, mosquitto):
    """The console entry point as a technician types it: exit code and no traceback."""
    import subprocess
    import sys

    cfg = gateway_config(tmp_path, printer='link = "fake"', mqtt=f'url = "{mosquitto.url}"')
    proc = subprocess.run([sys.executable, "-m", "gateway", "doctor", "--config", cfg], capture_output=True,
                          text=True, timeout=60)
    assert proc.returncode == 0, proc.stdout + proc.stderr
    assert "ok    printer: the built-in fake printer answers DLE EOT: online" in proc.stdout

