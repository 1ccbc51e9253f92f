"""Recomputing a period already decided, for the monthly lookback (RULES.md § 7.4, § 12.11).

A decided period is recomputed from the calc row its deciding run stored (rent, household, wealth as
they were then) with only the household income replaced: the lookback re-examines income and
nothing else. Which periods: those decided by a run before this one whose income month's eIndkomst
delivery differs from the one known at the previous month's cut-off (it arrived, or was
re-delivered), from go-live on.
"""

import numpy as np
import pandas as pd

from boligstoette.allowance import CALC_COLUMNS, adults_keys, kroner_to_ore
from boligstoette.eligibility import members_in_force
from boligstoette.monthly_income import annual_from_monthly, monthly_household_income
from boligstoette.payouts import benefit_keys, net_received
from boligstoette.rules import calculate
from boligstoette.rules.csvio import money_strings
from boligstoette.timeline import part_of_month
from boligstoette.vectors import is_in

# where a deciding run stored its calc rows: the period's own monthly run, a later one, an urgent run (a day)
DECIDING_KINDS = ("payment", "nil")  # what a run books when it decides a period (corrections come later)
DECIDING_TABLES = ("provisional_allowances", "entitlements", "urgent_payouts")


def changed_income_months(eindkomst: pd.DataFrame, previous_cutoff: pd.Timestamp) -> list[str]:
    """Income months whose delivery known now was not yet known at the previous month's cut-off: it
    arrived, or was re-delivered, since. A month's delivery is the highest re-delivery whose rows were
    all reported by the cut-off, so the one known now was known then exactly when all its rows were
    reported by then (a higher one known then would be known now, and chosen)."""
    latest = eindkomst.groupby("month")["reported_at"].max()
    return sorted(latest.index[latest > previous_cutoff])


def decided_periods(seen: pd.DataFrame, months: list[str], first_month: str) -> pd.DataFrame:
    """The periods among `months` (from go-live on) the ledger has decided, one row per lease key and
    period: the deciding entry's case, lease, payee and run, and `table` (where its calc row is)."""
    rows = seen[seen["kind"].isin(DECIDING_KINDS) & seen["period"].isin(months) & (seen["period"] >= first_month)]
    rows = rows.sort_values(["run_month", "entry_id"]).reset_index(drop=True)  # the first run that decided it
    first = rows.assign(key=benefit_keys(rows)).drop_duplicates(["key", "period"])
    run = first["run_month"]
    table = np.where(run == first["period"], DECIDING_TABLES[0],
                     np.where(run.str.len() == len("YYYY-MM-DD"), DECIDING_TABLES[2], DECIDING_TABLES[1]))
    return first[["key", "case_id", "period", "run_month", "lease_id", "org_id", "unit_id", "payee"]].assign(
        table=table).reset_index(drop=True)


def with_calc_rows(periods: pd.DataFrame, stored: pd.DataFrame) -> pd.DataFrame:
    """`periods` joined with their stored calc rows (stored: the deciding runs' rows, each with
    `period`); a period whose row is not stored is left out."""
    columns = ["period", *CALC_COLUMNS, "day", "adults_key"]
    calc = stored[columns] if len(stored) else pd.DataFrame({c: pd.Series(dtype="str") for c in columns})
    return periods.merge(calc, on=["case_id", "period"], how="inner")


def benefit_with_income(rows: pd.DataFrame, annual_income_ore: np.ndarray) -> np.ndarray:
    """Øre due for each stored calc row with its household income replaced: the calc engine's
    monthly benefit, for the period's days."""
    if rows.empty:
        return np.zeros(0, np.int64)
    calc = rows[list(CALC_COLUMNS)].assign(
        household_income=money_strings(np.asarray(annual_income_ore, np.int64)).to_pandas().to_numpy())
    monthly = calculate(calc.reset_index(drop=True))["monthly_benefit"].to_numpy(np.int64)
    return part_of_month(monthly, rows["day"].reset_index(drop=True)) * 100


def examined(rows: pd.DataFrame, members: pd.DataFrame, eindkomst: pd.DataFrame, tax: pd.DataFrame,
             seen: pd.DataFrame, pending: pd.DataFrame) -> pd.DataFrame:
    """The lookback's input per period (boligstoette.lookback.decide): what was used and paid, and
    what the final income gives. The household counted is the one in force on the period's reference
    day as known now; when it differs from the one the payment counted, the change is the household's."""
    if rows.empty:
        return _no_examined()
    adults = adults_by_period(rows, members)
    final = monthly_household_income(eindkomst, tax, adults).set_index(["case_id", "period"])
    at = pd.MultiIndex.from_frame(rows[["case_id", "period"]])
    income_final = final["income_ore"].reindex(at).fillna(0).astype("int64").to_numpy()
    keys_now = _adults_keys(adults).reindex(at).fillna("").to_numpy()
    used_annual = kroner_to_ore(rows["household_income"])
    received = net_received(seen).add(_pending(pending), fill_value=0)
    paid = received.reindex(pd.MultiIndex.from_arrays([rows["key"], rows["period"]]), fill_value=0)
    return rows[["case_id", "period", "lease_id", "org_id", "unit_id", "payee"]].assign(
        income_used_ore=(2 * used_annual + 12) // 24,
        income_final_ore=income_final,
        benefit_paid_ore=paid.to_numpy(np.int64),
        benefit_final_ore=benefit_with_income(rows, annual_from_monthly(income_final)),
        household_changed=(keys_now != rows["adults_key"].to_numpy()),
    )


def _no_examined() -> pd.DataFrame:
    text = ("case_id", "period", "lease_id", "org_id", "unit_id", "payee")
    money = ("income_used_ore", "income_final_ore", "benefit_paid_ore", "benefit_final_ore")
    return pd.DataFrame({**{c: pd.Series(dtype="str") for c in text}, **{c: pd.Series(dtype="int64") for c in money},
                         "household_changed": pd.Series(dtype="bool")})


def adults_by_period(rows: pd.DataFrame, members: pd.DataFrame) -> pd.DataFrame:
    """The adults (18 or over) in force on each row's reference day (its case, period and `day`): case_id,
    cpr, pension, period."""
    parts = []
    for period, group in rows.groupby("period"):
        days = group.drop_duplicates("case_id").set_index("case_id")["day"]
        people = members_in_force(members[is_in(members["case_id"], days.index)], period, days)
        parts.append(people.loc[people["age"] >= 18, ["case_id", "cpr", "pension"]].assign(period=period))
    if not parts:
        return pd.DataFrame({c: pd.Series(dtype="str") for c in ("case_id", "cpr", "pension", "period")})
    return pd.concat(parts, ignore_index=True)


def _adults_keys(adults: pd.DataFrame) -> pd.Series:
    keys = [adults_keys(group).rename(period) for period, group in adults.groupby("period")]
    if not keys:
        return pd.Series(dtype="str", index=pd.MultiIndex.from_arrays([[], []]))
    return pd.concat({k.name: k for k in keys}).swaplevel().sort_index()


def _pending(hearings: pd.DataFrame) -> pd.Series:
    """Proposed deductions not yet made, per lease key and period: counted as received, so a period
    is not corrected twice for the same difference."""
    return hearings.groupby([benefit_keys(hearings), hearings["period"]])["amount_ore"].sum()
