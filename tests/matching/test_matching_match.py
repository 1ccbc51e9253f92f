"""match_tenants on hand-made deliveries: each level, each hold reason, members, vetoes, ended leases."""

from __future__ import annotations

import json

import pandas as pd
import pytest
from matching_kit import BAD_CPR, CPR, MONTH, OTHER_CPR, assert_no_cpr, one, queue, run

from boligstoette.matching import MATCH_COLUMNS, QUEUE_COLUMNS, codes


def test_output_shape(kit):
    r = run(kit, [{"tenant_cpr": CPR}])
    assert tuple(r.matches.columns) == MATCH_COLUMNS
    assert tuple(r.review_queue.columns) == QUEUE_COLUMNS
    assert r.matches["score"].dtype == "int64" and r.matches["payable"].dtype == bool


# --- the three levels ---------------------------------------------------------------------------


def test_cpr_level(kit):
    r = run(kit, [{"tenant_cpr": CPR, "tenant_name": "Someone Else Entirely"},  # CPR wins whatever the name
                  {"lease_id": "LM2", "unit_id": "100-001-0002", "address": "Birkevej 1, 1. tv"}])
    m = one(r)
    assert (m.lease_id, m.match_level, m.score, m.payable) == ("LM1", "cpr", 100, True)
    assert pd.isna(m.hold_reason) and m.unit_id == "100-001-0001" and m.org_id == "100"
    assert m.matched_via == "applicant" and m.lease_in_force and not m.resolved
    assert r.review_queue.empty


def test_birth_date_name_level_with_misspelt_name(kit):
    r = run(kit, [{"tenant_name": "Søren Møller-Hansen", "tenant_birth_date": "1980-01-01"}],
            apps=[{"applicant_name": "Soeren Moeller Hansen"}], members=[{"name": "Soeren Moeller Hansen"}])
    m = one(r)
    assert (m.lease_id, m.match_level, m.payable) == ("LM1", "birth_date_name", True)
    assert m.score == 100


def test_birth_date_name_level_works_without_a_named_unit(kit):
    r = run(kit, [{"tenant_name": "Jens Hansen", "tenant_birth_date": "1980-01-01"}],
            apps=[{"unit_id": "", "org_id": "", "address": "BIRKEVEJ 1, st. tv."}])
    assert (one(r).match_level, one(r).payable) == ("birth_date_name", True)


def test_birth_date_from_the_applicant_member_row(kit):
    """The lease's birth date is compared with the applicant's member row, not guessed."""
    r = run(kit, [{"tenant_birth_date": "1980-01-02"}])  # one day off
    assert one(r).match_level != "birth_date_name"


def test_birth_date_name_namesake_elsewhere_loses_to_the_dwelling(kit):
    r = run(kit, [
        {"lease_id": "LM9", "unit_id": "200-001-0001", "org_id": "200", "postal_code": "9000", "address": "Havnegade 2",
         "tenant_birth_date": "1980-01-01"},
        {"tenant_birth_date": "1980-01-01"},
    ])
    m = one(r)
    assert (m.lease_id, m.match_level, m.payable) == ("LM1", "birth_date_name", True)


def test_birth_date_name_found_nationally_is_listed_as_candidate(kit):
    """Not settled at the dwelling (the named unit's lease has another tenant): the national birth-date
    block finds the applicant twice elsewhere; both are plausible, so the case is ambiguous."""
    r = run(kit, [
        {"lease_id": "LM9", "unit_id": "200-001-0001", "postal_code": "9000", "address": "Havnegade 2",
         "tenant_birth_date": "1980-01-01"},
        {"lease_id": "LM8", "unit_id": "300-001-0001", "postal_code": "5000", "address": "Torvet 1",
         "tenant_birth_date": "1980-01-01", "tenant_name": "Jens Peter Hansen"},
        {"tenant_name": "Ole Olsen"},
    ])
    m = one(r)
    assert m.match_level == "birth_date_name" and m.hold_reason == codes.MATCH_AMBIGUOUS
    listed = {c["lease_id"]: c for c in json.loads(m.candidates)}
    assert set(listed) | {m.lease_id} == {"LM1", "LM8", "LM9"}
    assert listed.get("LM1", {"level": "none"})["level"] == "none"


def test_name_only_level_is_held(kit):
    r = run(kit, [{"tenant_name": "Jens Hansen"}])  # no CPR, no birth date on the lease
    m = one(r)
    assert (m.lease_id, m.match_level, m.payable, m.hold_reason) == ("LM1", "name_only", False, codes.MATCH_NAME_ONLY)
    q = queue(r)
    assert q.reason_code == codes.MATCH_NAME_ONLY and q.candidate_lease_ids == "LM1"
    assert "name alone" in q.detail and "Jens" not in q.detail


