"""Household income (husstandsindkomst), § 8 and § 8 a (wealth supplement, formuetillæg)."""

from __future__ import annotations

import numpy as np
import pandas as pd

from .rates import RowRates
from .rounding import SHARE_SCALE, div_round_half_up


def wealth_supplement(h: pd.DataFrame, r: RowRates) -> np.ndarray:
    """§ 8 a stk. 1: 10 % of the wealth between limit 1 and limit 2, 20 % of the wealth above
    limit 2; nothing up to limit 1 (and nothing for zero or negative wealth).

    The two parts are added exactly and the sum is rounded half up to the øre once.
    """
    w = h["wealth_ore"].to_numpy()
    l1, l2 = r["wealth_limit_1"], r["wealth_limit_2"]
    part1 = np.clip(w - l1, 0, np.maximum(l2 - l1, 0))
    part2 = np.maximum(w - l2, 0)
    exact_ppm = r["wealth_share_1"] * part1 + r["wealth_share_2"] * part2
    return div_round_half_up(exact_ppm, np.int64(SHARE_SCALE))


def income_basis(h: pd.DataFrame, supplement: np.ndarray) -> np.ndarray:
    """§ 8 stk. 6: household income used by the formula = income + wealth supplement."""
    return h["household_income_ore"].to_numpy() + supplement
