"""Benefit over time end to end (issue 11): six consecutive benefit months, April to September 2025,
through every Dagster asset, against a hand-made landing folder, with hand-worked expectations.

Every household lives in the C02 dwelling of the worked examples (rent 7,000 kr, 75 m², heating and
water in the rent) with one adult and one child, so the calc engine (checked against
tests/data/examples.csv) gives, per monthly household income:
    16,000 kr -> 3,393 kr    22,000 -> 2,313    8,000 -> 3,755    18,000 -> 3,033    16,700 -> 3,267
    5,000 -> 3,755 (the maximum)    with a second adult earning 10,000: 26,000 -> 1,593 (3 persons)
    45,000 (two adults, K10) -> 0    rent 0 kr -> 0
The run for month M sees eIndkomst up to income month M-2 (reported on the 10th of M-1, before the
cut-off on the 20th), so its lookback examines period M-2; a deduction is announced by letter the day
after the cut-off (8 days to object) and taken from the payment of M+2.

The cases and what each shows:
    K1  ferietillaeg 6,000 in May: 22,000 -> 2,313; deduction 1,080 announced in July, taken in September
    K4  ferietillaeg 6,000 in April, lease ended 31 July (successor lease): deduction announced in June,
        nothing paid in August, so all 1,080 kr go to collection
    K5  a one-off 'andet' of -8,000 in April: not in the estimate; final 8,000 -> supplement 362 in June
    K6  ferietillaeg 6,000 in April, objection upheld at 18,000 kr -> deduction 360 instead of 1,080
    K7  ferietillaeg 700 in April: below the 800 kr threshold; May re-delivered in July with 6,000 more:
        examined again in August, deduction announced
    K8  a partner (10,000 a month) registered from 1 May in a June delivery: May and June household_changed
    K9  a free-rent month (rent 0 kr in August): 0 kr, no hold, 3,393 again in September
    K10 two adults earning 45,000 a month: 0 kr in April, May and June: the case ends with a letter
    K11 the K10 applicant applies again (alone with the child) on 10 July: benefit from 1 July
    K12 a lease ending on 10 July (a real move, no successor): July held, then paid in full in August
    K13 moved in on 25 April, applied 18 May: April for 6 of 30 days (679 kr), May and June in June's run
    K14 a lease ended by mistake in May's register and reopened a month later: June and July paid in August
"""

import csv
import hashlib
import json
from pathlib import Path

import pandas as pd
import pytest

from orchestration.warehouse import Warehouse
from tests.conftest import materialize_month
from tests.test_payouts import REGISTER_HEADER

MONTHS = ["2025-04", "2025-05", "2025-06", "2025-07", "2025-08", "2025-09"]
SNAPSHOTS = ["20250215", "20250315", "20250415", "20250515", "20250615", "20250715", "20250815"]
BASE = "16000.00"
CASES = ["K1", "K4", "K5", "K6", "K7", "K8", "K9", "K10", "K12", "K13", "K14"]


def _cpr(i: int, year: str = "85", month: str = "01") -> tuple[str, str]:
    """(CPR, birth date) of person i; the serial's first digit puts a year below 37 in the 2000s."""
    century, serial = ("19", 1000 + i) if year > "36" else ("20", 4000 + i)
    return f"{i:02d}{month}{year}-{serial}", f"{century}{year}-{month}-{i:02d}"


def _write(path: Path, rows: list[dict], header: list[str] | None = None) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    header = header or list(rows[0])
    with path.open("w", newline="", encoding="utf-8") as f:
        writer = csv.DictWriter(f, fieldnames=header, delimiter=";", lineterminator="\n")
        writer.writeheader()
        writer.writerows(rows)


def _lease(i: int, day: str, **over) -> dict:
    cpr, birth = _cpr(i)
    return dict(
        snapshot_date=f"{day[:4]}-{day[4:6]}-{day[6:]}", org_id="900", afdeling_id="01", unit_id=f"U{i}",
        bbr_unit_id="", address=f"Testvej {i}", postal_code="2200", municipality_code="101", lease_id=f"L{i}",
        tenure="lejer", tenant_name=f"Lejer Nummer{i}", tenant_cpr=cpr, tenant_birth_date=birth,
        lease_start="2020-01-01", lease_end="", area_m2="75", rooms="3", heating_type="fjernvarme",
        rent_monthly="7000.00", supplements_monthly="0.00", rent_effective_from="2025-01-01", maintenance_duty="ingen",
        heating_payment="i_husleje", water_payment="i_husleje", drainage_payment="i_husleje",
        electricity_payment="egen_afregning", own_kitchen="true", garage_carport="false", accessible="false",
        student_dorm="false", rent_registered_at="2025-01-02T09:00:00+01:00") | over


