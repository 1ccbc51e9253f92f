"""Payouts end to end: a hand-made landing folder of worked examples (tests/data/examples.csv, the shipped copy
of ../shared/domain/examples.csv) through every asset to the payout files, to the krone; reruns; blocking; recovery."""

import csv
import hashlib
import re
from pathlib import Path

import pandas as pd
import pytest

from orchestration.warehouse import Warehouse
from tests.conftest import materialize_month
from tests.rules.rules_helpers import domain_file

MONTH = "2025-06"  # examples C01, C02, C14 use the 2025 rates
REGISTER_HEADER = ["snapshot_date", "org_id", "afdeling_id", "unit_id", "bbr_unit_id", "address", "postal_code",
                   "municipality_code", "lease_id", "tenure", "tenant_name", "tenant_cpr", "tenant_birth_date",
                   "lease_start", "lease_end", "area_m2", "rooms", "heating_type", "rent_monthly",
                   "supplements_monthly", "rent_effective_from", "maintenance_duty", "heating_payment",
                   "water_payment", "drainage_payment", "electricity_payment", "own_kitchen", "garage_carport",
                   "accessible", "student_dorm", "rent_registered_at"]
# (case, example, payee, lease, members: (cpr, name, birth, role, pension), each adult's Feb-Apr income):
# three months summing to a quarter of the example's annual household income.
HOUSEHOLDS = [
    ("K1", "C01", "organisation", dict(rent="5500.00", area="55", heating="aconto_forsyning", water="i_husleje"),
     [("010170-1111", "Karen Østergaard", "1970-01-01", "ansoeger", "ingen")], [("15000.00",) * 3]),
    ("K2", "C02", "applicant", dict(rent="7000.00", area="75", heating="i_husleje", water="i_husleje"),
     [("020280-2222", "Søren Aagaard", "1980-02-02", "ansoeger", "ingen"),
      ("030315-3333", "Ida Aagaard", "2015-03-03", "barn", "ingen")], [("16666.66", "16666.67", "16666.67")]),
    ("K3", "C14", "organisation", dict(rent="7500.00", area="80", heating="aconto_boligorganisation",
                                       water="i_husleje"),
     [("040450-4444", "Åse Møller-Hansen", "1950-04-04", "ansoeger", "folkepension"),
      ("050552-5555", "Jørgen Møller-Hansen", "1952-05-05", "aegtefaelle", "folkepension")],
     [("13333.33", "13333.33", "13333.34"), ("13333.33", "13333.33", "13333.34")]),
]


def _write(path: Path, header: list[str], rows: list[dict]) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    with path.open("w", newline="", encoding="utf-8") as f:
        writer = csv.DictWriter(f, fieldnames=header, delimiter=";", lineterminator="\n")
        writer.writeheader()
        writer.writerows(rows)


def _expected() -> pd.DataFrame:
    return pd.read_csv(domain_file("examples.csv"), sep=";", dtype=str).set_index("case_id")


