"""Preference lookup: the hub within the deadline, then the cache (by HMAC only), then the default."""

from __future__ import annotations

import logging
import sqlite3
import time

import pytest

from gateway.loyalty.cardkey import card_hmac
from gateway.loyalty.preference import PreferenceCache, PreferenceLookup, parse_answer
from gateway.loyalty.session import Preference, Sessions

NUMBER = "4006381333931"
CARD = {"hmac": card_hmac(b"k" * 32, NUMBER), "key_id": "k1"}


class Hub:
    """Stands in for GatewayClient.request: records what was asked, answers what it is told."""

    def __init__(self, answer=None, delay=0.0):
        self.answer, self.delay, self.asked = answer, delay, []

    def __call__(self, topic, body, timeout):
        self.asked.append((topic, body, timeout))
        if self.delay > timeout:
            time.sleep(timeout)
            return None  # GatewayClient.request gives None when the answer is late
        return self.answer


def lookup(tmp_path, hub, default="paper"):
    cache = PreferenceCache(tmp_path / "preferences.db")
    return PreferenceLookup(hub, lambda till: f"rv1/s/gw/scan/{till}", cache, default, 0.3), cache


def test_hub_answer_is_used_and_cached_by_hmac_only(tmp_path, caplog):
    caplog.set_level(logging.DEBUG)
    hub = Hub({"mode": "qr", "greeting": "Hello Ann", "points_balance": 120})
    lk, cache = lookup(tmp_path, hub)
    assert lk.lookup("till-1", CARD) == Preference("qr", "hub", "Hello Ann", 120)
    topic, body, timeout = hub.asked[0]
    assert topic == "rv1/s/gw/scan/till-1" and body == {"card": CARD} and timeout == 0.3
    hub.answer = None  # the hub is away next time: the cache answers
    assert lk.lookup("till-1", CARD) == Preference("qr", "cache", "Hello Ann", 120)
    cache.close()
    dump = "\n".join(sqlite3.connect(tmp_path / "preferences.db").iterdump())
    assert CARD["hmac"] in dump and NUMBER not in dump
    assert NUMBER not in caplog.text


@pytest.mark.parametrize("answer", [{"mode": "email"}, {"mode": "qr", "points_balance": "12"},
                                    {"mode": "qr", "greeting": 5}, ["qr"], {"mode": "qr", "points_balance": True}])
def test_a_wrong_answer_is_not_used(tmp_path, answer, caplog):
    lk, _ = lookup(tmp_path, Hub(answer), default="none")
    assert lk.lookup("till-1", CARD) == Preference("none", "default")
    assert "not usable" in caplog.text


def test_a_late_hub_falls_back_within_the_deadline(tmp_path):
    lk, cache = lookup(tmp_path, Hub({"mode": "none"}, delay=2.0))
    cache.put(CARD, Preference("qr", "hub"))
    t = time.monotonic()
    assert lk.lookup("till-1", CARD).source == "cache"
    assert time.monotonic() - t < 0.6


def test_no_hub_no_cache_gives_the_default(tmp_path):
    lk = PreferenceLookup(None, str, None, "paper")
    assert lk.lookup("till-1", CARD) == Preference("paper", "default")


def test_background_lookup_fills_the_session(tmp_path):
    lk, _ = lookup(tmp_path, Hub({"mode": "none", "greeting": None, "points_balance": None}))
    session = Sessions(180).scan("till-1", CARD)
    lk.start(session)
    assert session.wait_preference(2) == Preference("none", "hub")


def test_parse_answer_keeps_greetings_short():
    pref, _ = parse_answer({"mode": "paper", "greeting": "x" * 500})
    assert len(pref.greeting) == 80


def test_the_hubs_points_rules_come_with_the_answer_and_bad_ones_cost_only_the_plus_n(tmp_path, caplog):
    rules = {"points_per_euro": "1.5", "categories": ["tobacco:(?i)tabak"], "excluded_categories": ["tobacco"],
             "campaigns": ["2026-11-01..2026-11-30 x2"]}
    pref, problem = parse_answer({"mode": "qr", "greeting": None, "points_balance": 7, "points_rules": rules})
    assert problem == "" and pref.points_rules.earn_section() == dict(rules, points_per_euro="1.5")
    for bad in ({"categories": ["no colon"]}, {"points_per_euro": "lots"}, {"categories": [3]}, ["x"]):
        pref, problem = parse_answer({"mode": "qr", "points_balance": 7, "points_rules": bad})
        assert problem == "" and pref.mode == "qr" and pref.points_balance == 7 and pref.points_rules is None
    assert "points_rules are not usable" in caplog.text
    cache = PreferenceCache(tmp_path / "p.db")   # rules are never cached: they may change at the hub
    cache.put(CARD, parse_answer({"mode": "qr", "points_balance": 7, "points_rules": rules})[0])
    assert cache.get(CARD) == Preference("qr", "cache", None, 7)
