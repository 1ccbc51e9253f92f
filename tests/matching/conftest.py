"""Fixtures of the matching tests: hand-made deliveries (`kit`) and one small synth sample."""

from __future__ import annotations

import pytest
from matching_kit import Kit

from boligstoette.synth import SynthConfig, generate


@pytest.fixture
def kit(tmp_path) -> Kit:
    return Kit(tmp_path)


@pytest.fixture(scope="session")
def synth_sample(tmp_path_factory):
    """A small landing folder with tenant changes and misspelt names injected, plus its ground truth."""
    out = tmp_path_factory.mktemp("matching") / "landing"
    generate(SynthConfig(out=out, scale="small", seed=11, month="2026-12",
                         inject={"tenant_changed": 0.03, "bad_cpr": 0.02, "duplicate_active_lease": 0.02,
                                 "lease_ended_by_mistake": 0.02, "org_rows_missing": 0.05},
                         misspell_rate=0.25))
    return out
