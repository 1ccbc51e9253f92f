"""Rates as dated data: one YAML file per year, ``rates/boligstoette_<year>.yaml``.

Each file holds, for both benefits (boligsikring and boligydelse), every amount and share the
rules use, each entry with ``value`` (an exact decimal *string*), ``unit``, ``law_ref``,
``status`` (M / 2S / 1S / D / ?, see RULES.md) and ``source``. The files are generated from
``shared/domain/rates.csv`` by::

    python -m boligstoette.rules.rates generate ../shared/domain/rates.csv boligstoette/rules/rates

The loader validates loudly at load time and names the file and key of any problem: a missing
or unknown key, a wrong unit, a value that is not an exact decimal string (a YAML float such as
``0.10`` unquoted is refused), a share outside [0, 1], money with more than two decimals, a year
in the file that does not match its name, or a gap between years.

A rule reads the rates of the year it computes: :meth:`RateBook.for_year` raises
:class:`RatesNotFound` for a year without a rate file (e.g. 2023 or 2027).

An operator adds or corrects a year without a code release: ``$BOLIGSTOETTE_RATES_DIR``
(:data:`RATES_DIR_ENV`) names a folder of extra ``boligstoette_<year>.yaml`` files that
:func:`default_rate_book` reads after the packaged ones. A year in both: the operator's file
replaces the packaged one. The operator's files pass the same validation, and the union of the
years must have no gap.

A year's file may carry the § 43 uprating percentages of its 1 January (RULES.md § 6.3) in an
optional ``uprating`` section, one entry per member group (:data:`UPRATING_GROUPS`), generated
from ``uprating.csv`` next to this module; :meth:`RateBook.uprating` reads them.
"""

from __future__ import annotations

import csv
import datetime as dt
import functools
import os
import sys
from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation
from fractions import Fraction
from pathlib import Path

import numpy as np
import yaml

from .rounding import AREA_SCALE, ORE_PER_KRONE, SHARE_SCALE

_YAML_LOADER = getattr(yaml, "CSafeLoader", yaml.SafeLoader)
RATES_DIR = Path(__file__).with_name("rates")
# The operator's folder of extra or corrected year files (read after RATES_DIR, replaces a year).
RATES_DIR_ENV = "BOLIGSTOETTE_RATES_DIR"
FILE_PATTERN = "boligstoette_{year}.yaml"
UPRATING_CSV = Path(__file__).with_name("uprating.csv")
# The benefits and their codes (parse.py's benefit_code): defined here only, imported by every
# rules module. The code of a benefit is its index in BENEFITS.
BENEFITS = ("boligsikring", "boligydelse")
BOLIGSIKRING = BENEFITS.index("boligsikring")  # 0
BOLIGYDELSE = BENEFITS.index("boligydelse")    # 1
STATUSES = ("M", "2S", "1S", "D", "?")

# kind -> (allowed unit, how the exact value is stored internally)
MONEY, MONEY_PER_M2, AREA, SHARE = "money", "money_per_m2", "area", "share"
UNITS = {MONEY: "kr/year", MONEY_PER_M2: "kr/m2/year", AREA: "m2", SHARE: "share"}

