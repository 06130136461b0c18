"""Recording RS-232 control lines, for where a port has none (ptys) or none is attached.

`SerialTransport(..., lines=FakeModemLines.factory(lines))` makes the transport use
these instead of the port's: every DTR/RTS level it sets is appended to `dtr`/`rts`,
and `dsr`/`cts` read back what the test or bench sets (`lines.dsr_level = False`: the
printer drops its busy line). A `script` of DSR levels plays a printer that is busy
for the first few looks.
"""

from __future__ import annotations

import threading
from collections import deque


class FakeModemLines:
    def __init__(self, dsr: bool = True, cts: bool = True, dsr_script=()):
        self.dtr: list[bool] = []
        self.rts: list[bool] = []
        self.dsr_level, self.cts_level = dsr, cts
        self.dsr_script = deque(dsr_script)  # levels returned by the next dsr() calls, then dsr_level
        self.dsr_reads = 0
        self.changed = threading.Condition()

    @classmethod
    def factory(cls, lines: FakeModemLines):
        """The `lines` argument `SerialTransport` takes (it is called with the port)."""
        return lambda port: lines

    def set_dtr(self, on: bool) -> None:
        with self.changed:
            self.dtr.append(on)
            self.changed.notify_all()

    def set_rts(self, on: bool) -> None:
        with self.changed:
            self.rts.append(on)
            self.changed.notify_all()

    def dsr(self) -> bool:
        self.dsr_reads += 1
        return self.dsr_script.popleft() if self.dsr_script else self.dsr_level

    def cts(self) -> bool:
        return self.cts_level

    def wait_for(self, line: str, level: bool, timeout: float = 5.0) -> bool:
        """Wait until the last level set on `line` ("dtr"/"rts") is `level`."""
        with self.changed:
            return self.changed.wait_for(lambda: getattr(self, line)[-1:] == [level], timeout)