def _snapshot(day: str) -> list[dict]:
    rows = []
    for i in (1, 4, 5, 6, 7, 8, 9, 10, 12, 13, 14):
        over = {}
        if i == 4 and day >= "20250715":
            over = dict(lease_end="2025-07-31")
        if i == 9 and day == "20250715":
            over = dict(rent_monthly="0.00", rent_effective_from="2025-08-01")
        if i == 9 and day >= "20250815":
            over = dict(rent_effective_from="2025-09-01")
        if i == 12 and day >= "20250615":
            over = dict(lease_end="2025-07-10")
        if i == 13:
            if day < "20250515":
                continue
            over = dict(lease_start="2025-04-25", rent_effective_from="2025-04-25")
        if i == 14 and day == "20250515":
            over = dict(lease_end="2025-05-31")
        rows.append(_lease(i, day, **over))
    if day >= "20250715":  # K4's dwelling let again from 1 August: an ordinary move
        rows.append(_lease(4, day, lease_id="L4B", tenant_name="Nora Nybo", tenant_cpr="150390-4004",
                           tenant_birth_date="1990-03-15", lease_start="2025-08-01"))
    return rows


def _notification(n: int, at: str, lease: dict, kind: str, effective: str, old: dict, new: dict) -> dict:
    return dict(event_id=f"E{n}", registered_at=at, org_id="900", unit_id=lease["unit_id"], lease_id=lease["lease_id"],
                kind=kind, effective_date=effective, old=old, new=new)


def _notifications() -> list[dict]:
    rent = {"rent_monthly": "7000.00", "supplements_monthly": "0.00", "rent_effective_from": "2025-01-01"}
    free = {"rent_monthly": "0.00", "supplements_monthly": "0.00", "rent_effective_from": "2025-08-01"}
    back = {"rent_monthly": "7000.00", "supplements_monthly": "0.00", "rent_effective_from": "2025-09-01"}
    lease = {i: _lease(i, "20250101") for i in (4, 9, 12, 14)}
    return [
        _notification(1, "2025-05-05T10:00:00+02:00", lease[14], "lease_ended", "2025-05-31",
                      {"lease_end": ""}, {"lease_end": "2025-05-31"}),
        _notification(2, "2025-06-02T10:00:00+02:00", lease[14], "lease_reopened", "2025-05-31",
                      {"lease_end": "2025-05-31"}, {"lease_end": ""}),
        _notification(3, "2025-06-03T10:00:00+02:00", lease[12], "lease_ended", "2025-07-10",
                      {"lease_end": ""}, {"lease_end": "2025-07-10"}),
        _notification(4, "2025-07-05T10:00:00+02:00", lease[4], "lease_ended", "2025-07-31",
                      {"lease_end": ""}, {"lease_end": "2025-07-31"}),
        _notification(5, "2025-07-10T10:00:00+02:00", lease[9], "rent_changed", "2025-08-01", rent, free),
        _notification(6, "2025-08-10T10:00:00+02:00", lease[9], "rent_changed", "2025-09-01", free, back),
    ]


def _application(case: str, i: int, received: str, move_in: str = "") -> dict:
    cpr, _ = _cpr(i)
    return dict(case_id=case, applicant_cpr=cpr, applicant_name=f"Lejer Nummer{i}", received_date=received,
                move_in_date=move_in, address=f"Testvej {i}", postal_code="2200", org_id="900", unit_id=f"U{i}",
                payee="organisation", urgent="false")


def _member(case: str, cpr: str, birth: str, role: str, since: str = "2020-01-01") -> dict:
    return dict(case_id=case, cpr=cpr, name=f"Person {cpr[-4:]}", birth_date=birth, role=role, income_consent="true",
                joint_liability_signed="true", pension="ingen", mobility_impaired="false",
                round_the_clock_help="false", member_from=since, member_to="")


def _household(case: str, i: int, since: str = "2020-01-01") -> list[dict]:
    child, child_birth = _cpr(i, "15", "02")
    return [_member(case, *_cpr(i), "ansoeger", since), _member(case, child, child_birth, "barn", since)]


PARTNER_K8 = ("080386-3008", "1986-03-08")
SAMLEVER_K10 = ("100386-3010", "1986-03-10")


