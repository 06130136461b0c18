"""A fake evdev input device: replays real evdev event sequences (no /dev/input needed).

For tests and for technicians without the scanner at hand:

    events = typed_events("2400000000013", layout="be")     # what a Belgian AZERTY scanner sends
    dev = FakeInputDevice(events)
    EvdevScanner("/dev/input/by-id/fake", "be", device=dev)

    # or replay what `evtest /dev/input/by-id/usb-...-event-kbd > scan.txt` recorded on a real box:
    dev = FakeInputDevice(load_evtest("scan.txt"))

Events are evdev's own `InputEvent`s built with `evdev.ecodes`, so the fake needs the evdev
module (extra `evdev`). Like a real device, it offers `fd` for select(), `read()` (raises
BlockingIOError when nothing is pending), `grab()`/`ungrab()`, `leds()`, `close()`; when the
recording is exhausted it behaves like an unplugged device (OSError ENODEV).
"""

from __future__ import annotations

import errno
import os
import re
from pathlib import Path

from gateway.scanner import keymaps
from gateway.scanner.evdev_import import require_evdev

# HID keyboard usage ids (USB HID Usage Tables, page 7) of the keys typed_events uses
HID_USAGE = {**{f"KEY_{c.upper()}": 0x04 + i for i, c in enumerate("abcdefghijklmnopqrstuvwxyz")},
             **{f"KEY_{d}": 0x1E + i for i, d in enumerate("123456789")}, "KEY_0": 0x27,
             "KEY_ENTER": 0x28, "KEY_TAB": 0x2B, "KEY_SPACE": 0x2C, "KEY_MINUS": 0x2D, "KEY_EQUAL": 0x2E,
             "KEY_LEFTBRACE": 0x2F, "KEY_RIGHTBRACE": 0x30, "KEY_BACKSLASH": 0x31, "KEY_SEMICOLON": 0x33,
             "KEY_APOSTROPHE": 0x34, "KEY_GRAVE": 0x35, "KEY_COMMA": 0x36, "KEY_DOT": 0x37, "KEY_SLASH": 0x38,
             "KEY_CAPSLOCK": 0x39, "KEY_102ND": 0x64, "KEY_KPENTER": 0x58, "KEY_LEFTCTRL": 0xE0,
             "KEY_LEFTSHIFT": 0xE1, "KEY_LEFTALT": 0xE2, "KEY_RIGHTALT": 0xE6}


def typed_events(text: str, layout: str = "us", *, t0: float = 1_700_000_000.0, key_s: float = 0.004,
                 end: str | None = "KEY_ENTER", capslock_first: bool = False) -> list:
    """The events a keyboard-wedge scanner set to `layout` sends when it types `text`."""
    evdev = require_evdev()
    ec = evdev.ecodes
    out: list = []
    t = t0

    def emit(key: str, value: int) -> None:
        nonlocal t
        sec, usec = int(t), int(round((t - int(t)) * 1e6))
        if key in HID_USAGE:   # a USB keyboard reports the HID usage (page 7) before the key
            out.append(evdev.InputEvent(sec, usec, ec.EV_MSC, ec.MSC_SCAN, 0x70000 + HID_USAGE[key]))
        out.append(evdev.InputEvent(sec, usec, ec.EV_KEY, ec.ecodes[key], value))
        out.append(evdev.InputEvent(sec, usec, ec.EV_SYN, ec.SYN_REPORT, 0))
        t += key_s / 2

    def tap(key: str, modifier: str | None = None) -> None:
        if modifier:
            emit(modifier, 1)
        emit(key, 1)
        emit(key, 0)
        if modifier:
            emit(modifier, 0)

    if capslock_first:
        tap("KEY_CAPSLOCK")
    for key, shift, altgr in keymaps.keystrokes(text, layout):
        tap(key, "KEY_LEFTSHIFT" if shift else "KEY_RIGHTALT" if altgr else None)
    if end:
        tap(end)
    return out


_EVTEST = re.compile(r"Event: time (?P<sec>\d+)\.(?P<usec>\d+), (?:type (?P<type>\d+) \([^)]*\), "
                     r"code (?P<code>\d+) \([^)]*\), value (?P<value>-?\d+)|-+ (?P<syn>SYN_\w+) -+)")


def parse_evtest(text: str) -> list:
    """Events from `evtest` output (header lines and anything else are skipped)."""
    evdev = require_evdev()
    ec = evdev.ecodes
    out = []
    for line in text.splitlines():
        m = _EVTEST.search(line)
        if not m:
            continue
        sec, usec = int(m["sec"]), int(m["usec"])
        if m["syn"]:
            out.append(evdev.InputEvent(sec, usec, ec.EV_SYN, ec.ecodes.get(m["syn"], 0), 0))
        else:
            out.append(evdev.InputEvent(sec, usec, int(m["type"]), int(m["code"]), int(m["value"])))
    return out


def load_evtest(path: str | Path) -> list:
    return parse_evtest(Path(path).read_text(encoding="utf-8", errors="replace"))


def format_evtest(events) -> str:
    """Events in evtest's format, so a recording made here replays like one made on a box."""
    evdev = require_evdev()
    ec = evdev.ecodes
    lines = []
    for ev in events:
        stamp = f"Event: time {ev.sec}.{ev.usec:06d}, "
        if ev.type == ec.EV_SYN:
            lines.append(stamp + f"-------------- {ec.SYN[ev.code]} ------------")
            continue
        names = {ec.EV_KEY: ec.KEY, ec.EV_MSC: ec.MSC}.get(ev.type, {})
        code_name = names.get(ev.code, "?")
        code_name = code_name[0] if isinstance(code_name, list) else code_name
        lines.append(stamp + f"type {ev.type} ({ec.EV[ev.type]}), code {ev.code} ({code_name}), value {ev.value}")
    return "\n".join(lines) + "\n"


class FakeInputDevice:
    """Quacks like evdev.InputDevice for EvdevScanner; replays `events` then 'unplugs'."""

    def __init__(self, events, *, path: str = "/dev/input/by-id/usb-Fake_Barcode_Scanner-event-kbd",
                 name: str = "Fake Barcode Scanner", capslock: bool = False, busy: bool = False,
                 chunk: int = 48):
        self.path, self.name = path, name
        self._events = list(events)
        self._pos = 0
        self._chunk = chunk
        self._capslock = capslock
        self._busy = busy            # another program already grabbed it
        self.grabbed = False
        self.closed = False
        self._r, self._w = os.pipe()
        os.write(self._w, b"x")      # always readable: events, or ENODEV at the end
        self.fd = self._r

    def fileno(self) -> int:
        return self._r

    def grab(self) -> None:
        if self._busy:
            raise OSError(errno.EBUSY, "Device or resource busy")
        self.grabbed = True

    def ungrab(self) -> None:
        self.grabbed = False

    def leds(self) -> list[int]:
        return [0] if self._capslock else []   # LED_CAPSL = 0

    def read(self):
        if self.closed:
            raise OSError(errno.EBADF, "Bad file descriptor")
        if self._pos >= len(self._events):
            raise OSError(errno.ENODEV, "No such device")
        batch = self._events[self._pos:self._pos + self._chunk]
        self._pos += len(batch)
        return iter(batch)

    def read_one(self):
        if self._pos >= len(self._events):
            return None
        self._pos += 1
        return self._events[self._pos - 1]

    def close(self) -> None:
        if not self.closed:
            self.closed = True
            os.close(self._r)
            os.close(self._w)
