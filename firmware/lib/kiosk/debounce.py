"""Button debouncing: a level must stay the same for `stable_ms` before it counts."""

from kiosk import ticks


class Debouncer:
    """Feed raw levels (True = pressed) with the time; get "press"/"release" once per change."""

    def __init__(self, stable_ms=30, pressed=False):
        self.stable_ms = stable_ms
        self.state = pressed
        self._candidate = pressed
        self._since = None

    def update(self, level, now_ms):
        level = bool(level)
        if level == self.state:
            self._candidate = level
            self._since = None
            return None
        if level != self._candidate or self._since is None:
            self._candidate = level
            self._since = now_ms
            return None
        if ticks.diff(now_ms, self._since) >= self.stable_ms:
            self.state = level
            self._since = None
            return "press" if level else "release"
        return None
