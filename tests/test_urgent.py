"""Urgent payout (straks-udbetaling, boligstoette/urgent.py): a hand-made landing folder (tests/test_payouts.py)
with two households that move in mid-June 2025 and apply the next day, one asking for an urgent payout. The
urgent run of 12 June pays its part of June at once; July's monthly run pays it July only, and pays the other
household June and July; the ledger holds each period once."""

import csv
import hashlib
import re
from datetime import date
from pathlib import Path

import dagster as dg
import numpy as np
import pandas as pd
import pytest

from boligstoette.landing import Landing
from boligstoette.payouts import empty_ledger
from boligstoette.timeline import part_of_month
from boligstoette.urgent import payout_date_after, urgent_cases, urgent_entries
from orchestration.warehouse import Warehouse
from tests.conftest import materialize_month
from tests.test_payouts import REGISTER_HEADER, _landing

DAY = date(2025, 6, 12)  # a Thursday: paid Friday 13 June
MOVED_IN, APPLIED = "2025-06-10", "2025-06-11"
C01_MONTHLY_KR = 849  # K1's worked example C01 (2025 rates); K4 and K5 are households like it
# (case, lease, unit, cpr, birth date, name, payee, urgent)
NEWCOMERS = [("K4", "L4", "U4", "060670-1234", "1970-06-06", "Mette Lund", "organisation", "true"),
             ("K5", "L5", "U5", "070770-2345", "1970-07-07", "Bo Lund", "applicant", "false")]


def _rows(path: Path) -> list[dict]:
    with path.open(encoding="utf-8", newline="") as f:
        return list(csv.DictReader(f, delimiter=";"))


def _write(path: Path, rows: list[dict]) -> None:
    with path.open("w", encoding="utf-8", newline="") as f:
        writer = csv.DictWriter(f, fieldnames=list(rows[0]), delimiter=";", lineterminator="\n")
        writer.writeheader()
        writer.writerows(rows)


def _with_newcomers(root: Path, register_birth_date: str | None = None) -> Path:
    """_landing plus K4 (urgent) and K5 (not urgent): moved in on 10 June into new leases that the
    register snapshot of 11 June shows, applied on 11 June; single, rent, dwelling and income as K1.
    The register shows the tenants born on `register_birth_date`, when given, else as their CPR numbers say."""
    landing = _landing(root)
    may = _rows(landing / "register" / "huslejeregister_20250515.csv")
    k1, register = may[0], [dict(r, snapshot_date="2025-06-11") for r in may]
    apps, members = [], []
    for case, lease, unit, cpr, born, name, payee, urgent in NEWCOMERS:
        register.append(dict(k1, snapshot_date="2025-06-11", unit_id=unit, lease_id=lease, tenant_name=name,
                             tenant_cpr=cpr, tenant_birth_date=register_birth_date or born, lease_start=MOVED_IN,
                             address=f"Testvej {unit[1:]}, st. tv", rent_effective_from=MOVED_IN,
                             rent_registered_at="2025-06-05T09:00:00+02:00"))
        apps.append(dict(case_id=case, applicant_cpr=cpr, applicant_name=name, received_date=APPLIED,
                         move_in_date=MOVED_IN, address=f"Testvej {unit[1:]}, st. tv", postal_code="2200",
                         org_id="900", unit_id=unit, payee=payee, urgent=urgent))
        members.append(dict(case_id=case, cpr=cpr, name=name, birth_date=born, role="ansoeger",
                            income_consent="true", joint_liability_signed="true", pension="ingen",
                            mobility_impaired="false", round_the_clock_help="false", member_from="2020-01-01",
                            member_to=""))
        for month in ("202502", "202503", "202504"):
            path = landing / "income" / f"eindkomst_{month}.csv"
            _write(path, [*_rows(path), dict(_rows(path)[0], cpr=cpr)])
        path = landing / "income" / "forskud_2025.csv"
        _write(path, [*_rows(path), dict(_rows(path)[0], cpr=cpr)])
    assert list(register[0]) == REGISTER_HEADER
    _write(landing / "register" / "huslejeregister_20250611.csv", register)
    _write(landing / "cases" / "applications_20250611.csv", apps)
    _write(landing / "cases" / "household_members_20250611.csv", members)
    return landing


def _hashes(folder: Path) -> dict[str, str]:
    return {p.name: hashlib.sha256(p.read_bytes()).hexdigest() for p in sorted(folder.iterdir())}


def _csv(path: Path) -> pd.DataFrame:
    return pd.read_csv(path, sep=";", dtype=str, keep_default_na=False)


