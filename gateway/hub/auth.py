"""Signing in without passwords: an emailed link, or a loyalty card number plus an emailed code.

- A link or a code ticket is 256 random bits; the database keeps only its SHA-256
  (`login_tokens.token_hash`), so a copy of the database opens no account.
- A card code is 6 digits; its row is keyed by an HMAC of the ticket and the code with
  the hub's secret, so the 10^6 codes cannot be tried offline; five tries per ticket.
- Every token works once (`used` flips 0 -> 1 in one UPDATE that must change one row)
  and for 15 minutes.
- The answer to "send me a link/code" is the same whether or not the address or the
  card is known: nobody learns who has an account.
- The card number the customer types is hashed like the gateways do
  (`hmac(key, number without spaces, sha256)`), so the hub never stores it.
"""

from __future__ import annotations

import hashlib
import hmac
import re
import secrets
from datetime import UTC, datetime, timedelta
from pathlib import Path

TTL = timedelta(minutes=15)
EMAIL = re.compile(r"[^@\s]{1,64}@[A-Za-z0-9.-]{1,253}\.[A-Za-z]{2,63}")
CARD = re.compile(r"(?=.*[0-9A-Za-z])[0-9A-Za-z\-]{4,40}")  # a card number as gateway.scanner.cards reads one
CODE_DIGITS = 6


def read_key(path: str | Path) -> bytes:
    """The retailer's card key: the file's bytes, surrounding whitespace stripped."""
    return Path(path).read_bytes().strip()


def card_hmac(key: bytes, number: str) -> str:
    return hmac.new(key, number.replace(" ", "").encode(), hashlib.sha256).hexdigest()


def card_numbers(typed: str) -> list[str]:
    """The numbers a typed card number may be hashed as, most likely first; [] when it is not one.

    A gateway hashes what its scanner read, spaces removed: a Code 128 card keeps its dashes
    ("CARD-1234-XY"). A customer may also type dashes as separators of a number whose barcode
    has none ("2600-1234-56784"). Both forms are tried, so the card signs in either way."""
    number = (typed or "").replace(" ", "")
    if not CARD.fullmatch(number):
        return []
    bare = number.replace("-", "")
    return [number] if bare == number else [number, bare]


def clean_email(address: str) -> str | None:
    address = (address or "").strip()
    return address.lower() if EMAIL.fullmatch(address) and len(address) <= 254 else None


def token_hash(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


class LoginTokens:
    """Sign-in links and card codes, kept hashed in the store's `login_tokens` table.

    A link's row is keyed by sha256(token). A card code's row is keyed by
    HMAC(secret, ticket:code): a wrong code finds no row (and uses up nothing), the
    right one is taken once. The caller limits tries per ticket (RULES["code_ticket"]).
    """

    def __init__(self, store, secret: bytes):
        self.store = store
        self.secret = secret

    def _code_key(self, ticket: str, code: str) -> str:
        return hmac.new(self.secret, f"{ticket}:{code}".encode(), hashlib.sha256).hexdigest()

    def _expiry(self) -> str:
        return (datetime.now(UTC) + TTL).isoformat(timespec="milliseconds")

    def issue_link(self, email: str, account_id: str | None = None) -> str:
        self.store.purge_login_tokens()
        token = secrets.token_urlsafe(32)
        self.store.put_login_token(token_hash(token), self._expiry(), email=email, account_id=account_id)
        return token

    def issue_code(self, card: str, account_id: str | None) -> tuple[str, str]:
        """(ticket, code): the ticket stays in the customer's session, the code goes by mail."""
        self.store.purge_login_tokens()
        ticket = secrets.token_urlsafe(32)
        code = f"{secrets.randbelow(10 ** CODE_DIGITS):0{CODE_DIGITS}d}"
        key = self._code_key(ticket, code)
        self.store.put_login_token(key, self._expiry(), card_hmac=card, account_id=account_id, code_hash=key)
        return ticket, code

    def consume_link(self, token: str) -> dict | None:
        """The link's row ({email, account_id, ...}) when it is live; it is then used up."""
        if not token or len(token) > 100:
            return None
        row = self.store.take_login_token(token_hash(token))
        return row if row and row.get("email") and not row.get("code_hash") else None

    def consume_code(self, ticket: str, code: str) -> dict | None:
        """The ticket's row ({card_hmac, account_id, ...}) when the code is right; it is then used up."""
        code = (code or "").strip()
        if not ticket or not re.fullmatch(rf"\d{{{CODE_DIGITS}}}", code):
            return None
        row = self.store.take_login_token(self._code_key(ticket, code))
        return row if row and row.get("card_hmac") else None


def new_csrf() -> str:
    return secrets.token_urlsafe(24)


def csrf_ok(expected: str | None, given: str | None) -> bool:
    return bool(expected) and bool(given) and hmac.compare_digest(expected, given)
