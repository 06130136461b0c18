"""What does this card want? The hub first, then the cache of its earlier answers, then the default.

The hub is asked on `{p}/scan/{till}` with `{"card": {"hmac": H, "key_id": K}}` (MQTT 5
response topic + correlation data) and answers `{"mode": "paper"|"qr"|"none",
"greeting": str|null, "points_balance": int|null}` and, from the reference hub, `points_rules`
(its `[loyalty_rules]` for one receipt's points: the QR stub then shows "+N", computed with the
hub's own gateway.hub.ledger on the same e-receipt the hub will book). Its answer counts only within a
short deadline (`deadline_s`, 300 ms): the customer is at the till. Every good answer
is kept in a small SQLite file in data_dir, keyed by the card HMAC (never the number),
so the next visit works with the hub away. A late or malformed answer is not used.
"""

from __future__ import annotations

import logging
import sqlite3
import threading
import time
from collections.abc import Callable
from pathlib import Path

from gateway.loyalty.session import CardSession, Preference

log = logging.getLogger("gateway.loyalty.preference")

MODES = ("paper", "qr", "none")
RULE_KEYS = ("points_per_euro", "categories", "excluded_categories", "campaigns")  # what one receipt earns
Request = Callable[[str, dict, float], dict | None]  # (topic, body, timeout) -> answer or None


def parse_answer(body) -> tuple[Preference | None, str]:
    """The hub's answer as a Preference, or (None, what is wrong with it)."""
    if not isinstance(body, dict):
        return None, f"answer is not a JSON object ({type(body).__name__})"
    mode = body.get("mode")
    if mode not in MODES:
        return None, f"mode {mode!r} is not one of {', '.join(MODES)}"
    greeting = body.get("greeting")
    if greeting is not None and not isinstance(greeting, str):
        return None, f"greeting must be a string or null, not {type(greeting).__name__}"
    points = body.get("points_balance")
    if points is not None and (isinstance(points, bool) or not isinstance(points, int)):
        return None, f"points_balance must be a whole number or null, not {points!r}"
    return Preference(mode, "hub", greeting[:80] if greeting else greeting, points, _points_rules(body)), ""


def _points_rules(body: dict):
    """The hub's `points_rules` (what one receipt earns there) as ledger Rules, or None. Malformed rules
    only cost the "+N" on the stub: the preference itself is still used."""
    section = body.get("points_rules")
    if section is None:
        return None
    from gateway.hub.ledger import Rules

    try:
        if not isinstance(section, dict):
            raise ValueError(f"not a JSON object ({type(section).__name__})")
        return Rules.from_section({k: section[k] for k in RULE_KEYS if k in section})
    except (ValueError, TypeError, AttributeError, ArithmeticError) as exc:
        log.warning("the hub's points_rules are not usable (%s): the stub shows the balance only", exc)
        return None


class PreferenceCache:
    """Earlier hub answers by card HMAC, in `data_dir/preferences.db`."""

    def __init__(self, path: str | Path):
        self.path = Path(path)
        self.path.parent.mkdir(parents=True, exist_ok=True)
        self._lock = threading.Lock()
        self._db = sqlite3.connect(self.path, check_same_thread=False, isolation_level=None)
        self._db.execute("PRAGMA journal_mode=WAL")
        self._db.execute("CREATE TABLE IF NOT EXISTS preference (hmac TEXT PRIMARY KEY, key_id TEXT NOT NULL, "
                         "mode TEXT NOT NULL, greeting TEXT, points_balance INTEGER, updated_at REAL NOT NULL)")

    def get(self, card: dict) -> Preference | None:
        with self._lock:
            row = self._db.execute("SELECT mode, greeting, points_balance FROM preference "
                                   "WHERE hmac = ? AND key_id = ?", (card["hmac"], card["key_id"])).fetchone()
        return Preference(row[0], "cache", row[1], row[2]) if row else None

    def put(self, card: dict, pref: Preference) -> None:
        with self._lock:
            self._db.execute("INSERT OR REPLACE INTO preference VALUES (?, ?, ?, ?, ?, ?)",
                             (card["hmac"], card["key_id"], pref.mode, pref.greeting, pref.points_balance,
                              time.time()))

    def close(self) -> None:
        with self._lock:
            self._db.close()


class PreferenceLookup:
    def __init__(self, request: Request | None, scan_topic: Callable[[str], str], cache: PreferenceCache | None,
                 default_mode: str = "paper", deadline_s: float = 0.3):
        self.request, self.scan_topic, self.cache = request, scan_topic, cache
        self.default_mode, self.deadline_s = default_mode, deadline_s

    def lookup(self, till: str, card: dict) -> Preference:
        """Blocks at most about `deadline_s`."""
        tag = card["hmac"][:8]
        if self.request is not None:
            try:
                answer = self.request(self.scan_topic(till), {"card": dict(card)}, self.deadline_s)
            except Exception:  # noqa: BLE001 - the cache and the default still answer
                log.exception("asking the hub about card %s... failed", tag)
                answer = None
            if answer is None:
                log.info("no hub answer for card %s... within %.0f ms", tag, self.deadline_s * 1000)
            else:
                pref, problem = parse_answer(answer)
                if pref is not None:
                    if self.cache is not None:
                        self.cache.put(card, pref)
                    return pref
                log.warning("the hub's answer for card %s... is not usable (%s); not used", tag, problem)
        if self.cache is not None:
            cached = self.cache.get(card)
            if cached is not None:
                return cached
        return Preference(self.default_mode, "default")

    def start(self, session: CardSession) -> threading.Thread:
        """Look up in the background; the session gets the preference when known."""
        def run():
            try:
                session.set_preference(self.lookup(session.till, session.card))
            except Exception:  # noqa: BLE001 - the receipt must still be decided
                log.exception("preference lookup failed")
                session.set_preference(Preference(self.default_mode, "default"))

        t = threading.Thread(target=run, name=f"pref-{session.id}", daemon=True)
        t.start()
        return t
