"""Rigs for the technician verbs: printers (fake, silent, on a pty), a broker with accounts, configs."""

from __future__ import annotations

import os
import subprocess
import threading

import pytest

from gateway.printer.fake_printer import FakeNetworkPrinter, FakePrinter
from tests.integration.proxy_helpers import SocketPrinter
from tests.mosquitto import free_port

USER, PASSWORD = "gw-1", "right-password"


@pytest.fixture
def fake_printer(tmp_path):
    """The package's fake network printer (TM-T88 replies), printing to printed.bin."""
    server = FakeNetworkPrinter(FakePrinter(path=tmp_path / "printed.bin"), "127.0.0.1:0")
    yield server
    server.close()


@pytest.fixture
def silent_printer():
    """Takes connections and bytes like a printer's raw port, never answers (not an ESC/POS device)."""
    printer = SocketPrinter()
    yield printer
    printer.close()


class PtyPrinter:
    """A serial printer on a pty: the gateway opens `path`; a FakePrinter answers on the master side."""

    def __init__(self, answer: bool = True):
        self.master, slave = os.openpty()
        self.path = os.ttyname(slave)
        self._slave = slave
        self.printer = FakePrinter() if answer else None
        self.received = bytearray()
        self._stop = False
        threading.Thread(target=self._serve, daemon=True).start()

    def _serve(self):
        while not self._stop:
            try:
                data = os.read(self.master, 4096)
            except OSError:
                return
            self.received += data
            if self.printer is not None:
                reply = self.printer.feed(data)
                if reply:
                    os.write(self.master, reply)

    def close(self):
        self._stop = True
        os.close(self._slave)
        os.close(self.master)


@pytest.fixture
def pty_printer():
    printer = PtyPrinter()
    yield printer
    printer.close()


@pytest.fixture
def mute_pty_printer():
    printer = PtyPrinter(answer=False)
    yield printer
    printer.close()


@pytest.fixture
def auth_broker(mosquitto_factory, tmp_path):
    """A real mosquitto that wants a user name and password (USER / PASSWORD)."""
    passwords = tmp_path / "mosquitto.passwd"
    subprocess.run(["mosquitto_passwd", "-b", "-c", str(passwords), USER, PASSWORD], check=True,
                   capture_output=True)
    passwords.chmod(0o600)
    return mosquitto_factory(listener_conf=f"allow_anonymous false\npassword_file {passwords}\n").start()


def secret(tmp_path, text: str, name: str = "mqtt.password"):
    path = tmp_path / name
    path.write_text(text + "\n")
    path.chmod(0o600)
    return path


def gateway_config(tmp_path, *, printer: str, mqtt: str, data_dir=None, extra: str = "") -> str:
    """Write a gateway.toml (mode 0640) and return its path."""
    data = data_dir if data_dir is not None else tmp_path / "data"
    if data_dir is None:
        data.mkdir(exist_ok=True)
    text = (f'[gateway]\nid = "gw-1"\nstore_id = "store-1"\ntill_id = "till-1"\ndata_dir = "{data}"\n\n'
            f'[till]\nlink = "tcp"\nlisten = "127.0.0.1:{free_port()}"\n\n'
            f"[printer]\n{printer}\n\n[mqtt]\n{mqtt}\n{extra}")
    path = tmp_path / "gateway.toml"
    path.write_text(text)
    path.chmod(0o640)
    return str(path)


def broker_section(broker, password: str | None = PASSWORD, tmp_path=None) -> str:
    lines = f'url = "{broker.url}"\n'
    if password is not None:
        lines += f'username = "{USER}"\npassword_file = "{secret(tmp_path, password)}"\n'
    return lines
