"""Printer-side USB and serial modem lines on real hardware (RG_HIL=1).

- RG_HIL_USB_PRINTER=VID:PID (or "any"): a receipt printer on the gateway's USB host port;
  the pyusb link finds it, detaches usblp, and gets a DLE EOT 1 reply.
- RG_HIL_SERIAL_LOOPBACK=/dev/ttyUSB0: a USB-serial adapter with a loopback plug (pins
  2-3, 4-6, 7-8 bridged): DTR must come back as DSR and RTS as CTS, which proves the
  adapter really has the lines the dsrdtr/rtscts mirror drives (ptys cannot).
"""

from __future__ import annotations

import time

import pytest

from gateway.printer.link_serial import SerialTransport
from gateway.printer.link_usb import UsbPrinterTransport
from tests.hil import need_env

pytestmark = pytest.mark.hil


def test_usb_printer_answers_a_status_query():
    ids = need_env("RG_HIL_USB_PRINTER", "VID:PID (or any) with a USB receipt printer attached")
    vid, pid = (0, 0) if ids == "any" else (int(x, 16) for x in ids.split(":"))
    t = UsbPrinterTransport(vid, pid)
    try:
        t.write(b"\x10\x04\x01")
        reply = t.read(64, 3.0)
        assert len(reply) == 1 and reply[0] & 0x93 == 0x12, f"not a DLE EOT reply: {reply!r}"
    finally:
        t.close()


def test_serial_adapter_has_the_handshake_lines():
    device = need_env("RG_HIL_SERIAL_LOOPBACK", "/dev/ttyUSB0 with a loopback plug on the adapter")
    t = SerialTransport(device, flow="dsrdtr", role="printer")
    try:
        for level in (True, False, True):
            t.lines.set_dtr(level)
            t.lines.set_rts(level)
            time.sleep(0.05)  # the adapter reports line changes on its own USB poll interval
            assert t.lines.dsr() is level, "DTR does not come back as DSR: adapter without DTR/DSR?"
            assert t.lines.cts() is level, "RTS does not come back as CTS"
        t.write(b"loop")
        assert t.read(16, 1.0) == b"loop"
    finally:
        t.close()
