"""The provisional allowance: each case's calc row for a benefit month (contracts/calc.md, last
section), so the pipeline and `boligstoette calc` compute the same way from the same row.

Decisions where the contract leaves room (README, 'Provisional allowances'):
- Rent in force on the first day of the month: the snapshot's rent when its `rent_effective_from`
  is on or before that day, else the previous snapshot's rent for the same lease when that one was
  in force; otherwise the month cannot be computed and the case is held (RENT_NOT_KNOWN).
- Provisional income (RULES.md § 7.3, § 12.10): per adult member, the regular eIndkomst income of
  the latest three income months known at the run, annualised (× 12 / months), plus the forskud's
  income outside eIndkomst (counted 1/12 a month = once a year). Holiday allowance (ferietillaeg) is
  a one-off: it counts in the month it is paid, so it is left out of the estimate of coming months
  (only a lookback, not built yet, would count it in its own month). Wealth: the members' forskud wealth of the
  benefit year, else of the year before.
- No dwelling kind in the register says 'no maximum' (plejebolig, assigned ældrebolig):
  `no_maximum_dwelling` is false until a source for it is delivered.
"""

import numpy as np
import pandas as pd
import pyarrow as pa

from boligstoette import codes
from boligstoette.eligibility import PENSIONER_PENSIONS, members_in_force
from boligstoette.monthly_income import provisional_annual_income
from boligstoette.months import first_timestamp
from boligstoette.privacy import mask_text
from boligstoette.rules import calculate
from boligstoette.rules.csvio import money_strings
from boligstoette.rules.parse import InputError, parse_decimal_strings

CALC_COLUMNS = (
    "case_id", "year", "benefit", "rent_monthly", "area_m2", "persons", "children", "young_couple", "household_income",
    "wealth", "heating_in_rent", "hot_water_in_rent", "electricity_in_rent", "heating_paid_separately",
    "water_paid_separately", "drainage_paid_separately", "maintenance_duty", "mobility_impaired",
    "round_the_clock_help", "disability_or_senior_pension", "no_maximum_dwelling", "first_computation",
)  # a calc.md input row, as `_calc_frame` writes it
DISABILITY_OR_SENIOR = ("foertidspension_efter_2003", "foertidspension_foer_2003", "seniorpension")


def forskud_by_person(tax: pd.DataFrame, year: int) -> pd.DataFrame:
    """The forskud per person for the year, else the year before (the latest assessed wins)."""
    forskud = tax[(tax["kind"] == "forskud") & tax["year"].isin([year, year - 1])]
    forskud = forskud.sort_values(["cpr", "year", "assessed_at"]).drop_duplicates("cpr", keep="last")
    return forskud.set_index("cpr")[["other_income_ore", "wealth_ore"]]


def _flag(values: pd.Series) -> np.ndarray:
    """A boolean column as the calc contract writes it."""
    return np.where(values.to_numpy(dtype=bool), "true", "false")


def calc_rows(
    month: str,
    cases: pd.DataFrame,
    register: pd.DataFrame,
    previous_register: pd.DataFrame,
    members: pd.DataFrame,
    eindkomst: pd.DataFrame,
    tax_assessments: pd.DataFrame,
    first_computation: pd.Series,
    income: pd.Series | None = None,
) -> tuple[pd.DataFrame, pd.DataFrame]:
    """calc.md rows (text, as the CLI reads them) for `cases` (columns case_id, lease_id, and
    optionally `day`: the case's reference day in the month, default its first day), and the cases
    that cannot be computed this month with a reason (case_id, reason_code, detail). `income`
    (case_id -> annual household income in øre) replaces the provisional estimate where given: the
    final income of a past month, or the income an earlier run of the month already paid with.
    Besides the calc columns each row has `adults_key`, which adults the household income counts."""
    days = cases.set_index("case_id")["day"] if "day" in cases else pd.Series(dtype="datetime64[ns]")
    lease = register.drop_duplicates("lease_id").set_index("lease_id")
    rows = cases[["case_id", "lease_id"]].merge(lease, left_on="lease_id", right_index=True, how="left")
    days = pd.to_datetime(days[~days.index.duplicated()])
    on = pd.Series(days.reindex(rows["case_id"]).to_numpy(), index=rows.index).fillna(first_timestamp(month))
    rent, rent_unknown = _rent_in_force(rows, previous_register, on)
    households = _households(members[members["case_id"].isin(rows["case_id"])], month, eindkomst, tax_assessments,
                             days)
    if income is not None:
        override = households.index.isin(income.index)
        households.loc[override, "income"] = households.index[override].map(income).astype("int64")
    rows = rows.join(households, on="case_id")
    no_members = rows["persons"].isna()
    problems = [_not_computable(rows.loc[rent_unknown, "case_id"], codes.RENT_NOT_KNOWN),
                _not_computable(rows.loc[no_members, "case_id"], codes.NO_MEMBERS_IN_FORCE)]
    ok = ~no_members & rent.notna() & rows["rent_monthly_ore"].notna()
    rows, rent = rows[ok].reset_index(drop=True), rent[ok].reset_index(drop=True)
    frame = _calc_frame(rows, rent, first_timestamp(month).year, first_computation)
    return frame.assign(adults_key=rows["adults_key"].fillna("").to_numpy()), pd.concat(problems, ignore_index=True)


