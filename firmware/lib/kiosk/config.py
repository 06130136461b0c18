"""The node's config.json: defaults, checks and messages that name the key.

Used on the device (main.py) and by `receipt-gateway firmware config`, so both
accept exactly the same files.
"""

import json

from kiosk import validate

BOARDS = ("pico-w", "esp32")
LINKS = ("wifi", "serial")

# dotted key -> (type, default); default None = required
SCHEMA = {
    "node_id": (str, None),
    "till": (str, None),
    "board": (str, "pico-w"),
    "link": (str, "wifi"),
    "wifi.ssid": (str, ""),
    "wifi.password": (str, ""),
    "wifi.country": (str, ""),
    "mqtt.host": (str, ""),
    "mqtt.port": (int, 1883),
    "mqtt.user": (str, ""),
    "mqtt.password": (str, ""),
    "mqtt.prefix": (str, "receipts/v1"),
    "mqtt.store": (str, None),
    "mqtt.gateway": (str, None),
    "mqtt.keepalive_s": (int, 30),
    "scanner.uart": (int, -1),
    "scanner.baudrate": (int, 9600),
    "scanner.tx": (int, -1),
    "scanner.rx": (int, -1),
    "scanner.idle_ms": (int, 150),
    "display.driver": (str, "ssd1306"),
    "display.width": (int, 128),
    "display.height": (int, 64),
    "display.spi": (int, -1),
    "display.sck": (int, -1),
    "display.mosi": (int, -1),
    "display.cs": (int, -1),
    "display.dc": (int, -1),
    "display.rst": (int, -1),
    "buttons.paper": (int, -1),
    "buttons.no_paper": (int, -1),
    "buttons.active_low": (bool, True),
    "buttons.debounce_ms": (int, 30),
    "validation.rules": (list, None),
    "validation.max_len": (int, 48),
    "timeouts.reply_s": (float, 5.0),
    "timeouts.result_s": (float, 12.0),
    "timeouts.message_s": (float, 3.0),
    "watchdog_ms": (int, 8000),
}

# Pins per board when config.json leaves them at -1 (see hardware/wiring-kiosk.md)
PINS = {
    "pico-w": {"scanner.uart": 1, "scanner.tx": 4, "scanner.rx": 5,
               "display.spi": 0, "display.sck": 18, "display.mosi": 19, "display.cs": 17,
               "display.dc": 16, "display.rst": 20, "buttons.paper": 14, "buttons.no_paper": 15},
    "esp32": {"scanner.uart": 2, "scanner.tx": 17, "scanner.rx": 16,
              "display.spi": 1, "display.sck": 18, "display.mosi": 23, "display.cs": 5,
              "display.dc": 27, "display.rst": 33, "buttons.paper": 25, "buttons.no_paper": 26},
}

_SAFE_ID = "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789-_."


class ConfigError(ValueError):
    pass


def _get(d, dotted):
    for part in dotted.split("."):
        if not isinstance(d, dict) or part not in d:
            return None, False
        d = d[part]
    return d, True


def _set(d, dotted, value):
    parts = dotted.split(".")
    for part in parts[:-1]:
        d = d.setdefault(part, {})
    d[parts[-1]] = value


def _type_name(t):
    return {str: "a string", int: "a whole number", float: "a number", bool: "true or false",
            list: "a list"}[t]


def problems(data):
    """All problems in a config dict, as 'key: message' strings (empty = fine)."""
    out = []
    if not isinstance(data, dict):
        return ["config.json must be a JSON object {...}"]
    known_sections: dict = {}
    for key in SCHEMA:
        if "." in key:
            sec, name = key.split(".", 1)
            known_sections.setdefault(sec, []).append(name)
    for key, value in data.items():
        if key in known_sections:
            if not isinstance(value, dict):
                out.append(key + ": must be an object {...}")
                continue
            for sub in value:
                if sub not in known_sections[key]:
                    out.append(key + "." + sub + ": unknown key (known: " + ", ".join(known_sections[key]) + ")")
        elif key not in SCHEMA:
            out.append(key + ": unknown key (known: " + ", ".join(k for k in SCHEMA if "." not in k)
                       + ", " + ", ".join(known_sections) + ")")
    for key, (typ, default) in SCHEMA.items():
        value, present = _get(data, key)
        if not present:
            if default is None and key != "validation.rules":
                out.append(key + ": required")
            continue
        ok = isinstance(value, typ) and not (typ is int and isinstance(value, bool))
        if typ is float and isinstance(value, int) and not isinstance(value, bool):
            ok = True
        if not ok:
            out.append(key + ": must be " + _type_name(typ) + ", not " + repr(value))
    if out:
        return out
    for key in ("node_id", "till", "mqtt.store", "mqtt.gateway"):
        value, _ = _get(data, key)
        if not value or any(c not in _SAFE_ID for c in value):
            out.append(key + ": " + repr(value) + " must be 1-64 letters, digits, - _ .")
    board, present = _get(data, "board")
    if present and board not in BOARDS:
        out.append("board: " + repr(board) + " is not one of " + " | ".join(BOARDS))
    link, present = _get(data, "link")
    link = link if present else "wifi"
    if link not in LINKS:
        out.append("link: " + repr(link) + " is not one of " + " | ".join(LINKS))
    if link == "wifi":
        for key in ("wifi.ssid", "mqtt.host"):
            if not _get(data, key)[0]:
                out.append(key + ": required when link is \"wifi\"")
    port, present = _get(data, "mqtt.port")
    if present and not 1 <= port <= 65535:
        out.append("mqtt.port: " + str(port) + " is not in 1..65535")
    prefix, present = _get(data, "mqtt.prefix")
    if present and (not prefix or "#" in prefix or "+" in prefix):
        out.append("mqtt.prefix: must be a topic prefix without # or +")
    rules, present = _get(data, "validation.rules")
    if present:
        out.extend(validate.check_rules(rules))
    for key in ("timeouts.reply_s", "timeouts.result_s", "timeouts.message_s"):
        value, present = _get(data, key)
        if present and not 0.5 <= value <= 600:
            out.append(key + ": " + str(value) + " is not in 0.5..600")
    wd, present = _get(data, "watchdog_ms")
    if present and wd != 0 and not 1000 <= wd <= 8000:
        out.append("watchdog_ms: " + str(wd) + " must be 0 (off) or 1000..8000 (the RP2040 limit is 8388)")
    return out


def resolve(data):
    """Checked config with every default and board pin filled in; raises ConfigError."""
    found = problems(data)
    if found:
        raise ConfigError("; ".join(found))
    cfg = json.loads(json.dumps(data))
    for key, (typ, default) in SCHEMA.items():
        value, present = _get(cfg, key)
        if not present:
            value = validate.DEFAULT_RULES if key == "validation.rules" else default
        if typ is float:
            value = float(value)
        _set(cfg, key, value)
    for key, pin in PINS[cfg["board"]].items():
        if _get(cfg, key)[0] == -1:
            _set(cfg, key, pin)
    return cfg


def loads(text):
    try:
        data = json.loads(text)
    except ValueError as exc:
        raise ConfigError("config.json is not valid JSON: " + str(exc)) from None
    return resolve(data)
