"""Rates as dated data: completeness (Catala-style coverage), validation, provenance."""

from __future__ import annotations

import datetime as dt
import re
import shutil
from decimal import Decimal

import pytest
import yaml
from rules_helpers import domain_file, frame

from boligstoette.rules import calculate
from boligstoette.rules.parse import InputError
from boligstoette.rules.rates import (
    BENEFITS,
    RATES_DIR,
    SCHEMA,
    STATUSES,
    UNITS,
    RatesError,
    RatesNotFound,
    default_rate_book,
    generate_rate_files,
    load_rate_book,
    read_rates_csv,
)

YEARS = range(2024, 2027)


# ------------------------------------------------------------------ coverage (no gap)

@pytest.mark.parametrize("year", YEARS)
@pytest.mark.parametrize("benefit", BENEFITS)
def test_every_year_has_a_complete_rate_set(year, benefit):
    rs = default_rate_book().for_year(year, benefit)
    assert set(rs.rates) == set(SCHEMA)
    for key, rate in rs.rates.items():
        assert rate.unit == UNITS[SCHEMA[key]], key
        assert rate.status in STATUSES, key
        assert rate.law_ref.startswith("§"), key
        assert rate.source, key
        assert isinstance(rate.value, Decimal)


def test_every_day_2024_to_2026_has_exactly_one_rate_set_per_benefit():
    book = default_rate_book()
    day, end = dt.date(2024, 1, 1), dt.date(2026, 12, 31)
    while day <= end:
        for benefit in BENEFITS:
            in_force = [rs for (y, b), rs in book.sets.items()
                        if b == benefit and rs.valid_from <= day <= rs.valid_to]
            assert len(in_force) == 1, (day, benefit)
            assert in_force[0].year == day.year
        day += dt.timedelta(days=1)


@pytest.mark.parametrize("year", [2023, 2027, 1999])
def test_a_year_without_rates_is_a_clear_error(year):
    with pytest.raises(RatesNotFound, match=f"no rates for year {year}.*2024-2026"):
        default_rate_book().for_year(year, "boligsikring")
    with pytest.raises(InputError) as exc:
        calculate(frame({"year": year}))
    assert exc.value.problems[0].column == "year"
    assert "no rates for year" in exc.value.problems[0].message


def test_internal_values_are_exact_integers():
    rs = default_rate_book().for_year(2025, "boligydelse")
    assert rs.internal("income_share") == 225_000          # 0.225 in ppm
    assert rs.internal("deduction_heating_m2") == 10325     # 103.25 kr in øre
    assert rs.internal("max_annual_benefit") == 5_689_200   # øre
    assert rs.internal("area_first_person_m2") == 6500       # hundredths of m²


# ------------------------------------------------------------------ provenance

def test_yaml_files_hold_exactly_the_figures_of_rates_csv():
    rows = read_rates_csv(domain_file("rates.csv"))
    book = default_rate_book()
    seen = set()
    for row in rows:
        rate = book.for_year(int(row["year"]), row["benefit"])[row["parameter"]]
        assert rate.value == Decimal(row["value"]), row
        assert (rate.unit, rate.law_ref, rate.status) == (row["unit"], row["law_ref"], row["status"])
        seen.add((int(row["year"]), row["benefit"], row["parameter"]))
    assert len(seen) == len(YEARS) * len(BENEFITS) * len(SCHEMA)


def test_generator_reproduces_the_packaged_files(tmp_path):
    written = generate_rate_files(domain_file("rates.csv"), tmp_path)
    assert [p.name for p in written] == [f"boligstoette_{y}.yaml" for y in YEARS]
    for p in written:
        assert p.read_text(encoding="utf-8") == (RATES_DIR / p.name).read_text(encoding="utf-8")


def test_2026_boligsikring_conflict_is_recorded():
    rs = default_rate_book().for_year(2026, "boligsikring")
    assert rs["income_threshold"].value == 170300
    assert "CONFLICT" in rs["income_threshold"].note


# ------------------------------------------------------------------ loud failures

@pytest.fixture
def rate_dir(tmp_path):
    d = tmp_path / "rates"
    shutil.copytree(RATES_DIR, d)
    return d


def _edit(path, fn):
    doc = yaml.safe_load(path.read_text(encoding="utf-8"))
    fn(doc)
    path.write_text(yaml.safe_dump(doc, sort_keys=False, allow_unicode=True), encoding="utf-8")


