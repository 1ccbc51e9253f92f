"""Each register check on hand-built frames: a minimal good and bad case, thresholds, policy edges."""

from __future__ import annotations

import dataclasses

import pandas as pd
import pytest
from quality_kit import (
    CURRENT,
    PREVIOUS,
    assess,
    base_rows,
    bbr_for,
    codes_of,
    end_notification,
    lease,
    notification,
    rent_notification,
    snapshot,
)

from boligstoette.quality import (
    CHECKS,
    FINDING_COLUMNS,
    QualityThresholds,
    assess_register,
    codes,
    contract_rejection,
    first_benefit_month,
)


def test_clean_register_has_no_findings():
    rows = base_rows()
    result = assess(rows, rows)
    assert result.findings.empty
    assert list(result.findings.columns) == FINDING_COLUMNS
    assert not result.month_held and result.held_organisations() == [] and result.held_leases().empty
    assert result.counts()["findings"].sum() == 0
    assert set(result.counts()["code"]) == set(CHECKS)


def test_finding_frame_types():
    rows = base_rows()
    cur = [*rows[:-1], lease(6, lease_end="2014-01-01")]
    result = assess(rows, cur, [end_notification(rows[-1], cur[-1])])
    f = result.findings
    assert len(f) == 1
    assert f["snapshot_date"].dtype == "datetime64[us]"
    for column in FINDING_COLUMNS[:-1]:
        assert f[column].dtype == "str", column
    row = f.iloc[0]
    assert (row.code, row.scope, row.holds, row.org_id, row.unit_id, row.lease_id) == (
        "DQ_END_BEFORE_START", "lease", "lease", "100", "100-001-0006", "LM00000006")
    assert row.snapshot_date == pd.Timestamp(CURRENT)
    assert row.detail == "lease_end 2014-01-01 is before lease_start 2015-05-01"


# --- delivery ----------------------------------------------------------------------------------


def test_snapshot_shrank_more_than_two_percent_blocks_the_month():
    previous = [lease(i) for i in range(1, 101)]
    ok = assess(previous, previous[:98])  # 2 % fewer: allowed
    assert "DQ_SNAPSHOT_SHRANK" not in codes_of(ok)
    bad = assess(previous, previous[:97])  # 3 % fewer
    assert "DQ_SNAPSHOT_SHRANK" in codes_of(bad)
    assert bad.month_held
    finding = bad.findings[bad.findings.code == "DQ_SNAPSHOT_SHRANK"].iloc[0]
    assert finding.scope == "delivery" and finding.holds == "month" and pd.isna(finding.lease_id)
    assert "97 rows, 100 in the previous snapshot" in finding.detail


def test_snapshot_shrank_needs_a_previous_snapshot():
    assert "DQ_SNAPSHOT_SHRANK" not in codes_of(assess(None, base_rows(2)))
    assert "DQ_SNAPSHOT_SHRANK" not in codes_of(assess([], base_rows(2)))


def test_lease_id_not_unique_blocks_the_month():
    rows = base_rows(3)
    dup = [*rows, lease(9, lease_id=rows[0]["lease_id"])]
    result = assess(rows, dup)
    assert "DQ_LEASE_ID_NOT_UNIQUE" in codes_of(result)
    assert result.month_held
    detail = result.findings.set_index("code").loc["DQ_LEASE_ID_NOT_UNIQUE", "detail"]
    assert "LM00000001" in detail and "1 lease_ids appear more than once (2 rows)" in detail


def test_contract_rejection_is_a_documented_month_hold():
    from boligstoette.contracts import ContractError

    error = ContractError("register/huslejeregister_20261115.csv", 17, "tenant_cpr", "value 010190-1234 is not a CPR")
    result = contract_rejection(error, "2026-11-15")
    assert result.month_held
    row = result.findings.iloc[0]
    assert (row.code, row.scope, row.holds) == ("DQ_DELIVERY_CONTRACT", "delivery", "month")
    assert "line 17" in row.detail and "010190-1234" not in row.detail and "<cpr>" in row.detail
    assert bool(result.flags["delivery"]["DQ_DELIVERY_CONTRACT"].iloc[0])


# --- organisation ------------------------------------------------------------------------------