# Every rate the rules use, for BOTH benefits (a rate that does not apply to one benefit is
# still present, with the neutral value rates.csv gives it: e.g. expense_supplement 0 for
# boligsikring, cap_no_children_share 1 for boligydelse).
SCHEMA: dict[str, str] = {
    "wealth_limit_1": MONEY,
    "wealth_limit_2": MONEY,
    "wealth_share_1": SHARE,
    "wealth_share_2": SHARE,
    "deduction_heating_m2": MONEY_PER_M2,
    "deduction_hot_water_m2": MONEY_PER_M2,
    "deduction_electricity_m2": MONEY_PER_M2,
    "supplement_water_m2": MONEY_PER_M2,
    "supplement_drainage_m2": MONEY_PER_M2,
    "supplement_maintenance_full_m2": MONEY_PER_M2,
    "supplement_maintenance_partial_m2": MONEY_PER_M2,
    "supplement_heating_m2": MONEY_PER_M2,
    "area_first_person_m2": AREA,
    "area_per_extra_person_m2": AREA,
    "area_mobility_extra_m2": AREA,
    "max_annual_expense": MONEY,
    "max_expense_raise_per_child": SHARE,
    "max_expense_raise_mobility_or_help": SHARE,
    "expense_supplement": MONEY,
    "expense_share": SHARE,
    "income_share": SHARE,
    "income_threshold": MONEY,
    "threshold_raise_per_child": MONEY,
    "min_own_payment": MONEY,
    "own_payment_income_share": SHARE,
    "cap_no_children_share": SHARE,
    "max_annual_benefit": MONEY,
    "max_benefit_raise_four_children": SHARE,
    "max_benefit_raise_mobility": SHARE,
    "max_benefit_raise_round_the_clock_help": SHARE,
    "minimum_payout": MONEY,
}
ENTRY_FIELDS_REQUIRED = ("value", "unit", "law_ref", "status", "source")
ENTRY_FIELDS_OPTIONAL = ("note",)
TOP_LEVEL_REQUIRED = ("year", "valid_from", "valid_to", "benefits")
TOP_LEVEL_OPTIONAL = ("generated_from", "sources", "uprating")

# § 43 uprating on 1 January (RULES.md § 6.3): one percentage per member group. The middle group
# is førtidspension (awarded before or after 2003), seniorpension and § 2 b.
UPRATING_GROUPS = ("pensioners", "disability_and_senior", "others")
UPRATING_UNIT = "percent"


class RatesError(ValueError):
    """A rate file is missing, incomplete or mistyped (message names file and key)."""


class RatesNotFound(RatesError, LookupError):
    """No rate set for the requested year/benefit."""


@dataclass(frozen=True)
class Rate:
    key: str
    value: Decimal  # exact, in the unit below (kr, kr per m², m², share)
    unit: str
    law_ref: str
    status: str
    source: str
    note: str | None = None

    @property
    def kind(self) -> str:
        return SCHEMA[self.key]

    @property
    def internal(self) -> int:
        """The exact integer the rules compute with: øre, øre per m², 1/100 m², or ppm."""
        scale = {MONEY: ORE_PER_KRONE, MONEY_PER_M2: ORE_PER_KRONE, AREA: AREA_SCALE,
                 SHARE: SHARE_SCALE}[self.kind]
        return int(self.value * scale)

    @property
    def fraction(self) -> Fraction:
        return Fraction(self.value)

    @property
    def unconfirmed(self) -> bool:
        return self.status in ("1S", "D", "?")


@dataclass(frozen=True)
class RateSet:
    """All rates of one benefit in one year."""

    year: int
    benefit: str
    valid_from: dt.date
    valid_to: dt.date
    path: Path
    rates: dict[str, Rate] = field(repr=False)

    def __getitem__(self, key: str) -> Rate:
        try:
            return self.rates[key]
        except KeyError:
            raise RatesError(f"{self.path}: {self.benefit}: no rate {key!r}") from None

    def internal(self, key: str) -> int:
        return self[key].internal


@dataclass(frozen=True)
class Uprating:
    """The § 43 uprating percentages applied on 1 January of ``year``, per member group (RULES.md § 6.3)."""

    year: int
    percent: dict[str, Decimal]  # group (UPRATING_GROUPS) -> exact percentage, e.g. Decimal("1.95")
    status: dict[str, str]       # group -> M / 2S / 1S / D / ?
    law_ref: str                 # the distinct law_refs of the groups, joined by "; "
    path: Path

    @property
    def unconfirmed(self) -> bool:
        # Stricter than Rate.unconfirmed: one bekendtgørelse a year sets all three figures, so
        # only its own text (M) confirms them; two secondary copies can share one typo.
        return any(status != "M" for status in self.status.values())


