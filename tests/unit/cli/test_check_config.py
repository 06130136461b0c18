"""What a technician sees from `receipt-gateway check-config FILE`: each config mistake, its place and fix."""

from __future__ import annotations

import json
import os
from pathlib import Path

import pytest

from gateway.cli import main
from tests.unit.test_config import GOOD as GOOD_CONFIG

ROOT = Path(__file__).resolve().parents[3]
EXAMPLES = sorted(p for p in (ROOT / "hardware" / "config").glob("*.toml") if p.name != "hub.toml")
HUB_EXAMPLE = ROOT / "hardware" / "config" / "hub.toml"

GOOD = GOOD_CONFIG.lstrip("\n")  # the same minimal config the loader's own tests use


def check(tmp_path, capsys, text: str, *extra: str, mode: int = 0o640):
    path = tmp_path / "gateway.toml"
    path.write_text(text)
    path.chmod(mode)
    code = main(["check-config", str(path), *extra])
    out, err = capsys.readouterr()
    return code, out, err, path


@pytest.mark.parametrize("example", EXAMPLES, ids=lambda p: p.name)
def test_every_shipped_example_passes(example, capsys):
    assert main(["check-config", str(example)]) == 0
    out, err = capsys.readouterr()
    assert f"{example}: valid" in out and err == ""
    assert "[gateway]" in out and "[printer]" in out and "[mqtt]" in out
    # the secret files live on the box, not here: said, not fatal
    assert "warn  file: not on this machine: [mqtt] password_file = /etc/receipt-gateway/mqtt.password" in out


def test_the_hub_example_passes_as_a_hub_config(tmp_path, capsys):
    """check-config knows a hub's config by its [hub] section: checked against the hub's sections,
    its secret files (relative to the file) checked like the gateway's."""
    assert main(["check-config", str(HUB_EXAMPLE)]) == 0
    out, err = capsys.readouterr()
    assert f"{HUB_EXAMPLE}: valid" in out and err == ""
    assert "[hub]" in out and "[loyalty_rules]" in out and "[gateway]" not in out
    assert f"not on this machine: [hub] secret_file = {HUB_EXAMPLE.parent / 'hub.secret'}" in out
    # a hub config's secret readable by others is refused with the fix, as a gateway's is
    cfg = tmp_path / "hub.toml"
    cfg.write_text(HUB_EXAMPLE.read_text())
    (tmp_path / "hub.secret").write_bytes(b"s" * 32)
    (tmp_path / "hub.secret").chmod(0o644)
    assert main(["check-config", str(cfg)]) == 2
    err = capsys.readouterr().err
    assert f"{cfg}:" in err and "[hub] secret_file" in err and f"chmod 600 {tmp_path / 'hub.secret'}" in err


def test_there_is_an_example_for_each_till_link():
    links = {next(line.split('"')[1] for line in p.read_text().splitlines() if line.startswith("link"))
             for p in EXAMPLES}
    assert links == {"tcp", "serial", "usb-gadget"}


def test_resolved_config_marks_defaults_and_masks_the_password(tmp_path, capsys):
    code, out, err, path = check(tmp_path, capsys, GOOD.replace(
        'url = "mqtt://localhost:1883"', 'url = "mqtt://localhost:1883"\nusername = "gw"\npassword = "s3cret"'),
        mode=0o600)
    assert code == 0, err
    assert 'password = "********"' in out and "s3cret" not in out
    assert 'link = "tcp"\n' in out  # given: no marker
    assert 'topic_prefix = "receipts/v1"' in out and "# default" in out
    assert "# [scanner] not in the file: no card is ever scanned" in out


def test_json_output(tmp_path, capsys):
    code, out, _, _ = check(tmp_path, capsys, GOOD, "--json")
    data = json.loads(out)
    assert code == 0 and data["valid"] and data["config"]["printer"]["baudrate"] == 9600
    assert "printer.baudrate" in data["defaults"] and "printer.link" not in data["defaults"]


# -- every kind of mistake: file:line, section, key, bad value, allowed values, did you mean ---------

