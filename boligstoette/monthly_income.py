"""Income per month as the law counts it: the provisional estimate of coming months and a past
month's final household income, from the eIndkomst and forskud frames landing reads.

- The estimate (RULES.md § 7.3, § 12.10): the household's expected monthly income. Per adult, the
  regular eIndkomst income of the latest k ≤ 3 income months known, annualised (× 12 / k). A one-off
  amount counts in the month it is paid (§ 7.3, § 12.10: holiday allowance "counts in the month it is
  taxed or paid"), so it is left out of the estimate of the months to come: `ferietillaeg` always, and
  `andet` unless the person has it in every month of the window (then it is recurring income).
- A past month's final income (RULES.md § 2.1, § 7.4, § 12.11): the lookback recomputes each month
  from eIndkomst, so every amount of that income month counts, one-offs included, plus each adult's
  income outside eIndkomst at one twelfth of the year (§ 7.3, § 12.10).

Money is integer øre throughout; every division rounds half up to the øre.
"""

from typing import TypeVar

import numpy as np
import pandas as pd

ONE_OFF_TYPES = ("ferietillaeg",)
PROVISIONAL_INCOME_MONTHS = 3
_OTHER = "andet"  # a one-off unless it recurs in every month of the estimate's window

Money = TypeVar("Money", int, np.ndarray, pd.Series)


def provisional_annual_income(eindkomst: pd.DataFrame, adults_cpr: pd.Series) -> pd.Series:
    """Annual regular eIndkomst income per adult (index cpr, int64 øre): 12 / k × the sum of the
    latest k ≤ 3 income months in the frame, one-off amounts left out (RULES.md § 7.3, § 12.10)."""
    people = pd.Index(adults_cpr.unique(), name="cpr")
    months = sorted(eindkomst["month"].unique())[-PROVISIONAL_INCOME_MONTHS:]
    k = len(months)
    if k == 0:
        return pd.Series(0, index=people, dtype="int64")
    window = eindkomst[eindkomst["month"].isin(months) & ~eindkomst["income_type"].isin(ONE_OFF_TYPES)]
    other = (window["income_type"] == _OTHER).to_numpy()
    # other income paid in every window month is a steady income, not a one-off
    other_months = window[other].groupby("cpr")["month"].nunique()
    recurring = window["cpr"].map(other_months).eq(k).to_numpy()
    counted = window[~other | recurring]
    total = counted.groupby("cpr")["amount_ore"].sum().reindex(people, fill_value=0).astype("int64")
    # round half up to the øre: floor((2·12·s + k) / 2k)
    return (2 * 12 * total + k) // (2 * k)


def monthly_household_income(
    eindkomst: pd.DataFrame, tax_assessments: pd.DataFrame, adults: pd.DataFrame
) -> pd.DataFrame:
    """Each (case_id, period) of `adults` (columns case_id, period 'YYYY-MM', cpr: the adults counted):
    income_ore, the household's income of that month as the law counts it (RULES.md § 2.1, § 7.4,
    § 12.11): every eIndkomst amount of income month `period`, one-offs included (§ 7.3, § 12.10: they
    count in the month paid), plus each adult's forskud income outside eIndkomst / 12 (§ 7.3, § 12.10);
    and known, whether that income month's eIndkomst has arrived (income_ore is computed either way)."""
    people = adults[["case_id", "period", "cpr"]].drop_duplicates().reset_index(drop=True)
    paid = eindkomst.groupby(["cpr", "month"])["amount_ore"].sum()
    month_keys = pd.MultiIndex.from_arrays([people["cpr"], people["period"]])
    own = paid.astype("Int64").reindex(month_keys).fillna(0).to_numpy(dtype=np.int64)
    year = people["period"].str[:4].astype("int64")
    annual_other = _other_income(tax_assessments, people["cpr"], year)
    # one twelfth a month, rounded half up to the øre per person: floor((2·x + 12) / 24)
    people["income_ore"] = own + (2 * annual_other + 12) // 24
    people["known"] = people["period"].isin(eindkomst["month"].unique())
    out = people.groupby(["case_id", "period"], as_index=False, sort=True).agg(
        income_ore=("income_ore", "sum"), known=("known", "all")
    )
    return out.astype({"income_ore": "int64", "known": "bool"})


def _other_income(tax: pd.DataFrame, cpr: pd.Series, year: pd.Series) -> np.ndarray:
    """Annual income outside eIndkomst (øre) per person: the forskud of `year`, else of the year
    before, the latest assessed within a year winning; 0 when there is none."""
    forskud = tax[tax["kind"] == "forskud"].sort_values(["cpr", "year", "assessed_at"])
    forskud = forskud.drop_duplicates(["cpr", "year"], keep="last")
    by_year = forskud.set_index(["cpr", "year"])["other_income_ore"].astype("Int64")
    this_year = by_year.reindex(pd.MultiIndex.from_arrays([cpr, year])).to_numpy()
    year_before = by_year.reindex(pd.MultiIndex.from_arrays([cpr, year - 1])).to_numpy()
    chosen = pd.array(this_year, dtype="Int64").fillna(pd.array(year_before, dtype="Int64"))
    return chosen.fillna(0).to_numpy(dtype=np.int64)


def annual_from_monthly(monthly_ore: Money) -> Money:
    """The annual amount (øre) of a monthly one: the calc row's household_income is annual."""
    return monthly_ore * 12