def test_name_only_at_the_address_when_no_unit_is_named(kit):
    r = run(kit, [{"tenant_name": "Jens Hansen"}], apps=[{"unit_id": "", "org_id": "", "address": "Birkevej 1, st tv"}])
    assert one(r).match_level == "name_only"


def test_no_match(kit):
    r = run(kit, [{"tenant_name": "Peter Nielsen", "tenant_cpr": OTHER_CPR, "tenant_birth_date": "1975-02-02"}])
    m = one(r)
    assert m.match_level == "none" and pd.isna(m.lease_id) and not m.payable and m.hold_reason == codes.MATCH_NONE
    assert m.score < 70
    assert [c["lease_id"] for c in json.loads(m.candidates)] == ["LM1"]  # looked at, at the dwelling
    q = queue(r)
    assert q.reason_code == codes.MATCH_NONE and q.candidate_lease_ids == "LM1"


def test_clearly_different_name_at_the_dwelling_is_no_match(kit):
    r = run(kit, [{"tenant_name": "Jens Jensen"}])
    assert one(r).match_level == "none"


# --- vetoes and register errors -------------------------------------------------------------------


def test_a_different_valid_cpr_vetoes_birth_date_and_name(kit):
    r = run(kit, [{"tenant_cpr": "010180-4567", "tenant_birth_date": "1980-01-01"}])  # another man born that day
    assert one(r).match_level == "none"


def test_a_broken_cpr_does_not_veto(kit):
    r = run(kit, [{"tenant_cpr": BAD_CPR, "tenant_birth_date": "1980-01-01"}])
    assert (one(r).match_level, one(r).payable) == ("birth_date_name", True)


def test_cpr_disagreeing_with_the_registered_birth_date_does_not_veto(kit):
    r = run(kit, [{"tenant_cpr": "050180-1235", "tenant_birth_date": "1980-01-01"}])
    assert (one(r).match_level, one(r).payable) == ("birth_date_name", True)


def test_conflicting_birth_date_blocks_name_only(kit):
    r = run(kit, [{"tenant_birth_date": "1990-05-05"}])
    assert one(r).match_level == "none"


# --- doubt is held ---------------------------------------------------------------------------------


def test_two_leases_with_the_applicants_cpr_are_ambiguous(kit):
    r = run(kit, [{"tenant_cpr": CPR}, {"lease_id": "LM2", "tenant_cpr": CPR, "lease_start": "2026-11-01"}])
    m = one(r)
    assert (m.match_level, m.payable, m.hold_reason) == ("cpr", False, codes.MATCH_AMBIGUOUS)
    assert set(queue(r).candidate_lease_ids.split(";")) == {"LM1", "LM2"}


def test_two_leases_with_birth_date_and_name_at_the_dwelling_are_ambiguous(kit):
    r = run(kit, [{"tenant_birth_date": "1980-01-01"}, {"lease_id": "LM2", "tenant_birth_date": "1980-01-01"}])
    assert one(r).hold_reason == codes.MATCH_AMBIGUOUS


def test_identity_elsewhere_and_a_name_at_the_dwelling_are_ambiguous(kit):
    r = run(kit, [
        {"lease_id": "LM9", "unit_id": "200-001-0001", "postal_code": "9000", "address": "Havnegade 2",
         "tenant_birth_date": "1980-01-01"},
        {"tenant_name": "Jens Hansen"},  # no birth date, no CPR
    ])
    m = one(r)
    assert m.hold_reason == codes.MATCH_AMBIGUOUS and not m.payable
    assert set(queue(r).candidate_lease_ids.split(";")) == {"LM1", "LM9"}


def test_identity_at_another_address_is_held(kit):
    r = run(kit, [{"tenant_cpr": CPR, "unit_id": "200-001-0001", "postal_code": "9000", "address": "Havnegade 2"}])
    m = one(r)
    assert (m.lease_id, m.match_level, m.hold_reason, m.payable) == ("LM1", "cpr", codes.MATCH_ADDRESS_DIFFERS, False)
    assert "9000" in queue(r).detail


def test_identity_in_the_same_postal_code_is_paid(kit):
    r = run(kit, [{"tenant_cpr": CPR, "unit_id": "100-002-0001", "address": "Egevej 4"}])
    assert (one(r).match_level, one(r).payable) == ("cpr", True)


