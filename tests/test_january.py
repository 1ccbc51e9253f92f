"""The 1 January recalculation (boligstoette/january.py; RULES.md § 6.3, § 12.14) on small hand-made
frames of a December 2025 run, recalculated for 1 January 2026, with hand-worked øre."""

from datetime import date
from decimal import Decimal

import numpy as np
import pandas as pd
import pytest

from boligstoette import january as jan
from boligstoette import lookback as lb
from boligstoette.allowance import CALC_COLUMNS
from boligstoette.privacy import CPR_LIKE
from boligstoette.rules import RatesNotFound, calculate

YEAR = 2026
PERCENTS = {"pensioners": Decimal("3.0"), "disability_and_senior": Decimal("1.95"), "others": Decimal("3.0")}
ANNA, BO, CARL, DITTE, EMIL = "0101701111", "0202702222", "0303703333", "0404704444", "0505155555"  # made up
STAMP = pd.Timestamp("2025-12-01", tz="UTC")
LETTER_DAY = date(2025, 12, 15)
JANUARY_HEADER = ("case_id;year;income_before;uprating_percent;income_january;monthly_december;monthly_january;"
                  "tax_authority_income;letter")  # contracts/corrections.md, out/january/YYYY.csv

CALC_BASE = {
    "case_id": "C1", "year": "2025", "benefit": "boligsikring", "rent_monthly": "6000.00", "area_m2": "60.00",
    "persons": "1", "children": "0", "young_couple": "false", "household_income": "300000.00", "wealth": "0.00",
    "heating_in_rent": "false", "hot_water_in_rent": "false", "electricity_in_rent": "false",
    "heating_paid_separately": "true", "water_paid_separately": "false", "drainage_paid_separately": "false",
    "maintenance_duty": "ingen", "mobility_impaired": "false", "round_the_clock_help": "false",
    "disability_or_senior_pension": "false", "no_maximum_dwelling": "false", "first_computation": "false",
}


def december(*rows: dict) -> pd.DataFrame:
    """The stored provisional_allowances rows of December 2025: calc text, the result, status and amount."""
    calc = pd.DataFrame([CALC_BASE | row for row in rows])
    status = (calc.pop("status") if "status" in calc else pd.Series(index=calc.index, dtype="str")).fillna("computed")
    monthly = calculate(calc[list(CALC_COLUMNS)])["monthly_benefit"].to_numpy(np.int64)
    computed = (status == "computed").to_numpy()
    return calc.assign(status=status, monthly_benefit=np.where(computed, monthly, 0),
                       amount_ore=np.where(computed, monthly * 100, 0), day=pd.Timestamp("2025-12-01"),
                       adults_key="", lease_id="L-" + calc["case_id"])


def members(*rows: tuple) -> pd.DataFrame:
    """(case_id, cpr, pension[, birth_date[, member_to]]) rows, in force from 2020."""
    full = [(*r, *(None,) * (5 - len(r))) for r in rows]
    case_id, cpr, pension, birth, until = zip(*full, strict=True)
    return pd.DataFrame({
        "case_id": list(case_id), "cpr": list(cpr), "pension": list(pension),
        "birth_date": pd.to_datetime([b or "1970-01-01" for b in birth]),
        "role": ["ansoeger"] * len(rows), "member_from": pd.Timestamp("2020-01-01"),
        "member_to": pd.to_datetime(list(until)),
    })


def eindkomst(*monthly: tuple[str, int]) -> pd.DataFrame:
    """The same regular monthly amount (øre) in each of September-November 2025, per person."""
    rows = [(cpr, m, amount) for cpr, amount in monthly for m in ("2025-09", "2025-10", "2025-11")]
    cpr, month, amount = zip(*rows, strict=True) if rows else ((), (), ())
    return pd.DataFrame({"cpr": pd.Series(cpr, dtype="str"), "month": pd.Series(month, dtype="str"),
                         "income_type": "loen", "amount_ore": pd.Series(amount, dtype="int64"), "reported_at": STAMP})