CASES = [
    ("unknown option", GOOD.replace('link = "tcp"\nlisten', 'lnk = "tcp"\nlisten'),
     ":8: [till] lnk: [lnk] is an invalid option for [till]. Did you mean [link]?", "valid options: link, listen"),
    ("option of another section", GOOD.replace('listen = "0.0.0.0:9100"', 'address = "0.0.0.0:9100"'),
     ":9: [till] address: [address] is an invalid option for [till]. (address is an option of [printer])", None),
    ("bad choice", GOOD.replace('link = "tcp"\nlisten', 'link = "tpc"\nlisten'),
     ":8: [till] link: 'tpc' is not one of tcp | serial | usb-gadget. Did you mean [tcp]?",
     "allowed: tcp | serial | usb-gadget"),
    ("below minimum", GOOD + "\n[policy]\ncard_window_s = 1\n",
     ":20: [policy] card_window_s: 1 is below the minimum 5 (allowed: 5 to 3600)", None),
    ("above maximum", GOOD.replace('profile = "TM-T88V"', 'profile = "TM-T88V"\nbaudrate = 2000000'),
     ":15: [printer] baudrate: 2000000 is above the maximum 921600 (allowed: 300 to 921600)", None),
    ("wrong type", GOOD.replace('profile = "TM-T88V"', 'profile = "TM-T88V"\nbaudrate = "9600"'),
     ":15: [printer] baudrate: must be a number, not '9600'", "allowed: int 300..921600"),
    ("not a whole number", GOOD.replace('profile = "TM-T88V"', 'profile = "TM-T88V"\nbytesize = 7.5'),
     "[printer] bytesize: must be a whole number, not 7.5", None),
    ("bad boolean", GOOD + "\n[decoder]\nraw_bytes = \"yes\"\n", "[decoder] raw_bytes: must be true or false, not 'yes'", None),
    ("bad address", GOOD.replace('listen = "0.0.0.0:9100"', 'listen = "0.0.0.0:99999"'),
     ":9: [till] listen: port 99999 is out of range 0..65535", None),
    ("bad id pattern", GOOD.replace('id = "gw-0001"', 'id = "gw 0001"'),
     ":2: [gateway] id: 'gw 0001' does not have the expected form", None),
    ("bad broker url", GOOD.replace('mqtt://localhost:1883', 'http://localhost:1883'),
     ":17: [mqtt] url: 'http://localhost:1883' does not have the expected form", "mqtts://host:port"),
    ("qr template without token", GOOD + '\n[qr]\nurl_template = "https://x.example/r/"\n',
     "[qr] url_template: 'https://x.example/r/' does not have the expected form", "must contain {token}"),
    ("missing section", GOOD.split("[mqtt]")[0], "[mqtt]: the required section [mqtt] is missing",
     "add a [mqtt] section"),
    ("missing option", GOOD.replace('till_id = "till-1"\n', ""),
     ":1: [gateway]: the required option till_id is missing", "add `till_id = ...` under [gateway]"),
    ("link needs its device", GOOD.replace('link = "tcp"\nlisten = "0.0.0.0:9100"', 'link = "serial"'),
     ':7: [till]: link = "serial" needs the option device', "add `device = ...`"),
    ("unknown section", GOOD + "\n[scaner]\nsource = 'serial'\n",
     ":19: [scaner]: [scaner] is not a known section. Did you mean [scanner]?", "known sections: gateway"),
    ("key outside a section", "data_dir = '/x'\n" + GOOD, ":1: data_dir = '/x' is outside any [section]", "move it under [gateway]"),
    ("broken TOML", GOOD + "\n[qr]\nurl_template = https://x\n", ":20: not valid TOML", "check quotes"),
    ("duplicate key", GOOD.replace('profile = "TM-T88V"', 'profile = "TM-T88V"\nprofile = "x"'),
     ":15: not valid TOML", None),
    ("certificate without its key", GOOD.replace('url = "mqtt://localhost:1883"',
     'url = "mqtts://localhost:8883"\ncert_file = "/tmp/gw.crt"'),
     ":18: [mqtt] cert_file: cert_file and key_file go together", "set both"),
    ("client certificate without TLS", GOOD.replace('url = "mqtt://localhost:1883"',
     'url = "mqtt://localhost:1883"\ncert_file = "/tmp/gw.crt"\nkey_file = "/tmp/gw.key"'),
     ":17: [mqtt] url: a client certificate needs TLS", "use an mqtts:// URL"),
    ("unknown printer profile", GOOD.replace('"TM-T88V"', '"TM-T88X"'),
     ":14: [printer] profile: unknown printer profile 'TM-T88X'. Did you mean", "python-escpos profile name"),
    ("both password and password_file", GOOD.replace('url = "mqtt://localhost:1883"',
     'url = "mqtt://localhost:1883"\npassword = "a"\npassword_file = "/etc/passwd"'),
     "[mqtt] password: both password and password_file are set", "keep only password_file"),
]


@pytest.mark.parametrize("name,text,expected,remedy", CASES, ids=[c[0] for c in CASES])
def test_config_mistake(tmp_path, capsys, name, text, expected, remedy):
    code, out, err, path = check(tmp_path, capsys, text)
    assert code == 2 and out == ""
    assert f"receipt-gateway check-config: config error: {path}" in err
    assert expected in err, err
    if remedy:
        assert "\n  fix: " in err and remedy in err.split("fix: ", 1)[1], err
    assert "Traceback" not in err


