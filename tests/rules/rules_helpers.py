"""Helpers shared by the rules tests (imported by name; conftest.py only holds fixtures)."""

from __future__ import annotations

import os
from pathlib import Path

import pandas as pd
import pytest
from hypothesis import HealthCheck, settings

REPO = Path(__file__).resolve().parents[2]
# The project's copies of the shared specification's test data (byte-for-byte; tests/test_shipped_data.py
# checks them against the shared folder whenever it is beside the clone), so a clone alone runs every test.
DATA = REPO / "tests" / "data"
SHIPPED = ("examples.csv", "rates.csv")  # copies of <shared>/domain/<name>
SHARED = Path(os.environ.get("BOLIGSTOETTE_SHARED_DIR", REPO.parent / "shared"))

# Explicit per-test settings (no global profile: other test folders keep their own).
RULES_SETTINGS = settings(max_examples=int(os.environ.get("RULES_MAX_EXAMPLES", "100")), deadline=None,
                          derandomize=True, suppress_health_check=[HealthCheck.too_slow])

BASE = {
    "case_id": "T1", "year": "2025", "benefit": "boligsikring", "rent_monthly": "5000",
    "area_m2": "50", "persons": "1", "household_income": "150000",
}


def domain_file(name: str) -> Path:
    """The shipped copy tests/data/<name> of <shared>/domain/<name>: the one place tests read it from."""
    if name not in SHIPPED:
        raise ValueError(f"{name} is not shipped in tests/data (shipped: {', '.join(SHIPPED)})")
    path = DATA / name
    if not path.is_file():
        pytest.fail(f"{path} is missing: it ships with the repository (copy it from <shared>/domain/{name})")
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