def tax(*rows: tuple) -> pd.DataFrame:
    """Forskud rows (cpr, year, personal_income_ore or None, other_income_ore[, assessed_at])."""
    full = [(*r, "2025-11-01")[:5] for r in rows]
    cpr, year, personal, other, assessed = zip(*full, strict=True) if rows else ((), (), (), (), ())
    return pd.DataFrame({
        "kind": "forskud", "cpr": pd.Series(cpr, dtype="str"), "year": pd.Series(year, dtype="int64"),
        "personal_income_ore": pd.array(list(personal), dtype="Int64"),
        "other_income_ore": pd.Series(other, dtype="int64"), "wealth_ore": pd.Series([0] * len(rows), dtype="int64"),
        "assessed_at": pd.to_datetime(pd.Series(assessed, dtype="str"), utc=True),
    })


def run(allowances, people, income, december_tax=None, forskud=None, year=YEAR, percents=None) -> pd.DataFrame:
    return jan.recalculate(year, allowances, people, income, tax() if december_tax is None else december_tax,
                           tax() if forskud is None else forskud, percents or PERCENTS)


def row_of(frame: pd.DataFrame, case_id: str = "C1") -> dict:
    return frame.set_index("case_id").loc[case_id].to_dict()


# --- groups and the increment ---------------------------------------------------------------------


def test_groups_by_pension():
    assert jan.GROUPS == {"folkepension": "pensioners", "foertidspension_foer_2003": "disability_and_senior",
                          "foertidspension_efter_2003": "disability_and_senior",
                          "seniorpension": "disability_and_senior", "ingen": "others"}


def test_uprate_rounds_half_up_to_the_ore_and_leaves_negative_income():
    personal = pd.Series([30_000_000, 1_234_567, 50, 150, 149, -500_000, 0])
    percent = pd.Series([Decimal("3.0"), Decimal("1.95"), Decimal("1.0"), Decimal("1.0"), Decimal("1.0"),
                         Decimal("3.0"), Decimal("3.0")], dtype="object")
    # 300,000.00 x 3 % = 9,000.00; 12,345.67 x 1.95 % = 240.740565 -> 240.74; 0.50 x 1 % = 0.005 -> 0.01;
    # 1.50 x 1 % = 0.015 -> 0.02; 1.49 x 1 % = 0.0149 -> 0.01; negative and zero: not uprated
    assert jan.uprate(personal, percent).tolist() == [900_000, 24_074, 1, 2, 1, 0, 0]


def test_percents_must_name_every_group_as_decimals():
    with pytest.raises(ValueError, match="no uprating percent for disability_and_senior"):
        jan.checked_percents({"pensioners": Decimal("3.0"), "others": Decimal("3.0")})
    with pytest.raises(ValueError, match="finite Decimal"):
        jan.checked_percents(PERCENTS | {"others": 3.0})


def test_whole_kroner_rounds_half_up():
    ore = pd.Series([10_000_049, 10_000_050, 10_000_099, -150, -151])
    assert jan.whole_kroner_half_up(ore).tolist() == [10_000_000, 10_000_100, 10_000_100, -100, -200]


# --- the recalculation ----------------------------------------------------------------------------


def test_a_single_other_adult_at_three_percent():
    # 25,000.00 kr a month x 12 = 300,000.00 kr; + 3.0 % = 9,000.00 kr -> 309,000.00 kr
    out = run(december({}), members(("C1", ANNA, "ingen")), eindkomst((ANNA, 2_500_000)))
    adults = jan.december_adults(december({}), members(("C1", ANNA, "ingen")), YEAR)
    parts = jan.member_increments(adults, eindkomst((ANNA, 2_500_000)), tax(), PERCENTS, YEAR)
    assert parts[["group", "personal_ore", "capital_ore", "increment_ore"]].values.tolist() == [
        ["others", 30_000_000, 0, 900_000]]
    row = row_of(out)
    assert row["income_before_ore"] == 30_000_000
    assert row["uprating_percent"] == "3.0"
    assert row["income_january_ore"] == 30_900_000
    assert row["year"] == YEAR
    assert list(out.columns) == list(jan.RESULT_COLUMNS)