def _landing(root: Path, lease_end: dict | None = None) -> Path:
    lease_end = lease_end or {}
    register, apps, members, income, forskud = [], [], [], [], []
    for i, (case, _, payee, lease, people, monthly) in enumerate(HOUSEHOLDS, start=1):
        cpr, name, birth = people[0][0], people[0][1], people[0][2]
        register.append(dict(
            snapshot_date="2025-05-15", org_id="900", afdeling_id="01", unit_id=f"U{i}", bbr_unit_id="",
            address=f"Testvej {i}, st. tv", postal_code="2200", municipality_code="101", lease_id=f"L{i}",
            tenure="lejer", tenant_name=name, tenant_cpr=cpr, tenant_birth_date=birth, lease_start="2020-01-01",
            lease_end=lease_end.get(f"L{i}", ""), area_m2=lease["area"], rooms="2", heating_type="fjernvarme",
            rent_monthly=lease["rent"], supplements_monthly="0.00", rent_effective_from="2025-01-01",
            maintenance_duty="ingen", heating_payment=lease["heating"], water_payment=lease["water"],
            drainage_payment="i_husleje", electricity_payment="egen_afregning", own_kitchen="true",
            garage_carport="false", accessible="false", student_dorm="false",
            rent_registered_at="2025-01-02T09:00:00+01:00"))
        apps.append(dict(case_id=case, applicant_cpr=cpr, applicant_name=name, received_date="2024-01-10",
                         move_in_date="", address=f"Testvej {i}, st. tv", postal_code="2200", org_id="900",
                         unit_id=f"U{i}", payee=payee, urgent="false"))
        for p_cpr, p_name, p_birth, role, pension in people:
            members.append(dict(case_id=case, cpr=p_cpr, name=p_name, birth_date=p_birth, role=role,
                                income_consent="true", joint_liability_signed="true", pension=pension,
                                mobility_impaired="false", round_the_clock_help="false", member_from="2020-01-01",
                                member_to=""))
        adults = [p for p in people if p[3] != "barn"]
        for (a_cpr, *_), amounts in zip(adults, monthly, strict=True):
            for m, amount in zip(("2025-02", "2025-03", "2025-04"), amounts, strict=True):
                income.append(dict(cpr=a_cpr, month=m, income_type="pension" if adults[0][4] != "ingen" else "loen",
                                   amount=amount, reported_at=f"{m}-28T10:00:00+01:00"))
            forskud.append(dict(cpr=a_cpr, year="2025", other_income="0.00", wealth="0.00",
                                assessed_at="2025-01-05T00:00:00+01:00"))
    previous = [dict(r, snapshot_date="2025-04-15") for r in register]
    _write(root / "register" / "huslejeregister_20250415.csv", REGISTER_HEADER, previous)
    _write(root / "register" / "huslejeregister_20250515.csv", REGISTER_HEADER, register)
    _write(root / "bbr" / "bbr_units_20250510.csv", ["bbr_unit_id", "address", "postal_code", "municipality_code",
                                                     "area_m2", "rooms", "heating_type", "own_kitchen"], [])
    _write(root / "cases" / "applications_20250518.csv", list(apps[0]), apps)
    _write(root / "cases" / "household_members_20250518.csv", list(members[0]), members)
    for m in ("2025-02", "2025-03", "2025-04"):
        _write(root / "income" / f"eindkomst_{m.replace('-', '')}.csv", list(income[0]),
               [r for r in income if r["month"] == m])
    _write(root / "income" / "forskud_2025.csv", list(forskud[0]), forskud)
    return root


def _hashes(out: Path) -> dict[str, str]:
    return {str(p.relative_to(out)): hashlib.sha256(p.read_bytes()).hexdigest()
            for p in sorted(out.rglob("*.csv"))}


@pytest.fixture
def month_run(tmp_path):
    out = tmp_path / "out"
    url = f"sqlite:///{tmp_path / 'w.sqlite'}"

    def run(landing: Path, month: str = MONTH):
        from orchestration.resources import AgencyDatabase, OutputFolder

        resources = {"database": AgencyDatabase(url=url), "output": OutputFolder(root=str(out))}
        return materialize_month(landing, url, month=month, extra_resources=resources)

    return run, out, url


def test_worked_examples_are_paid_to_the_krone_to_the_right_party(tmp_path, month_run):
    run, out, url = month_run
    result = run(_landing(tmp_path / "landing"))
    assert result.success
    expected = _expected()

    org = pd.read_csv(out / "payouts" / MONTH / "org_900.csv", sep=";", dtype=str)
    assert org["case_id"].tolist() == ["K1", "K3", "TOTAL"]
    assert int(org.loc[0, "amount"]) == int(expected.loc["C01", "expected_monthly_benefit"]) == 849
    assert int(org.loc[1, "amount"]) == int(expected.loc["C14", "expected_monthly_benefit"]) == 3933
    assert int(org.loc[2, "amount"]) == 849 + 3933
    assert org.loc[0, "cpr_masked"] == "010170-0000" and org.loc[0, "tenant_birth_date"] == "1970-01-01"
    assert set(org["payout_date"]) == {"2025-06-02"}  # 1 June 2025 is a Sunday
    assert not re.search(r"\d{6}-(?!0000)\d{4}", (out / "payouts" / MONTH / "org_900.csv").read_text())
    assert "income" not in " ".join(org.columns)

    individuals = pd.read_csv(out / "payouts" / MONTH / "individuals.csv", sep=";", dtype=str)
    assert individuals[["case_id", "payee_cpr", "amount"]].values.tolist() == [
        ["K2", "020280-2222", expected.loc["C02", "expected_monthly_benefit"]]]

    allowances = Warehouse(url).read_partitions("provisional_allowances", [MONTH]).set_index("case_id")
    for case, example in (("K1", "C01"), ("K2", "C02"), ("K3", "C14")):
        assert allowances.loc[case, "binding_limit"] == expected.loc[example, "expected_binding_limit"]
        assert allowances.loc[case, "annual_benefit"] == int(expected.loc[example, "expected_annual_benefit"])


