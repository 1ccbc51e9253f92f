"""The explanation trail: for one household, the ordered steps of the calculation.

Each :class:`Step` has the step name, its value, the rate(s) used with their values and status,
the paragraph, and a short "how". The trail is read off the same vectorised computation as
``calc`` (calc.compute), so it cannot disagree with it.

>>> steps = explain_household(df, "C03")
>>> print(render_trail(steps))
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal

import numpy as np
import pandas as pd

from .calc import Computation, compute
from .limits import BINDING_NAMES
from .parse import parse_households
from .rates import BENEFITS, BOLIGSIKRING, BOLIGYDELSE, RateBook, RateSet, default_rate_book

_CENT = Decimal("0.01")


@dataclass(frozen=True)
class RateUse:
    key: str
    value: Decimal
    unit: str
    status: str
    law_ref: str

    def __str__(self) -> str:
        flag = "" if self.status in ("M", "2S") else ", UNCONFIRMED"
        return f"{self.key} = {self.value} {self.unit} ({self.law_ref}; status {self.status}{flag})"


@dataclass(frozen=True)
class Step:
    name: str
    value: Decimal | int | str | None   # kr (2 decimals), whole kr, m², or a label
    unit: str                           # "kr", "kr/month", "m2" or ""
    paragraph: str
    rates: tuple[RateUse, ...] = ()
    how: str = ""

    @property
    def rate(self) -> RateUse | None:
        """The (first) rate used by this step, if any."""
        return self.rates[0] if self.rates else None


def kr(ore) -> Decimal:
    """Exact øre → kroner with two decimals."""
    return (Decimal(int(ore)) / 100).quantize(_CENT)


def m2(x100) -> Decimal:
    return (Decimal(int(x100)) / 100).quantize(_CENT)


class _Row:
    """Row ``i`` of a computation with the rate set of its year and benefit, as the trail reads it."""

    def __init__(self, c: Computation, i: int, book: RateBook):
        self.c, self.i = c, i
        self._cols: dict[str, object] = {}
        self.code = int(self.col("benefit_code"))
        self.rs: RateSet = book.for_year(int(self.col("year")), BENEFITS[self.code])
        self.children = int(self.col("children"))
        self.area = m2(self.col("area_m2_x100"))

    def col(self, name: str):
        """The parsed input value of the row (each column read once)."""
        if name not in self._cols:
            self._cols[name] = self.c.h[name].iat[self.i]
        return self._cols[name]

    def at(self, arr):
        """The row's value of a computed array (or the scalar all rows share)."""
        return np.asarray(arr)[self.i] if np.ndim(arr) else arr

    def money(self, arr) -> Decimal:
        return kr(self.at(arr))

    def rate(self, key: str) -> Decimal:
        return self.rs[key].value

    def use(self, *keys: str) -> tuple[RateUse, ...]:
        return tuple(RateUse(k, self.rs[k].value, self.rs[k].unit, self.rs[k].status, self.rs[k].law_ref)
                     for k in keys)

    @property
    def formula_paragraph(self) -> str:
        return "§ 22 stk. 1" if self.code == BOLIGSIKRING else "§ 21 stk. 1"

    @property
    def own_payment_paragraph(self) -> str:
        return "§ 21 stk. 2" if self.code == BOLIGYDELSE else "§ 22 stk. 2"


# §§ 9-10 per-m² items in trail order: (item, flag that triggers it, rate key, paragraph, sign).
# The maintenance supplement has no flag: the maintenance duty picks its rate (MAINTENANCE_RATES).
PER_M2_ITEMS = (
    ("deduction_heating", "heating_in_rent", "deduction_heating_m2", "§ 10 stk. 2", "−"),
    ("deduction_hot_water", "hot_water_in_rent", "deduction_hot_water_m2", "§ 10 stk. 2", "−"),
    ("deduction_electricity", "electricity_in_rent", "deduction_electricity_m2", "§ 10 stk. 2", "−"),
    ("supplement_water", "water_paid_separately", "supplement_water_m2", "§ 10 stk. 3", "+"),
    ("supplement_drainage", "drainage_paid_separately", "supplement_drainage_m2", "§ 10 stk. 3", "+"),
    ("supplement_maintenance", None, None, "§ 10 stk. 4", "+"),
    ("supplement_heating", "heating_paid_separately", "supplement_heating_m2", "§ 10 stk. 5", "+"),
)
MAINTENANCE_RATES = {1: "supplement_maintenance_partial_m2", 2: "supplement_maintenance_full_m2"}


