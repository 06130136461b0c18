"""`receipt-gateway decode FILE` (text, the default): what it writes, receipt by receipt.

The text is decoded and written as the capture is read (render_text.TextStream), and must be
exactly the text of the whole document: render_text(decode(data)).
"""

from __future__ import annotations

import contextlib
import io
import os
import select
import subprocess
import sys
from pathlib import Path

import pytest

from gateway.cli import decode as decode_cli
from gateway.cli import main
from gateway.printer.decoder import decode
from gateway.printer.render_text import render_text
from tests.unit.printer.helpers import printer

ROOT = Path(__file__).resolve().parents[3]


def receipt(n: int, profile: str = "TM-T88V", cut: bool = True) -> bytes:
    p = printer(profile)
    p.set(align="center", bold=True)
    p.text(f"Bakkerij De Kroon {n}\n")
    p.set(align="left", normal_textsize=True)
    p.text(f"{'Café crème':<30}{n},50 €\n\tTab\x1b$\x40\x01pos\n")
    with contextlib.redirect_stdout(io.StringIO()):  # python-escpos says which barcode renderer it used
        p.barcode("4006381333931", "EAN13", pos="BELOW")
    if cut:
        p.cut()
    return p.output


# receipts, a cut with nothing before it (a blank receipt), then a part after the last cut
# that prints nothing (left out) or something (kept)
BLANK_TAIL = receipt(1) + b"\x1dV\x00" + receipt(2) + b"\x1b@\x1bd\x03"
OPEN_TAIL = receipt(1) + receipt(2) + b"last words\n"


@pytest.mark.parametrize("data", [BLANK_TAIL, OPEN_TAIL, receipt(3) * 120], ids=["blank-tail", "open-tail", "120"])
def test_text_is_the_whole_documents_text(tmp_path, capsys, data):
    src = tmp_path / "capture.bin"
    src.write_bytes(data)
    want = render_text(decode(data, "TM-T88V"))
    assert main(["decode", str(src), "--profile", "TM-T88V"]) == 0
    assert capsys.readouterr().out == want
    assert main(["decode", str(src), "--profile", "TM-T88V", "-o", str(tmp_path / "out.txt")]) == 0
    assert (tmp_path / "out.txt").read_text(encoding="utf-8") == want
    assert "Café crème" in want and "4006381333931" in want


def test_a_capture_larger_than_one_read(tmp_path, capsys, monkeypatch):
    monkeypatch.setattr(decode_cli, "CHUNK", 1000)  # every receipt spans reads
    data = b"".join(receipt(i) for i in range(40)) + b"no cut at the end\n"
    src = tmp_path / "day.bin"
    src.write_bytes(data)
    assert main(["decode", str(src), "--profile", "TM-T88V"]) == 0
    out = capsys.readouterr().out
    assert out == render_text(decode(data, "TM-T88V"))
    assert out.count("Bakkerij De Kroon") == 40 and out.endswith("no cut at the end\n")


def test_nothing_printable_is_refused_and_no_file_is_written(tmp_path, capsys):
    src = tmp_path / "noise.bin"
    src.write_bytes(b"\x1b@\x1bd\x02\x1b\xfe\x1b\xfd  \n")
    out = tmp_path / "out.txt"
    assert main(["decode", str(src), "-o", str(out)]) == 2
    err = capsys.readouterr().err
    assert "no printable ESC/POS content found (2 unknown or broken commands)" in err
    assert not out.exists()


@pytest.mark.parametrize("content, message", [(b"", "is empty"), (b"%PDF-1.7\n" + b"x" * 100, "is a PDF document")])
def test_not_a_capture(tmp_path, capsys, content, message):
    src = tmp_path / "file.bin"
    src.write_bytes(content)
    assert main(["decode", str(src)]) == 2
    assert message in capsys.readouterr().err


def test_a_receipt_is_written_as_soon_as_its_cut_arrives():
    """Piped in (a live capture), each receipt's text comes out before the next one is sent."""
    env = dict(os.environ, PYTHONPATH=str(ROOT))
    env.pop("PYTHONUNBUFFERED", None)  # standard output as it is for a user: buffered in a pipe
    proc = subprocess.Popen([sys.executable, "-m", "gateway", "decode", "-", "--profile", "TM-T88V"],
                            stdin=subprocess.PIPE, stdout=subprocess.PIPE, env=env, cwd=ROOT)
    try:
        got = b""
        for n in (1, 2):
            proc.stdin.write(receipt(n))
            proc.stdin.flush()
            while b"4006381333931\n" not in got:  # the receipt's last line (the barcode digits)
                ready, _, _ = select.select([proc.stdout], [], [], 60)
                assert ready, f"receipt {n} not written while the input stays open"
                got += os.read(proc.stdout.fileno(), 65536)
            assert f"Bakkerij De Kroon {n}".encode() in got
            got = b""
        proc.stdin.close()
        assert proc.wait(60) == 0
    finally:
        proc.kill()