@dataclass(frozen=True)
class RateFolders:
    """Where a rate book was read from: the packaged folder and the operator's folder, if any."""

    packaged: Path = RATES_DIR
    operator: Path | None = None

    def __str__(self) -> str:
        return str(self.packaged) if self.operator is None else f"{self.packaged} + operator folder {self.operator}"

    def hint(self, first: int, last: int) -> str:
        """The folders read and what the operator adds so that the years first..last get a file."""
        files = FILE_PATTERN.format(year=first)
        if last != first:
            files += f" .. {FILE_PATTERN.format(year=last)} (one file per year, no gap)"
        if self.operator is None:
            return f"{self.packaged}, operator folder: none — set {RATES_DIR_ENV} to a folder holding {files}"
        return f"{self.packaged}, operator folder: {self.operator} — add {files} there"


class RateBook:
    """Rate sets of all years found in the rate folders, keyed by (year, benefit)."""

    def __init__(self, sets: dict[tuple[int, str], RateSet], uprating: dict[int, Uprating] | None = None,
                 folders: RateFolders | None = None):
        self.sets = sets
        self.folders = folders or RateFolders()
        self._uprating = dict(uprating or {})
        self.years = sorted({y for y, _ in sets})
        self.first_year = self.years[0] if self.years else 0
        # (key) -> int64 array indexed by (year - first_year) * 2 + benefit_code; -1 = no rates
        n = (self.years[-1] - self.first_year + 1) * len(BENEFITS) if self.years else 0
        self._has = np.zeros(n, dtype=bool)
        self._tables: dict[str, np.ndarray] = {k: np.zeros(n, dtype=np.int64) for k in SCHEMA}
        for (year, benefit), rs in sets.items():
            idx = (year - self.first_year) * len(BENEFITS) + BENEFITS.index(benefit)
            self._has[idx] = True
            for key in SCHEMA:
                self._tables[key][idx] = rs.internal(key)

    def coverage(self, year: int) -> str:
        """'rate files cover the years A-B (folders — what to add)': the tail of every missing-year error."""
        span = f"{self.years[0]}-{self.years[-1]}" if self.years else "none"
        # the operator must add every year between the files and the one asked for (no gap)
        if self.years and year > self.years[-1]:
            first, last = self.years[-1] + 1, year
        elif self.years and year < self.years[0]:
            first, last = year, self.years[0] - 1
        else:
            first = last = year
        return f"rate files cover the years {span} ({self.folders.hint(first, last)})"

    def for_year(self, year: int, benefit: str) -> RateSet:
        try:
            return self.sets[(int(year), benefit)]
        except KeyError:
            raise RatesNotFound(f"no rates for year {year} ({benefit}); {self.coverage(int(year))}") from None

    @property
    def uprating_years(self) -> list[int]:
        return sorted(self._uprating)

    def uprating(self, year: int) -> Uprating:
        """The § 43 percentages of 1 January of ``year``; RatesNotFound without a file or section."""
        year = int(year)
        if year not in self.years:
            raise RatesNotFound(f"no uprating percentages for year {year}; {self.coverage(year)}")
        try:
            return self._uprating[year]
        except KeyError:
            path = self.sets[(year, BENEFITS[0])].path
            raise RatesNotFound(
                f"no uprating percentages for year {year}: {path} has no 'uprating' section with the groups "
                f"{', '.join(UPRATING_GROUPS)} (RULES.md § 6.3) ({self.folders.hint(year, year)})"
            ) from None

    def has_year(self, years: np.ndarray) -> np.ndarray:
        years = np.asarray(years, dtype=np.int64)
        return np.isin(years, np.asarray(self.years, dtype=np.int64))

    def row_rates(self, years: np.ndarray, benefit_codes: np.ndarray) -> RowRates:
        return RowRates(self, np.asarray(years, dtype=np.int64), np.asarray(benefit_codes, dtype=np.int64))


