"""What a case is entitled to for one period: computed (and how much is due), held (and why), or no
payout (and why). The same decision for the benefit month itself (`provisional_allowances`) and for
earlier periods a run decides late (`entitlements`: back months, released holds).

Every amount goes through the `boligstoette calc` row (boligstoette.allowance); the monthly benefit
of a part month is paid for its days (boligstoette.timeline.part_of_month).
"""

from dataclasses import dataclass

import numpy as np
import pandas as pd

from boligstoette import codes
from boligstoette.allowance import calc_rows, calculate_or_hold
from boligstoette.eligibility import assess_eligibility, members_in_force, reference_days
from boligstoette.monthly_income import annual_from_monthly, monthly_household_income
from boligstoette.payouts import hold_duplicate_cases, seen_by
from boligstoette.timeline import part_of_month

RESULT_COLUMNS = ("benefit", "annual_benefit", "monthly_benefit", "binding_limit", "housing_expense_ore",
                  "eligible_expense_ore", "income_basis_ore", "formula_amount_ore")


@dataclass(frozen=True)
class Inputs:
    """What a benefit month's run knows (each as of its cut-off)."""

    register: pd.DataFrame
    previous_register: pd.DataFrame
    members: pd.DataFrame
    eindkomst: pd.DataFrame
    tax_assessments: pd.DataFrame
    register_quality: pd.DataFrame
    review_queue: pd.DataFrame


def assess_period(period: str, cases: pd.DataFrame, inputs: Inputs, ledger: pd.DataFrame,
                  first_computation: pd.Series, income: pd.Series | None = None) -> pd.DataFrame:
    """One row per case of `cases` for `period`: the calc row and result for a computed case with
    `amount_ore` due (the part of the month from `day`), else held or no_payout with a reason code.

    cases: case_eligibility rows for the period (case_id, lease_id, eligible, reason_codes,
    first_benefit_date) with org_id, unit_id, payee and `day` (the period's reference day)."""
    eligible = cases[cases["eligible"]]
    rows, problems = calc_rows(period, eligible[["case_id", "lease_id", "day"]], inputs.register,
                               inputs.previous_register, inputs.members, inputs.eindkomst, inputs.tax_assessments,
                               first_computation, income)
    result, rejected = calculate_or_hold(rows)
    computed = rows.loc[result.index].drop(columns=["benefit"]).join(result[list(RESULT_COLUMNS)])
    computed = computed.assign(status="computed", reason_code="", detail="")
    frame = pd.concat([computed, _not_computed(cases, pd.concat([problems, rejected]))], ignore_index=True)
    frame = frame.merge(cases[["case_id", "lease_id", "org_id", "unit_id", "payee", "day"]], on="case_id", how="left")
    detail = inputs.review_queue.drop_duplicates("case_id").set_index("case_id")["detail"]
    matching = frame["reason_code"].isin(codes.MATCH_HOLD_CODES)
    frame.loc[matching, "detail"] = frame.loc[matching, "case_id"].map(detail)
    frame = hold_duplicate_cases(hold_on_register_errors(frame, inputs.register_quality), ledger)
    frame = _typed(frame)
    return frame.assign(period=period, amount_ore=_amount_ore(frame))


def _amount_ore(frame: pd.DataFrame) -> np.ndarray:
    """Øre due for the period: the monthly benefit for the days from the reference day, whole kroner."""
    amount = np.zeros(len(frame), np.int64)
    computed = (frame["status"] == "computed").to_numpy()
    rows = frame[computed]
    amount[computed] = part_of_month(rows["monthly_benefit"].to_numpy(np.int64), rows["day"]) * 100
    return amount


def final_income(period: str, cases: pd.DataFrame, members: pd.DataFrame, eindkomst: pd.DataFrame,
                 tax_assessments: pd.DataFrame) -> pd.Series:
    """Annual household income (øre) of each case (case_id, day) whose final eIndkomst for `period`
    has arrived: the period's own month as the law counts it (boligstoette.monthly_income), x 12 for
    the calc row. Cases whose income month is not known yet are left out (the estimate applies)."""
    adults = members_in_force(members[members["case_id"].isin(cases["case_id"])], period,
                              cases.set_index("case_id")["day"])
    adults = adults.loc[adults["age"] >= 18, ["case_id", "cpr"]].assign(period=period)
    monthly = monthly_household_income(eindkomst, tax_assessments, adults)
    known = monthly[monthly["known"]]
    return pd.Series(annual_from_monthly(known["income_ore"]).to_numpy(np.int64), index=known["case_id"].to_numpy())


def nothing_due_reason(frame: pd.DataFrame, adults_before: pd.Series) -> pd.Series:
    """Why a computed period has nothing due ('' where something is): a rent of 0 (a free-rent month,
    rehousing paid by an insurer: RULES § 8.2, § 12.6), a change of household since the period
    before (`adults_before`: case_id -> adults_key), else income (what the three-month rule counts,
    RULES § 12.12)."""
    nothing = (frame["status"] == "computed") & (frame["amount_ore"] == 0)
    rent_zero = frame["rent_monthly"].fillna("").isin(["0.00", "0"])
    before = frame["case_id"].map(adults_before)
    changed = before.notna() & (before != frame["adults_key"])
    reason = np.where(rent_zero, codes.NO_BENEFIT_RENT_ZERO,
                      np.where(changed, codes.NO_BENEFIT_HOUSEHOLD_CHANGED, codes.NO_BENEFIT_INCOME))
    return pd.Series(np.where(nothing, reason, ""), index=frame.index, dtype="str")


