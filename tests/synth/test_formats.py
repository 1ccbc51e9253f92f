"""Every file follows the delivery contract (shared/contracts/README.md) exactly."""

from __future__ import annotations

import json
import re
from pathlib import Path

import pandas as pd
import pytest
from synth_testkit import read

MONEY = r"-?\d+(\.\d{1,2})?"
DATE = r"\d{4}-\d{2}-\d{2}"
TIMESTAMP = r"\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}[+-]\d{2}:\d{2}"
CPR = r"\d{6}-\d{4}"
MONTH = r"\d{4}-(0[1-9]|1[0-2])"
INTEGER = r"-?\d+"
DECIMAL = r"-?\d+(\.\d+)?"
BOOL = r"true|false"
SHARE = r"(0\.\d{4}|1\.0000)"
PAYMENT = ("i_husleje", "aconto_forsyning", "aconto_boligorganisation", "egen_afregning")
HEATING = ("fjernvarme", "naturgas", "olie", "el", "varmepumpe", "fast_braendsel", "andet")
PENSION = ("ingen", "folkepension", "foertidspension_foer_2003", "foertidspension_efter_2003", "seniorpension")
INCOME_TYPES = ("loen", "dagpenge", "kontanthjaelp", "pension", "su", "ferietillaeg", "andet")

# column -> (pattern or enum tuple, required); headers in contract order
REGISTER = {
    "snapshot_date": (DATE, True), "org_id": (None, True), "afdeling_id": (None, True), "unit_id": (None, True),
    "bbr_unit_id": (None, False), "address": (None, True), "postal_code": (r"\d{4}", True),
    "municipality_code": (r"\d{3}", True), "lease_id": (None, True), "tenure": (("lejer", "andelshaver"), True),
    "tenant_name": (None, True), "tenant_cpr": (CPR, False), "tenant_birth_date": (DATE, False),
    "lease_start": (DATE, True), "lease_end": (DATE, False), "area_m2": (DECIMAL, True), "rooms": (INTEGER, True),
    "heating_type": (HEATING, True), "rent_monthly": (MONEY, True), "supplements_monthly": (MONEY, True),
    "rent_effective_from": (DATE, True), "maintenance_duty": (("ingen", "delvis", "fuld"), True),
    "heating_payment": (PAYMENT, True), "water_payment": (PAYMENT, True), "drainage_payment": (PAYMENT, True),
    "electricity_payment": (PAYMENT, True), "own_kitchen": (BOOL, True), "garage_carport": (BOOL, True),
    "accessible": (BOOL, True), "student_dorm": (BOOL, True), "rent_registered_at": (TIMESTAMP, True),
}
BBR = {
    "bbr_unit_id": (None, True), "address": (None, True), "postal_code": (r"\d{4}", True),
    "municipality_code": (r"\d{3}", True), "area_m2": (DECIMAL, True), "rooms": (INTEGER, True),
    "heating_type": (HEATING, True), "own_kitchen": (BOOL, True),
}
APPLICATIONS = {
    "case_id": (None, True), "applicant_cpr": (CPR, True), "applicant_name": (None, True),
    "received_date": (DATE, True), "move_in_date": (DATE, False), "address": (None, True),
    "postal_code": (r"\d{4}", True), "org_id": (None, False), "unit_id": (None, False),
    "payee": (("organisation", "applicant"), True), "urgent": (BOOL, True),
}
MEMBERS = {
    "case_id": (None, True), "cpr": (CPR, True), "name": (None, True), "birth_date": (DATE, True),
    "role": (("ansoeger", "aegtefaelle", "samlever", "barn", "anden"), True), "income_consent": (BOOL, False),
    "joint_liability_signed": (BOOL, False), "pension": (PENSION, True), "mobility_impaired": (BOOL, True),
    "round_the_clock_help": (BOOL, True), "member_from": (DATE, True), "member_to": (DATE, False),
}
EINDKOMST = {
    "cpr": (CPR, True), "month": (MONTH, True), "income_type": (INCOME_TYPES, True), "amount": (MONEY, True),
    "reported_at": (TIMESTAMP, True),
}
FORSKUD = {"cpr": (CPR, True), "year": (r"\d{4}", True), "other_income": (MONEY, True), "wealth": (MONEY, True),
           "assessed_at": (TIMESTAMP, True)}