def test_missing_file(tmp_path, capsys):
    assert main(["check-config", str(tmp_path / "nope.toml")]) == 2
    err = capsys.readouterr().err
    assert "nope.toml: file not found" in err and "hardware/config/" in err


def test_all_problems_are_listed_at_once(tmp_path, capsys):
    text = GOOD.replace('lnk', 'x').replace('link = "tcp"\nlisten', 'lnk = "tcp"\nlisten').replace(
        '"TM-T88V"', '"TM-T88V"\nbaudrate = 1')
    code, _, err, _ = check(tmp_path, capsys, text)
    assert code == 2
    assert "[lnk] is an invalid option for [till]" in err and "[printer] baudrate: 1 is below" in err
    assert "2 problems in the config" in err


def test_inline_password_in_a_world_readable_config(tmp_path, capsys):
    text = GOOD.replace('url = "mqtt://localhost:1883"', 'url = "mqtt://localhost:1883"\npassword = "s3cret"')
    code, _, err, path = check(tmp_path, capsys, text, mode=0o644)
    assert code == 2 and "every user of this machine can read" in err and "s3cret" not in err
    assert f"chmod o-r {path}" in err


@pytest.mark.parametrize("section,key,extra", [
    ("mqtt", "password_file", ""), ("loyalty", "hmac_key_file", ""), ("mqtt", "key_file", "cert_file"),
])
def test_secret_file_readable_by_others_is_refused_with_chmod(tmp_path, capsys, section, key, extra):
    secret = tmp_path / "secret"
    secret.write_text("s3cret\n")
    secret.chmod(0o644)
    text = GOOD + (f"\n[{section}]\n" if section != "mqtt" else "")
    lines = f'{key} = "{secret}"\n'
    if extra:
        cert = tmp_path / "gw.crt"
        cert.write_text("x")
        lines += f'{extra} = "{cert}"\n'
    if section == "mqtt":
        text = text.replace('url = "mqtt://localhost:1883"\n', 'url = "mqtts://localhost:8883"\n' + lines)
    else:
        text += lines
    code, _, err, path = check(tmp_path, capsys, text)
    assert code == 2
    assert f"[{section}] {key}: the secret file {secret} has mode 0644" in err
    assert f"fix: sudo chmod 600 {secret}" in err and "s3cret" not in err
    secret.chmod(0o600)
    code, out, err, _ = check(tmp_path, capsys, text)
    assert code == 0, err


@pytest.mark.skipif(os.getuid() != 0, reason="giving a file to another user needs root")
def test_secret_file_owned_by_another_user(tmp_path, capsys):
    secret = tmp_path / "mqtt.password"
    secret.write_text("pw\n")
    secret.chmod(0o600)
    os.chown(secret, 65534, 65534)  # nobody
    text = GOOD.replace('url = "mqtt://localhost:1883"', f'url = "mqtt://localhost:1883"\npassword_file = "{secret}"')
    code, _, err, _ = check(tmp_path, capsys, text)
    assert code == 2 and ":18: [mqtt] password_file:" in err and "is owned by" in err
    assert f"fix: sudo chown receipt-gw: {secret}" in err


def test_strict_makes_missing_files_errors(tmp_path, capsys):
    text = GOOD.replace('url = "mqtt://localhost:1883"',
                        'url = "mqtt://localhost:1883"\npassword_file = "/nonexistent/mqtt.password"')
    code, out, _, _ = check(tmp_path, capsys, text)
    assert code == 0 and "not on this machine: [mqtt] password_file" in out
    code, _, err, _ = check(tmp_path, capsys, text, "--strict")
    assert code == 2 and ":18: [mqtt] password_file: the secret file /nonexistent/mqtt.password does not exist" in err
    assert "install -m 600" in err


def test_what_the_service_builds_at_start_is_checked_too(tmp_path, capsys):
    """A till profile that does not exist and an always_print pattern that does not compile used to pass
    check-config and stop the service at start; now both are named with their line (a reload refuses them too)."""
    text = GOOD + '[policy]\nalways_print = ["(unclosed"]\n'
    code, _out, err, path = check(tmp_path, capsys, text)
    line = text.count("\n")
    assert code == 2
    assert f"{path}:{line}: [policy] always_print: [policy] always_print pattern '(unclosed' is not a valid" in err
    text = GOOD + '[decoder]\ntill_profile = "nosuchtill"\n'
    code, _out, err, path = check(tmp_path, capsys, text)
    assert code == 2 and f"{path}:{text.count(chr(10))}: [decoder] till_profile: unknown till profile" in err
    assert "fix: use one of:" in err
