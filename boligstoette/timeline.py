"""A case's timeline: which periods a benefit month's run decides, and how much of a month is due.

A run for benefit month M decides M itself (the provisional allowance) and every earlier period of
the case that no run has decided yet, when the rules now allow it to be paid: the back months from
the first benefit day (RULES.md § 7.1, § 12.9), months held and since released, months of a lease
ended by mistake and reopened. Such a period is computed as of its own month (its rent, its
household, the best income known) and paid at that amount. A period is decided once the ledger has
paid it or recorded that nothing was due (boligstoette.payouts.decided); periods decided are changed
only by the lookback, recoveries and the annual settlement.

Decisions where the law leaves room (README, 'Benefit over time'):
- Open periods are looked for up to BACK_MONTHS before M, never before go-live
  (`BOLIGSTOETTE_FIRST_MONTH`, else the earliest benefit month the ledger has a run of).
- A part month (benefit from the 25th) is paid for its days: the month's benefit x days from the first
  benefit day to the month's end / days in the month, rounded half up to whole kroner. The household
  and rent of that month are those of the first benefit day.
- A lease ending within a month keeps the whole month (RULES.md § 12.7).
"""

import numpy as np
import pandas as pd

from boligstoette import codes
from boligstoette.eligibility import reference_days
from boligstoette.months import MONTH, add_months
from boligstoette.payouts import decided, seen_by

BACK_MONTHS = 12
"""How far back a run looks for periods still to decide (a year: older ones go to the settlement)."""
FIRST_MONTH_ENV = "BOLIGSTOETTE_FIRST_MONTH"


def go_live(ledger: pd.DataFrame, month: str, configured: str | None = None) -> str:
    """The platform's first benefit month (contracts/corrections.md, 'Go-live'): the configured one,
    else the earliest benefit month ever run against this ledger (this one when it is the first)."""
    if configured:
        if not MONTH.fullmatch(configured):
            raise ValueError(f"{FIRST_MONTH_ENV} must be a month YYYY-MM, got {configured!r}")
        return configured
    return min([month, *ledger["run_month"].astype(str).str[:7]]) if len(ledger) else month


def open_periods(cases: pd.DataFrame, month: str, first_month: str, ledger: pd.DataFrame) -> pd.DataFrame:
    """Earlier periods of `cases` (case_id, lease_id, first_benefit_date) that no run before `month`
    has decided: case_id, lease_id, period, day (the period's reference day). From the case's first
    benefit month, go-live and BACK_MONTHS before `month`, up to the month before `month`; none after
    the three-month rule ended the case."""
    first = pd.to_datetime(cases["first_benefit_date"]).dt.strftime("%Y-%m").fillna("9999-12").to_numpy(dtype=object)
    floor = max(first_month, add_months(month, -BACK_MONTHS))
    start = np.where(first > floor, first, floor)
    seen = ledger[ledger["run_month"] < month]  # not this month's own runs: a rerun decides the same periods
    ended = seen[seen["kind"] == "case_ended"].groupby("case_id")["period"].min()
    stop = cases["case_id"].map(ended).astype(object).fillna("9999-12").to_numpy(dtype=object)
    parts = []
    for k in range(1, BACK_MONTHS + 1):
        period = add_months(month, -k)
        wanted = (start <= period) & (period <= stop)
        parts.append(cases.loc[wanted, ["case_id", "lease_id", "first_benefit_date"]].assign(period=period))
    rows = pd.concat(parts, ignore_index=True)
    keys = pd.MultiIndex.from_arrays([rows["lease_id"].fillna("case:" + rows["case_id"]), rows["period"]])
    by_case = pd.MultiIndex.from_arrays([rows["case_id"], rows["period"]])
    done = decided(seen)
    rows = rows[~keys.isin(done) & ~by_case.isin(done)].reset_index(drop=True)
    rows["day"] = _reference_day(rows)
    return rows.drop(columns="first_benefit_date").sort_values(["case_id", "period"]).reset_index(drop=True)


def _reference_day(rows: pd.DataFrame) -> pd.Series:
    if rows.empty:
        return pd.Series(dtype="datetime64[ns]")
    days = [reference_days(group["first_benefit_date"], period) for period, group in rows.groupby("period")]
    return pd.concat(days).reindex(rows.index)


def days_due(day: pd.Series) -> tuple[np.ndarray, np.ndarray]:
    """(days due, days in the month) of each period from its reference day to the month's end."""
    day = pd.to_datetime(day)
    in_month = day.dt.days_in_month.to_numpy(np.int64)
    return in_month - day.dt.day.to_numpy(np.int64) + 1, in_month