AARSOPGOERELSE = {"cpr": (CPR, True), "year": (r"\d{4}", True), "personal_income": (MONEY, True),
                  "other_income": (MONEY, True), "wealth": (MONEY, True), "assessed_at": (TIMESTAMP, True)}
AFDELING_STATS = {
    "org_id": (None, True), "afdeling_id": (None, True), "units": (INTEGER, True), "annual_rent_total": (MONEY, True),
    "share_single_parents": (SHARE, True), "share_fulltime_public_benefits": (SHARE, True),
    "share_housing_benefit": (SHARE, True), "avg_personal_income": (MONEY, True),
    "avg_disposable_amount": (MONEY, True),
}
CONTRACTS = [
    ("register/huslejeregister_*.csv", REGISTER),
    ("bbr/bbr_units_*.csv", BBR),
    ("cases/applications_*.csv", APPLICATIONS),
    ("cases/household_members_*.csv", MEMBERS),
    ("income/eindkomst_*.csv", EINDKOMST),
    ("income/forskud_*.csv", FORSKUD),
    ("income/aarsopgoerelse_*.csv", AARSOPGOERELSE),
    ("rent_relief/afdeling_stats_*.csv", AFDELING_STATS),
]
NAME_PATTERNS = [
    r"register/huslejeregister_\d{8}\.csv", r"register_changes/changes_\d{8}T\d{6}\.jsonl", r"bbr/bbr_units_\d{8}\.csv",
    r"cases/applications_\d{8}\.csv", r"cases/household_members_\d{8}\.csv", r"income/eindkomst_\d{6}(_r2)?\.csv",
    r"income/forskud_\d{4}\.csv", r"income/aarsopgoerelse_\d{4}\.csv", r"rent_relief/afdeling_stats_\d{4}\.csv",
    r"_truth/(injected_errors|case_truth|income_redelivery)\.csv", r"_truth/manifest\.json",
]


def check_column(values: pd.Series, rule, required: bool, where: str) -> None:
    empty = values == ""
    if required:
        assert not empty.any(), f"{where}: empty values"
    filled = values[~empty]
    if rule is None:
        assert not filled.str.contains(";|\n|\r|\"").any(), where
        return
    bad = filled[~filled.isin(rule)] if isinstance(rule, tuple) else filled[~filled.str.fullmatch(rule)]
    assert bad.empty, f"{where}: {len(bad)} bad values, e.g. {bad.iloc[0] if 'cpr' not in where else '<cpr>'}"
    if rule in (DATE, TIMESTAMP):
        # raises if a value is not a possible date or time
        pd.to_datetime(filled, format="%Y-%m-%d" if rule == DATE else "ISO8601", utc=rule == TIMESTAMP)


def check_file(path: str, spec: dict) -> pd.DataFrame:
    raw = Path(path).read_bytes()
    text = raw.decode("utf-8")
    assert "\r" not in text and text.endswith("\n")
    lines = text.rstrip("\n").split("\n")
    assert lines[0].split(";") == list(spec), f"{path}: header {lines[0]}"
    assert all(line.count(";") == len(spec) - 1 for line in lines), f"{path}: field counts"
    frame = read(path)
    for column, (rule, required) in spec.items():
        check_column(frame[column], rule, required, f"{Path(path).name}:{column}")
    return frame


@pytest.mark.parametrize("sample_name", ["clean", "dirty"])
def test_every_file_meets_its_contract(sample_name, request):
    sample = request.getfixturevalue(sample_name)
    seen = 0
    for pattern, spec in CONTRACTS:
        files = sample.files(pattern)
        assert files, pattern
        for f in files:
            check_file(f, spec)
            seen += 1
    assert seen >= 3 + 1 + 2 + 25 + 2 + 2 + 1
    every = sorted(str(p.relative_to(sample.root)) for p in sample.root.rglob("*") if p.is_file())
    for name in every:
        assert any(re.fullmatch(p, name) for p in NAME_PATTERNS), f"unexpected file {name}"


@pytest.mark.parametrize("sample_name", ["clean", "dirty"])
def test_files_pass_the_project_contract_reader(sample_name, request):
    contracts = pytest.importorskip("boligstoette.contracts")
    sample = request.getfixturevalue(sample_name)
    which = {"register/": contracts.REGISTER, "bbr/": contracts.BBR_UNITS, "applications_": contracts.APPLICATIONS,
             "household_members_": contracts.HOUSEHOLD_MEMBERS, "eindkomst_": contracts.EINDKOMST,
             "forskud_": contracts.FORSKUD, "aarsopgoerelse_": contracts.AARSOPGOERELSE}
    for f in sample.files("*/*"):
        if f.endswith(".jsonl"):
            assert len(contracts.read_change_notifications(f)) > 0
            continue
        for key, contract in which.items():
            if key in f:
                assert len(contracts.read_csv(f, contract)) > 0
                break


