"""Rate limits: at most N events per window for each (rule, key), a sliding log in memory.

Keys are an IP address, an account id, an email address's hash, a card HMAC or a
sign-in ticket; rules name what is limited. The log lives in this process: a hub
run as several processes multiplies the limits by their number (docs/hub.md).
"""

from __future__ import annotations

import threading
import time
from collections import deque

# rule: (events, window seconds)
RULES: dict[str, tuple[int, float]] = {
    "signin_ip": (10, 600),        # sign-in links/codes asked from one address
    "signin_target": (3, 900),     # messages to one email address or card
    "code_ticket": (5, 900),       # wrong codes for one sign-in ticket, then it is burnt
    "code_ip": (20, 600),          # codes tried from one address
    "link_ip": (20, 600),          # sign-in links opened from one address
    "token_miss_ip": (30, 600),    # unknown receipt tokens from one address
    "claim_account": (10, 3600),   # claim attempts by one account
    "claim_ip": (20, 3600),        # claim attempts from one address
    "api_fail_ip": (20, 600),      # API calls with a wrong key from one address
    "api_key": (1200, 60),         # API calls per key
}
MAX_KEYS = 100_000  # beyond this, the oldest keys are forgotten (memory stays bounded)


class Limiter:
    def __init__(self, rules: dict[str, tuple[int, float]] | None = None, clock=time.monotonic):
        self.rules = dict(RULES, **(rules or {}))
        self.clock = clock
        self._log: dict[tuple[str, str], deque] = {}
        self._lock = threading.Lock()

    def _events(self, rule: str, key: str, now: float) -> deque:
        limit, window = self.rules[rule]
        log = self._log.get((rule, key))
        if log is None:
            if len(self._log) >= MAX_KEYS:
                for old in list(self._log)[: MAX_KEYS // 10]:
                    del self._log[old]
            log = self._log[(rule, key)] = deque()
        while log and log[0] <= now - window:
            log.popleft()
        return log

    def blocked(self, rule: str, key: str) -> bool:
        """True when `key` has used up `rule` (does not count an event)."""
        with self._lock:
            return len(self._events(rule, key, self.clock())) >= self.rules[rule][0]

    def hit(self, rule: str, key: str) -> bool:
        """Count one event; False (and not counted) when the limit is already reached."""
        with self._lock:
            now = self.clock()
            log = self._events(rule, key, now)
            if len(log) >= self.rules[rule][0]:
                return False
            log.append(now)
            return True

    def reset(self, rule: str, key: str) -> None:
        with self._lock:
            self._log.pop((rule, key), None)
