"""The year end to end (issue 12): every benefit month of 2025 through every Dagster asset, then the
1 January recalculation of 2026, January 2026, the annual settlement of 2025, a later delivery, and
February 2026 — against a hand-made landing folder, with hand-worked expectations.

Every household but S4 lives in the C02 dwelling of the worked examples (rent 7,000 kr, 75 m², heating
and water in the rent) with one adult and one child, earning 16,000 kr a month in eIndkomst, so the
calc engine (checked against tests/data/examples.csv) gives, per annual household income:
    192,000 kr -> 3,393 kr a month (40,716 a year)    96,000 -> 3,755 (45,060)    264,000 -> 2,313 (27,756)
    192,700 -> 3,383 (40,596)    198,000 -> 3,303 (39,636)    217,000 and 216,999 -> 3,018 (36,216)

The cases and what each shows (the tax assessment of 2025, aarsopgoerelse, per adult):
    S1  assessed at 96,000: final 45,060 - paid 40,716 = +4,344: pay_out, paid with January 2026
    S2  assessed at 264,000: 27,756 - 40,716 = -12,960: claim_back, to collection as an aarsopgoerelse claim
    S3  a 700 kr holiday allowance in May (below the monthly 800 kr threshold: the lookback leaves it);
        assessed at 192,700: 40,596 - 40,716 = -120: below_threshold
    S4  a pensioner (folkepension): waits for the pension settlement, then settled when it is delivered
    S5  assessed at 96,000 but appealed: waiting_appeal
    S6  assessed at 192,000 (below_threshold, 0 kr); a later delivery at 217,000 (+25,000): reopened,
        36,216 - 40,716 = -4,500 claimed back
    S7  the same at 216,999 (+24,999): not reopened
    S8  a 6,000 kr holiday allowance in May: the monthly lookback deducts 1,080 in September (paid 39,636);
        assessed at 198,000: 39,636 - 39,636 = 0: below_threshold
    S9  no assessment delivered: not settled, no row
The 1 January 2026 recalculation uprates December's income by the 2026 percentage for others (3.0 %,
UNCONFIRMED: the 2023 figure carried forward): 192,000 -> 197,760. The forskud of 2026 shows that figure
for S1, and 150,000 for S2 (a December letter); the others have no 2026 forskud (a letter each).
"""

import csv
import hashlib
import subprocess
import sys
from pathlib import Path

import dagster as dg
import pandas as pd
import pytest

from orchestration.warehouse import Warehouse
from tests.conftest import materialize_month
from tests.test_payouts import REGISTER_HEADER
from tests.test_timeline_e2e import _cpr, _lease, _member

YEAR_MONTHS = [f"2025-{m:02d}" for m in range(1, 13)]
CASES = {f"S{i}": i for i in range(1, 10)}
PENSIONER = ("150550-1020", "1950-05-15")  # S4's applicant, born 1950: folkepension
ASSESSED = {1: "96000.00", 2: "264000.00", 3: "192700.00", 5: "96000.00", 6: "192000.00", 7: "192000.00",
            8: "198000.00"}


def _write(path: Path, rows: list[dict], header: list[str] | None = None) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    with path.open("w", newline="", encoding="utf-8") as f:
        writer = csv.DictWriter(f, fieldnames=header or list(rows[0]), delimiter=";", lineterminator="\n")
        writer.writeheader()
        writer.writerows(rows)


def _applicant(i: int) -> tuple[str, str]:
    return PENSIONER if i == 4 else _cpr(i)


def _snapshot(day: str) -> list[dict]:
    rows = []
    for i in CASES.values():
        cpr, birth = _applicant(i)
        rows.append(_lease(i, day, tenant_cpr=cpr, tenant_birth_date=birth))
    return rows


def _members() -> list[dict]:
    rows = []
    for case, i in CASES.items():
        rows.append(_member(case, *_applicant(i), "ansoeger"))
        if i == 4:
            rows[-1]["pension"] = "folkepension"
        else:
            rows.append(_member(case, *_cpr(i, "15", "02"), "barn"))
    return rows


