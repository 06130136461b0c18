"""Per-till card sessions: a scan applies to the next receipt of that till.

- a scan opens a session for its till, valid for `window_s` (`[policy] card_window_s`);
- a second scan before that receipt replaces the first;
- the receipt that starts next takes the session (`claim`): from then on the session
  belongs to that receipt and ends with it; a scan during it is for the receipt after;
- a receipt already printing when the scan arrives is not affected (it was claimed, or
  passed, at its start);
- a job that prints nothing (status polls, a drawer kick, a blank feed and cut: `Receipt.is_blank`)
  is not a receipt: the card waits for the next *real* receipt, one that prints something.
  A held job hands its session back at the cut (`give_back`); a job that passes untouched
  because the card wants paper only *tags* the session (`claim(keep=...)`): the first tagged
  job that the segmenter finds non-blank takes it (`take`), so a blank one never uses it up.

The preference arrives later (the hub's answer, the cache or the default): each session
carries it with an event to wait on. No I/O here; the clock is injectable for tests.
"""

from __future__ import annotations

import itertools
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass


@dataclass(frozen=True)
class Preference:
    mode: str  # paper | qr | none
    source: str  # hub | cache | default | kiosk
    greeting: str | None = None
    points_balance: int | None = None
    points_rules: object = None  # gateway.hub.ledger.Rules from the hub's answer (never from the cache)


class CardSession:
    _ids = itertools.count(1)

    def __init__(self, till: str, card: dict, now: float, window_s: float):
        self.id = next(self._ids)
        self.till, self.card = till, card  # card = {"hmac", "key_id"}: never the number
        self.scanned_at, self.expires_at = now, now + window_s
        self.state = "waiting"  # waiting | claimed | replaced | expired
        self.ref = None  # the scanner's own reference for this scan (kiosk node: its seq)
        self.taken = False  # a receipt that prints something has it (claimed and held, or `take`n)
        self._preference: Preference | None = None
        self._ready = threading.Event()

    def set_preference(self, pref: Preference) -> None:
        if self._preference is None:
            self._preference = pref
            self._ready.set()

    def choose(self, pref: Preference) -> None:
        """The customer chose at the kiosk: this replaces the hub's (or any) answer."""
        self._preference = pref
        self._ready.set()

    @property
    def preference(self) -> Preference | None:
        return self._preference

    def wait_preference(self, timeout: float) -> Preference | None:
        self._ready.wait(max(timeout, 0.0))
        return self._preference

    def __repr__(self) -> str:
        return f"CardSession({self.id}, till={self.till!r}, {self.state}, card {self.card['hmac'][:8]}...)"


class Sessions:
    def __init__(self, window_s: float, clock: Callable[[], float] = time.monotonic):
        self.window_s, self.clock = window_s, clock
        self._open: dict[str, CardSession] = {}
        self._lock = threading.Lock()

    def scan(self, till: str, card: dict) -> CardSession:
        """A card was scanned for `till`: the next receipt of that till is its."""
        session = CardSession(till, card, self.clock(), self.window_s)
        with self._lock:
            old = self._open.get(till)
            if old is not None:
                old.state = "replaced"
            self._open[till] = session
        return session

    def active(self, till: str) -> CardSession | None:
        """The session waiting for the next receipt of `till` (None once it expired)."""
        with self._lock:
            return self._current(till)

    def claim(self, till: str, keep: Callable[[CardSession], bool] | None = None) -> CardSession | None:
        """A receipt of `till` starts now: it takes the waiting session, if any. When `keep(session)`
        is true the session is only tagged: it stays waiting until a receipt `take`s it."""
        with self._lock:
            session = self._current(till)
            if session is not None and not (keep and keep(session)):
                session.state, session.taken = "claimed", True
                del self._open[till]
            return session

    def take(self, session: CardSession) -> bool:
        """A receipt tagged with `session` printed something: it is that receipt's, unless an earlier
        receipt took it already. (A newer scan or the end of its window since the tag do not matter:
        the receipt started while the session was waiting.)"""
        with self._lock:
            if session.taken:
                return False
            session.state, session.taken = "claimed", True
            if self._open.get(session.till) is session:
                del self._open[session.till]
            return True

    def give_back(self, session: CardSession) -> bool:
        """The "receipt" that claimed `session` printed nothing (a status poll): it waits again,
        unless a newer scan replaced it or its window has passed."""
        with self._lock:
            if self._current(session.till) is not None or self.clock() >= session.expires_at:
                return False
            session.state, session.taken = "waiting", False
            self._open[session.till] = session
            return True

    def cancel(self, till: str) -> CardSession | None:
        with self._lock:
            return self._open.pop(till, None)

    def _current(self, till: str) -> CardSession | None:
        session = self._open.get(till)
        if session is not None and self.clock() >= session.expires_at:
            session.state = "expired"
            del self._open[till]
            return None
        return session
