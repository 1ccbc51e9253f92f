"""Exact integer rounding used by every rule (RULES.md § 4.9 and docs/rules.md "Rounding").

All amounts are integer øre (``numpy.int64``); areas are integer hundredths of a m²; shares
(percentages) are integer parts per million (``SHARE_SCALE``). No binary float ever touches an
amount: a percentage of an amount is ``amount * share_ppm`` (exact integer) divided by
``SHARE_SCALE`` with an explicit rounding rule.

The one rounding rule for intermediate amounts is **half up to the øre**: ``floor(x + 1/2)``.
It is applied by :func:`div_round_half_up`, which computes ``floor((2n + d) / 2d)`` on integers,
so the result is exactly the rounding of the rational number ``n / d`` (proved against
``fractions.Fraction`` in tests/rules/test_rules_rounding.py). The monthly benefit's rounding to
whole kroner (RULES.md § 4.9) is ``limits.monthly_benefit``.
"""

from __future__ import annotations

import numpy as np

SHARE_SCALE = 1_000_000  # shares (percentages) are stored as integer parts per million
ORE_PER_KRONE = 100
AREA_SCALE = 100  # areas are integer hundredths of a m²


def div_round_half_up(numerator, denominator):
    """Round ``numerator / denominator`` to the nearest integer, ties towards +infinity.

    Works on Python ints and on numpy int64 arrays (vectorised). ``denominator`` must be
    positive. Exact: ``floor((2n + d) / (2d))`` equals ``floor(n/d + 1/2)`` for every integer n
    and positive integer d. Callers keep ``|2n + d|`` below 2**63 (input ranges in parse.py).
    """
    if isinstance(numerator, np.ndarray) or isinstance(denominator, np.ndarray):
        n = np.asarray(numerator, dtype=np.int64)
        d = np.asarray(denominator, dtype=np.int64)
        return np.floor_divide(2 * n + d, 2 * d)
    return (2 * int(numerator) + int(denominator)) // (2 * int(denominator))


def share_of(amount, share_ppm):
    """``share × amount`` rounded half up to the øre (share in parts per million)."""
    return div_round_half_up(amount * share_ppm, SHARE_SCALE)


def round_to_multiple(amount, step, scale=1):
    """Round ``amount / scale`` to the nearest multiple of ``step`` (ties up), e.g. § 14's 100 kr.

    ``scale`` takes an exact product without rounding it first: § 14 passes øre × parts per
    million with ``scale=SHARE_SCALE``, so the raised maximum is rounded once, to 100 kr.
    """
    return div_round_half_up(amount, scale * step) * step
