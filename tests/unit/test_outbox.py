"""The outbox on real SQLite files: states, sequences across restarts, limits, corruption."""

from __future__ import annotations

import json
import sqlite3

import pytest

from gateway.mqtt.outbox import Outbox, OutboxFull


def add(ob: Outbox, n: int) -> list[tuple[str, int]]:
    return [ob.add({"text": [f"receipt {i}"]}, "t/receipt/till-1") for i in range(n)]


def test_rows_go_pending_published_confirmed_purged(tmp_path):
    ob = Outbox(tmp_path, republish_after_s=10, retention_s=100)
    (rid, seq), = add(ob, 1)
    row, = ob.due(now=0)
    assert (row.sequence, row.receipt_id) == (seq, rid)
    assert json.loads(row.payload) == {"text": ["receipt 0"], "receipt_id": rid, "sequence": seq}
    ob.mark_published([seq], now=1000)
    assert ob.due(now=1005) == []                  # waiting for the hub's ack
    assert [r.sequence for r in ob.due(now=1011)] == [seq]   # not acked in time: due again
    ob.mark_published([seq], now=1011)             # republished: the clock restarts
    assert ob.due(now=1015) == []
    assert ob.confirm([rid, "unknown-id"], now=1012) == 1
    assert ob.depth == 0 and ob.due(now=5000) == []
    assert ob.purge(now=1100) == 0                 # still within retention
    assert ob.purge(now=1113) == 1


def test_sequence_is_monotonic_across_restarts_and_published_rows_come_back(tmp_path):
    ob = Outbox(tmp_path)
    first = add(ob, 3)
    ob.mark_published([first[0][1]])
    ob.close()
    ob = Outbox(tmp_path)
    assert ob.depth == 3
    assert [r.state for r in ob.due()] == ["pending"] * 3   # a PUBACK before a restart proves nothing
    (_, seq), = add(ob, 1)
    assert seq == 4


def test_given_receipt_id_is_kept(tmp_path):
    ob = Outbox(tmp_path)
    assert ob.add({"receipt_id": "01HZZZZZZZZZZZZZZZZZZZZZZZ"}, "t")[0] == "01HZZZZZZZZZZZZZZZZZZZZZZZ"


def test_full_outbox_refuses_loudly(tmp_path):
    ob = Outbox(tmp_path, max_receipts=10, alarm_fraction=0.8)
    ids = add(ob, 8)
    assert ob.stats()["alarm"] == "outbox_filling"
    add(ob, 2)
    with pytest.raises(OutboxFull) as exc:
        add(ob, 1)
    assert exc.value.reason == "outbox_full" and "not captured" in str(exc.value)
    assert ob.stats()["alarm"] == "outbox_full" and ob.stats()["refused"] == 1
    ob.confirm([rid for rid, _ in ids])
    add(ob, 1)
    assert ob.stats()["alarm"] is None


def test_requeue_reports_missing_ranges(tmp_path):
    ob = Outbox(tmp_path, retention_s=0)
    ids = add(ob, 6)
    ob.confirm([ids[1][0], ids[2][0]])
    ob.purge(now=10**10)                           # sequences 2 and 3 are gone
    queued, missing = ob.requeue(1, 8)
    assert queued == 4 and missing == [(2, 3), (7, 8)]


def test_corrupt_outbox_is_moved_aside_and_sequences_never_reused(tmp_path):
    ob = Outbox(tmp_path)
    add(ob, 5)
    ob.close()
    (tmp_path / "outbox.db").write_bytes(b"this is not a database" * 100)
    ob = Outbox(tmp_path)
    assert ob.recovered is not None
    assert (tmp_path / ob.recovered.moved_to.split("/")[-1]).exists()
    assert ob.depth == 0 and add(ob, 1)[0][1] > 5


def test_corrupt_page_salvages_unconfirmed_rows(tmp_path):
    ob = Outbox(tmp_path)
    ids = add(ob, 50)
    ob.close()
    con = sqlite3.connect(tmp_path / "outbox.db")
    pages = con.execute("PRAGMA page_count").fetchone()[0]
    con.close()
    assert pages > 3
    data = bytearray((tmp_path / "outbox.db").read_bytes())
    page = 4096
    data[(pages - 1) * page:(pages - 1) * page + 64] = b"\xff" * 64   # break the index's last page
    (tmp_path / "outbox.db").write_bytes(bytes(data))
    ob = Outbox(tmp_path)
    assert ob.recovered is not None and ob.recovered.salvaged > 0
    got = {r.receipt_id for r in ob.due(limit=1000)}
    assert got <= {rid for rid, _ in ids} and len(got) == ob.recovered.salvaged


def test_disk_full_is_reported_not_silent(tmp_path):
    ob = Outbox(tmp_path, max_pages=12)
    with pytest.raises(OutboxFull) as exc:
        for i in range(1000):
            ob.add({"text": ["x" * 500], "n": i}, "t")
    assert exc.value.reason == "disk_full" and ob.stats()["alarm"] == "disk_full"


def test_a_receipt_json_cannot_encode_leaves_the_outbox_usable(tmp_path):
    ob = Outbox(tmp_path)
    with pytest.raises(TypeError):
        ob.add({"when": object()}, "t")
    assert add(ob, 1)[0][1] == 1 and ob.depth == 1