def test_a_couple_of_a_pensioner_and_an_other_adult():
    # folkepension 15,000.00 kr/month -> 180,000.00 x 3.0 % = 5,400.00; ingen 10,000.00 -> 120,000.00 x 3.0 % = 3,600.00
    allowances = december({"benefit": "boligydelse", "persons": "2"})
    people = members(("C1", ANNA, "folkepension"), ("C1", BO, "ingen"))
    parts = jan.member_increments(jan.december_adults(allowances, people, YEAR),
                                  eindkomst((ANNA, 1_500_000), (BO, 1_000_000)), tax(), PERCENTS, YEAR)
    assert parts.set_index("cpr")["increment_ore"].to_dict() == {ANNA: 540_000, BO: 360_000}
    assert parts.set_index("cpr")["group"].to_dict() == {ANNA: "pensioners", BO: "others"}
    row = row_of(run(allowances, people, eindkomst((ANNA, 1_500_000), (BO, 1_000_000))))
    assert (row["income_before_ore"], row["income_january_ore"]) == (30_000_000, 30_900_000)
    assert row["uprating_percent"] == "3.0"


def test_a_disability_pensioner_at_1_95_and_an_other_adult_at_3_0_show_the_highest():
    # førtidspension 200,000.00 x 1.95 % = 3,900.00; ingen 100,000.00 x 3.0 % = 3,000.00
    allowances = december({"persons": "2", "disability_or_senior_pension": "true"})
    people = members(("C1", ANNA, "foertidspension_efter_2003"), ("C1", BO, "ingen"))
    income = eindkomst((ANNA, 1_666_667), (BO, 833_333))  # x 12 = 200,000.04 and 99,999.96
    parts = jan.member_increments(jan.december_adults(allowances, people, YEAR), income, tax(), PERCENTS, YEAR)
    by_cpr = parts.set_index("cpr")
    assert by_cpr["personal_ore"].to_dict() == {ANNA: 20_000_004, BO: 9_999_996}
    assert by_cpr["percent"].to_dict() == {ANNA: Decimal("1.95"), BO: Decimal("3.0")}
    # 200,000.04 x 1.95 % = 3,900.00078 -> 3,900.00; 99,999.96 x 3 % = 2,999.9988 -> 3,000.00
    assert by_cpr["increment_ore"].to_dict() == {ANNA: 390_000, BO: 300_000}
    row = row_of(run(allowances, people, income))
    assert row["uprating_percent"] == "3.0"
    assert row["income_january_ore"] == 30_000_000 + 390_000 + 300_000


def test_disability_and_senior_alone_shows_its_own_percent():
    allowances = december({"disability_or_senior_pension": "true"})
    people = members(("C1", ANNA, "seniorpension"))
    row = row_of(run(allowances, people, eindkomst((ANNA, 2_500_000))))
    # 300,000.00 x 1.95 % = 5,850.00
    assert (row["uprating_percent"], row["income_january_ore"]) == ("1.95", 30_585_000)


def test_negative_personal_income_and_income_outside_eindkomst_are_not_uprated():
    # ANNA: -1,000.00 kr a month -> -12,000.00 a year, not uprated; BO: 20,000.00 a month -> 240,000.00
    # (+ 7,200.00) and 50,000.00 kr outside eIndkomst (forskud 2025), not uprated
    allowances = december({"persons": "2", "household_income": "278000.00"})
    people = members(("C1", ANNA, "ingen"), ("C1", BO, "ingen"))
    income = eindkomst((ANNA, -100_000), (BO, 2_000_000))
    december_tax = tax((BO, 2025, None, 5_000_000))
    parts = jan.member_increments(jan.december_adults(allowances, people, YEAR), income, december_tax, PERCENTS, YEAR)
    by_cpr = parts.set_index("cpr")
    assert by_cpr["personal_ore"].to_dict() == {ANNA: -1_200_000, BO: 24_000_000}
    assert by_cpr["capital_ore"].to_dict() == {ANNA: 0, BO: 5_000_000}
    assert by_cpr["increment_ore"].to_dict() == {ANNA: 0, BO: 720_000}
    row = row_of(run(allowances, people, income, december_tax))
    # -12,000 + 240,000 + 50,000 = 278,000.00 before; + 7,200.00 = 285,200.00
    assert (row["income_before_ore"], row["income_january_ore"]) == (27_800_000, 28_520_000)


