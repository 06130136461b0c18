"""Loyalty card scanners: evdev HID keyboard wedges, serial scanners, the kiosk node."""
