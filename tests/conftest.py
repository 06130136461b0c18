"""Shared test setup: where the public corpus is, hypothesis profiles."""

from __future__ import annotations

import os
from pathlib import Path

import pytest
from hypothesis import HealthCheck, settings

ROOT = Path(__file__).resolve().parent.parent
CORPUS = ROOT.parent / "shared" / "corpus"

settings.register_profile("ci", max_examples=150, deadline=None,
                          suppress_health_check=[HealthCheck.too_slow])
settings.register_profile("dev", max_examples=60, deadline=None,
                          suppress_health_check=[HealthCheck.too_slow])
settings.load_profile(os.environ.get("HYPOTHESIS_PROFILE", "ci" if os.environ.get("CI") else "dev"))


@pytest.fixture(scope="session")
def corpus() -> Path:
    """The public ESC/POS corpus (../shared/corpus); skips the test when absent."""
    if not CORPUS.is_dir():
        pytest.skip("../shared/corpus is not present")
    return CORPUS


def pytest_collection_modifyitems(config, items):
    if os.environ.get("RG_HIL"):
        return
    skip = pytest.mark.skip(reason="hardware-in-the-loop: set RG_HIL=1 with the hardware attached")
    for item in items:
        if "hil" in item.keywords:
            item.add_marker(skip)