def _org(org: str, k: int, start: int) -> list[dict]:
    return [lease(start + i, org_id=org, unit_id=f"{org}-001-{i:04d}") for i in range(k)]


def test_organisation_drop_holds_that_organisation_only():
    a, b = _org("200", 10, 1), _org("300", 10, 100)
    fine = assess(a + b, a + b[:8])  # 20 % fewer: allowed
    assert "DQ_ORG_ACTIVE_LEASES_DROPPED" not in codes_of(fine)
    # 30 % of one organisation's leases gone (a 15 % shrink of the whole snapshot is blocking as well)
    result = assess(a + b, a + b[:7])
    assert result.held_organisations() == ["300"]
    finding = result.findings[result.findings.code == "DQ_ORG_ACTIVE_LEASES_DROPPED"].iloc[0]
    assert finding.scope == "organisation" and finding.org_id == "300" and pd.isna(finding.lease_id)
    assert "10 active leases in the previous snapshot, 7 now (30 % fewer" in finding.detail


def test_organisation_that_vanished_completely_is_held():
    a, b = _org("200", 60, 1), _org("300", 1, 100)
    result = assess(a + b, a)
    assert result.held_organisations() == ["300"]
    detail = result.findings.set_index("code").loc["DQ_ORG_ACTIVE_LEASES_DROPPED", "detail"]
    assert "missing from the snapshot" in detail
    # its running lease is also reported per lease (so the organisation's list names it)
    assert codes_of(result, b[0]["lease_id"]) == {"DQ_LEASE_VANISHED"}


def test_ended_leases_do_not_count_as_active():
    rows = _org("200", 10, 1)
    ended = [dict(r, lease_end="2026-10-31") for r in rows[:3]] + rows[3:]
    notes = [end_notification(b, a) for b, a in zip(rows[:3], ended[:3], strict=True)]
    result = assess(rows, ended, notes)
    assert "DQ_ORG_ACTIVE_LEASES_DROPPED" in codes_of(result)  # 10 -> 7 active


# --- lease: the register itself -----------------------------------------------------------------


def test_duplicate_active_lease_holds_every_running_lease_of_the_dwelling():
    rows = base_rows(3)
    second = lease(9, unit_id=rows[0]["unit_id"], lease_start="2026-11-01", tenant_name="Ny Lejer")
    result = assess(rows, [*rows, second])
    flagged = result.findings[result.findings.code == "DQ_DUPLICATE_ACTIVE_LEASE"]
    assert set(flagged.lease_id) == {"LM00000001", "LM00000009"}
    assert all("LM00000001, LM00000009" in d for d in flagged.detail)


def test_successive_leases_on_a_dwelling_are_not_duplicates():
    rows = base_rows(3)
    old = dict(rows[0], lease_end="2026-11-30")
    new = lease(9, unit_id=rows[0]["unit_id"], lease_start="2026-12-01")  # registered before it starts
    result = assess(rows, [old, *rows[1:], new], [end_notification(rows[0], old)])
    assert "DQ_DUPLICATE_ACTIVE_LEASE" not in codes_of(result)


def test_end_before_start():
    rows = base_rows(2)
    one_day = dict(rows[1], lease_end="2015-05-01")
    good = assess(rows, [rows[0], one_day], [end_notification(rows[1], one_day)])
    assert "DQ_END_BEFORE_START" not in codes_of(good)  # ends the day it starts: a one-day lease
    bad_row = dict(rows[1], lease_end="2015-04-30")
    assert codes_of(assess(rows, [rows[0], bad_row], [end_notification(rows[1], bad_row)])) == {"DQ_END_BEFORE_START"}


