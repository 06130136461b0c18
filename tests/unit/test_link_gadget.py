"""The USB printer gadget link: the 1284 status byte, the ioctl call, a host that comes and goes."""

from __future__ import annotations

import errno
import os
import tty

import pytest

from gateway.printer import link_gadget
from gateway.printer.fake_gadget import FakeGadget
from gateway.printer.link_gadget import GadgetIoctl, GadgetTransport, port_status_byte
from gateway.printer.status import PrinterStatus
from gateway.printer.transport import LinkUnavailable

UP = PrinterStatus(reachable=True, online=True)


@pytest.mark.parametrize("changes, byte, usblp_reads", [
    (dict(), 0x18, "ok"),
    (dict(near_end=True), 0x18, "ok"),
    (dict(online=False, paper_out=True), 0x30, "out of paper"),
    (dict(online=False, cover_open=True), 0x10, "error"),
    (dict(online=False, error=True), 0x10, "error"),
    (dict(online=False), 0x00, "off-line"),
    (dict(reachable=False, online=False), 0x00, "off-line"),
    (dict(reachable=False, online=False, paper_out=True), 0x20, "off-line"),
])
def test_printer_state_maps_to_the_1284_status_byte(changes, byte, usblp_reads):
    from dataclasses import replace

    got = port_status_byte(replace(UP, **changes))
    assert got == byte
    # what Linux usblp makes of it (drivers/usb/class/usblp.c, usblp_check_status)
    err = "ok"
    if not got & 0x08:
        err = "error"
    if got & 0x20:
        err = "out of paper"
    if not got & 0x10:
        err = "off-line"
    assert err == usblp_reads


def test_the_ioctl_passes_the_byte_by_value(monkeypatch):
    calls = []
    monkeypatch.setattr(link_gadget.fcntl, "ioctl", lambda fd, req, arg: calls.append((fd, req, arg)) or 0x18)
    port = GadgetIoctl(7)
    port.set(0x30)
    assert port.get() == 0x18
    # f_printer.c: `dev->printer_status = (u8)arg`: an int, not a pointer to a buffer
    assert calls == [(7, 0xC0016722, 0x30), (7, 0x80016721, 0)]
    assert isinstance(calls[0][2], int)


def test_a_pty_is_not_a_gadget_but_still_carries_the_data(caplog):
    master, slave = os.openpty()
    tty.setraw(slave)
    try:
        t = GadgetTransport(os.ttyname(slave))
        try:
            assert "not a USB printer gadget" in caplog.text
            os.write(master, b"\x1b@hi")
            assert t.read(100, 1.0) == b"\x1b@hi"
            t.mirror_status(PrinterStatus())  # no status channel: nothing happens, no error
            assert t.status_byte is None
        finally:
            t.close()
    finally:
        os.close(master)
        os.close(slave)


def test_no_host_at_open_is_unavailable_and_a_refused_set_is_applied_later():
    fake = FakeGadget()
    try:
        fake.status.host_connected = False
        with pytest.raises(LinkUnavailable, match="no USB host") as info:
            GadgetTransport(fake.device, status_port=fake.status_port)
        assert "switch the till on" in info.value.remedy
        fake.status.host_connected = True
        t = GadgetTransport(fake.device, status_port=fake.status_port)
        try:
            assert fake.port_status() == 0x18
            fake.status.host_connected = False  # host re-enumerating: the set fails with ENODEV
            t.mirror_status(PrinterStatus(reachable=True, paper_out=True))
            assert fake.port_status() == 0x18 and t.status_byte == 0x18
            fake.status.host_connected = True
            fake.host_write(b"x")  # the host is back and sends: the byte is set then
            assert t.read(10, 1.0) == b"x"
            assert fake.port_status() == 0x30
        finally:
            t.close()
    finally:
        fake.close()


def test_missing_device_names_the_setup_guide(tmp_path):
    with pytest.raises(LinkUnavailable, match="cannot open USB printer gadget") as info:
        GadgetTransport(str(tmp_path / "g_printer0"))
    assert "hardware/usb-gadget.md" in info.value.remedy


def test_eagain_from_the_device_is_no_data_not_an_end(monkeypatch):
    fake = FakeGadget()
    t = GadgetTransport(fake.device, status_port=fake.status_port)
    real_read = os.read
    calls = {"n": 0}

    def flaky_read(fd, n):
        if fd == t.fd and calls["n"] == 0:
            calls["n"] += 1
            raise BlockingIOError(errno.EAGAIN, "Resource temporarily unavailable")
        return real_read(fd, n)

    monkeypatch.setattr(os, "read", flaky_read)
    try:
        fake.host_write(b"after reset")
        assert t.read(100, 2.0) == b"after reset"
        assert calls["n"] == 1
    finally:
        t.close()
        fake.close()
