"""A case's timeline on its own (boligstoette.timeline, entitlement.nothing_due_reason): go-live, the
periods a run decides, part months, and the three-month rule (RULES.md § 7.1, § 8.2, § 12.7, § 12.9,
§ 12.12; contracts/corrections.md 'Go-live'). Small hand-made frames, ledgers built with `book`, and
the intermediate values asserted along the way."""

import pandas as pd
import pytest

from boligstoette import codes
from boligstoette.entitlement import nothing_due_reason
from boligstoette.months import add_months
from boligstoette.payouts import book, empty_ledger
from boligstoette.privacy import CPR_LIKE
from boligstoette.timeline import (
    BACK_MONTHS,
    FIRST_MONTH_ENV,
    case_ended_letters,
    days_due,
    ended_cases,
    go_live,
    open_periods,
    part_of_month,
    reapplication_starts,
    three_months_without_income,
)

INCOME, RENT_ZERO, HOUSEHOLD = codes.NO_BENEFIT_INCOME, codes.NO_BENEFIT_RENT_ZERO, codes.NO_BENEFIT_HOUSEHOLD_CHANGED
ROW_COLUMNS = ["case_id", "period", "amount_ore", "payee", "org_id", "unit_id", "lease_id", "reason_code"]


# --- building ledgers with the real booking rule -------------------------------------------------


def _row(case: str, period: str, amount_ore: int = 0, lease: str | None = "L1", reason: str = "") -> dict:
    return dict(case_id=case, period=period, amount_ore=amount_ore, payee="organisation", org_id="900",
                unit_id="U" + (lease or "0"), lease_id=lease, reason_code=reason)


def _frame(rows) -> pd.DataFrame:
    return pd.DataFrame(list(rows), columns=ROW_COLUMNS).astype({"amount_ore": "int64"})


def _run(ledger: pd.DataFrame, run_month: str, due=(), held=(), once=()) -> pd.DataFrame:
    """The ledger after a run of `run_month` booked `due`, `held` and `once` ((kind, row) pairs)."""
    extra = pd.DataFrame([{**row, "kind": kind} for kind, row in once]) if once else None
    entries = book(run_month, _frame(due), _frame(held), ledger, extra)
    return pd.concat([ledger, entries], ignore_index=True)


def _cases(*rows: tuple) -> pd.DataFrame:
    """(case_id, lease_id, first_benefit_date or None)."""
    frame = pd.DataFrame(rows, columns=["case_id", "lease_id", "first_benefit_date"])
    return frame.assign(first_benefit_date=pd.to_datetime(frame["first_benefit_date"]))


def _periods(frame: pd.DataFrame) -> list[tuple[str, str, str]]:
    return [(c, p, d.strftime("%Y-%m-%d")) for c, p, d in frame[["case_id", "period", "day"]].itertuples(index=False)]


# --- go-live ------------------------------------------------------------------------------------


def test_go_live_the_configured_month_wins_over_the_ledger():
    ledger = _run(empty_ledger(), "2026-01", due=[_row("K1", "2026-01", 50000)])
    assert go_live(ledger, "2026-12", "2026-06") == "2026-06"
    assert go_live(empty_ledger(), "2026-12", "2027-03") == "2027-03"  # even one after the month run


@pytest.mark.parametrize("configured", ["2026-13", "2026-00", "2026-3", "26-03", "2026-03-01", "marts", " 2026-03"])
def test_go_live_a_malformed_configured_month_is_an_error_naming_the_setting(configured):
    with pytest.raises(ValueError, match=FIRST_MONTH_ENV):
        go_live(empty_ledger(), "2026-12", configured)


def test_go_live_without_configuration_is_the_earliest_run_month_of_the_ledger():
    ledger = _run(empty_ledger(), "2026-10", due=[_row("K1", "2026-10", 50000)])
    ledger = _run(ledger, "2026-09", due=[_row("K2", "2026-09", 40000, lease="L2")])
    assert sorted(ledger["run_month"]) == ["2026-09", "2026-10"]
    assert go_live(ledger, "2026-12") == "2026-09"
    assert go_live(ledger, "2026-12", "") == "2026-09"  # an empty setting is no setting
    # an urgent run is booked under its day: its month counts
    urgent = ledger.assign(run_month=["2026-10", "2026-08-14"])
    assert go_live(urgent, "2026-12") == "2026-08"
    # a month earlier than every run (a back-filled month) is itself the earliest
    assert go_live(ledger, "2026-05") == "2026-05"


