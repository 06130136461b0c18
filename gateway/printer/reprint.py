"""Make a stored till job safe to print again.

A receipt's raw bytes may hold status queries (DLE EOT, GS r, GS I, ...) and ASB
switches (GS a) the till sent in the middle of its job. Printed again, the printer
would answer queries nobody asked and change the till's status reporting; and a
drawer kick would open the cash drawer with no sale. The decoder says where those
commands are (events with byte offsets), so exactly their bytes are taken out; text,
styles, images, codes and the cut stay byte for byte. Pure: bytes in, bytes out.
"""

from __future__ import annotations

from gateway.printer.decoder import decode
from gateway.printer.document import DrawerKick, StatusRequest


def printable_again(raw: bytes, profile: str | None = None) -> bytes:
    """`raw` without its status queries, ASB switches and drawer kicks."""
    spans = sorted((e.offset, e.end) for e in decode(raw, profile).events
                   if isinstance(e, StatusRequest | DrawerKick) and e.end > e.offset)
    out = bytearray()
    pos = 0
    for start, end in spans:
        if start > pos:
            out += raw[pos:start]
        pos = max(pos, end)
    out += raw[pos:]
    return bytes(out)
