"""Loyalty card scanners: evdev HID keyboard wedges, serial scanners, the kiosk node.

    from gateway.scanner import open_source
    with open_source(cfg) as source:          # None when [scanner] source = "none"
        for event in source:                  # Scan(code, source, ts) | Button (kiosk)
            ...

Modules: source (Scan, Button, ScanSource), keymaps + wedge (key events -> codes, pure),
evdev_source (HID, grabbed), fake_evdev (replays evdev events: tests, technicians),
serial_lines (pure) + serial_source, kiosk_messages (pure) + kiosk (serial and wifi links),
shared (one scanner per till), open (from the config). See docs/scanners.md.
"""

from gateway.scanner.open import open_source
from gateway.scanner.source import Button, Scan, ScannerError, ScanSource, SourceGone

__all__ = ["Button", "Scan", "ScanSource", "ScannerError", "SourceGone", "open_source"]