def _not_computable(case_ids: pd.Series, code: str) -> pd.DataFrame:
    return pd.DataFrame({"case_id": case_ids, "reason_code": code, "detail": codes.DESCRIPTIONS[code][0]})


def _rent_in_force(rows: pd.DataFrame, previous: pd.DataFrame, first: pd.Series) -> tuple[pd.Series, pd.Series]:
    """§ 9-10: the rent in force on each case's reference day (the first day of the month, or the
    first benefit day): the snapshot's when it applies from that day or before, else the previous
    snapshot's; and where neither is known."""
    rent = rows["rent_monthly_ore"].astype("Int64")
    future = rows["rent_effective_from"] > first
    if not future.any():
        return rent, future
    prev = previous.drop_duplicates("lease_id").set_index("lease_id")
    prev_rent = rows["lease_id"].map(prev["rent_monthly_ore"]).astype("Int64")
    prev_from = rows["lease_id"].map(prev["rent_effective_from"])
    usable = future & prev_rent.notna() & (prev_from <= first)
    return rent.where(~future, prev_rent.where(usable)), future & ~usable


def _households(members: pd.DataFrame, month: str, eindkomst: pd.DataFrame, tax: pd.DataFrame,
                days: pd.Series) -> pd.DataFrame:
    """Per case: persons, children, the benefit-deciding flags, the young couple test, the adults'
    provisional income and wealth (øre), and `adults_key` (which adults were counted)."""
    people = members_in_force(members, month, days)
    people["child"] = people["age"] < 18  # calc.md: children are the members under 18 that day
    adults = people[~people["child"]]
    people["boligydelse"] = people["pension"].isin(PENSIONER_PENSIONS)
    people["disability_or_senior_pension"] = people["pension"].isin(DISABILITY_OR_SENIOR)
    per_case = people.groupby("case_id").agg(
        persons=("cpr", "size"),
        children=("child", "sum"),
        boligydelse=("boligydelse", "any"),
        disability_or_senior_pension=("disability_or_senior_pension", "any"),
        mobility=("mobility_impaired", "any"),
        round_the_clock_help=("round_the_clock_help", "any"),
    )
    young = adults.assign(young=adults["age"] < 30).groupby("case_id").agg(n=("young", "size"), young=("young", "all"))
    regular = provisional_annual_income(eindkomst, adults["cpr"])
    assessed = forskud_by_person(tax, first_timestamp(month).year)
    adults = adults.assign(
        income=adults["cpr"].map(regular).fillna(0).astype("int64")
        + adults["cpr"].map(assessed["other_income_ore"]).fillna(0).astype("int64"),
        wealth=adults["cpr"].map(assessed["wealth_ore"]).fillna(0).astype("int64"),
    )
    money = adults.groupby("case_id")[["income", "wealth"]].sum()
    return per_case.join(young).join(money).join(adults_keys(adults))


def adults_keys(adults: pd.DataFrame) -> pd.Series:
    """Per case, a digest of the adults whose income is counted: the lookback tells an income change
    from a change of household by it (§ 8 d stk. 3). A digest, so the CPR numbers are not repeated:
    pandas' fixed-key hash of each adult's CPR, summed per case (the order of members does not count)."""
    people = adults.drop_duplicates(["case_id", "cpr"])
    hashed = pd.util.hash_pandas_object(people["cpr"].astype("str"), index=False).to_numpy().view(np.int64)
    summed = pd.Series(hashed, index=people["case_id"].to_numpy()).groupby(level=0).sum()
    return pd.Series([f"{v & 0xFFFFFFFFFFFFFFFF:016x}" for v in summed.to_numpy().tolist()], index=summed.index,
                     dtype="str", name="adults_key").rename_axis("case_id")