def _income(month: str) -> list[dict]:
    y, m = int(month[:4]), int(month[5:])
    reported = f"{y + (m == 12):04d}-{m % 12 + 1:02d}-10T10:00:00+01:00"
    rows = [dict(cpr=_applicant(i)[0], month=month, income_type="pension" if i == 4 else "loen",
                 amount="12000.00" if i == 4 else "16000.00", reported_at=reported) for i in CASES.values()]
    if month == "2025-05":
        rows += [dict(cpr=_cpr(3)[0], month=month, income_type="ferietillaeg", amount="700.00", reported_at=reported),
                 dict(cpr=_cpr(8)[0], month=month, income_type="ferietillaeg", amount="6000.00",
                      reported_at=reported)]
    return rows


def forskud_by_person(cpr: str, income: str, appealed: bool = False, at: str = "2026-03-10T08:00:00+01:00") -> dict:
    return dict(cpr=cpr, year="2025", personal_income=income, other_income="0.00", wealth="0.00", assessed_at=at,
                appealed="true" if appealed else "false")


def build_landing(root: Path) -> Path:
    days = ["20241215", *(f"2025{m:02d}15" for m in range(1, 13)), "20260115"]
    for day in days:
        _write(root / "register" / f"huslejeregister_{day}.csv", _snapshot(day), REGISTER_HEADER)
    _write(root / "bbr" / "bbr_units_20241110.csv", [], ["bbr_unit_id", "address", "postal_code",
                                                        "municipality_code", "area_m2", "rooms", "heating_type",
                                                        "own_kitchen"])
    applications = []
    for case, i in CASES.items():
        cpr, _ = _applicant(i)
        applications.append(dict(case_id=case, applicant_cpr=cpr, applicant_name=f"Lejer Nummer{i}",
                                 received_date="2024-01-10", move_in_date="", address=f"Testvej {i}",
                                 postal_code="2200", org_id="900", unit_id=f"U{i}", payee="organisation",
                                 urgent="false"))
    _write(root / "cases" / "applications_20241110.csv", applications)
    _write(root / "cases" / "household_members_20241110.csv", _members())
    for month in ["2024-10", "2024-11", "2024-12", *YEAR_MONTHS]:
        _write(root / "income" / f"eindkomst_{month.replace('-', '')}.csv", _income(month))
    adults = [_applicant(i)[0] for i in CASES.values()]
    _write(root / "income" / "forskud_2025.csv", [dict(cpr=c, year="2025", other_income="0.00", wealth="0.00",
                                                       assessed_at="2024-11-05T00:00:00+01:00") for c in adults])
    forskud_2026 = {_cpr(1)[0]: "197760.00", _cpr(2)[0]: "150000.00"}
    _write(root / "income" / "forskud_2026.csv", [
        dict(cpr=c, year="2026", personal_income=v, other_income="0.00", wealth="0.00",
             assessed_at="2025-11-05T00:00:00+01:00") for c, v in forskud_2026.items()])
    assessed = [forskud_by_person(_cpr(i)[0], v, appealed=(i == 5)) for i, v in ASSESSED.items()]
    assessed.append(forskud_by_person(PENSIONER[0], "144000.00"))
    _write(root / "income" / "aarsopgoerelse_2025.csv", assessed)
    return root


def later_deliveries(root: Path) -> None:
    """After the first settlement: S4's pension is settled, and S6 and S7 are assessed again."""
    _write(root / "income" / "pension_settlement_2025.csv", [dict(
        cpr=PENSIONER[0], year="2025", pension="folkepension", settled_at="2026-04-01T08:00:00+02:00")])
    _write(root / "income" / "aarsopgoerelse_2025_r2.csv", [
        forskud_by_person(_cpr(6)[0], "217000.00", at="2026-04-10T08:00:00+02:00"),
        forskud_by_person(_cpr(7)[0], "216999.00", at="2026-04-10T08:00:00+02:00")])


def _hashes(out: Path) -> dict[str, str]:
    return {str(p.relative_to(out)): hashlib.sha256(p.read_bytes()).hexdigest()
            for p in sorted(out.rglob("*.csv")) if "data_docs" not in p.parts}


def _csv(path: Path) -> pd.DataFrame:
    return pd.read_csv(path, sep=";", dtype=str, keep_default_na=False)


def _materialize_year(asset, year: str, landing: Path, url: str, out: Path):
    from orchestration.resources import AgencyDatabase, LandingFolder, OutputFolder
    from orchestration.warehouse import WarehouseIOManager

    result = dg.materialize([asset], partition_key=year, raise_on_error=False, resources={
        "landing": LandingFolder(root=str(landing)), "io_manager": WarehouseIOManager(url=url),
        "database": AgencyDatabase(url=url), "output": OutputFolder(root=str(out))})
    assert result.success, [e.message for e in result.all_events if e.is_step_failure]