@pytest.mark.parametrize(
    ("cpr", "birth", "expected"),
    [
        ("010190-1234", "1990-01-01", set()),
        ("290200-4321", "2000-02-29", set()),  # 7th digit 4, YY 00: 2000, a leap year
        ("290200-1234", "1900-02-28", {"DQ_CPR_NOT_A_DATE"}),  # 7th digit 1: 1900, not a leap year
        ("320190-1234", "1990-01-01", {"DQ_CPR_NOT_A_DATE"}),
        ("001390-1234", "1990-01-01", {"DQ_CPR_NOT_A_DATE"}),
        ("310490-1234", "1990-04-30", {"DQ_CPR_NOT_A_DATE"}),
        ("300290-1234", "1990-02-28", {"DQ_CPR_NOT_A_DATE"}),
        ("020190-1234", "1990-01-01", {"DQ_CPR_BIRTH_DATE_MISMATCH"}),
        ("010190-4234", "1990-01-01", set()),  # 7th digit 4 with YY 37-99: the 1900s
        ("010110-1234", "2010-01-01", {"DQ_CPR_BIRTH_DATE_MISMATCH"}),  # 7th digit 1: 1910, not 2010
        ("010110-4234", "2010-01-01", set()),
        ("010160-6234", "1860-01-01", set()),  # 7th digit 6, YY 60: 1860
        ("010190-1234", None, set()),  # no birth date to compare with
        (None, "1990-01-01", set()),  # no consent: no CPR
    ],
)
def test_cpr_date_and_birth_date(cpr, birth, expected):
    rows = [lease(1, tenant_cpr=cpr, tenant_birth_date=birth)]
    assert codes_of(assess(None, rows)) == expected


# --- lease: against the previous snapshot -------------------------------------------------------


def test_new_tenant_written_over_the_lease():
    rows = base_rows(2)
    overwritten = dict(rows[1], tenant_name="Ny Lejer", tenant_cpr="150595-2345", tenant_birth_date="1995-05-15",
                       lease_start="2026-11-01")
    result = assess(rows, [rows[0], overwritten])
    assert codes_of(result, "LM00000002") == {"DQ_TENANT_CHANGED", "DQ_LEASE_START_CHANGED"}
    details = set(result.findings.detail)
    assert "tenant name, CPR number, birth date changed on the same lease_id" in details
    assert "lease_start 2015-05-01 -> 2026-11-01 on the same lease_id" in details


def test_name_spelled_with_other_case_or_spacing_is_the_same_tenant():
    rows = base_rows(2)
    respelled = dict(rows[1], tenant_name="  " + rows[1]["tenant_name"].upper().replace(" ", "  "))
    assert codes_of(assess(rows, [rows[0], respelled])) == set()
    renamed = dict(rows[1], tenant_name=rows[1]["tenant_name"] + "sen")
    assert codes_of(assess(rows, [rows[0], renamed])) == {"DQ_TENANT_CHANGED"}


def test_consent_given_later_is_not_a_tenant_change():
    rows = [lease(1, tenant_cpr=None)]
    assert codes_of(assess(rows, [lease(1)])) == set()


def test_lease_start_changed_alone():
    rows = base_rows(2)
    moved = dict(rows[1], lease_start="2015-06-01")
    assert codes_of(assess(rows, [rows[0], moved])) == {"DQ_LEASE_START_CHANGED"}


def _rent(row, rent, supp=None, eff="2026-12-01"):
    supplements = row["supplements_monthly_ore"] if supp is None else supp
    return dict(row, rent_monthly_ore=rent, supplements_monthly_ore=supplements, rent_effective_from=eff)


@pytest.mark.parametrize(
    ("new_rent", "expected"),
    [
        (650_000, set()),
        (640_000, set()),  # an ordinary cut
        (455_000, set()),  # exactly 30 % down: not more than 30 %
        (454_999, {"DQ_RENT_DROP"}),
        (1, {"DQ_RENT_DROP"}),
        (0, set()),  # a free-rent month (RULES § 8.2, § 12.6): 0 kr benefit that month, not an error
        (975_000, set()),  # exactly 50 % up
        (975_001, {"DQ_RENT_JUMP"}),
    ],
)
def test_rent_drop_and_jump(new_rent, expected):
    row = lease(1)
    changed = _rent(row, new_rent) if new_rent != 650_000 else row
    notes = [rent_notification(row, changed)] if new_rent != 650_000 else []
    assert codes_of(assess([row], [changed], notes)) == expected


def test_the_month_after_a_free_rent_month_is_not_a_jump():
    free = _rent(lease(1), 0)
    back = _rent(free, 650_000, eff="2027-01-01")
    assert codes_of(assess([free], [back], [rent_notification(free, back)])) == set()


