"""What a technician sees from `receipt-gateway status`: the running service's own status file and
the outbox (a real SQLite outbox), read-only."""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
import time

import pytest

from gateway.cli import main
from gateway.mqtt.outbox import Outbox


def running_status(**changes) -> dict:
    status = {
        "pid": os.getpid(), "started_at": time.time() - 3725, "version": "0.1.0",
        "till": {"link": "tcp", "connected": True, "peer": "10.0.0.7:51234"},
        "printer": {"link": "tcp", "online": True, "paper_out": False, "near_end": False, "cover_open": False,
                    "error": False},
        "mqtt": {"url": "mqtts://broker.example:8883", "connected": True, "outbox_depth": 0,
                 "oldest_unconfirmed_s": None},
        "receipts": {"count": 42, "last": [{"at": "2026-03-01T14:03:12+01:00", "receipt_id": "01HQX4V8ZKQ5",
                                             "total": "12.50", "lines": 5, "delivery": "paper"}]},
        "disk_free_mb": 1234,
    }
    status.update(changes)
    return status


@pytest.fixture
def box(tmp_path):
    data = tmp_path / "data"
    data.mkdir()
    cfg = tmp_path / "gateway.toml"
    cfg.write_text(f'[gateway]\nid = "gw-7"\nstore_id = "s"\ntill_id = "till-2"\ndata_dir = "{data}"\n'
                   '[till]\n[printer]\nlink = "fake"\n[mqtt]\n')
    return cfg, data


def status(capsys, cfg, *extra):
    code = main(["status", "--config", str(cfg), *extra])
    out, err = capsys.readouterr()
    assert "Traceback" not in out + err
    return code, out


def test_running_service(box, capsys):
    cfg, data = box
    outbox = Outbox(data)
    ids = [outbox.add({"text": ["x"]}, "t")[0] for _ in range(3)]
    outbox.confirm(ids[:1])
    outbox.close()
    (data / "status.json").write_text(json.dumps(running_status()))
    code, out = status(capsys, cfg)
    assert code == 0, out
    out = re.sub(r"(status|oldest waiting) \d s", r"\1 N s", out)  # seconds on a busy test machine
    assert out.splitlines() == [
        "receipt-gateway gw-7 (till till-2)",
        f"ok    service: running (pid {os.getpid()}, up 1h 02m, version 0.1.0); status N s old",
        "ok    till: tcp: connected (peer 10.0.0.7:51234)",
        "ok    printer: tcp: online",
        "ok    broker: mqtts://broker.example:8883: connected",
        "ok    outbox: 2 receipts waiting for the hub (2 not yet sent, 0 sent, not yet acknowledged); "
        "1 confirmed kept; oldest waiting N s",
        "-     receipts: 42 since start; last:",
        "      2026-03-01T14:03:12+01:00  01HQX4V8ZKQ5  total 12.50  5 lines  paper",
        "ok    disk: 1,234 MB free",
    ]


def test_printer_and_broker_problems(box, capsys):
    cfg, data = box
    s = running_status()
    s["printer"].update(online=False, paper_out=True)
    s["mqtt"]["connected"] = False
    (data / "status.json").write_text(json.dumps(s))
    code, out = status(capsys, cfg, "--json")
    assert code == 1
    result = json.loads(out)
    checks = {c["check"]: c for c in result["checks"]}
    assert result["running"] and checks["printer"]["detail"] == "tcp: paper out"
    assert checks["broker"]["detail"] == "mqtts://broker.example:8883: not connected (receipts wait in the outbox)"
    assert checks["outbox"]["detail"] == f"no outbox in {data} yet (no receipt captured)"


def test_not_running(box, capsys):
    cfg, data = box
    code, out = status(capsys, cfg)
    assert code == 1
    assert f"FAIL  service: the service is not running (no {data}/status.json)" in out
    assert "fix: `systemctl status receipt-gateway`" in out


def test_stale_status_file(box, capsys):
    cfg, data = box
    path = data / "status.json"
    path.write_text(json.dumps(running_status()))
    os.utime(path, (time.time() - 95, time.time() - 95))
    code, out = status(capsys, cfg)
    assert code == 1
    assert f"FAIL  service: {path} was last written 95 s ago: the service is stopped or hung" in out
    assert "till:" not in out  # a stale file's links are not shown as if current


def test_dead_pid(box, capsys):
    cfg, data = box
    gone = subprocess.run([sys.executable, "-c", "import os; print(os.getpid())"], capture_output=True,
                          text=True).stdout.strip()
    (data / "status.json").write_text(json.dumps(running_status(pid=int(gone))))
    code, out = status(capsys, cfg)
    assert code == 1 and f"the service is not running (pid {gone} from {data}/status.json is gone)" in out


def test_outbox_shown_when_not_running_and_left_untouched(box, capsys):
    cfg, data = box
    outbox = Outbox(data)
    outbox.add({"text": ["x"]}, "t")
    outbox.close()
    before = {p.name: p.stat().st_mtime_ns for p in data.iterdir()}
    code, out = status(capsys, cfg)
    assert code == 1 and "ok    outbox: 1 receipt waiting for the hub" in out
    assert {p.name: p.stat().st_mtime_ns for p in data.iterdir()} == before  # read-only


def test_unreadable_outbox(box, capsys):
    cfg, data = box
    (data / "outbox.db").write_text("this is not a database" * 100)
    code, out = status(capsys, cfg)
    assert code == 1 and f"FAIL  outbox: cannot read {data}/outbox.db: file is not a database" in out
