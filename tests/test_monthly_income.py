"""Income per month as the law counts it (boligstoette/monthly_income.py), on small hand-made frames
with hand-worked øre."""

import pandas as pd
import pytest

from boligstoette import allowance
from boligstoette.monthly_income import (
    ONE_OFF_TYPES,
    PROVISIONAL_INCOME_MONTHS,
    annual_from_monthly,
    monthly_household_income,
    provisional_annual_income,
)

ANNA, BO, CARL = "0101901111", "0202902222", "0303903333"  # made-up numbers, not real people
STAMP = pd.Timestamp("2026-12-01", tz="UTC")


def eindkomst(*rows: tuple[str, str, str, int]) -> pd.DataFrame:
    """An eIndkomst frame as landing reads it, from (cpr, month, income_type, amount_ore) rows."""
    cpr, month, income_type, amount = zip(*rows, strict=True) if rows else ((), (), (), ())
    return pd.DataFrame({
        "cpr": pd.Series(cpr, dtype="str"),
        "month": pd.Series(month, dtype="str"),
        "income_type": pd.Series(income_type, dtype="str"),
        "amount_ore": pd.Series(amount, dtype="int64"),
        "reported_at": STAMP,
        "source_file": "eindkomst.csv",
        "source_line": pd.Series(range(2, len(rows) + 2), dtype="int64"),
    })


def tax(*rows: tuple[str, int, int, str, str]) -> pd.DataFrame:
    """A tax frame from (cpr, year, other_income_ore, assessed_at, kind) rows."""
    cpr, year, other, assessed, kind = zip(*rows, strict=True) if rows else ((), (), (), (), ())
    return pd.DataFrame({
        "cpr": pd.Series(cpr, dtype="str"),
        "year": pd.Series(year, dtype="int64"),
        "other_income_ore": pd.Series(other, dtype="int64"),
        "wealth_ore": pd.Series([0] * len(rows), dtype="int64"),
        "personal_income_ore": pd.Series([pd.NA] * len(rows), dtype="Int64"),
        "assessed_at": pd.to_datetime(pd.Series(assessed, dtype="str"), utc=True),
        "kind": pd.Series(kind, dtype="str"),
    })


def adults(*rows: tuple[str, str, str]) -> pd.DataFrame:
    case_id, period, cpr = zip(*rows, strict=True)
    return pd.DataFrame({"case_id": list(case_id), "period": list(period), "cpr": list(cpr)})


def estimate(frame: pd.DataFrame, *people: str) -> dict[str, int]:
    return provisional_annual_income(frame, pd.Series(people, dtype="str")).to_dict()


def final(frame: pd.DataFrame, assessments: pd.DataFrame, members: pd.DataFrame) -> dict:
    out = monthly_household_income(frame, assessments, members)
    return {(r.case_id, r.period): (r.income_ore, r.known) for r in out.itertuples()}


def test_the_constants():
    assert ONE_OFF_TYPES == ("ferietillaeg",)
    assert PROVISIONAL_INCOME_MONTHS == 3


def test_three_months_of_regular_income_is_estimated_as_before():
    frame = eindkomst(
        (ANNA, "2026-08", "loen", 9_999_900),  # older than the latest three months: not counted
        (ANNA, "2026-09", "loen", 2_000_000),
        (ANNA, "2026-10", "loen", 2_100_000),
        (ANNA, "2026-11", "loen", 2_200_000),
        (BO, "2026-11", "pension", 1_500_050),
    )
    expected = {ANNA: (2_000_000 + 2_100_000 + 2_200_000) * 4, BO: 1_500_050 * 4, CARL: 0}
    assert estimate(frame, ANNA, BO, CARL) == expected
    old = allowance.provisional_annual_income(frame, pd.Series([ANNA, BO, CARL], dtype="str"))
    assert old.to_dict() == expected


def test_estimate_result_shape():
    out = provisional_annual_income(eindkomst((ANNA, "2026-11", "loen", 100)), pd.Series([ANNA, BO, ANNA]))
    assert out.dtype == "int64" and out.index.name == "cpr" and list(out.index) == [ANNA, BO]


def test_fewer_months_are_annualised_by_twelve_over_k():
    frame = eindkomst((ANNA, "2026-10", "loen", 1_000_001), (ANNA, "2026-11", "loen", 1_000_000))
    assert estimate(frame, ANNA) == {ANNA: 2_000_001 * 6}
    assert estimate(eindkomst(), ANNA, BO) == {ANNA: 0, BO: 0}


def test_ferietillaeg_left_out_of_the_estimate_but_counted_in_its_own_month():
    frame = eindkomst(
        (ANNA, "2026-03", "loen", 1_000_000),
        (ANNA, "2026-04", "loen", 1_000_000),
        (ANNA, "2026-05", "loen", 1_000_000),
        (ANNA, "2026-05", "ferietillaeg", 500_000),
    )
    assert estimate(frame, ANNA) == {ANNA: 12_000_000}
    members = adults(("c1", "2026-04", ANNA), ("c1", "2026-05", ANNA))
    assert final(frame, tax(), members) == {("c1", "2026-04"): (1_000_000, True), ("c1", "2026-05"): (1_500_000, True)}


