"""Fake utime: a manual clock (tests move it with advance())."""

import time as _time

PERIOD = 1 << 30
_now = [0]
sleeps: list = []


def reset_state(start_ms=0):
    _now[0] = start_ms
    sleeps.clear()


def advance(ms):
    _now[0] += ms


def ticks_ms():
    return _now[0] % PERIOD


def ticks_diff(a, b):
    return ((a - b + PERIOD // 2) % PERIOD) - PERIOD // 2


def ticks_add(t, d):
    return (t + d) % PERIOD


def sleep_ms(ms):
    sleeps.append(ms)
    _now[0] += ms


def sleep(s):
    sleep_ms(int(s * 1000))


def time():
    return int(_time.time())
