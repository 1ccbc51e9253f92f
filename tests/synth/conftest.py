"""Small-scale sample folders, generated once per session (each takes well under a second)."""

from __future__ import annotations

import pytest
from synth_testkit import RATE, Sample, make

from boligstoette.synth import INJECT_KINDS


@pytest.fixture(scope="session")
def clean(tmp_path_factory) -> Sample:
    """No injected errors."""
    return make(tmp_path_factory.mktemp("clean") / "landing", seed=1)


@pytest.fixture(scope="session")
def dirty(tmp_path_factory) -> Sample:
    """Every error kind injected."""
    return make(tmp_path_factory.mktemp("dirty") / "landing", seed=7, inject={k: RATE for k in INJECT_KINDS})


@pytest.fixture(scope="session")
def per_kind(tmp_path_factory):
    """One folder per error kind, that kind alone injected at RATE."""
    cache: dict[str, Sample] = {}

    def get(kind: str) -> Sample:
        if kind not in cache:
            cache[kind] = make(tmp_path_factory.mktemp(kind) / "landing", seed=3, inject={kind: RATE})
        return cache[kind]

    return get
