"""Kiosk node pure logic (runs on MicroPython and CPython; no machine/network here)."""

VERSION = "0.1.0"