def _runs(tmp_path: Path, register_birth_date: str | None = None):
    """(monthly run, urgent run, out folder, warehouse url) on one landing folder, warehouse and output."""
    from orchestration.definitions import URGENT_ASSETS
    from orchestration.resources import AgencyDatabase, LandingFolder, OutputFolder
    from orchestration.warehouse import WarehouseIOManager

    out, url = tmp_path / "out", f"sqlite:///{tmp_path / 'w.sqlite'}"
    landing = _with_newcomers(tmp_path / "landing", register_birth_date)
    resources = {"database": AgencyDatabase(url=url), "output": OutputFolder(root=str(out))}

    def monthly(month: str):
        return materialize_month(landing, url, month=month, extra_resources=resources)

    def urgent(day: date = DAY):
        return dg.materialize(URGENT_ASSETS, partition_key=day.isoformat(), raise_on_error=False, resources={
            **resources, "landing": LandingFolder(root=str(landing)), "io_manager": WarehouseIOManager(url=url)})

    return monthly, urgent, out, url


@pytest.fixture
def runs(tmp_path):
    return _runs(tmp_path)


def _ledger(url: str) -> pd.DataFrame:
    return Warehouse(url).read_table("payment_ledger")


def test_urgent_case_is_paid_its_part_month_at_once_and_never_again(runs):
    monthly, urgent, out, url = runs
    assert monthly("2025-06").success  # June's run (cut-off 20 May) knows neither newcomer
    assert urgent().success

    folder = out / "urgent" / DAY.isoformat()
    assert sorted(p.name for p in folder.iterdir()) == [".ledger_digest", "individuals.csv", "org_900.csv"]
    org = _csv(folder / "org_900.csv")
    part = int(part_of_month(np.array([C01_MONTHLY_KR]), pd.Series([pd.Timestamp(MOVED_IN)]))[0])
    assert part == 594  # 849 kr x 21 days (10-30 June) / 30, rounded half up to the krone
    assert org[["period", "case_id", "lease_id", "amount"]].values.tolist() == [
        ["2025-06", "K4", "L4", str(part)], ["2025-06", "TOTAL", "", str(part)]]
    assert set(org["payout_date"]) == {"2025-06-13"}  # the first bank day after 12 June
    assert org.loc[0, "cpr_masked"] == "060670-0000"
    assert _csv(folder / "individuals.csv").empty  # K5 asked for no urgent payout
    urgent_rows = _ledger(url)[lambda f: f["run_month"] == DAY.isoformat()]
    assert urgent_rows[["case_id", "period", "kind", "amount_ore"]].values.tolist() == [
        ["K4", "2025-06", "payment", part * 100]]

    assert monthly("2025-07").success
    july = _csv(out / "payouts" / "2025-07" / "org_900.csv")
    assert july.loc[july["case_id"] == "K4", ["period", "amount"]].values.tolist() == [
        ["2025-07", str(C01_MONTHLY_KR)]], "July's run pays K4 July, never June again"
    individuals = _csv(out / "payouts" / "2025-07" / "individuals.csv")[lambda f: f["case_id"] == "K5"]
    assert individuals[["period", "case_id", "amount"]].values.tolist() == [
        ["2025-06", "K5", str(part)], ["2025-07", "K5", str(C01_MONTHLY_KR)]], "K5 waits for the monthly run"

    ledger = _ledger(url)
    decided = ledger[ledger["kind"].isin(["payment", "nil"])]
    assert not decided.duplicated(["lease_id", "period"]).any(), "each lease and period is decided once"
    k4 = ledger[ledger["case_id"] == "K4"].sort_values("period")
    assert k4[["run_month", "period", "amount_ore"]].values.tolist() == [
        [DAY.isoformat(), "2025-06", part * 100], ["2025-07", "2025-07", C01_MONTHLY_KR * 100]]


def test_rerunning_an_urgent_day_books_nothing_and_writes_the_same_bytes(runs):
    monthly, urgent, out, url = runs
    assert urgent().success
    folder = out / "urgent" / DAY.isoformat()
    first_files, first_ledger = _hashes(folder), _ledger(url)
    assert urgent().success
    assert _hashes(folder) == first_files
    pd.testing.assert_frame_equal(_ledger(url), first_ledger)

    assert monthly("2025-07").success  # July's run decides June of K5 and July of both
    assert urgent().success  # a rerun after it: still nothing booked, the same files
    assert _hashes(folder) == first_files
    assert len(_ledger(url)[lambda f: f["run_month"] == DAY.isoformat()]) == 1


