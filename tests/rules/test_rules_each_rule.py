"""One test per rule and per exception (2025 rates unless stated; amounts in øre)."""

from __future__ import annotations

import numpy as np
import pytest
from rules_helpers import one

from boligstoette.rules.limits import (
    BINDING_NAMES,
    CAP_15PCT,
    FORMULA,
    MAXIMUM,
    OWN_PAYMENT,
    ZERO,
    apply_limits,
)

KR = 100


# ------------------------------------------------------------------ § 10 housing expense

def test_annual_rent_is_twelve_times_monthly():
    r = one(rent_monthly="5000.25")
    assert r.items["rent_annual"] == 60003_00


@pytest.mark.parametrize("flag,item,rate", [
    ("heating_in_rent", "deduction_heating", 9025),
    ("hot_water_in_rent", "deduction_hot_water", 2850),
    ("electricity_in_rent", "deduction_electricity", 6800),
])
def test_per_m2_deductions_when_in_rent(flag, item, rate):  # § 10 stk. 2
    r = one(**{flag: True, "area_m2": "50"})
    assert r.items[item] == 50 * rate
    assert r.housing_expense == 60000_00 - 50 * rate
    assert one(area_m2="50").items[item] == 0


@pytest.mark.parametrize("flag,item,rate", [
    ("water_paid_separately", "supplement_water", 1500),       # § 10 stk. 3
    ("drainage_paid_separately", "supplement_drainage", 2175),  # § 10 stk. 3
    ("heating_paid_separately", "supplement_heating", 3450),   # § 10 stk. 5
])
def test_per_m2_supplements_when_paid_separately(flag, item, rate):
    r = one(**{flag: True, "area_m2": "50"})
    assert r.items[item] == 50 * rate
    assert r.housing_expense == 60000_00 + 50 * rate


@pytest.mark.parametrize("duty,amount", [("ingen", 0), ("delvis", 50 * 3375), ("fuld", 50 * 6800)])
def test_maintenance_supplement(duty, amount):  # § 10 stk. 4
    assert one(maintenance_duty=duty, area_m2="50").items["supplement_maintenance"] == amount


def test_per_m2_amount_on_decimal_area_rounds_half_up_to_the_ore():
    # 55.01 m² × 34.50 kr = 1897.845 kr → 1897.85
    assert one(heating_paid_separately=True, area_m2="55.01").items["supplement_heating"] == 1897_85
    # 10.01 m² × 90.25 = 903.4025 → 903.40
    assert one(heating_in_rent=True, area_m2="10.01").items["deduction_heating"] == 903_40


def test_expense_is_never_negative():
    r = one(rent_monthly="100", area_m2="60", heating_in_rent=True, hot_water_in_rent=True,
            electricity_in_rent=True, household_income="0")
    assert r.housing_expense == 0
    assert r.annual_benefit == 0


# ------------------------------------------------------------------ § 12 area limit

@pytest.mark.parametrize("persons,children,mobility,limit", [
    (1, 0, False, 65), (2, 0, False, 85), (4, 2, False, 125), (1, 0, True, 75), (3, 1, True, 115),
])
def test_area_limit(persons, children, mobility, limit):
    r = one(persons=persons, children=children, mobility_impaired=mobility)
    assert r.area_limit_x100 == limit * 100


def test_area_scaling_above_the_limit():
    r = one(benefit="boligydelse", rent_monthly="11000", area_m2="70", household_income="170000")
    assert r.area_limited_expense == 122571_43   # 132000 × 65 / 70 = 122571.428... → .43
    r = one(rent_monthly="7500", area_m2="75")     # bolius example: 7500 × 65/75 per month
    assert r.area_limited_expense == 78000_00


def test_area_at_the_limit_is_not_scaled_and_decimal_area_just_above_is():
    assert one(rent_monthly="6000", area_m2="65").area_limited_expense == 72000_00
    # 72000 × 65 / 65.01 = 71988.9247... → 71988.92
    assert one(rent_monthly="6000", area_m2="65.01").area_limited_expense == 71988_92


