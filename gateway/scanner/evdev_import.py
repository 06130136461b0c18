"""evdev is optional (extra `evdev`): import it with a message that says how to install it."""

from __future__ import annotations

from gateway.scanner.source import ScannerError


def require_evdev():
    try:
        import evdev
    except ImportError:
        raise ScannerError("HID scanners need the Python module evdev, which is not installed",
                           "pip install 'receipt-gateway[evdev]' (or apt-get install python3-evdev), "
                           "or use --fake with a recording") from None
    return evdev