class RowRates:
    """Per-row exact rates for a vector of households (lazy, cached per key).

    ``rr.get(key)`` is an int64 array with one value per row (øre, øre per m², 1/100 m² or ppm),
    or a numpy scalar when all rows present share the same value (numpy broadcasts it).
    """

    def __init__(self, book: RateBook, years: np.ndarray, codes: np.ndarray):
        self.book = book
        idx = (years - book.first_year) * len(BENEFITS) + codes
        ok = (idx >= 0) & (idx < len(book._has))
        ok[ok] &= book._has[idx[ok]]
        if not ok.all():
            bad = int(np.flatnonzero(~ok)[0])
            raise RatesNotFound(
                f"row {bad}: no rates for year {int(years[bad])} "
                f"({BENEFITS[int(codes[bad])] if 0 <= codes[bad] < len(BENEFITS) else codes[bad]}); "
                f"{book.coverage(int(years[bad]))}"
            )
        self.idx = idx
        self._groups = np.unique(idx) if len(idx) else np.zeros(0, dtype=np.int64)
        self._cache: dict[str, np.ndarray | np.int64] = {}

    def get(self, key: str):
        if key not in self._cache:
            table = self.book._tables[key]
            vals = table[self._groups]
            if len(vals) and (vals == vals[0]).all():
                self._cache[key] = np.int64(vals[0])
            else:
                self._cache[key] = table[self.idx]
        return self._cache[key]

    __getitem__ = get


# ---------------------------------------------------------------- loading and validation


def _fail(path: Path, where: str, msg: str) -> RatesError:
    return RatesError(f"{path}: {where}: {msg}")


def _exact_decimal(path: Path, where: str, raw) -> Decimal:
    """A non-negative exact decimal from a string (or int); a YAML float has already lost exactness."""
    if isinstance(raw, bool) or not isinstance(raw, (str, int)):
        raise _fail(path, where, f"value must be an exact decimal string, got {type(raw).__name__} {raw!r}")
    text = str(raw).strip()
    try:
        value = Decimal(text)
    except InvalidOperation:
        raise _fail(path, where, f"value {raw!r} is not a decimal number") from None
    if not value.is_finite():
        raise _fail(path, where, f"value {raw!r} is not finite")
    if value < 0:
        raise _fail(path, where, f"value {raw!r} is negative")
    return value


def _parse_value(path: Path, where: str, kind: str, raw) -> Decimal:
    value = _exact_decimal(path, where, raw)
    exponent = value.as_tuple().exponent
    max_decimals = {MONEY: 2, MONEY_PER_M2: 2, AREA: 2, SHARE: 6}[kind]
    if -exponent > max_decimals and value != value.quantize(Decimal(1).scaleb(-max_decimals)):
        raise _fail(path, where, f"value {raw!r} has more than {max_decimals} decimals")
    if kind == SHARE and value > 1:
        raise _fail(path, where, f"share {raw!r} is above 1")
    return value


def _as_date(path: Path, where: str, raw) -> dt.date:
    if isinstance(raw, dt.date):
        return raw
    try:
        return dt.date.fromisoformat(str(raw))
    except ValueError:
        raise _fail(path, where, f"{raw!r} is not an ISO date") from None


def _read_yaml_mapping(path: Path) -> dict:
    try:
        doc = yaml.load(path.read_text(encoding="utf-8"), Loader=_YAML_LOADER)
    except yaml.YAMLError as exc:
        raise RatesError(f"{path}: not valid YAML: {exc}") from None
    if not isinstance(doc, dict):
        raise RatesError(f"{path}: top level must be a mapping")
    return doc


def _check_top_level_keys(path: Path, doc: dict) -> None:
    for key in TOP_LEVEL_REQUIRED:
        if key not in doc:
            raise _fail(path, key, "missing top-level key")
    for key in doc:
        if key not in TOP_LEVEL_REQUIRED + TOP_LEVEL_OPTIONAL:
            raise _fail(path, str(key), "unknown top-level key")


def _checked_year(path: Path, year) -> int:
    """The file's year: an integer matching the file name."""
    if isinstance(year, bool) or not isinstance(year, int):
        raise _fail(path, "year", f"must be an integer, got {year!r}")
    if path.name != FILE_PATTERN.format(year=year):
        raise _fail(path, "year", f"year {year} does not match the file name")
    return year


