"""Properties (hypothesis) and brute-force exactness against the Fraction reference."""

from __future__ import annotations

import math
from fractions import Fraction

import numpy as np
import pandas as pd
from hypothesis import given, settings
from hypothesis import strategies as st
from rules_helpers import RULES_SETTINGS
from rules_reference import reference

from boligstoette.rules import calculate
from boligstoette.rules.calc import compute
from boligstoette.rules.expense import area_limited_expense
from boligstoette.rules.limits import BINDING_NAMES
from boligstoette.rules.parse import parse_households
from boligstoette.rules.rates import BENEFITS

FLAGS = ("electricity_in_rent", "water_paid_separately", "drainage_paid_separately", "mobility_impaired",
         "round_the_clock_help", "disability_or_senior_pension", "no_maximum_dwelling", "first_computation")


def money(v: int) -> str:
    return f"{'-' if v < 0 else ''}{abs(v) // 100}.{abs(v) % 100:02d}"


@st.composite
def households(draw):
    persons = draw(st.integers(1, 8))
    children = draw(st.integers(0, persons - 1))
    heat = draw(st.sampled_from(["in_rent", "separate", "none"]))
    hh = {
        "case_id": "H",
        "year": str(draw(st.sampled_from([2024, 2025, 2026]))),
        "benefit": draw(st.sampled_from(BENEFITS)),
        "rent_monthly": money(draw(st.integers(0, 25_000_00))),
        "area_m2": money(draw(st.integers(1, 300_00))),
        "persons": str(persons),
        "children": str(children),
        "young_couple": "true" if (persons - children == 2 and draw(st.booleans())) else "false",
        "household_income": money(draw(st.integers(-50_000_00, 1_200_000_00))),
        "wealth": money(draw(st.one_of(st.just(0), st.integers(-300_000_00, 3_000_000_00)))),
        "heating_in_rent": "true" if heat == "in_rent" else "false",
        "hot_water_in_rent": "true" if heat == "in_rent" and draw(st.booleans()) else "false",
        "heating_paid_separately": "true" if heat == "separate" else "false",
        "maintenance_duty": draw(st.sampled_from(["ingen", "delvis", "fuld"])),
    }
    for f in FLAGS:
        hh[f] = "true" if draw(st.booleans()) else "false"
    return hh


def random_households(n: int, seed: int) -> pd.DataFrame:
    rng = np.random.default_rng(seed)
    persons = rng.integers(1, 9, n)
    children = (rng.random(n) * persons).astype(np.int64)
    heat = rng.integers(0, 3, n)
    rows = {
        "case_id": [f"R{i}" for i in range(n)],
        "year": rng.integers(2024, 2027, n).astype(str),
        "benefit": np.array(BENEFITS)[rng.integers(0, 2, n)],
        "rent_monthly": [money(int(v)) for v in rng.integers(0, 25_000_00, n)],
        "area_m2": [money(int(v)) for v in rng.integers(1, 300_00, n)],
        "persons": persons.astype(str), "children": children.astype(str),
        "young_couple": np.where((persons - children == 2) & (rng.random(n) < 0.5), "true", "false"),
        "household_income": [money(int(v)) for v in rng.integers(-50_000_00, 1_200_000_00, n)],
        "wealth": [money(int(v)) for v in np.where(rng.random(n) < 0.5, 0,
                                                     rng.integers(-300_000_00, 3_000_000_00, n))],
        "heating_in_rent": np.where(heat == 0, "true", "false"),
        "hot_water_in_rent": np.where((heat == 0) & (rng.random(n) < 0.5), "true", "false"),
        "heating_paid_separately": np.where(heat == 1, "true", "false"),
        "maintenance_duty": np.array(["ingen", "delvis", "fuld"])[rng.integers(0, 3, n)],
    }
    for f in FLAGS:
        rows[f] = np.where(rng.random(n) < 0.3, "true", "false")
    return pd.DataFrame(rows)


def _compare_with_reference(df: pd.DataFrame) -> None:
    c = compute(parse_households(df))
    got = {
        "housing_expense": c.housing_expense.tolist(), "eligible_expense": c.eligible_expense.tolist(),
        "income_basis": c.income_basis.tolist(), "formula_amount": c.formula_amount.tolist(),
        "amount": c.amount.tolist(), "monthly_benefit": c.monthly_benefit.tolist(),
        "annual_benefit": c.annual_benefit.tolist(),
        "binding_limit": [BINDING_NAMES[b] for b in c.binding.tolist()],
    }
    for i, row in enumerate(df.to_dict("records")):
        ref = reference(row)
        for key, values in got.items():
            assert values[i] == ref[key], (key, row)


@RULES_SETTINGS
@given(st.lists(households(), min_size=1, max_size=10))
def test_integer_engine_equals_fraction_reference(rows):
    _compare_with_reference(pd.DataFrame(rows))


def test_brute_force_many_random_households_equal_the_fraction_reference():
    _compare_with_reference(random_households(5000, seed=11))