def _first_code(reason_codes: pd.Series) -> pd.Series:
    return reason_codes.fillna("").str.split(";").str[0]


def _not_computed(cases: pd.DataFrame, problems: pd.DataFrame) -> pd.DataFrame:
    """Cases not eligible (their first reason code) and cases the month cannot be computed for; held
    or no payout as the reason code's consequence says (boligstoette/codes.py)."""
    not_eligible = _first_code(cases["reason_codes"])[~cases["eligible"]]
    frame = pd.concat([
        cases.loc[~cases["eligible"], ["case_id"]].assign(
            reason_code=not_eligible.to_numpy(), detail=codes.meaning(not_eligible).to_numpy()),
        problems,
    ], ignore_index=True)
    frame["status"] = np.where(codes.consequence(frame["reason_code"]) == codes.HELD, "held", "no_payout")
    return frame


def _typed(frame: pd.DataFrame) -> pd.DataFrame:
    """One dtype per column whatever the mix of computed and not computed cases, sorted by case."""
    for column in ("annual_benefit", "monthly_benefit"):
        frame[column] = frame[column].fillna(0).astype("int64")
    for column in ("housing_expense_ore", "eligible_expense_ore", "income_basis_ore", "formula_amount_ore"):
        frame[column] = frame[column].astype("Int64")
    frame["binding_limit"] = frame["binding_limit"].astype("str")
    frame["day"] = pd.to_datetime(frame["day"]).astype("datetime64[ns]")
    frame = frame.sort_values("case_id").reset_index(drop=True)
    text = [c for c in frame.columns if frame[c].dtype == object or isinstance(frame[c].dtype, pd.CategoricalDtype)]
    return frame.astype({c: "str" for c in text})


def hold_on_register_errors(frame: pd.DataFrame, findings: pd.DataFrame) -> pd.DataFrame:
    """A computed case is held when its organisation or its lease (or the lease's unit) has a
    finding that holds it; the finding's code is the hold's reason (README, data-quality checks)."""
    org = findings[findings["holds"] == "organisation"].drop_duplicates("org_id").set_index("org_id")
    lease = findings[findings["holds"] == "lease"]
    by_lease = lease.dropna(subset=["lease_id"]).drop_duplicates("lease_id").set_index("lease_id")
    by_unit = lease.dropna(subset=["unit_id"]).drop_duplicates("unit_id").set_index("unit_id")
    computed = frame["status"] == "computed"
    for keys, table in ((frame["org_id"], org), (frame["lease_id"], by_lease), (frame["unit_id"], by_unit)):
        hit = computed & keys.isin(table.index)
        frame.loc[hit, "reason_code"] = keys[hit].map(table["code"])
        frame.loc[hit, "detail"] = keys[hit].map(table["detail"])
        frame.loc[hit, "status"] = "held"
        computed &= ~hit
    return frame


def month_cases(eligibility: pd.DataFrame, matched: pd.DataFrame, applications: pd.DataFrame,
                period: str) -> pd.DataFrame:
    """Eligibility rows with the lease's organisation and unit, the payee and the reference day."""
    cases = eligibility.merge(matched[["case_id", "org_id", "unit_id"]], on="case_id", how="left")
    cases = cases.merge(applications[["case_id", "payee"]], on="case_id", how="left")
    return cases.assign(day=reference_days(cases["first_benefit_date"], period).to_numpy())


def period_entitlement(period: str, open_cases: pd.DataFrame, inputs: Inputs, ledger: pd.DataFrame,
                       matched: pd.DataFrame, applications: pd.DataFrame, starts: pd.Series) -> pd.DataFrame:
    """The open cases' entitlement for one earlier period (the monthly `entitlements`, an urgent
    payout): eligibility as of the period, the final income of the period when it is known, the first
    computation when no run up to the period has booked the case."""
    ids = open_cases["case_id"]
    # the match stands; whether the lease was in force is judged for the period (LEASE_ENDED/NOT_STARTED)
    matched = matched.assign(payable=matched["lease_id"].notna() & matched["hold_reason"].isna())
    eligibility = assess_eligibility(matched[matched["case_id"].isin(ids)],
                                     applications[applications["case_id"].isin(ids)],
                                     inputs.members[inputs.members["case_id"].isin(ids)], inputs.register, period,
                                     starts)
    cases = month_cases(eligibility, matched, applications, period)
    income = final_income(period, cases, inputs.members, inputs.eindkomst, inputs.tax_assessments)
    seen = seen_by(ledger, period)
    first_computation = pd.Series(~cases["case_id"].isin(set(seen["case_id"])).to_numpy(),
                                  index=cases["case_id"].to_numpy())
    frame = assess_period(period, cases, inputs, seen, first_computation, income)
    return frame.assign(nothing_due=nothing_due_reason(frame, pd.Series(dtype="str")))
