"""Exact rounding: the integer helpers equal Fraction arithmetic, also at the ties."""

from __future__ import annotations

import math
from fractions import Fraction

import numpy as np
from hypothesis import given
from hypothesis import strategies as st
from rules_helpers import RULES_SETTINGS

from boligstoette.rules.limits import monthly_benefit
from boligstoette.rules.rounding import SHARE_SCALE, div_round_half_up, round_to_multiple, share_of

HALF = Fraction(1, 2)
BIG = 2**60


def ref_round(n: int, d: int) -> int:
    return math.floor(Fraction(n, d) + HALF)


@RULES_SETTINGS
@given(st.integers(-BIG // 4, BIG // 4), st.integers(1, 10**9))
def test_div_round_half_up_equals_fraction(n, d):
    assert div_round_half_up(n, d) == ref_round(n, d)
    assert int(div_round_half_up(np.array([n], dtype=np.int64), np.int64(d))[0]) == ref_round(n, d)


@RULES_SETTINGS
@given(st.integers(-10**12, 10**12), st.integers(1, 10**6))
def test_ties_go_up(k, d):
    # n/d = k + 1/2 exactly  →  k + 1 (also for negative k: ties towards +infinity)
    n = (2 * k + 1) * d
    assert div_round_half_up(n, 2 * d) == k + 1


def test_vectorised_matches_scalar_on_many_values():
    rng = np.random.default_rng(7)
    n = rng.integers(-10**15, 10**15, 200_000)
    d = rng.integers(1, 10**6, 200_000)
    got = div_round_half_up(n, d)
    want = np.array([ref_round(int(a), int(b)) for a, b in zip(n[:5000], d[:5000], strict=True)])
    assert (got[:5000] == want).all()
    # the rest against an independent formula: q = floor(n/d), up if remainder*2 >= d
    q, rem = np.divmod(n, d)
    assert (got == q + (2 * rem >= d)).all()


@RULES_SETTINGS
@given(st.integers(0, 10**13), st.integers(0, SHARE_SCALE))
def test_share_of_is_exact(amount, ppm):
    assert share_of(amount, ppm) == math.floor(Fraction(amount * ppm, SHARE_SCALE) + HALF)


def test_share_of_at_sub_ore_ties():
    # 15 % of 67897.50 kr = 10184.625 kr → 10184.63 (half up); 22.5 % of 0.02 kr = 0.0045 → 0.00
    assert share_of(6789750, 150_000) == 1018463
    assert share_of(2, 225_000) == 0
    assert share_of(np.array([6789750, 2]), np.int64(150_000)).tolist() == [1018463, 0]


def test_monthly_rounding_ties_up():
    # RULES.md § 4.9: 1099.5 → 1100, 919.5 → 920 (annual 13194 / 11034)
    assert monthly_benefit(13194_00) == 1100
    assert monthly_benefit(11034_00) == 920
    assert monthly_benefit(31938_00) == 2662    # C03: 2661.5 → 2662
    assert monthly_benefit(39278_25) == 3273    # C02: 3273.19 → 3273
    assert monthly_benefit(47190_00) == 3933    # C14: 3932.5 → 3933
    assert monthly_benefit(5_99) == 0           # 0.499 kr/month
    assert monthly_benefit(6_00) == 1           # 0.5 kr/month → 1
    assert monthly_benefit(np.array([13194_00, 5_99])).tolist() == [1100, 0]


def test_round_to_hundred_kroner():
    assert round_to_multiple(98910_00, 100_00) == 98900_00
    assert round_to_multiple(98950_00, 100_00) == 99000_00   # tie up
    assert round_to_multiple(98949_99, 100_00) == 98900_00
    # § 14: the exact product øre × ppm is rounded once (94200 kr × 1.05 = 98910 kr → 98900 kr)
    assert round_to_multiple(94200_00 * 1_050_000, 100_00, scale=SHARE_SCALE) == 98900_00
