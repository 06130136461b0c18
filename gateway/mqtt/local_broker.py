"""A real mosquitto broker on this machine: generated config, free port, its own directory.

    broker = Mosquitto(workdir).start()
    broker.kill(); broker.start()      # SIGKILL and restart on the same port
    broker.url                         # mqtt://127.0.0.1:PORT

For the demo (`receipt-gateway demo`), the tests (tests/mosquitto.py re-exports it) and
the benchmarks. `available()` says whether the mosquitto binary is installed
(scripts/bootstrap installs it).
"""

from __future__ import annotations

import os
import pwd
import shutil
import signal
import socket
import subprocess
import time
from pathlib import Path

CANDIDATES = ("/usr/sbin/mosquitto", "/usr/local/sbin/mosquitto")


def binary() -> str | None:
    for path in CANDIDATES:
        if os.access(path, os.X_OK):
            return path
    return shutil.which("mosquitto")


def available() -> bool:
    return binary() is not None


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class Mosquitto:
    def __init__(self, workdir: str | Path, *, port: int | None = None, listener_conf: str = "",
                 extra_conf: str = "", persistence: bool = False, conf_text: str | None = None):
        self.dir = Path(workdir).resolve()  # mosquitto runs in its own cwd: a relative config path would not open
        self.dir.mkdir(parents=True, exist_ok=True)
        self.port = port or free_port()
        self.listener_conf = listener_conf or "allow_anonymous true\n"
        self.extra_conf = extra_conf
        self.persistence = persistence
        self.conf_text = conf_text   # a whole config (its own listener lines); user/log lines are added
        self.proc: subprocess.Popen | None = None
        self.conf = self.dir / "mosquitto.conf"
        self.log = self.dir / "mosquitto.log"
        self.scheme = "mqtt"

    @property
    def url(self) -> str:
        return f"{self.scheme}://127.0.0.1:{self.port}"

    def write_conf(self) -> None:
        user = pwd.getpwuid(os.getuid()).pw_name
        if self.conf_text is not None:
            self.conf.write_text(f"{self.conf_text}\nuser {user}\nlog_dest file {self.log}\n"
                                 "log_type error\nlog_type warning\nlog_type notice\n")
            return
        self.conf.write_text(
            f"per_listener_settings false\n"
            f"set_tcp_nodelay true\n"   # scan answers in ms, not after delayed ACKs
            # as root mosquitto would switch to the `mosquitto` user and could not read this directory
            f"user {user}\n"
            f"listener {self.port} 127.0.0.1\n"
            f"{self.listener_conf}\n"
            f"persistence {'true' if self.persistence else 'false'}\n"
            f"persistence_location {self.dir}/\n"
            f"log_dest file {self.log}\n"
            f"log_type error\nlog_type warning\nlog_type notice\n"
            f"max_queued_messages 1000000\n"
            f"max_inflight_messages 0\n"
            f"{self.extra_conf}\n")

    def start(self, timeout: float = 10.0) -> Mosquitto:
        exe = binary()
        if exe is None:
            raise RuntimeError("mosquitto is not installed (apt-get install mosquitto; scripts/bootstrap does it)")
        if self.running:
            return self
        self.write_conf()
        self.proc = subprocess.Popen([exe, "-c", str(self.conf)], stdout=subprocess.DEVNULL,
                                     stderr=subprocess.PIPE, cwd=self.dir)
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.proc.poll() is not None:
                err = self.proc.stderr.read().decode(errors="replace") if self.proc.stderr else ""
                raise RuntimeError(f"mosquitto exited with {self.proc.returncode}: {err}\n{self.log_tail()}")
            try:
                with socket.create_connection(("127.0.0.1", self.port), timeout=0.2):
                    return self
            except OSError:
                time.sleep(0.02)
        self.kill()
        raise RuntimeError(f"mosquitto did not listen on port {self.port} within {timeout} s\n{self.log_tail()}")

    @property
    def running(self) -> bool:
        return self.proc is not None and self.proc.poll() is None

    def kill(self) -> None:
        """SIGKILL: the broker loses what it had only in memory."""
        self._signal(signal.SIGKILL)

    def stop(self) -> None:
        self._signal(signal.SIGTERM)

    def _signal(self, sig) -> None:
        if self.proc is not None and self.proc.poll() is None:
            self.proc.send_signal(sig)
            try:
                self.proc.wait(5)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait(5)
        if self.proc is not None and self.proc.stderr:
            self.proc.stderr.close()
        self.proc = None

    def log_tail(self, n: int = 20) -> str:
        try:
            return "\n".join(self.log.read_text(errors="replace").splitlines()[-n:])
        except OSError:
            return ""

    def __enter__(self) -> Mosquitto:
        return self.start()

    def __exit__(self, *exc) -> None:
        self.kill()
