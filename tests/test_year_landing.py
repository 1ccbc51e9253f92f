"""The year's deliveries in the landing folder (contracts/corrections.md): the tax assessments of a benefit
year as delivered and re-delivered so far, with `appealed`, and the pensions' own annual settlements."""

import pandas as pd
import pytest

from boligstoette import contracts
from boligstoette.contracts import ContractError
from boligstoette.landing import Landing

A, B, C = "010190-1111", "020285-2222", "030370-3333"
P, Q = "150550-1020", "160645-1030"
HEADER = "cpr;year;personal_income;other_income;wealth;assessed_at"
MARCH, APRIL = "2026-03-10T08:00:00+01:00", "2026-04-10T08:00:00+02:00"


def _deliver(root, name: str, header: str, *rows: str) -> None:
    path = root / "income" / name
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text("\n".join([header, *rows]) + "\n", encoding="utf-8")


def _incomes(frame: pd.DataFrame) -> list[list]:
    return frame[["cpr", "personal_income_ore", "other_income_ore", "appealed", "source_file"]].values.tolist()


def test_a_redelivery_replaces_only_the_persons_it_holds(tmp_path):
    _deliver(tmp_path, "aarsopgoerelse_2025.csv", HEADER + ";appealed",
             f"{B};2025;264000.00;0.00;0.00;{MARCH};false",
             f"{A};2025;96000.00;500.50;0.00;{MARCH};true",
             f"{C};2025;192000.00;0.00;0.00;{MARCH};")  # appealed left empty: false
    _deliver(tmp_path, "aarsopgoerelse_2025_r2.csv", HEADER + ";appealed",
             f"{A};2025;121000.00;0.00;0.00;{APRIL};false")
    assessed = Landing(tmp_path).read_year_assessments(2025)
    assert _incomes(assessed) == [
        [A, 12_100_000, 0, False, "aarsopgoerelse_2025_r2.csv"],  # the appeal decided, income 25,000 kr up
        [B, 26_400_000, 0, False, "aarsopgoerelse_2025.csv"],
        [C, 19_200_000, 0, False, "aarsopgoerelse_2025.csv"],
    ]
    assert assessed["assessed_at"].tolist() == [pd.Timestamp(APRIL), pd.Timestamp(MARCH), pd.Timestamp(MARCH)]
    assert assessed["appealed"].dtype == bool


def test_appealed_absent_is_false_and_the_later_delivery_wins_whatever_its_assessed_at(tmp_path):
    _deliver(tmp_path, "aarsopgoerelse_2025.csv", HEADER,
             f"{A};2025;96000.00;0.00;0.00;{APRIL}",
             f"{B};2025;100000.00;0.00;0.00;{MARCH}",
             f"{B};2025;110000.00;0.00;0.00;{APRIL}",  # within a file the latest assessed_at
             f"{C};2025;150000.00;0.00;0.00;{APRIL}",
             f"{C};2025;140000.00;0.00;0.00;{MARCH}")
    _deliver(tmp_path, "aarsopgoerelse_2025_r3.csv", HEADER, f"{A};2025;97000.00;0.00;0.00;{MARCH}")
    assessed = Landing(tmp_path).read_year_assessments(2025)
    assert _incomes(assessed) == [
        [A, 9_700_000, 0, False, "aarsopgoerelse_2025_r3.csv"],
        [B, 11_000_000, 0, False, "aarsopgoerelse_2025.csv"],
        [C, 15_000_000, 0, False, "aarsopgoerelse_2025.csv"],
    ]


def test_only_the_years_assessments_and_an_empty_typed_frame_without_any(tmp_path):
    assert Landing(tmp_path).read_year_assessments(2025).empty
    _deliver(tmp_path, "aarsopgoerelse_2024.csv", HEADER, f"{A};2024;90000.00;0.00;0.00;{MARCH}")
    _deliver(tmp_path, "aarsopgoerelse_2025.csv", HEADER, f"{B};2025;96000.00;0.00;0.00;{MARCH}")
    assert Landing(tmp_path).read_year_assessments(2025)["cpr"].tolist() == [B]
    assert Landing(tmp_path).read_year_assessments(2024)["cpr"].tolist() == [A]
    empty = Landing(tmp_path).read_year_assessments(2023)
    assert empty.empty and {"cpr", "personal_income_ore", "other_income_ore", "appealed", "assessed_at"} <= set(empty)


def test_a_row_for_another_year_names_the_file_and_line(tmp_path):
    _deliver(tmp_path, "aarsopgoerelse_2025_r2.csv", HEADER + ";appealed",
             f"{A};2025;96000.00;0.00;0.00;{MARCH};false",
             f"{B};2024;96000.00;0.00;0.00;{MARCH};false")
    with pytest.raises(ContractError, match=r"aarsopgoerelse_2025_r2\.csv, line 3, column 'year'") as caught:
        Landing(tmp_path).read_year_assessments(2025)
    assert caught.value.line == 3 and caught.value.file.endswith("aarsopgoerelse_2025_r2.csv")


def test_pension_settlements_of_the_year_only(tmp_path):
    header = "cpr;year;pension;settled_at"
    _deliver(tmp_path, "pension_settlement_2024.csv", header, f"{Q};2024;folkepension;2025-04-01T08:00:00+02:00")
    _deliver(tmp_path, "pension_settlement_2025.csv", header, f"{P};2025;folkepension;2026-04-01T08:00:00+02:00")
    _deliver(tmp_path, "pension_settlement_2025_r2.csv", header,
             f"{P};2025;folkepension;2026-04-02T08:00:00+02:00",
             f"{A};2025;foertidspension_efter_2003;2026-04-02T08:00:00+02:00")
    settled = Landing(tmp_path).read_pension_settlements(2025)
    assert sorted(settled["cpr"]) == [A, P] and settled["cpr"].is_unique
    assert Landing(tmp_path).read_pension_settlements(2024)["cpr"].tolist() == [Q]
    assert Landing(tmp_path).read_pension_settlements(2026).empty
    _deliver(tmp_path, "pension_settlement_2026.csv", header, f"{P};2025;folkepension;2027-04-01T08:00:00+02:00")
    with pytest.raises(ContractError, match=r"pension_settlement_2026\.csv, line 2, column 'year'"):
        Landing(tmp_path).read_pension_settlements(2026)


def test_the_monthly_tax_assessments_never_carry_appealed(tmp_path):
    """The monthly asset's stored schema does not change with the settlement's optional column."""
    _deliver(tmp_path, "aarsopgoerelse_2025.csv", HEADER + ";appealed", f"{A};2025;96000.00;0.00;0.00;{MARCH};true")
    _deliver(tmp_path, "aarsopgoerelse_2024.csv", HEADER, f"{A};2024;90000.00;0.00;0.00;{MARCH}")
    _deliver(tmp_path, "forskud_2026.csv", HEADER, f"{A};2026;100000.00;0.00;0.00;2025-11-05T00:00:00+01:00")
    monthly = Landing(tmp_path).read_tax_assessments("2026-04")
    expected = [*contracts.empty_frame(contracts.FORSKUD).columns, "kind"]
    assert monthly.columns.tolist() == expected and "appealed" not in monthly
    assert sorted(zip(monthly["kind"], monthly["year"], strict=True)) == [
        ("aarsopgoerelse", 2024), ("aarsopgoerelse", 2025), ("forskud", 2026)]
    (tmp_path / "nothing").mkdir()
    assert Landing(tmp_path / "nothing").read_tax_assessments("2026-04").columns.tolist() == expected
