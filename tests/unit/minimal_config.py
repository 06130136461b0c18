"""The smallest valid gateway config, plus the sections a test adds."""

from __future__ import annotations

MINIMAL = """
[gateway]
id = "gw-1"
store_id = "s-1"
till_id = "{till}"
[till]
link = "tcp"
[printer]
link = "none"
[mqtt]
url = "mqtt://127.0.0.1:1883"
"""


def write_config(path, extra: str = "", till: str = "till-1"):
    path.write_text(MINIMAL.format(till=till) + extra)
    return path
