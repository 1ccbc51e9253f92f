"""The whole calculation, vectorised: households in, every intermediate value and result out.

>>> from boligstoette.rules import calculate
>>> out = calculate(df)   # df with calc.md input columns (strings, ints, Decimals, bools)

``calculate`` returns exact integers (``*_ore`` columns in øre, benefits in whole kroner);
:func:`to_contract_frame` formats them as calc.md's output (two-decimal money strings).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

from . import expense, formula, income, limits
from .csvio import money_strings
from .limits import BINDING_NAMES
from .parse import parse_households
from .rates import RateBook, RowRates, default_rate_book


@dataclass
class Computation:
    """All intermediate arrays of one vectorised run (int64 øre unless noted)."""

    h: pd.DataFrame
    r: RowRates
    items: dict[str, np.ndarray]       # § 10 items incl. rent_annual and housing_expense
    area_limit_x100: np.ndarray         # § 12, hundredths of a m²
    area_limited_expense: np.ndarray
    maximum_expense_applies: np.ndarray  # bool
    maximum_expense: np.ndarray
    eligible_expense: np.ndarray
    wealth_supplement: np.ndarray
    income_basis: np.ndarray
    income_threshold: np.ndarray
    expense_part: np.ndarray
    income_part: np.ndarray
    formula_amount: np.ndarray
    required_own_payment: np.ndarray
    own_payment_limit: np.ndarray
    cap_applies: np.ndarray             # bool
    cap_15pct: np.ndarray
    maximum_benefit_applies: np.ndarray  # bool
    maximum_benefit: np.ndarray
    amount: np.ndarray                  # after the limits, before rounding (≥ 0)
    monthly_before_minimum: np.ndarray  # whole kroner
    monthly_benefit: np.ndarray         # whole kroner
    annual_benefit: np.ndarray          # whole kroner
    binding_before_minimum: np.ndarray  # int8 code
    binding: np.ndarray                 # int8 code

    @property
    def housing_expense(self) -> np.ndarray:
        return self.items["housing_expense"]


def compute(h: pd.DataFrame, book: RateBook | None = None) -> Computation:
    """Run every rule on the parsed households frame ``h`` (parse.parse_households)."""
    book = book or default_rate_book()
    r = book.row_rates(h["year"].to_numpy(), h["benefit_code"].to_numpy())

    items = expense.housing_expense_items(h, r)
    items["housing_expense"] = expense.housing_expense(items)
    allowed = expense.area_limit(h, r)
    limited = expense.area_limited_expense(h, items["housing_expense"], allowed)
    max_applies = expense.maximum_expense_applies(h)
    max_exp = expense.maximum_expense(h, r)
    eligible = expense.eligible_expense(limited, max_exp, max_applies)

    supplement = income.wealth_supplement(h, r)
    basis = income.income_basis(h, supplement)

    threshold = formula.income_threshold(h, r)
    e_part = formula.expense_part(r, eligible)
    i_part = formula.income_part(r, basis, threshold)
    amount_formula = formula.formula_amount(e_part, i_part)

    required = limits.required_own_payment(r, basis)
    own_limit = limits.own_payment_limit(eligible, required)
    cap_applies = limits.cap_without_children_applies(h)
    cap = limits.cap_without_children(r, eligible)
    maxb_applies = limits.maximum_benefit_applies(h)
    maxb = limits.maximum_benefit(h, r)
    amount, binding0 = limits.apply_limits(amount_formula, own_limit, cap, cap_applies, maxb, maxb_applies)
    monthly0 = limits.monthly_benefit(amount)
    monthly, binding = limits.minimum_payout(h, r, monthly0, binding0)

    return Computation(
        h=h, r=r, items=items, area_limit_x100=np.broadcast_to(allowed, len(h)),
        area_limited_expense=limited, maximum_expense_applies=max_applies,
        maximum_expense=np.broadcast_to(max_exp, len(h)), eligible_expense=eligible,
        wealth_supplement=supplement, income_basis=basis,
        income_threshold=np.broadcast_to(threshold, len(h)), expense_part=e_part,
        income_part=i_part, formula_amount=amount_formula, required_own_payment=required,
        own_payment_limit=own_limit, cap_applies=cap_applies, cap_15pct=cap,
        maximum_benefit_applies=maxb_applies, maximum_benefit=np.broadcast_to(maxb, len(h)),
        amount=amount, monthly_before_minimum=monthly0, monthly_benefit=monthly,
        annual_benefit=12 * monthly, binding_before_minimum=binding0, binding=binding,
    )


BINDING_DTYPE = pd.CategoricalDtype(list(BINDING_NAMES))

RESULT_COLUMNS = (
    "case_id", "year", "benefit", "housing_expense_ore", "eligible_expense_ore", "income_basis_ore",
    "formula_amount_ore", "annual_benefit", "monthly_benefit", "binding_limit",
)


def result_frame(c: Computation) -> pd.DataFrame:
    """Exact results: øre columns (int64), benefits in whole kroner (int64)."""
    return pd.DataFrame({
        "case_id": c.h["case_id"].array,
        "year": c.h["year"].to_numpy(),
        "benefit": c.h["benefit"].array,
        "housing_expense_ore": c.housing_expense,
        "eligible_expense_ore": c.eligible_expense,
        "income_basis_ore": c.income_basis,
        "formula_amount_ore": c.formula_amount,
        "annual_benefit": c.annual_benefit,
        "monthly_benefit": c.monthly_benefit,
        "binding_limit": pd.Categorical.from_codes(c.binding, dtype=BINDING_DTYPE),
    }, index=c.h.index)


def calculate(households: pd.DataFrame, book: RateBook | None = None) -> pd.DataFrame:
    """Parse (calc.md input columns) and compute; returns :func:`result_frame`.

    Raises :class:`~boligstoette.rules.parse.InputError` for invalid input.
    """
    h = parse_households(households.reset_index(drop=True), book=book)
    return result_frame(compute(h, book=book))


def format_ore(ore) -> np.ndarray:
    """Exact øre → '1234.50' strings (object array)."""
    return money_strings(ore).to_numpy(zero_copy_only=False)


def to_contract_frame(result: pd.DataFrame) -> pd.DataFrame:
    """calc.md output columns with money as two-decimal strings (small frames)."""
    return pd.DataFrame({
        "case_id": result["case_id"].to_numpy(dtype=object),
        "year": result["year"].to_numpy(),
        "benefit": result["benefit"].astype(str).to_numpy(dtype=object),
        "housing_expense": format_ore(result["housing_expense_ore"]),
        "eligible_expense": format_ore(result["eligible_expense_ore"]),
        "income_basis": format_ore(result["income_basis_ore"]),
        "formula_amount": format_ore(result["formula_amount_ore"]),
        "annual_benefit": result["annual_benefit"].to_numpy(),
        "monthly_benefit": result["monthly_benefit"].to_numpy(),
        "binding_limit": result["binding_limit"].astype(str).to_numpy(dtype=object),
    })
