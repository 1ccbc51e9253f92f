"""Benefit months: the one home of month parsing and arithmetic.

A month is written `YYYY-MM` everywhere (partition keys, ledger periods, file names). Benefit is
computed for the whole month from its first day (RULES.md § 7.1: paid monthly in advance).
"""

import re
from datetime import date

import numpy as np
import pandas as pd

MONTH = re.compile(r"\d{4}-(0[1-9]|1[0-2])")


def first_day(month: str) -> date:
    """The first day of `month`; a ValueError naming the value when it is not `YYYY-MM`."""
    if not MONTH.fullmatch(month):
        raise ValueError(f"month must be YYYY-MM, got {month!r}")
    return date(int(month[:4]), int(month[5:]), 1)


def first_timestamp(month: str) -> pd.Timestamp:
    """`first_day` as a pandas Timestamp, to compare with date columns."""
    return pd.Timestamp(first_day(month))


def first_days(months: pd.Series) -> pd.Series:
    """`first_day` of a column of months, as datetime64."""
    return pd.to_datetime(months + "-01", format="%Y-%m-%d")


def month_key(day: date) -> str:
    """The month a day falls in, as `YYYY-MM`."""
    return f"{day.year:04d}-{day.month:02d}"


def add_months(month: str, n: int) -> str:
    """`month` moved `n` months (negative: back)."""
    d = first_day(month)
    return month_str(month_index(d.year, d.month) + n)


# --- months as integers (year * 12 + month - 1), vectorised for generating and comparing many -----


def month_index(year: int, month: int) -> int:
    return year * 12 + month - 1


def month_str(m: int) -> str:
    return f"{m // 12:04d}-{m % 12 + 1:02d}"


def month_compact(m: int) -> str:
    return f"{m // 12:04d}{m % 12 + 1:02d}"


def month_first(m) -> np.ndarray:
    """First day of month index m (scalar or array) as datetime64[D]."""
    m = np.asarray(m, dtype=np.int64)
    return (m - 1970 * 12).astype("datetime64[M]").astype("datetime64[D]")


def month_of(d: np.ndarray) -> np.ndarray:
    """Month index of datetime64[D] values."""
    return d.astype("datetime64[M]").astype(np.int64) + 1970 * 12


def month_last(m) -> np.ndarray:
    return month_first(np.asarray(m) + 1) - np.timedelta64(1, "D")