def test_copy_loads(rate_dir):
    assert load_rate_book(rate_dir).years == list(YEARS)


def test_missing_rate_names_file_and_key(rate_dir):
    f = rate_dir / "boligstoette_2025.yaml"
    _edit(f, lambda d: d["benefits"]["boligydelse"].pop("min_own_payment"))
    with pytest.raises(RatesError, match=r"boligstoette_2025\.yaml: boligydelse\.min_own_payment: missing rate"):
        load_rate_book(rate_dir)


def test_unknown_rate_key(rate_dir):
    f = rate_dir / "boligstoette_2024.yaml"
    _edit(f, lambda d: d["benefits"]["boligsikring"].update(
        {"max_anual_benefit": dict(d["benefits"]["boligsikring"]["max_annual_benefit"])}))
    with pytest.raises(RatesError, match=r"boligstoette_2024\.yaml: boligsikring\.max_anual_benefit: unknown rate key"):
        load_rate_book(rate_dir)


def test_float_value_is_refused(rate_dir):
    f = rate_dir / "boligstoette_2026.yaml"
    text = f.read_text(encoding="utf-8")
    text = text.replace("value: '0.225'", "value: 0.225", 1)
    f.write_text(text, encoding="utf-8")
    with pytest.raises(RatesError, match=r"boligstoette_2026\.yaml: boligydelse\.income_share: "
                                         r"value must be an exact decimal string, got float"):
        load_rate_book(rate_dir)


@pytest.mark.parametrize("field,value,message", [
    ("unit", "kr/month", "unit 'kr/month', expected 'kr/year'"),
    ("status", "X", "status 'X' not one of"),
    ("value", "12.345", "more than 2 decimals"),
    ("value", "abc", "not a decimal number"),
    ("value", "-5", "negative"),
    ("law_ref", "", "missing field 'law_ref'"),
])
def test_mistyped_entry(rate_dir, field, value, message):
    f = rate_dir / "boligstoette_2025.yaml"
    _edit(f, lambda d: d["benefits"]["boligsikring"]["min_own_payment"].__setitem__(field, value))
    where = r"boligstoette_2025\.yaml: boligsikring\.min_own_payment: .*"
    with pytest.raises(RatesError, match=where + re.escape(message)):
        load_rate_book(rate_dir)


def test_share_above_one_is_refused(rate_dir):
    f = rate_dir / "boligstoette_2025.yaml"
    _edit(f, lambda d: d["benefits"]["boligsikring"]["income_share"].__setitem__("value", "18"))
    with pytest.raises(RatesError, match="income_share: share '18' is above 1"):
        load_rate_book(rate_dir)


def test_unknown_entry_field(rate_dir):
    f = rate_dir / "boligstoette_2025.yaml"
    _edit(f, lambda d: d["benefits"]["boligsikring"]["min_own_payment"].__setitem__("valu", "1"))
    with pytest.raises(RatesError, match="unknown field 'valu'"):
        load_rate_book(rate_dir)


def test_missing_benefit(rate_dir):
    f = rate_dir / "boligstoette_2024.yaml"
    _edit(f, lambda d: d["benefits"].pop("boligydelse"))
    with pytest.raises(RatesError, match=r"boligstoette_2024\.yaml: benefits\.boligydelse: missing benefit"):
        load_rate_book(rate_dir)


def test_year_must_match_file_name(rate_dir):
    f = rate_dir / "boligstoette_2024.yaml"
    _edit(f, lambda d: d.__setitem__("year", 2023))
    with pytest.raises(RatesError, match="year 2023 does not match the file name"):
        load_rate_book(rate_dir)


def test_gap_between_years_is_refused(rate_dir):
    (rate_dir / "boligstoette_2025.yaml").unlink()
    with pytest.raises(RatesError, match=r"no rate file for the year\(s\) \[2025\]"):
        load_rate_book(rate_dir)


def test_validity_must_cover_the_whole_year(rate_dir):
    f = rate_dir / "boligstoette_2026.yaml"
    _edit(f, lambda d: d.__setitem__("valid_to", dt.date(2026, 6, 30)))
    with pytest.raises(RatesError, match="must cover exactly 2026-01-01..2026-12-31"):
        load_rate_book(rate_dir)
