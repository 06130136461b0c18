"""A pty pair standing in for a USB serial scanner or the kiosk node's USB port (in the package,
gateway.scanner.fake_serial, so the demo and technicians have it too)."""

from gateway.scanner.fake_serial import PtyScanner as Pty

__all__ = ["Pty"]