def _checked_validity(path: Path, year: int, doc: dict) -> tuple[dt.date, dt.date]:
    """valid_from/valid_to: exactly the calendar year (so every day has one rate set)."""
    valid_from = _as_date(path, "valid_from", doc["valid_from"])
    valid_to = _as_date(path, "valid_to", doc["valid_to"])
    if valid_from != dt.date(year, 1, 1) or valid_to != dt.date(year, 12, 31):
        raise _fail(path, "valid_from/valid_to", f"must cover exactly {year}-01-01..{year}-12-31")
    return valid_from, valid_to


def _checked_benefits(path: Path, benefits) -> dict:
    """The ``benefits`` mapping: every benefit present (unknown ones are refused per benefit)."""
    if not isinstance(benefits, dict):
        raise _fail(path, "benefits", "must be a mapping benefit -> rates")
    for benefit in BENEFITS:
        if benefit not in benefits:
            raise _fail(path, f"benefits.{benefit}", "missing benefit")
    return benefits


def _check_entry_fields(path: Path, where: str, entry) -> None:
    """One rate entry: a mapping with every required field filled and no unknown field."""
    if not isinstance(entry, dict):
        raise _fail(path, where, "entry must be a mapping with value, unit, law_ref, status, source")
    for f in ENTRY_FIELDS_REQUIRED:
        if f not in entry or entry[f] in (None, ""):
            raise _fail(path, where, f"missing field {f!r}")
    for f in entry:
        if f not in ENTRY_FIELDS_REQUIRED + ENTRY_FIELDS_OPTIONAL:
            raise _fail(path, where, f"unknown field {f!r}")


def _check_unit_and_status(path: Path, where: str, entry: dict, unit: str) -> None:
    if entry["unit"] != unit:
        raise _fail(path, where, f"unit {entry['unit']!r}, expected {unit!r}")
    if entry["status"] not in STATUSES:
        raise _fail(path, where, f"status {entry['status']!r} not one of {STATUSES}")


def _load_rate(path: Path, benefit: str, key: str, entry) -> Rate:
    """One validated rate: known key, complete entry, the key's unit, a known status, exact value."""
    where = f"{benefit}.{key}"
    if key not in SCHEMA:
        raise _fail(path, where, "unknown rate key")
    _check_entry_fields(path, where, entry)
    kind = SCHEMA[key]
    _check_unit_and_status(path, where, entry, UNITS[kind])
    value = _parse_value(path, where, kind, entry["value"])
    return Rate(
        key=key, value=value, unit=entry["unit"], law_ref=str(entry["law_ref"]),
        status=str(entry["status"]), source=str(entry["source"]),
        note=None if entry.get("note") in (None, "") else str(entry["note"]),
    )


def _load_benefit_rates(path: Path, benefit: str, entries) -> dict[str, Rate]:
    """All rates of one benefit: a known benefit, every SCHEMA key, each entry valid, coherent."""
    if benefit not in BENEFITS:
        raise _fail(path, f"benefits.{benefit}", "unknown benefit")
    if not isinstance(entries, dict):
        raise _fail(path, f"benefits.{benefit}", "must be a mapping key -> entry")
    for key in SCHEMA:
        if key not in entries:
            raise _fail(path, f"{benefit}.{key}", "missing rate")
    rates = {key: _load_rate(path, benefit, key, entry) for key, entry in entries.items()}
    # coherence checks that a typo would break
    if rates["wealth_limit_2"].value < rates["wealth_limit_1"].value:
        raise _fail(path, f"{benefit}.wealth_limit_2", "below wealth_limit_1")
    return rates


def _load_uprating_percent(path: Path, group: str, entry) -> tuple[Decimal, str, str]:
    """One group's entry: (percent, status, law_ref); a percentage in [0, 100)."""
    where = f"uprating.{group}"
    _check_entry_fields(path, where, entry)
    _check_unit_and_status(path, where, entry, UPRATING_UNIT)
    value = _exact_decimal(path, where, entry["value"])
    if value >= 100:
        raise _fail(path, where, f"percent {entry['value']!r} is not below 100")
    return value, str(entry["status"]), str(entry["law_ref"])