@pytest.fixture(scope="module")
def year(tmp_path_factory):
    from assets.year import annual_settlements, january_recalculation
    from orchestration.resources import AgencyDatabase, OutputFolder

    root = tmp_path_factory.mktemp("year")
    landing, out, url = build_landing(root / "landing"), root / "out", f"sqlite:///{root / 'w.sqlite'}"
    resources = {"database": AgencyDatabase(url=url), "output": OutputFolder(root=str(out))}

    def month(key: str):
        result = materialize_month(landing, url, month=key, extra_resources=resources)
        assert result.success, [e.message for e in result.all_events if e.is_step_failure]

    for key in YEAR_MONTHS:
        month(key)
    _materialize_year(january_recalculation, "2025", landing, url, out)  # December 2024: before go-live
    _materialize_year(january_recalculation, "2026", landing, url, out)
    _materialize_year(annual_settlements, "2025", landing, url, out)
    month("2026-01")
    first = _csv(out / "settlements" / "2025.csv")
    later_deliveries(landing)
    _materialize_year(annual_settlements, "2025", landing, url, out)
    month("2026-02")
    files, ledger = _hashes(out), Warehouse(url).read_table("payment_ledger")
    _materialize_year(annual_settlements, "2025", landing, url, out)
    _materialize_year(january_recalculation, "2026", landing, url, out)
    for key in ("2025-12", "2026-01", "2026-02"):
        month(key)
    return dict(out=out, url=url, first=first.set_index("case_id"), files=files, ledger=ledger)


def _settlements(year) -> pd.DataFrame:
    return _csv(year["out"] / "settlements" / "2025.csv")


def _row(frame: pd.DataFrame, case: str) -> list[str]:
    return frame.loc[case, ["paid", "final", "difference", "decision", "reopened", "applied_in"]].tolist()


def test_first_settlement_decides_each_ready_case(year):
    first = year["first"]
    assert _row(first, "S1") == ["40716", "45060", "4344", "pay_out", "false", "2026-01"]
    assert _row(first, "S2") == ["40716", "27756", "-12960", "claim_back", "false", "2026-01"]
    assert _row(first, "S3") == ["40716", "40596", "-120", "below_threshold", "false", ""]
    assert first.loc["S4", "decision"] == "waiting_pension_settlement"
    assert first.loc["S5", "decision"] == "waiting_appeal"
    assert _row(first, "S6") == ["40716", "40716", "0", "below_threshold", "false", ""]
    assert _row(first, "S8") == ["39636", "39636", "0", "below_threshold", "false", ""]
    assert "S9" not in first.index, "no assessment: nothing to settle yet"


def test_the_lookback_left_small_differences_to_the_settlement(year):
    lookback = _csv(year["out"] / "lookback" / "2025-07.csv").set_index(["case_id", "period"])
    assert lookback.loc[("S3", "2025-05"), "decision"] == "below_threshold"
    assert lookback.loc[("S8", "2025-05"), "decision"] == "deduction"


def test_payout_goes_with_the_next_month_and_claim_to_collection(year):
    individuals = _csv(year["out"] / "payouts" / "2026-01" / "individuals.csv")
    assert individuals[individuals["period"] == "2025"][["case_id", "amount"]].values.tolist() == [["S1", "4344"]]
    claims = _csv(year["out"] / "collection" / "2026-01.csv")
    assert claims[["case_id", "claim_type", "period_from", "period_to", "amount", "due_date"]].values.tolist() == [
        ["S2", "aarsopgoerelse", "2025-01", "2025-12", "12960", "2026-03-10"]]
    letters = _csv(year["out"] / "letters" / "2026-01.csv")
    settled = letters[letters["kind"] == "settlement"].set_index("case_id")
    assert sorted(settled.index) == ["S1", "S2", "S3", "S6", "S7", "S8"]
    assert settled.loc["S1", "amount"] == "4344" and settled.loc["S3", "amount"] == ""
    assert settled.loc["S2", "respond_by"] == "2026-01-11", "21 days from the letter on 21 December"
    assert not any(_cpr(i)[0] in body for i in range(1, 10) for body in settled["body"])