def test_go_live_of_an_empty_ledger_is_the_month_itself():
    assert go_live(empty_ledger(), "2026-12") == "2026-12"
    assert go_live(empty_ledger(), "2026-12", None) == "2026-12"


# --- open periods -------------------------------------------------------------------------------


def test_back_months_run_from_the_first_benefit_day_and_the_first_month_keeps_its_day():
    cases = _cases(("K1", "L1", "2026-09-25"))
    got = open_periods(cases, "2026-12", "2026-01", empty_ledger())
    assert list(got.columns) == ["case_id", "lease_id", "period", "day"]
    # the first month from the 25th, every later month from the 1st; December itself is not a back month
    assert _periods(got) == [("K1", "2026-09", "2026-09-25"), ("K1", "2026-10", "2026-10-01"),
                             ("K1", "2026-11", "2026-11-01")]
    due, in_month = days_due(got["day"])
    assert due.tolist() == [6, 31, 30] and in_month.tolist() == [30, 31, 30]
    assert got["lease_id"].tolist() == ["L1"] * 3


def test_no_back_months_before_go_live_and_the_go_live_month_is_whole():
    cases = _cases(("K1", "L1", "2026-06-10"))
    got = open_periods(cases, "2026-12", "2026-10", empty_ledger())
    assert _periods(got) == [("K1", "2026-10", "2026-10-01"), ("K1", "2026-11", "2026-11-01")]


def test_back_months_reach_twelve_months_back_and_no_further():
    cases = _cases(("K1", "L1", "2024-01-01"))
    got = open_periods(cases, "2026-12", "2020-01", empty_ledger())
    floor = add_months("2026-12", -BACK_MONTHS)
    assert floor == "2025-12"
    assert got["period"].tolist() == [add_months(floor, k) for k in range(BACK_MONTHS)]
    assert got["period"].iloc[-1] == "2026-11" and (got["day"].dt.day == 1).all()


def test_a_case_starting_this_month_or_later_or_without_a_start_has_no_back_months():
    cases = _cases(("K1", "L1", "2026-12-15"), ("K2", "L2", "2027-02-01"), ("K3", "L3", None))
    got = open_periods(cases, "2026-12", "2026-01", empty_ledger())
    assert got.empty and list(got.columns) == ["case_id", "lease_id", "period", "day"]


def test_held_periods_stay_open_and_decided_ones_do_not():
    ledger = _run(empty_ledger(), "2026-09", held=[_row("K1", "2026-09", 0, reason="DQ_RENT_DROP")])
    ledger = _run(ledger, "2026-10", due=[_row("K1", "2026-10", 50000)])  # paid
    ledger = _run(ledger, "2026-11", due=[_row("K1", "2026-11", 0, reason=INCOME)])  # nothing due: nil
    assert ledger["kind"].tolist() == ["hold", "payment", "nil"]
    cases = _cases(("K1", "L1", "2026-09-01"))
    assert open_periods(cases, "2026-12", "2026-01", ledger)["period"].tolist() == ["2026-09"]


def test_a_period_decided_under_another_case_on_the_lease_or_for_the_case_on_another_lease_is_not_open():
    ledger = _run(empty_ledger(), "2026-10", due=[_row("K9", "2026-10", 50000, lease="L1")])  # same lease
    ledger = _run(ledger, "2026-11", due=[_row("K1", "2026-11", 60000, lease="L7")])  # same case, old lease
    cases = _cases(("K1", "L1", "2026-09-01"))
    assert _periods(open_periods(cases, "2026-12", "2026-01", ledger)) == [("K1", "2026-09", "2026-09-01")]