def test_the_forskud_december_used_is_the_benefit_year_else_the_year_before():
    people = members(("C1", ANNA, "ingen"))
    adults = jan.december_adults(december({}), people, YEAR)
    older = tax((ANNA, 2024, None, 1_000_000))
    both = tax((ANNA, 2024, None, 1_000_000), (ANNA, 2025, None, 2_000_000), (ANNA, 2026, None, 9_000_000))
    assert jan.member_increments(adults, eindkomst(), older, PERCENTS, YEAR)["capital_ore"].tolist() == [1_000_000]
    assert jan.member_increments(adults, eindkomst(), both, PERCENTS, YEAR)["capital_ore"].tolist() == [2_000_000]


def test_a_kept_income_is_uprated_from_the_income_used():
    # December paid with 280,000.00 kr (an earlier run's income), the parts now say 300,000.00:
    # 280,000.00 + 3 % of 300,000.00 (9,000.00) = 289,000.00
    row = row_of(run(december({"household_income": "280000.00"}), members(("C1", ANNA, "ingen")),
                     eindkomst((ANNA, 2_500_000))))
    assert (row["income_before_ore"], row["income_january_ore"]) == (28_000_000, 28_900_000)


def test_income_january_is_rounded_half_up_to_whole_kroner():
    # 100,000.50 kept, no eIndkomst (nothing uprated): 100,000.50 -> 100,001.00; 100,000.49 -> 100,000.00
    allowances = december({"household_income": "100000.50"}, {"case_id": "C2", "household_income": "100000.49"})
    people = members(("C1", ANNA, "ingen"), ("C2", BO, "ingen"))
    out = run(allowances, people, eindkomst())
    assert out.set_index("case_id")["income_january_ore"].to_dict() == {"C1": 10_000_100, "C2": 10_000_000}


def test_only_adults_in_force_on_the_december_day_count():
    # EMIL is 10 (a child), CARL left in November: only ANNA's 300,000.00 is uprated
    people = members(("C1", ANNA, "ingen"), ("C1", EMIL, "ingen", "2015-05-05"),
                     ("C1", CARL, "folkepension", None, "2025-11-30"))
    income = eindkomst((ANNA, 2_500_000), (EMIL, 1_000_000), (CARL, 1_000_000))
    adults = jan.december_adults(december({}), people, YEAR)
    assert adults["cpr"].tolist() == [ANNA]
    # a reference day later in December counts who is in force that day
    later = december({}).assign(day=pd.Timestamp("2025-12-20"))
    joined = members(("C1", ANNA, "ingen")).assign(member_from=pd.Timestamp("2025-12-10"))
    assert jan.december_adults(later, joined, YEAR)["cpr"].tolist() == [ANNA]
    assert jan.december_adults(december({}), joined, YEAR).empty
    row = row_of(run(december({}), people, income))
    assert (row["income_january_ore"], row["uprating_percent"]) == (30_900_000, "3.0")


def test_a_case_without_adults_shows_the_others_percent():
    row = row_of(run(december({}), members(("C1", EMIL, "ingen", "2015-05-05")), eindkomst(),
                     percents=PERCENTS | {"others": Decimal("2.5")}))
    assert (row["uprating_percent"], row["income_january_ore"], row["letter"]) == ("2.5", 30_000_000, True)


