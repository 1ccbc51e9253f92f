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
from .rates import BENEFITS, RateBook, default_rate_book

BOLIGSIKRING, BOLIGYDELSE = 0, 1
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


def steps_for_row(c: Computation, i: int, book: RateBook | None = None) -> list[Step]:
    """The trail of row ``i`` of a computation."""
    book = book or default_rate_book()
    h = c.h
    year = int(h["year"].iat[i])
    code = int(h["benefit_code"].iat[i])
    benefit = BENEFITS[code]
    rs = book.for_year(year, benefit)

    def use(*keys: str) -> tuple[RateUse, ...]:
        return tuple(RateUse(k, rs[k].value, rs[k].unit, rs[k].status, rs[k].law_ref) for k in keys)

    def at(arr):
        return np.asarray(arr)[i] if np.ndim(arr) else arr

    g = lambda col: h[col].iat[i]  # noqa: E731
    area = m2(g("area_m2_x100"))
    children = int(g("children"))
    persons = int(g("persons"))
    steps: list[Step] = []
    add = steps.append
    formula_par = "§ 22 stk. 1" if code == BOLIGSIKRING else "§ 21 stk. 1"

    add(Step("rent_annual", kr(c.items["rent_annual"][i]), "kr", "§§ 9-10",
             how=f"12 × rent_monthly {kr(g('rent_monthly_ore'))}"))
    per_m2 = [
        ("deduction_heating", "heating_in_rent", "deduction_heating_m2", "§ 10 stk. 2", "−"),
        ("deduction_hot_water", "hot_water_in_rent", "deduction_hot_water_m2", "§ 10 stk. 2", "−"),
        ("deduction_electricity", "electricity_in_rent", "deduction_electricity_m2", "§ 10 stk. 2", "−"),
        ("supplement_water", "water_paid_separately", "supplement_water_m2", "§ 10 stk. 3", "+"),
        ("supplement_drainage", "drainage_paid_separately", "supplement_drainage_m2", "§ 10 stk. 3", "+"),
    ]
    maint = int(g("maintenance_code"))
    if maint:
        key = "supplement_maintenance_full_m2" if maint == 2 else "supplement_maintenance_partial_m2"
        per_m2.append(("supplement_maintenance", None, key, "§ 10 stk. 4", "+"))
    per_m2.append(("supplement_heating", "heating_paid_separately", "supplement_heating_m2", "§ 10 stk. 5", "+"))
    terms = [f"{kr(c.items['rent_annual'][i])}"]
    for name, flag, key, par, sign in per_m2:
        if flag is not None and not g(flag):
            continue
        value = kr(c.items[name][i])
        why = flag if flag else f"maintenance_duty = {g('maintenance_duty')}"
        add(Step(name, value, "kr", par, use(key),
                 how=f"{area} m2 × {rs[key].value} kr/m2 ({why}), rounded half up to the øre"))
        terms.append(f"{sign} {value}")
    raw_total = sum((Decimal(t.replace('− ', '-').replace('+ ', '')) for t in terms), Decimal(0))
    add(Step("housing_expense", kr(c.housing_expense[i]), "kr", "§ 10",
             how=" ".join(terms) + (" (negative → 0)" if raw_total < 0 else "")))

    allowed = m2(at(c.area_limit_x100))
    keys = ["area_first_person_m2", "area_per_extra_person_m2"]
    how = f"{rs['area_first_person_m2'].value} + {rs['area_per_extra_person_m2'].value} × {persons - 1} further person(s)"
    if g("mobility_impaired"):
        keys.append("area_mobility_extra_m2")
        how += f" + {rs['area_mobility_extra_m2'].value} (mobility impaired)"
    add(Step("area_limit", allowed, "m2", "§ 12", use(*keys), how=how))
    over = area > allowed
    add(Step("area_limited_expense", kr(c.area_limited_expense[i]), "kr", "§ 12",
             how=(f"area {area} m2 > limit {allowed} m2: {kr(c.housing_expense[i])} × {allowed} / {area}, "
                  "rounded half up to the øre") if over else f"area {area} m2 within the limit: unchanged"))

    if c.maximum_expense_applies[i]:
        kids = min(children, 4)
        extra = bool(g("mobility_impaired") or g("round_the_clock_help"))
        keys = ["max_annual_expense"]
        how = f"{rs['max_annual_expense'].value}"
        if kids:
            keys.append("max_expense_raise_per_child")
            how += f" × (1 + {rs['max_expense_raise_per_child'].value} × {kids} child(ren)"
        else:
            how += " × (1"
        if extra:
            keys.append("max_expense_raise_mobility_or_help")
            how += f" + {rs['max_expense_raise_mobility_or_help'].value} mobility/§ 96 help"
        how = how + "), rounded to the nearest 100 kr" if (kids or extra) else f"{rs['max_annual_expense'].value} (no raise)"
        add(Step("maximum_expense", kr(at(c.maximum_expense)), "kr", "§ 14 stk. 1-3", use(*keys), how=how))
        how_e = f"min({kr(c.area_limited_expense[i])}, {kr(at(c.maximum_expense))})"
    else:
        add(Step("maximum_expense", None, "kr", "§ 14 stk. 4-5",
                 how="no maximum: boligydelse in a dwelling where no maximum applies"))
        how_e = "area-limited expense (no maximum)"
    add(Step("eligible_expense", kr(c.eligible_expense[i]), "kr", "§ 14", how=how_e))

    add(Step("wealth_supplement", kr(c.wealth_supplement[i]), "kr", "§ 8 a stk. 1",
             use("wealth_limit_1", "wealth_limit_2", "wealth_share_1", "wealth_share_2"),
             how=f"wealth {kr(g('wealth_ore'))}: {rs['wealth_share_1'].value} × part between the limits "
                 f"+ {rs['wealth_share_2'].value} × part above limit 2, rounded half up to the øre"))
    add(Step("income_basis", kr(c.income_basis[i]), "kr", "§ 8 stk. 6",
             how=f"household_income {kr(g('household_income_ore'))} + wealth supplement {kr(c.wealth_supplement[i])}"))

    beyond = max(min(children, 4) - 1, 0)
    young = min(children, 3) if (g("young_couple") and code == BOLIGSIKRING) else 0
    how = f"{rs['income_threshold'].value} + {rs['threshold_raise_per_child'].value} × {beyond} child(ren) beyond the first"
    if young:
        how += f" + {rs['threshold_raise_per_child'].value} × {young} (young couple)"
    add(Step("income_threshold", kr(at(c.income_threshold)), "kr", formula_par + " (§ 72)",
             use("income_threshold", "threshold_raise_per_child"), how=how))

    if code == BOLIGYDELSE:
        add(Step("expense_part", kr(c.expense_part[i]), "kr", formula_par, use("expense_share", "expense_supplement"),
                 how=f"{rs['expense_share'].value} × ({kr(c.eligible_expense[i])} + tillæg {rs['expense_supplement'].value}), "
                     "rounded half up to the øre"))
    else:
        add(Step("expense_part", kr(c.expense_part[i]), "kr", formula_par, use("expense_share"),
                 how=f"{rs['expense_share'].value} × {kr(c.eligible_expense[i])}, rounded half up to the øre"))
    add(Step("income_part", kr(c.income_part[i]), "kr", formula_par, use("income_share"),
             how=f"{rs['income_share'].value} × max(0, {kr(c.income_basis[i])} − {kr(at(c.income_threshold))}), "
                 "rounded half up to the øre"))
    add(Step("formula_amount", kr(c.formula_amount[i]), "kr", formula_par,
             how=f"{kr(c.expense_part[i])} − {kr(c.income_part[i])}"))

    if code == BOLIGYDELSE:
        add(Step("required_own_payment", kr(c.required_own_payment[i]), "kr", "§ 21 stk. 2",
                 use("own_payment_income_share", "min_own_payment"),
                 how=f"max({rs['own_payment_income_share'].value} × {kr(c.income_basis[i])}, {rs['min_own_payment'].value})"))
    else:
        add(Step("required_own_payment", kr(c.required_own_payment[i]), "kr", "§ 22 stk. 2", use("min_own_payment"),
                 how="the fixed minimum own payment"))
    own_par = "§ 21 stk. 2" if code == BOLIGYDELSE else "§ 22 stk. 2"
    add(Step("own_payment_limit", kr(c.own_payment_limit[i]), "kr", own_par,
             how=f"{kr(c.eligible_expense[i])} − {kr(c.required_own_payment[i])}"))

    if c.cap_applies[i]:
        add(Step("cap_15pct", kr(c.cap_15pct[i]), "kr", "§ 22 stk. 3", use("cap_no_children_share"),
                 how=f"no children, no exception: {rs['cap_no_children_share'].value} × {kr(c.eligible_expense[i])}, "
                     "rounded half up to the øre"))
    else:
        if code == BOLIGYDELSE:
            why = "boligydelse (the cap is boligsikring's)"
        elif children:
            why = f"{children} child(ren)"
        else:
            ex = [f for f in ("disability_or_senior_pension", "mobility_impaired", "round_the_clock_help") if g(f)]
            why = "exception: " + ", ".join(ex)
        add(Step("cap_15pct", None, "kr", "§ 22 stk. 3", how=f"does not apply: {why}"))

    if c.maximum_benefit_applies[i]:
        keys = ["max_annual_benefit"]
        parts = [f"{rs['max_annual_benefit'].value} × (1"]
        if children >= 4:
            keys.append("max_benefit_raise_four_children")
            parts.append(f" + {rs['max_benefit_raise_four_children'].value} (4+ children)")
        if g("mobility_impaired"):
            keys.append("max_benefit_raise_mobility")
            parts.append(f" + {rs['max_benefit_raise_mobility'].value} (mobility impaired)")
        elif g("round_the_clock_help"):
            keys.append("max_benefit_raise_round_the_clock_help")
            parts.append(f" + {rs['max_benefit_raise_round_the_clock_help'].value} (§ 96 help)")
        how = "".join(parts) + "), rounded half up to the øre" if len(parts) > 1 else "the base amount (no raise)"
        add(Step("maximum_benefit", kr(at(c.maximum_benefit)), "kr", "§ 23 stk. 1", use(*keys), how=how))
    else:
        add(Step("maximum_benefit", None, "kr", "§ 23 stk. 2-3",
                 how="no maximum: boligydelse in a dwelling where no maximum applies"))

    b0 = BINDING_NAMES[int(c.binding_before_minimum[i])]
    add(Step("amount_after_limits", kr(c.amount[i]), "kr", "RULES.md § 4.6",
             how=f"max(0, min(formula, own payment limit, cap, maximum)) — decided by: {b0}"))
    add(Step("monthly_before_minimum", int(c.monthly_before_minimum[i]), "kr/month", "RULES.md § 4.9",
             how=f"{kr(c.amount[i])} / 12 rounded to whole kroner, ties up"))
    if g("first_computation"):
        below = BINDING_NAMES[int(c.binding[i])] == "below_minimum"
        add(Step("minimum_payout", "not paid" if below else "paid", "", "§§ 33-34", use("minimum_payout"),
                 how=f"first computation: 12 × {int(c.monthly_before_minimum[i])} = "
                     f"{12 * int(c.monthly_before_minimum[i])} {'<' if below else '≥'} {rs['minimum_payout'].value}"
                 if b0 != "zero" else "first computation: nothing to pay anyway"))
    add(Step("monthly_benefit", int(c.monthly_benefit[i]), "kr/month", "RULES.md § 4.9", how="paid per month"))
    add(Step("annual_benefit", int(c.annual_benefit[i]), "kr", "RULES.md § 4.9",
             how=f"12 × {int(c.monthly_benefit[i])}"))
    add(Step("binding_limit", BINDING_NAMES[int(c.binding[i])], "", "RULES.md § 4.6",
             how="which rule decided the amount"))
    return steps


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
        elif isinstance(s.value, Decimal) or isinstance(s.value, int):
            val = f"{s.value} {s.unit}".strip()
        else:
            val = str(s.value)
        lines.append(f"{n:>3}. {s.name:<{width}}  {val:>18}  [{s.paragraph}]  {s.how}")
        for ru in s.rates:
            lines.append(f"{'':>5}{'':<{width}}  {'':>18}   rate {ru}")
    return "\n".join(lines)


def trail_title(case_id: str, year: int, benefit: str) -> str:
    return f"Case {case_id}: {benefit} {year} (rates: boligstoette_{year}.yaml)"