def test_rent_thresholds_are_configurable():
    row = lease(1)
    cut = _rent(row, 390_000)  # -40 %
    notes = [rent_notification(row, cut)]
    assert codes_of(assess([row], [cut], notes)) == {"DQ_RENT_DROP"}
    assert codes_of(assess([row], [cut], notes, thresholds=QualityThresholds(rent_down=0.45))) == set()
    rise = _rent(row, 845_000)  # +30 %
    notes = [rent_notification(row, rise)]
    assert codes_of(assess([row], [rise], notes)) == set()
    assert codes_of(assess([row], [rise], notes, thresholds=QualityThresholds(rent_up=0.25))) == {"DQ_RENT_JUMP"}


def test_supplements_appearing_and_disappearing():
    plain, with_supp = lease(1), lease(2, supplements_monthly_ore=26_600, rent_monthly_ore=676_600)
    added = _rent(plain, 700_000, 50_000)
    removed = _rent(with_supp, 650_000, 0)
    changed_amount = _rent(with_supp, 680_000, 30_000)  # supplements changed, still there: ordinary
    notes = [rent_notification(plain, added), rent_notification(with_supp, removed)]
    result = assess([plain, with_supp], [added, removed], notes)
    assert codes_of(result, "LM00000001") == {"DQ_SUPPLEMENT_ADDED"}
    assert codes_of(result, "LM00000002") == {"DQ_SUPPLEMENT_REMOVED"}
    assert "supplements 266.00 -> 0.00 kr.; rent 6766.00 -> 6500.00 kr." in set(result.findings.detail)
    ok = assess([with_supp], [changed_amount], [rent_notification(with_supp, changed_amount)])
    assert codes_of(ok) == set()


# --- lease ended by mistake versus an ordinary move ----------------------------------------------


def test_ordinary_tenant_change_is_not_held():
    """Old lease ended, a new lease (new lease_id, new tenant) on the same dwelling: nothing to hold."""
    rows = base_rows(3)
    old = dict(rows[0], lease_end="2026-11-30")
    new = lease(9, unit_id=rows[0]["unit_id"], tenant_name="Ny Lejer", tenant_cpr="150595-2345",
                tenant_birth_date="1995-05-15", lease_start="2026-12-01")
    result = assess(rows, [old, *rows[1:], new], [end_notification(rows[0], old)])
    assert result.findings.empty, result.findings[["code", "lease_id"]]


def test_ordinary_tenant_change_after_a_vacancy_is_not_held():
    rows = base_rows(10)
    old = dict(rows[0], lease_end="2026-10-31")
    new = lease(19, unit_id=rows[0]["unit_id"], tenant_name="Ny Lejer", lease_start="2026-11-20")
    result = assess(rows, [old, *rows[1:], new], [end_notification(rows[0], old)])
    assert result.findings.empty


@pytest.mark.parametrize("end", ["2026-11-30", "2026-10-31", "2026-12-14"])
def test_lease_ended_without_a_new_lease_is_held_when_it_stops_the_coming_payout(end):
    """The 65 % variant of the injected error: lease_end set (last day of T-1 or T-2), tenant still there."""
    rows = base_rows(10)
    ended = dict(rows[1], lease_end=end)
    result = assess(rows, [rows[0], ended, *rows[2:]], [end_notification(rows[1], ended)])
    assert codes_of(result) == {"DQ_LEASE_ENDED_NO_SUCCESSOR"}
    finding = result.findings.iloc[0]
    assert finding.holds == "lease" and "stops the payout for 2026-12" in finding.detail


@pytest.mark.parametrize("end", ["2026-12-15", "2026-12-31", "2027-02-28"])
def test_lease_end_later_than_the_coming_payout_is_only_reported(end):
    rows = base_rows(2)
    ended = dict(rows[1], lease_end=end)
    result = assess(rows, [rows[0], ended], [end_notification(rows[1], ended)])
    assert codes_of(result) == {"DQ_LEASE_END_UNCONFIRMED"}
    assert result.findings.iloc[0].holds == "none"
    assert result.held_leases().empty


def test_payout_horizon_follows_the_thresholds():
    assert first_benefit_month(pd.Timestamp("2026-11-15"), QualityThresholds()) == pd.Timestamp("2026-12-01")
    assert first_benefit_month(pd.Timestamp("2026-11-25"), QualityThresholds()) == pd.Timestamp("2027-01-01")
    rows = base_rows(1)
    ended = dict(rows[0], lease_end="2026-12-20")
    notes = [end_notification(rows[0], ended)]
    assert codes_of(assess(rows, [ended], notes)) == {"DQ_LEASE_END_UNCONFIRMED"}
    late_half = QualityThresholds(liable_half_month_day=21)
    assert codes_of(assess(rows, [ended], notes, thresholds=late_half)) == {"DQ_LEASE_ENDED_NO_SUCCESSOR"}


