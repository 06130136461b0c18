"""The printer's own ESC t numbering over the profile's: `[printer] code_pages`, `--code-page`.

The stream comes from python-escpos set up for an HP printer (its TH230 profile), whose `magic`
encoder prints the euro on ESC t 11 = CP874 (Thai, where 0x80 is €). The gateway decoding with
Epson's numbering, where 11 is CP851 (no table), is the technician's situation: a printer that
numbers a page differently from the profile the gateway uses.
"""

from __future__ import annotations

import contextlib
import io
import json

import pytest
from escpos.printer import Dummy

from gateway.cli import main
from gateway.config import ConfigError, load
from gateway.printer.decoder import decode
from gateway.printer.profiles import ProfileChoice, configured, get_profile
from gateway.printer.record import Recorder
from gateway.printer.render_text import render_text
from gateway.reload import LIVE_KEYS, LiveSettings
from tests.unit.test_config import GOOD


def hp_stream() -> bytes:
    p = Dummy(profile="TH230")
    p.text("Prix 5 € crème\n")
    p.cut()
    return p.output


def warnings(doc) -> list[str]:
    return [e.message for e in doc.events if e.kind == "warning"]


def test_python_escpos_stream_needs_the_printers_number_for_its_page():
    data = hp_stream()
    assert b"\x1bt\x0b\x80" in data  # the euro on ESC t 11
    wrong = decode(data)
    assert render_text(wrong) == "Prix 5 Ç crème\n"
    assert warnings(wrong) == ["ESC t 11: code page CP851 has no table; decoding as CP437"]
    right = decode(data, ProfileChoice(None, ((11, "CP874"),)))
    assert render_text(right) == "Prix 5 € crème\n" and warnings(right) == []


def test_overrides_keep_the_rest_of_the_profile():
    base = get_profile("CT-S651")
    prof = get_profile(ProfileChoice("CT-S651", ((2, "CP858"), (7, "CP1253"))))
    assert prof.name == "CT-S651" and prof.width == base.width and prof.columns == base.columns
    assert prof.code_pages == {**base.code_pages, 2: "CP858", 7: "CP1253"}
    assert base.code_pages[2] == "CP850"  # the database's own table is untouched


def config(tmp_path, printer_lines: str):
    path = tmp_path / "gateway.toml"
    path.write_text(GOOD.replace('profile = "TM-T88V"\n', f'profile = "TM-T88V"\n{printer_lines}\n'))
    return load(path), path


def test_config_table_is_checked_and_named_as_the_decoder_names_pages(tmp_path):
    cfg, _ = config(tmp_path, 'code_pages = { 11 = "cp874", 6 = "ISO-8859-1", 7 = "Windows-1253" }')
    assert cfg["printer"]["code_pages"] == {11: "CP874", 6: "ISO_8859-1", 7: "CP1253"}
    assert render_text(decode(hp_stream(), configured(cfg["printer"]))) == "Prix 5 € crème\n"
    assert configured({"profile": "default"}) is None  # no table: the plain name, as before


@pytest.mark.parametrize("entry,message", [
    ('{ 256 = "CP858" }', "code page number 256 is not a whole number from 0 to 255 (the n of ESC t n)"),
    ('{ two = "CP858" }', "code page number 'two' is not a whole number from 0 to 255"),
    ('{ 2 = "CP8585" }', "'CP8585' is not a code page the decoder knows. Did you mean CP858"),
    ('{ 2 = 858 }', "858 is not a code page the decoder knows"),
    ('"CP858"', "must be an inline table { key = value, ... }, not 'CP858'"),
])
def test_config_errors_name_file_line_key_and_fix(tmp_path, entry, message):
    with pytest.raises(ConfigError) as err:
        config(tmp_path, f"code_pages = {entry}")
    text = str(err.value)
    path = tmp_path / "gateway.toml"
    line = path.read_text().splitlines().index(f"code_pages = {entry}") + 1
    assert text.startswith(f"{path}:{line}: [printer] code_pages: "), text
    assert message in text
    assert 'fix: the real printer\'s ESC t numbers where they differ from the profile\'s, e.g. { 2 = "CP858"' in text


def test_check_config_shows_the_table(tmp_path, capsys):
    _, path = config(tmp_path, 'code_pages = { 2 = "cp858" }')
    assert main(["check-config", str(path)]) == 0
    assert 'code_pages = { 2 = "CP858" }' in capsys.readouterr().out
    bad = tmp_path / "bad.toml"
    bad.write_text(path.read_text().replace('"cp858"', '"cp8588"'))
    assert main(["check-config", str(bad)]) == 2
    assert "[printer] code_pages: 'cp8588' is not a code page the decoder knows" in capsys.readouterr().err


