"""`receipt-gateway display-test`: each screen shown, PNG files written, errors with a remedy."""

from __future__ import annotations

import pytest
from PIL import Image

from gateway.cli import main
from tests.mosquitto import free_port
from tests.unit.minimal_config import write_config

SCREENS = ["idle", "card-qr", "card-none", "card-paper", "sent", "printing", "error-invalid_card",
           "error-paper_out", "error-printer_offline", "error-no_answer"]


def config(tmp_path, display: str = "", scanner: str = ""):
    extra = (f"[display]\n{display}\n" if display else "") + (f"[scanner]\n{scanner}\n" if scanner else "")
    return write_config(tmp_path / "gateway.toml", extra)


def test_png_output_writes_every_screen(tmp_path, capsys):
    out_dir = tmp_path / "screens"
    rc = main(["display-test", "--config", str(config(tmp_path)), "--output", "png", str(out_dir),
               "--language", "fr"])
    out = capsys.readouterr().out
    assert rc == 0
    assert "display-test: 10 screens at 320x240 (fr) on png" in out
    assert " 1. idle" in out and "Ticket sans papier ? | Scannez votre carte pour un ticket sans papier" in out
    assert "Total 23,85\u00a0€" in out
    assert f"wrote 10 PNG files to {out_dir}" in out
    assert sorted(p.stem for p in out_dir.glob("*.png")) == sorted(f"display-{s}" for s in SCREENS)
    assert Image.open(out_dir / "display-sent.png").size == (320, 240)


def test_framebuffer_file_and_size_from_config(tmp_path, capsys):
    fb = tmp_path / "fb0"
    cfg = config(tmp_path, f'output = "framebuffer"\ndevice = "{fb}"\nwidth = 480\nheight = 320\nlanguage = "de"')
    assert main(["display-test", "--config", str(cfg), "--delay", "0"]) == 0
    out = capsys.readouterr().out
    assert f"at 480x320 (de) on framebuffer {fb}" in out and out.count(" ok") == 10
    assert fb.stat().st_size == 480 * 320 * 2


@pytest.mark.parametrize("display, args, message, fix", [
    ("", [], "no display is configured in", 'set [display] output = "framebuffer"'),
    ("", ["--output", "jpg", "/tmp/x"], "--output jpg is not known", "write --output png DIR"),
    ('output = "kiosk"', [], '[display] output = "kiosk" needs the kiosk node as the scanner',
     'set [scanner] source = "kiosk"'),
    ('output = "framebuffer"\ndevice = "/"', ["--delay", "0"], "cannot open the framebuffer /",
     "[display] device must be /dev/fbN"),
])
def test_user_errors_say_what_to_do(tmp_path, capsys, display, args, message, fix):
    assert main(["display-test", "--config", str(config(tmp_path, display)), *args]) == 2
    err = capsys.readouterr().err
    assert message in err and f"fix: {fix}" in err and "Traceback" not in err


def test_luma_panel_without_its_package(tmp_path, capsys):
    try:
        import luma.lcd  # noqa: F401
        pytest.skip("luma.lcd is installed here")
    except ImportError:
        pass
    assert main(["display-test", "--config", str(config(tmp_path, 'output = "luma"'))]) == 2
    err = capsys.readouterr().err
    assert "the st7789 panel needs the Python package luma.lcd" in err and "fix: pip install" in err


def test_kiosk_display_with_its_broker_down(tmp_path, capsys):
    cfg = config(tmp_path, 'output = "kiosk"',
                 f'source = "kiosk"\nkiosk_broker = "mqtt://127.0.0.1:{free_port()}"')
    assert main(["display-test", "--config", str(cfg)]) == 2
    err = capsys.readouterr().err
    assert "cannot reach the kiosk's broker" in err and "systemctl status mosquitto" in err
