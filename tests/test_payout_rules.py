"""The payout date and the ledger's booking rule, on their own."""

import os
from datetime import date

import pandas as pd
import pytest

from boligstoette import codes
from boligstoette.allowance import calculate_or_hold
from boligstoette.outputs import safe_name
from boligstoette.payouts import (
    book,
    empty_ledger,
    hold_duplicate_cases,
    month_files,
    payout_date,
    publish,
    recoveries,
    unpublished_months,
)
from boligstoette.timeline import open_periods


@pytest.mark.parametrize("month, expected", [
    ("2026-12", date(2026, 12, 1)),   # a Tuesday
    ("2027-01", date(2027, 1, 4)),    # New Year's Day is a Friday, then the weekend
    ("2025-06", date(2025, 6, 2)),    # 1 June is a Sunday
    ("2026-05", date(2026, 5, 1)),    # 1 May is not a bank holiday in Denmark
    ("2024-05", date(2024, 5, 1)),
    ("2027-05", date(2027, 5, 3)),    # a Saturday and Sunday
])
def test_payout_date_is_the_first_danish_bank_day(month, expected):
    assert payout_date(month) == expected


def test_the_day_after_ascension_is_a_bank_holiday():
    from boligstoette.payouts import bank_holidays

    assert date(2026, 5, 15) in bank_holidays(2026)  # Ascension Day 2026 is Thursday 14 May
    assert date(2026, 6, 5) in bank_holidays(2026) and date(2026, 12, 24) in bank_holidays(2026)


def _due(amount_ore, period="2026-12", case="K1", lease="L1"):
    return pd.DataFrame([dict(case_id=case, period=period, amount_ore=amount_ore, payee="organisation",
                              org_id="900", unit_id="U1", lease_id=lease)])


NO_HOLDS = pd.DataFrame(columns=["case_id", "period", "amount_ore", "payee", "org_id", "unit_id", "lease_id",
                                 "reason_code"])


def test_booking_is_the_difference_from_the_ledger():
    first = book("2026-12", _due(84900), NO_HOLDS, empty_ledger())
    assert first[["entry_id", "kind", "amount_ore"]].values.tolist() == [
        ["L1/2026-12/payment/0", "payment", 84900]]
    assert book("2026-12", _due(84900), NO_HOLDS, first).empty  # same due: nothing
    less = book("2026-12", _due(80000), NO_HOLDS, first)
    assert less[["kind", "amount_ore"]].values.tolist() == [["recovery", -4900]]
    more = book("2026-12", _due(90000), NO_HOLDS, pd.concat([first, less]))
    assert more[["entry_id", "kind", "amount_ore"]].values.tolist() == [
        ["L1/2026-12/payment/1", "payment", 10000]]


def test_a_hold_is_booked_once_per_case_period_and_reason():
    held = pd.DataFrame([dict(case_id="K2", period="2026-12", amount_ore=0, payee="applicant", org_id="900",
                              unit_id="U2", lease_id="L2", reason_code="DQ_RENT_DROP")])
    first = book("2026-12", _due(0).iloc[:0], held, empty_ledger())
    assert first[["kind", "reason_code"]].values.tolist() == [["hold", "DQ_RENT_DROP"]]
    assert book("2026-12", _due(0).iloc[:0], held, first).empty


# --- exactly once: a lease is paid once a period, whichever case asks -------------------------------


def test_the_same_lease_is_not_paid_again_under_another_case_id():
    first = book("2026-12", _due(183800, case="K1"), NO_HOLDS, empty_ledger())
    # a second application (or the case id changed between deliveries) for the same lease and month
    assert book("2026-12", _due(183800, case="K2"), NO_HOLDS, first).empty
    # the next month is the lease's own business again
    assert book("2027-01", _due(183800, period="2027-01", case="K2"), NO_HOLDS, first)["amount_ore"].tolist() == [
        183800]


def test_two_cases_due_for_one_lease_and_period_is_refused():
    due = pd.concat([_due(100, case="K1"), _due(100, case="K2")], ignore_index=True)
    with pytest.raises(ValueError, match="two cases are due for lease L1 and period 2026-12"):
        book("2026-12", due, NO_HOLDS, empty_ledger())


def _allowances(*rows):
    return pd.DataFrame([dict(case_id=c, lease_id=lease, status="computed", reason_code="", detail="")
                         for c, lease in rows])


def test_of_two_cases_on_one_lease_the_one_already_paid_is_paid_and_the_other_held():
    ledger = book("2026-11", _due(100, period="2026-11", case="K9"), NO_HOLDS, empty_ledger())
    out = hold_duplicate_cases(_allowances(("K1", "L1"), ("K9", "L1"), ("K5", "L5")), ledger)
    assert out.set_index("case_id")["status"].to_dict() == {"K1": "held", "K9": "computed", "K5": "computed"}
    assert out.set_index("case_id").loc["K1", "reason_code"] == codes.DUPLICATE_CASE_ON_LEASE
    assert out.set_index("case_id").loc["K1", "detail"] == "lease L1 is paid under case K9"
    # nobody paid yet: the lowest case id is paid
    fresh = hold_duplicate_cases(_allowances(("K2", "L1"), ("K1", "L1")), empty_ledger())
    assert fresh.set_index("case_id")["status"].to_dict() == {"K2": "held", "K1": "computed"}