def _applying_per_m2_items(row: _Row):
    """The per-m² items that apply to the row: (item, why, rate key, paragraph, sign)."""
    for name, flag, key, par, sign in PER_M2_ITEMS:
        if flag is None:
            maint = int(row.col("maintenance_code"))
            if maint:
                yield name, f"maintenance_duty = {row.col('maintenance_duty')}", MAINTENANCE_RATES[maint], par, sign
        elif row.col(flag):
            yield name, flag, key, par, sign


def _housing_expense_steps(row: _Row) -> list[Step]:
    """§§ 9-10: the annual rent, each per-m² item that applies, and the housing expense."""
    c = row.c
    rent = row.money(c.items["rent_annual"])
    steps = [Step("rent_annual", rent, "kr", "§§ 9-10", how=f"12 × rent_monthly {kr(row.col('rent_monthly_ore'))}")]
    terms, raw_total = [f"{rent}"], rent
    for name, why, key, par, sign in _applying_per_m2_items(row):
        value = row.money(c.items[name])
        steps.append(Step(name, value, "kr", par, row.use(key),
                          how=f"{row.area} m2 × {row.rate(key)} kr/m2 ({why}), rounded half up to the øre"))
        terms.append(f"{sign} {value}")
        raw_total += -value if sign == "−" else value
    steps.append(Step("housing_expense", row.money(c.housing_expense), "kr", "§ 10",
                      how=" ".join(terms) + (" (negative → 0)" if raw_total < 0 else "")))
    return steps


def _area_limit_steps(row: _Row) -> list[Step]:
    """§ 12: the area limit and the expense scaled to it."""
    c, area = row.c, row.area
    allowed = m2(row.at(c.area_limit_x100))
    keys = ["area_first_person_m2", "area_per_extra_person_m2"]
    how = (f"{row.rate('area_first_person_m2')} + {row.rate('area_per_extra_person_m2')} × "
           f"{int(row.col('persons')) - 1} further person(s)")
    if row.col("mobility_impaired"):
        keys.append("area_mobility_extra_m2")
        how += f" + {row.rate('area_mobility_extra_m2')} (mobility impaired)"
    if area > allowed:
        how_limited = (f"area {area} m2 > limit {allowed} m2: {row.money(c.housing_expense)} × {allowed} / {area}, "
                       "rounded half up to the øre")
    else:
        how_limited = f"area {area} m2 within the limit: unchanged"
    return [Step("area_limit", allowed, "m2", "§ 12", row.use(*keys), how=how),
            Step("area_limited_expense", row.money(c.area_limited_expense), "kr", "§ 12", how=how_limited)]


def _maximum_expense_step(row: _Row) -> Step:
    """§ 14 stk. 1-3: the raised maximum expense; § 14 stk. 4-5: none in a no-maximum dwelling."""
    if not row.at(row.c.maximum_expense_applies):
        return Step("maximum_expense", None, "kr", "§ 14 stk. 4-5",
                    how="no maximum: boligydelse in a dwelling where no maximum applies")
    kids = min(row.children, 4)
    extra = bool(row.col("mobility_impaired") or row.col("round_the_clock_help"))
    keys = ["max_annual_expense"]
    how = f"{row.rate('max_annual_expense')}"
    if kids:
        keys.append("max_expense_raise_per_child")
        how += f" × (1 + {row.rate('max_expense_raise_per_child')} × {kids} child(ren)"
    else:
        how += " × (1"
    if extra:
        keys.append("max_expense_raise_mobility_or_help")
        how += f" + {row.rate('max_expense_raise_mobility_or_help')} mobility/§ 96 help"
    if kids or extra:
        how += "), rounded to the nearest 100 kr"
    else:
        how = f"{row.rate('max_annual_expense')} (no raise)"
    return Step("maximum_expense", row.money(row.c.maximum_expense), "kr", "§ 14 stk. 1-3", row.use(*keys), how=how)


