"""Integration fixtures: a real mosquitto on a free port (skipped when mosquitto is absent)."""

from __future__ import annotations

import pytest

from tests.mosquitto import Mosquitto, available

needs_mosquitto = pytest.mark.skipif(
    not available(), reason="mosquitto is not installed: run scripts/bootstrap (apt-get install mosquitto)")


@pytest.fixture
def mosquitto_factory(tmp_path):
    """Make brokers with custom config; all are killed at the end of the test."""
    if not available():
        pytest.skip("mosquitto is not installed: run scripts/bootstrap (apt-get install mosquitto)")
    made: list[Mosquitto] = []

    def make(**kwargs) -> Mosquitto:
        broker = Mosquitto(tmp_path / f"broker{len(made)}", **kwargs)
        made.append(broker)
        return broker

    yield make
    for broker in made:
        broker.kill()


@pytest.fixture
def mosquitto(mosquitto_factory) -> Mosquitto:
    """A started broker, anonymous access, no persistence."""
    return mosquitto_factory().start()


@pytest.fixture
def fake_net():
    """A fake TM-T88 on a loopback raw port (`.address`, `.printer` the FakePrinter)."""
    from gateway.printer.fake_printer import FakeNetworkPrinter, FakePrinter

    printer = FakeNetworkPrinter(FakePrinter())
    yield printer
    printer.close()
