"""Reconnect backoff: exponential with full jitter, capped, reset after success."""

from kiosk import ticks


class Backoff:
    def __init__(self, first_ms=500, max_ms=30000, factor=2, rand=None):
        self.first_ms, self.max_ms, self.factor = first_ms, max_ms, factor
        self._rand = rand  # rand(n) -> int in [0, n); None = no jitter
        self.attempts = 0
        self._next_at = None

    def delay_ms(self):
        """The wait before the next attempt (grows with each failure)."""
        cap = self.first_ms
        for _ in range(self.attempts):
            cap = cap * self.factor
            if cap >= self.max_ms:
                cap = self.max_ms
                break
        if self._rand is None:
            return cap
        half = cap // 2
        return half + self._rand(cap - half + 1)

    def ready(self, now_ms):
        return self._next_at is None or ticks.diff(now_ms, self._next_at) >= 0

    def failed(self, now_ms):
        wait = self.delay_ms()
        self.attempts += 1
        self._next_at = ticks.add(now_ms, wait)
        return wait

    def succeeded(self):
        self.attempts = 0
        self._next_at = None
