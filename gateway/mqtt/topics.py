"""The MQTT topic tree of the design (`{p}` = topic_prefix/store_id/gateway_id).

| topic                      | QoS/retain          | direction        |
|----------------------------|---------------------|------------------|
| {p}/receipt/{till}         | 1 / no              | gateway -> hub   |
| {p}/state                  | 1 / retained + Will | gateway -> all   |
| {p}/health                 | 0 / no              | gateway -> all   |
| {p}/printer/{till}/status  | 1 / retained        | gateway -> all   |
| {p}/scan/{till}            | 1 / response topic  | gateway -> hub   |
| {p}/cmd/{name}             | 1 / response topic  | hub -> gateway   |
| {p}/ack                    | 1                   | hub -> gateway   |

Pure: builds and parses topic strings, no I/O.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

COMMANDS = ("reprint", "print_qr", "resend", "reload_config")
_LEVEL = re.compile(r"[^/#+\s]+")


def _check_level(what: str, value: str) -> str:
    if not _LEVEL.fullmatch(value):
        raise ValueError(f"{what} {value!r} cannot be an MQTT topic level (no '/', '+', '#' or spaces)")
    return value


@dataclass(frozen=True)
class Topics:
    """Topics of one gateway."""

    prefix: str
    store_id: str
    gateway_id: str

    def __post_init__(self):
        if not self.prefix or any(c in self.prefix for c in "#+") or self.prefix.startswith("$"):
            raise ValueError(f"topic prefix {self.prefix!r} must be non-empty, without '+', '#' or a leading '$'")
        _check_level("store id", self.store_id)
        _check_level("gateway id", self.gateway_id)

    @property
    def base(self) -> str:
        return f"{self.prefix.rstrip('/')}/{self.store_id}/{self.gateway_id}"

    def receipt(self, till: str) -> str:
        return f"{self.base}/receipt/{_check_level('till id', till)}"

    @property
    def state(self) -> str:
        return f"{self.base}/state"

    @property
    def health(self) -> str:
        return f"{self.base}/health"

    def printer_status(self, till: str) -> str:
        return f"{self.base}/printer/{_check_level('till id', till)}/status"

    def scan(self, till: str) -> str:
        return f"{self.base}/scan/{_check_level('till id', till)}"

    def cmd(self, name: str) -> str:
        return f"{self.base}/cmd/{_check_level('command', name)}"

    @property
    def cmd_filter(self) -> str:
        return f"{self.base}/cmd/+"

    @property
    def ack(self) -> str:
        return f"{self.base}/ack"

    @property
    def reply(self) -> str:
        """Where this gateway asks for answers to its own requests (e.g. scan)."""
        return f"{self.base}/reply"


def receipt_filter(prefix: str, group: str | None = None) -> str:
    """Every gateway's receipts; with `group`, a shared subscription (one consumer of the group gets each)."""
    flt = f"{prefix.rstrip('/')}/+/+/receipt/+"
    return f"$share/{_check_level('share group', group)}/{flt}" if group else flt


def state_filter(prefix: str) -> str:
    return f"{prefix.rstrip('/')}/+/+/state"


@dataclass(frozen=True)
class Parsed:
    store_id: str
    gateway_id: str
    kind: str          # receipt | state | health | printer | scan | cmd | ack | reply
    rest: tuple[str, ...]

    def topics(self, prefix: str) -> Topics:
        return Topics(prefix, self.store_id, self.gateway_id)


def parse(prefix: str, topic: str) -> Parsed | None:
    """Split a topic of the tree; None when it is not one of ours."""
    head = prefix.rstrip("/") + "/"
    if not topic.startswith(head):
        return None
    parts = topic[len(head):].split("/")
    if len(parts) < 3:
        return None
    return Parsed(parts[0], parts[1], parts[2], tuple(parts[3:]))
