"""USB printer gadget on real hardware (RG_HIL=1).

On the Pi (gadget up, till host attached and powered): RG_HIL_GADGET=/dev/g_printer0.
Checks what the pty stand-in cannot: the ioctl numbers and by-value argument against
the kernel driver, and the read/write path through f_printer.

On the till's host (a Linux PC plugged into the Pi's device port, gateway running):
RG_HIL_GADGET_HOST=VID:PID (e.g. 04b8:0202) reads GET_PORT_STATUS and sends DLE EOT 1
with pyusb, as the till's driver would.
"""

from __future__ import annotations

import os

import pytest

from gateway.printer.link_gadget import GadgetIoctl, GadgetTransport, port_status_byte
from gateway.printer.status import PrinterStatus
from tests.hil import need_env

pytestmark = pytest.mark.hil


@pytest.fixture
def gadget_device():
    device = os.environ.get("RG_HIL_GADGET")
    if not device or not os.path.exists(device):
        pytest.skip("set RG_HIL_GADGET=/dev/g_printer0 on a Pi with the gadget up and a host attached")
    return device


def test_status_byte_round_trips_through_the_kernel(gadget_device):
    t = GadgetTransport(gadget_device)
    try:
        assert isinstance(t.port, GadgetIoctl), "the device did not take the g_printer ioctl"
        for status in (PrinterStatus(reachable=True, online=True),
                       PrinterStatus(reachable=True, paper_out=True),
                       PrinterStatus(reachable=True, cover_open=True),
                       PrinterStatus(reachable=False)):
            t.mirror_status(status)
            assert t.port.get() == port_status_byte(status)
    finally:
        t.close()


def test_host_sees_port_status_and_gets_a_status_reply():
    ids = need_env("RG_HIL_GADGET_HOST", "VID:PID on the till's host, with the gateway running")
    import usb.core
    import usb.util

    vid, pid = (int(x, 16) for x in ids.split(":"))
    dev = usb.core.find(idVendor=vid, idProduct=pid)
    assert dev is not None, f"no USB device {ids} on this host"
    if dev.is_kernel_driver_active(0):
        dev.detach_kernel_driver(0)
    status = bytes(dev.ctrl_transfer(0xA1, 1, 0, 0, 1))[0]  # GET_PORT_STATUS
    assert status in (0x18, 0x30, 0x10, 0x00, 0x20)
    intf = dev.get_active_configuration()[(0, 0)]
    ep_out = usb.util.find_descriptor(intf, custom_match=lambda e: not e.bEndpointAddress & 0x80)
    ep_in = usb.util.find_descriptor(intf, custom_match=lambda e: e.bEndpointAddress & 0x80)
    ep_out.write(b"\x10\x04\x01")
    reply = bytes(ep_in.read(64, 3000))
    assert len(reply) == 1 and reply[0] & 0x93 == 0x12  # a DLE EOT 1 reply, from printer or gateway
    assert bool(reply[0] & 0x08) == (status != 0x18)  # offline bit agrees with the status byte
    usb.util.dispose_resources(dev)
