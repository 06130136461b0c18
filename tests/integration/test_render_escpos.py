"""From python-escpos output through decode() to the PNG and HTML a person looks at."""

from __future__ import annotations

import html as htmllib
import io
import re
import subprocess
import sys
from pathlib import Path

import pytest
from PIL import Image

from gateway.printer.decoder import decode
from gateway.printer.render_html import render_html
from gateway.printer.render_png import render_png
from tests.render_samples import EAN, QR_URL, cafe_receipt, narrow_receipt, styles_receipt

zxingcpp = pytest.importorskip("zxingcpp")
ROOT = Path(__file__).resolve().parents[2]


def png_of(data: bytes, profile: str) -> tuple[Image.Image, object]:
    doc = decode(data, profile=profile)
    img = Image.open(io.BytesIO(render_png(doc)))
    img.load()
    return img, doc


def page_text(html: str) -> str:
    """What a reader of the page sees as text (spans split at code-page switches join up)."""
    return htmllib.unescape(re.sub(r"<[^>]+>", "", re.sub(r"</div>", "\n", html)))


def scans(img: Image.Image) -> dict[str, str]:
    return {r.format.name: r.text for r in zxingcpp.read_barcodes(img.convert("L"))}


@pytest.fixture(scope="module")
def cafe():
    return cafe_receipt("TM-T20II")


def test_cafe_receipt_png_scans_and_has_the_paper_width(cafe):
    img, doc = png_of(cafe, "TM-T20II")
    assert img.width == doc.width == 576
    found = scans(img)
    assert found.get("QRCode") == QR_URL
    assert found.get("EAN13") == EAN


def test_cafe_receipt_inverted_total_is_a_dark_band(cafe):
    img, doc = png_of(cafe, "TM-T20II")
    gray = img.convert("L")
    dark_rows = [y for y in range(img.height)
                 if sum(gray.crop((0, y, 200, y + 1)).histogram()[:128]) > 150]
    assert len(dark_rows) >= 40  # the double-height white-on-black TOTAL line


def test_cafe_receipt_html_shows_the_text_as_printed(cafe):
    doc = decode(cafe, profile="TM-T20II")
    html = render_html(doc)
    text = page_text(html)
    assert "Café de l'Église" in text
    assert "1 x Crème brûlée                          6,50 €" in text
    assert " TOTAL      17,10 €" in text
    assert re.search(r'<div class="line center"[^>]*><span class="s b"', html)  # centred bold title
    assert re.search(r'<span class="s b inv"[^>]*>.*TOTAL', html)
    assert f'alt="QR code: {QR_URL}"' in html
    assert f"EAN13 barcode {EAN}" in html


def test_58mm_ticket_is_384_dots_wide_and_its_qr_scans():
    img, _ = png_of(narrow_receipt("POS-5890"), "POS-5890")
    assert img.width == 384
    assert scans(img).get("QRCode") == "https://receipts.example/r/B4K3-RY"
    assert 'style="width:32ch"' in render_html(decode(narrow_receipt("POS-5890"), "POS-5890"))


def test_styles_receipt_code128_and_scripts():
    data = styles_receipt("TM-T20II")
    img, doc = png_of(data, "TM-T20II")
    assert scans(img).get("Code128") == "RECEIPT-42"
    text = page_text(render_html(doc))
    for printed in ("Ελληνικά: καλημέρα", "Кириллица: спасибо", "┌──────┬──────┐", "€ £ ¥ é"):
        assert printed in text


@pytest.mark.parametrize("fmt,magic", [("png", b"\x89PNG"), ("html", b"<!DOCTYPE html>")])
def test_decode_cli_writes_png_and_html(tmp_path, cafe, fmt, magic):
    src = tmp_path / "cafe.bin"
    src.write_bytes(cafe)
    out = tmp_path / f"cafe.{fmt}"
    run = subprocess.run([sys.executable, "-m", "gateway", "decode", str(src), "--profile",
                          "TM-T20II", "--format", fmt, "-o", str(out)],
                         cwd=ROOT, capture_output=True, text=True, timeout=60)
    assert run.returncode == 0, run.stderr
    assert out.read_bytes().startswith(magic)


def _corpus_files(corpus: Path) -> list[Path]:
    return sorted(corpus.glob("*/*.bin"))


def test_every_corpus_capture_renders(corpus):
    for path in _corpus_files(corpus):
        doc = decode(path.read_bytes())
        img = Image.open(io.BytesIO(render_png(doc)))
        assert img.width == doc.width, path.name
        html = render_html(doc)
        assert html.rstrip().endswith("</html>"), path.name


def test_retail_total_is_readable(corpus):
    doc = decode((corpus / "thermal" / "retail.bin").read_bytes())
    assert "114.70" in page_text(render_html(doc))  # the double-width TOTAL line wraps instead of running off the paper
    img = Image.open(io.BytesIO(render_png(doc)))
    assert img.height > 900


def test_html_page_in_a_real_browser_shows_a_scannable_qr(tmp_path, cafe):
    """Chromium draws the page; the QR code on the screenshot scans (skipped without Chromium)."""
    import shutil
    browser = shutil.which("chromium-headless-shell") or shutil.which("chromium")
    if not browser:
        pytest.skip("no Chromium here (apt-get install chromium-headless-shell)")
    page = tmp_path / "cafe.html"
    page.write_text(render_html(decode(cafe, profile="TM-T20II")), encoding="utf-8")
    shot = tmp_path / "shot.png"
    subprocess.run([browser, "--headless", "--no-sandbox", "--disable-gpu", "--hide-scrollbars",
                    f"--screenshot={shot}", "--window-size=700,1100", page.as_uri()],
                   capture_output=True, timeout=90, check=True)
    found = scans(Image.open(shot))
    assert found.get("QRCode") == QR_URL
    assert found.get("EAN13") == EAN