def _eligible_expense_steps(row: _Row) -> list[Step]:
    """§ 14: the maximum expense and the eligible expense B."""
    c = row.c
    if row.at(c.maximum_expense_applies):
        how = f"min({row.money(c.area_limited_expense)}, {row.money(c.maximum_expense)})"
    else:
        how = "area-limited expense (no maximum)"
    return [_maximum_expense_step(row), Step("eligible_expense", row.money(c.eligible_expense), "kr", "§ 14", how=how)]


def _income_steps(row: _Row) -> list[Step]:
    """§ 8 a stk. 1: the wealth supplement; § 8 stk. 6: the income basis I."""
    c = row.c
    supplement = row.money(c.wealth_supplement)
    return [
        Step("wealth_supplement", supplement, "kr", "§ 8 a stk. 1",
             row.use("wealth_limit_1", "wealth_limit_2", "wealth_share_1", "wealth_share_2"),
             how=f"wealth {kr(row.col('wealth_ore'))}: {row.rate('wealth_share_1')} × part between the limits "
                 f"+ {row.rate('wealth_share_2')} × part above limit 2, rounded half up to the øre"),
        Step("income_basis", row.money(c.income_basis), "kr", "§ 8 stk. 6",
             how=f"household_income {kr(row.col('household_income_ore'))} + wealth supplement {supplement}"),
    ]


def _income_threshold_steps(row: _Row) -> list[Step]:
    """§ 21 stk. 1 / § 22 stk. 1 (§ 72): the threshold T with its raises per child (young couples)."""
    children = row.children
    beyond = max(min(children, 4) - 1, 0)
    young = min(children, 3) if (row.col("young_couple") and row.code == BOLIGSIKRING) else 0
    raise_per_child = row.rate("threshold_raise_per_child")
    how = f"{row.rate('income_threshold')} + {raise_per_child} × {beyond} child(ren) beyond the first"
    if young:
        how += f" + {raise_per_child} × {young} (young couple)"
    return [Step("income_threshold", row.money(row.c.income_threshold), "kr", row.formula_paragraph + " (§ 72)",
                 row.use("income_threshold", "threshold_raise_per_child"), how=how)]


def _formula_steps(row: _Row) -> list[Step]:
    """§ 21 stk. 1 / § 22 stk. 1: the expense part, the income part and the formula amount."""
    c, par = row.c, row.formula_paragraph
    eligible = row.money(c.eligible_expense)
    if row.code == BOLIGYDELSE:
        expense = Step("expense_part", row.money(c.expense_part), "kr", par,
                       row.use("expense_share", "expense_supplement"),
                       how=f"{row.rate('expense_share')} × ({eligible} + tillæg {row.rate('expense_supplement')}), "
                           "rounded half up to the øre")
    else:
        expense = Step("expense_part", row.money(c.expense_part), "kr", par, row.use("expense_share"),
                       how=f"{row.rate('expense_share')} × {eligible}, rounded half up to the øre")
    income = Step("income_part", row.money(c.income_part), "kr", par, row.use("income_share"),
                  how=f"{row.rate('income_share')} × max(0, {row.money(c.income_basis)} − "
                      f"{row.money(c.income_threshold)}), rounded half up to the øre")
    amount = Step("formula_amount", row.money(c.formula_amount), "kr", par,
                  how=f"{row.money(c.expense_part)} − {row.money(c.income_part)}")
    return [expense, income, amount]


def _own_payment_steps(row: _Row) -> list[Step]:
    """§ 21 stk. 2 / § 22 stk. 2: the required own payment and the limit it sets."""
    c, par = row.c, row.own_payment_paragraph
    required = row.money(c.required_own_payment)
    if row.code == BOLIGYDELSE:
        step = Step("required_own_payment", required, "kr", par,
                    row.use("own_payment_income_share", "min_own_payment"),
                    how=f"max({row.rate('own_payment_income_share')} × {row.money(c.income_basis)}, "
                        f"{row.rate('min_own_payment')})")
    else:
        step = Step("required_own_payment", required, "kr", par, row.use("min_own_payment"),
                    how="the fixed minimum own payment")
    return [step, Step("own_payment_limit", row.money(c.own_payment_limit), "kr", par,
                       how=f"{row.money(c.eligible_expense)} − {required}")]