def _income(month: str) -> list[dict]:
    """Every adult's eIndkomst for an income month (reported on the 10th of the month after)."""
    y, m = int(month[:4]), int(month[5:])
    reported = f"{y + (m == 12):04d}-{m % 12 + 1:02d}-10T10:00:00+02:00"
    rows = []

    def pay(cpr: str, amount: str, kind: str = "loen") -> None:
        rows.append(dict(cpr=cpr, month=month, income_type=kind, amount=amount, reported_at=reported))

    for i in (1, 4, 5, 6, 7, 8, 9, 12, 13, 14):
        pay(_cpr(i)[0], BASE)
    pay(_cpr(10)[0], "5000.00")
    pay(SAMLEVER_K10[0], "40000.00")
    pay(PARTNER_K8[0], "10000.00")
    extra = {("2025-05", 1): ("6000.00", "ferietillaeg"), ("2025-04", 4): ("6000.00", "ferietillaeg"),
             ("2025-04", 5): ("-8000.00", "andet"), ("2025-04", 6): ("6000.00", "ferietillaeg"),
             ("2025-04", 7): ("700.00", "ferietillaeg")}
    for (when, i), (amount, kind) in extra.items():
        if when == month:
            pay(_cpr(i)[0], amount, kind)
    return rows


def build_landing(root: Path) -> Path:
    for day in SNAPSHOTS:
        _write(root / "register" / f"huslejeregister_{day}.csv", _snapshot(day), REGISTER_HEADER)
    (root / "register_changes").mkdir(parents=True)
    (root / "register_changes" / "changes_20250810T120000.jsonl").write_text(
        "".join(json.dumps(e) + "\n" for e in _notifications()), encoding="utf-8")
    _write(root / "bbr" / "bbr_units_20250110.csv", [], ["bbr_unit_id", "address", "postal_code",
                                                        "municipality_code", "area_m2", "rooms", "heating_type",
                                                        "own_kitchen"])
    first = [_application(f"K{i}", i, "2024-01-10") for i in (1, 4, 5, 6, 7, 8, 9, 10, 12, 14)]
    _write(root / "cases" / "applications_20250110.csv", first)
    _write(root / "cases" / "applications_20250518.csv", [_application("K13", 13, "2025-05-18", "2025-04-25")])
    _write(root / "cases" / "applications_20250710.csv", [_application("K11", 10, "2025-07-10")])
    members = [m for i in (1, 4, 5, 6, 7, 8, 9, 12, 14) for m in _household(f"K{i}", i)]
    members += [*_household("K10", 10), _member("K10", *SAMLEVER_K10, "samlever")]
    _write(root / "cases" / "household_members_20250110.csv", members)
    _write(root / "cases" / "household_members_20250518.csv", _household("K13", 13, "2025-04-25"))
    _write(root / "cases" / "household_members_20250615.csv",
           [*_household("K8", 8), _member("K8", *PARTNER_K8, "samlever", "2025-05-01")])
    _write(root / "cases" / "household_members_20250710.csv", _household("K11", 10))
    for month in ("2025-01", "2025-02", "2025-03", "2025-04", "2025-05", "2025-06", "2025-07", "2025-08"):
        _write(root / "income" / f"eindkomst_{month.replace('-', '')}.csv", _income(month))
    may = _income("2025-05")  # re-delivered with K7's holiday allowance, reported after July's cut-off
    may.append(dict(cpr=_cpr(7)[0], month="2025-05", income_type="ferietillaeg", amount="6000.00",
                    reported_at="2025-07-05T10:00:00+02:00"))
    _write(root / "income" / "eindkomst_202505_r2.csv", [dict(r, reported_at="2025-07-05T10:00:00+02:00") for r in may])
    adults = [_cpr(i)[0] for i in range(1, 15) if i not in (2, 3, 11)] + [PARTNER_K8[0], SAMLEVER_K10[0]]
    _write(root / "income" / "forskud_2025.csv",
           [dict(cpr=c, year="2025", other_income="0.00", wealth="0.00", assessed_at="2025-01-05T00:00:00+01:00")
            for c in adults])
    _write(root / "objections" / "objections_20250701.csv", [dict(
        case_id="K6", period="2025-04", decision="upheld", accepted_income="18000.00", decided_by="sagsbehandler 7",
        decided_at="2025-07-01T10:00:00+02:00")])
    return root


def _hashes(out: Path) -> dict[str, str]:
    return {str(p.relative_to(out)): hashlib.sha256(p.read_bytes()).hexdigest()
            for p in sorted(out.rglob("*.csv")) if "data_docs" not in p.parts}


def _csv(path: Path) -> pd.DataFrame:
    return pd.read_csv(path, sep=";", dtype=str, keep_default_na=False)


