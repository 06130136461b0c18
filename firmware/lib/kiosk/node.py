"""The node's main loop: board inputs -> state machine -> display and link.

`board` is board.Board on the device or a fake in tests; it gives
ticks_ms(), sleep_ms(ms), read_scanner() -> bytes|None, buttons() -> {name: pressed},
show(lines), feed_watchdog(), text_cols, text_rows.
"""

from kiosk import screen, ticks
from kiosk.debounce import Debouncer
from kiosk.lines import LineReader
from kiosk.state import Kiosk

LOOP_MS = 10


class Node:
    def __init__(self, cfg, board, link):
        self.cfg, self.board, self.link = cfg, board, link
        now = board.ticks_ms()
        self.kiosk = Kiosk(cfg, now)
        self.scanner = LineReader(cfg["validation"]["max_len"] * 2 + 8)
        self.idle_ms = cfg["scanner"]["idle_ms"]
        self._last_byte = now
        ms = cfg["buttons"]["debounce_ms"]
        self.buttons = {"paper": Debouncer(ms), "no_paper": Debouncer(ms)}
        self.sent = 0
        self.dropped = 0
        self._do(self.kiosk.refresh(now))

    def step(self):
        b = self.board
        now = b.ticks_ms()
        self.link.service(now)
        acts = self.kiosk.link(self.link.up, now)
        data = b.read_scanner()
        if data:
            self._last_byte = now
            for line in self.scanner.feed(data):
                acts += self.kiosk.scan(line, now)
        elif self.scanner.pending() and ticks.diff(now, self._last_byte) >= self.idle_ms:
            acts += self.kiosk.scan(self.scanner.flush(), now)
        for name, level in b.buttons().items():
            if self.buttons[name].update(level, now) == "press":
                acts += self.kiosk.button(name, now)
        for msg in self.link.poll(now):
            acts += self.kiosk.message(msg, now)
        acts += self.kiosk.tick(now)
        self._do(acts)
        b.feed_watchdog()

    def _do(self, acts):
        for act in acts:
            if act[0] == "show":
                self.board.show(screen.fit(act[1], self.board.text_cols, self.board.text_rows))
            elif act[0] == "send":
                if self.link.send(act[1]):
                    self.sent += 1
                else:
                    self.dropped += 1
                    now = self.board.ticks_ms()
                    self._do(self.kiosk.link(False, now))

    def run(self):
        while True:
            self.step()
            self.board.sleep_ms(LOOP_MS)
