"""`receipt-gateway run` under the systemd notify protocol: READY=1, watchdog pings, STOPPING=1."""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
from pathlib import Path

from gateway.mqtt.local_broker import free_port  # one free-port helper for the package and tests

ROOT = Path(__file__).resolve().parents[2]


def test_run_tells_systemd_it_is_ready_and_alive(tmp_path):
    port = free_port()
    cfg = tmp_path / "gateway.toml"
    cfg.write_text(f"""
[gateway]
id = "gw-t"
store_id = "s"
till_id = "till-1"
data_dir = "{tmp_path / 'data'}"
[till]
link = "tcp"
listen = "127.0.0.1:{port}"
[printer]
link = "none"
[mqtt]
url = "mqtt://127.0.0.1:1"
""")
    notify = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM)
    notify.bind(str(tmp_path / "notify"))
    notify.settimeout(15)
    env = dict(os.environ, NOTIFY_SOCKET=str(tmp_path / "notify"), WATCHDOG_USEC="200000")
    proc = subprocess.Popen([sys.executable, "-c",
                             "import os, sys; os.environ['WATCHDOG_PID'] = str(os.getpid());"
                             "from gateway.cli import main; sys.exit(main(sys.argv[1:]))",
                             "run", "--config", str(cfg)],
                            cwd=ROOT, env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT)
    try:
        first = notify.recv(4096).decode()
        assert first.startswith("READY=1\nSTATUS=till till-1 via tcp"), first
        socket.create_connection(("127.0.0.1", port), timeout=2).close()  # it does listen
        assert notify.recv(4096) == b"WATCHDOG=1"
        assert notify.recv(4096) == b"WATCHDOG=1"
        proc.send_signal(signal.SIGTERM)
        while (msg := notify.recv(4096)) == b"WATCHDOG=1":
            pass
        assert msg == b"STOPPING=1"
        assert proc.wait(timeout=10) == 0
    finally:
        if proc.poll() is None:
            proc.kill()
        proc.wait()
        notify.close()