def test_a_case_without_a_lease_is_keyed_by_the_case():
    ledger = _run(empty_ledger(), "2026-10", due=[_row("K1", "2026-10", 0, lease=None, reason=INCOME)])
    assert ledger["entry_id"].tolist() == ["case:K1/2026-10/nil/0"]
    cases = _cases(("K1", None, "2026-10-01"))
    got = open_periods(cases, "2026-12", "2026-01", ledger)
    assert got["period"].tolist() == ["2026-11"]


def test_no_period_after_the_three_month_rule_ended_the_case_is_open():
    ended = [("case_ended", _row("K1", "2026-09", reason=codes.CASE_ENDED_INCOME))]
    ledger = _run(empty_ledger(), "2026-09", once=ended)
    cases = _cases(("K1", "L1", "2026-07-01"), ("K2", "L2", "2026-07-01"))
    got = open_periods(cases, "2026-12", "2026-01", ledger)
    # the third month itself is still the case's; K2 (not ended) keeps every month
    assert got.groupby("case_id")["period"].apply(list).to_dict() == {
        "K1": ["2026-07", "2026-08", "2026-09"],
        "K2": ["2026-07", "2026-08", "2026-09", "2026-10", "2026-11"],
    }


def test_a_rerun_of_a_month_ignores_its_own_entries_and_decides_the_same_periods():
    cases = _cases(("K1", "L1", "2026-10-20"))
    before = open_periods(cases, "2026-12", "2026-01", empty_ledger())
    assert _periods(before) == [("K1", "2026-10", "2026-10-20"), ("K1", "2026-11", "2026-11-01")]
    # the December run pays both back months, finds nothing due for December and ends the case after it
    ledger = _run(empty_ledger(), "2026-12", due=[_row("K1", "2026-10", 20000), _row("K1", "2026-11", 50000),
                                                  _row("K1", "2026-12", 0, reason=INCOME)],
                  once=[("case_ended", _row("K1", "2026-12", reason=codes.CASE_ENDED_INCOME))])
    assert sorted(ledger["kind"]) == ["case_ended", "nil", "payment", "payment"]
    again = open_periods(cases, "2026-12", "2026-01", ledger)
    pd.testing.assert_frame_equal(again, before)
    # the next month's run sees them decided (and nothing after December)
    assert open_periods(cases, "2027-01", "2026-01", ledger).empty
    # without December's nil, December itself (the third month) would still be open; January never is
    no_nil = ledger[ledger["kind"] != "nil"]
    assert open_periods(cases, "2027-02", "2026-01", no_nil)["period"].tolist() == ["2026-12"]
    # a later month's run is not seen by a rerun of an earlier one either
    later = _run(empty_ledger(), "2027-01", due=[_row("K1", "2026-11", 50000)])
    assert open_periods(cases, "2026-12", "2026-01", later)["period"].tolist() == ["2026-10", "2026-11"]


def test_open_periods_of_several_cases_are_sorted_by_case_then_period():
    cases = _cases(("K2", "L2", "2026-10-01"), ("K1", "L1", "2026-11-05"))
    got = open_periods(cases, "2026-12", "2026-01", empty_ledger())
    assert _periods(got) == [("K1", "2026-11", "2026-11-05"), ("K2", "2026-10", "2026-10-01"),
                             ("K2", "2026-11", "2026-11-01")]
    assert got["lease_id"].tolist() == ["L1", "L2", "L2"]


# --- part months (RULES § 7.1, § 12.9) ------------------------------------------------------------


@pytest.mark.parametrize("day, due, in_month", [
    ("2026-04-25", 6, 30),   # 25..30 April
    ("2026-04-01", 30, 30),  # the 1st: the whole month
    ("2026-04-30", 1, 30),
    ("2026-01-25", 7, 31),   # a 31-day month
    ("2026-01-01", 31, 31),
    ("2025-02-25", 4, 28),   # February
    ("2024-02-25", 5, 29),   # February of a leap year
    ("2024-02-29", 1, 29),
])
def test_days_due_from_the_reference_day_to_the_months_end(day, due, in_month):
    got_due, got_in_month = days_due(pd.Series([pd.Timestamp(day)]))
    assert (got_due.tolist(), got_in_month.tolist()) == ([due], [in_month])