def test_a_register_finding_holds_the_urgent_payout_too(tmp_path):
    _, urgent, out, url = _runs(tmp_path, register_birth_date="1970-01-01")  # not what the CPR numbers say
    result = urgent()
    assert result.success
    folder = out / "urgent" / DAY.isoformat()
    assert sorted(p.name for p in folder.iterdir()) == [".ledger_digest", "individuals.csv"]
    ledger = _ledger(url)
    assert ledger[["case_id", "period", "kind", "amount_ore", "reason_code"]].values.tolist() == [
        ["K4", "2025-06", "hold", 0, "DQ_CPR_BIRTH_DATE_MISMATCH"]]
    metadata = result.asset_materializations_for_node("urgent_payouts")[0].metadata
    assert metadata["held_by_reason"].data == {"DQ_CPR_BIRTH_DATE_MISMATCH": 1}
    assert not re.search(r"\d{6}-?\d{4}", str({k: v.value for k, v in metadata.items()})), "no CPR in metadata"
    assert urgent().success and _ledger(url).equals(ledger), "the hold is booked once"


def test_only_the_urgent_job_runs_the_urgent_asset():
    from orchestration.definitions import defs

    monthly = defs.resolve_job_def("monthly_benefit_job").asset_layer.selected_asset_keys
    urgent = defs.resolve_job_def("urgent_payout_job").asset_layer.selected_asset_keys
    assert urgent == {dg.AssetKey("urgent_payouts")}
    assert dg.AssetKey("urgent_payouts") not in monthly and dg.AssetKey("payouts") in monthly


def test_a_day_before_the_application_pays_nothing(runs):
    _, urgent, out, url = runs
    assert urgent(date(2025, 6, 10)).success  # moved in, but the application arrives the next day
    folder = out / "urgent" / "2025-06-10"
    assert sorted(p.name for p in folder.iterdir()) == [".ledger_digest", "individuals.csv"]
    assert _ledger(url).empty


def test_the_landing_as_of_a_day_reads_what_was_delivered_by_its_end(tmp_path):
    landing = Landing(_with_newcomers(tmp_path / "landing"))
    before, on = landing.as_of(date(2025, 6, 10)), landing.as_of(DAY)
    assert before.read_register_snapshot("2025-06")[1].path.name == "huslejeregister_20250515.csv"
    assert on.read_register_snapshot("2025-06")[1].path.name == "huslejeregister_20250611.csv"
    assert on.read_previous_register_snapshot("2025-06")[1].path.name == "huslejeregister_20250515.csv"
    assert "K4" not in set(before.read_applications("2025-06")["case_id"])
    assert list(urgent_cases(on.read_applications("2025-06"), DAY)) == ["K4"]
    assert landing.read_register_snapshot("2025-07")[1].path.name == "huslejeregister_20250611.csv"
    assert landing.cutoff("2025-07") == date(2025, 6, 20) and on.cutoff("2025-07") == DAY


@pytest.mark.parametrize("day, expected", [
    (date(2025, 6, 12), date(2025, 6, 13)),   # Thursday -> Friday
    (date(2025, 6, 13), date(2025, 6, 16)),   # Friday -> Monday
    (date(2025, 6, 4), date(2025, 6, 6)),     # 5 June, Constitution Day, is closed
    (date(2025, 12, 23), date(2025, 12, 29)),  # Christmas Eve to Boxing Day, then the weekend
    (date(2025, 12, 31), date(2026, 1, 2)),   # New Year's Day
])
def test_urgent_payout_date_is_the_first_bank_day_after_the_day(day, expected):
    assert payout_date_after(day) == expected


def test_a_period_any_run_decided_is_not_booked_again():
    due = pd.DataFrame([dict(case_id="K4", lease_id="L4", org_id="900", unit_id="U4", payee="organisation",
                             period="2025-06", amount_ore=59400, reason_code="")])
    held = due.iloc[0:0].drop(columns="reason_code").assign(reason_code=pd.Series(dtype="str"))
    first = urgent_entries(DAY, due, held, empty_ledger())
    assert first[["entry_id", "run_month", "kind", "amount_ore"]].values.tolist() == [
        ["L4/2025-06/payment/0", "2025-06-12", "payment", 59400]]
    assert urgent_entries(DAY, due, held, first).empty
    monthly = first.assign(run_month="2025-07", case_id="K9")  # a later monthly run paid it (another case id)
    assert urgent_entries(date(2025, 6, 25), due, held, monthly).empty
    moved = first.assign(run_month="2025-07", lease_id="L9")  # paid for the case on another lease
    assert urgent_entries(date(2025, 6, 25), due, held, moved).empty