def _why_no_cap(row: _Row) -> str:
    if row.code == BOLIGYDELSE:
        return "boligydelse (the cap is boligsikring's)"
    if row.children:
        return f"{row.children} child(ren)"
    flags = ("disability_or_senior_pension", "mobility_impaired", "round_the_clock_help")
    return "exception: " + ", ".join(f for f in flags if row.col(f))


def _cap_steps(row: _Row) -> list[Step]:
    """§ 22 stk. 3: the 15 % cap without children, or why it does not apply."""
    c = row.c
    if not row.at(c.cap_applies):
        return [Step("cap_15pct", None, "kr", "§ 22 stk. 3", how=f"does not apply: {_why_no_cap(row)}")]
    return [Step("cap_15pct", row.money(c.cap_15pct), "kr", "§ 22 stk. 3", row.use("cap_no_children_share"),
                 how=f"no children, no exception: {row.rate('cap_no_children_share')} × "
                     f"{row.money(c.eligible_expense)}, rounded half up to the øre")]


def _maximum_benefit_steps(row: _Row) -> list[Step]:
    """§ 23 stk. 1: the maximum benefit and its raises; § 23 stk. 2-3: none in a no-maximum dwelling."""
    if not row.at(row.c.maximum_benefit_applies):
        return [Step("maximum_benefit", None, "kr", "§ 23 stk. 2-3",
                     how="no maximum: boligydelse in a dwelling where no maximum applies")]
    keys = ["max_annual_benefit"]
    parts = [f"{row.rate('max_annual_benefit')} × (1"]
    if row.children >= 4:
        keys.append("max_benefit_raise_four_children")
        parts.append(f" + {row.rate('max_benefit_raise_four_children')} (4+ children)")
    if row.col("mobility_impaired"):
        keys.append("max_benefit_raise_mobility")
        parts.append(f" + {row.rate('max_benefit_raise_mobility')} (mobility impaired)")
    elif row.col("round_the_clock_help"):
        keys.append("max_benefit_raise_round_the_clock_help")
        parts.append(f" + {row.rate('max_benefit_raise_round_the_clock_help')} (§ 96 help)")
    how = "".join(parts) + "), rounded half up to the øre" if len(parts) > 1 else "the base amount (no raise)"
    return [Step("maximum_benefit", row.money(row.c.maximum_benefit), "kr", "§ 23 stk. 1", row.use(*keys), how=how)]


def _minimum_payout_step(row: _Row) -> Step:
    """§§ 33-34: on a first computation, an amount below the year's minimum is not paid."""
    c = row.c
    below = BINDING_NAMES[int(row.at(c.binding))] == "below_minimum"
    monthly = int(row.at(c.monthly_before_minimum))
    if BINDING_NAMES[int(row.at(c.binding_before_minimum))] == "zero":
        how = "first computation: nothing to pay anyway"
    else:
        how = (f"first computation: 12 × {monthly} = {12 * monthly} {'<' if below else '≥'} "
               f"{row.rate('minimum_payout')}")
    return Step("minimum_payout", "not paid" if below else "paid", "", "§§ 33-34", row.use("minimum_payout"), how=how)