def test_code_pages_is_a_live_key_applied_to_the_decoder_profile(tmp_path):
    cfg, _ = config(tmp_path, 'code_pages = { 11 = "CP874" }')
    assert ("printer", "code_pages") in LIVE_KEYS and ("printer", "profile") not in LIVE_KEYS
    live = LiveSettings.from_config(cfg)
    assert live.decoder_profile == ProfileChoice("TM-T88V", ((11, "CP874"),))


def decode_cli(capsys, *argv: str) -> tuple[int, str, str]:
    try:
        code = main(["decode", *argv])
    except SystemExit as exc:  # argparse refuses the arguments
        code = exc.code
    out, err = capsys.readouterr()
    return code, out, err


def test_decode_code_page_option(tmp_path, capsys):
    capture = tmp_path / "hp.bin"
    capture.write_bytes(hp_stream())
    assert decode_cli(capsys, str(capture))[1] == "Prix 5 Ç crème\n"
    # repeatable, in any order with --profile; the last value for a number wins
    code, out, err = decode_cli(capsys, str(capture), "--code-page", "11=CP437", "--code-page", "11=cp874",
                                "--profile", "TM-T88V", "--code-page", "7=CP1253")
    assert (code, out) == (0, "Prix 5 € crème\n"), err
    code, out, _ = decode_cli(capsys, str(capture), "--code-page", "11=CP874", "--format", "receipt")
    assert code == 0 and json.loads(out)["text"] == ["Prix 5 € crème"]


@pytest.mark.parametrize("arg,message", [
    ("11", "argument --code-page: '11' is not N=PAGE (e.g. 2=CP858: ESC t 2 selects CP858 on this printer)"),
    ("300=CP858", "argument --code-page: code page number 300 is not a whole number from 0 to 255"),
    ("11=CP8744", "argument --code-page: 'CP8744' is not a code page the decoder knows. Did you mean CP874"),
])
def test_decode_code_page_errors_exit_non_zero_with_the_reason(tmp_path, capsys, arg, message):
    capture = tmp_path / "hp.bin"
    capture.write_bytes(hp_stream())
    code, out, err = decode_cli(capsys, str(capture), "--code-page", arg)
    assert code == 2 and out == ""
    assert message in err and "(write N=PAGE, e.g. --code-page 2=CP858)" in err


def test_recording_keeps_the_code_pages_and_replay_uses_them(tmp_path, capsys):
    rec = Recorder(tmp_path, "till-1", configured({"profile": "default", "code_pages": {11: "CP874"}}))
    data = hp_stream()
    for item in [("open", 1, 1.0, "till"), ("data", 1, 1.0, data), ("close", 1, 2.0, "eof")]:
        rec.write(item)
    rec.close()
    header = json.loads(rec.path.read_text().splitlines()[0])
    assert header["profile"] == "default" and header["code_pages"] == {"11": "CP874"}
    with contextlib.redirect_stderr(io.StringIO()):
        assert main(["replay", str(rec.path)]) == 0
    assert "Prix 5 € crème\n" in capsys.readouterr().out
    # the command line overrides the capture's number
    assert main(["replay", str(rec.path), "--code-page", "11=CP437"]) == 0
    assert "Prix 5 Ç crème\n" in capsys.readouterr().out


def test_the_gateways_own_prints_use_the_printers_numbers():
    """The test page (and the QR stub, built the same way) pick their pages through python-escpos:
    on a printer whose Western numbers are Greek, the euro and accents go to pages it really has."""
    from gateway.printer.stub import build_stub
    from gateway.printer.testpage import CODE_PAGE_LINE, test_page

    greek = ProfileChoice(None, tuple((n, "CP1253") for n in (2, 15, 16, 19)))  # what this printer does
    printed = render_text(decode(test_page("gw-1", profile=greek, now=0), greek)).splitlines()
    assert CODE_PAGE_LINE in printed and "Printer: default via" in printed
    unaware = render_text(decode(test_page("gw-1", now=0), greek)).splitlines()  # the database's numbers
    assert CODE_PAGE_LINE not in unaware
    stub = {"access_token": "x", "merchant": {"name": "Crème & Café 5 €"}, "currency": "EUR",
            "totals": {"gross": "5.00"}}
    assert render_text(decode(build_stub(stub, "https://r.example/x", greek), greek)).startswith("Crème & Café 5 €\n")
    assert render_text(decode(build_stub(stub, "https://r.example/x"), greek)).startswith("Crème & Café 5 ¤\n")
