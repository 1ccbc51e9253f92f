"""Vectorised calendar helpers and the text formats of the contracts (money from øre, ISO dates,
timestamps with the Copenhagen offset, booleans). Everything works on numpy arrays."""

from __future__ import annotations

import numpy as np

from boligstoette.months import month_first, month_last, month_of
from boligstoette.rules.csvio import money_strings

DAY = np.timedelta64(1, "D")
NAT = np.datetime64("NaT", "D")


def day_of(m: int, day: int) -> np.datetime64:
    return month_first(m) + np.timedelta64(day - 1, "D")


def add_years(d: np.ndarray, years) -> np.ndarray:
    """Same calendar day `years` later (29 February -> 28 February)."""
    m = month_of(d)
    day = (d - month_first(m)).astype(np.int64)
    m2 = m + 12 * np.asarray(years, dtype=np.int64)
    last = (month_last(m2) - month_first(m2)).astype(np.int64)
    return month_first(m2) + np.minimum(day, last).astype("timedelta64[D]")


def ymd(d: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    m = month_of(d)
    return m // 12, m % 12 + 1, (d - month_first(m)).astype(np.int64) + 1


def age_years(birth: np.ndarray, on) -> np.ndarray:
    """Completed years of age on date(s) `on`."""
    by, bm, bd = ymd(birth)
    oy, om, od = ymd(np.broadcast_to(np.asarray(on, dtype="datetime64[D]"), birth.shape))
    return oy - by - ((om < bm) | ((om == bm) & (od < bd)))


def _last_sunday(year: np.ndarray, month: int) -> np.ndarray:
    last = month_last(year * 12 + month - 1)
    weekday = (last.astype(np.int64) + 3) % 7  # Monday = 0 (1970-01-01 was a Thursday)
    return last - ((weekday + 1) % 7).astype("timedelta64[D]")


def copenhagen_offset(local: np.ndarray) -> np.ndarray:
    """'+01:00' or '+02:00' for local Copenhagen wall-clock times (datetime64[s])."""
    local = np.asarray(local, dtype="datetime64[s]")
    year = local.astype("datetime64[Y]").astype(np.int64) + 1970
    start = _last_sunday(year, 3).astype("datetime64[s]") + np.timedelta64(2, "h")
    end = _last_sunday(year, 10).astype("datetime64[s]") + np.timedelta64(3, "h")
    summer = (local >= start) & (local < end)
    return np.where(summer, "+02:00", "+01:00")


# --- text formats ----------------------------------------------------------------------------------

def fmt_money(ore: np.ndarray) -> np.ndarray:
    """Integer øre -> 'kroner.øre' with exactly two decimals, never through a binary float: the
    formatter the calc CLI writes with, so sample files and outputs spell money the same way."""
    return np.asarray(money_strings(ore).to_numpy(zero_copy_only=False), dtype=str)


def fmt_tenths(tenths: np.ndarray) -> np.ndarray:
    """Decimal from an integer number of tenths: 675 -> '67.5', 680 -> '68'."""
    tenths = np.asarray(tenths, dtype=np.int64)
    whole = (tenths // 10).astype(str)
    return np.where(tenths % 10 == 0, whole, np.strings.add(np.strings.add(whole, "."), (tenths % 10).astype(str)))


def fmt_date(d: np.ndarray) -> np.ndarray:
    """ISO dates; NaT -> '' (missing)."""
    d = np.asarray(d, dtype="datetime64[D]")
    s = np.datetime_as_string(d, unit="D")
    return np.where(np.isnat(d), "", s)


def fmt_timestamp(local: np.ndarray) -> np.ndarray:
    """Copenhagen wall-clock datetime64[s] -> '2026-09-03T10:15:00+02:00'."""
    local = np.asarray(local, dtype="datetime64[s]")
    s = np.datetime_as_string(local, unit="s")
    return np.strings.add(s, copenhagen_offset(local))


def fmt_bool(b: np.ndarray) -> np.ndarray:
    return np.where(np.asarray(b, dtype=bool), "true", "false")


def fmt_opt_bool(values: np.ndarray) -> np.ndarray:
    """int8 1 / 0 / -1 -> 'true' / 'false' / '' (missing)."""
    values = np.asarray(values)
    return np.where(values == 1, "true", np.where(values == 0, "false", ""))


def fmt_share(x: np.ndarray) -> np.ndarray:
    """A share 0..1 with four decimals, from the float rounded to an integer of 1/10000 first."""
    n = np.rint(np.asarray(x, dtype=np.float64) * 10000).astype(np.int64)
    return np.strings.add(np.strings.add((n // 10000).astype(str), "."), np.strings.zfill((n % 10000).astype(str), 4))


def working_time(rng: np.random.Generator, days: np.ndarray, start_hour: int = 7, end_hour: int = 17) -> np.ndarray:
    """A wall-clock time during the given hours on each day (seconds resolution)."""
    days = np.asarray(days, dtype="datetime64[D]")
    secs = rng.integers(start_hour * 3600, end_hour * 3600, size=days.shape)
    return days.astype("datetime64[s]") + secs.astype("timedelta64[s]")


def uniform_dates(rng: np.random.Generator, lo: np.ndarray, hi: np.ndarray) -> np.ndarray:
    """A date uniformly in [lo, hi] (inclusive) per element; hi < lo gives lo."""
    lo = np.asarray(lo, dtype="datetime64[D]")
    hi = np.asarray(hi, dtype="datetime64[D]")
    span = np.maximum((hi - lo).astype(np.int64), 0) + 1
    return lo + (rng.random(np.broadcast(lo, hi).shape) * span).astype(np.int64).astype("timedelta64[D]")
