"""The operator's rates folder ($BOLIGSTOETTE_RATES_DIR) and the § 43 uprating percentages (RULES.md § 6.3)."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from pathlib import Path

import pytest
import yaml
from rules_helpers import frame

from boligstoette.rules import calculate
from boligstoette.rules.parse import InputError
from boligstoette.rules.rates import (
    RATES_DIR,
    RATES_DIR_ENV,
    UPRATING_CSV,
    UPRATING_GROUPS,
    RatesError,
    RatesNotFound,
    Uprating,
    default_rate_book,
    generate_rate_files,
    load_rate_book,
    read_rates_csv,
    reset_rate_cache,
)

PACKAGED_YEARS = [2024, 2025, 2026]
CARRIED_FORWARD = {"pensioners": Decimal("3.0"), "disability_and_senior": Decimal("1.95"), "others": Decimal("3.0")}


@pytest.fixture(autouse=True)
def no_operator_folder(monkeypatch):
    """Every test starts from the packaged rates only, whatever the shell running pytest has set."""
    monkeypatch.delenv(RATES_DIR_ENV, raising=False)
    reset_rate_cache()
    yield
    reset_rate_cache()


@pytest.fixture
def operator_dir(tmp_path, monkeypatch) -> Path:
    folder = tmp_path / "operator_rates"
    folder.mkdir()
    monkeypatch.setenv(RATES_DIR_ENV, str(folder))
    return folder


def _load(path: Path) -> dict:
    return yaml.safe_load(path.read_text(encoding="utf-8"))


def _write(path: Path, doc: dict) -> Path:
    path.write_text(yaml.safe_dump(doc, sort_keys=False, allow_unicode=True), encoding="utf-8")
    return path


def _year_file(folder: Path, year: int, edit=None) -> Path:
    """The packaged 2026 file moved to ``year`` (an operator's next-year file before the figures are out)."""
    doc = _load(RATES_DIR / "boligstoette_2026.yaml")
    doc.update(year=year, valid_from=dt.date(year, 1, 1), valid_to=dt.date(year, 12, 31))
    if edit:
        edit(doc)
    return _write(folder / f"boligstoette_{year}.yaml", doc)


# ------------------------------------------------------------------ a year the release does not hold

def test_an_operator_file_for_2027_gives_rates_for_2027(operator_dir):
    path = _year_file(operator_dir, 2027)
    book = default_rate_book()
    assert book.years == [*PACKAGED_YEARS, 2027]
    rs = book.for_year(2027, "boligsikring")
    assert rs.path == path
    assert rs["income_threshold"].value == 170300
    result = calculate(frame({"year": 2027}, {"year": 2026}))
    assert result["year"].tolist() == [2027, 2026]
    # the same figures as 2026, so the same benefit
    assert result["annual_benefit"].iloc[0] == result["annual_benefit"].iloc[1]


def test_without_the_operator_folder_2027_says_what_to_add():
    with pytest.raises(RatesNotFound) as exc:
        default_rate_book().for_year(2027, "boligsikring")
    message = str(exc.value)
    assert message.startswith("no rates for year 2027 (boligsikring); rate files cover the years 2024-2026")
    assert f"operator folder: none — set {RATES_DIR_ENV} to a folder holding boligstoette_2027.yaml" in message
    assert str(RATES_DIR) in message
    with pytest.raises(InputError, match="no rates for year 2027"):
        calculate(frame({"year": 2027}))


def test_a_row_without_rates_names_the_setting_too():
    book = default_rate_book()
    with pytest.raises(RatesNotFound, match=rf"row 0: no rates for year 2027 \(boligydelse\).*{RATES_DIR_ENV}"):
        book.row_rates([2027], [1])


def test_a_year_beyond_the_operator_files_lists_every_file_to_add(operator_dir):
    _year_file(operator_dir, 2027)
    with pytest.raises(RatesNotFound) as exc:
        default_rate_book().for_year(2029, "boligydelse")
    assert "rate files cover the years 2024-2027" in str(exc.value)
    assert (f"operator folder: {operator_dir} — add boligstoette_2028.yaml .. boligstoette_2029.yaml "
            "(one file per year, no gap) there") in str(exc.value)


def test_the_book_follows_the_setting_not_the_cache(operator_dir, monkeypatch):
    _year_file(operator_dir, 2027)
    assert default_rate_book().years[-1] == 2027
    monkeypatch.delenv(RATES_DIR_ENV)
    assert default_rate_book().years[-1] == 2026
    monkeypatch.setenv(RATES_DIR_ENV, str(operator_dir))
    assert default_rate_book().years[-1] == 2027


def test_a_file_edited_in_place_shows_after_the_cache_is_cleared(operator_dir):
    _year_file(operator_dir, 2027)
    assert default_rate_book().for_year(2027, "boligsikring")["min_own_payment"].value == 28700
    _year_file(operator_dir, 2027, lambda d: d["benefits"]["boligsikring"]["min_own_payment"].update(value="28900"))
    # cached per setting, so still the figure read first
    assert default_rate_book().for_year(2027, "boligsikring")["min_own_payment"].value == 28700
    default_rate_book.cache_clear()  # the spelling of the former lru_cache keeps working
    assert default_rate_book().for_year(2027, "boligsikring")["min_own_payment"].value == 28900


# ------------------------------------------------------------------ correcting a packaged year

def _income_threshold(value: str):
    return lambda doc: doc["benefits"]["boligsikring"]["income_threshold"].update(value=value, status="M")


def test_an_operator_file_replaces_the_packaged_year(operator_dir):
    # a family the formula binds for (no 15 % cap), so the income threshold moves the benefit
    household = frame({"year": 2026, "household_income": 350000, "rent_monthly": 6000, "area_m2": 80,
                       "persons": 3, "children": 1})
    packaged = calculate(household, book=load_rate_book())["annual_benefit"].iloc[0]
    # the ÆS figure RULES.md § 5 records as a CONFLICT, as an operator would correct it
    path = _year_file(operator_dir, 2026, _income_threshold("171500"))
    book = default_rate_book()
    assert book.years == PACKAGED_YEARS
    rate = book.for_year(2026, "boligsikring")["income_threshold"]
    assert (rate.value, rate.status) == (171500, "M")
    assert book.for_year(2026, "boligsikring").path == path
    assert book.for_year(2025, "boligsikring").path == RATES_DIR / "boligstoette_2025.yaml"
    assert calculate(household)["annual_benefit"].iloc[0] > packaged  # a higher threshold, a higher benefit


def test_a_gap_across_the_folders_is_refused(operator_dir):
    _year_file(operator_dir, 2028)
    gap = r"no rate file for the year\(s\) \[2027\] \(gap between 2024 and 2028\)"
    with pytest.raises(RatesError, match=gap) as exc:
        default_rate_book()
    assert f"operator folder {operator_dir}" in str(exc.value)


def test_an_operator_file_is_validated_like_a_packaged_one(operator_dir):
    _year_file(operator_dir, 2027, lambda d: d["benefits"]["boligydelse"].pop("min_own_payment"))
    with pytest.raises(RatesError, match=r"operator_rates/boligstoette_2027\.yaml: boligydelse\.min_own_payment: "
                                         r"missing rate"):
        default_rate_book()


def test_an_operator_file_must_hold_the_year_of_its_name(operator_dir):
    _year_file(operator_dir, 2027, lambda d: d.update(year=2026))
    with pytest.raises(RatesError, match=r"boligstoette_2027\.yaml: year: year 2026 does not match the file name"):
        default_rate_book()


def test_a_missing_operator_folder_is_refused(tmp_path, monkeypatch):
    monkeypatch.setenv(RATES_DIR_ENV, str(tmp_path / "typo"))
    with pytest.raises(RatesError, match=rf"typo: the operator rates folder \({RATES_DIR_ENV}\) is not a folder"):
        default_rate_book()


# ------------------------------------------------------------------ uprating percentages (§ 43)

def test_every_packaged_rate_year_has_its_uprating_percentages():
    book = default_rate_book()
    assert book.uprating_years == book.years == PACKAGED_YEARS
    for year in book.years:
        uprating = book.uprating(year)
        assert (uprating.year, tuple(uprating.percent), tuple(uprating.status)) == (year, UPRATING_GROUPS,
                                                                                  UPRATING_GROUPS)
        assert uprating.law_ref.startswith("§ 43")
        assert uprating.path == RATES_DIR / f"boligstoette_{year}.yaml"


def test_2026_uprating_is_the_2023_figures_carried_forward_and_unconfirmed():
    uprating = default_rate_book().uprating(2026)
    assert uprating.percent == CARRIED_FORWARD
    assert all(isinstance(p, Decimal) for p in uprating.percent.values())
    assert uprating.status == dict.fromkeys(UPRATING_GROUPS, "?")
    assert uprating.unconfirmed
    source = _load(uprating.path)["uprating"]["others"]["source"]
    assert source.startswith("UNCONFIRMED") and "carried forward" in source


def test_2024_uprating_names_its_bekendtgoerelse():
    assert default_rate_book().uprating(2024).law_ref == "§ 43, bek. nr. 1269 af 23.10.2023"


def test_uprating_for_a_year_without_a_rate_file_is_a_clear_error():
    # 2023's percentages are known (uprating.csv) but there is no 2023 rate file to carry them
    with pytest.raises(RatesNotFound, match=r"no uprating percentages for year 2023; rate files cover the years "
                                            r"2024-2026 .*boligstoette_2023\.yaml"):
        default_rate_book().uprating(2023)


def test_uprating_for_a_file_without_the_section_is_a_clear_error(operator_dir):
    path = _year_file(operator_dir, 2027, lambda d: d.pop("uprating"))
    with pytest.raises(RatesNotFound) as exc:
        default_rate_book().uprating(2027)
    assert str(exc.value).startswith(f"no uprating percentages for year 2027: {path} has no 'uprating' section")
    assert "pensioners, disability_and_senior, others" in str(exc.value)


def test_uprating_is_confirmed_only_by_the_ministry():
    def uprating(statuses):
        return Uprating(2016, dict(zip(UPRATING_GROUPS, map(Decimal, ["1.4", "1.1", "2.0"]), strict=True)),
                        dict(zip(UPRATING_GROUPS, statuses, strict=True)), "§ 43", Path("x.yaml"))

    assert not uprating(["M", "M", "M"]).unconfirmed
    assert uprating(["M", "2S", "M"]).unconfirmed


def _pop_others(doc):
    doc["uprating"].pop("others")


@pytest.mark.parametrize("edit,key,message", [
    (_pop_others, "uprating.others", "missing group"),
    (lambda d: d["uprating"]["pensioners"].update(value=120), "uprating.pensioners", "percent 120 is not below 100"),
    (lambda d: d["uprating"]["pensioners"].update(value="100"), "uprating.pensioners",
     "percent '100' is not below 100"),
    (lambda d: d["uprating"]["others"].update(value="-1"), "uprating.others", "value '-1' is negative"),
    (lambda d: d["uprating"]["others"].update(status="X"), "uprating.others", "status 'X' not one of"),
    (lambda d: d["uprating"]["others"].update(unit="share"), "uprating.others",
     "unit 'share', expected 'percent'"),
    (lambda d: d["uprating"]["others"].pop("law_ref"), "uprating.others", "missing field 'law_ref'"),
    (lambda d: d["uprating"].update(retired=d["uprating"]["others"]), "uprating.retired", "unknown group"),
    (lambda d: d.update(uprating=["3.0"]), "uprating", "must be a mapping group -> entry"),
])
def test_a_bad_uprating_section_is_refused(operator_dir, edit, key, message):
    _year_file(operator_dir, 2027, edit)
    with pytest.raises(RatesError) as exc:
        default_rate_book()
    assert str(exc.value).startswith(f"{operator_dir / 'boligstoette_2027.yaml'}: {key}: ")
    assert message in str(exc.value)


def test_a_float_uprating_value_is_refused(operator_dir):
    path = _year_file(operator_dir, 2027)
    path.write_text(path.read_text(encoding="utf-8").replace("value: '1.95'", "value: 1.95", 1), encoding="utf-8")
    with pytest.raises(RatesError, match=r"boligstoette_2027\.yaml: uprating\.disability_and_senior: "
                                         r"value must be an exact decimal string, got float"):
        default_rate_book()


# ------------------------------------------------------------------ provenance: uprating.csv

def test_uprating_csv_holds_rules_6_3():
    rows = {(int(r["year"]), r["group"]): (Decimal(r["percent"]), r["status"]) for r in read_rates_csv(UPRATING_CSV)}
    figures = {  # RULES.md § 6.3: pensioners / førtidspension+seniorpension+§ 2 b / others
        2015: (("1.5", "1.5", "2.5"), "M"), 2016: (("1.4", "1.1", "2.0"), "M"), 2023: (("3.0", "1.95", "3.0"), "1S"),
        **{year: (("3.0", "1.95", "3.0"), "?") for year in PACKAGED_YEARS},
    }
    expected = {(year, group): (Decimal(p), status)
                for year, (percents, status) in figures.items()
                for group, p in zip(UPRATING_GROUPS, percents, strict=True)}
    assert rows == expected


def test_the_packaged_files_hold_the_uprating_csv_figures():
    book = default_rate_book()
    for row in read_rates_csv(UPRATING_CSV):
        if int(row["year"]) in book.years:
            uprating = book.uprating(int(row["year"]))
            assert uprating.percent[row["group"]] == Decimal(row["percent"]), row
            assert uprating.status[row["group"]] == row["status"], row


def test_the_generator_writes_uprating_only_for_rate_years(tmp_path):
    rates_csv = Path(__file__).resolve().parents[1] / "data" / "rates.csv"
    written = generate_rate_files(rates_csv, tmp_path / "with")
    assert all("uprating" in _load(p) for p in written)
    without = generate_rate_files(rates_csv, tmp_path / "without", uprating_csv=None)
    assert [p.name for p in without] == [p.name for p in written]  # 2015, 2016, 2023: no rate file, no file
    assert not any("uprating" in _load(p) for p in without)
