"""The demo as a newcomer runs it (`python -m gateway demo`): it ends by itself, exits 0, shows
receipts going from the till to the hub, and leaves pictures and e-receipts where it says."""

from __future__ import annotations

import json
import re
import subprocess
import sys
from pathlib import Path

from PIL import Image

from gateway.receipt.schema import validate
from tests.integration.conftest import needs_mosquitto

ROOT = Path(__file__).resolve().parents[2]


def run_demo(out: Path, *args: str) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "gateway", "demo", "--out", str(out), *args], cwd=ROOT,
                          capture_output=True, text=True, timeout=60)


def check_outputs(out: Path, text: str, n: int) -> None:
    pictures = Path(re.search(r"pictures of the paper \((\d+)\): (\S+)/", text).group(2))
    assert pictures == (out / "paper").resolve()
    pngs = sorted(pictures.glob("page-*.png"))
    assert len(pngs) == n
    for png in pngs:
        with Image.open(png) as im:
            assert im.width == 512 and im.height > 300   # a TM-T88V's 80 mm paper, a whole receipt
    receipts = sorted((out / "e-receipts").glob("*.json"))
    assert [json.loads(p.read_text())["sequence"] for p in receipts] == list(range(1, n + 1))
    for p in receipts:
        validate(json.loads(p.read_text()))
    status = json.loads((out / "gateway-data" / "status.json").read_text())
    assert status["receipts"]["count"] == n and status["stopped"] is True


@needs_mosquitto
def test_demo_shows_the_whole_shop_with_a_real_broker(tmp_path):
    out = tmp_path / "demo"
    proc = run_demo(out)
    assert proc.returncode == 0, proc.stdout + proc.stderr
    text = proc.stdout
    assert "mosquitto on mqtt://127.0.0.1:" in text
    assert len(re.findall(r"^  till      printed receipt \d+: ", text, re.M)) == 8
    # the consumer prints a line per e-receipt as it arrives, with the shop and total
    hub_lines = re.findall(r"^  hub       \S+ store-demo/gw-demo till-1 #(\d+) .+ paper \[\w{26}\]$", text, re.M)
    assert sorted(map(int, hub_lines)) == list(range(1, 9))
    assert "bytes printed, identical to what the till sent" in text
    assert "8 of 8 receipts captured in the outbox" in text
    assert "8 e-receipts received once each (0 duplicates removed), 0 waiting for an ack" in text
    assert "Traceback" not in proc.stderr and "WARNING" not in proc.stderr and "ERROR" not in proc.stderr
    check_outputs(out, text, 8)


def test_demo_without_a_broker_keeps_receipts_in_the_outbox(tmp_path):
    out = tmp_path / "demo"
    proc = run_demo(out, "--no-broker", "--receipts", "3")
    assert proc.returncode == 0, proc.stdout + proc.stderr
    text = proc.stdout
    assert "broker    none (--no-broker): the gateway's outbox keeps the receipts" in text
    assert len(re.findall(r"^  gateway   captured #\d .+, kept in the outbox$", text, re.M)) == 3
    assert f"3 receipts wait in {out / 'gateway-data' / 'outbox.db'}" in text
    assert proc.stderr == ""
    check_outputs(out, text, 3)
