"""An independent, scalar, exact reference of the rules using ``fractions.Fraction``.

Written from RULES.md and docs/rules.md (rounding table), not from the package code: every
reported step is the exact rational value of its definition, rounded half up to the øre
(``floor(x + 1/2)``); the monthly benefit is the amount / 12 rounded half up to the krone.
Rates are read straight from the YAML text (plain ``yaml.safe_load``, Fractions from the
decimal strings), not through the package's loader or its integer representation.
"""

from __future__ import annotations

import math
from fractions import Fraction
from functools import cache
from pathlib import Path

import yaml

RATES_DIR = Path(__file__).resolve().parents[2] / "boligstoette" / "rules" / "rates"
HALF = Fraction(1, 2)


@cache
def rates(year: int, benefit: str) -> dict[str, Fraction]:
    doc = yaml.safe_load((RATES_DIR / f"boligstoette_{year}.yaml").read_text(encoding="utf-8"))
    return {k: Fraction(str(e["value"])) for k, e in doc["benefits"][benefit].items()}


def ore(x: Fraction) -> Fraction:
    """Round kroner half up to the øre."""
    return Fraction(math.floor(x * 100 + HALF), 100)


def to_ore_int(x: Fraction) -> int:
    assert x.denominator in (1, 2, 4, 5, 10, 20, 25, 50, 100), x
    return int(x * 100)


class Household:
    """One calc.md input row with exact values; None, NaN and empty mean "not given"."""

    def __init__(self, hh: dict):
        self.hh = {k: v for k, v in hh.items() if v is not None and v == v and v != ""}
        self.year, self.benefit = int(self.hh["year"]), self.hh["benefit"]
        self.boligydelse = self.benefit == "boligydelse"
        self.persons, self.children = int(self.hh["persons"]), int(self.hh.get("children", 0))
        self.area = self.money("area_m2")
        self.mobility, self.help96 = self.flag("mobility_impaired"), self.flag("round_the_clock_help")

    def money(self, key: str) -> Fraction:
        return Fraction(str(self.hh.get(key, "0")))

    def flag(self, key: str) -> bool:
        return str(self.hh.get(key, "false")).lower() == "true"


PER_M2 = (  # § 10: (flag, rate, sign)
    ("heating_in_rent", "deduction_heating_m2", -1),
    ("hot_water_in_rent", "deduction_hot_water_m2", -1),
    ("electricity_in_rent", "deduction_electricity_m2", -1),
    ("water_paid_separately", "supplement_water_m2", 1),
    ("drainage_paid_separately", "supplement_drainage_m2", 1),
    ("heating_paid_separately", "supplement_heating_m2", 1),
)
MAINTENANCE = {"fuld": "supplement_maintenance_full_m2", "delvis": "supplement_maintenance_partial_m2"}


def housing_expense(x: Household, r: dict) -> Fraction:
    """§ 10: 12 × rent − deductions + supplements, each item half up to the øre, never below 0."""
    expense = 12 * x.money("rent_monthly")
    for flag, key, sign in PER_M2:
        if x.flag(flag):
            expense += sign * ore(x.area * r[key])
    maint = x.hh.get("maintenance_duty", "ingen") or "ingen"
    if maint in MAINTENANCE:
        expense += ore(x.area * r[MAINTENANCE[maint]])
    return max(expense, Fraction(0))


def area_limited(x: Household, r: dict, expense: Fraction) -> Fraction:
    """§ 12: scaled by allowed / actual area above the area limit."""
    allowed = r["area_first_person_m2"] + r["area_per_extra_person_m2"] * (x.persons - 1) + \
        (r["area_mobility_extra_m2"] if x.mobility else 0)
    return ore(expense * allowed / x.area) if x.area > allowed else expense


def no_maximum(x: Household) -> bool:
    """§ 14 stk. 4-5 / § 23 stk. 2-3: boligydelse in a no-maximum dwelling."""
    return x.boligydelse and x.flag("no_maximum_dwelling")


def eligible_expense(x: Household, r: dict, limited: Fraction) -> Fraction:
    """§ 14: at most the raised maximum, rounded to the nearest 100 kr."""
    factor = 1 + r["max_expense_raise_per_child"] * min(x.children, 4) + \
        (r["max_expense_raise_mobility_or_help"] if (x.mobility or x.help96) else 0)
    max_expense = Fraction(math.floor(r["max_annual_expense"] * factor / 100 + HALF)) * 100
    return limited if no_maximum(x) else min(limited, max_expense)


