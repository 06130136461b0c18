"""A live session recorded by the service (`run --record DIR`), then replayed by the CLI."""

from __future__ import annotations

from escpos.printer import Network

from gateway.cli import main
from gateway.printer.fake_printer import FakePrinter
from gateway.printer.record import read_capture, to_items
from gateway.printer.service import PrinterService
from tests.integration.proxy_helpers import wait_for


def test_a_recorded_session_replays_to_the_same_bytes_and_receipt(tmp_path, capsys):
    fake = FakePrinter()
    cfg = {"gateway": {"till_id": "till-3", "data_dir": str(tmp_path / "data")},
           "till": {"link": "tcp", "listen": "127.0.0.1:0"}, "printer": {"link": "fake"}}
    receipts = []
    svc = PrinterService(cfg, on_receipt=receipts.append, record_dir=tmp_path / "rec", fake=fake).start()
    try:
        assert svc.proxy.printer.wait_up(3)
        p = Network("127.0.0.1", svc.source.server.address[1], timeout=3)
        assert p.is_online() is True
        p.hw("INIT")
        p.text("Recorded sale     3.10\n")
        p.cut()
        p.close()
        wait_for(lambda: receipts, what="the live receipt")
    finally:
        svc.stop()
    header, lines = read_capture(svc.recorder.path)
    items = list(to_items(lines))
    assert header["till"] == "till-3"
    assert [i[0] for i in items if i[0] in ("open", "close")] == ["open", "close"]
    assert ("reply", b"\x16") in [(i[0], i[3]) for i in items]  # the printer's side is recorded too
    out = tmp_path / "replayed.bin"
    assert main(["replay", str(svc.recorder.path), "--printer", f"file:{out}"]) == 0  # the CLI, in-process
    assert "Recorded sale     3.10" in capsys.readouterr().out
    assert out.read_bytes() == bytes(fake.printed) == receipts[0].raw