def _load_uprating(path: Path, year: int, section) -> Uprating:
    """The optional ``uprating`` section: every group of UPRATING_GROUPS and no other."""
    if not isinstance(section, dict):
        raise _fail(path, "uprating", "must be a mapping group -> entry")
    for group in section:
        if group not in UPRATING_GROUPS:
            raise _fail(path, f"uprating.{group}", f"unknown group (groups: {', '.join(UPRATING_GROUPS)})")
    for group in UPRATING_GROUPS:
        if group not in section:
            raise _fail(path, f"uprating.{group}", "missing group")
    entries = {group: _load_uprating_percent(path, group, section[group]) for group in UPRATING_GROUPS}
    law_refs = dict.fromkeys(law_ref for _, _, law_ref in entries.values())  # distinct, in group order
    return Uprating(year=year, percent={g: e[0] for g, e in entries.items()},
                    status={g: e[1] for g, e in entries.items()}, law_ref="; ".join(law_refs), path=path)


def _load_year_file(path: Path) -> tuple[dict[str, RateSet], Uprating | None]:
    """One year's file, validated: its rate sets and, when the file has the section, its uprating."""
    path = Path(path)
    doc = _read_yaml_mapping(path)
    _check_top_level_keys(path, doc)
    year = _checked_year(path, doc["year"])
    valid_from, valid_to = _checked_validity(path, year, doc)
    benefits = _checked_benefits(path, doc["benefits"])
    sets = {benefit: RateSet(year, benefit, valid_from, valid_to, path, _load_benefit_rates(path, benefit, entries))
            for benefit, entries in benefits.items()}
    uprating = _load_uprating(path, year, doc["uprating"]) if "uprating" in doc else None
    return sets, uprating


def load_rate_file(path: Path) -> dict[str, RateSet]:
    """Load and validate one year's file; returns {benefit: RateSet}."""
    return _load_year_file(path)[0]


def _year_files(directory: Path) -> dict[str, Path]:
    """The folder's year files by file name (the name carries the year, so equal names = same year)."""
    return {p.name: p for p in sorted(directory.glob(FILE_PATTERN.format(year="*")))}


def _operator_year_files(directory: Path) -> dict[str, Path]:
    # An empty operator folder is fine (mounted ahead of need); a missing one is a typo in the setting.
    if not directory.is_dir():
        raise RatesError(f"{directory}: the operator rates folder ({RATES_DIR_ENV}) is not a folder")
    return _year_files(directory)


def _check_no_gap(folders: RateFolders, years: list[int]) -> None:
    missing = sorted(set(range(years[0], years[-1] + 1)) - set(years))
    if missing:
        raise RatesError(f"{folders}: no rate file for the year(s) {missing} "
                         f"(gap between {years[0]} and {years[-1]})")


def load_rate_book(directory: Path | str | None = None, operator_dir: Path | str | None = None) -> RateBook:
    """Load every ``boligstoette_<year>.yaml`` in ``directory`` (default: the packaged rates) and
    ``operator_dir``; a year in both comes from ``operator_dir``. The years must be contiguous."""
    folders = RateFolders(Path(directory) if directory is not None else RATES_DIR,
                          Path(operator_dir) if operator_dir is not None else None)
    files = _year_files(folders.packaged)
    if not files:
        raise RatesError(f"{folders.packaged}: no rate files {FILE_PATTERN.format(year='<year>')}")
    if folders.operator is not None:
        files |= _operator_year_files(folders.operator)  # the operator's file replaces the packaged one
    sets: dict[tuple[int, str], RateSet] = {}
    uprating: dict[int, Uprating] = {}
    for _, path in sorted(files.items()):
        year_sets, year_uprating = _load_year_file(path)
        sets.update({(rs.year, benefit): rs for benefit, rs in year_sets.items()})
        if year_uprating is not None:
            uprating[year_uprating.year] = year_uprating
    _check_no_gap(folders, sorted({y for y, _ in sets}))
    return RateBook(sets, uprating, folders)