def income_basis(x: Household, r: dict) -> Fraction:
    """§ 8 a (wealth supplement, half up to the øre) and § 8 stk. 6."""
    w = x.money("wealth")
    l1, l2 = r["wealth_limit_1"], r["wealth_limit_2"]
    supp = ore(r["wealth_share_1"] * min(max(w - l1, 0), l2 - l1) + r["wealth_share_2"] * max(w - l2, 0))
    return x.money("household_income") + supp


def formula_amount(x: Household, r: dict, eligible: Fraction, income: Fraction) -> Fraction:
    """§ 21 stk. 1 / § 22 stk. 1 with the threshold T (§ 72, young couples)."""
    steps = min(max(x.children - 1, 0), 3)
    if x.flag("young_couple") and not x.boligydelse:
        steps += min(x.children, 3)
    threshold = r["income_threshold"] + r["threshold_raise_per_child"] * steps
    e_part = ore(r["expense_share"] * (eligible + r["expense_supplement"]))
    i_part = ore(r["income_share"] * max(income - threshold, 0))
    return e_part - i_part


def maximum_benefit(x: Household, r: dict) -> Fraction:
    """§ 23 stk. 1: base × (1 + 25 % with 4+ children + 50 % mobility, or else 50 % § 96 help)."""
    raise_help = r["max_benefit_raise_round_the_clock_help"] if x.help96 else 0
    mfactor = 1 + (r["max_benefit_raise_four_children"] if x.children >= 4 else 0) + \
        (r["max_benefit_raise_mobility"] if x.mobility else raise_help)
    return ore(r["max_annual_benefit"] * mfactor)


def limit_candidates(x: Household, r: dict, eligible, income, formula, maximum) -> list[tuple[str, Fraction]]:
    """The formula and the limits that apply, in tie-break order (RULES.md § 4.6)."""
    required = max(ore(r["own_payment_income_share"] * income), r["min_own_payment"])
    candidates = [("formula", formula), ("own_payment", eligible - required)]
    exception = x.flag("disability_or_senior_pension") or x.mobility or x.help96
    if not x.boligydelse and x.children == 0 and not exception:
        candidates.append(("cap_15pct", ore(r["cap_no_children_share"] * eligible)))
    if not no_maximum(x):
        candidates.append(("maximum", maximum))
    return candidates


def payout(x: Household, r: dict, candidates) -> tuple[Fraction, int, str]:
    """RULES.md § 4.6 / § 4.9 and §§ 33-34: (amount, monthly kroner, binding limit)."""
    amount = min(v for _, v in candidates)
    binding = next(n for n, v in candidates if v == amount)
    if amount <= 0:
        amount, binding = Fraction(0), "zero"
    monthly = math.floor(amount / 12 + HALF)
    if x.flag("first_computation") and binding != "zero" and 12 * monthly < r["minimum_payout"]:
        monthly, binding = 0, "below_minimum"
    if monthly == 0 and binding != "below_minimum":
        binding = "zero"
    return amount, monthly, binding


def reference(hh: dict) -> dict:
    """hh: calc.md input with exact values (str / int / bool). Returns amounts in øre (int)."""
    x = Household(hh)
    r = rates(x.year, x.benefit)
    expense = housing_expense(x, r)
    eligible = eligible_expense(x, r, area_limited(x, r, expense))
    income = income_basis(x, r)
    formula = formula_amount(x, r, eligible, income)
    maximum = maximum_benefit(x, r)
    amount, monthly, binding = payout(x, r, limit_candidates(x, r, eligible, income, formula, maximum))
    return {
        "housing_expense": to_ore_int(expense),
        "eligible_expense": to_ore_int(eligible),
        "income_basis": to_ore_int(income),
        "formula_amount": to_ore_int(formula),
        "amount": to_ore_int(amount),
        "maximum": to_ore_int(maximum) if not no_maximum(x) else None,
        "monthly_benefit": monthly,
        "annual_benefit": 12 * monthly,
        "binding_limit": binding,
    }
