"""CPython stand-ins for the MicroPython modules the kiosk node's board layer uses.

They are NOT copied to the device. Tests (and a technician trying the node on a
laptop) call `install()` to put them in sys.modules, then import `board`/`main`:

    from firmware import fakes
    hw = fakes.install()          # {"machine": ..., "network": ..., ...}
    hw["machine"].uart(1).inject(b"2400000000013\\r")
    fakes.uninstall()
"""

import sys

from firmware.fakes import framebuf, machine, network, utime
from firmware.fakes.umqtt import simple as umqtt_simple

NAMES = ("machine", "network", "utime", "framebuf", "umqtt", "umqtt.simple")
_saved: dict = {}


def install(real_mqtt=False):
    """Put the fakes in sys.modules. real_mqtt: umqtt.simple speaks MQTT over a real socket."""
    from firmware.fakes import umqtt
    from firmware.fakes.umqtt import over_socket

    machine.reset_state()
    network.reset_state()
    utime.reset_state()
    umqtt_simple.BROKER.reset()
    mods = {"machine": machine, "network": network, "utime": utime, "framebuf": framebuf,
            "umqtt": umqtt, "umqtt.simple": over_socket if real_mqtt else umqtt_simple}
    for name, mod in mods.items():
        if name not in _saved:
            _saved[name] = sys.modules.get(name)
        sys.modules[name] = mod
    return mods


def uninstall():
    for name, mod in _saved.items():
        if mod is None:
            sys.modules.pop(name, None)
        else:
            sys.modules[name] = mod
    _saved.clear()
