"""The retailer's card key and the card HMAC.

A card number never leaves the box in clear; everywhere (MQTT scan requests, the
e-receipt, the preference cache) it is

    hmac.new(key, number.encode(), sha256).hexdigest()

with `key` = the key file's bytes, surrounding whitespace stripped, and `number` = the
scanned number with spaces removed. The key file must be readable by its owner only
(mode 0600, `gateway.config.secrets`): the key is what keeps the HMACs from being
reversed by trying every number.
"""

from __future__ import annotations

import hashlib
import hmac
import os
from dataclasses import dataclass
from pathlib import Path

from gateway.config.schema import ConfigError
from gateway.config.secrets import check_secret_file

MIN_KEY_BYTES = 16


def card_hmac(key: bytes, number: str) -> str:
    return hmac.new(key, number.replace(" ", "").encode(), hashlib.sha256).hexdigest()


@dataclass(frozen=True)
class CardKey:
    key: bytes
    key_id: str

    def card(self, number: str) -> dict:
        """The card as it may leave the box: {"hmac": ..., "key_id": ...}."""
        return {"hmac": card_hmac(self.key, number), "key_id": self.key_id}

    def __repr__(self) -> str:  # never print the key
        return f"CardKey(key_id={self.key_id!r})"


def load_card_key(cfg: dict, file: str | None = None) -> CardKey | None:
    """The key from `[loyalty]`, or None when no scanner is configured and no key given.

    Raises ConfigError (naming the key) when a scanner is configured without `[loyalty]`,
    or when the key file is missing, empty, too short or readable by others.
    """
    file = file or getattr(cfg, "path", None)
    scanner = cfg.get("scanner") or {}
    source = scanner.get("source", "none")
    loyalty = cfg.get("loyalty")
    if not loyalty:
        if source != "none":
            raise ConfigError(
                f"[scanner] source = \"{source}\" scans loyalty cards, but the card key is missing: "
                "there is no [loyalty] section with hmac_key_file", file=file, section="loyalty",
                remedy="add [loyalty] with hmac_key_file = \"/etc/receipt-gateway/loyalty.key\" (the retailer's "
                       "secret, chmod 600) and key_id = \"k1\"; or set [scanner] source = \"none\"")
        return None
    path = Path(loyalty["hmac_key_file"])

    def refuse(message: str, remedy: str) -> ConfigError:
        return ConfigError(message, file=file, section="loyalty", key="hmac_key_file", remedy=remedy)

    # missing, not a file, readable by others, wrong owner: the same rule as every secret file
    check_secret_file(path, section="loyalty", key="hmac_key_file", config_path=file)
    try:
        key = path.read_bytes().strip()
    except OSError as exc:
        raise refuse(f"cannot read the card key {path}: {exc.strerror} (running as uid {os.getuid()})",
                     f"chown the key to the service user and chmod 600 {path}") from None
    if len(key) < MIN_KEY_BYTES:
        raise refuse(f"the card key {path} is {'empty' if not key else f'only {len(key)} bytes'}; "
                     f"at least {MIN_KEY_BYTES} are needed",
                     f"write the retailer's key into it: head -c 32 /dev/urandom | base64 > {path}")
    return CardKey(key, loyalty.get("key_id") or "k1")
