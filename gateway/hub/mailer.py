"""The reference hub's mailer: each message is a .eml file in an outbox directory, or a log line.

A retailer's deployment swaps this for its mail service (anything with `send(to, subject,
body)`). Files are written whole (temporary name, then rename) with mode 0600, since a
sign-in link in them is a key to an account. Without `[hub] mail_dir` the message goes
to the log at WARNING, which is only fit for a developer's machine.
"""

from __future__ import annotations

import logging
import os
import secrets
import time
from email.message import EmailMessage
from pathlib import Path

log = logging.getLogger(__name__)


def masked(address: str) -> str:
    """'anna@example.com' -> 'a***@example.com' (logs never hold the whole address)."""
    name, _, domain = address.partition("@")
    return f"{name[:1]}***@{domain}"


class Mailer:
    def __init__(self, outbox: str | Path | None = None, sender: str = "receipts@localhost"):
        self.outbox = Path(outbox) if outbox else None
        self.sender = sender
        if self.outbox:
            self.outbox.mkdir(parents=True, exist_ok=True)

    def send(self, to: str, subject: str, body: str) -> Path | None:
        msg = EmailMessage()
        msg["From"], msg["To"], msg["Subject"] = self.sender, to, subject
        msg.set_content(body)
        if self.outbox is None:
            log.warning("mail (no [hub] mail_dir set, so it is logged):\n%s", msg)
            return None
        name = f"{time.time_ns()}-{secrets.token_hex(4)}.eml"
        tmp = self.outbox / f".{name}.tmp"
        fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        with os.fdopen(fd, "wb") as f:
            f.write(bytes(msg))
        path = self.outbox / name
        os.replace(tmp, path)
        log.info("mail to %s: %s (%s)", masked(to), subject, path.name)
        return path
