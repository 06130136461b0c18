"""sd_notify over a real AF_UNIX datagram socket, as systemd receives it."""

from __future__ import annotations

import os
import socket

import pytest

from gateway import sdnotify


@pytest.fixture
def systemd(tmp_path, monkeypatch):
    path = str(tmp_path / "notify")
    s = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM)
    s.bind(path)
    s.settimeout(2)
    monkeypatch.setenv("NOTIFY_SOCKET", path)
    yield s
    s.close()


def test_ready_watchdog_stopping(systemd):
    assert sdnotify.ready("till till-1 via tcp")
    assert systemd.recv(4096) == b"READY=1\nSTATUS=till till-1 via tcp"
    assert sdnotify.watchdog()
    assert systemd.recv(4096) == b"WATCHDOG=1"
    assert sdnotify.stopping()
    assert systemd.recv(4096) == b"STOPPING=1"


def test_outside_systemd_nothing_happens(monkeypatch):
    monkeypatch.delenv("NOTIFY_SOCKET", raising=False)
    assert sdnotify.ready() is False and sdnotify.watchdog() is False


def test_gone_socket_is_not_an_error(tmp_path, monkeypatch):
    monkeypatch.setenv("NOTIFY_SOCKET", str(tmp_path / "nobody"))
    assert sdnotify.watchdog() is False


def test_watchdog_interval_is_half_of_watchdogsec(monkeypatch):
    monkeypatch.setenv("WATCHDOG_USEC", "30000000")
    monkeypatch.setenv("WATCHDOG_PID", str(os.getpid()))
    assert sdnotify.watchdog_interval() == 15.0
    monkeypatch.setenv("WATCHDOG_PID", "1")  # meant for another process
    assert sdnotify.watchdog_interval() is None
    monkeypatch.delenv("WATCHDOG_USEC")
    assert sdnotify.watchdog_interval() is None
