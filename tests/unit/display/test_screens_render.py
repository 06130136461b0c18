"""Display screens: texts per language, rendering at both panel sizes, the QR code reads back."""

from __future__ import annotations

import pytest
from PIL import Image

from gateway.display import screens, texts
from gateway.display.render import font, render, wrap

URL = "https://receipts.example.com/r/8fJ2kQx7PZbW3nR1"
SIZES = [(320, 240), (480, 320)]


@pytest.mark.parametrize("lang, idle", [
    ("en", "Scan your card for a paperless receipt"),
    ("nl", "Scan uw kaart voor een papierloos kasticket"),
    ("fr", "Scannez votre carte pour un ticket sans papier"),
    ("de", "Scannen Sie Ihre Karte für einen papierlosen Beleg")])
def test_idle_says_scan_your_card_in_each_language(lang, idle):
    assert screens.idle(lang).lines == (idle,)


def test_every_text_exists_in_every_language():
    for key, entry in texts.TEXTS.items():
        assert set(entry) == set(texts.LANGUAGES), key


@pytest.mark.parametrize("lang, shown", [("en", "€23.85"), ("nl", "€ 23,85"), ("fr", "23,85\u00a0€"),
                                         ("de", "23,85\u00a0€")])
def test_total_is_written_the_local_way(lang, shown):
    assert screens.sent(URL, "23.85", lang).big.endswith(shown)
    assert texts.money("-4.5", "EUR", "en") == "-€4.50" and texts.money("n/a") == "n/a"


def test_card_screen_greets_and_says_the_mode():
    s = screens.card("Hello Anna", "none")
    assert s.title == "Hello Anna" and "No paper" in s.lines[0]
    assert screens.card(None, "paper", "de").title == "Willkommen!"
    with pytest.raises(ValueError, match="mode must be one of"):
        screens.card("x", "email")


def test_unknown_error_kind_shows_the_generic_screen():
    s = screens.error("cosmic_ray", "fr")
    assert s.tone == "error" and s.title == "Désolé" and "personnel" in s.lines[0]


def test_kiosk_lines_carry_the_total():
    assert screens.sent(URL, "7.5").kiosk_lines() == ["Receipt sent", "Total €7.50", "Scan the code with your phone"]


@pytest.mark.parametrize("size", SIZES)
@pytest.mark.parametrize("lang", texts.LANGUAGES)
def test_every_screen_renders_at_the_panel_size_with_text_in_the_body(size, lang):
    for s in screens.all_screens(lang):
        img = render(s, size)
        assert img.size == size and img.mode == "RGB"
        body = img.crop((0, int(size[1] * 0.3), size[0], size[1])).convert("L")
        assert body.getextrema()[0] < 80, f"{s.name}: no dark text below the header"


def test_header_colour_follows_the_tone():
    assert render(screens.error("paper_out"), (320, 240)).getpixel((2, 2)) == (190, 30, 30)
    assert render(screens.idle(), (320, 240)).getpixel((2, 2)) == (0, 92, 150)


@pytest.mark.parametrize("size", SIZES)
def test_the_qr_code_on_screen_decodes_to_the_receipt_url(size):
    zxingcpp = pytest.importorskip("zxingcpp")
    img = render(screens.sent(URL, "23.85"), size)
    found = zxingcpp.read_barcodes(img)
    assert [r.text for r in found] == [URL]


def test_qr_codes_of_many_urls_read_back():
    import base64
    import random
    zxingcpp = pytest.importorskip("zxingcpp")
    rnd = random.Random(7)  # fixed tokens: a failure names a URL that fails again
    for n in range(24):
        token = base64.urlsafe_b64encode(rnd.randbytes(16 + n * 3)).decode().rstrip("=")
        url = f"https://receipts.example.com/r/{token}"
        # QR codes only: the reader's 1D decoders sometimes "read" a code in the screen's text
        found = zxingcpp.read_barcodes(render(screens.sent(url, "1.00"), (320, 240)),
                                       formats=zxingcpp.BarcodeFormat.QRCode)
        assert [r.text for r in found] == [url], url


def test_wrap_keeps_every_line_inside_the_width():
    f = font(22)
    lines = wrap("Pas de papier : votre ticket arrive dans votre compte supercalifragilisticexpialidocious", f, 150)
    assert all(f.getlength(ln) <= 150 for ln in lines)
    assert "".join(lines).replace(" ", "") == "Pasdepapier:votreticketarrivedansvotrecomptesupercalifragilisticexpialidocious"


def test_a_long_greeting_is_shrunk_not_cut():
    img = render(screens.card("Goedemiddag mevrouw Van den Broucke-Vandenabeele", "qr", "nl"), (320, 240))
    assert isinstance(img, Image.Image)
    header = img.crop((0, 0, 320, 57)).convert("L")
    assert header.getextrema()[1] == 255   # white title text is in the header