@pytest.fixture(scope="module")
def timeline(tmp_path_factory):
    """The six months run once, in order; then every month run again."""
    from orchestration.resources import AgencyDatabase, OutputFolder

    root = tmp_path_factory.mktemp("timeline")
    landing, out, url = build_landing(root / "landing"), root / "out", f"sqlite:///{root / 'w.sqlite'}"
    resources = {"database": AgencyDatabase(url=url), "output": OutputFolder(root=str(out))}

    def run_all():
        for month in MONTHS:
            result = materialize_month(landing, url, month=month, extra_resources=resources)
            assert result.success, [e.message for e in result.all_events if e.is_step_failure]

    run_all()
    first_files, first_ledger = _hashes(out), Warehouse(url).read_table("payment_ledger")
    run_all()
    return dict(out=out, url=url, files=first_files, ledger=first_ledger)


def _org(timeline, month: str) -> dict[tuple[str, str], int]:
    lines = _csv(timeline["out"] / "payouts" / month / "org_900.csv")
    lines = lines[lines["case_id"] != "TOTAL"]
    return {(c, p): int(a) for c, p, a in lines[["case_id", "period", "amount"]].itertuples(index=False)}


def _lookback(timeline, month: str) -> pd.DataFrame:
    return _csv(timeline["out"] / "lookback" / f"{month}.csv").set_index(["case_id", "period"])


def test_reruns_write_the_same_bytes_and_book_nothing(timeline):
    assert _hashes(timeline["out"]) == timeline["files"]
    pd.testing.assert_frame_equal(Warehouse(timeline["url"]).read_table("payment_ledger"), timeline["ledger"])


def test_ordinary_months_pay_the_provisional_amount(timeline):
    april = _org(timeline, "2025-04")
    assert {april[f"K{i}", "2025-04"] for i in (1, 4, 5, 6, 7, 8, 9, 12, 14)} == {3393}
    assert ("K10", "2025-04") not in april, "K10's income leaves no benefit"
    assert _org(timeline, "2025-07")["K8", "2025-07"] == 1593, "July counts the partner registered in June"


def test_back_months_from_the_move_in_day_part_month_for_its_days(timeline):
    june = _org(timeline, "2025-06")
    assert [june["K13", p] for p in ("2025-04", "2025-05", "2025-06")] == [679, 3393, 3393]  # 3393 x 6/30


def test_supplement_is_paid_with_the_next_payment(timeline):
    june = _org(timeline, "2025-06")
    assert june["K5", "2025-04"] == 362 and june["K5", "2025-06"] == 3393
    row = _lookback(timeline, "2025-06").loc[("K5", "2025-04")]
    assert (row["income_used"], row["income_final"], row["benefit_paid"], row["benefit_final"]) == (
        "16000.00", "8000.00", "3393", "3755")
    assert (row["decision"], row["difference"], row["applied_in"]) == ("supplement", "362", "2025-06")


def test_deduction_is_heard_by_letter_and_taken_two_months_later(timeline):
    row = _lookback(timeline, "2025-07").loc[("K1", "2025-05")]
    assert (row["decision"], row["difference"], row["letter_date"], row["applied_in"]) == (
        "deduction", "-1080", "2025-06-21", "2025-09")
    letters = _csv(timeline["out"] / "letters" / "2025-07.csv").set_index("case_id")
    assert (letters.loc["K1", "kind"], letters.loc["K1", "amount"], letters.loc["K1", "respond_by"]) == (
        "lookback_deduction", "-1080", "2025-06-29")
    assert _cpr(1)[0] not in letters.loc["K1", "body"] and "1.080" in letters.loc["K1", "body"]
    assert ("K1", "2025-05") not in _org(timeline, "2025-08"), "nothing is deducted before the hearing ends"
    september = _org(timeline, "2025-09")
    assert september["K1", "2025-09"] == 3393 and september["K1", "2025-05"] == -1080


def test_a_deduction_the_payment_cannot_absorb_goes_to_collection(timeline):
    assert _lookback(timeline, "2025-06").loc[("K4", "2025-04"), "decision"] == "deduction"
    august = _org(timeline, "2025-08")
    assert not any(case == "K4" for case, _ in august), "K4's lease ended on 31 July: nothing to deduct from"
    claims = _csv(timeline["out"] / "collection" / "2025-08.csv")
    assert claims[["case_id", "claim_type", "period_from", "period_to", "amount", "due_date"]].values.tolist() == [
        ["K4", "efterregulering", "2025-04", "2025-04", "1080", "2025-08-01"]]
    assert claims.loc[0, "debtor_cpr"] == _cpr(4)[0]
    assert _lookback(timeline, "2025-06").loc[("K4", "2025-04"), "to_collection"] == "1080"