def test_rerunning_a_month_writes_identical_files_and_books_nothing(tmp_path, month_run):
    run, out, url = month_run
    landing = _landing(tmp_path / "landing")
    assert run(landing).success
    first_files, first_ledger = _hashes(out), Warehouse(url).read_table("payment_ledger")
    assert run(landing).success
    assert _hashes(out) == first_files
    pd.testing.assert_frame_equal(Warehouse(url).read_table("payment_ledger"), first_ledger)
    assert len(first_ledger) == 3 and set(first_ledger["kind"]) == {"payment"}


def test_a_corrected_income_month_books_no_recovery_at_once(tmp_path, month_run):
    """Finding 6 of issue 11: a paid month is changed by a corrected eIndkomst only through the lookback
    (thresholds, hearing, deduction two months later), never by a recovery booked at once."""
    run, out, url = month_run
    landing = _landing(tmp_path / "landing")
    assert run(landing).success
    # eIndkomst re-delivers April with K1's wage corrected upwards: K1's estimate would fall
    april = (landing / "income" / "eindkomst_202504.csv").read_text()
    corrected = april.replace("010170-1111;2025-04;loen;15000.00", "010170-1111;2025-04;loen;70000.00")
    assert corrected != april
    late = corrected.replace("2025-04-28T10:00", "2025-05-10T10:00")
    (landing / "income" / "eindkomst_202504_r2.csv").write_text(late)
    assert run(landing).success
    ledger = Warehouse(url).read_table("payment_ledger")
    assert ledger["kind"].tolist() == ["payment"] * 3, "the rerun books nothing"
    allowances = Warehouse(url).read_partitions("provisional_allowances", [MONTH]).set_index("case_id")
    assert allowances.loc["K1", "monthly_benefit"] == 849, "the rerun keeps the income June was paid with"


def test_month_already_paid_is_recovered_when_the_lease_turns_out_ended(tmp_path, month_run):
    run, out, url = month_run
    landing = _landing(tmp_path / "landing")
    assert run(landing).success
    # July's register shows K1's lease ended on 31 May: June was paid for a month K1 was not liable
    later = _landing(tmp_path / "later", lease_end={"L1": "2025-05-31"})
    for p in (later / "register").iterdir():
        p.rename(landing / "register" / p.name.replace("20250515", "20250615").replace("20250415", "20250514"))
    assert run(landing, month="2025-07").success
    org = pd.read_csv(out / "payouts" / "2025-07" / "org_900.csv", sep=";", dtype=str)
    recovery = org[org["case_id"] == "K1"]
    assert recovery[["period", "amount"]].values.tolist() == [["2025-06", "-849"]]


def test_blocking_check_stops_every_payout_and_a_corrected_delivery_pays(tmp_path, month_run):
    run, out, url = month_run
    landing = _landing(tmp_path / "landing")
    snapshot = landing / "register" / "huslejeregister_20250515.csv"
    good = snapshot.read_text()
    lines = good.splitlines()
    snapshot.write_text("\n".join([*lines, lines[1]]) + "\n")  # a duplicate lease_id: delivery-level error

    result = run(landing)
    assert not result.success
    failed = {(e.check_name, e.severity.value) for e in result.get_asset_check_evaluations() if not e.passed}
    assert failed == {("register_snapshot_suite", "ERROR")}  # register_quality and all after it were skipped
    assert not (out / "payouts" / MONTH).exists() and not (out / "holds").exists()

    snapshot.write_text(good)
    assert run(landing).success
    assert (out / "payouts" / MONTH / "org_900.csv").exists()