# ------------------------------------------------------------------ § 14 maximum expense

@pytest.mark.parametrize("children,expected", [
    (0, 94200), (1, 98900), (2, 103600), (3, 108300), (4, 113000), (5, 113000),
])
def test_maximum_expense_per_child_up_to_four(children, expected):
    r = one(persons=children + 1, children=children)
    assert r.maximum_expense == expected * KR


@pytest.mark.parametrize("flags", [{"mobility_impaired": True}, {"round_the_clock_help": True},
                                   {"mobility_impaired": True, "round_the_clock_help": True}])
def test_maximum_expense_mobility_or_help_raise_once(flags):  # § 14 stk. 2-3
    assert one(**flags).maximum_expense == 141300 * KR           # 94200 × 1.5
    # additive with the child raise: 94200 × (1 + 0.10 + 0.50) = 150720 → 150700
    assert one(persons=3, children=2, **flags).maximum_expense == 150700 * KR


def test_eligible_expense_is_capped_at_the_maximum():
    r = one(rent_monthly="9000", area_m2="60")  # 108000 > 94200
    assert r.eligible_expense == 94200 * KR


def test_no_maximum_expense_for_boligydelse_in_a_no_maximum_dwelling():  # § 14 stk. 4-5
    r = one(benefit="boligydelse", rent_monthly="12500", area_m2="65", household_income="190000",
            no_maximum_dwelling=True)
    assert not r.maximum_expense_applies and r.eligible_expense == 150000_00
    # the flag does nothing for boligsikring
    r = one(rent_monthly="12500", area_m2="65", no_maximum_dwelling=True)
    assert r.maximum_expense_applies and r.eligible_expense == 94200_00


# ------------------------------------------------------------------ § 8, § 8 a income

@pytest.mark.parametrize("wealth,supplement", [
    ("0", 0), ("-50000", 0), ("884100", 0),
    ("1000000", 11590_00),                       # 10 % × (1000000 − 884100)
    ("1768300", 88420_00),                       # 10 % × (1768300 − 884100)
    ("2000000", 88420_00 + 46340_00),            # + 20 % × (2000000 − 1768300)
    ("884100.05", 1),                            # 10 % × 0.05 kr = 0.005 → 0.01 (half up)
])
def test_wealth_supplement(wealth, supplement):
    r = one(wealth=wealth)
    assert r.wealth_supplement == supplement
    assert r.income_basis == 150000_00 + supplement


# ------------------------------------------------------------------ § 21/22 formula

@pytest.mark.parametrize("children,steps", [(0, 0), (1, 0), (2, 1), (3, 2), (4, 3), (5, 3)])
def test_threshold_raise_per_child_beyond_the_first_up_to_four(children, steps):
    r = one(persons=children + 1, children=children)
    assert r.income_threshold == (167900 + 44200 * steps) * KR


@pytest.mark.parametrize("children,steps", [(0, 0), (1, 1), (2, 1 + 2), (3, 2 + 3), (4, 3 + 3)])
def test_young_couple_raise_on_top_of_the_child_raise(children, steps):  # § 22 stk. 1, open point
    r = one(persons=children + 2, children=children, young_couple=True)
    assert r.income_threshold == (167900 + 44200 * steps) * KR


def test_young_couple_raise_is_boligsikring_only():
    r = one(benefit="boligydelse", persons=4, children=2, young_couple=True)
    assert r.income_threshold == (192200 + 50600) * KR


def test_boligsikring_formula_60_and_18_percent():  # § 22 stk. 1
    r = one(rent_monthly="5000", area_m2="50", household_income="200000")
    assert r.expense_part == 36000_00
    assert r.income_part == 5778_00            # 18 % × (200000 − 167900)
    assert r.formula_amount == 30222_00


