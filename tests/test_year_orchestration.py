"""The year end's orchestration: its jobs, schedules and delivery sensor, `boligstoette run`'s rates
preflight and the year report. The yearly assets themselves are never executed here."""

import io
import json
import os
import re
import time
from datetime import datetime
from pathlib import Path
from zoneinfo import ZoneInfo

import dagster as dg
import pandas as pd
import pytest
from rich.console import Console

from orchestration import cli
from orchestration.console import YearReport, print_year_report, summarise_year
from orchestration.definitions import defs
from orchestration.jobs import annual_settlement_in_spring, january_recalculation_in_december
from orchestration.resources import LandingFolder
from orchestration.sensors import assessment_deliveries

CPH = ZoneInfo("Europe/Copenhagen")
YEARLY = {"annual_settlements", "january_recalculation"}


def _tick(schedule, *when: int):
    """The tick at `when` (Copenhagen) as the daemon evaluates it: the partition checked against the job."""
    context = dg.build_schedule_context(scheduled_execution_time=datetime(*when, tzinfo=CPH),
                                        repository_def=defs.get_repository_def())
    return schedule.evaluate_tick(context)


def test_the_spring_schedule_settles_the_year_before():
    [request] = _tick(annual_settlement_in_spring, 2026, 5, 1, 6, 0).run_requests
    assert (request.partition_key, request.run_key) == ("2025", "settlement-2025-spring")


def test_the_december_schedule_recalculates_the_next_january():
    [request] = _tick(january_recalculation_in_december, 2026, 12, 10, 6, 0).run_requests
    assert (request.partition_key, request.run_key) == ("2027", "january-2027")


def test_a_year_before_the_first_benefit_year_is_skipped():
    data = _tick(annual_settlement_in_spring, 2024, 5, 1, 6, 0)  # 2023: before benefit_year starts
    assert not data.run_requests
    assert "2023" in data.skip_message


def test_the_yearly_schedules_fire_on_1_may_and_10_december_in_copenhagen():
    schedules = {s.name: s for s in defs.schedules}
    assert schedules["annual_settlement_in_spring"].cron_schedule == "0 6 1 5 *"
    assert schedules["january_recalculation_in_december"].cron_schedule == "0 6 10 12 *"
    assert {schedules[n].execution_timezone for n in schedules} == {"Europe/Copenhagen"}


def _selected(job_name: str) -> set[str]:
    return {k.to_user_string() for k in defs.resolve_job_def(job_name).asset_layer.selected_asset_keys}


def test_the_month_job_selects_no_yearly_asset_and_the_yearly_jobs_only_them():
    assert not _selected("monthly_benefit_job") & YEARLY
    assert "payouts" in _selected("monthly_benefit_job")
    assert _selected("annual_settlement_job") == {"annual_settlements"}
    assert _selected("january_recalculation_job") == {"january_recalculation"}
    assert _selected("benefit_year_job") == YEARLY


# --- the delivery sensor ---------------------------------------------------------------------------------------


def _sensor_tick(landing: Path, cursor: str | None):
    context = dg.build_sensor_context(cursor=cursor, resources={"landing": LandingFolder(root=str(landing))},
                                      repository_def=defs.get_repository_def())
    return assessment_deliveries.evaluate_tick(context)


def _deliver(landing: Path, name: str, text: str = "cpr;personal_income\n") -> None:
    (landing / "income").mkdir(parents=True, exist_ok=True)
    (landing / "income" / name).write_text(text, encoding="utf-8")


def test_the_sensor_settles_a_year_when_its_assessments_arrive_and_again_on_a_redelivery(tmp_path):
    _deliver(tmp_path, "aarsopgoerelse_2025.csv")
    _deliver(tmp_path, "eindkomst_202512.csv")  # not a settlement delivery
    _deliver(tmp_path, ".aarsopgoerelse_2025_r2.csv.part")  # hidden: an upload in progress
    first = _sensor_tick(tmp_path, None)
    [request] = first.run_requests
    assert request.partition_key == "2025"
    assert re.fullmatch(r"settlement-2025-[0-9a-f]{12}", request.run_key)
    assert list(json.loads(first.cursor)) == ["aarsopgoerelse_2025.csv"]

    again = _sensor_tick(tmp_path, first.cursor)
    assert not again.run_requests and again.skip_message

    _deliver(tmp_path, "aarsopgoerelse_2025_r2.csv", "cpr;personal_income\n0101901234;1\n")
    redelivered = _sensor_tick(tmp_path, again.cursor or first.cursor)
    [second] = redelivered.run_requests
    assert second.partition_key == "2025" and second.run_key != request.run_key


def test_the_sensor_requests_one_run_per_year_for_assessments_and_pension_settlements(tmp_path):
    for name in ("aarsopgoerelse_2024.csv", "pension_settlement_2024.csv", "pension_settlement_2025.csv"):
        _deliver(tmp_path, name)
    requests = _sensor_tick(tmp_path, None).run_requests
    assert sorted(r.partition_key for r in requests) == ["2024", "2025"]


def test_the_sensor_waits_for_a_year_to_end(tmp_path):
    year = datetime.now(CPH).year  # not over yet
    _deliver(tmp_path, f"aarsopgoerelse_{year}.csv")
    _deliver(tmp_path, f"pension_settlement_{year + 1}.csv")
    data = _sensor_tick(tmp_path, None)
    assert not data.run_requests
    assert str(year) in data.skip_message
    assert not json.loads(data.cursor or "{}")  # still new once the year has ended


def test_the_sensor_skips_without_an_income_folder(tmp_path):
    data = _sensor_tick(tmp_path, None)
    assert not data.run_requests and data.skip_message


