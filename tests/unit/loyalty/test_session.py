"""Per-till card sessions: next receipt only, within the window, second scan wins."""

from __future__ import annotations

from gateway.loyalty.session import Preference, Sessions

A, B = {"hmac": "a" * 64, "key_id": "k1"}, {"hmac": "b" * 64, "key_id": "k1"}


class Clock:
    def __init__(self):
        self.t = 1000.0

    def __call__(self):
        return self.t


def test_a_scan_applies_to_the_next_receipt_of_its_till_only():
    s = Sessions(180, Clock())
    first = s.scan("till-1", A)
    assert s.claim("till-2") is None
    assert s.claim("till-1") is first and first.state == "claimed"
    assert s.claim("till-1") is None  # the session ended with that receipt


def test_a_second_scan_replaces_the_first():
    s = Sessions(180, Clock())
    first, second = s.scan("till-1", A), s.scan("till-1", B)
    assert first.state == "replaced"
    assert s.claim("till-1") is second


def test_the_window_expires():
    clock = Clock()
    s = Sessions(180, clock)
    s.scan("till-1", A)
    clock.t += 179.9
    assert s.active("till-1") is not None
    clock.t += 0.2
    assert s.claim("till-1") is None


def test_a_scan_during_a_receipt_is_for_the_one_after():
    s = Sessions(180, Clock())
    s.scan("till-1", A)
    printing = s.claim("till-1")  # the receipt that started
    later = s.scan("till-1", B)  # scanned while it prints
    assert printing.card == A and printing.state == "claimed"
    assert s.claim("till-1") is later


def test_preference_is_set_once_and_can_be_waited_for():
    s = Sessions(180, Clock())
    session = s.scan("till-1", A)
    assert session.wait_preference(0.01) is None
    session.set_preference(Preference("qr", "hub"))
    session.set_preference(Preference("none", "hub"))
    assert session.wait_preference(0) == Preference("qr", "hub")
    assert "a" * 9 not in repr(session)


def test_a_session_given_back_waits_again_unless_replaced_or_expired():
    clock = Clock()
    s = Sessions(180, clock)
    first = s.scan("till-1", A)
    assert s.claim("till-1") is first and s.give_back(first) and s.active("till-1") is first
    s.claim("till-1")
    s.scan("till-1", B)
    assert not s.give_back(first)
    s.claim("till-1")
    clock.t += 200
    assert not s.give_back(first)


def test_a_tagged_session_waits_until_a_receipt_that_prints_takes_it():
    """Paper: jobs are only tagged at their start; the first that prints something takes the card."""
    clock = Clock()
    s = Sessions(180, clock)
    first = s.scan("till-1", A)
    keep = lambda session: True  # noqa: E731 - the desk's "this card wants paper"
    assert s.claim("till-1", keep) is first and s.claim("till-1", keep) is first  # two jobs started
    assert s.active("till-1") is first, "a tagged session still waits"
    second = s.scan("till-1", B)   # scanned while the tagged job prints: for the receipt after
    clock.t += 200                 # and the window passed: the tag was given in time
    assert s.take(first) and not s.take(first), "one receipt only"
    assert s.active("till-1") is None and second.state == "expired"
    third = s.scan("till-1", A)
    assert s.claim("till-1") is third and not s.take(third), "held (claimed) is taken already"
    assert s.give_back(third) and s.take(third)
