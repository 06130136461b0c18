"""Status scanning/answers, the spilling copy queue, capture record and replay."""

from __future__ import annotations

import subprocess
import sys

from gateway.printer.copyqueue import CopyQueue
from gateway.printer.record import Recorder, read_capture, to_items
from gateway.printer.status import PrinterStatus, Query, QueryScanner, StatusTracker, reply_for


def test_scanner_finds_queries_across_chunks_and_skips_image_data():
    image = b"\x1dv0\x00\x02\x00\x02\x00" + b"\x10\x04\x01\x1d"  # 2x2 raster: its 4 data bytes
    stream = b"ab\x10" + b"\x04\x01" + image + b"\x1dI\x43\x1da\xff"
    s = QueryScanner()
    found = []
    for i in range(0, len(stream), 2):
        found += s.feed(stream[i:i + 2])
    assert [(q.command, q.n) for q in found] == [("DLE EOT", 1), ("GS I", 0x43), ("GS a", 0xFF)]


def test_tracker_reads_replies_and_answers_when_the_printer_is_gone():
    t = StatusTracker()
    t.link_up()
    t.note_queries([Query("DLE EOT", 4), Query("GS r", 1)])
    t.feed_reply(b"\x7e\x0f")
    assert t.status.paper_out and t.status.near_end
    t.feed_reply(b"\x10\x00\x00\x00")  # ASB: all well
    assert not t.status.paper_out and t.status.online
    owed = t.link_down("unplugged")
    assert owed == b"" and not t.status.reachable
    assert t.answer(Query("DLE EOT", 1)) == b"\x1a"  # offline bit set


def test_fake_printer_answers_like_a_tm_t88():
    ok = PrinterStatus(reachable=True, online=True, drawer_open=True)
    assert [reply_for(ok, Query("DLE EOT", n)) for n in (1, 2, 3, 4)] == [b"\x16", b"\x12", b"\x12", b"\x12"]


def test_copy_queue_spills_to_disk_and_keeps_order():
    q = CopyQueue(mem_limit=100)
    for i in range(50):
        q.put(("data", i, bytes(30)), 30)
    assert q.spilled_items > 0
    assert [q.get(0)[1] for _ in range(50)] == list(range(50))
    assert q.get(0) is None


def test_record_then_replay_prints_the_receipts(tmp_path):
    rec = Recorder(tmp_path, "till-7", None)
    rec.write(("open", 1, 1.0, "till test"))
    rec.write(("data", 1, 1.1, b"\x1b@Hello replay\n\x10\x04\x01"))
    rec.write(("reply", 1, 1.2, b"\x16"))
    rec.write(("data", 1, 1.3, b"\x1dV\x00"))
    rec.write(("close", 1, 1.4, "done"))
    rec.close()
    header, lines = read_capture(rec.path)
    items = list(to_items(lines))
    assert header["till"] == "till-7" and items[2] == ("reply", 1, 1.2, b"\x16")
    out = tmp_path / "printed.bin"
    r = subprocess.run([sys.executable, "-m", "gateway", "replay", str(rec.path), "--printer", f"file:{out}"],
                       capture_output=True, text=True, timeout=60)
    assert r.returncode == 0, r.stderr
    assert "Hello replay" in r.stdout
    assert out.read_bytes() == b"\x1b@Hello replay\n\x10\x04\x01\x1dV\x00"


def test_replay_of_a_missing_file_says_so(tmp_path):
    r = subprocess.run([sys.executable, "-m", "gateway", "replay", str(tmp_path / "nope.jsonl")],
                       capture_output=True, text=True, timeout=60)
    assert r.returncode == 2 and "no such capture file" in r.stderr
