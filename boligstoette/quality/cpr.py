"""The date in a CPR number, vectorised, without ever printing one.

CPR = DDMMYY-SSSS. The first serial digit (the 7th digit) gives the century (CPR-kontoret's rule):

| 7th digit | YY 00-36 | YY 37-57 | YY 58-99 |
|---|---|---|---|
| 0-3 | 1900 | 1900 | 1900 |
| 4, 9 | 2000 | 1900 | 1900 |
| 5-8 | 2000 | 2000 | 1800 |

A number whose DDMMYY is not a calendar date in that century is 'not a date' (e.g. 30 February,
day 00 or 32, month 13). Numbers issued without a valid date do exist in the real register
(erstatningspersonnumre), but the rent register carries only the tenant's real CPR (RULES § 12.4).
"""

import numpy as np
import pandas as pd

_CPR = r"^\d{6}-\d{4}$"


def cpr_birth_dates(cpr: pd.Series) -> tuple[np.ndarray, np.ndarray]:
    """(present, date): `present` where a CPR is given; `date` the birth date it encodes as
    datetime64[us], NaT where it is missing, not shaped DDMMYY-SSSS, or not a valid date."""
    text = cpr.astype("str")
    present = (text.notna() & (text.str.len() > 0)).to_numpy(dtype=bool, na_value=False)
    out = np.full(len(text), np.datetime64("NaT"), dtype="datetime64[us]")
    if not present.any():
        return present, out
    given = text[present]
    shaped = given.str.match(_CPR).to_numpy(dtype=bool, na_value=False)
    digits = given[shaped]
    dd = digits.str.slice(0, 2).astype("int64").to_numpy()
    mm = digits.str.slice(2, 4).astype("int64").to_numpy()
    yy = digits.str.slice(4, 6).astype("int64").to_numpy()
    d7 = digits.str.slice(7, 8).astype("int64").to_numpy()
    century = np.where(
        d7 <= 3, 1900,
        np.where(np.isin(d7, (4, 9)), np.where(yy <= 36, 2000, 1900), np.where(yy <= 57, 2000, 1800)),
    )
    parsed = pd.to_datetime(
        pd.DataFrame({"year": century + yy, "month": mm, "day": dd}), errors="coerce"
    ).to_numpy(dtype="datetime64[us]")
    where = np.flatnonzero(present)[shaped]
    out[where] = parsed
    return present, out
