"""The demo as a newcomer runs it (`python -m gateway demo`): it ends by itself, exits 0, shows
receipts going from the till to the hub, and leaves pictures and e-receipts where it says."""

from __future__ import annotations

import json
import re
import signal
import subprocess
import sys
import urllib.request
from pathlib import Path

import pytest
from PIL import Image

from gateway.receipt.schema import validate
from tests.integration.conftest import needs_mosquitto

ROOT = Path(__file__).resolve().parents[2]
CARD_SCREENS = {"display-card-qr.png", "display-card-none.png", "display-card-paper.png", "display-sent.png"}


def run_demo(out: Path, *args: str) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "gateway", "demo", "--out", str(out), *args], cwd=ROOT,
                          capture_output=True, text=True, timeout=60)


def check_outputs(out: Path, text: str, n: int, pages: int, screens: set[str]) -> None:
    pictures = Path(re.search(r"pictures of the paper \((\d+)\): (\S+)/", text).group(2))
    assert pictures == (out / "paper").resolve()
    pngs = sorted(pictures.glob("page-*.png"))
    assert len(pngs) == pages
    for png in pngs:
        with Image.open(png) as im:
            assert im.width == 512 and im.height > 150   # a TM-T88V's 80 mm paper: receipts and stubs
    receipts = sorted((out / "e-receipts").glob("*.json"))
    assert [json.loads(p.read_text())["sequence"] for p in receipts] == list(range(1, n + 1))
    for p in receipts:
        validate(json.loads(p.read_text()))
    status = json.loads((out / "gateway-data" / "status.json").read_text())
    assert status["receipts"]["count"] == n and status["stopped"] is True
    folder = Path(re.search(r"customer display screens \(\d+\): (\S+)/", text).group(1))
    assert screens <= {p.name for p in folder.glob("*.png")}
    key = out / "loyalty.key"
    assert key.stat().st_mode & 0o777 == 0o600


def check_customers(text: str) -> str:
    """Each customer's scan and what came of it; returns the QR receipt's URL."""
    assert re.search(r"^  scanner   Ann scans card •••• \d{4}: Hello Ann, wants qr \(hub\)", text, re.M)
    assert re.search(r"^  scanner   Bram scans card •••• \d{4}: Hallo Bram, wants none \(hub\)", text, re.M)
    assert re.search(r"^  scanner   Chloé scans card •••• \d{4}: Bonjour Chloé, wants paper \(hub\)", text, re.M)
    url = re.search(r"^  gateway   receipt #2: a QR stub printed \(customer preference \(from the hub\)\); "
                    r"its e-receipt: (\S+)$", text, re.M).group(1)
    assert re.search(r"^  gateway   receipt #4: nothing printed \(customer preference \(from the hub\)\)", text, re.M)
    assert re.search(r"^  gateway   receipt #5: printed \(customer preference \(from the hub\)\)$", text, re.M)
    assert re.search(r"^  gateway   receipt #6: printed \(always printed: warranty receipt\)$", text, re.M)
    assert "  printer   7 pages: 6 receipts on paper, 1 QR stub(s); 1 receipt(s) not printed" in text
    for card in ("290000000042", "290000000099", "290000000123"):
        assert card not in text     # card numbers are never shown in clear
    return url


def check_stub(text: str, url: str) -> None:
    import zxingcpp

    stub = Path(re.search(rf"^  the QR stub of receipt #2: (\S+) \(its QR code opens {re.escape(url)}\)$",
                          text, re.M).group(1))
    with Image.open(stub) as im:
        # QR only: the 1D decoders can "read" a code in the stub's printed text now and then
        assert [r.text for r in zxingcpp.read_barcodes(im, formats=zxingcpp.BarcodeFormat.QRCode)] == [url]


