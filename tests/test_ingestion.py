"""The main job end to end through `boligstoette run`, on the embedded default and on PostgreSQL
(asset storage AND Dagster instance), reading every ingestion asset back from storage."""

import re
import shutil
from pathlib import Path

import pandas as pd
import pytest
import sqlalchemy as sa

from boligstoette.landing import Landing
from boligstoette.privacy import FULL_CPR, cpr_leaks
from orchestration.warehouse import Warehouse
from tests.conftest import MONTH_READERS as INGESTION
from tests.conftest import REPO, SAMPLE_MONTH, boligstoette


def proc_stdout(tmp_path) -> str:
    return (tmp_path / "run_stdout.txt").read_text()


def _assert_console_summary_matches_the_files(out, stdout):
    """The operator's summary says what the payout files hold, krone for krone."""
    payouts = out / "payouts" / SAMPLE_MONTH
    orgs = pd.concat([pd.read_csv(p, sep=";", dtype={"case_id": str}) for p in payouts.glob("org_*.csv")])
    orgs = orgs[orgs["case_id"] != "TOTAL"]
    people = pd.read_csv(payouts / "individuals.csv", sep=";")
    paid = re.search(r"paid: (\d+) payments, .*: to organisations (\d+) \(([\d ]+)\.00 kr\), "
                     r"to individuals (\d+) \(([\d ]+)\.00 kr\)", stdout)
    assert paid, stdout
    n, n_org, kr_org, n_people, kr_people = (int(g.replace(" ", "")) for g in paid.groups())
    assert (n_org, kr_org) == (int((orgs["amount"] > 0).sum()), int(orgs.loc[orgs["amount"] > 0, "amount"].sum()))
    assert (n_people, kr_people) == (len(people), int(people["amount"].sum()))
    assert n == n_org + n_people > 0
    held = pd.read_csv(out / "holds" / f"{SAMPLE_MONTH}.csv", sep=";")
    expected = ", ".join(f"{code} {k}" for code, k in held["reason_code"].value_counts().sort_index().items())
    assert f"held by reason: {expected}\n" in stdout


def _run_month(landing, tmp_path, env):
    args = ["--landing", str(landing)] if landing else []
    proc = boligstoette("run", *args, "--out", str(tmp_path / "out"), "--month", SAMPLE_MONTH, env=env)
    (tmp_path / "run_stdout.txt").write_text(proc.stdout)
    run_id = re.search(r"run ([0-9a-f-]{36}) succeeded", proc.stdout)
    assert run_id, proc.stdout
    log = Path(re.search(r"Dagster log: +(\S+)", proc.stdout).group(1))
    assert "DEBUG" not in proc.stdout + proc.stderr and "DEBUG" in log.read_text(), "Dagster's log belongs in the file"
    assert not FULL_CPR.search((proc.stdout + proc.stderr).encode() + log.read_bytes()), "a CPR number reached the log"
    return run_id.group(1)


def _assert_stored_equals_landing(warehouse: Warehouse, landing):
    lands = Landing(landing)
    for table, read in INGESTION.items():
        stored = warehouse.read_partitions(table, [SAMPLE_MONTH])
        expected = read(lands).reset_index(drop=True)
        assert len(stored) > 0, table
        pd.testing.assert_frame_equal(stored, expected, obj=table)


def test_run_on_embedded_default_generates_a_sample_when_no_landing_is_given(tmp_path):
    home = tmp_path / "dagster_home"
    run_id = _run_month(None, tmp_path, {"DAGSTER_HOME": str(home), "BOLIGSTOETTE_WAREHOUSE_URL": ""})

    generated = tmp_path / "out" / "sample-landing"
    assert (generated / "register").is_dir()
    out = tmp_path / "out"
    assert list((out / "payouts" / SAMPLE_MONTH).glob("org_*.csv")) and (out / "holds" / f"{SAMPLE_MONTH}.csv").exists()
    # no full CPR in anything an organisation gets, in the Dagster instance (event logs, metadata)
    # or in the Data Docs; only the internal NemKonto file and the agency's own database hold them
    leaks = cpr_leaks([out / "payouts", out / "holds", out / "register_errors", out / "data_docs", home],
                      allowed={out / "payouts" / SAMPLE_MONTH / "individuals.csv"})
    assert leaks == {}
    assert cpr_leaks([out / "payouts" / SAMPLE_MONTH / "individuals.csv"]), "the scanner must see real CPRs"
    _assert_console_summary_matches_the_files(out, proc_stdout(tmp_path))
    _assert_stored_equals_landing(Warehouse(f"sqlite:///{tmp_path / 'out' / 'warehouse.sqlite'}"), generated)
    with sa.create_engine(f"sqlite:///{home / 'history' / 'runs.db'}").connect() as conn:
        status = conn.execute(sa.text("SELECT status FROM runs WHERE run_id = :r"), {"r": run_id}).scalar_one()
    assert status == "SUCCESS"