def test_tenant_written_over_the_lease_current_tenant_applies(kit):
    """The applicant is the tenant now registered; the previous snapshot had another name and start."""
    r = run(kit, [{"tenant_cpr": CPR, "lease_start": "2026-11-01"}],
            previous_rows=[{"tenant_cpr": OTHER_CPR, "tenant_name": "Peter Nielsen", "lease_start": "2004-03-01"}])
    m = one(r)
    assert (m.lease_id, m.match_level, m.payable, m.hold_reason) == ("LM1", "cpr", False, codes.TENANT_CHANGED_ON_LEASE)
    q = queue(r)
    assert "2004-03-01 -> 2026-11-01" in q.detail and "Peter" not in q.detail


def test_tenant_written_over_the_lease_previous_tenant_applies(kit):
    """The applicant was the tenant in the previous snapshot; someone else is on the lease now."""
    r = run(kit, [{"tenant_cpr": OTHER_CPR, "tenant_name": "Peter Nielsen", "tenant_birth_date": "1975-02-02",
                   "lease_start": "2026-11-01"}],
            previous_rows=[{"tenant_cpr": CPR, "tenant_birth_date": "1980-01-01", "lease_start": "2004-03-01"}])
    m = one(r)
    assert (m.lease_id, m.payable, m.hold_reason) == ("LM1", False, codes.TENANT_CHANGED_ON_LEASE)
    assert m.match_level == "cpr"  # how the applicant was found in the previous snapshot
    assert "previous snapshot" in queue(r).detail


def test_lease_start_changed_alone_is_a_tenant_change(kit):
    r = run(kit, [{"tenant_cpr": CPR, "lease_start": "2026-10-20"}], previous_rows=[{"tenant_cpr": CPR}])
    assert one(r).hold_reason == codes.TENANT_CHANGED_ON_LEASE


def test_a_name_spelt_differently_between_snapshots_is_no_tenant_change(kit):
    r = run(kit, [{"tenant_cpr": CPR, "tenant_name": "JENS HANSEN"}], previous_rows=[{"tenant_cpr": CPR}])
    assert (one(r).payable, one(r).hold_reason is None or pd.isna(one(r).hold_reason)) == (True, True)


def test_rent_change_is_no_tenant_change(kit):
    r = run(kit, [{"tenant_cpr": CPR, "rent_monthly": "5100.00"}], previous_rows=[{"tenant_cpr": CPR}])
    assert one(r).payable


def test_a_lease_missing_from_the_current_snapshot_is_named(kit):
    r = run(kit, [{"lease_id": "LM5", "unit_id": "300-001-0001", "address": "Vej 3", "postal_code": "5000"}],
            previous_rows=[{"tenant_cpr": CPR}])
    assert one(r).hold_reason == codes.MATCH_NONE
    q = queue(r)
    assert "LM1" in q.detail and q.candidate_lease_ids == "LM1"


# --- household members ----------------------------------------------------------------------------


def test_lease_in_the_spouses_name_at_the_dwelling(kit):
    r = run(kit, [{"tenant_cpr": OTHER_CPR, "tenant_name": "Mette Hansen"}],
            members=[{}, {"cpr": OTHER_CPR, "name": "Mette Hansen", "birth_date": "1975-02-02", "role": "aegtefaelle"}])
    m = one(r)
    assert (m.lease_id, m.match_level, m.matched_via, m.payable) == ("LM1", "cpr", "member", True)


def test_a_members_lease_elsewhere_is_not_the_households(kit):
    elsewhere = {"tenant_cpr": OTHER_CPR, "unit_id": "200-001-0001", "postal_code": "9000", "address": "Havnegade 2"}
    r = run(kit, [elsewhere],
            members=[{}, {"cpr": OTHER_CPR, "name": "Mette Hansen", "birth_date": "1975-02-02", "role": "samlever"}])
    assert one(r).match_level == "none"


def test_a_member_who_left_does_not_count(kit):
    r = run(kit, [{"tenant_cpr": OTHER_CPR, "tenant_name": "Mette Hansen"}],
            members=[{}, {"cpr": OTHER_CPR, "name": "Mette Hansen", "birth_date": "1975-02-02", "role": "aegtefaelle",
                          "member_to": "2026-10-31"}])
    assert one(r).match_level == "none"


# --- leases not in force --------------------------------------------------------------------------


def test_ended_lease_is_found_but_not_payable(kit):
    r = run(kit, [{"tenant_cpr": CPR, "lease_end": "2026-11-30"}])
    m = one(r)
    assert (m.lease_id, m.match_level, m.lease_in_force, m.payable) == ("LM1", "cpr", False, False)
    assert pd.isna(m.hold_reason) and r.review_queue.empty  # eligibility says LEASE_ENDED