def test_boligydelse_formula_75_and_22_5_percent_with_tillaeg():  # § 21 stk. 1
    r = one(benefit="boligydelse", rent_monthly="5000", area_m2="50", household_income="200000.10")
    assert r.expense_part == 51075_00          # 75 % × (60000 + 8100)
    assert r.income_part == 1755_02            # 22.5 % × 7800.10 = 1755.0225 → 1755.02
    assert r.formula_amount == 49319_98


def test_formula_may_be_negative_and_then_the_benefit_is_zero():
    r = one(rent_monthly="7000", area_m2="60", household_income="500000")
    assert r.formula_amount < 0 and r.annual_benefit == 0 and r.binding_name == "zero"


# ------------------------------------------------------------------ own payment

def test_own_payment_boligsikring_fixed_minimum():  # § 22 stk. 2
    r = one(rent_monthly="3000", area_m2="70", persons=3, children=1)
    assert r.required_own_payment == 28300_00
    assert r.own_payment_limit == 7700_00 and r.binding_name == "own_payment"


@pytest.mark.parametrize("income,required", [("150000", 20300_00), ("200000", 22000_00), ("200000.05", 22000_01)])
def test_own_payment_boligydelse_max_of_11_percent_and_minimum(income, required):  # § 21 stk. 2
    r = one(benefit="boligydelse", household_income=income)
    assert r.required_own_payment == required


# ------------------------------------------------------------------ § 22 stk. 3 the 15 % cap

def test_cap_applies_without_children():
    r = one()  # B 60000, formula 36000, own-payment limit 31700
    assert r.cap_applies and r.cap_15pct == 9000_00 and r.binding_name == "cap_15pct"
    assert r.annual_benefit == 9000


@pytest.mark.parametrize("flag", ["disability_or_senior_pension", "mobility_impaired", "round_the_clock_help"])
def test_cap_exceptions(flag):
    r = one(**{flag: True})
    assert not r.cap_applies
    assert r.binding_name == "own_payment" and r.annual_benefit == 31704   # 31700/12 = 2641.67 → 2642


def test_cap_does_not_apply_with_children_or_to_boligydelse():
    assert not one(persons=2, children=1).cap_applies
    assert not one(benefit="boligydelse").cap_applies


# ------------------------------------------------------------------ § 23 maximum benefit

def test_maximum_benefit_base():
    r = one(rent_monthly="12000", area_m2="100", persons=5, children=3, household_income="100000")
    assert r.maximum_benefit == 49716_00 and r.binding_name == "maximum" and r.annual_benefit == 49716


def test_maximum_benefit_raised_25_percent_with_four_or_more_children():
    for children in (4, 5):
        r = one(rent_monthly="12000", area_m2="100", persons=children + 1, children=children,
                household_income="100000")
        assert r.maximum_benefit == 62145_00 and r.annual_benefit == 62148


@pytest.mark.parametrize("flags", [{"mobility_impaired": True}, {"round_the_clock_help": True},
                                   {"mobility_impaired": True, "round_the_clock_help": True}])
def test_maximum_benefit_raised_50_percent_once_for_mobility_or_help(flags):
    assert one(**flags).maximum_benefit == 74574_00          # 49716 × 1.5


def test_maximum_benefit_raises_are_additive():  # open point: 4+ children and mobility
    r = one(rent_monthly="15000", area_m2="100", persons=6, children=4, household_income="100000",
            mobility_impaired=True)
    assert r.maximum_benefit == 87003_00                     # 49716 × 1.75
    assert r.binding_name == "maximum" and r.annual_benefit == 87000   # 7250.25 → 7250


def test_no_maximum_benefit_for_boligydelse_in_a_no_maximum_dwelling():  # § 23 stk. 2-3
    r = one(benefit="boligydelse", rent_monthly="12500", area_m2="65", household_income="190000",
            no_maximum_dwelling=True)
    assert not r.maximum_benefit_applies and r.annual_benefit == 118572 and r.binding_name == "formula"


# ------------------------------------------------------------------ §§ 33-34 minimum payout

