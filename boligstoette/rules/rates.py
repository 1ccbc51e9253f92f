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
"""

from __future__ import annotations

import csv
import datetime as dt
import functools
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
FILE_PATTERN = "boligstoette_{year}.yaml"
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
TOP_LEVEL_OPTIONAL = ("generated_from", "sources")


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


class RateBook:
    """Rate sets of all years found in a directory, keyed by (year, benefit)."""

    def __init__(self, sets: dict[tuple[int, str], RateSet]):
        self.sets = sets
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

    def for_year(self, year: int, benefit: str) -> RateSet:
        try:
            return self.sets[(int(year), benefit)]
        except KeyError:
            span = f"{self.years[0]}-{self.years[-1]}" if self.years else "none"
            raise RatesNotFound(
                f"no rates for year {year} ({benefit}); rate files cover the years {span} "
                f"({RATES_DIR})"
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
                f"rate files cover the years {book.years[0]}-{book.years[-1]}"
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


def _parse_value(path: Path, where: str, kind: str, raw) -> Decimal:
    if isinstance(raw, bool) or not isinstance(raw, (str, int)):
        raise _fail(path, where, f"value must be an exact decimal string, got {type(raw).__name__} {raw!r}")
    text = str(raw).strip()
    try:
        value = Decimal(text)
    except InvalidOperation:
        raise _fail(path, where, f"value {raw!r} is not a decimal number") from None
    if not value.is_finite():
        raise _fail(path, where, f"value {raw!r} is not finite")
    exponent = value.as_tuple().exponent
    max_decimals = {MONEY: 2, MONEY_PER_M2: 2, AREA: 2, SHARE: 6}[kind]
    if -exponent > max_decimals and value != value.quantize(Decimal(1).scaleb(-max_decimals)):
        raise _fail(path, where, f"value {raw!r} has more than {max_decimals} decimals")
    if value < 0:
        raise _fail(path, where, f"value {raw!r} is negative")
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


def _load_rate(path: Path, benefit: str, key: str, entry) -> Rate:
    """One validated rate: known key, complete entry, the key's unit, a known status, exact value."""
    where = f"{benefit}.{key}"
    if key not in SCHEMA:
        raise _fail(path, where, "unknown rate key")
    _check_entry_fields(path, where, entry)
    kind = SCHEMA[key]
    if entry["unit"] != UNITS[kind]:
        raise _fail(path, where, f"unit {entry['unit']!r}, expected {UNITS[kind]!r}")
    if entry["status"] not in STATUSES:
        raise _fail(path, where, f"status {entry['status']!r} not one of {STATUSES}")
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


def load_rate_file(path: Path) -> dict[str, RateSet]:
    """Load and validate one year's file; returns {benefit: RateSet}."""
    path = Path(path)
    doc = _read_yaml_mapping(path)
    _check_top_level_keys(path, doc)
    year = _checked_year(path, doc["year"])
    valid_from, valid_to = _checked_validity(path, year, doc)
    benefits = _checked_benefits(path, doc["benefits"])
    return {benefit: RateSet(year, benefit, valid_from, valid_to, path, _load_benefit_rates(path, benefit, entries))
            for benefit, entries in benefits.items()}


def load_rate_book(directory: Path | str | None = None) -> RateBook:
    """Load every ``boligstoette_<year>.yaml`` in ``directory``; years must be contiguous."""
    directory = Path(directory) if directory is not None else RATES_DIR
    files = sorted(directory.glob(FILE_PATTERN.format(year="*")))
    if not files:
        raise RatesError(f"{directory}: no rate files {FILE_PATTERN.format(year='<year>')}")
    sets: dict[tuple[int, str], RateSet] = {}
    for path in files:
        for benefit, rs in load_rate_file(path).items():
            sets[(rs.year, benefit)] = rs
    years = sorted({y for y, _ in sets})
    missing = sorted(set(range(years[0], years[-1] + 1)) - set(years))
    if missing:
        raise RatesError(f"{directory}: no rate file for the year(s) {missing} "
                         f"(gap between {years[0]} and {years[-1]})")
    return RateBook(sets)


@functools.lru_cache(maxsize=1)
def default_rate_book() -> RateBook:
    """The packaged rates (cached; loaded and validated on first use)."""
    return load_rate_book(RATES_DIR)


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


def rate_documents_from_csv(csv_path: Path | str) -> dict[int, dict]:
    """Build the YAML documents (one per year) from rates.csv, validating keys and units."""
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
    return docs


def generate_rate_files(csv_path: Path | str, out_dir: Path | str) -> list[Path]:
    out_dir = Path(out_dir)
    out_dir.mkdir(parents=True, exist_ok=True)
    written = []
    for year, doc in sorted(rate_documents_from_csv(csv_path).items()):
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
    if len(argv) == 3 and argv[0] == "generate":
        for p in generate_rate_files(argv[1], argv[2]):
            print(p)
        return 0
    if len(argv) in (1, 2) and argv[0] == "check":
        book = load_rate_book(argv[1] if len(argv) == 2 else None)
        print(f"ok: {len(book.sets)} rate sets, years {book.years}")
        return 0
    print("usage: python -m boligstoette.rules.rates generate RATES.csv OUT_DIR | check [DIR]", file=sys.stderr)
    return 2


if __name__ == "__main__":
    sys.exit(main())