def test_a_pensioner_is_settled_once_the_pension_settlement_is_in(year):
    final = _settlements(year).set_index("case_id")
    assert final.loc["S4", "decision"] == "below_threshold" and final.loc["S4", "reopened"] == "false"
    ledger = year["ledger"]
    assert ledger[(ledger["case_id"] == "S4") & (ledger["period"] == "2025")]["run_month"].tolist() == ["2026-02"]


def test_a_change_of_25000_reopens_and_24999_does_not(year):
    rows = _settlements(year)
    s6 = rows[rows["case_id"] == "S6"][["paid", "final", "difference", "decision", "reopened", "applied_in"]]
    assert s6.values.tolist() == [["40716", "40716", "0", "below_threshold", "false", ""],
                                  ["40716", "36216", "-4500", "claim_back", "true", "2026-02"]]
    assert rows[rows["case_id"] == "S7"]["decision"].tolist() == ["below_threshold"]
    claims = _csv(year["out"] / "collection" / "2026-02.csv")
    assert claims[["case_id", "claim_type", "amount"]].values.tolist() == [["S6", "aarsopgoerelse", "4500"]]


def test_every_case_is_settled_once_per_settlement(year):
    ledger = year["ledger"]
    settled = ledger[ledger["kind"].str.startswith("settlement")]
    assert settled.groupby("case_id").size().to_dict() == {"S1": 1, "S2": 1, "S3": 1, "S4": 1, "S6": 2, "S7": 1,
                                                           "S8": 1}


def test_rerunning_the_year_and_its_months_writes_the_same_bytes_and_books_nothing(year):
    assert _hashes(year["out"]) == year["files"]
    pd.testing.assert_frame_equal(Warehouse(year["url"]).read_table("payment_ledger"), year["ledger"])


def test_january_recalculation_uprates_december_income_and_january_pays_it(year, tmp_path):
    rows = _csv(year["out"] / "january" / "2026.csv").set_index("case_id")
    s1 = rows.loc["S1"]
    assert [s1["income_before"], s1["uprating_percent"], s1["income_january"], s1["monthly_december"]] == [
        "192000.00", "3.0", "197760.00", "3393"]
    assert rows.loc["S4", "income_january"] == "148320.00", "the pensioner's 144,000 uprated by 3.0 %"
    december = Warehouse(year["url"]).read_partitions("provisional_allowances", ["2025-12"])
    calc_in = december[december["case_id"].isin(rows.index)].set_index("case_id").loc[rows.index]
    calc_in = calc_in.reset_index()[_calc_columns()].assign(
        year="2026", household_income=rows["income_january"].to_numpy(), first_computation="false")
    calc_in.to_csv(tmp_path / "in.csv", sep=";", index=False)
    cli = Path(sys.executable).with_name("boligstoette")
    done = subprocess.run([str(cli), "calc", str(tmp_path / "in.csv"), str(tmp_path / "out.csv")],
                          capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stderr
    expected = _csv(tmp_path / "out.csv").set_index("case_id")["monthly_benefit"]
    assert rows["monthly_january"].to_dict() == expected.to_dict()
    january = _csv(year["out"] / "payouts" / "2026-01" / "org_900.csv").set_index("case_id")
    paid = january.loc[january["period"] == "2026-01", "amount"].drop("TOTAL", errors="ignore")
    assert paid.to_dict() == expected.to_dict(), "January's run pays the recalculated amounts"


def _calc_columns() -> list[str]:
    from boligstoette.allowance import CALC_COLUMNS

    return list(CALC_COLUMNS)


def test_december_letters_only_where_the_incomes_differ(year):
    rows = _csv(year["out"] / "january" / "2026.csv").set_index("case_id")
    assert rows.loc["S1", ["tax_authority_income", "letter"]].tolist() == ["197760.00", "false"]
    assert rows.loc["S2", ["tax_authority_income", "letter"]].tolist() == ["150000.00", "true"]
    assert rows.loc["S3", ["tax_authority_income", "letter"]].tolist() == ["", "true"], "no forskud for 2026"
    letters = _csv(year["out"] / "letters" / "2026.csv")
    assert set(letters["kind"]) == {"december_income"}
    assert sorted(letters["case_id"]) == sorted(rows.index[rows["letter"] == "true"])
    assert "S1" not in set(letters["case_id"])


def test_a_january_whose_december_was_before_go_live_recalculates_nothing(year):
    assert _csv(year["out"] / "january" / "2025.csv").empty
    assert _csv(year["out"] / "letters" / "2025.csv").empty