@pytest.mark.parametrize("monthly_kr, day, expected_kr", [
    (3393, "2026-04-25", 679),   # 3393 x 6 / 30 = 678.6
    (3393, "2026-04-01", 3393),  # the 1st: the whole month, unrounded
    (3393, "2026-01-01", 3393),
    (1001, "2026-04-16", 501),   # 1001 x 15 / 30 = 500.5: half up (not to even: 500)
    (1003, "2026-04-16", 502),   # 501.5: half up
    (3, "2026-04-26", 1),        # 3 x 5 / 30 = 0.5
    (2, "2026-04-26", 0),        # 2 x 5 / 30 = 0.33
    (3100, "2026-01-25", 700),   # 3100 x 7 / 31 = 700 exactly
    (2800, "2025-02-25", 400),   # 2800 x 4 / 28
    (2900, "2024-02-25", 500),   # 2900 x 5 / 29 (leap year)
    (2800, "2024-02-25", 483),   # 2800 x 5 / 29 = 482.76
    (0, "2026-04-25", 0),
])
def test_part_of_month_pays_the_days_rounded_half_up_to_whole_kroner(monthly_kr, day, expected_kr):
    got = part_of_month([monthly_kr], pd.Series([pd.Timestamp(day)]))
    assert got.tolist() == [expected_kr]


def test_part_of_month_is_vectorised_and_takes_text_days():
    got = part_of_month([3393, 3393, 1001], pd.Series(["2026-04-25", "2026-05-01", "2026-04-16"]))
    assert got.tolist() == [679, 3393, 501]


# --- why nothing is due (RULES § 8.2, § 12.6, § 12.12) ---------------------------------------------


def _computed(*rows: tuple) -> pd.DataFrame:
    """(case_id, status, amount_ore, rent_monthly, adults_key)."""
    frame = pd.DataFrame(rows, columns=["case_id", "status", "amount_ore", "rent_monthly", "adults_key"])
    return frame.astype({"amount_ore": "int64"})


def test_nothing_due_reason_rent_zero_then_household_changed_then_income():
    frame = _computed(
        ("K1", "computed", 0, "0.00", "A"),       # a rent-free month
        ("K2", "computed", 0, "5400.00", "B"),    # adults differ from the month before
        ("K3", "computed", 0, "5400.00", "A"),    # same adults: income
        ("K4", "computed", 0, "5400.00", "A"),    # no month before known: income
        ("K5", "computed", 84900, "5400.00", "B"),  # something due: no reason, changed or not
        ("K6", "held", 0, "5400.00", "A"),        # not computed: no reason
        ("K7", "computed", 0, "0", "B"),          # rent 0 wins over a changed household
        ("K8", "no_payout", 0, "0.00", "A"),
    )
    before = pd.Series({"K1": "A", "K2": "A", "K3": "A", "K5": "A", "K6": "A", "K7": "A", "K8": "B"})
    got = nothing_due_reason(frame, before)
    assert got.index.equals(frame.index)
    assert got.tolist() == [RENT_ZERO, HOUSEHOLD, INCOME, INCOME, "", "", RENT_ZERO, ""]


def test_nothing_due_reason_without_a_month_before_is_income_or_rent_zero():
    frame = _computed(("K1", "computed", 0, "5400.00", "A"), ("K2", "computed", 0, "0.00", "A"),
                      ("K3", "computed", 0, None, "A"))
    assert nothing_due_reason(frame, pd.Series(dtype="str")).tolist() == [INCOME, RENT_ZERO, INCOME]


# --- the three-month rule (RULES § 12.12, § 8.2) ----------------------------------------------------


def _nil_months(*months_and_reasons: tuple[str, str], case: str = "K1") -> pd.DataFrame:
    """A ledger where each (month, reason) was decided by its own run with nothing due."""
    ledger = empty_ledger()
    for month, reason in months_and_reasons:
        ledger = _run(ledger, month, due=[_row(case, month, 0, reason=reason)])
    return ledger