def test_end_already_known_in_the_previous_snapshot_is_not_new():
    rows = [dict(lease(1), lease_end="2026-11-30")]
    assert codes_of(assess(rows, rows)) == set()


def test_lease_reopened():
    """The 35 % variant: ended in the previous snapshot, open again now (a termination that did not take effect)."""
    ended = [dict(lease(1), lease_end="2026-10-31")]
    reopened = [lease(1)]
    result = assess(ended, reopened, [end_notification(ended[0], reopened[0])])
    assert codes_of(result) == {"DQ_LEASE_REOPENED"}
    assert "lease_end 2026-10-31 removed" in result.findings.iloc[0].detail


def test_lease_vanished_and_reappeared():
    rows = base_rows(3)
    result = assess(rows, rows[:2])
    assert codes_of(result, "LM00000003") == {"DQ_LEASE_VANISHED"}
    flags = result.flags["lease"]
    assert not flags.loc[flags.lease_id == "LM00000003", "in_snapshot"].item()
    # back again the month after (it was not in the previous snapshot then)
    again = assess(rows[:2], rows)
    assert codes_of(again, "LM00000003") == {"DQ_LEASE_REAPPEARED"}


def test_ended_lease_leaving_the_register_is_not_vanished():
    old = dict(lease(1), lease_end="2024-10-31")  # more than 24 months before the snapshot
    others = [lease(i) for i in range(2, 62)]
    assert codes_of(assess([old, *others], others)) == set()


def test_new_lease_registered_late_is_not_reappeared():
    rows = base_rows(2)
    late = lease(9, unit_id="100-001-0099", lease_start="2026-10-01")  # started 14 days before the previous snapshot
    assert codes_of(assess(rows, [*rows, late])) == set()
    very_late = dict(late, lease_start="2026-09-01")
    assert codes_of(assess(rows, [*rows, very_late])) == {"DQ_LEASE_REAPPEARED"}
    lenient = QualityThresholds(late_registration_days=60)
    assert codes_of(assess(rows, [*rows, very_late], thresholds=lenient)) == set()


# --- lease: against BBR --------------------------------------------------------------------------


def test_bbr_unit_missing():
    rows = base_rows(2)
    bbr = bbr_for(rows[:1])
    assert codes_of(assess(rows, rows, bbr=bbr)) == {"DQ_BBR_UNIT_MISSING"}
    no_reference = [rows[0], dict(rows[1], bbr_unit_id=None)]
    assert codes_of(assess(no_reference, no_reference, bbr=bbr)) == set()


def test_bbr_area_tolerance():
    rows = [lease(1, area_m2=100.0), lease(2, area_m2=100.0), lease(3, area_m2=20.4)]
    bbr = bbr_for(rows, **{"bbr-1": {"area_m2": 91.0}, "bbr-2": {"area_m2": 90.0}})
    result = assess(rows, rows, bbr=bbr)
    assert codes_of(result, "LM00000001") == set()  # 9.9 % of BBR's 91
    assert codes_of(result, "LM00000002") == {"DQ_BBR_AREA_DIFFERS"}  # 11.1 % of BBR's 90
    assert codes_of(result, "LM00000003") == set()  # BBR 20: rounding only
    assert set(result.findings.detail) == {"area 100 m2 in the register, 90 m2 in BBR (+11 %; limit 10 %)"}
    loose = assess(rows, rows, bbr=bbr, thresholds=QualityThresholds(area_tolerance=0.15))
    assert "DQ_BBR_AREA_DIFFERS" not in codes_of(loose)


def test_bbr_heating_differs():
    rows = base_rows(2)
    bbr = bbr_for(rows, **{"bbr-2": {"heating_type": "naturgas"}})
    result = assess(rows, rows, bbr=bbr)
    assert codes_of(result) == {"DQ_BBR_HEATING_DIFFERS"}
    assert result.findings.iloc[0].detail == "heating fjernvarme in the register, naturgas in BBR"


