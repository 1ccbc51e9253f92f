"""The Python API: explain_household, calculate on Python values, input checks."""

from __future__ import annotations

from decimal import Decimal

import pandas as pd
import pytest
from rules_helpers import frame

from boligstoette.rules import InputError, Step, calculate, explain_household, explain_rows, render_trail


def test_trail_order_paragraphs_and_rates(examples):
    steps = explain_household(examples, "C06")
    names = [s.name for s in steps]
    assert names[0] == "rent_annual" and names[-1] == "binding_limit"
    order = ["housing_expense", "area_limit", "area_limited_expense", "maximum_expense", "eligible_expense",
             "wealth_supplement", "income_basis", "income_threshold", "expense_part", "income_part",
             "formula_amount", "required_own_payment", "own_payment_limit", "cap_15pct", "maximum_benefit",
             "amount_after_limits", "monthly_benefit", "annual_benefit", "binding_limit"]
    assert [n for n in names if n in order] == order
    by = {s.name: s for s in steps}
    assert all(isinstance(s, Step) and s.paragraph for s in steps)
    assert by["maximum_benefit"].value == Decimal("62145.00")
    assert {r.key for r in by["maximum_benefit"].rates} == {"max_annual_benefit", "max_benefit_raise_four_children"}
    assert by["maximum_benefit"].rate.value == Decimal("49716")
    assert by["deduction_heating"].paragraph == "§ 10 stk. 2"
    assert by["binding_limit"].value == "maximum"
    assert "UNCONFIRMED" in render_trail(steps)


def test_explain_accepts_a_series_or_dict(examples):
    row = examples[examples.case_id == "C14"].iloc[0]
    a = explain_household(row)
    b = explain_household(row.to_dict())
    c = explain_household(examples, "C14")
    assert a == b == c


def test_explain_unknown_and_ambiguous_case(examples):
    with pytest.raises(KeyError):
        explain_household(examples, "NOPE")
    twice = pd.concat([examples, examples.assign(year="2024")])
    with pytest.raises(ValueError, match="pass year="):
        explain_household(twice, "C01")
    assert explain_household(twice, "C01", year=2024)[-1].name == "binding_limit"


def test_explain_rows_agrees_with_calculate(examples):
    trails = explain_rows(examples)
    out = calculate(examples)
    for trail, (_, row) in zip(trails, out.iterrows(), strict=True):
        by = {s.name: s for s in trail}
        assert by["annual_benefit"].value == row["annual_benefit"]
        assert by["binding_limit"].value == row["binding_limit"]


def test_calculate_accepts_python_ints_decimals_and_bools():
    df = pd.DataFrame([{
        "case_id": "P", "year": 2025, "benefit": "boligsikring", "rent_monthly": Decimal("5500.00"),
        "area_m2": 55, "persons": 1, "household_income": 180000, "heating_paid_separately": True,
    }])
    out = calculate(df)
    assert out["annual_benefit"].iat[0] == 10188 and out["housing_expense_ore"].iat[0] == 67897_50


def test_calculate_refuses_binary_floats_for_money():
    df = pd.DataFrame([{"case_id": "F", "year": 2025, "benefit": "boligsikring", "rent_monthly": 5500.1,
                        "area_m2": "55", "persons": 1, "household_income": "180000"}])
    with pytest.raises(InputError) as exc:
        calculate(df)
    assert exc.value.problems[0].column == "rent_monthly"
    assert "binary float" in exc.value.problems[0].message


def test_input_error_lists_every_problem_with_row_and_column():
    df = frame({"rent_monthly": "x"}, {}, {"persons": "0", "area_m2": "-1"})
    with pytest.raises(InputError) as exc:
        calculate(df)
    where = [(p.row, p.column) for p in exc.value.problems]
    assert where == [(0, "rent_monthly"), (2, "area_m2"), (2, "persons")]
    assert exc.value.lines()[0].startswith("line 2, column rent_monthly")


def test_extreme_values_at_the_range_limits_stay_exact():
    from rules_reference import reference

    rows = [
        {"rent_monthly": "10000000.00", "area_m2": "100000", "persons": "100", "children": "99",
         "household_income": "-10000000000.00", "wealth": "10000000000.00", "benefit": "boligydelse",
         "no_maximum_dwelling": "true", "heating_paid_separately": "true", "maintenance_duty": "fuld"},
        {"rent_monthly": "10000000.00", "area_m2": "0.01", "persons": "1", "household_income": "10000000000.00",
         "wealth": "-10000000000.00"},
    ]
    df = frame(*rows)
    out = calculate(df)
    for i, row in enumerate(df.to_dict("records")):
        ref = reference(row)
        assert out["eligible_expense_ore"].iat[i] == ref["eligible_expense"]
        assert out["income_basis_ore"].iat[i] == ref["income_basis"]
        assert out["formula_amount_ore"].iat[i] == ref["formula_amount"]
        assert out["annual_benefit"].iat[i] == ref["annual_benefit"]


def test_rules_package_does_not_import_dagster():
    import subprocess
    import sys

    code = ("import sys, boligstoette.rules, boligstoette.rules.cli; "
            "print(any(m == 'dagster' or m.startswith('dagster.') for m in sys.modules))")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "False"