def test_only_cases_in_payment_are_recalculated_sorted_by_case():
    allowances = december({"case_id": "C3"}, {"case_id": "C1"}, {"case_id": "C2", "status": "held"},
                          {"case_id": "C4", "household_income": "900000.00"})  # C4: computed, nothing due
    people = members(*((c, cpr, "ingen") for c, cpr in (("C1", ANNA), ("C2", BO), ("C3", CARL), ("C4", DITTE))))
    assert allowances.set_index("case_id")["amount_ore"].to_dict()["C4"] == 0
    assert run(allowances, people, eindkomst())["case_id"].tolist() == ["C1", "C3"]


def test_no_case_in_payment_gives_an_empty_frame():
    out = run(december({"status": "held"}), members(("C1", ANNA, "ingen")), eindkomst())
    assert out.empty and list(out.columns) == list(jan.RESULT_COLUMNS)
    assert jan.january_file(out).decode() == JANUARY_HEADER + "\n"


# --- the benefit with the new year's rates --------------------------------------------------------


def test_monthly_january_is_the_calculation_with_the_new_income_and_year():
    # a single boligsikring case at 400,000.00 kr: 2025 rates give 222 kr a month
    allowances = december({"household_income": "400000.00"})
    out = run(allowances, members(("C1", ANNA, "ingen")), eindkomst((ANNA, 400_000_00 // 12)))
    row = row_of(out)
    assert row["monthly_december"] == 222
    # 33,333.33 x 12 = 399,999.96; + 3 % = 11,999.9988 -> 12,000.00; 400,000.00 + 12,000.00 = 412,000.00
    assert row["income_january_ore"] == 41_200_000
    expected = calculate(pd.DataFrame([CALC_BASE | {"year": "2026", "household_income": "412000.00",
                                                    "first_computation": "false"}]))
    assert row["monthly_january"] == expected["monthly_benefit"].iloc[0]
    same_income_old_rates = calculate(pd.DataFrame([CALC_BASE | {"household_income": "412000.00"}]))
    assert row["monthly_january"] != same_income_old_rates["monthly_benefit"].iloc[0]  # the 2026 rates are used


def test_a_year_without_rates_raises_rates_not_found():
    allowances = december({"year": "2026"})  # a December 2026 row, recalculated for 2027 (no rate file)
    allowances = allowances.assign(day=pd.Timestamp("2026-12-01"))
    with pytest.raises(RatesNotFound, match="2027"):
        run(allowances, members(("C1", ANNA, "ingen")), eindkomst(), year=2027)


# --- the tax authority's figure and the letter ----------------------------------------------------


def _letter_case(*forskud_rows: tuple) -> dict:
    return row_of(run(december({}), members(("C1", ANNA, "ingen")), eindkomst((ANNA, 2_500_000)),
                      forskud=tax(*forskud_rows)))


def test_equal_in_whole_kroner_gives_no_letter():
    # 309,000.00 used from January; the forskud 2026: 300,000.40 personal + 9,000.00 other = 309,000.40
    row = _letter_case((ANNA, 2026, 30_000_040, 900_000))
    assert (row["tax_authority_income_ore"], row["letter"]) == (30_900_040, False)


def test_one_krone_apart_gives_a_letter():
    row = _letter_case((ANNA, 2026, 30_900_100, 0))
    assert (row["tax_authority_income_ore"], row["letter"]) == (30_900_100, True)


def test_a_missing_personal_income_counts_zero():
    row = _letter_case((ANNA, 2026, None, 30_900_000))
    assert (row["tax_authority_income_ore"], row["letter"]) == (30_900_000, False)


def test_the_latest_forskud_of_the_year_wins_and_other_years_are_ignored():
    row = _letter_case((ANNA, 2026, 10_000_000, 0, "2025-10-01"), (ANNA, 2026, 30_900_000, 0, "2025-11-20"),
                       (ANNA, 2025, 1, 0, "2025-12-01"))
    assert (row["tax_authority_income_ore"], row["letter"]) == (30_900_000, False)


def test_no_forskud_gives_a_letter_and_no_figure():
    row = _letter_case((ANNA, 2025, 30_900_000, 0))  # last year's only
    assert pd.isna(row["tax_authority_income_ore"])
    assert (row["letter"], row["forskud_complete"]) == (True, False)


def test_an_adult_without_a_forskud_gives_a_letter_even_when_the_sum_matches():
    allowances = december({"persons": "2"})
    people = members(("C1", ANNA, "ingen"), ("C1", BO, "ingen"))
    row = row_of(run(allowances, people, eindkomst((ANNA, 2_500_000)), forskud=tax((ANNA, 2026, 30_900_000, 0))))
    assert row["income_january_ore"] == 30_900_000 and row["tax_authority_income_ore"] == 30_900_000
    assert (row["forskud_complete"], row["letter"]) == (False, True)


# --- the file and the letters ---------------------------------------------------------------------


def _two_cases() -> pd.DataFrame:
    allowances = december({}, {"case_id": "C2"})
    people = members(("C1", ANNA, "ingen"), ("C2", BO, "ingen"))
    forskud = tax((ANNA, 2026, 30_900_000, 0), (BO, 2026, 25_000_050, 0))
    return run(allowances, people, eindkomst((ANNA, 2_500_000), (BO, 2_500_000)), forskud=forskud)


def test_the_january_file_has_the_contract_columns_and_kroner():
    lines = jan.january_file(_two_cases()).decode("utf-8").splitlines()
    assert lines[0] == JANUARY_HEADER
    assert tuple(lines[0].split(";")) == jan.JANUARY_COLUMNS
    assert lines[1:] == ["C1;2026;300000.00;3.0;309000.00;926;926;309000.00;false",
                         "C2;2026;300000.00;3.0;309000.00;926;926;250000.50;true"]


def test_the_january_file_leaves_a_missing_forskud_empty():
    out = run(december({}), members(("C1", ANNA, "ingen")), eindkomst((ANNA, 2_500_000)))
    assert jan.january_file(out).decode().splitlines()[1] == "C1;2026;300000.00;3.0;309000.00;926;926;;true"


def test_december_letters_where_the_incomes_differ():
    out = _two_cases()
    cpr = pd.Series({"C1": ANNA, "C2": BO})
    letters = jan.december_letters(out, cpr, LETTER_DAY)
    assert letters[["letter_id", "case_id", "recipient_cpr", "kind", "period"]].values.tolist() == [
        ["january/2026/december_income/C2", "C2", BO, "december_income", "2026"]]
    assert letters["amount_ore"].isna().all() and letters["respond_by"].isna().all()
    body = letters["body"].iloc[0]
    assert "309.000 kr. fra 1. januar 2026" in body and "250.000,50 kr." in body and "15. december 2025" in body
    assert "3,0 %" in body and "give os besked" in body
    assert not CPR_LIKE.search(body) and BO not in body and "C2" not in body
    assert all(c not in body for c in ";\"\n")
    file = lb.letters_file(letters).decode("utf-8").splitlines()
    assert file[0] == "letter_id;case_id;recipient_cpr;kind;period;amount;respond_by;body"
    assert file[1].startswith(f"january/2026/december_income/C2;C2;{BO};december_income;2026;;;")


def test_a_letter_without_a_forskud_says_so():
    out = run(december({}), members(("C1", ANNA, "ingen")), eindkomst((ANNA, 2_500_000)))
    body = jan.december_letters(out, pd.Series({"C1": ANNA}), LETTER_DAY)["body"].iloc[0]
    assert "ikke fået en forskudsopgørelse for 2026" in body and not CPR_LIKE.search(body)


def test_a_letter_needs_the_recipient():
    out = _two_cases()
    with pytest.raises(ValueError, match="no recipient CPR"):
        jan.december_letters(out, pd.Series({"C1": ANNA}), LETTER_DAY)


def test_a_rerun_writes_the_same_bytes():
    assert jan.january_file(_two_cases()) == jan.january_file(_two_cases())
    cpr = pd.Series({"C1": ANNA, "C2": BO})
    assert (lb.letters_file(jan.december_letters(_two_cases(), cpr, LETTER_DAY))
            == lb.letters_file(jan.december_letters(_two_cases(), cpr, LETTER_DAY)))
