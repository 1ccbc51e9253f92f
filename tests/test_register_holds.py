"""Data-quality consequences end to end: an organisation's error holds exactly that organisation,
a lease's error holds exactly that case, and a corrected delivery pays it, missed month included."""

import shutil

import pandas as pd
import pytest

from orchestration.warehouse import Warehouse
from tests.conftest import SAMPLE_MONTH, materialize_month

CURRENT = "register/huslejeregister_20261115.csv"


def _read(path):
    return pd.read_csv(path, sep=";", dtype=str, keep_default_na=False)


def _write(frame, path):
    frame.to_csv(path, sep=";", index=False, lineterminator="\n")


@pytest.fixture
def month(landing, tmp_path):
    url = f"sqlite:///{tmp_path / 'w.sqlite'}"
    out = landing.parent / "out"

    def forget():  # start over: nothing stored, nothing paid
        (tmp_path / "w.sqlite").unlink()
        shutil.rmtree(out)

    def run(month=SAMPLE_MONTH):
        result = materialize_month(landing, url, month=month)
        assert result.success, [e for e in result.all_events if e.is_step_failure]
        allowances = Warehouse(url).read_partitions("provisional_allowances", [month])
        holds = pd.read_csv(out / "holds" / f"{month}.csv", sep=";", dtype=str)
        return allowances, holds

    run.forget = forget
    return run, out


def test_organisation_error_holds_exactly_that_organisation(landing, month):
    run, out = month
    before, _ = run()
    snapshot = _read(landing / CURRENT)
    active = snapshot[snapshot["lease_end"] == ""]
    paid = before[before["status"] == "computed"]
    # a small organisation with paid cases: dropping 30 % of its leases is far below 2 % of the country
    sizes = active.groupby("org_id").size()
    org = sizes[sizes.index.isin(paid["org_id"])].sort_values().index[0]
    drop = active[active["org_id"] == org].index
    unpaid = [i for i in drop if snapshot.loc[i, "lease_id"] not in set(paid["lease_id"])]
    drop = unpaid[: max(1, int(len(drop) * 0.3) + 1)]
    assert len(drop) < 0.02 * len(snapshot)
    _write(snapshot.drop(index=drop), landing / CURRENT)

    after, holds = run()
    held = after[after["reason_code"] == "DQ_ORG_ACTIVE_LEASES_DROPPED"]
    assert set(held["org_id"]) == {org}
    assert set(held["case_id"]) == set(paid.loc[paid["org_id"] == org, "case_id"])
    assert set(holds.loc[holds["reason_code"] == "DQ_ORG_ACTIVE_LEASES_DROPPED", "case_id"]) == set(held["case_id"])
    others = paid[paid["org_id"] != org]
    still = after.set_index("case_id").loc[others["case_id"], "status"]
    assert (still == "computed").all(), "other organisations must still be paid"


def test_lease_error_holds_exactly_that_case_and_a_correction_pays_the_missed_month(landing, month):
    run, out = month
    november = "register/huslejeregister_20261015.csv"  # in force for benefit month 2026-11
    for later, earlier in (("cases/applications_20261118.csv", "cases/applications_20261018.csv"),
                           ("cases/household_members_20261118.csv", "cases/household_members_20261018.csv"),
                           ("bbr/bbr_units_20261110.csv", "bbr/bbr_units_20261010.csv")):
        shutil.copy(landing / later, landing / earlier)  # the same cases and BBR were delivered in October
    before, _ = run("2026-11")
    computed = before["status"] == "computed"
    paid = before[computed & (before["monthly_benefit"] > 0) & (before["payee"] == "organisation")]
    case = paid.iloc[0]
    snapshot = _read(landing / november)
    good = snapshot.copy()
    snapshot.loc[snapshot["lease_id"] == case["lease_id"], "rent_monthly"] = "100.00"  # rent cut by mistake
    _write(snapshot, landing / november)
    run.forget()

    after, holds = run("2026-11")
    held = after[after["status"] == "held"].set_index("case_id")
    assert held.loc[case["case_id"], "reason_code"] == "DQ_RENT_DROP"
    newly_held = set(held.index) - set(before.loc[before["status"] == "held", "case_id"])
    assert newly_held == {case["case_id"]}, "a lease error holds that case and no other"
    assert case["case_id"] in set(holds["case_id"])
    assert case["case_id"] not in (out / "payouts" / "2026-11" / f"org_{case['org_id']}.csv").read_text()

    # the organisation corrects the rent in a new delivery; December pays December and the missed November
    _write(good.assign(snapshot_date="2026-10-16"), landing / "register" / "huslejeregister_20261016.csv")
    december, _ = run("2026-12")
    assert december.set_index("case_id").loc[case["case_id"], "status"] == "computed"
    org_file = pd.read_csv(out / "payouts" / "2026-12" / f"org_{case['org_id']}.csv", sep=";", dtype=str)
    lines = org_file[org_file["case_id"] == case["case_id"]]
    assert sorted(lines["period"]) == ["2026-11", "2026-12"]
    assert (lines["amount"].astype(int) > 0).all()
