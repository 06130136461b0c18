"""Debouncing, reconnect backoff and wrap-safe ticks."""

from kiosk import ticks
from kiosk.backoff import Backoff
from kiosk.debounce import Debouncer
from kiosk.lines import LineReader


def test_ticks_diff_across_the_wrap():
    near_end = ticks.PERIOD - 10
    assert ticks.diff(ticks.add(near_end, 25), near_end) == 25
    assert ticks.diff(near_end, ticks.add(near_end, 25)) == -25
    assert ticks.add(near_end, 25) == 15


def test_bounce_shorter_than_the_window_is_ignored():
    d = Debouncer(30)
    t = 0
    events = []
    for level in (1, 0, 1, 0, 1, 0):  # contact bounce, 5 ms apart
        events.append(d.update(level, t))
        t += 5
    assert events == [None] * 6 and d.state is False
    assert d.update(1, 100) is None
    assert d.update(1, 129) is None
    assert d.update(1, 130) == "press"
    assert d.update(1, 500) is None  # held: one press only
    assert d.update(0, 600) is None
    assert d.update(0, 630) == "release"


def test_debounce_works_across_the_tick_wrap():
    d = Debouncer(30)
    start = ticks.PERIOD - 10
    assert d.update(1, start) is None
    assert d.update(1, ticks.add(start, 30)) == "press"


def test_backoff_grows_caps_and_resets():
    b = Backoff(500, 30000)
    assert b.ready(0)
    waits = [b.failed(0) for _ in range(9)]
    assert waits == [500, 1000, 2000, 4000, 8000, 16000, 30000, 30000, 30000]
    b = Backoff(500, 30000)
    b.failed(1000)
    assert not b.ready(1499) and b.ready(1500)
    b.succeeded()
    assert b.ready(0) and b.delay_ms() == 500


def test_backoff_jitter_stays_within_half_to_full_delay():
    seen = []
    b = Backoff(1000, 8000, rand=lambda n: seen.append(n) or n - 1)
    assert b.failed(0) == 1000
    b2 = Backoff(1000, 8000, rand=lambda n: 0)
    assert b2.failed(0) == 500
    assert seen == [501]


def test_line_reader_splits_and_drops_overlong_lines():
    r = LineReader(10)
    assert r.feed(b"2400") == []
    assert r.feed(b"123\r\n\r\n") == [b"2400123"]
    assert r.feed(b"x" * 50 + b"\n" + b"ok\n") == [b"ok"]
    assert r.dropped == 1
    r.feed(b"12345")
    assert r.pending() == b"12345" and r.flush() == b"12345" and r.pending() == b""