# --- boligstoette run: the rates preflight ---------------------------------------------------------------------


@pytest.mark.parametrize(("period", "year"), [("--month", "2031-01"), ("--year", "2031")])
def test_run_without_rates_for_the_year_exits_2_before_launching_anything(tmp_path, monkeypatch, capsys, period,
                                                                            year):
    home = tmp_path / "home"
    monkeypatch.setenv("DAGSTER_HOME", str(home))
    monkeypatch.delenv("BOLIGSTOETTE_RATES_DIR", raising=False)
    code = cli.main(["run", "--landing", str(tmp_path / "landing"), "--out", str(tmp_path / "out"), period, year])
    assert code == 2
    printed = capsys.readouterr().out.strip()
    assert len(printed.splitlines()) == 1
    assert "2031" in printed and "BOLIGSTOETTE_RATES_DIR" in printed
    assert not home.exists() and not (tmp_path / "out").exists()  # no instance, no run, no output


def test_month_and_year_are_mutually_exclusive(tmp_path, capsys):
    with pytest.raises(SystemExit) as exit_:
        cli.main(["run", "--out", str(tmp_path), "--month", "2025-12", "--year", "2025"])
    assert exit_.value.code == 2
    assert "not allowed with" in capsys.readouterr().err


# --- the year report -------------------------------------------------------------------------------------------


SETTLEMENTS = pd.DataFrame({
    "case_id": ["C1", "C2", "C3", "C4"], "year": [2025] * 4,
    "paid_ore": [100_000, 200_000, 50_000, 10_000], "final_ore": [150_000, 120_000, 50_100, 10_000],
    "difference_ore": [50_000, -80_000, 100, 0],
    "decision": ["pay_out", "claim_back", "below_threshold", "waiting_pension_settlement"],
    "reopened": [False, True, False, False], "applied_in": ["2026-06", "2026-06", "", ""],
})
JANUARY = pd.DataFrame({
    "case_id": ["C1", "C2"], "year": [2026, 2026], "income_before_ore": [30_000_000, 20_000_000],
    "uprating_percent": [2.9, 2.9], "income_january_ore": [30_870_000, 20_580_000],
    "monthly_december": [150_000, 90_000], "monthly_january": [148_000, 90_000],
    "tax_authority_income_ore": [30_900_000, 20_580_000], "letter": [True, False],
})


def _stand_in_year_run(tmp_path: Path):
    """A run storing frames shaped as the yearly assets' under their names, through the project's IO manager
    (the real assets are not run here); the year report reads them back from the warehouse."""
    from assets.partitions import benefit_year
    from orchestration.warehouse import WarehouseIOManager

    @dg.asset(name="annual_settlements", partitions_def=benefit_year)
    def settlements_stand_in() -> pd.DataFrame:
        return SETTLEMENTS

    @dg.asset(name="january_recalculation", partitions_def=benefit_year)
    def january_stand_in() -> pd.DataFrame:
        return JANUARY

    url = f"sqlite:///{tmp_path / 'warehouse.sqlite'}"
    with dg.instance_for_test() as instance:
        return url, dg.materialize([settlements_stand_in, january_stand_in], partition_key="2025", instance=instance,
                                   resources={"io_manager": WarehouseIOManager(url=url)})


def test_the_year_report_counts_decisions_kroner_and_letters_without_a_person(tmp_path, monkeypatch):
    started = time.time()
    url, result = _stand_in_year_run(tmp_path)
    monkeypatch.setenv("BOLIGSTOETTE_WAREHOUSE_URL", url)
    (tmp_path / "out" / "settlements").mkdir(parents=True)
    (tmp_path / "out" / "settlements" / "2025.csv").write_text("case_id\n", encoding="utf-8")
    report = YearReport.of(result, "2025", tmp_path / "out", tmp_path / "landing", None, started)
    assert report.succeeded and [s.name for s in report.steps] == ["annual_settlements", "january_recalculation"]
    summary = report.summary
    assert summary.settled == {"pay_out": (1, 50_000), "claim_back": (1, -80_000), "below_threshold": (1, 100),
                               "waiting_pension_settlement": (1, 0)}
    assert (summary.reopened, summary.january_cases, summary.letters) == (1, 2, 1)
    assert report.files == {"settlements/2025.csv": 1}
    buffer = io.StringIO()
    print_year_report(Console(file=buffer, width=200), report)
    text = buffer.getvalue()
    assert f"benefit year 2025: run {result.run_id} succeeded" in text
    assert "claim_back: 1, difference -800.00 kr" in text
    assert "annual settlement 2025: 4 rows (a reopening is a row of its own), reopened 1" in text
    assert "1 January 2025: 2 cases recalculated, 1 letters" in text
    assert "files written by this run: 1: settlements/2025.csv (1)" in text
    assert not re.search(r"\b\d{6}-?\d{4}\b", text.replace(result.run_id, ""))  # no CPR number


def test_the_year_report_says_what_was_not_stored():
    summary = summarise_year(None, None)
    report = YearReport(year="2025", run_id="r2", succeeded=False, seconds=1.0, steps=[],
                        checks={"passed": [], "warned": [], "failed": []},
                        failures=["annual_settlements: RatesNotFound"], summary=summary, files={},
                        where={"Dagster instance": os.devnull})
    buffer = io.StringIO()
    print_year_report(Console(file=buffer, width=200), report)
    text = buffer.getvalue()
    assert "FAILED" in text and "no annual settlement of 2025" in text and "no 1 January recalculation" in text
    assert "failed step annual_settlements" in text
