"""The benefit formulas: boligydelse § 21 stk. 1, boligsikring § 22 stk. 1.

Both are ``expense_share × (B + supplement) − income_share × max(0, I − T)`` with the rates of
their own benefit (boligsikring: 60 %, 18 %, no supplement; boligydelse: 75 %, 22,5 %, tillæg).
Each of the two products is rounded half up to the øre; the formula amount is their exact
difference and may be negative. Because the rates of each row's benefit make the difference,
one vectorised evaluation (:func:`expense_part`, :func:`income_part`, :func:`formula_amount`)
serves both paragraphs.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from .rates import BOLIGSIKRING, RowRates
from .rounding import share_of


def children_beyond_first(h: pd.DataFrame) -> np.ndarray:
    """Children beyond the first, up to four children in all (0..3)."""
    return np.clip(h["children"].to_numpy() - 1, 0, 3)


def young_couple_children(h: pd.DataFrame) -> np.ndarray:
    """§ 22 stk. 1 young couples (two adults, both under 30): children counted up to three.

    Boligsikring only. Comes on top of the 2.-4.-child raise (RULES.md § 4.1 reading, [?]).
    """
    applies = h["young_couple"].to_numpy() & (h["benefit_code"].to_numpy() == BOLIGSIKRING)
    return np.where(applies, np.minimum(h["children"].to_numpy(), 3), 0)


def income_threshold(h: pd.DataFrame, r: RowRates) -> np.ndarray:
    """§ 21 stk. 1 / § 22 stk. 1 (§ 72 nr. 9-10, 12-13): the income threshold T.

    T = base + raise × (children beyond the first, up to four) [+ raise × children up to three
    for a young couple, boligsikring].
    """
    steps = children_beyond_first(h) + young_couple_children(h)
    return r["income_threshold"] + r["threshold_raise_per_child"] * steps


def expense_part(r: RowRates, eligible: np.ndarray) -> np.ndarray:
    """§ 21 stk. 1 / § 22 stk. 1: expense_share × (B + expense_supplement), rounded half up to the øre.

    boligsikring 60 % × B (its expense_supplement is 0); boligydelse 75 % × (B + tillæg).
    """
    return share_of(eligible + r["expense_supplement"], r["expense_share"])


def income_part(r: RowRates, income: np.ndarray, threshold: np.ndarray) -> np.ndarray:
    """§ 21 stk. 1 / § 22 stk. 1: income_share × max(0, I − T), rounded half up to the øre.

    boligsikring 18 %, boligydelse 22,5 % of the income I above the threshold T.
    """
    return share_of(np.maximum(income - threshold, 0), r["income_share"])


def formula_amount(expense: np.ndarray, income: np.ndarray) -> np.ndarray:
    """§ 21 stk. 1 / § 22 stk. 1: the formula amount of each row's benefit, before any limit.

    The exact difference of the two rounded parts (:func:`expense_part` − :func:`income_part`);
    may be negative.
    """
    return expense - income
