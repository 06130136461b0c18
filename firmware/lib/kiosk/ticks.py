"""Wrap-safe millisecond arithmetic, same rules as MicroPython's utime.ticks_*.

MicroPython's ticks_ms() wraps every 2**30 ms (about 12.4 days); a kiosk runs
for months, so every comparison of times goes through `diff`.
"""

PERIOD = 1 << 30
_HALF = PERIOD >> 1
_MASK = PERIOD - 1


def diff(new, old):
    """Signed ms from `old` to `new`, correct across one wrap-around."""
    return ((new - old + _HALF) & _MASK) - _HALF


def add(t, delta):
    """`t` moved by `delta` ms, wrapped like ticks_add."""
    return (t + delta) & _MASK
