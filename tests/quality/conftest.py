"""Fixtures for the register data-quality tests; helpers live in quality_kit.py."""

from __future__ import annotations

import sys
from pathlib import Path

import pytest

from tests.conftest import SAMPLE_MONTH, boligstoette

sys.path.insert(0, str(Path(__file__).parent))  # quality_kit by name


@pytest.fixture(scope="session")
def injected_landing(tmp_path_factory) -> Path:
    """A small landing folder with every register error kind injected (3 of each, 1 organisation missing)."""
    out = tmp_path_factory.mktemp("quality") / "landing"
    boligstoette("synth", "--out", str(out), "--scale", "small", "--seed", "1", "--month", SAMPLE_MONTH,
                 "--inject-all", "0.005")
    return out


@pytest.fixture(scope="session")
def injected_inputs(injected_landing):
    """(current, previous, bbr, notifications) of the injected sample for benefit month SAMPLE_MONTH.

    Notifications are windowed on the snapshots' days (from the start of the previous snapshot's day):
    see docs/quality.md, 'Notification window'."""
    from quality_kit import snapshot_window_notifications

    from boligstoette.landing import Landing

    landing = Landing(injected_landing)
    current, _ = landing.read_register_snapshot(SAMPLE_MONTH)
    previous, _ = landing.read_previous_register_snapshot(SAMPLE_MONTH)
    bbr, _ = landing.read_bbr_units(SAMPLE_MONTH)
    return current, previous, bbr, snapshot_window_notifications(landing, SAMPLE_MONTH)