def kroner_to_ore(text: pd.Series) -> np.ndarray:
    """A calc row's money text ('1234.50') back to exact øre (the rules' own parser)."""
    ore, bad, _ = parse_decimal_strings(pa.array(text.to_numpy(dtype=object), type=pa.string()), scale=2,
                                        allow_negative=True)
    if bad.any():
        raise ValueError("a stored calc row holds money that is not kroner with two decimals")
    return np.asarray(ore, dtype=np.int64)


def _kroner(ore: pd.Series) -> pd.Series:
    return money_strings(ore.to_numpy(dtype=np.int64)).to_pandas()


def _calc_frame(rows: pd.DataFrame, rent: pd.Series, year: int, first_computation: pd.Series) -> pd.DataFrame:
    """The calc.md columns, as text."""
    heating = rows["heating_payment"]
    out = pd.DataFrame({
        "case_id": rows["case_id"].astype(str),
        "year": str(year),
        "benefit": np.where(rows["boligydelse"].astype(bool), "boligydelse", "boligsikring"),
        "rent_monthly": _kroner(rent),
        # areas are read from at most 2 decimals: rounding to hundredths gives the delivered value back
        "area_m2": money_strings(np.round(rows["area_m2"].to_numpy() * 100).astype(np.int64)).to_pandas(),
        "persons": rows["persons"].astype(int).astype(str),
        "children": rows["children"].astype(int).astype(str),
        "young_couple": _flag((rows["n"] == 2) & rows["young"].astype(bool)),
        "household_income": _kroner(rows["income"].fillna(0)),
        "wealth": _kroner(rows["wealth"].fillna(0)),
        "heating_in_rent": _flag(heating == "i_husleje"),
        "hot_water_in_rent": _flag(heating == "i_husleje"),
        "electricity_in_rent": _flag(rows["electricity_payment"] == "i_husleje"),
        "heating_paid_separately": _flag(heating.isin(["aconto_forsyning", "aconto_boligorganisation"])),
        "water_paid_separately": _flag(rows["water_payment"] != "i_husleje"),
        "drainage_paid_separately": _flag(rows["drainage_payment"] != "i_husleje"),
        "maintenance_duty": rows["maintenance_duty"].astype(str),
        "mobility_impaired": _flag(rows["mobility"].astype(bool) & rows["accessible"].astype(bool)),
        "round_the_clock_help": _flag(rows["round_the_clock_help"].astype(bool)),
        "disability_or_senior_pension": _flag(rows["disability_or_senior_pension"].astype(bool)),
        "no_maximum_dwelling": "false",
        "first_computation": _flag(rows["case_id"].map(first_computation).fillna(True).astype(bool)),
    })
    return out.reset_index(drop=True)


def calculate_or_hold(rows: pd.DataFrame) -> tuple[pd.DataFrame, pd.DataFrame]:
    """The calculation of every row it can take, and the cases it cannot (CALC_INPUT_REJECTED with
    the calculation's own message): one case's value holds that case, never the month."""
    rejected = []
    while True:
        try:
            return calculate(rows).set_index(rows.index), pd.concat(rejected or [_no_cases()], ignore_index=True)
        except InputError as error:
            if not error.problems:  # a missing column is the program's fault, not a case's
                raise
            bad = rows.index[sorted({p.row for p in error.problems})]
            messages = {rows.index[p.row]: f"{p.column}: {p.message}" for p in reversed(error.problems)}
            rejected.append(pd.DataFrame({"case_id": rows.loc[bad, "case_id"].to_numpy(),
                                          "reason_code": codes.CALC_INPUT_REJECTED,
                                          "detail": [mask_text(messages[i]) for i in bad]}))
            rows = rows.drop(index=bad)


def _no_cases() -> pd.DataFrame:
    return pd.DataFrame({"case_id": pd.Series(dtype="str"), "reason_code": pd.Series(dtype="str"),
                         "detail": pd.Series(dtype="str")})
