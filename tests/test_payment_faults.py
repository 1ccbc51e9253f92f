"""The fault suite: a month's payments under concurrency, kills and bad deliveries.

Every fault ends either with the ledger and the files equal to a clean run's, or with a clear error
and nothing changed. Runs go through the installed `boligstoette run`, as an operator's would.
"""

import hashlib
import os
import re
import signal
import subprocess
import sys
import time
from pathlib import Path

import pandas as pd
import pytest
import sqlalchemy as sa

from boligstoette.rules.rates import RATES_DIR_ENV
from orchestration.resources import AgencyDatabase
from orchestration.warehouse import Warehouse
from tests.conftest import REPO, SAMPLE_MONTH, boligstoette, operator_rates

pytestmark = pytest.mark.slow


class Site:
    """One deployment: landing, output, Dagster instance and asset storage."""

    def __init__(self, root: Path, landing: Path, warehouse_url: str = "", schema: str = ""):
        self.root, self.landing, self.out, self.home = root, landing, root / "out", root / "home"
        self.url = warehouse_url or f"sqlite:///{self.out / 'warehouse.sqlite'}"
        self.env = {"DAGSTER_HOME": str(self.home), "BOLIGSTOETTE_WAREHOUSE_URL": warehouse_url,
                    "BOLIGSTOETTE_WAREHOUSE_SCHEMA": schema, "BOLIGSTOETTE_FAULT_DIR": str(root)}
        self.schema = schema or None

    def args(self) -> list[str]:
        return ["run", "--landing", str(self.landing), "--out", str(self.out), "--month", SAMPLE_MONTH]

    def run(self, check: bool = True, **env) -> subprocess.CompletedProcess:
        return boligstoette(*self.args(), env={**self.env, **env}, check=check)

    def start(self, **env) -> subprocess.Popen:
        exe = Path(sys.executable).with_name("boligstoette")
        return subprocess.Popen([str(exe), *self.args()], cwd=REPO, env={**os.environ, **self.env, **env},
                                stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)

    def ledger(self) -> pd.DataFrame:
        ledger = AgencyDatabase(url=self.url, schema_name=self.schema).ledger()
        return ledger.sort_values("entry_id").reset_index(drop=True)

    def files(self) -> dict[str, str]:
        """sha256 of every payout and hold file of the month (the digest beside them included)."""
        paths = [*(self.out / "payouts" / SAMPLE_MONTH).glob("*"), *(self.out / "payouts" / SAMPLE_MONTH).glob(".*"),
                 self.out / "holds" / f"{SAMPLE_MONTH}.csv"]
        return {p.name: hashlib.sha256(p.read_bytes()).hexdigest() for p in paths if p.is_file()}

    def state(self):
        return self.ledger(), self.files()

    def kill_at(self, point: str) -> None:
        """Start a run, wait until it reaches `point`, kill -9 it."""
        proc = self.start(BOLIGSTOETTE_FAULT_PAUSE=point)
        reached = self.root / f"{point}.reached"
        deadline = time.monotonic() + 300
        while not reached.exists():
            assert proc.poll() is None, f"the run ended before {point}:\n{proc.stdout.read()}"
            assert time.monotonic() < deadline, f"the run never reached {point}"
            time.sleep(0.2)
        proc.send_signal(signal.SIGKILL)
        proc.wait(timeout=60)
        reached.unlink()


@pytest.fixture(scope="module")
def clean(tmp_path_factory, sample_landing):
    """What a clean run of the month books and writes."""
    site = Site(tmp_path_factory.mktemp("clean"), sample_landing)
    site.run()
    ledger, files = site.state()
    assert len(ledger) > 100 and "individuals.csv" in files
    return ledger, files


def _same(site: Site, clean) -> None:
    ledger, files = site.state()
    pd.testing.assert_frame_equal(ledger, clean[0])
    assert files == clean[1]


@pytest.mark.parametrize("point", ["booking", "booked"])
def test_a_run_killed_at_any_point_is_completed_by_the_next_run(tmp_path, sample_landing, clean, point):
    site = Site(tmp_path, sample_landing)
    site.kill_at(point)
    if point == "booking":  # killed inside the ledger transaction: nothing booked
        assert site.ledger().empty
    else:  # booked, files not written: the ledger holds the month, the files are owed
        pd.testing.assert_frame_equal(site.ledger(), clean[0])
        assert "individuals.csv" not in site.files()
    proc = site.run()
    assert re.search(rf"run [0-9a-f-]{{36}} of {SAMPLE_MONTH} was killed while running: marked failed", proc.stdout)
    _same(site, clean)


def test_a_month_booked_without_files_is_completed_by_another_months_run(tmp_path, sample_landing, clean):
    site = Site(tmp_path, sample_landing)
    site.kill_at("booked")
    proc = boligstoette("run", "--landing", str(sample_landing), "--out", str(site.out), "--month", "2027-01",
                        env={**site.env, RATES_DIR_ENV: str(operator_rates(tmp_path / "rates", 2027))}, check=False)
    log = next((site.out / "logs").glob("run_2027-01_*.log")).read_text()
    assert f"month {SAMPLE_MONTH} was booked but its files were never written; written now" in log, proc.stdout
    assert site.files() == clean[1]


