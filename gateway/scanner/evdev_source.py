"""HID keyboard-wedge scanners through evdev: open by stable name, grab, decode key events.

The device is *grabbed* (EVIOCGRAB): its keystrokes reach only the gateway, never a login
console or another program. Name it by /dev/input/by-id/... or /dev/input/by-path/... (or the
udev rule's /dev/receipt-gateway/scanner-*), never /dev/input/eventN, whose number changes
between boots.
"""

from __future__ import annotations

import errno
import logging
import select
import time
from pathlib import Path

from gateway.scanner.evdev_import import require_evdev
from gateway.scanner.source import Event, Scan, ScannerError, ScanSource, SourceGone
from gateway.scanner.wedge import KeyDecoder

log = logging.getLogger(__name__)
STABLE_DIRS = ("/dev/input/by-id", "/dev/input/by-path", "/dev/receipt-gateway")


def stable_names(root: str = "/dev/input") -> list[str]:
    """Keyboard-like input devices by their stable names (for messages and `doctor`)."""
    out = []
    for d in ("by-id", "by-path"):
        folder = Path(root) / d
        if folder.is_dir():
            out += sorted(str(p) for p in folder.iterdir() if p.name.endswith("event-kbd"))
    return out


def open_device(path: str):
    """evdev.InputDevice for `path`, with errors a technician can act on."""
    evdev = require_evdev()
    try:
        return evdev.InputDevice(path)
    except FileNotFoundError:
        known = stable_names()
        raise ScannerError(f"no input device {path}",
                           "plug the scanner in and use one of: " + ", ".join(known) if known else
                           "plug the scanner in; its name appears under /dev/input/by-id/ (ls -l /dev/input/by-id/)") from None
    except PermissionError:
        raise ScannerError(f"no permission to read {path}",
                           "add the service user to the `input` group, or install hardware/udev/"
                           "99-receipt-gateway.rules") from None
    except OSError as exc:
        raise ScannerError(f"cannot open {path}: {exc.strerror}") from None


class EvdevScanner(ScanSource):
    def __init__(self, path: str, layout: str = "us", *, gap_s: float = 0.5, max_length: int = 128,
                 device=None, grab: bool = True):
        super().__init__()
        self.path = path
        self.name = f"evdev:{path}"
        if not path.startswith(STABLE_DIRS) and "/fake" not in path:
            log.warning("scanner %s: /dev/input/eventN numbers change between boots; use a name "
                        "from /dev/input/by-id/", path)
        self.device = device if device is not None else open_device(path)
        if grab:
            try:
                self.device.grab()
            except OSError as exc:
                self.device.close()
                if exc.errno == errno.EBUSY:
                    raise ScannerError(f"{path} is already grabbed by another program",
                                       "is another till's gateway configured with this scanner? "
                                       "each till needs its own scanner (check [scanner] device "
                                       "in every config under /etc/receipt-gateway/)") from None
                raise ScannerError(f"cannot grab {path}: {exc.strerror}") from None
        capslock = 0 in (self.device.leds() or [])   # LED_CAPSL
        self.decoder = KeyDecoder(layout, gap_s=gap_s, max_length=max_length, capslock=capslock)

    def read(self, timeout: float | None = None) -> Event | None:
        deadline = None if timeout is None else time.monotonic() + timeout
        while not self._ready:
            if self.closed:
                raise SourceGone(self.name)
            wait = None if deadline is None else max(0.0, deadline - time.monotonic())
            ready, _, _ = select.select([self.device.fd], [], [], wait)
            if not ready:
                return None
            self._pump()
        return self._ready.popleft()

    def _pump(self) -> None:
        try:
            events = list(self.device.read())
        except BlockingIOError:
            return
        except OSError as exc:
            if exc.errno in (errno.ENODEV, errno.EBADF, errno.EIO):
                raise SourceGone(f"{self.name}: device gone ({exc.strerror})") from None
            raise
        for ev in events:
            typed = self.decoder.feed(ev.sec + ev.usec / 1e6, ev.type, ev.code, ev.value)
            if typed is not None:
                self._ready.append(Scan(typed.code, self.name, typed.ts))

    def close(self) -> None:
        if self.closed:
            return
        super().close()
        try:
            self.device.ungrab()
        except OSError:
            pass
        self.device.close()