def _result_steps(row: _Row) -> list[Step]:
    """RULES.md § 4.6 / § 4.9 and §§ 33-34: the amount after the limits, the monthly and annual
    benefit, and the limit that decided it."""
    c = row.c
    decided_by = BINDING_NAMES[int(row.at(c.binding_before_minimum))]
    monthly = int(row.at(c.monthly_benefit))
    steps = [
        Step("amount_after_limits", row.money(c.amount), "kr", "RULES.md § 4.6",
             how=f"max(0, min(formula, own payment limit, cap, maximum)) — decided by: {decided_by}"),
        Step("monthly_before_minimum", int(row.at(c.monthly_before_minimum)), "kr/month", "RULES.md § 4.9",
             how=f"{row.money(c.amount)} / 12 rounded to whole kroner, ties up"),
    ]
    if row.col("first_computation"):
        steps.append(_minimum_payout_step(row))
    return steps + [
        Step("monthly_benefit", monthly, "kr/month", "RULES.md § 4.9", how="paid per month"),
        Step("annual_benefit", int(row.at(c.annual_benefit)), "kr", "RULES.md § 4.9", how=f"12 × {monthly}"),
        Step("binding_limit", BINDING_NAMES[int(row.at(c.binding))], "", "RULES.md § 4.6",
             how="which rule decided the amount"),
    ]


# The trail in calculation order: each part returns the steps of its paragraph(s).
TRAIL = (_housing_expense_steps, _area_limit_steps, _eligible_expense_steps, _income_steps, _income_threshold_steps,
         _formula_steps, _own_payment_steps, _cap_steps, _maximum_benefit_steps, _result_steps)


def steps_for_row(c: Computation, i: int, book: RateBook | None = None) -> list[Step]:
    """The trail of row ``i`` of a computation."""
    row = _Row(c, i, book or default_rate_book())
    return [step for part in TRAIL for step in part(row)]


def _to_frame(row_or_df) -> pd.DataFrame:
    if isinstance(row_or_df, pd.DataFrame):
        return row_or_df
    if isinstance(row_or_df, pd.Series):
        return row_or_df.to_frame().T.reset_index(drop=True)
    if isinstance(row_or_df, dict):
        return pd.DataFrame([row_or_df])
    raise TypeError(f"expected a DataFrame, a Series (one row) or a dict, got {type(row_or_df).__name__}")


def explain_household(row_or_df, case_id: str | None = None, *, year: int | None = None,
                      book: RateBook | None = None) -> list[Step]:
    """The trail of one household (calc.md input columns).

    ``row_or_df`` is a one-row Series/dict or a DataFrame; ``case_id`` selects the row in a
    DataFrame (and ``year`` when the case has rows for several years).
    """
    df = _to_frame(row_or_df)
    if case_id is not None:
        if "case_id" not in df.columns:
            raise KeyError("no case_id column")
        df = df[df["case_id"].astype(str) == str(case_id)]
        if year is not None and "year" in df.columns:
            df = df[df["year"].astype(str).str.strip() == str(year)]
        if df.empty:
            raise KeyError(f"case {case_id!r}{' ' + str(year) if year else ''} not found")
    if len(df) != 1:
        years = df["year"].tolist() if "year" in df.columns else []
        raise ValueError(f"case {case_id!r} has {len(df)} rows (years {years}); pass year=")
    trails = explain_rows(df, book=book)
    return trails[0]


def explain_rows(df: pd.DataFrame, book: RateBook | None = None) -> list[list[Step]]:
    """Trails of all rows of ``df`` (one vectorised computation, then one trail per row)."""
    book = book or default_rate_book()
    h = parse_households(df.reset_index(drop=True), book=book)
    c = compute(h, book=book)
    return [steps_for_row(c, i, book) for i in range(len(h))]


def render_trail(steps: list[Step], title: str | None = None) -> str:
    """Plain-text rendering used by ``boligstoette explain``."""
    lines = [title] if title else []
    width = max(len(s.name) for s in steps)
    for n, s in enumerate(steps, 1):
        if s.value is None:
            val = "—"
        elif isinstance(s.value, (Decimal, int)):
            val = f"{s.value} {s.unit}".strip()
        else:
            val = str(s.value)
        lines.append(f"{n:>3}. {s.name:<{width}}  {val:>18}  [{s.paragraph}]  {s.how}")
        for ru in s.rates:
            lines.append(f"{'':>5}{'':<{width}}  {'':>18}   rate {ru}")
    return "\n".join(lines)


def trail_title(case_id: str, year: int, benefit: str) -> str:
    return f"Case {case_id}: {benefit} {year} (rates: boligstoette_{year}.yaml)"
