"""Capture files: both directions of a till's conversation with its printer, timed.

Format (`receipt-gateway-capture/1`): JSON Lines, UTF-8, one object per line.
The first line is a header:
    {"format": "receipt-gateway-capture/1", "till": "till-1", "profile": "TM-T88V", "started": 1712.5}
(plus "code_pages": {"2": "CP858"} when [printer] code_pages was set: replay decodes with it)
then, in the order things happened (t = unix time, seconds):
    {"t": ..., "ev": "open",    "conn": 1, "peer": "till 10.0.0.5:50122"}   a till connected
    {"t": ..., "ev": "till",    "conn": 1, "data": "<base64>"}   bytes the till sent
    {"t": ..., "ev": "printer", "conn": 1, "data": "<base64>"}   bytes the printer sent back
    {"t": ..., "ev": "gateway", "conn": 1, "data": "<base64>"}   answers the gateway gave (printer away)
    {"t": ..., "ev": "idle",    "conn": 1}                        idle gap (serial/usb)
    {"t": ..., "ev": "hold",    "conn": 1, "offset": 0, "mode": "qr"}
    {"t": ..., "ev": "close",   "conn": 1, "reason": "..."}
    {"t": ..., "ev": "status",  "status": {...PrinterStatus...}}
Concatenating the "till" data of a capture gives exactly the stream the till sent.
"""

from __future__ import annotations

import base64
import json
import time
from collections.abc import Iterator
from pathlib import Path

FORMAT = "receipt-gateway-capture/1"
_DATA = {"data": "till", "reply": "printer", "answer": "gateway"}


class Recorder:
    """Writes queue items (see `gateway.printer.capture`) as capture lines."""

    def __init__(self, directory: str | Path, till_id: str, profile=None):
        d = Path(directory)
        d.mkdir(parents=True, exist_ok=True)
        stamp = time.strftime("%Y%m%dT%H%M%S")
        self.path = d / f"capture-{till_id}-{stamp}.jsonl"
        n = 1
        while self.path.exists():
            n += 1
            self.path = d / f"capture-{till_id}-{stamp}-{n}.jsonl"
        self.f = self.path.open("w", encoding="utf-8")
        from gateway.printer.profiles import code_page_overrides

        header = {"format": FORMAT, "till": till_id, "profile": None if profile is None else str(profile),
                  "started": time.time()}
        if code_page_overrides(profile):  # [printer] code_pages: replay decodes as the gateway did
            header["code_pages"] = {str(n): enc for n, enc in code_page_overrides(profile).items()}
        self._line(header)

    def _line(self, obj: dict) -> None:
        self.f.write(json.dumps(obj, separators=(",", ":")) + "\n")
        self.f.flush()

    def write(self, item: tuple) -> None:
        kind = item[0]
        if kind in _DATA:
            _, sid, ts, data = item
            self._line({"t": ts, "ev": _DATA[kind], "conn": sid, "data": base64.b64encode(data).decode()})
        elif kind == "open":
            self._line({"t": item[2], "ev": "open", "conn": item[1], "peer": item[3]})
        elif kind == "idle":
            self._line({"t": item[2], "ev": "idle", "conn": item[1]})
        elif kind == "close":
            self._line({"t": item[2], "ev": "close", "conn": item[1], "reason": item[3]})
        elif kind == "hold":
            self._line({"t": time.time(), "ev": "hold", "conn": item[1], "offset": item[2], "mode": item[3]})
        elif kind == "status":
            self._line({"t": item[1], "ev": "status", "status": item[2]})

    def close(self) -> None:
        self.f.close()


class CaptureError(ValueError):
    pass


def read_capture(path: str | Path) -> tuple[dict, Iterator[dict]]:
    """(header, lines) of a capture file; "data" fields come back as bytes."""
    p = Path(path)
    f = p.open("r", encoding="utf-8")
    first = f.readline()
    try:
        header = json.loads(first)
    except json.JSONDecodeError:
        header = {}
    if header.get("format") != FORMAT:
        f.close()
        raise CaptureError(f"{path} is not a receipt-gateway capture (first line has no "
                           f"\"format\": \"{FORMAT}\")")

    def lines() -> Iterator[dict]:
        with f:
            for n, text in enumerate(f, start=2):
                if not text.strip():
                    continue
                try:
                    obj = json.loads(text)
                    if "data" in obj:
                        obj["data"] = base64.b64decode(obj["data"], validate=True)
                except (json.JSONDecodeError, ValueError) as exc:
                    raise CaptureError(f"{path}:{n}: broken line ({exc})") from None
                yield obj

    return header, lines()


def to_items(lines: Iterator[dict]) -> Iterator[tuple]:
    """Capture lines back into queue items, for the segmenter."""
    kinds = {v: k for k, v in _DATA.items()}
    for obj in lines:
        ev = obj.get("ev")
        if ev in kinds:
            yield (kinds[ev], obj["conn"], obj["t"], obj["data"])
        elif ev == "open":
            yield ("open", obj["conn"], obj["t"], obj.get("peer", ""))
        elif ev == "idle":
            yield ("idle", obj["conn"], obj["t"])
        elif ev == "close":
            yield ("close", obj["conn"], obj["t"], obj.get("reason", ""))
        elif ev == "hold":
            yield ("hold", obj["conn"], obj.get("offset", 0), obj.get("mode", "qr"))
