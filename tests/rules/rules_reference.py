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


def reference(hh: dict) -> dict:
    """hh: calc.md input with exact values (str / int / bool). Returns amounts in øre (int)."""
    hh = {k: v for k, v in hh.items() if v is not None and v == v and v != ""}  # drop None/NaN/empty
    f = lambda k, d="0": Fraction(str(hh.get(k, d)))  # noqa: E731
    b = lambda k: str(hh.get(k, "false")).lower() == "true"  # noqa: E731
    year, benefit = int(hh["year"]), hh["benefit"]
    r = rates(year, benefit)
    by = benefit == "boligydelse"
    rent, area = f("rent_monthly"), f("area_m2")
    persons, children = int(hh["persons"]), int(hh.get("children", 0))
    mob, help96 = b("mobility_impaired"), b("round_the_clock_help")
    maint = hh.get("maintenance_duty", "ingen") or "ingen"

    # § 10
    expense = 12 * rent
    if b("heating_in_rent"):
        expense -= ore(area * r["deduction_heating_m2"])
    if b("hot_water_in_rent"):
        expense -= ore(area * r["deduction_hot_water_m2"])
    if b("electricity_in_rent"):
        expense -= ore(area * r["deduction_electricity_m2"])
    if b("water_paid_separately"):
        expense += ore(area * r["supplement_water_m2"])
    if b("drainage_paid_separately"):
        expense += ore(area * r["supplement_drainage_m2"])
    if maint == "fuld":
        expense += ore(area * r["supplement_maintenance_full_m2"])
    elif maint == "delvis":
        expense += ore(area * r["supplement_maintenance_partial_m2"])
    if b("heating_paid_separately"):
        expense += ore(area * r["supplement_heating_m2"])
    expense = max(expense, Fraction(0))

    # § 12
    allowed = r["area_first_person_m2"] + r["area_per_extra_person_m2"] * (persons - 1) + \
        (r["area_mobility_extra_m2"] if mob else 0)
    limited = ore(expense * allowed / area) if area > allowed else expense

    # § 14
    no_max = by and b("no_maximum_dwelling")
    factor = 1 + r["max_expense_raise_per_child"] * min(children, 4) + \
        (r["max_expense_raise_mobility_or_help"] if (mob or help96) else 0)
    max_expense = Fraction(math.floor(r["max_annual_expense"] * factor / 100 + HALF)) * 100
    eligible = limited if no_max else min(limited, max_expense)

    # § 8 a, § 8
    w = f("wealth")
    l1, l2 = r["wealth_limit_1"], r["wealth_limit_2"]
    supp = ore(r["wealth_share_1"] * min(max(w - l1, 0), l2 - l1) + r["wealth_share_2"] * max(w - l2, 0))
    income = f("household_income") + supp

    # § 21 / § 22
    steps = min(max(children - 1, 0), 3)
    if b("young_couple") and not by:
        steps += min(children, 3)
    threshold = r["income_threshold"] + r["threshold_raise_per_child"] * steps
    e_part = ore(r["expense_share"] * (eligible + r["expense_supplement"]))
    i_part = ore(r["income_share"] * max(income - threshold, 0))
    formula = e_part - i_part

    required = max(ore(r["own_payment_income_share"] * income), r["min_own_payment"])
    own_limit = eligible - required
    cap_applies = (not by) and children == 0 and not (b("disability_or_senior_pension") or mob or help96)
    cap = ore(r["cap_no_children_share"] * eligible)
    mfactor = 1 + (r["max_benefit_raise_four_children"] if children >= 4 else 0) + \
        (r["max_benefit_raise_mobility"] if mob else (r["max_benefit_raise_round_the_clock_help"] if help96 else 0))
    maximum = ore(r["max_annual_benefit"] * mfactor)

    candidates = [("formula", formula), ("own_payment", own_limit)]
    if cap_applies:
        candidates.append(("cap_15pct", cap))
    if not no_max:
        candidates.append(("maximum", maximum))
    amount = min(v for _, v in candidates)
    binding = next(n for n, v in candidates if v == amount)
    if amount <= 0:
        amount, binding = Fraction(0), "zero"
    monthly = math.floor(amount / 12 + HALF)
    if b("first_computation") and binding != "zero" and 12 * monthly < r["minimum_payout"]:
        monthly, binding = 0, "below_minimum"
    if monthly == 0 and binding != "below_minimum":
        binding = "zero"
    return {
        "housing_expense": to_ore_int(expense),
        "eligible_expense": to_ore_int(eligible),
        "income_basis": to_ore_int(income),
        "formula_amount": to_ore_int(formula),
        "amount": to_ore_int(amount),
        "maximum": to_ore_int(maximum) if not no_max else None,
        "monthly_benefit": monthly,
        "annual_benefit": 12 * monthly,
        "binding_limit": binding,
    }