@pytest.mark.postgres
def test_run_on_postgres_storage_and_instance(sample_landing, tmp_path, postgres_schema):
    url, schema = postgres_schema
    home = tmp_path / "dagster_home"
    home.mkdir()
    shutil.copy(REPO / "deploy" / "dagster.yaml", home / "dagster.yaml")  # the documented production file
    env = {
        "DAGSTER_HOME": str(home),
        "BOLIGSTOETTE_WAREHOUSE_URL": url,
        "BOLIGSTOETTE_WAREHOUSE_SCHEMA": schema,
        "DAGSTER_PG_USER": "postgres", "DAGSTER_PG_PASSWORD": "", "DAGSTER_PG_HOST": "127.0.0.1",
        "DAGSTER_PG_DB": "test", "DAGSTER_PG_PORT": "5432",
    }
    run_id = _run_month(sample_landing, tmp_path, env)

    _assert_stored_equals_landing(Warehouse(url, schema), sample_landing)
    assert not (home / "history").exists(), "the instance must not fall back to SQLite"
    with sa.create_engine(url).connect() as conn:
        status = conn.execute(sa.text("SELECT status FROM runs WHERE run_id = :r"), {"r": run_id}).scalar_one()
        tables = set(sa.inspect(conn).get_table_names(schema=schema))
    assert status == "SUCCESS"
    assert set(INGESTION) <= tables


@pytest.fixture(params=["embedded", pytest.param("postgres", marks=pytest.mark.postgres)])
def warehouse(request, tmp_path):
    if request.param == "embedded":
        return Warehouse(f"sqlite:///{tmp_path / 'w.sqlite'}")
    url, schema = request.getfixturevalue("postgres_schema")
    return Warehouse(url, schema)


def test_partition_replace_is_atomic(warehouse, monkeypatch):
    """A write that fails after the delete and part of the insert leaves the partition as it was."""
    good = pd.DataFrame({"lease_id": ["A", "B"], "rent_monthly_ore": [100, 200]})
    warehouse.replace_partition("t", "2026-12", good)
    warehouse.replace_partition("t", "2026-11", good.head(1))

    real_insert = Warehouse._insert

    def insert_then_fail(self, conn, table, frame):
        real_insert(self, conn, table, frame)
        raise OSError("connection lost during insert")

    monkeypatch.setattr(Warehouse, "_insert", insert_then_fail)
    with pytest.raises(OSError):
        warehouse.replace_partition("t", "2026-12", pd.DataFrame({"lease_id": ["C"], "rent_monthly_ore": [300]}))
    monkeypatch.undo()
    pd.testing.assert_frame_equal(warehouse.read_partitions("t", ["2026-12"]), good)

    with pytest.raises(ValueError, match="other columns"):
        warehouse.replace_partition("t", "2026-12", pd.DataFrame({"lease_id": ["C"], "other": [1]}))
    warehouse.replace_partition("t", "2026-12", good.tail(1).reset_index(drop=True))
    assert warehouse.read_partitions("t", ["2026-12"])["lease_id"].tolist() == ["B"]
    assert warehouse.read_partitions("t", ["2026-11"])["lease_id"].tolist() == ["A"]
    both = warehouse.read_partitions("t", ["2026-11", "2026-12"])
    assert both[["partition_key", "lease_id"]].values.tolist() == [["2026-11", "A"], ["2026-12", "B"]]


def test_blocking_register_check_fails_the_run_without_leaking_cpr(landing, tmp_path):
    """A duplicate lease_id breaks the delivery-level suite: the run exits non-zero, the check says
    which lease, and no CPR number reaches the output, the logs or the event metadata."""
    snapshot = landing / "register" / "huslejeregister_20261115.csv"
    lines = snapshot.read_text(encoding="utf-8").splitlines()
    duplicated = lines[5]
    snapshot.write_text("\n".join([*lines, duplicated]) + "\n", encoding="utf-8")
    lease_id = duplicated.split(";")[lines[0].split(";").index("lease_id")]
    home = tmp_path / "dagster_home"

    proc = boligstoette("run", "--landing", str(landing), "--out", str(tmp_path / "out"), "--month", SAMPLE_MONTH,
                        env={"DAGSTER_HOME": str(home), "BOLIGSTOETTE_WAREHOUSE_URL": ""}, check=False)

    assert proc.returncode == 1
    assert "0 warned, 1 failed\n    failed: register_snapshot:register_snapshot_suite\n" in proc.stdout
    assert f"no payouts for {SAMPLE_MONTH} from this run" in proc.stdout
    cpr = re.compile(r"\b\d{6}-\d{4}\b")
    assert not cpr.search(proc.stdout + proc.stderr)
    with sa.create_engine(f"sqlite:///{home / 'history' / 'runs.db'}").connect() as conn:
        run_id = conn.execute(sa.text("SELECT run_id FROM runs")).scalar_one()
    with sa.create_engine(f"sqlite:///{home / 'history' / 'runs' / f'{run_id}.db'}").connect() as conn:
        events = "\n".join(r[0] for r in conn.execute(sa.text("SELECT event FROM event_logs")))
    assert lease_id in events  # the failing key is shown to the operator
    assert "register_snapshot_suite" in events
    assert not cpr.search(events), "a CPR number reached the Dagster event log"