def test_three_income_months_in_a_row_end_the_case():
    ledger = _nil_months(("2026-10", INCOME), ("2026-11", INCOME))
    assert ledger[["entry_id", "kind", "reason_code"]].values.tolist() == [
        ["L1/2026-10/nil/0", "nil", INCOME], ["L1/2026-11/nil/0", "nil", INCOME]]
    now = pd.Series({"K1": INCOME, "K2": INCOME})  # K2 has no nil months before
    got = three_months_without_income(ledger, "2026-12", now)
    assert got.tolist() == ["K1"] and got.name == "case_id"


@pytest.mark.parametrize("reason", [RENT_ZERO, HOUSEHOLD, ""])
def test_this_month_not_for_income_breaks_the_run(reason):
    ledger = _nil_months(("2026-10", INCOME), ("2026-11", INCOME))
    assert three_months_without_income(ledger, "2026-12", pd.Series({"K1": reason})).empty


@pytest.mark.parametrize("reason", [RENT_ZERO, HOUSEHOLD])
def test_a_month_before_with_nothing_due_for_another_reason_breaks_the_run(reason):
    for months in ([("2026-10", reason), ("2026-11", INCOME)], [("2026-10", INCOME), ("2026-11", reason)]):
        ledger = _nil_months(*months)
        assert sorted(ledger["reason_code"]) == sorted([INCOME, reason])
        assert three_months_without_income(ledger, "2026-12", pd.Series({"K1": INCOME})).empty


def test_a_paid_or_held_month_breaks_the_run_and_two_months_are_not_three():
    paid = _run(_nil_months(("2026-10", INCOME)), "2026-11", due=[_row("K1", "2026-11", 25000)])
    assert paid["kind"].tolist() == ["nil", "payment"]
    held = _run(_nil_months(("2026-10", INCOME)), "2026-11", held=[_row("K1", "2026-11", reason="DQ_RENT_DROP")])
    assert held["kind"].tolist() == ["nil", "hold"]
    only_one_before = _nil_months(("2026-11", INCOME))
    gap = _nil_months(("2026-09", INCOME), ("2026-11", INCOME))
    for ledger in (paid, held, only_one_before, gap):
        assert three_months_without_income(ledger, "2026-12", pd.Series({"K1": INCOME})).empty


def test_a_back_month_decided_nil_by_a_later_run_counts_and_a_later_months_run_does_not():
    # October decided (nil) by the November run as a back month, November by its own run
    back = _run(empty_ledger(), "2026-11", due=[_row("K1", "2026-10", 0, reason=INCOME),
                                               _row("K1", "2026-11", 0, reason=INCOME)])
    assert back["run_month"].tolist() == ["2026-11", "2026-11"]
    assert three_months_without_income(back, "2026-12", pd.Series({"K1": INCOME})).tolist() == ["K1"]
    # November decided only by the January run: a rerun of December does not see it
    late = _run(_nil_months(("2026-10", INCOME)), "2027-01", due=[_row("K1", "2026-11", 0, reason=INCOME)])
    assert three_months_without_income(late, "2026-12", pd.Series({"K1": INCOME})).empty


def test_the_case_ended_entry_is_booked_once_and_a_rerun_books_nothing():
    ledger = _nil_months(("2026-10", INCOME), ("2026-11", INCOME))
    ending = three_months_without_income(ledger, "2026-12", pd.Series({"K1": INCOME}))
    once = [("case_ended", _row(case, "2026-12", reason=codes.CASE_ENDED_INCOME)) for case in ending]
    ledger = _run(ledger, "2026-12", due=[_row("K1", "2026-12", 0, reason=INCOME)], once=once)
    new = ledger[ledger["run_month"] == "2026-12"]
    assert new[["entry_id", "kind"]].values.tolist() == [["L1/2026-12/case_ended/0", "case_ended"],
                                                         ["L1/2026-12/nil/0", "nil"]]
    # the rerun finds the same case, and books neither the nil nor the ending again
    assert three_months_without_income(ledger, "2026-12", pd.Series({"K1": INCOME})).tolist() == ["K1"]
    rerun = _run(ledger, "2026-12", due=[_row("K1", "2026-12", 0, reason=INCOME)], once=once)
    assert len(rerun) == len(ledger)