def default_rate_book() -> RateBook:
    """The packaged rates plus the operator's folder ``$BOLIGSTOETTE_RATES_DIR`` when set.

    Cached per value of the variable, so a changed setting never gets the book of the old folder;
    after editing files in place, call :func:`reset_rate_cache`.
    """
    return _rate_book_for(os.environ.get(RATES_DIR_ENV, "").strip() or None)


@functools.lru_cache(maxsize=8)
def _rate_book_for(operator_dir: str | None) -> RateBook:
    return load_rate_book(RATES_DIR, None if operator_dir is None else Path(operator_dir).expanduser())


def reset_rate_cache() -> None:
    """Forget every loaded rate book: the next default_rate_book() reads the files again."""
    _rate_book_for.cache_clear()


# default_rate_book was an lru_cache'd function: keep its cache_clear() spelling for callers of it.
default_rate_book.cache_clear = reset_rate_cache


# ---------------------------------------------------------------- generation from rates.csv

# Per-year provenance, from RULES.md § 5 "Sources per column".
YEAR_SOURCES = {
    2024: "RULES.md § 5, 2024 column: BD pensionist page (boligydelse max 4.563/month, 5.704 with 4+ "
          "children), ÆS plejebolig page (973.800), phongnhaexplorer.com (855.800/973.800); "
          "D figures = § 72 base × year factor (BS 1,45668; BY 1,65746).",
    2025: "RULES.md § 5, 2025 column: ÆS 'Satser 2025' (15.01.2025); D figures = § 72 base × year "
          "factor (BS 1,50485; BY 1,72212).",
    2026: "RULES.md § 5, 2026 column: ÆS 'Beregning' (14.01.2026) and a public third-party calculator "
          "citing VEJ nr. 9336 af 24.3.2026 (boligsikring: the corrected 170.300 set).",
}
# Entries RULES.md flags beyond their status (notes copied into the YAML).
NOTES = {
    (2026, "boligsikring", "income_threshold"): "CONFLICT: ÆS gives 171.500; RULES.md § 5 uses 170.300 "
        "(VEJ nr. 9336 correction, reproduces UDK calculator table)",
    (2026, "boligsikring", "threshold_raise_per_child"): "CONFLICT: ÆS gives 45.200; RULES.md § 5 uses 44.900",
    (2026, "boligsikring", "min_own_payment"): "CONFLICT: ÆS gives 28.900; RULES.md § 5 uses 28.700",
    (2026, "boligsikring", "max_annual_benefit"): "CONFLICT: ÆS gives 50.760; RULES.md § 5 uses 50.412",
    (2026, "boligsikring", "supplement_maintenance_partial_m2"): "RULES.md § 5 lists '–' for 2026; "
        "rates.csv derives it (D)",
    (2026, "boligydelse", "supplement_maintenance_partial_m2"): "RULES.md § 5 lists '–' for 2026; "
        "rates.csv derives it (D)",
    (2024, "boligsikring", "wealth_limit_1"): "RULES.md § 5: single weak source",
}


def read_rates_csv(csv_path: Path | str) -> list[dict[str, str]]:
    with open(csv_path, encoding="utf-8-sig", newline="") as fh:
        return list(csv.DictReader(fh, delimiter=";"))


def uprating_sections_from_csv(csv_path: Path | str) -> dict[int, dict]:
    """uprating.csv (year;group;percent;law_ref;status;source) -> {year: the YAML ``uprating`` section}."""
    sections: dict[int, dict] = {}
    for lineno, row in enumerate(read_rates_csv(csv_path), start=2):
        if None in row:  # csv.DictReader's key for surplus fields: an unquoted ';' in a source text
            raise RatesError(f"{csv_path}: line {lineno}: more fields than the header (quote a value holding ';')")
        if row["group"] not in UPRATING_GROUPS:
            raise RatesError(f"{csv_path}: line {lineno}: unknown group {row['group']!r}")
        sections.setdefault(int(row["year"]), {})[row["group"]] = {
            "value": str(Decimal(row["percent"])),
            "unit": UPRATING_UNIT,
            "law_ref": row["law_ref"],
            "status": row["status"],
            "source": row["source"],
        }
    # the groups in their fixed order, so the generated files do not depend on the csv's row order
    return {year: {g: section[g] for g in UPRATING_GROUPS if g in section} for year, section in sections.items()}