def part_of_month(monthly_kr: np.ndarray, day: pd.Series) -> np.ndarray:
    """Whole kroner due for the period: the month's benefit for the days from the reference day,
    rounded half up (the whole month when the day is the 1st)."""
    due, in_month = days_due(day)
    monthly = np.asarray(monthly_kr, dtype=np.int64)
    return (2 * monthly * due + in_month) // (2 * in_month)


# --- the three-month rule (RULES.md § 12.12) -------------------------------------------------------

THREE_MONTHS = 3


def ended_cases(ledger: pd.DataFrame, month: str) -> pd.Series:
    """case_id -> the third month, of the cases the three-month rule ended before `month`."""
    seen = seen_by(ledger, month)
    ended = seen[(seen["kind"] == "case_ended") & (seen["period"] < month)]
    return ended.groupby("case_id")["period"].min()


def three_months_without_income(ledger: pd.DataFrame, month: str, nothing_due: pd.Series) -> pd.Index:
    """Cases whose `month` (nothing_due: case_id -> this month's reason, '' when paid) and the two
    months before it had nothing due because of income: the rule ends them after `month`. A month of
    no rent or a changed household breaks the run (RULES § 8.2, § 12.12)."""
    seen = seen_by(ledger, month)
    earlier = [add_months(month, -k) for k in range(1, THREE_MONTHS)]
    nil = seen[(seen["kind"] == "nil") & (seen["reason_code"] == codes.NO_BENEFIT_INCOME)
               & seen["period"].isin(earlier)]
    runs = nil.drop_duplicates(["case_id", "period"]).groupby("case_id").size()
    now = nothing_due[nothing_due == codes.NO_BENEFIT_INCOME].index
    return pd.Index(runs[runs == len(earlier)].index.intersection(now), name="case_id")


def reapplication_starts(applications: pd.DataFrame, ended: pd.Series) -> pd.Series:
    """case_id -> first benefit day of each new application by the applicant of a case the rule ended
    with third month T, received from the first day of T to the end of month T+1: the first day of T+1
    (RULES § 12.12). An older application of the applicant is not a reapplication."""
    if ended.empty:
        return pd.Series(dtype="datetime64[ns]")
    apps = applications.drop_duplicates("case_id", keep="last")
    by_applicant = apps.set_index("case_id")["applicant_cpr"]
    grace = pd.DataFrame({"applicant_cpr": ended.index.map(by_applicant), "next": [add_months(t, 1) for t in ended]})
    new = apps[~apps["case_id"].isin(ended.index)].merge(grace.dropna(), on="applicant_cpr")
    start = pd.to_datetime(new["next"] + "-01")
    received = pd.to_datetime(new["received_date"])
    # made after the case ended (from the third month's first day) and before the end of the month after it
    timely = (received >= start - pd.offsets.MonthBegin(1)) & (received <= start + pd.offsets.MonthEnd(0))
    return pd.Series(start[timely].to_numpy(), index=new.loc[timely, "case_id"].to_numpy()).groupby(level=0).min()


def case_ended_letters(month: str, ledger: pd.DataFrame, recipient_cpr: pd.Series) -> pd.DataFrame:
    """The letter telling a household its case ended under the three-month rule, per case_ended entry
    booked by runs of `month` (out/letters, kind case_ended_income; the body carries no CPR number)."""
    ended = ledger[(ledger["kind"] == "case_ended") & (ledger["run_month"] == month)].sort_values("case_id")
    after = [add_months(p, 1) for p in ended["period"]]
    return pd.DataFrame({
        "letter_id": month + "/case_ended_income/" + ended["case_id"] + "/" + ended["period"],
        "case_id": ended["case_id"],
        "recipient_cpr": ended["case_id"].map(recipient_cpr).fillna("").astype("str"),
        "kind": "case_ended_income",
        "period": ended["period"],
        "amount_ore": pd.array([pd.NA] * len(ended), dtype="Int64"),
        "respond_by": pd.Series(pd.NaT, index=ended.index, dtype="datetime64[us]"),
        "body": [f"Din boligstøtte er stoppet, fordi du på grund af din indkomst ikke har fået udbetalt "
                 f"boligstøtte i tre måneder i træk (til og med {p}). Søger du igen inden udgangen af {a}, "
                 f"får du boligstøtte fra den 1. i {a}." for p, a in zip(ended["period"], after, strict=True)],
    }).reset_index(drop=True)
