"""Fixtures for the rules tests; helpers live in rules_helpers.py."""

from __future__ import annotations

import sys
from pathlib import Path

import pandas as pd
import pytest

sys.path.insert(0, str(Path(__file__).parent))

from rules_helpers import domain_file  # noqa: E402


@pytest.fixture(scope="session")
def examples() -> pd.DataFrame:
    return pd.read_csv(domain_file("examples.csv"), sep=";", dtype=str, keep_default_na=False)
