"""Parse and validate calc input (shared/contracts/calc.md) into exact integer columns.

Vectorised over Arrow string arrays: money strings become integer øre with numpy digit
arithmetic (never ``float``), booleans and enumerations are matched with Arrow compute, and
every problem is reported as (row, column, message); the CLI turns rows into file lines.

The parsed frame (:data:`PARSED_COLUMNS`) is what the rule functions take:

======================  ======  ==============================================
column                  dtype   meaning
======================  ======  ==============================================
case_id                 string  as given
year                    int64
benefit                 cat     boligsikring / boligydelse
benefit_code            int64   0 boligsikring, 1 boligydelse
rent_monthly_ore        int64   rent per month in øre
area_m2_x100            int64   gross area in hundredths of a m²
persons, children       int64
household_income_ore    int64   annual, before wealth supplement
wealth_ore              int64
<booleans>              bool    as calc.md
maintenance_duty        cat     ingen / delvis / fuld
maintenance_code        int64   0 ingen, 1 delvis, 2 fuld
======================  ======  ==============================================
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc

from .rates import BENEFITS, RateBook, default_rate_book

MAINTENANCE = ("ingen", "delvis", "fuld")

TEXT, INT, MONEY, AREA, BOOL, ENUM = "text", "int", "money", "area", "bool", "enum"

# column -> (kind, required, default)   (calc.md "Input")
INPUT_COLUMNS: dict[str, tuple[str, bool, object]] = {
    "case_id": (TEXT, True, None),
    "year": (INT, True, None),
    "benefit": (ENUM, True, None),
    "rent_monthly": (MONEY, True, None),
    "area_m2": (AREA, True, None),
    "persons": (INT, True, None),
    "children": (INT, False, 0),
    "young_couple": (BOOL, False, False),
    "household_income": (MONEY, True, None),
    "wealth": (MONEY, False, 0),
    "heating_in_rent": (BOOL, False, False),
    "hot_water_in_rent": (BOOL, False, False),
    "electricity_in_rent": (BOOL, False, False),
    "heating_paid_separately": (BOOL, False, False),
    "water_paid_separately": (BOOL, False, False),
    "drainage_paid_separately": (BOOL, False, False),
    "maintenance_duty": (ENUM, False, "ingen"),
    "mobility_impaired": (BOOL, False, False),
    "round_the_clock_help": (BOOL, False, False),
    "disability_or_senior_pension": (BOOL, False, False),
    "no_maximum_dwelling": (BOOL, False, False),
    "first_computation": (BOOL, False, False),
}
REQUIRED_COLUMNS = tuple(c for c, (_, req, _) in INPUT_COLUMNS.items() if req)
BOOL_COLUMNS = tuple(c for c, (k, _, _) in INPUT_COLUMNS.items() if k == BOOL)
ENUM_VALUES = {"benefit": BENEFITS, "maintenance_duty": MAINTENANCE}

# Accepted ranges (keep every intermediate product far below 2**63; see docs/rules.md).
RANGES = {
    "rent_monthly": (0, 10_000_000_00),            # øre: 0 .. 10 million kr per month
    "area_m2": (1, 100_000_00),                    # hundredths of m²: 0.01 .. 100,000 m²
    "persons": (1, 100),
    "children": (0, 99),
    "household_income": (-10_000_000_000_00, 10_000_000_000_00),  # ±10 billion kr
    "wealth": (-10_000_000_000_00, 10_000_000_000_00),
}
MAX_DIGITS = 15
MAX_ERRORS_PER_COLUMN = 50
_BOOL_WORDS = pa.array(["false", "true", ""])
BENEFIT_DTYPE = pd.CategoricalDtype(list(BENEFITS))
MAINTENANCE_DTYPE = pd.CategoricalDtype(list(MAINTENANCE))

PARSED_COLUMNS = (
    "case_id", "year", "benefit", "benefit_code", "rent_monthly_ore", "area_m2_x100", "persons",
    "children", "household_income_ore", "wealth_ore", *BOOL_COLUMNS, "maintenance_duty",
    "maintenance_code",
)


@dataclass(frozen=True)
class Problem:
    row: int          # 0-based row position in the input
    column: str
    message: str


class InputError(ValueError):
    """Invalid calc input. ``problems`` is sorted by row; ``total`` counts all of them."""

    def __init__(self, problems: list[Problem], total: int | None = None, missing_columns=()):
        self.problems = sorted(problems, key=lambda p: (p.row, _col_order(p.column)))
        self.total = len(problems) if total is None else total
        self.missing_columns = tuple(missing_columns)
        first = self.problems[0] if self.problems else None
        msg = (f"{self.total} problem(s) in the input; first: row {first.row}, column {first.column}: "
               f"{first.message}") if first else f"missing required column(s): {', '.join(missing_columns)}"
        super().__init__(msg)

    def lines(self, line_of_row=None, limit: int = 20) -> list[str]:
        """Human-readable messages; ``line_of_row(row) -> file line`` (default row + 2)."""
        out = [f"line 1, column {c}: missing required column" for c in self.missing_columns]
        for p in self.problems[:limit]:
            line = line_of_row(p.row) if line_of_row else p.row + 2
            out.append(f"line {line}, column {p.column}: {p.message}")
        shown = len(self.problems[:limit])
        if self.total > shown:
            out.append(f"... and {self.total - shown} more problem(s)")
        return out


def _col_order(column: str) -> int:
    try:
        return list(INPUT_COLUMNS).index(column)
    except ValueError:
        return len(INPUT_COLUMNS)


# ---------------------------------------------------------------- Arrow string helpers


def _as_string_array(arr) -> pa.Array:
    if isinstance(arr, pa.ChunkedArray):
        arr = arr.combine_chunks() if arr.num_chunks != 1 else arr.chunk(0)
    if not (pa.types.is_string(arr.type) or pa.types.is_large_string(arr.type)):
        arr = arr.cast(pa.string())
    return arr


_POW10 = np.array([10 ** k for k in range(19)], dtype=np.int64)


def parse_decimal_strings(arr, scale: int, allow_negative: bool):
    """Parse decimal strings exactly into integers ``value * 10**scale`` (never via float).

    Accepted: optional leading ``-`` (if allowed), 1 to MAX_DIGITS digits, optionally ``.``
    followed by 1..scale digits. Validation is one RE2 match; the value is the digit string
    without the dot cast to int64 (Arrow's exact integer parser) times 10**(scale − decimals).
    Returns ``(values int64, bad bool, empty bool)``; bad and empty rows have value 0.
    """
    arr = _as_string_array(arr)
    sign = "-?" if allow_negative else ""
    frac = rf"(\.[0-9]{{1,{scale}}})?" if scale else ""
    ok = pc.fill_null(pc.match_substring_regex(arr, f"^{sign}[0-9]{{1,{MAX_DIGITS}}}{frac}$"), False)
    length = pc.fill_null(pc.utf8_length(arr), 0)
    empty = pc.equal(length, 0).to_numpy(zero_copy_only=False)
    okn = ok.to_numpy(zero_copy_only=False)
    if scale:
        dot = pc.find_substring(arr, ".")
        nfrac = pc.if_else(pc.less(dot, 0), 0, pc.subtract(pc.subtract(length, dot), 1))
        nfrac = np.clip(pc.fill_null(nfrac, 0).to_numpy(zero_copy_only=False), 0, scale)
        digits = pc.if_else(ok, pc.replace_substring(arr, ".", ""), "0")
        values = pc.cast(digits, pa.int64()).to_numpy(zero_copy_only=False) * _POW10[scale - nfrac]
    else:
        values = pc.cast(pc.if_else(ok, arr, "0"), pa.int64()).to_numpy(zero_copy_only=False)
    values = np.ascontiguousarray(values, dtype=np.int64)
    return values, ~okn & ~empty, empty


def _is_empty(arr: pa.Array) -> np.ndarray:
    arr = _as_string_array(arr)
    return pc.fill_null(pc.equal(pc.utf8_length(arr), 0), True).to_numpy(zero_copy_only=False)


# ---------------------------------------------------------------- normalising Python input


def _money_str(v) -> str:
    if isinstance(v, Decimal):
        return format(v, "f")
    return str(v)


FLOAT_REFUSED = "binary float not accepted for an exact amount; give a string, int or Decimal"


def _column_to_arrow(name: str, kind: str, col: pd.Series) -> tuple[pa.Array, list[Problem]]:
    """Turn a DataFrame column (strings, ints, Decimals, bools) into an Arrow string array.

    A binary float is refused for money and area (it may already carry a rounding error);
    integral floats are accepted for the integer columns (pandas makes them from ints + NaN).
    """
    dtype = col.dtype
    if pd.api.types.is_bool_dtype(dtype) and not isinstance(dtype, pd.CategoricalDtype):
        return _bool_column_to_arrow(col), []
    if pd.api.types.is_integer_dtype(dtype):
        return _int_column_to_arrow(col), []
    if pd.api.types.is_float_dtype(dtype):
        return _float_column_to_arrow(name, kind, col)
    return _object_column_to_arrow(name, kind, col)


def _bool_column_to_arrow(col: pd.Series) -> pa.Array:
    vals = col.to_numpy(dtype=object, na_value=None)
    return pa.array([None if v is None else ("true" if v else "false") for v in vals], type=pa.string())


def _int_column_to_arrow(col: pd.Series) -> pa.Array:
    return pa.array(col.astype("Int64").astype("string").to_numpy(dtype=object, na_value=None), type=pa.string())


def _float_column_to_arrow(name: str, kind: str, col: pd.Series) -> tuple[pa.Array, list[Problem]]:
    """Whole floats for integer and text columns; any float in a money or area column is refused."""
    vals = col.to_numpy(dtype=float, na_value=np.nan)
    if kind in (INT, TEXT):
        ok = np.isnan(vals) | (vals == np.round(vals))
        problems = [Problem(int(i), name, f"not a whole number: {vals[i]!r}")
                    for i in np.flatnonzero(~ok)[:MAX_ERRORS_PER_COLUMN]]
        out = [None if np.isnan(v) else str(int(v)) for v in vals]
        return pa.array(out, type=pa.string()), problems
    nonnull = np.flatnonzero(~np.isnan(vals))
    problems = [Problem(int(i), name, FLOAT_REFUSED) for i in nonnull[:MAX_ERRORS_PER_COLUMN]]
    return pa.array([None] * len(vals), type=pa.string()), problems


def _object_column_to_arrow(name: str, kind: str, col: pd.Series) -> tuple[pa.Array, list[Problem]]:
    """Strings go to Arrow directly; a column of mixed Python values is converted value by value."""
    try:
        values = col.to_numpy(dtype=object, na_value=None)
        return _as_string_array(pa.array(values, type=pa.string(), from_pandas=True)), []
    except (pa.ArrowInvalid, pa.ArrowTypeError):
        pass
    out, problems = [], []
    for i, v in enumerate(col.tolist()):
        text, refused = _python_value_text(kind, v)
        if refused:
            problems.append(Problem(i, name, FLOAT_REFUSED))
        out.append(text)
    return pa.array(out, type=pa.string()), problems


def _python_value_text(kind: str, v) -> tuple[str | None, bool]:
    """One Python value as input text: (text or None for missing, refused as a binary float)."""
    if v is None or (isinstance(v, float) and np.isnan(v)) or v is pd.NA:
        return None, False
    if isinstance(v, (bool, np.bool_)):
        return ("true" if v else "false"), False
    if isinstance(v, float):
        if kind in (MONEY, AREA) or v != int(v):
            return None, True
        return str(int(v)), False
    return _money_str(v), False


def table_from_frame(df: pd.DataFrame) -> tuple[dict[str, pa.Array], list[Problem]]:
    cols: dict[str, pa.Array] = {}
    problems: list[Problem] = []
    for name, (kind, _, _) in INPUT_COLUMNS.items():
        if name in df.columns:
            arr, probs = _column_to_arrow(name, kind, df[name])
            cols[name] = arr
            problems.extend(probs)
    return cols, problems


# ---------------------------------------------------------------- the parser


# numeric columns -> (decimals, negative allowed)
NUMBER_COLUMNS = {"year": (0, False), "persons": (0, False), "children": (0, False),
                  "rent_monthly": (2, False), "household_income": (2, True), "wealth": (2, True),
                  "area_m2": (2, False)}
EXPECTED_NUMBER = {
    0: "expected a whole number (digits only)",
    2: "expected an amount with '.' as decimal point and at most two decimals",
}
EXPECTED_AREA = "area in m2 with '.' as decimal point and at most two decimals"


class _Problems:
    """Collects the problems of one parse: at most MAX_ERRORS_PER_COLUMN kept per check, all counted."""

    def __init__(self, columns: dict[str, pa.Array], pre_problems: list[Problem] | None):
        self.columns = columns
        self.problems: list[Problem] = list(pre_problems or [])
        self.total = len(self.problems)

    def report(self, mask: np.ndarray, column: str, message) -> None:
        """Every row of ``mask`` has a problem in ``column``; ``message`` is a str or row -> str."""
        idx = np.flatnonzero(mask)
        self.total += len(idx)
        for i in idx[:MAX_ERRORS_PER_COLUMN]:
            msg = message(int(i)) if callable(message) else message
            self.problems.append(Problem(int(i), column, msg))

    def raw(self, column: str, i: int) -> str:
        """The input value as quoted in a message (cut at 40 characters)."""
        v = self.columns[column][i].as_py()
        v = "" if v is None else v
        return repr(v if len(v) <= 40 else v[:40] + "...")

    def raise_if_any(self) -> None:
        if self.problems or self.total:
            raise InputError(self.problems, total=self.total)


def _parse_number_column(p: _Problems, name: str, n_rows: int) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """One integer, money or area column: exact value, in range, the default when empty.

    Returns (values, bad, empty); an absent column is its default on every row.
    """
    scale, negative = NUMBER_COLUMNS[name]
    kind, required, default = INPUT_COLUMNS[name]
    if name not in p.columns:
        none = np.zeros(n_rows, dtype=bool)
        return np.full(n_rows, int(default) * 10 ** scale, dtype=np.int64), none, none
    values, bad, empty = parse_decimal_strings(p.columns[name], scale, negative)
    what = EXPECTED_AREA if name == "area_m2" else EXPECTED_NUMBER[scale]
    p.report(bad, name, lambda i: f"invalid value {p.raw(name, i)}: {what}")
    if required:
        p.report(empty, name, "missing value (required)")
    else:
        values = np.where(empty, int(default) * 10 ** scale, values)
    if name in RANGES:
        lo, hi = RANGES[name]
        out_of_range = ~bad & ~empty & ((values < lo) | (values > hi))
        p.report(out_of_range, name, lambda i: f"value {p.raw(name, i)} out of range "
                 f"[{_fmt_exact(lo, scale)}, {_fmt_exact(hi, scale)}]")
    return values, bad, empty


def _check_year_has_rates(p: _Problems, years: np.ndarray, bad: np.ndarray, empty: np.ndarray,
                          book: RateBook) -> None:
    """Every (valid) year must have a rate file."""
    if "year" not in p.columns:
        return
    p.report(~book.has_year(years) & ~bad & ~empty, "year",
             lambda i: f"no rates for year {int(years[i])}: {book.coverage(int(years[i]))}")


def _parse_enum_column(p: _Problems, name: str, n_rows: int) -> np.ndarray:
    """An enumeration (benefit, maintenance_duty) as codes = index in ENUM_VALUES[name]."""
    allowed = ENUM_VALUES[name]
    kind, required, default = INPUT_COLUMNS[name]
    if name not in p.columns:
        return np.full(n_rows, allowed.index(default), dtype=np.int64)
    arr = _as_string_array(p.columns[name])
    idx = pc.fill_null(pc.index_in(arr, value_set=pa.array(allowed)), -1)
    idx = idx.to_numpy(zero_copy_only=False).astype(np.int64)
    empty = _is_empty(arr)
    if required:
        p.report(empty, name, "missing value (required)")
    else:
        idx = np.where(empty, allowed.index(default), idx)
    p.report((idx < 0) & ~empty, name,
             lambda i: f"invalid value {p.raw(name, i)}: expected one of {', '.join(allowed)}")
    return np.where(idx < 0, 0, idx)


def _parse_bool_column(p: _Problems, name: str, n_rows: int) -> np.ndarray:
    """A true/false column (any case; empty or absent is false)."""
    if name not in p.columns:
        return np.zeros(n_rows, dtype=bool)
    arr = _as_string_array(p.columns[name])
    if arr.null_count:
        arr = pc.fill_null(arr, "")
    code = pc.index_in(arr, value_set=_BOOL_WORDS)  # 0 false, 1 true, 2 empty, null other
    if code.null_count:
        code = pc.index_in(pc.utf8_lower(arr), value_set=_BOOL_WORDS)  # accept True/FALSE too
    code = pc.fill_null(code, -1).to_numpy(zero_copy_only=False)
    p.report(code < 0, name, lambda i: f"invalid value {p.raw(name, i)}: expected true or false")
    return code == 1


def _check_household_consistency(p: _Problems, numbers: dict[str, np.ndarray], bools: dict[str, np.ndarray]) -> None:
    """Cross-column checks: an adult in every household, young couples are two adults, heating
    either in the rent or paid separately."""
    persons, children = numbers["persons"], numbers["children"]
    p.report((children > persons - 1) & (persons >= 1), "children",
             lambda i: f"{int(children[i])} children but {int(persons[i])} persons: at least one adult is needed")
    adults = persons - children
    p.report(bools["young_couple"] & (adults != 2) & (children <= persons - 1), "young_couple",
             lambda i: f"young_couple is true but the household has {int(adults[i])} adult(s), not 2")
    p.report(bools["heating_in_rent"] & bools["heating_paid_separately"], "heating_paid_separately",
             "heating_in_rent and heating_paid_separately are both true")


def _parsed_frame(case_id: pa.Array, numbers: dict[str, np.ndarray], codes: dict[str, np.ndarray],
                  bools: dict[str, np.ndarray]) -> pd.DataFrame:
    """The parsed households frame (PARSED_COLUMNS)."""
    benefit_code = codes["benefit"]
    maint = codes["maintenance_duty"]
    return pd.DataFrame({
        "case_id": pd.Series(pd.arrays.ArrowStringArray(case_id.cast(pa.large_string()))
                             if hasattr(pd.arrays, "ArrowStringArray") else case_id.to_pylist()),
        "year": numbers["year"],
        "benefit": pd.Categorical.from_codes(benefit_code, dtype=BENEFIT_DTYPE),
        "benefit_code": benefit_code,
        "rent_monthly_ore": numbers["rent_monthly"],
        "area_m2_x100": numbers["area_m2"],
        "persons": numbers["persons"],
        "children": numbers["children"],
        "household_income_ore": numbers["household_income"],
        "wealth_ore": numbers["wealth"],
        **{b: bools[b] for b in BOOL_COLUMNS},
        "maintenance_duty": pd.Categorical.from_codes(maint, dtype=MAINTENANCE_DTYPE),
        "maintenance_code": maint,
    })


def parse_columns(columns: dict[str, pa.Array], n_rows: int, book: RateBook | None = None,
                  pre_problems: list[Problem] | None = None) -> pd.DataFrame:
    """Validate the calc.md columns (Arrow string arrays) and return the parsed frame.

    Raises :class:`InputError` naming every bad (row, column).
    """
    book = book or default_rate_book()
    missing = [c for c in REQUIRED_COLUMNS if c not in columns]
    if missing:
        raise InputError([], total=0, missing_columns=missing)
    p = _Problems(columns, pre_problems)
    case_id = _as_string_array(columns["case_id"])
    p.report(_is_empty(case_id), "case_id", "missing value (required)")
    parsed = {name: _parse_number_column(p, name, n_rows) for name in NUMBER_COLUMNS}
    _check_year_has_rates(p, *parsed["year"], book)
    numbers = {name: values for name, (values, _, _) in parsed.items()}
    codes = {name: _parse_enum_column(p, name, n_rows) for name in ENUM_VALUES}
    bools = {name: _parse_bool_column(p, name, n_rows) for name in BOOL_COLUMNS}
    _check_household_consistency(p, numbers, bools)
    p.raise_if_any()
    return _parsed_frame(case_id, numbers, codes, bools)


def _fmt_exact(v: int, scale: int) -> str:
    if scale == 0:
        return str(v)
    sign = "-" if v < 0 else ""
    v = abs(v)
    return f"{sign}{v // 100}.{v % 100:02d}"


def parse_households(df: pd.DataFrame, book: RateBook | None = None) -> pd.DataFrame:
    """Parse a DataFrame with calc.md input columns (any order, unknown ignored).

    Values may be strings (as in the CSV), Python ints, ``Decimal`` or bools; binary floats
    are refused for money and area. Raises :class:`InputError`.
    """
    if isinstance(df, pd.DataFrame) and "rent_monthly_ore" in df.columns:
        return df  # already parsed
    cols, problems = table_from_frame(df)
    return parse_columns(cols, len(df), book=book, pre_problems=problems)
