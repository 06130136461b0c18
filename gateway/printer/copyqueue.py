"""The pumps' copy of the stream for the decoder: never blocks, never drops.

`put()` is called from the pumps and returns at once. Up to `mem_limit` bytes wait
in memory; beyond that, items spill to a file (in order) and come back when the
consumer catches up. So a slow decoder never slows the printer, and the copy stays
whole however far it falls behind.
"""

from __future__ import annotations

import pickle
import tempfile
import threading
from collections import deque
from typing import Any


class CopyQueue:
    def __init__(self, mem_limit: int = 8 << 20, spill_dir: str | None = None):
        self.mem_limit, self.spill_dir = mem_limit, spill_dir
        self._items: deque[tuple[Any, int]] = deque()
        self._mem = 0
        self._cond = threading.Condition()
        self._spill = None  # file holding items after the in-memory ones
        self._spill_read = 0
        self._spill_write = 0
        self.spilled_items = 0  # how many items ever went to disk (for logs and tests)
        self._closed = False

    def put(self, item: Any, size: int = 0) -> None:
        with self._cond:
            if self._spill is not None or self._mem + size > self.mem_limit:
                if self._spill is None:
                    self._spill = tempfile.TemporaryFile(prefix="rg-spill-", dir=self.spill_dir)
                    self._spill_read = self._spill_write = 0
                self._spill.seek(self._spill_write)
                pickle.dump(item, self._spill, protocol=pickle.HIGHEST_PROTOCOL)
                self._spill_write = self._spill.tell()
                self.spilled_items += 1
            else:
                self._items.append((item, size))
                self._mem += size
            self._cond.notify()

    def get(self, timeout: float | None = None) -> Any:
        """The next item, or None after `timeout` (or when closed and empty)."""
        with self._cond:
            if not self._cond.wait_for(self._ready, timeout):
                return None
            if self._items:
                item, size = self._items.popleft()
                self._mem -= size
                return item
            if self._spill is not None and self._spill_read < self._spill_write:
                self._spill.seek(self._spill_read)
                item = pickle.load(self._spill)
                self._spill_read = self._spill.tell()
                if self._spill_read >= self._spill_write:
                    self._spill.close()
                    self._spill = None
                return item
            return None

    def _ready(self) -> bool:
        return bool(self._items) or (self._spill is not None and self._spill_read < self._spill_write) \
            or self._closed

    def close(self) -> None:
        with self._cond:
            self._closed = True
            self._cond.notify_all()

    def __len__(self) -> int:
        with self._cond:
            return len(self._items) + (1 if self._spill is not None else 0)
