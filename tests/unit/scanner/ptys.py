"""A pty pair standing in for a USB serial scanner or the kiosk node's USB port."""

from __future__ import annotations

import os
import tty


class Pty:
    def __init__(self):
        self.master, self.slave = os.openpty()
        tty.setraw(self.master)
        tty.setraw(self.slave)
        self.name = os.ttyname(self.slave)

    def write(self, data: bytes) -> None:
        os.write(self.master, data)

    def read_available(self, timeout: float = 1.0) -> bytes:
        import select
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
