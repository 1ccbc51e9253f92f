"""Helpers shared by the rules tests (imported by name; conftest.py only holds fixtures)."""

from __future__ import annotations

import os
from pathlib import Path

import pandas as pd
import pytest
from hypothesis import HealthCheck, settings

REPO = Path(__file__).resolve().parents[2]
SHARED = Path(os.environ.get("BOLIGSTOETTE_SHARED_DIR", REPO.parent / "shared"))
DOMAIN = SHARED / "domain"

# Explicit per-test settings (no global profile: other test folders keep their own).
RULES_SETTINGS = settings(max_examples=int(os.environ.get("RULES_MAX_EXAMPLES", "100")), deadline=None,
                          derandomize=True, suppress_health_check=[HealthCheck.too_slow])

BASE = {
    "case_id": "T1", "year": "2025", "benefit": "boligsikring", "rent_monthly": "5000",
    "area_m2": "50", "persons": "1", "household_income": "150000",
}


def domain_file(name: str) -> Path:
    path = DOMAIN / name
    if not path.exists():
        if os.environ.get("CI") == "true":
            pytest.fail(f"{path} is missing (shared/ must be beside the repo)")
        pytest.skip(f"{path} not available")
    return path


def frame(*rows: dict) -> pd.DataFrame:
    """One DataFrame row per dict, each dict overriding BASE (values given as strings)."""
    return pd.DataFrame([{**BASE, **{k: (str(v).lower() if isinstance(v, bool) else str(v))
                                     for k, v in r.items()}} for r in rows])


def one(**overrides):
    """Compute one household; returns (Computation, row 0 accessor)."""
    from boligstoette.rules.calc import compute
    from boligstoette.rules.parse import parse_households

    c = compute(parse_households(frame(overrides)))
    return Row(c)


class Row:
    """Scalar view of row 0 of a Computation (kroner as floats-free ints in øre)."""

    def __init__(self, c):
        self.c = c

    def __getattr__(self, name):
        import numpy as np

        v = getattr(self.c, name)
        if isinstance(v, dict):
            return {k: int(np.asarray(a)[0]) for k, a in v.items()}
        v = np.asarray(v)
        return v.item() if v.ndim == 0 else v[0].item()

    @property
    def binding_name(self) -> str:
        from boligstoette.rules.limits import BINDING_NAMES

        return BINDING_NAMES[int(self.c.binding[0])]
