"""Which deliveries a benefit month reads: cut-off, supersession, windows and re-deliveries."""

import json
import shutil
from datetime import date

import pandas as pd
import pytest

from boligstoette.contracts import ContractError
from boligstoette.landing import Landing, cutoff_date, cutoff_instant, end_of_day
from boligstoette.months import add_months


def test_cutoff_is_in_the_month_before():
    assert cutoff_date("2026-12") == date(2026, 11, 20)
    assert cutoff_date("2027-01", cutoff_day=15) == date(2026, 12, 15)
    assert str(cutoff_instant("2026-12")) == "2026-11-20 23:00:00+00:00"  # end of the 20th, Copenhagen
    assert add_months("2026-01", -1) == "2025-12" and add_months("2026-12", 1) == "2027-01"
    with pytest.raises(ValueError):
        cutoff_date("2026-13")


def test_snapshot_in_force_and_previous_follow_the_cutoff(landing):
    lands = Landing(landing)
    current, previous = lands.register_snapshots("2026-12")
    assert (current.path.name, previous.path.name) == ("huslejeregister_20261115.csv", "huslejeregister_20261015.csv")
    # with the cut-off on the 10th, the November snapshot (15th) is not yet delivered for December
    current, previous = Landing(landing, cutoff_day=10).register_snapshots("2026-12")
    assert (current.path.name, previous.path.name) == ("huslejeregister_20261015.csv", "huslejeregister_20260915.csv")
    # a snapshot delivered after the cut-off is not used; a hidden file (an upload in progress) is not a delivery
    shutil.copy(current.path, landing / "register" / "huslejeregister_20261125.csv")
    shutil.copy(current.path, landing / "register" / ".huslejeregister_20261118.csv.part")
    assert lands.register_snapshots("2026-12")[0].path.name == "huslejeregister_20261115.csv"
    with pytest.raises(FileNotFoundError, match="no register snapshot"):
        lands.register_snapshots("2026-09")


def test_change_notifications_window_dedup_and_order(landing):
    lands = Landing(landing)
    events = lands.read_change_notifications("2026-12")
    assert events["event_id"].is_unique
    assert events["registered_at"].is_monotonic_increasing
    # from the start of the previous snapshot's day (2026-10-15) to the end of the current one's (2026-11-15)
    assert (events["registered_at"] > end_of_day(date(2026, 10, 14))).all()
    assert (events["registered_at"] <= end_of_day(date(2026, 11, 15))).all()
    # the same event delivered again in a later file, and one arriving late, out of order
    first = json.loads((landing / "register_changes").glob("*.jsonl").__next__().read_text().splitlines()[0])
    late = dict(first, event_id="late-1", registered_at="2026-11-03T09:00:00+01:00")
    again = [json.loads(line) for f in sorted((landing / "register_changes").glob("*.jsonl"))
             for line in f.read_text().splitlines() if line.strip()]
    in_window = [e for e in again if "2026-10-16" <= e["registered_at"][:10] <= "2026-11-15"]
    assert in_window, "the sample should have notifications for December"
    (landing / "register_changes" / "changes_20261201T000000.jsonl").write_text(
        "\n".join(json.dumps(e) for e in [late, in_window[0]]) + "\n"
    )
    after = lands.read_change_notifications("2026-12")
    assert len(after) == len(events) + 1
    assert after["event_id"].is_unique and after["registered_at"].is_monotonic_increasing
    assert "late-1" in set(after["event_id"])


def test_later_application_supersedes_and_members_follow_the_latest_delivery(landing):
    lands = Landing(landing)
    apps = lands.read_applications("2026-12")
    members = lands.read_household_members("2026-12")
    case = members.groupby("case_id").size().idxmax()  # a case with several members
    n_members = int((members["case_id"] == case).sum())
    assert n_members > 1
    # a later delivery (still before the cut-off) changes the case's payee and drops a member
    src_apps = pd.read_csv(landing / "cases" / "applications_20261118.csv", sep=";", dtype=str, keep_default_na=False)
    row = src_apps[src_apps["case_id"] == case].assign(payee=lambda d: d["payee"].map(
        {"organisation": "applicant", "applicant": "organisation"}))
    row.to_csv(landing / "cases" / "applications_20261119.csv", sep=";", index=False)
    src_members = pd.read_csv(landing / "cases" / "household_members_20261118.csv", sep=";", dtype=str,
                              keep_default_na=False)
    src_members[src_members["case_id"] == case].iloc[:-1].to_csv(
        landing / "cases" / "household_members_20261119.csv", sep=";", index=False)

    apps_after = lands.read_applications("2026-12")
    members_after = lands.read_household_members("2026-12")
    assert len(apps_after) == len(apps)
    payee = apps.set_index("case_id")["payee"]
    assert apps_after.set_index("case_id").loc[case, "payee"] != payee[case]
    assert int((members_after["case_id"] == case).sum()) == n_members - 1
    assert len(members_after) == len(members) - 1


def test_eindkomst_window_and_redelivery_replaces_the_month(landing):
    lands = Landing(landing)
    income = lands.read_eindkomst("2026-12")
    delivered = [add_months("2026-12", -k) for k in range(12, 1, -1)]  # M-12..M-2
    assert sorted(income["month"].unique()) == delivered
    october = income[income["month"] == "2026-10"]
    # a re-delivery of October with one corrected amount and a later reported_at replaces the month whole
    src = pd.read_csv(landing / "income" / "eindkomst_202610.csv", sep=";", dtype=str, keep_default_na=False)
    src.loc[0, "amount"] = "1.00"
    src["reported_at"] = "2026-11-19T12:00:00+01:00"
    src.iloc[:-1].to_csv(landing / "income" / "eindkomst_202610_r2.csv", sep=";", index=False)
    after = lands.read_eindkomst("2026-12")
    october_after = after[after["month"] == "2026-10"]
    assert len(october_after) == len(october) - 1
    assert (october_after["source_file"] == "eindkomst_202610_r2.csv").all()
    assert october_after["amount_ore"].iloc[0] == 100
    # a row for another month in a month's file is a contract error naming line and column
    src.loc[3, "month"] = "2026-09"
    src.to_csv(landing / "income" / "eindkomst_202610_r3.csv", sep=";", index=False)
    with pytest.raises(ContractError) as err:
        lands.read_eindkomst("2026-12")
    assert err.value.line == 5 and err.value.column == "month"


def test_tax_assessments_years(landing):
    frame = Landing(landing).read_tax_assessments("2026-12")
    kinds = set(zip(frame["kind"], frame["year"], strict=True))
    assert kinds <= {("forskud", 2025), ("forskud", 2026), ("aarsopgoerelse", 2024), ("aarsopgoerelse", 2025)}
    assert ("forskud", 2026) in kinds
    assert frame.loc[frame["kind"] == "aarsopgoerelse", "personal_income_ore"].notna().all()