def test_a_recovery_and_an_open_month_follow_the_lease_not_the_case():
    paid = book("2026-11", _due(50000, period="2026-11", case="K1"), NO_HOLDS, empty_ledger())
    register = pd.DataFrame({"lease_id": ["L1"], "lease_end": [pd.Timestamp("2026-10-31")]})
    owed = recoveries("2026-12", paid, register, _due(0, case="K2").iloc[:0])
    assert owed[["case_id", "lease_id", "period", "amount_ore"]].values.tolist() == [["K1", "L1", "2026-11", 0]]
    # the same month already decided by this run (under the new case id): not recovered twice
    assert recoveries("2026-12", paid, register, _due(0, period="2026-11", case="K2")).empty

    held = pd.DataFrame([dict(case_id="K3", period="2026-10", amount_ore=0, payee="organisation", org_id="900",
                              unit_id="U3", lease_id="L3", reason_code="DQ_RENT_DROP")])
    ledger = book("2026-10", _due(0).iloc[:0], held, empty_ledger())
    case = pd.DataFrame({"case_id": ["K3"], "lease_id": ["L3"], "first_benefit_date": [pd.Timestamp("2026-10-01")]})
    # a held month is still open: the December run decides October and November
    assert open_periods(case, "2026-12", "2026-10", ledger)["period"].tolist() == ["2026-10", "2026-11"]
    # the lease was paid for October under another case meanwhile: only November is open
    ledger = pd.concat([ledger, book("2026-10", _due(70000, period="2026-10", case="K4", lease="L3"), NO_HOLDS,
                                     ledger)])
    assert open_periods(case, "2026-12", "2026-10", ledger)["period"].tolist() == ["2026-11"]


# --- one case the calculation cannot take holds that case, not the month ----------------------------


def test_a_value_the_calculation_refuses_holds_only_its_case():
    base = {"year": "2026", "benefit": "boligsikring", "area_m2": "60", "persons": "1",
            "household_income": "150000", "rent_monthly": "5000"}
    rows = pd.DataFrame([{**base, "case_id": "K1"}, {**base, "case_id": "K2", "rent_monthly": "12.345"},
                         {**base, "case_id": "K3", "persons": "x"}, {**base, "case_id": "K4"}])
    result, held = calculate_or_hold(rows)
    assert result["case_id"].tolist() == ["K1", "K4"] and result.index.tolist() == [0, 3]
    assert held["case_id"].tolist() == ["K2", "K3"]
    assert set(held["reason_code"]) == {codes.CALC_INPUT_REJECTED}
    assert held["detail"].str.startswith(("rent_monthly", "persons")).all()


# --- files owed are files written -------------------------------------------------------------------


def _members():
    return pd.DataFrame({"case_id": ["K1"], "role": ["ansoeger"], "cpr": ["010170-1234"],
                         "birth_date": [pd.Timestamp("1970-01-01")]})


def test_a_month_booked_without_its_files_is_found_and_its_files_are_whole(tmp_path):
    ledger = book("2026-12", _due(84900), NO_HOLDS, empty_ledger())
    allowances = pd.DataFrame({"case_id": ["K1", "K2"], "status": ["computed", "held"], "org_id": ["900", "900"],
                               "unit_id": ["U1", "U2"], "reason_code": ["", "DQ_RENT_DROP"], "detail": ["", "x"]})
    assert unpublished_months(tmp_path, ledger) == ["2026-12"]  # booked, nothing written
    old = os.umask(0o022)
    try:
        publish(tmp_path, "2026-12", month_files("2026-12", ledger, allowances, _members()))
    finally:
        os.umask(old)
    assert unpublished_months(tmp_path, ledger) == []
    folder = tmp_path / "payouts" / "2026-12"
    assert sorted(p.name for p in folder.iterdir()) == [".ledger_digest", "individuals.csv", "org_900.csv"]
    assert oct(folder.stat().st_mode & 0o777) == "0o755"
    assert oct((folder / "org_900.csv").stat().st_mode & 0o777) == "0o644"
    assert oct((tmp_path / "holds" / "2026-12.csv").stat().st_mode & 0o777) == "0o644"
    assert not [p for p in (tmp_path / "payouts").iterdir() if p.name.startswith(".")]  # no staging left
    more = pd.concat([ledger, book("2026-12", _due(90000), NO_HOLDS, ledger)])
    assert unpublished_months(tmp_path, more) == ["2026-12"]  # booked again, files not yet rewritten


@pytest.mark.parametrize("name", ["org_1/08.csv", "..", ".hidden", "a\\b", "org_1\0.csv", ""])
def test_an_output_file_name_must_stay_inside_its_folder(name):
    with pytest.raises(ValueError, match="not a safe output file name"):
        safe_name(name)