def test_no_bbr_skips_the_bbr_checks():
    rows = base_rows(2)
    result = assess_register(snapshot(rows), None, None, None)
    assert result.findings.empty


# --- reconciliation ------------------------------------------------------------------------------


def test_rent_change_needs_a_notification():
    row = lease(1)
    raised = _rent(row, 670_000)
    assert codes_of(assess([row], [raised], [rent_notification(row, raised)])) == set()
    result = assess([row], [raised])
    assert codes_of(result) == {"DQ_RECON_RENT_NOT_NOTIFIED"}
    finding = result.findings.iloc[0]
    assert finding.scope == "reconciliation" and finding.holds == "lease"
    assert finding.detail == ("rent 6500.00 -> 6700.00 kr.; rent_effective_from 2026-01-01 -> 2026-12-01; "
                              "no rent_changed notification")


def test_correction_back_before_june_2014_needs_no_notification():
    row = lease(1, lease_start="2010-01-01")
    corrected = _rent(row, 660_000, eff="2013-12-01")
    assert codes_of(assess([row], [corrected])) == set()
    on_the_day = _rent(row, 660_000, eff="2014-06-01")  # 1 June 2014 itself is not before it
    assert codes_of(assess([row], [on_the_day])) == {"DQ_RECON_RENT_NOT_NOTIFIED"}


def test_utilities_change_needs_a_notification():
    row = lease(1)
    changed = dict(row, water_payment="aconto_boligorganisation", drainage_payment="aconto_boligorganisation")
    cols = ("heating_payment", "water_payment", "drainage_payment")
    note = notification(changed, "utilities_changed", {c: row[c] for c in cols}, {c: changed[c] for c in cols})
    assert codes_of(assess([row], [changed], [note])) == set()
    result = assess([row], [changed])
    assert codes_of(result) == {"DQ_RECON_UTILITIES_NOT_NOTIFIED"}
    assert "water_payment i_husleje -> aconto_boligorganisation" in result.findings.iloc[0].detail


def test_lease_end_change_needs_a_notification():
    rows = base_rows(2)
    ended = dict(rows[1], lease_end="2027-01-31")
    result = assess(rows, [rows[0], ended])
    assert codes_of(result) == {"DQ_RECON_LEASE_END_NOT_NOTIFIED", "DQ_LEASE_END_UNCONFIRMED"}


def test_notification_must_show_up_in_the_snapshot():
    row = lease(1)
    raised = _rent(row, 670_000)
    note = rent_notification(row, raised)
    result = assess([row], [row], [note])  # notified, but the snapshot still has the old rent
    assert codes_of(result) == {"DQ_RECON_NOTIFICATION_NOT_IN_SNAPSHOT"}
    detail = result.findings.iloc[0].detail
    assert detail.startswith(f"rent_changed notification {note['event_id']} (registered 2026-10-20): ")
    assert "rent_monthly 6700.00 notified, the snapshot has 6500.00" in detail


def test_latest_notification_decides_and_duplicates_are_harmless():
    row = lease(1)
    first = _rent(row, 660_000, eff="2026-11-01")
    second = _rent(row, 670_000, eff="2026-12-01")
    n1 = rent_notification(row, first, registered_at="2026-10-20T10:00:00+02:00")
    n2 = rent_notification(first, second, registered_at="2026-11-02T10:00:00+01:00")
    assert codes_of(assess([row], [second], [n2, n1, n2])) == set()  # out of order, delivered twice


def test_earlier_notification_already_in_the_previous_snapshot_is_satisfied():
    before = lease(1, rent_monthly_ore=640_000, rent_effective_from="2025-01-01")
    row = lease(1)
    old_note = rent_notification(before, row, registered_at="2026-10-15T09:00:00+02:00")
    assert codes_of(assess([row], [row], [old_note])) == set()


def test_reopened_lease_with_its_notification():
    ended = dict(lease(1), lease_end="2026-10-31")
    reopened = lease(1)
    result = assess([ended], [reopened], [end_notification(ended, reopened)])
    assert codes_of(result) == {"DQ_LEASE_REOPENED"}  # notified: no reconciliation finding


