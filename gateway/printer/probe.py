"""Ask a printer for its status (DLE EOT 1-4) and read its answers: a real request/response.

Used by `doctor` and `print-test`. The replies are read by the same `StatusTracker` the
proxy uses, so what a technician sees is what the service would see.
"""

from __future__ import annotations

import time
from collections.abc import Callable

from gateway.printer.status import PrinterStatus, QueryScanner, StatusTracker
from gateway.printer.transport import LinkClosed, LinkUnavailable, Transport

STATUS_QUERY = b"\x10\x04\x01\x10\x04\x02\x10\x04\x03\x10\x04\x04"  # printer, offline, error, paper


class NoAnswer(Exception):
    """The printer link opened but the printer did not answer (or answered part)."""

    def __init__(self, message: str, remedy: str):
        super().__init__(message)
        self.remedy = remedy


def query_status(transport: Transport, timeout: float = 2.0) -> PrinterStatus:
    """Send DLE EOT 1..4 on an open link and wait for the four one-byte replies."""
    tracker = StatusTracker()
    tracker.link_up()
    tracker.note_queries(QueryScanner().feed(STATUS_QUERY))
    try:
        transport.write(STATUS_QUERY)
    except LinkClosed as exc:
        raise NoAnswer(f"the printer link broke while asking for status: {exc}",
                       "check the cable and that the printer is on") from None
    replies = 0
    deadline = time.monotonic() + timeout
    while replies < 4:
        left = deadline - time.monotonic()
        if left <= 0:
            break
        try:
            data = transport.read(64, timeout=min(left, 0.5))
        except LinkClosed as exc:
            raise NoAnswer(f"the printer closed the link instead of answering: {exc}",
                           "check the printer is on and that no other program (the running service) "
                           "holds its port: `sudo systemctl stop receipt-gateway` while testing") from None
        replies += sum(1 for b in data if b & 0x93 == 0x12)  # the fixed bits of a DLE EOT reply
        tracker.feed_reply(data)
    if replies == 0:
        raise NoAnswer(f"the printer did not answer DLE EOT within {timeout:g} s",
                       "check that the device is an ESC/POS printer and is switched on; serial: same "
                       "baudrate/parity/flow as the printer's DIP switches and the printer's own "
                       "cable (hardware/wiring-serial.md); network: nothing else (the running service) is printing to it")
    if replies < 4:
        raise NoAnswer(f"the printer answered {replies} of 4 status requests within {timeout:g} s",
                       "check the serial settings (baudrate, flow) match the printer's")
    return tracker.status


def probe(connect: Callable[[], Transport], timeout: float = 2.0) -> PrinterStatus:
    """Open the link with `connect`, ask for status, close. Raises LinkUnavailable or NoAnswer."""
    try:
        transport = connect()
    except OSError as exc:  # LinkUnavailable is an OSError too; others get a generic remedy
        if isinstance(exc, LinkUnavailable):
            raise
        raise LinkUnavailable(f"cannot open the printer link: {exc}", "check [printer] in the config") from None
    try:
        return query_status(transport, timeout)
    finally:
        transport.close()


def describe(status: PrinterStatus) -> tuple[str, str, str | None]:
    """(ok | warn | fail, what it says, remedy) for a status read from the printer; fail = cannot print."""
    if status.paper_out:
        return "fail", "paper out", "load a new paper roll and close the cover"
    if status.cover_open:
        return "fail", "cover open", "close the printer's cover"
    if status.error:
        return "fail", "printer error (cutter jam or overheating)", \
            "open the cover, clear the paper path, switch the printer off and on"
    if not status.online:
        return "fail", "offline", "check the printer's front panel (feed button held? paper?)"
    if status.near_end:
        return "warn", "online, paper near end", "change the paper roll soon"
    return "ok", "online", None
