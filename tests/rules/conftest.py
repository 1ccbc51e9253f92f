"""Fixtures for the rules tests; helpers live in rules_helpers.py."""

from __future__ import annotations

import pandas as pd
import pytest

from tests.rules.rules_helpers import domain_file


@pytest.fixture(scope="session")
def examples() -> pd.DataFrame:
    return pd.read_csv(domain_file("examples.csv"), sep=";", dtype=str, keep_default_na=False)