def test_an_objection_upheld_reduces_the_deduction(timeline):
    assert _lookback(timeline, "2025-06").loc[("K6", "2025-04"), "difference"] == "-1080"
    august = _org(timeline, "2025-08")
    assert august["K6", "2025-04"] == -360  # 18,000 kr accepted: 3,033 - 3,393


def test_below_threshold_and_a_re_delivered_month(timeline):
    row = _lookback(timeline, "2025-06").loc[("K7", "2025-04")]
    assert (row["income_final"], row["benefit_final"], row["decision"]) == ("16700.00", "3267", "below_threshold")
    assert _lookback(timeline, "2025-07").loc[("K7", "2025-05"), "decision"] == "below_threshold"
    redelivered = _lookback(timeline, "2025-08").loc[("K7", "2025-05")]
    assert (redelivered["decision"], redelivered["difference"], redelivered["applied_in"]) == (
        "deduction", "-1080", "2025-10")


def test_a_household_change_is_not_a_lookback_correction(timeline):
    assert _lookback(timeline, "2025-07").loc[("K8", "2025-05"), "decision"] == "household_changed"
    assert _lookback(timeline, "2025-08").loc[("K8", "2025-06"), "decision"] == "household_changed"
    ledger = timeline["ledger"]
    assert ledger[(ledger["case_id"] == "K8") & ledger["kind"].isin(["supplement", "hearing"])].empty


def test_a_free_rent_month_gives_nothing_that_month_and_no_hold(timeline):
    assert ("K9", "2025-08") not in _org(timeline, "2025-08")
    holds = _csv(timeline["out"] / "holds" / "2025-08.csv")
    assert "K9" not in set(holds["case_id"])
    assert _org(timeline, "2025-09")["K9", "2025-09"] == 3393
    ledger = timeline["ledger"]
    nil = ledger[(ledger["case_id"] == "K9") & (ledger["period"] == "2025-08")]
    assert nil[["kind", "amount_ore", "reason_code"]].values.tolist() == [["nil", 0, "NO_BENEFIT_RENT_ZERO"]]


def test_three_months_without_payment_end_the_case_and_a_timely_application_pays_from_that_month(timeline):
    ledger = timeline["ledger"]
    k10 = ledger[ledger["case_id"] == "K10"].sort_values(["run_month", "kind"])
    assert k10[["run_month", "kind", "reason_code"]].values.tolist() == [
        ["2025-04", "nil", "NO_BENEFIT_INCOME"], ["2025-05", "nil", "NO_BENEFIT_INCOME"],
        ["2025-06", "case_ended", "CASE_ENDED_INCOME"], ["2025-06", "nil", "NO_BENEFIT_INCOME"]]
    letters = _csv(timeline["out"] / "letters" / "2025-06.csv").set_index("case_id")
    assert letters.loc["K10", "kind"] == "case_ended_income" and letters.loc["K10", "period"] == "2025-06"
    allowances = Warehouse(timeline["url"]).read_partitions("provisional_allowances", ["2025-07"]).set_index("case_id")
    assert allowances.loc["K10", "reason_code"] == "CASE_ENDED_INCOME"
    august = _org(timeline, "2025-08")
    assert august["K11", "2025-07"] == 3755 and august["K11", "2025-08"] == 3755


def test_a_lease_ending_mid_month_keeps_the_month(timeline):
    july = Warehouse(timeline["url"]).read_partitions("provisional_allowances", ["2025-07"]).set_index("case_id")
    assert july.loc["K12", "reason_code"] == "DQ_LEASE_ENDED_NO_SUCCESSOR"
    assert _org(timeline, "2025-08")["K12", "2025-07"] == 3393
    assert not any(case == "K12" for case, _ in _org(timeline, "2025-09"))


def test_months_of_a_lease_ended_by_mistake_are_paid_once_it_is_reopened(timeline):
    june = Warehouse(timeline["url"]).read_partitions("provisional_allowances", ["2025-06"]).set_index("case_id")
    assert june.loc["K14", "reason_code"] == "LEASE_ENDED"
    august = _org(timeline, "2025-08")
    assert [august["K14", p] for p in ("2025-06", "2025-07", "2025-08")] == [3393, 3393, 3393]


def test_every_period_is_paid_once(timeline):
    ledger = timeline["ledger"]
    money = ledger[ledger["kind"].isin(["payment", "recovery", "supplement", "deduction", "claim"])]
    net = money.groupby(["lease_id", "period"])["amount_ore"].sum()
    assert (net <= 3755_00).all(), "no lease and period is paid more than a month's benefit"
    payments = ledger[ledger["kind"] == "payment"]
    assert not payments.duplicated(["lease_id", "period"]).any()
