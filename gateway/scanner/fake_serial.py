"""A USB serial scanner (or the kiosk node's USB port) without hardware: a pty pair.

    scanner = PtyScanner()
    cfg: [scanner] source = "serial", device = scanner.name
    scanner.scan("2900000000421")     # a customer scans a card: the number and CR LF
    scanner.close()

The gateway opens the slave side (`name`, e.g. /dev/pts/3) as it opens a real scanner's
/dev/ttyACM0; what is written to the master side is what the scanner sends. The demo and the
tests use it; a technician can use it to try a config without a scanner.
"""

from __future__ import annotations

import os
import select
import tty


class PtyScanner:
    def __init__(self):
        self.master, self.slave = os.openpty()
        tty.setraw(self.master)
        tty.setraw(self.slave)
        self.name = os.ttyname(self.slave)

    def write(self, data: bytes) -> None:
        os.write(self.master, data)

    def scan(self, number: str) -> None:
        """One scan, as a scanner in its default setup sends it (the code, then CR LF)."""
        self.write(number.encode() + b"\r\n")

    def read_available(self, timeout: float = 1.0) -> bytes:
        """What the gateway wrote to the port (the kiosk node's screens), b"" after `timeout`."""
        out = b""
        while select.select([self.master], [], [], timeout)[0]:
            out += os.read(self.master, 4096)
            timeout = 0.05
        return out

    def close(self) -> None:
        for fd in (self.master, self.slave):
            try:
                os.close(fd)
            except OSError:
                pass