def test_lease_ending_within_the_month_is_in_force(kit):
    r = run(kit, [{"tenant_cpr": CPR, "lease_end": "2026-12-01"}])
    assert one(r).payable


def test_the_lease_in_force_wins_over_an_ended_one(kit):
    r = run(kit, [
        {"lease_id": "LM0", "tenant_cpr": CPR, "lease_start": "2010-01-01", "lease_end": "2014-12-31"},
        {"tenant_cpr": CPR, "lease_start": "2015-01-01"},
    ])
    m = one(r)
    assert (m.lease_id, m.payable) == ("LM1", True)
    assert json.loads(m.candidates)[0]["lease_id"] == "LM0"


def test_in_force_at_a_lower_level_wins_over_an_ended_cpr_lease(kit):
    r = run(kit, [
        {"lease_id": "LM0", "unit_id": "200-001-0001", "postal_code": "9000", "address": "Havnegade 2",
         "tenant_cpr": CPR, "lease_end": "2026-10-31"},
        {"tenant_birth_date": "1980-01-01"},
    ])
    assert (one(r).lease_id, one(r).match_level, one(r).payable) == ("LM1", "birth_date_name", True)


# --- many cases at once ---------------------------------------------------------------------------


def test_cases_are_independent(kit):
    r = run(kit, [
        {"tenant_cpr": CPR},
        {"lease_id": "LM2", "unit_id": "100-001-0002", "address": "Birkevej 1, 1. tv", "tenant_name": "Åse Kjær",
         "tenant_birth_date": "1950-06-30"},
    ], apps=[{}, {"case_id": "C2", "applicant_cpr": "300650-2222", "applicant_name": "Aase Kjaer",
                  "unit_id": "100-001-0002", "address": "Birkevej 1, 1. tv"}],
        members=[{}, {"case_id": "C2", "cpr": "300650-2222", "name": "Aase Kjaer", "birth_date": "1950-06-30"}])
    assert one(r, "C1").lease_id == "LM1" and one(r, "C2").lease_id == "LM2"
    assert one(r, "C2").match_level == "birth_date_name"
    assert list(r.matches["case_id"]) == ["C1", "C2"]


def test_no_cpr_in_any_text_output(kit):
    r = run(kit, [{"tenant_cpr": CPR, "lease_start": "2026-11-01"},
                  {"lease_id": "LM2", "tenant_cpr": OTHER_CPR},
                  {"lease_id": "LM3", "tenant_cpr": BAD_CPR, "unit_id": "100-001-0003"}],
            previous_rows=[{"tenant_cpr": OTHER_CPR}],
            apps=[{}, {"case_id": "C2", "applicant_cpr": "020275-2468"}],
            members=[{}, {"case_id": "C2", "cpr": "020275-2468", "birth_date": "1975-02-02"}],
            resolutions=[{"case_id": "C2", "lease_id": "LM2"}])
    assert not r.review_queue.empty
    assert_no_cpr([CPR, OTHER_CPR, BAD_CPR], r.matches, r.review_queue, r.resolution_status)


@pytest.mark.parametrize("month", ["2026-12", "2027-01"])
def test_month_decides_what_is_in_force(kit, month):
    r = run(kit, [{"tenant_cpr": CPR, "lease_end": "2026-12-31"}], month=month)
    assert one(r).payable == (month == "2026-12")


def test_birth_date_from_the_cpr_when_the_applicant_row_is_missing(kit):
    r = run(kit, [{"tenant_birth_date": "1980-01-01"}],
            members=[{"cpr": OTHER_CPR, "name": "Mette Hansen", "birth_date": "1975-02-02", "role": "aegtefaelle"}])
    assert (one(r).match_level, one(r).payable) == ("birth_date_name", True)


def test_empty_inputs(kit):
    from boligstoette import contracts
    from boligstoette.eligibility import assess_eligibility
    from boligstoette.matching import match_tenants

    apps, members = kit.applications(), kit.members()
    empty_reg = contracts.empty_frame(contracts.REGISTER)
    r = match_tenants(apps, members, empty_reg, empty_reg, month=MONTH)
    assert list(r.matches["hold_reason"]) == [codes.MATCH_NONE] and len(r.review_queue) == 1
    assert not assess_eligibility(r.matches, apps, members, empty_reg, MONTH)["eligible"].any()
    none = match_tenants(contracts.empty_frame(contracts.APPLICATIONS),
                         contracts.empty_frame(contracts.HOUSEHOLD_MEMBERS), kit.register({}), None, month=MONTH)
    assert none.matches.empty and none.review_queue.empty and tuple(none.matches.columns) == MATCH_COLUMNS
