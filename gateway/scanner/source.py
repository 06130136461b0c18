"""What every scanner source gives: scans (and kiosk button presses), read one at a time.

    with open_source(cfg) as source:        # gateway.scanner.open_source
        for event in source:                # Scan | Button, until the device goes away
            ...
        source.read(timeout=0.5)            # one event, or None after the timeout

`Scan.code` is the raw scanned string, exactly as decoded; validating it as a card number is
gateway.scanner.cards' job. `Scan.source` says where it came from ("evdev:/dev/input/by-id/...",
"serial:/dev/ttyACM0", "kiosk:kiosk-1"), `Scan.ts` is a Unix time.
"""

from __future__ import annotations

import collections
from collections.abc import Iterator
from dataclasses import dataclass


@dataclass(frozen=True)
class Scan:
    code: str
    source: str
    ts: float
    seq: int | None = None      # kiosk node: the scan's number, to send the result back
    node: str | None = None     # kiosk node id


@dataclass(frozen=True)
class Button:
    """A kiosk button press: paper | no_paper | print_anyway (`ref` = the scan it answers)."""

    name: str
    source: str
    ts: float
    seq: int | None = None
    ref: int | None = None
    node: str | None = None


Event = Scan | Button


class ScannerError(Exception):
    """A scanner that cannot be used, with what to do about it."""

    def __init__(self, message: str, remedy: str | None = None):
        self.message, self.remedy = message, remedy
        super().__init__(message)


class SourceGone(Exception):
    """The device went away (unplugged, port closed, recording ended)."""


class ScanSource:
    """Base of every source: `read(timeout)` one event, iterate until gone, `close()`."""

    name = "scanner"

    def __init__(self) -> None:
        self._ready: collections.deque[Event] = collections.deque()
        self.closed = False

    def read(self, timeout: float | None = None) -> Event | None:
        """The next event; None when `timeout` seconds pass without one. Raises SourceGone."""
        raise NotImplementedError

    def close(self) -> None:
        self.closed = True

    def __iter__(self) -> Iterator[Event]:
        while not self.closed:
            try:
                event = self.read(None)
            except SourceGone:
                return
            if event is not None:
                yield event

    def __enter__(self):
        return self

    def __exit__(self, *exc) -> None:
        self.close()