@needs_mosquitto
def test_demo_shows_the_whole_shop_with_the_hub(tmp_path):
    pytest.importorskip("sqlalchemy", reason="the hub extra is not installed: pip install -e '.[hub]'")
    out = tmp_path / "demo"
    proc = subprocess.Popen([sys.executable, "-m", "gateway", "demo", "--out", str(out), "--serve"], cwd=ROOT,
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    try:
        text = ""
        for line in proc.stdout:
            text += line
            if line.startswith("  sign in at "):
                break
        # the pages stay up: the QR receipt's link opens in a browser
        url = re.search(r"^  receipt #2 \(qr\): (\S+)$", text, re.M).group(1)
        with urllib.request.urlopen(url, timeout=10) as page:
            assert page.status == 200 and "Épicerie du Marché" in page.read().decode()
    finally:
        proc.send_signal(signal.SIGINT)
        rest, err = proc.communicate(timeout=30)
    assert proc.returncode == 0, text + rest + err
    assert rest == "stopped\n"
    assert "mosquitto on mqtt://127.0.0.1:" in text
    assert re.search(r"^  hub       the reference hub on http://127\.0\.0\.1:\d+ ", text, re.M)
    assert len(re.findall(r"^  till      printed receipt \d+: ", text, re.M)) == 8
    # the consumer prints a line per e-receipt as it arrives, with the shop, total and delivery
    listen = re.findall(r"^  listen    \S+ store-demo/gw-demo till-1 #(\d+) .+ (paper|qr|none) \[\w{26}\]$", text, re.M)
    assert sorted((int(n), m) for n, m in listen) == [(1, "paper"), (2, "qr"), (3, "paper"), (4, "none"),
                                                       (5, "paper"), (6, "paper"), (7, "paper"), (8, "paper")]
    assert check_customers(text) == url
    assert re.fullmatch(r"http://127\.0\.0\.1:\d+/r/[\w-]{16,}", url)
    assert "8 of 8 receipts captured in the outbox" in text
    assert "8 e-receipts received once each (0 duplicates removed), 0 waiting for an ack" in text
    assert "  hub       8 of 8 e-receipts stored in " in text
    assert re.search(r"^  hub       Ann's account \(ann@example.com, wants qr\): 1 receipt\(s\), \d+ points$", text, re.M)
    assert re.search(r"^  hub       Bram's account \(bram@example.com, wants none\): 2 receipt\(s\)", text, re.M)
    assert f"  hub       GET {url} -> 200: the receipt page" in text
    assert err == ""
    check_outputs(out, text, 8, 7, CARD_SCREENS)
    check_stub(text, url)


@needs_mosquitto
def test_demo_without_the_hub_answers_scans_with_a_stand_in(tmp_path):
    out = tmp_path / "demo"
    proc = run_demo(out, "--no-hub")
    assert proc.returncode == 0, proc.stdout + proc.stderr
    text = proc.stdout
    assert "  hub       a stand-in scan responder (the hub extra is not installed" in text
    url = check_customers(text)
    assert url.startswith("https://receipts.example.com/r/")
    assert "8 e-receipts received once each (0 duplicates removed), 0 waiting for an ack" in text
    assert "Traceback" not in proc.stderr and "WARNING" not in proc.stderr and "ERROR" not in proc.stderr
    check_outputs(out, text, 8, 7, CARD_SCREENS)
    check_stub(text, url)


def test_demo_without_a_broker_keeps_receipts_in_the_outbox(tmp_path):
    out = tmp_path / "demo"
    proc = run_demo(out, "--no-broker", "--receipts", "3")
    assert proc.returncode == 0, proc.stdout + proc.stderr
    text = proc.stdout
    assert "broker    none (--no-broker): the gateway's outbox keeps the receipts" in text
    assert len(re.findall(r"^  gateway   captured #\d .+, kept in the outbox$", text, re.M)) == 3
    assert f"3 receipts wait in {out / 'gateway-data' / 'outbox.db'}" in text
    assert proc.stderr == ""
    # Ann's scan gets no answer without a broker: the store default, paper
    assert re.search(r"^  scanner   Ann scans card •••• \d{4}: no answer from the hub, the store default \(paper\)$",
                     text, re.M)
    check_outputs(out, text, 3, 3, {"display-card-paper.png"})
