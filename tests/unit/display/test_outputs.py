"""Display outputs: framebuffer bytes (against a file with fake geometry), luma, PNG, kiosk; the facade."""

from __future__ import annotations

import json
import os

import pytest
from PIL import Image

from gateway.config import ConfigError, load
from gateway.display import Display, DisplayError, FbGeometry
from gateway.display.framebuffer import FramebufferOutput, pixels, to_rgb565
from gateway.display.outputs import KioskOutput, LumaOutput, PngOutput, luma_device
from gateway.display.screens import idle
from tests.unit.minimal_config import write_config


def test_rgb565_packs_known_colours_little_endian():
    img = Image.new("RGB", (4, 1))
    img.putdata([(255, 0, 0), (0, 255, 0), (0, 0, 255), (255, 255, 255)])
    assert to_rgb565(img) == bytes([0x00, 0xF8, 0xE0, 0x07, 0x1F, 0x00, 0xFF, 0xFF])


def test_32bpp_is_bgra_and_lines_are_padded_to_the_stride():
    img = Image.new("RGB", (2, 2), (10, 20, 30))
    data = pixels(img, FbGeometry(2, 2, 32, stride=12))
    assert data == (bytes([30, 20, 10, 255]) * 2 + b"\0" * 4) * 2


def test_framebuffer_file_gets_the_whole_screen(tmp_path):
    fb = tmp_path / "fb1"
    out = FramebufferOutput(str(fb), FbGeometry(320, 240, 16))
    d = Display([out])
    d.show_idle()
    d.show_error("paper_out")
    out.close()
    raw = fb.read_bytes()
    assert len(raw) == 320 * 240 * 2
    # the first pixel is the red header of the error screen: (190, 30, 30) in RGB565
    assert raw[:2] == to_rgb565(Image.new("RGB", (1, 1), (190, 30, 30)))


def test_framebuffer_geometry_from_sysfs(tmp_path):
    sysfs = tmp_path / "graphics" / "fb1"
    sysfs.mkdir(parents=True)
    (sysfs / "virtual_size").write_text("480,320\n")
    (sysfs / "bits_per_pixel").write_text("32\n")
    (sysfs / "stride").write_text("1920\n")
    assert FbGeometry.from_sysfs("/dev/fb1", str(tmp_path / "graphics")) == FbGeometry(480, 320, 32, 1920)
    with pytest.raises(DisplayError, match="cannot read the framebuffer geometry of /dev/fb7"):
        FbGeometry.from_sysfs("/dev/fb7", str(tmp_path / "graphics"))


def test_luma_device_shows_the_screen():
    dummy = pytest.importorskip("luma.core.device").dummy
    dev = dummy(width=480, height=320, mode="RGB")
    Display([LumaOutput(dev)]).show_idle()
    assert dev.image.size == (480, 320) and dev.image.getpixel((2, 2)) == (0, 92, 150)


def test_luma_panel_without_its_package_is_a_clear_error():
    try:
        import luma.lcd  # noqa: F401
        pytest.skip("luma.lcd is installed")
    except ImportError:
        pass
    with pytest.raises(DisplayError) as e:
        luma_device("st7789", width=320, height=240)
    assert "needs the Python package luma.lcd" in e.value.message and "pip install" in e.value.remedy


def test_png_output_names_files_after_screens(tmp_path):
    out = PngOutput(tmp_path)
    d = Display([out], size=(480, 320))
    d.show_card("Hi", "qr")
    d.show_sent("https://x/r/t", "1.00")
    assert [p.name for p in out.written] == ["display-card-qr.png", "display-sent.png"]
    assert Image.open(out.written[1]).size == (480, 320)


class Link:
    def __init__(self):
        self.sent = []

    def send_screen(self, lines, timeout_s=0):
        self.sent.append((lines, timeout_s))


def test_kiosk_output_sends_text_lines_and_no_image():
    link = Link()
    Display([KioskOutput(link)], language="fr").show_error("invalid_card")
    assert link.sent == [(["Carte non reconnue", "Veuillez scanner à nouveau votre carte"], 10)]


def test_the_kiosk_output_over_a_real_serial_link():
    from gateway.scanner.kiosk import KioskSerial
    from tests.unit.scanner.ptys import Pty
    pty = Pty()
    link = KioskSerial(pty.name)
    try:
        Display([KioskOutput(link)]).show_idle()
        msg = json.loads(pty.read_available())
    finally:
        link.close()
        pty.close()
    assert msg == {"kind": "screen", "lines": ["Paperless receipt?", "Scan your card for a paperless receipt"],
                   "timeout_s": 0}


def test_a_broken_output_does_not_stop_the_others(tmp_path, caplog):
    class Broken:
        size = None

        def show(self, screen, image):
            raise OSError("SPI write failed")

        def close(self):
            pass
    png = PngOutput(tmp_path)
    d = Display([Broken(), png])
    assert d.show_printing().name == "printing"
    assert d.failures == 1 and len(png.written) == 1 and "SPI write failed" in caplog.text


def cfg_file(tmp_path, display: str):
    return write_config(tmp_path / "g.toml", f"[display]\n{display}\n")


def test_display_from_config_framebuffer_file(tmp_path):
    p = cfg_file(tmp_path, f'output = "framebuffer"\ndevice = "{tmp_path}/fb.raw"\nwidth = 480\n'
                                    f'height = 320\nfb_bpp = 32\nlanguage = "de"')
    d = Display.from_config(load(p))
    assert d.show_idle().title == "Beleg ohne Papier?"
    d.close()
    assert os.path.getsize(tmp_path / "fb.raw") == 480 * 320 * 4


@pytest.mark.parametrize("display, message", [
    ('output = "png"', 'output = "png" needs the option png_dir'),
    ('output = "hdmi"', "'hdmi' is not one of none | framebuffer | luma | png | kiosk"),
    ('output = "png"\npng_dir = "/tmp"\nlanguage = "es"', "'es' is not one of en | nl | fr | de"),
    ('width = 10', "below the minimum"),
])
def test_bad_display_config_names_the_problem(tmp_path, display, message):
    p = cfg_file(tmp_path, display)
    with pytest.raises(ConfigError) as e:
        load(p)
    assert message in str(e.value) and "[display]" in str(e.value)


def test_kiosk_display_without_a_kiosk_scanner_is_refused(tmp_path):
    p = cfg_file(tmp_path, 'output = "kiosk"')
    with pytest.raises(DisplayError) as e:
        Display.from_config(load(p))
    assert "needs the kiosk node as the scanner" in e.value.message


def test_show_returns_what_was_shown():
    assert Display([]).show(idle()).name == "idle"
