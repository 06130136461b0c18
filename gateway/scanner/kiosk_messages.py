"""The kiosk node's JSON messages, gateway side (firmware/PROTOCOL.md). Pure: no I/O.

node -> gateway: scan, button, hello.  gateway -> node: result, screen.
"""

from __future__ import annotations

import json
from dataclasses import dataclass

from gateway.scanner.source import Button, Scan

UP_KINDS = ("scan", "button", "hello")
BUTTONS = ("paper", "no_paper", "print_anyway")
MODES = ("paper", "qr", "none")
MAX_LINES, MAX_LINE_LEN = 8, 64


@dataclass(frozen=True)
class Hello:
    node: str
    online: bool
    fw: str = ""
    board: str = ""


class BadMessage(ValueError):
    pass


def parse(text: str | bytes, ts: float, *, kind: str | None = None, till: str | None = None):
    """A node's message -> Scan | Button | Hello. Raises BadMessage saying why.

    `kind` comes from the MQTT topic when the body has none; `till` is this gateway's till:
    a node set to another till is refused (two tills sharing one kiosk by mistake).
    """
    try:
        msg = json.loads(text)
    except (ValueError, UnicodeDecodeError):
        raise BadMessage("not JSON") from None
    if not isinstance(msg, dict):
        raise BadMessage("not a JSON object")
    k = msg.get("kind", kind)
    if k not in UP_KINDS:
        raise BadMessage(f"unknown kind {k!r}")
    node = msg.get("node")
    if not isinstance(node, str) or not node:
        raise BadMessage("no node id")
    if till is not None and msg.get("till", till) != till:
        raise BadMessage(f"node {node} is set to till {msg.get('till')!r}, this gateway serves {till!r} "
                         "(fix the node's config.json: receipt-gateway firmware config)")
    source = f"kiosk:{node}"
    if k == "hello":
        return Hello(node, bool(msg.get("online", True)), str(msg.get("fw", "")), str(msg.get("board", "")))
    seq = msg.get("seq")
    if not isinstance(seq, int) or isinstance(seq, bool):
        raise BadMessage(f"{k} without an integer seq")
    if k == "scan":
        code = msg.get("code")
        if not isinstance(code, str) or not code:
            raise BadMessage("scan without a code")
        return Scan(code, source, ts, seq=seq, node=node)
    name = msg.get("button")
    if name not in BUTTONS:
        raise BadMessage(f"unknown button {name!r}")
    ref = msg.get("ref")
    return Button(name, source, ts, seq=seq, ref=ref if isinstance(ref, int) else None, node=node)


def result(seq: int | None, mode: str, greeting: str | None) -> dict:
    if mode not in MODES:
        raise ValueError(f"mode must be one of {MODES}, not {mode!r}")
    return {"kind": "result", "seq": seq, "mode": mode, "greeting": greeting or ""}


def screen(lines: list[str], timeout_s: float = 0) -> dict:
    return {"kind": "screen", "lines": [str(x)[:MAX_LINE_LEN] for x in lines[:MAX_LINES]],
            "timeout_s": max(0, timeout_s)}


def encode_line(msg: dict) -> bytes:
    """One JSON line for the serial link. json escapes every control character, so the bytes
    never hold Ctrl-C/Ctrl-D (0x03/0x04), which would interrupt or reset the node's REPL."""
    data = (json.dumps(msg, ensure_ascii=True, separators=(",", ":")) + "\n").encode("ascii")
    assert b"\x03" not in data and b"\x04" not in data
    return data
