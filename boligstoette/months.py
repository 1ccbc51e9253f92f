"""Benefit months: the one home of month parsing and arithmetic.

A month is written `YYYY-MM` everywhere (partition keys, ledger periods, file names). Benefit is
computed for the whole month from its first day (RULES.md § 7.1: paid monthly in advance).
"""

import re
from datetime import date

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


def month_of(day: date) -> str:
    return f"{day.year:04d}-{day.month:02d}"


def add_months(month: str, n: int) -> str:
    """`month` moved `n` months (negative: back)."""
    d = first_day(month)
    index = d.year * 12 + d.month - 1 + n
    return f"{index // 12:04d}-{index % 12 + 1:02d}"
