"""Limits on the benefit: own payment (§ 21 stk. 2 / § 22 stk. 2), the 15 % cap (§ 22 stk. 3),
the maximum benefit (§ 23), the result (RULES.md § 4.6) and the minimum payout (§§ 33-34)."""

from __future__ import annotations

import numpy as np
import pandas as pd

from .rates import BOLIGSIKRING, BOLIGYDELSE, RowRates
from .rounding import ORE_PER_KRONE, SHARE_SCALE, div_round_half_up, share_of

# binding_limit codes (calc.md output); precedence on ties = this order
FORMULA, OWN_PAYMENT, CAP_15PCT, MAXIMUM, BELOW_MINIMUM, ZERO = range(6)
BINDING_NAMES = ("formula", "own_payment", "cap_15pct", "maximum", "below_minimum", "zero")

NO_LIMIT = np.int64(2**62)  # stands for "this limit does not apply"


def required_own_payment(r: RowRates, income: np.ndarray) -> np.ndarray:
    """§ 21 stk. 2 / § 22 stk. 2: what the household pays itself at least, in øre.

    boligsikring: the fixed minimum (own_payment_income_share is 0);
    boligydelse: max(11 % of the income I, the fixed minimum). 11 % × I rounded half up.
    """
    share = share_of(income, r["own_payment_income_share"])
    return np.maximum(share, r["min_own_payment"])


def own_payment_limit(eligible: np.ndarray, required: np.ndarray) -> np.ndarray:
    """§ 21 stk. 2 / § 22 stk. 2: benefit ≤ B − required own payment (may be negative → 0)."""
    return eligible - required


def cap_without_children_applies(h: pd.DataFrame) -> np.ndarray:
    """§ 22 stk. 3 (boligsikring only): the cap applies to households without children unless
    a member receives førtidspension or seniorpension, is severely mobility impaired in a
    suitable dwelling, or receives § 96 24-hour help. (§ 14 stk. 6 is not in the input.)"""
    exception = (h["disability_or_senior_pension"].to_numpy() | h["mobility_impaired"].to_numpy()
                 | h["round_the_clock_help"].to_numpy())
    return ((h["benefit_code"].to_numpy() == BOLIGSIKRING) & (h["children"].to_numpy() == 0)
            & ~exception)


def cap_without_children(r: RowRates, eligible: np.ndarray) -> np.ndarray:
    """§ 22 stk. 3: 15 % of the expense B, rounded half up to the øre."""
    return share_of(eligible, r["cap_no_children_share"])


def maximum_benefit_applies(h: pd.DataFrame) -> np.ndarray:
    """§ 23 stk. 2-3: no maximum for boligydelse in the dwellings of § 14 stk. 4-5."""
    return ~(h["no_maximum_dwelling"].to_numpy() & (h["benefit_code"].to_numpy() == BOLIGYDELSE))


def maximum_benefit(h: pd.DataFrame, r: RowRates) -> np.ndarray:
    """§ 23 stk. 1: the maximum annual benefit, in øre.

    Base + 25 % of the base with 4 or more children + 50 % of the base for a severely mobility
    impaired member in a suitable dwelling, or else + 50 % for § 96 24-hour help (not both).
    Raises are added (all refer to the base) and the sum is rounded half up to the øre.
    """
    four = h["children"].to_numpy() >= 4
    mob = h["mobility_impaired"].to_numpy()
    helped = h["round_the_clock_help"].to_numpy() & ~mob
    factor_ppm = (SHARE_SCALE + r["max_benefit_raise_four_children"] * four
                  + r["max_benefit_raise_mobility"] * mob
                  + r["max_benefit_raise_round_the_clock_help"] * helped)
    return div_round_half_up(r["max_annual_benefit"] * factor_ppm, np.int64(SHARE_SCALE))


def apply_limits(formula, own_limit, cap, cap_applies, maximum, max_applies):
    """RULES.md § 4.6: amount = max(0, min(formula, own-payment limit, 15 % cap if it applies,
    maximum if it applies)), and which of them decided it.

    On a tie the first in the order formula, own_payment, cap_15pct, maximum is named; an
    amount of 0 or less is 0 with ``zero``.
    """
    cap_v = np.where(cap_applies, cap, NO_LIMIT)
    max_v = np.where(max_applies, maximum, NO_LIMIT)
    amount = np.minimum(np.minimum(formula, own_limit), np.minimum(cap_v, max_v))
    binding = np.select(
        [formula == amount, own_limit == amount, cap_v == amount],
        [FORMULA, OWN_PAYMENT, CAP_15PCT], MAXIMUM).astype(np.int8)
    nonpositive = amount <= 0
    binding[nonpositive] = ZERO
    return np.maximum(amount, 0), binding


def monthly_benefit(amount: np.ndarray) -> np.ndarray:
    """RULES.md § 4.9: monthly benefit = annual amount / 12, rounded to whole kroner, ties up.

    ``amount`` is the amount after the limits in øre (never negative); the result is whole
    kroner per month and the paid annual amount is 12 × the monthly amount, so it is always a
    whole-krone amount divisible by 12. Works on arrays and on plain ints (rounding.py).
    """
    return div_round_half_up(amount, np.int64(12 * ORE_PER_KRONE))


def minimum_payout(h: pd.DataFrame, r: RowRates, monthly: np.ndarray, binding: np.ndarray):
    """§§ 33-34: an amount below the year's minimum is not paid when first computed.

    Compared after rounding: if 12 × monthly (the annual amount that would be paid) is below
    ``minimum_payout`` and ``first_computation`` is true, nothing is paid and the binding limit
    is ``below_minimum``. Ongoing cases (first_computation false) keep a small amount
    (open point, docs/rules.md). A positive amount that rounds to 0 kr/month is ``zero``.
    """
    first = h["first_computation"].to_numpy()
    annual_ore = monthly * (12 * ORE_PER_KRONE)
    below = first & (binding != ZERO) & (annual_ore < r["minimum_payout"])
    monthly = np.where(below, 0, monthly)
    binding = np.where(below, BELOW_MINIMUM, binding).astype(np.int8)
    binding[(monthly == 0) & (binding != BELOW_MINIMUM)] = ZERO
    return monthly, binding