def test_ended_cases_are_those_ended_before_the_month():
    ledger = _run(empty_ledger(), "2026-12", once=[("case_ended", _row("K1", "2026-12"))])
    ledger = _run(ledger, "2026-10", once=[("case_ended", _row("K2", "2026-10", lease="L2"))])
    assert ended_cases(ledger, "2026-12").to_dict() == {"K2": "2026-10"}  # K1 ends after December
    assert ended_cases(ledger, "2027-01").to_dict() == {"K1": "2026-12", "K2": "2026-10"}
    assert ended_cases(ledger, "2026-10").empty  # K2 ends after October
    assert ended_cases(ledger, "2026-11").to_dict() == {"K2": "2026-10"}


# --- a timely reapplication (RULES § 12.12) ----------------------------------------------------------


def _applications(*rows: tuple) -> pd.DataFrame:
    """(case_id, applicant_cpr, received_date)."""
    frame = pd.DataFrame(rows, columns=["case_id", "applicant_cpr", "received_date"])
    return frame.assign(received_date=pd.to_datetime(frame["received_date"]))


ENDED = pd.Series({"K1": "2026-10"})  # K1's third month without income was October


@pytest.mark.parametrize("received, start", [
    ("2026-10-05", "2026-11-01"),  # during the third month
    ("2026-11-20", "2026-11-01"),  # in the month after it: from its 1st
    ("2026-11-30", "2026-11-01"),  # its last day
    ("2026-12-01", None),          # later: no override (the ordinary rule applies)
])
def test_a_reapplication_by_the_end_of_the_month_after_the_third_month_starts_on_its_first(received, start):
    assert add_months(ENDED["K1"], 1) == "2026-11"
    apps = _applications(("K1", "0101801234", "2026-01-10"), ("K2", "0101801234", received))
    got = reapplication_starts(apps, ENDED)
    assert got.to_dict() == ({"K2": pd.Timestamp(start)} if start else {})


def test_only_the_same_applicant_with_another_case_reapplies():
    apps = _applications(("K1", "0101801234", "2026-01-10"), ("K3", "0202802345", "2026-11-05"))
    assert reapplication_starts(apps, ENDED).empty
    assert reapplication_starts(apps, pd.Series(dtype="str")).empty


def test_an_application_received_before_the_case_ended_is_no_reapplication():
    apps = _applications(("K0", "0101801234", "2025-01-05"),  # an earlier case of the applicant
                         ("K1", "0101801234", "2026-01-10"),
                         ("K2", "0101801234", "2026-11-20"))
    assert reapplication_starts(apps, ENDED).to_dict() == {"K2": pd.Timestamp("2026-11-01")}


# --- the letter ------------------------------------------------------------------------------------


def test_case_ended_letters_per_ending_booked_this_month_without_cpr():
    ledger = _run(empty_ledger(), "2026-11", once=[("case_ended", _row("K2", "2026-11", lease="L2"))])
    ledger = _run(ledger, "2026-12", once=[("case_ended", _row("K1", "2026-12"))])
    cpr = pd.Series({"K1": "0101801234", "K2": "0202802345"})
    letters = case_ended_letters("2026-12", ledger, cpr)
    assert letters[["letter_id", "case_id", "recipient_cpr", "kind", "period"]].values.tolist() == [
        ["2026-12/case_ended_income/K1/2026-12", "K1", "0101801234", "case_ended_income", "2026-12"]]
    assert letters["amount_ore"].isna().all() and letters["respond_by"].isna().all()
    body = letters["body"].iloc[0]
    assert "til og med 2026-12" in body and "inden udgangen af 2027-01" in body and "den 1. i 2027-01" in body
    assert not CPR_LIKE.search(body) and "0101801234" not in body
    # stable across a rerun: same ids and bytes
    pd.testing.assert_frame_equal(case_ended_letters("2026-12", ledger, cpr), letters)
    assert case_ended_letters("2027-01", ledger, cpr).empty


def test_a_case_ended_letter_without_a_known_recipient_has_an_empty_cpr():
    ledger = _run(empty_ledger(), "2026-12", once=[("case_ended", _row("K1", "2026-12"))])
    letters = case_ended_letters("2026-12", ledger, pd.Series({"K9": "0909809999"}))
    assert letters["recipient_cpr"].tolist() == [""]