def test_a_one_off_andet_is_not_annualised():
    frame = eindkomst(
        (ANNA, "2026-09", "loen", 1_000_000),
        (ANNA, "2026-10", "loen", 1_000_000),
        (ANNA, "2026-10", "andet", 300_000),  # once in three months: a one-off (today it is × 4)
        (ANNA, "2026-11", "loen", 1_000_000),
    )
    assert estimate(frame, ANNA) == {ANNA: 12_000_000}
    members = adults(("c1", "2026-10", ANNA), ("c1", "2026-11", ANNA))
    assert final(frame, tax(), members) == {("c1", "2026-10"): (1_300_000, True), ("c1", "2026-11"): (1_000_000, True)}


def test_andet_in_every_window_month_is_counted():
    frame = eindkomst(
        (ANNA, "2026-09", "andet", 100_000),
        (ANNA, "2026-10", "andet", 120_000),
        (ANNA, "2026-11", "andet", 110_000),
        (ANNA, "2026-11", "loen", 1_000_000),
        # Bo has two andet amounts, but in two of the three months only: both one-offs
        (BO, "2026-09", "andet", 50_000),
        (BO, "2026-11", "andet", 70_000),
        (BO, "2026-11", "pension", 900_000),
    )
    assert estimate(frame, ANNA, BO) == {ANNA: (330_000 + 1_000_000) * 4, BO: 900_000 * 4}


def test_andet_in_every_month_of_a_shorter_window_is_counted():
    frame = eindkomst((ANNA, "2026-10", "andet", 100_000), (ANNA, "2026-11", "andet", 100_000),
                      (BO, "2026-11", "andet", 40_000))
    assert estimate(frame, ANNA, BO) == {ANNA: 200_000 * 6, BO: 0}


@pytest.mark.parametrize("annual, monthly", [
    (100_000, 8_333),    # 8333.33…
    (100_002, 8_334),    # 8333.5: half rounds up
    (100_008, 8_334),    # 8334.0
    (6, 1),              # 0.5
    (5, 0),              # 0.4166…
    (0, 0),
])
def test_income_outside_eindkomst_counts_one_twelfth_rounded_half_up(annual, monthly):
    frame = eindkomst((BO, "2026-11", "loen", 1))
    assessments = tax((ANNA, 2026, annual, "2025-11-15", "forskud"))
    assert final(frame, assessments, adults(("c1", "2026-11", ANNA))) == {("c1", "2026-11"): (monthly, True)}


def test_a_household_of_two_adults_is_summed():
    frame = eindkomst(
        (ANNA, "2026-11", "loen", 2_000_000),
        (BO, "2026-11", "pension", 1_500_000),
        (BO, "2026-11", "andet", 50_000),
        (CARL, "2026-11", "loen", 7_777_700),  # another case's adult
    )
    assessments = tax((ANNA, 2026, 120_000, "2025-11-15", "forskud"), (BO, 2026, 100_002, "2025-11-15", "forskud"))
    members = adults(("c1", "2026-11", ANNA), ("c1", "2026-11", BO), ("c2", "2026-11", CARL))
    assert final(frame, assessments, members) == {
        ("c1", "2026-11"): (2_000_000 + 10_000 + 1_500_000 + 50_000 + 8_334, True),
        ("c2", "2026-11"): (7_777_700, True),
    }


def test_a_missing_income_month_is_not_known():
    frame = eindkomst((ANNA, "2026-11", "loen", 2_000_000))
    assessments = tax((ANNA, 2026, 120_000, "2025-11-15", "forskud"))
    members = adults(("c1", "2026-11", ANNA), ("c1", "2026-12", ANNA), ("c2", "2026-11", BO))
    assert final(frame, assessments, members) == {
        ("c1", "2026-11"): (2_010_000, True),
        ("c1", "2026-12"): (10_000, False),  # no eIndkomst for 2026-12 yet: computed from what there is
        ("c2", "2026-11"): (0, True),  # the month has arrived; Bo had no income in it
    }


def test_forskud_of_the_year_before_when_the_year_has_none():
    frame = eindkomst((ANNA, "2027-01", "loen", 1_000_000))
    assessments = tax(
        (ANNA, 2026, 240_000, "2025-11-15", "forskud"),
        (ANNA, 2026, 360_000, "2026-06-01", "forskud"),  # the latest assessed of the year wins
        (ANNA, 2027, 999_999_00, "2028-04-01", "aarsopgoerelse"),  # not a forskud
        (BO, 2026, 120_000, "2025-11-15", "forskud"),
        (BO, 2027, 600_000, "2026-11-15", "forskud"),  # the period's own year wins
    )
    members = adults(("c1", "2027-01", ANNA), ("c2", "2027-01", BO), ("c2", "2026-12", BO))
    assert final(frame, assessments, members) == {
        ("c1", "2027-01"): (1_000_000 + 30_000, True),
        ("c2", "2026-12"): (10_000, False),
        ("c2", "2027-01"): (50_000, True),
    }


def test_result_columns_and_types():
    frame = eindkomst((ANNA, "2026-11", "loen", 100))
    members = adults(("c1", "2026-11", ANNA), ("c1", "2026-11", ANNA))  # a repeated row counts once
    out = monthly_household_income(frame, tax(), members)
    assert list(out.columns) == ["case_id", "period", "income_ore", "known"]
    assert out["income_ore"].dtype == "int64" and out["known"].dtype == "bool"
    assert out.to_dict("records") == [{"case_id": "c1", "period": "2026-11", "income_ore": 100, "known": True}]


def test_annual_from_monthly_is_twelve_times():
    assert annual_from_monthly(8_334) == 100_008
    monthly = pd.Series([0, 1, 3_560_334], dtype="int64")
    assert annual_from_monthly(monthly).tolist() == [0, 12, 42_724_008]