def test_notification_for_an_unknown_lease():
    rows = base_rows(1)
    stranger = lease(7, org_id="900", unit_id="900-001-0001")
    note = rent_notification(stranger, _rent(stranger, 700_000))
    result = assess(rows, rows, [note])
    assert codes_of(result) == {"DQ_RECON_NOTIFICATION_UNKNOWN_LEASE"}
    finding = result.findings.iloc[0]
    assert finding.holds == "none" and finding.org_id == "900" and finding.lease_id == "LM00000007"


def test_notification_for_a_vanished_lease():
    rows = base_rows(2)
    raised = _rent(rows[1], 670_000)
    result = assess(rows, rows[:1], [rent_notification(rows[1], raised)])
    assert codes_of(result, "LM00000002") == {"DQ_LEASE_VANISHED", "DQ_RECON_NOTIFICATION_NOT_IN_SNAPSHOT"}
    assert "the lease is missing from the snapshot" in set(result.findings.detail.str.split(": ").str[-1])


def test_without_previous_snapshot_only_the_snapshot_itself_is_checked():
    rows = base_rows(3)
    bad = [dict(rows[0], lease_end="2014-01-01"), *rows[1:]]
    for previous in (None, snapshot([], PREVIOUS)):
        result = assess_register(snapshot(bad), previous, bbr_for(bad), None)
        assert codes_of(result) == {"DQ_END_BEFORE_START"}
        assert result.previous_snapshot_date is None
        assert set(result.flags) == {"delivery", "organisation", "lease", "reconciliation"}
        assert result.flags["reconciliation"].empty


# --- catalogue and thresholds ----------------------------------------------------------------


def test_catalogue():
    assert len(CHECKS) == len(set(CHECKS))
    for code, check in CHECKS.items():
        assert check.code == code and code.startswith("DQ_")
        assert check.description and check.reason
        if check.threshold:
            assert hasattr(QualityThresholds(), check.threshold)
    assert codes("delivery") == ["DQ_DELIVERY_CONTRACT", "DQ_SNAPSHOT_SHRANK", "DQ_LEASE_ID_NOT_UNIQUE"]
    assert {CHECKS[c].holds for c in codes("delivery")} == {"month"}
    assert {CHECKS[c].holds for c in codes("organisation")} == {"organisation"}
    assert {CHECKS[c].holds for c in codes("lease")} <= {"lease", "none"}


def test_thresholds_defaults_and_validation():
    t = QualityThresholds()
    defaults = (t.snapshot_shrink, t.organisation_drop, t.rent_down, t.rent_up, t.area_tolerance)
    assert defaults == (0.02, 0.20, 0.30, 0.50, 0.10)
    assert dataclasses.is_dataclass(t)
    with pytest.raises(dataclasses.FrozenInstanceError):
        t.rent_down = 0.5  # type: ignore[misc]
    for bad in ({"rent_down": 1.0}, {"snapshot_shrink": -0.1}, {"rent_up": -1}, {"cutoff_day": 31},
                {"late_registration_days": -1}):
        with pytest.raises(ValueError):
            QualityThresholds(**bad)
    assert QualityThresholds(rent_down=0.4).as_dict()["rent_down"] == 0.4


def test_snapshot_shrink_and_organisation_drop_are_configurable():
    a, b = _org("200", 10, 1), _org("300", 10, 100)
    current = a + b[:7]
    strict = assess(a + b, current)
    assert strict.month_held and strict.held_organisations() == ["300"]
    lenient = assess(a + b, current, thresholds=QualityThresholds(snapshot_shrink=0.2, organisation_drop=0.4))
    assert not lenient.month_held and lenient.held_organisations() == []


def test_quality_package_does_not_import_dagster():
    import subprocess
    import sys

    code = "import sys, boligstoette.quality; print('dagster' in sys.modules, 'great_expectations' in sys.modules)"
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout.split()
    assert out == ["False", "False"]


def test_empty_snapshot():
    rows = base_rows(5)
    after = assess_register(snapshot([]), snapshot(rows, PREVIOUS), None, None)
    assert after.month_held and "DQ_SNAPSHOT_SHRANK" in codes_of(after)
    assert after.snapshot_date == pd.Timestamp(PREVIOUS)  # dated by the previous snapshot
    alone = assess_register(snapshot([]), None, None, None)
    assert alone.findings.empty and alone.snapshot_date is None
