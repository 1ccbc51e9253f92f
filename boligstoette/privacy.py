"""Everything this project knows about CPR numbers, in one place: the format, the birth date it
encodes, masking, and the scan for leaks.

A CPR number is DDMMYY-SSSS. It may go to the tenant's own payout file and nowhere else: never into
logs, Dagster metadata, alerts, exceptions or housing-organisation files (RULES.md § 12.5), which
see `DDMMYY-0000` at most.

The first serial digit (the 7th digit) gives the century (CPR-kontoret's rule; python-stdnum's
`stdnum.dk.cpr.get_birth_date` follows it too and is the reference the tests hold this decoder to):

| 7th digit | YY 00-36 | YY 37-57 | YY 58-99 |
|---|---|---|---|
| 0-3 | 1900 | 1900 | 1900 |
| 4, 9 | 2000 | 1900 | 1900 |
| 5-8 | 2000 | 2000 | 1800 |

A number whose DDMMYY is not a calendar date in that century is 'not a date' (e.g. 30 February).
The decoder is vectorised on Arrow because it runs over every lease and application of the country.
"""

import re
from pathlib import Path

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc

CPR_FORMAT = r"\d{6}-\d{4}"
"""The delivery contracts' format of a CPR number (contracts/README.md)."""

CPR_LIKE = re.compile(r"\d{6}-?\d{4}")
"""What masking replaces: anything shaped like a CPR, hyphen or not. Broad on purpose."""

FULL_CPR_PATTERN = r"(?<![0-9A-Za-z-])\d{6}-(?!0000)\d{4}(?![0-9A-Za-z-])"
"""The leak scan: a CPR written alone, not a masked `DDMMYY-0000` and not digits inside a longer
run of letters, digits or hyphens (a UUID such as `0a120190-1234-...` is not one)."""
FULL_CPR = re.compile(FULL_CPR_PATTERN.encode())

MASK = "<cpr>"


def mask_text(text: object) -> str:
    """`text` with anything shaped like a CPR number replaced by `<cpr>` (errors, free text)."""
    return CPR_LIKE.sub(MASK, str(text))


def mask_values(values: pd.Series) -> pd.Series:
    """`mask_text` over a column of free text."""
    return values.astype("str").str.replace(CPR_LIKE, MASK, regex=True)


def for_organisation(cpr: pd.Series) -> pd.Series:
    """DDMMYY-0000: what a housing organisation may see (RULES.md § 12.5)."""
    return cpr.str.slice(0, 6) + "-0000"


def cpr_birth_dates(cpr: pd.Series | np.ndarray) -> np.ndarray:
    """The birth date each CPR number encodes, as datetime64[D]; NaT where the value is missing, not
    shaped DDMMYY-SSSS, or not a calendar date. The numbers themselves never leave this function."""
    arr = pa.array(pd.Series(cpr, dtype=object).to_numpy(dtype=object), type=pa.string(), from_pandas=True)
    out = np.full(len(arr), np.datetime64("NaT"), dtype="datetime64[D]")
    shaped = pc.fill_null(pc.match_substring_regex(arr, f"^{CPR_FORMAT}$"), False).to_numpy(zero_copy_only=False)
    if shaped.any():
        out[shaped] = _decode(arr.filter(pa.array(shaped)))
    return out


def _decode(digits: pa.Array) -> np.ndarray:
    def part(start: int, stop: int) -> np.ndarray:
        return pc.cast(pc.utf8_slice_codeunits(digits, start, stop), pa.int64()).to_numpy()

    dd, mm, yy, seventh = part(0, 2), part(2, 4), part(4, 6), part(7, 8)
    year = _century(seventh, yy) + yy
    leap = (year % 4 == 0) & ((year % 100 != 0) | (year % 400 == 0))
    month_days = np.array([0, 31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31])[np.clip(mm, 0, 12)] + (leap & (mm == 2))
    valid = (mm >= 1) & (mm <= 12) & (dd >= 1) & (dd <= month_days)
    y, m, d = np.where(valid, year, 1970), np.where(valid, mm, 1), np.where(valid, dd, 1)
    days = ((y - 1970).astype("datetime64[Y]").astype("datetime64[M]") + (m - 1)).astype("datetime64[D]") + (d - 1)
    return np.where(valid, days, np.datetime64("NaT"))


def _century(seventh: np.ndarray, yy: np.ndarray) -> np.ndarray:
    return np.where(seventh <= 3, 1900,
                    np.where(np.isin(seventh, (4, 9)), np.where(yy <= 36, 2000, 1900),
                             np.where(yy <= 57, 2000, 1800)))


def cpr_leaks(paths: list[Path], allowed: set[Path] = frozenset()) -> dict[str, int]:
    """Full CPR numbers per file, for every file under `paths` except the `allowed` ones."""
    leaks = {}
    for root in paths:
        for path in sorted(p for p in Path(root).rglob("*") if p.is_file()) if Path(root).is_dir() else [Path(root)]:
            if path in allowed:
                continue
            if found := len(FULL_CPR.findall(path.read_bytes())):
                leaks[str(path)] = found
    return leaks
