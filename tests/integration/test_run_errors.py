"""`receipt-gateway run` failing at start: a message and a remedy, exit 2, never a traceback."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

from tests.mosquitto import free_port

ROOT = Path(__file__).resolve().parents[2]


def run(cfg: Path) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "gateway", "run", "--config", str(cfg)], cwd=ROOT,
                          capture_output=True, text=True, timeout=30)


def config(tmp_path: Path, data_dir: Path, listen: str) -> Path:
    cfg = tmp_path / "gateway.toml"
    cfg.write_text(f'[gateway]\nid = "gw-1"\nstore_id = "s"\ntill_id = "till-1"\ndata_dir = "{data_dir}"\n'
                   f'[till]\nlink = "tcp"\nlisten = "{listen}"\n[printer]\nlink = "none"\n'
                   f'[mqtt]\nurl = "mqtt://127.0.0.1:{free_port()}"\n')
    return cfg


def test_a_data_dir_that_is_a_file_is_named_with_its_remedy(tmp_path):
    blocker = tmp_path / "not-a-dir"
    blocker.write_text("")
    proc = run(config(tmp_path, blocker / "data", f"127.0.0.1:{free_port()}"))
    assert proc.returncode == 2
    assert f"receipt-gateway run: error: cannot create the data directory {blocker / 'data'}" in proc.stderr
    assert "fix: create it and give the service user write access" in proc.stderr
    assert "Traceback" not in proc.stderr


def test_a_till_port_in_use_is_named(tmp_path):
    import socket

    with socket.socket() as busy:
        busy.bind(("127.0.0.1", 0))
        busy.listen()
        proc = run(config(tmp_path, tmp_path / "data", f"127.0.0.1:{busy.getsockname()[1]}"))
    assert proc.returncode == 2
    assert "receipt-gateway run: error:" in proc.stderr and "Traceback" not in proc.stderr
    assert "fix:" in proc.stderr
