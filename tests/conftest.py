import os
import subprocess
import sys
import uuid
from datetime import date
from pathlib import Path

import pytest
import sqlalchemy as sa

REPO = Path(__file__).resolve().parents[1]
SAMPLE_MONTH = "2026-12"
MONTH_READERS = {  # each ingestion asset, read straight from a landing folder for SAMPLE_MONTH
    "register_snapshot": lambda lands: lands.read_register_snapshot(SAMPLE_MONTH)[0],
    "previous_register_snapshot": lambda lands: lands.read_previous_register_snapshot(SAMPLE_MONTH)[0],
    "register_changes": lambda lands: lands.read_change_notifications(SAMPLE_MONTH),
    "bbr_units": lambda lands: lands.read_bbr_units(SAMPLE_MONTH)[0],
    "applications": lambda lands: lands.read_applications(SAMPLE_MONTH),
    "household_members": lambda lands: lands.read_household_members(SAMPLE_MONTH),
    "eindkomst": lambda lands: lands.read_eindkomst(SAMPLE_MONTH),
    "tax_assessments": lambda lands: lands.read_tax_assessments(SAMPLE_MONTH),
}

POSTGRES_URL = os.environ.get("BOLIGSTOETTE_TEST_PG_URL", "postgresql+psycopg2://postgres@127.0.0.1:5432/test")


def boligstoette(*args: str, env: dict | None = None, check: bool = True) -> subprocess.CompletedProcess:
    """Run the installed console script as a user would."""
    exe = Path(sys.executable).with_name("boligstoette")
    proc = subprocess.run(
        [str(exe), *args], capture_output=True, text=True, cwd=REPO, env={**os.environ, **(env or {})}, timeout=600
    )
    if check and proc.returncode != 0:
        raise AssertionError(f"boligstoette {' '.join(args)} exited {proc.returncode}\n{proc.stdout}\n{proc.stderr}")
    return proc


@pytest.fixture(scope="session")
def sample_landing(tmp_path_factory) -> Path:
    """A small generated landing folder for benefit month 2026-12 (read-only: copy before changing)."""
    out = tmp_path_factory.mktemp("sample") / "landing"
    boligstoette("synth", "--out", str(out), "--scale", "small", "--seed", "7", "--month", SAMPLE_MONTH)
    return out


@pytest.fixture
def landing(sample_landing, tmp_path) -> Path:
    """A private copy of the sample landing folder, for tests that change deliveries."""
    import shutil

    return Path(shutil.copytree(sample_landing, tmp_path / "landing"))


def _postgres_reachable() -> str | None:
    try:
        with sa.create_engine(POSTGRES_URL, connect_args={"connect_timeout": 5}).connect() as conn:
            conn.execute(sa.text("SELECT 1"))
        return None
    except Exception as err:  # any failure means unreachable
        return str(err).splitlines()[0]


@pytest.fixture
def postgres_schema():
    """A fresh PostgreSQL schema on the real server, dropped afterwards.

    Unreachable server: skipped on a developer machine, a FAILURE under CI=true.
    """
    problem = _postgres_reachable()
    if problem:
        message = f"PostgreSQL at {POSTGRES_URL} unreachable: {problem}"
        if os.environ.get("CI", "").lower() == "true":
            pytest.fail(message)
        pytest.skip(message)
    schema = f"t_{uuid.uuid4().hex[:12]}"
    yield POSTGRES_URL, schema
    with sa.create_engine(POSTGRES_URL).begin() as conn:
        conn.execute(sa.text(f'DROP SCHEMA IF EXISTS "{schema}" CASCADE'))


def materialize_month(landing: Path, warehouse_url: str, selection=None, month: str = SAMPLE_MONTH,
                      extra_resources: dict | None = None):
    """Materialise the month's assets in process against a given landing folder and warehouse."""
    import dagster as dg

    from orchestration.definitions import ALL_ASSETS
    from orchestration.resources import AgencyDatabase, LandingFolder, OutputFolder
    from orchestration.warehouse import WarehouseIOManager

    return dg.materialize(
        ALL_ASSETS,
        partition_key=month,
        selection=selection,
        resources={
            "landing": LandingFolder(root=str(landing)),
            "io_manager": WarehouseIOManager(url=warehouse_url),
            "database": AgencyDatabase(url=warehouse_url),
            "output": OutputFolder(root=str(landing.parent / "out")),
            **(extra_resources or {}),
        },
        raise_on_error=False,
    )


def operator_rates(folder: Path, year: int) -> Path:
    """An operator's rates folder holding `year`'s rates (2026's figures moved to that year), as
    BOLIGSTOETTE_RATES_DIR names it: a year the release does not hold."""
    import yaml

    from boligstoette.rules.rates import RATES_DIR

    rates = yaml.safe_load((RATES_DIR / "boligstoette_2026.yaml").read_text(encoding="utf-8"))
    rates.update(year=year, valid_from=date(year, 1, 1), valid_to=date(year, 12, 31))
    folder.mkdir(parents=True, exist_ok=True)
    (folder / f"boligstoette_{year}.yaml").write_text(yaml.safe_dump(rates, allow_unicode=True), encoding="utf-8")
    return folder