def test_two_runs_of_one_month_at_once_pay_once(tmp_path, sample_landing, clean):
    site = Site(tmp_path, sample_landing)
    first, second = site.start(), site.start()
    outputs = [p.communicate(timeout=600)[0] for p in (first, second)]
    codes = sorted(p.returncode for p in (first, second))
    assert codes in ([0, 0], [0, 2]), outputs  # 2: told the month is being computed, nothing done
    _same(site, clean)


@pytest.mark.postgres
def test_two_runs_of_one_month_at_once_pay_once_on_postgres(tmp_path, sample_landing, clean, postgres_schema):
    url, schema = postgres_schema
    site = Site(tmp_path, sample_landing, url, schema)
    first, second = site.start(), site.start()
    outputs = [p.communicate(timeout=600)[0] for p in (first, second)]
    assert sorted(p.returncode for p in (first, second)) in ([0, 0], [0, 2]), outputs
    _same(site, clean)


@pytest.mark.postgres
def test_the_database_connection_killed_mid_booking(tmp_path, sample_landing, clean, postgres_schema):
    url, schema = postgres_schema
    url = f"{url}?application_name={schema}"  # to strike this test's sessions only: the server is shared
    site = Site(tmp_path, sample_landing, url, schema)
    proc = site.start(BOLIGSTOETTE_FAULT_PAUSE="booking")
    while not (tmp_path / "booking.reached").exists():
        assert proc.poll() is None, proc.stdout.read()
        time.sleep(0.2)
    with sa.create_engine(postgres_schema[0]).begin() as conn:  # the booking's session, mid-transaction
        killed = conn.execute(sa.text("SELECT pg_terminate_backend(pid) FROM pg_stat_activity "
                                      "WHERE application_name = :name AND state <> 'idle'"),
                              {"name": schema}).fetchall()
    assert killed
    (tmp_path / "booking.release").touch()
    out = proc.communicate(timeout=600)[0]
    assert proc.returncode == 1, out
    assert site.ledger().empty, "a booking whose connection died must leave nothing"
    (tmp_path / "booking.reached").unlink()
    site.run()
    _same(site, clean)


def test_a_rejected_snapshot_is_never_stored(tmp_path, sample_landing, clean):
    import shutil

    landing = Path(shutil.copytree(sample_landing, tmp_path / "landing"))
    site = Site(tmp_path, landing)
    site.run()
    warehouse = Warehouse(site.url)
    stored = warehouse.read_partitions("register_snapshot", [SAMPLE_MONTH])
    snapshot = sorted((landing / "register").glob("huslejeregister_*.csv"))[-1]
    good = snapshot.read_text(encoding="utf-8")
    snapshot.write_text(good.splitlines()[0] + "\n", encoding="utf-8")  # only its header
    proc = site.run(check=False)
    assert proc.returncode == 1
    assert "not stored, the partition stored before is kept" in proc.stdout
    pd.testing.assert_frame_equal(warehouse.read_partitions("register_snapshot", [SAMPLE_MONTH]), stored)
    _same(site, clean)
    snapshot.write_text(good, encoding="utf-8")
    site.run()
    _same(site, clean)


def _copy(sample_landing, tmp_path) -> Path:
    import shutil

    return Path(shutil.copytree(sample_landing, tmp_path / "landing"))


def test_a_bad_organisation_id_is_refused_at_read_and_the_corrected_delivery_pays(tmp_path, sample_landing, clean):
    landing = _copy(sample_landing, tmp_path)
    site = Site(tmp_path, landing)
    snapshot = sorted((landing / "register").glob("huslejeregister_*.csv"))[-1]
    good = snapshot.read_text(encoding="utf-8")
    header, first, *rest = good.splitlines()
    org = header.split(";").index("org_id")
    fields = first.split(";")
    fields[org] = "1/08"
    snapshot.write_text("\n".join([header, ";".join(fields), *rest]) + "\n", encoding="utf-8")
    proc = site.run(check=False)
    assert proc.returncode == 1
    assert f"{snapshot.name}, line 2, column 'org_id'" in proc.stdout
    assert site.ledger().empty and not (site.out / "payouts").exists()
    snapshot.write_text(good, encoding="utf-8")
    site.run()
    _same(site, clean)


def test_an_empty_applications_delivery_leaves_nothing_that_blocks_the_corrected_one(tmp_path, sample_landing, clean):
    landing = _copy(sample_landing, tmp_path)
    site = Site(tmp_path, landing)
    site.run()
    applications = sorted((landing / "cases").glob("applications_*.csv"))[-1]
    good = applications.read_text(encoding="utf-8")
    applications.write_text(good.splitlines()[0] + "\n", encoding="utf-8")
    site.run()  # a valid, empty delivery: nobody applied
    pd.testing.assert_frame_equal(site.ledger(), clean[0])  # nothing paid, nothing taken back
    applications.write_text(good, encoding="utf-8")
    site.run()
    _same(site, clean)