def rate_documents_from_csv(csv_path: Path | str, uprating_csv: Path | str | None = UPRATING_CSV) -> dict[int, dict]:
    """Build the YAML documents (one per year) from rates.csv, validating keys and units; a year with
    rows in ``uprating_csv`` gets its ``uprating`` section (last, after ``benefits``)."""
    rows = read_rates_csv(csv_path)
    docs: dict[int, dict] = {}
    for lineno, row in enumerate(rows, start=2):
        year, benefit, key = int(row["year"]), row["benefit"], row["parameter"]
        if key not in SCHEMA:
            raise RatesError(f"{csv_path}: line {lineno}: unknown parameter {key!r}")
        if benefit not in BENEFITS:
            raise RatesError(f"{csv_path}: line {lineno}: unknown benefit {benefit!r}")
        if row["unit"] != UNITS[SCHEMA[key]]:
            raise RatesError(f"{csv_path}: line {lineno}: {key}: unit {row['unit']!r}")
        doc = docs.setdefault(year, {
            "year": year,
            "valid_from": dt.date(year, 1, 1),
            "valid_to": dt.date(year, 12, 31),
            "generated_from": "shared/domain/rates.csv",
            "sources": YEAR_SOURCES.get(year, "RULES.md § 5"),
            "benefits": {b: {} for b in BENEFITS},
        })
        entry = {
            "value": str(Decimal(row["value"])),
            "unit": row["unit"],
            "law_ref": row["law_ref"],
            "status": row["status"],
            "source": f"rates.csv ({row['status']}: {row['status_meaning']})",
        }
        note = NOTES.get((year, benefit, key))
        if note:
            entry["note"] = note
        doc["benefits"][benefit][key] = entry
    uprating = uprating_sections_from_csv(uprating_csv) if uprating_csv is not None else {}
    for year, doc in docs.items():
        if year in uprating:
            doc["uprating"] = uprating[year]
    return docs


def generate_rate_files(csv_path: Path | str, out_dir: Path | str,
                        uprating_csv: Path | str | None = UPRATING_CSV) -> list[Path]:
    out_dir = Path(out_dir)
    out_dir.mkdir(parents=True, exist_ok=True)
    written = []
    for year, doc in sorted(rate_documents_from_csv(csv_path, uprating_csv).items()):
        path = out_dir / FILE_PATTERN.format(year=year)
        header = (
            f"# Rates of individuel boligstoette for {year}, both benefits.\n"
            "# GENERATED from shared/domain/rates.csv by\n"
            "#   python -m boligstoette.rules.rates generate <rates.csv> boligstoette/rules/rates\n"
            "# Values are exact decimal strings (kr, kr per m2, m2, or a share such as '0.225').\n"
            "# status: M ministry/law, 2S two sources, 1S one source (UNCONFIRMED), D derived (UNCONFIRMED).\n"
        )
        body = yaml.safe_dump(doc, sort_keys=False, allow_unicode=True, width=120, default_flow_style=False)
        path.write_text(header + body, encoding="utf-8")
        load_rate_file(path)  # what we write must load
        written.append(path)
    return written


def main(argv: list[str] | None = None) -> int:
    argv = sys.argv[1:] if argv is None else argv
    if len(argv) in (3, 4) and argv[0] == "generate":
        for p in generate_rate_files(*argv[1:]):
            print(p)
        return 0
    if len(argv) in (1, 2) and argv[0] == "check":
        # without DIR: what the rules will read, the packaged files plus the operator's folder
        book = load_rate_book(argv[1]) if len(argv) == 2 else default_rate_book()
        print(f"ok: {len(book.sets)} rate sets, years {book.years}, uprating years {book.uprating_years} "
              f"({book.folders})")
        return 0
    print("usage: python -m boligstoette.rules.rates generate RATES.csv OUT_DIR [UPRATING.csv] | check [DIR]",
          file=sys.stderr)
    return 2


if __name__ == "__main__":
    sys.exit(main())