def test_below_minimum_only_when_first_computation():
    kw = dict(rent_monthly="6000", area_m2="50", persons=2, children=1, household_income="395000")
    first = one(first_computation=True, **kw)
    assert first.annual_benefit == 0 and first.binding_name == "below_minimum"
    ongoing = one(first_computation=False, **kw)
    assert ongoing.annual_benefit == 2328 and ongoing.binding_name == "formula"   # 2322/12 = 193.5 → 194


def test_minimum_is_compared_after_rounding():
    # 3642 kr/year → 303.5 → 304 kr/month → 3648 = the 2025 boligsikring minimum: paid
    r = one(rent_monthly="6000", area_m2="50", persons=2, children=1, household_income="387666.67",
            first_computation=True)
    assert r.income_part == 39558_00            # 18 % × 219766.67 = 39558.0006 → 39558.00
    assert r.amount == 3642_00
    assert r.monthly_benefit == 304 and r.binding_name == "formula"


def test_positive_amount_rounding_to_zero_is_zero():
    r = one(rent_monthly="6000", area_m2="50", persons=2, children=1, household_income="407880")
    assert r.amount == 3_60                     # 43200 − 18 % × 239980 = 3.60 → 0.30 kr/month
    assert r.monthly_benefit == 0 and r.binding_name == "zero"
    assert 0 < r.amount < 6_00 and r.monthly_benefit == 0 and r.binding_name == "zero"


# ------------------------------------------------------------------ result and binding

def test_apply_limits_precedence_on_ties_and_zero():
    f = np.array([100, 100, 300, 300, -5, 50])
    own = np.array([100, 200, 300, 300, 10, 0])
    cap = np.array([999, 999, 300, 999, 999, 999])
    mx = np.array([999, 100, 999, 300, 999, 999])
    amount, binding = apply_limits(f, own, cap, np.array([True] * 6), mx, np.array([True] * 6))
    assert amount.tolist() == [100, 100, 300, 300, 0, 0]
    assert binding.tolist() == [FORMULA, FORMULA, FORMULA, FORMULA, ZERO, ZERO]
    amount, binding = apply_limits(np.array([500]), np.array([400]), np.array([300]), np.array([True]),
                                   np.array([200]), np.array([True]))
    assert binding.tolist() == [MAXIMUM]
    amount, binding = apply_limits(np.array([500]), np.array([400]), np.array([300]), np.array([True]),
                                   np.array([200]), np.array([False]))
    assert binding.tolist() == [CAP_15PCT]
    amount, binding = apply_limits(np.array([500]), np.array([400]), np.array([300]), np.array([False]),
                                   np.array([200]), np.array([False]))
    assert binding.tolist() == [OWN_PAYMENT]
    assert BINDING_NAMES == ("formula", "own_payment", "cap_15pct", "maximum", "below_minimum", "zero")


def test_annual_is_twelve_times_monthly_and_no_float_anywhere():
    r = one(rent_monthly="5500", area_m2="55", heating_paid_separately=True, household_income="180000")
    c = r.c
    assert c.annual_benefit[0] == 12 * c.monthly_benefit[0]
    for name in ("eligible_expense", "income_basis", "formula_amount", "amount", "own_payment_limit",
                 "cap_15pct", "monthly_benefit", "annual_benefit", "wealth_supplement"):
        assert np.asarray(getattr(c, name)).dtype == np.int64, name
    for name, arr in c.items.items():
        assert np.asarray(arr).dtype == np.int64, name


@pytest.mark.parametrize("children,monthly", [(0, 4563), (4, 5704)])
def test_published_boligydelse_2024_maximum_per_month(children, monthly):
    # borger.dk (RULES.md § 5, 2024): max 4.563 kr/month, 5.704 with 4+ children
    # = 54756 / 12 and 54756 × 1.25 = 68445 → 5703.75 → 5704 (§ 4.9 rounding)
    r = one(year=2024, benefit="boligydelse", rent_monthly="15000", area_m2="100", persons=children + 2,
            children=children, household_income="100000")
    assert r.binding_name == "maximum" and r.monthly_benefit == monthly