def test_landing_layout_for_the_benefit_month(clean):
    names = {str(p.relative_to(clean.root)) for p in clean.root.rglob("*") if p.is_file()}
    for snap in ("20260915", "20261015", "20261115"):
        assert f"register/huslejeregister_{snap}.csv" in names
    assert "bbr/bbr_units_20261110.csv" in names
    assert {"cases/applications_20261118.csv", "cases/household_members_20261118.csv"} <= names
    months = [f"{y}{m:02d}" for y, m in [(2024, 11), (2024, 12)] + [(2025, m) for m in range(1, 13)]
              + [(2026, m) for m in range(1, 11)]]
    assert len(months) == 24
    monthly = {n for n in names if re.fullmatch(r"income/eindkomst_\d{6}\.csv", n)}
    assert monthly == {f"income/eindkomst_{m}.csv" for m in months}
    assert "income/eindkomst_202609_r2.csv" in names
    assert {"income/forskud_2025.csv", "income/forskud_2026.csv", "income/aarsopgoerelse_2024.csv",
            "income/aarsopgoerelse_2025.csv", "rent_relief/afdeling_stats_2026.csv"} <= names
    assert not any(n.startswith("income/forskud_2027") for n in names)


def test_change_notifications(dirty):
    files = dirty.files("register_changes/*.jsonl")
    assert len(files) >= 3
    ev = dirty.events()
    for key in ("event_id", "registered_at", "org_id", "unit_id", "lease_id", "kind", "effective_date", "old", "new"):
        assert key in ev.columns
    assert ev["kind"].isin(["rent_changed", "utilities_changed", "lease_ended", "lease_reopened"]).all()
    assert ev["registered_at"].str.fullmatch(TIMESTAMP).all()
    assert ev["effective_date"].str.fullmatch(DATE).all()
    assert ev["old"].map(lambda o: isinstance(o, dict)).all() and ev["new"].map(lambda o: isinstance(o, dict)).all()
    for _, e in ev[ev["kind"] == "rent_changed"].iterrows():
        for side in (e["old"], e["new"]):
            assert re.fullmatch(MONEY, side["rent_monthly"]) and re.fullmatch(MONEY, side["supplements_monthly"])
    # duplicates: same event_id in two files, identical content
    dup = ev[ev.duplicated("event_id", keep=False)]
    assert not dup.empty
    assert (dup.groupby("event_id")["_file"].nunique() == 2).all()
    as_text = dup.drop(columns="_file").map(lambda v: json.dumps(v, sort_keys=True) if isinstance(v, dict) else v)
    assert (as_text.groupby("event_id").nunique() == 1).all().all()
    # out of order: some file is not sorted by registration time
    instants = pd.to_datetime(ev["registered_at"], format="ISO8601", utc=True)
    assert any(not instants[ev["_file"] == f].is_monotonic_increasing for f in ev["_file"].unique())


def test_cpr_numbers_match_birth_dates_and_sex_digit_is_used(clean):
    members = clean.one("cases/household_members_*.csv")
    birth = pd.to_datetime(members["birth_date"])
    assert (members["cpr"].str[:6] == birth.dt.strftime("%d%m%y")).all()
    century = members["cpr"].str[7].astype(int)
    assert ((birth.dt.year < 2000) == (century <= 3)).all()
    assert members["cpr"].str[-1].astype(int).mod(2).nunique() == 2
    assert members["cpr"].is_unique


def test_money_is_exact_text(clean):
    snap = clean.snapshots()[2]
    for col in ("rent_monthly", "supplements_monthly"):
        assert snap[col].str.fullmatch(r"\d+\.\d{2}").all()
    assert (snap["rent_monthly"].str[-2:] != "00").any()  # øre sometimes
    assert (snap["area_m2"].str.contains(r"\.")).any()  # decimals allowed
    ek = read(clean.files("income/eindkomst_*.csv")[0])
    assert ek["amount"].str.fullmatch(r"-?\d+\.\d{2}").all()
