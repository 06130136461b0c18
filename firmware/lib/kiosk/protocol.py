"""Messages between the kiosk node and its gateway (see firmware/PROTOCOL.md).

The node talks only to its gateway, never to the hub: the card number travels
in clear on the shop's local link (the gateway's own broker or a USB cable) and
the gateway turns it into HMAC-SHA256 before anything leaves the shop.

Same JSON messages on both links:
  MQTT:   topic {prefix}/{store}/{gateway}/kiosk/{till}/{kind}
  serial: one JSON object per line, with "kind" inside
node -> gateway: scan, button, hello (retained on MQTT; Last Will says offline)
gateway -> node: screen, result
"""

import json

V = 1
UP_KINDS = ("scan", "button", "hello")
DOWN_KINDS = ("screen", "result")
BUTTONS = ("paper", "no_paper", "print_anyway")
MODES = ("paper", "qr", "none")
MAX_LINES = 8
MAX_LINE_LEN = 64


class ProtocolError(ValueError):
    pass


def base(cfg):
    return "/".join((cfg["mqtt"]["prefix"], cfg["mqtt"]["store"], cfg["mqtt"]["gateway"], "kiosk", cfg["till"]))


def topic(cfg, kind):
    return base(cfg) + "/" + kind


def scan(cfg, seq, code):
    return {"v": V, "kind": "scan", "node": cfg["node_id"], "till": cfg["till"], "seq": seq, "code": code}


def button(cfg, seq, name, ref=None):
    if name not in BUTTONS:
        raise ProtocolError("unknown button " + repr(name))
    msg = {"v": V, "kind": "button", "node": cfg["node_id"], "till": cfg["till"], "seq": seq, "button": name}
    if ref is not None:
        msg["ref"] = ref
    return msg


def hello(cfg, version, board, online=True):
    return {"v": V, "kind": "hello", "node": cfg["node_id"], "till": cfg["till"],
            "online": online, "fw": version, "board": board}


def encode(msg):
    return json.dumps(msg)


def encode_line(msg):
    return (json.dumps(msg) + "\n").encode()


def decode(data, kind=None):
    """Parse and check a gateway -> node message; raise ProtocolError with the reason."""
    if isinstance(data, (bytes, bytearray)):
        try:
            data = bytes(data).decode("utf-8")
        except UnicodeError:
            raise ProtocolError("not UTF-8") from None
    try:
        msg = json.loads(data)
    except ValueError:
        raise ProtocolError("not JSON") from None
    if not isinstance(msg, dict):
        raise ProtocolError("not a JSON object")
    if kind is not None and "kind" not in msg:
        msg["kind"] = kind
    k = msg.get("kind")
    if k not in DOWN_KINDS:
        raise ProtocolError("unknown kind " + repr(k))
    if k == "screen":
        lines = msg.get("lines")
        if not isinstance(lines, list) or not all(isinstance(x, str) for x in lines):
            raise ProtocolError("screen.lines must be a list of strings")
        msg["lines"] = [x[:MAX_LINE_LEN] for x in lines[:MAX_LINES]]
        t = msg.get("timeout_s", 0)
        if not isinstance(t, (int, float)) or t < 0:
            raise ProtocolError("screen.timeout_s must be a number >= 0")
    else:
        if msg.get("mode") not in MODES:
            raise ProtocolError("result.mode must be one of " + ", ".join(MODES))
        g = msg.get("greeting", "")
        if not isinstance(g, str):
            raise ProtocolError("result.greeting must be a string")
    return msg


def kind_of(topic_name):
    return topic_name.rsplit("/", 1)[-1]