# ------------------------------------------------------------------ area scaling at the ties

def _tie_cases(limit: int = 400):
    """(expense øre, allowed, area) whose exact scaled value is k + 1/2 øre, or 1/area from it."""
    cases = []
    rng = np.random.default_rng(3)
    for area in rng.integers(6502, 40000, 2000):
        area = int(area) * 2  # even, so a half øre is reachable
        allowed = int(rng.choice([6500, 8500, 10500, 7500]))
        if area <= allowed:
            continue
        es = np.arange(5_000_000, 5_000_000 + area, dtype=np.int64)
        hits = np.flatnonzero((es * allowed) % area == area // 2)
        if len(hits):
            e = int(es[hits[0]])
            cases += [(e, allowed, area), (e + 1, allowed, area), (e - 1, allowed, area)]
        if len(cases) >= limit:
            break
    return cases


def test_area_scaling_is_exact_at_and_next_to_the_ties():
    cases = _tie_cases()
    assert len(cases) >= 300
    e = np.array([c[0] for c in cases], dtype=np.int64)
    allowed = np.array([c[1] for c in cases], dtype=np.int64)
    area = np.array([c[2] for c in cases], dtype=np.int64)
    h = pd.DataFrame({"area_m2_x100": area})
    got = area_limited_expense(h, e, allowed)
    want = [math.floor(Fraction(a * b, s) + Fraction(1, 2)) for a, b, s in cases]
    assert got.tolist() == want
    # contrast: the same rounding done in binary floats lands on the wrong side of some ties
    # (deterministic with this seed: 8 of ~400 cases), which is why amounts never see a float
    floats = [math.floor(a * (b / s) + 0.5) for a, b, s in cases]
    assert sum(f != w for f, w in zip(floats, want, strict=True)) > 0


# ------------------------------------------------------------------ properties

def _variants(hh: dict, column: str, values: list[str]) -> pd.DataFrame:
    return pd.DataFrame([{**hh, column: v} for v in values])


@RULES_SETTINGS
@given(households())
def test_benefit_is_never_negative_and_never_above_the_maximum(hh):
    c = compute(parse_households(pd.DataFrame([hh])))
    assert c.annual_benefit[0] >= 0 and c.monthly_benefit[0] >= 0
    assert c.annual_benefit[0] == 12 * c.monthly_benefit[0]
    if c.maximum_benefit_applies[0]:
        maximum_ore = int(np.asarray(c.maximum_benefit)[0])
        assert c.amount[0] <= maximum_ore
        # after § 4.9 rounding the paid amount is at most the maximum rounded the same way
        assert c.monthly_benefit[0] <= math.floor(Fraction(maximum_ore, 1200) + Fraction(1, 2))


@RULES_SETTINGS
@given(households(), st.lists(st.integers(-50_000_00, 1_500_000_00), min_size=2, max_size=30))
def test_benefit_does_not_rise_with_income(hh, incomes):
    incomes = sorted(incomes)
    out = calculate(_variants(hh, "household_income", [money(v) for v in incomes]))
    assert (np.diff(out["annual_benefit"].to_numpy()) <= 0).all()
    assert (np.diff(out["formula_amount_ore"].to_numpy()) <= 0).all()


@RULES_SETTINGS
@given(households(), st.lists(st.integers(-300_000_00, 5_000_000_00), min_size=2, max_size=30))
def test_benefit_does_not_rise_with_wealth(hh, wealths):
    out = calculate(_variants(hh, "wealth", [money(v) for v in sorted(wealths)]))
    assert (np.diff(out["annual_benefit"].to_numpy()) <= 0).all()


@RULES_SETTINGS
@given(households(), st.lists(st.integers(0, 30_000_00), min_size=2, max_size=30))
def test_benefit_does_not_fall_with_rent(hh, rents):
    out = calculate(_variants(hh, "rent_monthly", [money(v) for v in sorted(rents)]))
    assert (np.diff(out["annual_benefit"].to_numpy()) >= 0).all()
    assert (np.diff(out["eligible_expense_ore"].to_numpy()) >= 0).all()


@RULES_SETTINGS
@given(households())
def test_below_minimum_only_when_first_computation(hh):
    out = calculate(pd.DataFrame([{**hh, "first_computation": "false"}]))
    assert str(out["binding_limit"].iat[0]) != "below_minimum"


@settings(parent=RULES_SETTINGS, max_examples=40)
@given(households())
def test_row_order_and_independence(hh):
    # a household's result does not depend on the other rows of the frame
    other = {**hh, "case_id": "OTHER", "benefit": "boligydelse", "year": "2024"}
    alone = calculate(pd.DataFrame([hh]))
    together = calculate(pd.DataFrame([other, hh, other]))
    for col in ("annual_benefit", "formula_amount_ore", "eligible_expense_ore"):
        assert together[col].iat[1] == alone[col].iat[0]
