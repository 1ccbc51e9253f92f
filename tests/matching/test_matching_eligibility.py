"""assess_eligibility: which benefit, from when, and each condition as a stable reason code."""

from __future__ import annotations

import pandas as pd
import pytest
from matching_kit import CPR, MONTH, OTHER_CPR

from boligstoette import codes
from boligstoette.eligibility import ELIGIBILITY_COLUMNS, assess_eligibility, first_benefit
from boligstoette.matching import match_tenants

LEASE = {"tenant_cpr": CPR}
SPOUSE = {"cpr": OTHER_CPR, "name": "Mette Hansen", "birth_date": "1975-02-02", "role": "aegtefaelle"}


def assess(kit, lease=None, apps=None, members=None, month=MONTH, resolutions=None):
    reg = kit.register(lease or LEASE)
    a = kit.applications(*(apps or [{}]))
    m = kit.members(*(members or [{}]))
    res = kit.resolutions(*resolutions) if resolutions else None
    matches = match_tenants(a, m, reg, None, res, month=month).matches
    out = assess_eligibility(matches, a, m, reg, month)
    assert tuple(out.columns) == ELIGIBILITY_COLUMNS
    return out.iloc[0]


def reasons(row) -> list[str]:
    return [c for c in row.reason_codes.split(";") if c]


def test_plain_tenant_is_eligible(kit):
    row = assess(kit)
    assert row.eligible and row.reason_codes == "" and row.benefit == "boligsikring" and not row.loan
    assert row.lease_id == "LM1"


# --- benefit ---------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("pension", "benefit"),
    [("folkepension", "boligydelse"), ("foertidspension_foer_2003", "boligydelse"),
     ("foertidspension_efter_2003", "boligsikring"), ("seniorpension", "boligsikring"), ("ingen", "boligsikring")],
)
def test_benefit_follows_the_pension_of_a_member(kit, pension, benefit):
    assert assess(kit, members=[{}, {**SPOUSE, "pension": pension}]).benefit == benefit


def test_pension_of_a_member_no_longer_in_the_household_does_not_count(kit):
    row = assess(kit, members=[{}, {**SPOUSE, "pension": "folkepension", "member_to": "2026-11-30"}])
    assert row.benefit == "boligsikring"


# --- tenure ------------------------------------------------------------------------------------------


def test_andelshaver_who_is_no_pensioner_gets_nothing(kit):
    row = assess(kit, lease={**LEASE, "tenure": "andelshaver"})
    assert not row.eligible and reasons(row) == [codes.NOT_TENANT_OR_PENSIONER_OWNER]


def test_pensioner_andelshaver_gets_boligydelse_as_a_loan(kit):
    row = assess(kit, lease={**LEASE, "tenure": "andelshaver"}, members=[{"pension": "folkepension"}])
    assert row.eligible and row.benefit == "boligydelse" and row.loan


def test_andelshaver_with_foertidspension_from_2003_gets_boligsikring_as_a_loan(kit):
    row = assess(kit, lease={**LEASE, "tenure": "andelshaver"}, members=[{"pension": "foertidspension_efter_2003"}])
    assert row.eligible and row.benefit == "boligsikring" and row.loan


def test_andelshaver_mobility_impaired_needs_a_suitable_dwelling(kit):
    member = [{"mobility_impaired": "true"}]
    assert not assess(kit, lease={**LEASE, "tenure": "andelshaver"}, members=member).eligible
    assert assess(kit, lease={**LEASE, "tenure": "andelshaver", "accessible": "true"}, members=member).eligible


# --- dwelling -------------------------------------------------------------------------------------


def test_no_own_kitchen(kit):
    row = assess(kit, lease={**LEASE, "own_kitchen": "false"})
    assert reasons(row) == [codes.NO_OWN_KITCHEN]


def test_student_dorm_without_kitchen(kit):
    row = assess(kit, lease={**LEASE, "own_kitchen": "false", "student_dorm": "true"})
    assert reasons(row) == [codes.STUDENT_DORM_NO_KITCHEN]


def test_student_dorm_with_kitchen_is_fine(kit):
    assert assess(kit, lease={**LEASE, "student_dorm": "true"}).eligible


# --- household consent and signatures --------------------------------------------------------------


def _other(age_on_first_day: int, **extra) -> dict:
    """A member who turns `age_on_first_day` exactly on 2026-12-01."""
    return {"cpr": "011210-4444", "name": "Ib Hansen", "birth_date": f"{2026 - age_on_first_day}-12-01",
            "role": "anden", "income_consent": "false", "joint_liability_signed": "false", **extra}


def test_income_consent_from_15(kit):
    assert reasons(assess(kit, members=[{}, _other(15)])) == [codes.INCOME_CONSENT_MISSING]
    assert assess(kit, members=[{}, _other(15, income_consent="true")]).eligible


def test_income_consent_not_needed_at_14_on_the_first_day(kit):
    member = _other(15, birth_date="2011-12-02")  # turns 15 on the 2nd: still 14 on the 1st
    assert assess(kit, members=[{}, member]).eligible


def test_children_need_no_income_consent(kit):
    assert assess(kit, members=[{}, _other(16, role="barn")]).eligible


def test_joint_liability_from_18(kit):
    row = assess(kit, members=[{}, _other(18, income_consent="true")])
    assert reasons(row) == [codes.JOINT_LIABILITY_MISSING]
    adult_child = _other(18, role="barn")  # no consent needed, but the signature is
    assert reasons(assess(kit, members=[{}, adult_child])) == [codes.JOINT_LIABILITY_MISSING]
    assert assess(kit, members=[{}, _other(17, income_consent="true")]).eligible


def test_missing_values_count_as_not_given(kit):
    row = assess(kit, members=[{}, {**SPOUSE, "income_consent": "", "joint_liability_signed": ""}])
    assert reasons(row) == [codes.INCOME_CONSENT_MISSING, codes.JOINT_LIABILITY_MISSING]


def test_member_who_left_needs_nothing(kit):
    assert assess(kit, members=[{}, _other(40, member_to="2026-11-30")]).eligible


def test_applicant_must_be_in_the_household(kit):
    row = assess(kit, members=[{"member_from": "2027-01-01"}])
    assert codes.APPLICANT_NOT_IN_HOUSEHOLD in reasons(row)


# --- first benefit month ---------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("received", "move_in", "first"),
    [
        ("2026-10-20", "2026-10-15", "2026-10-15"),  # within a month of moving in: from the moving-in day
        ("2026-11-15", "2026-10-15", "2026-10-15"),  # exactly one month after: still within
        ("2026-11-16", "2026-10-15", "2026-12-01"),  # later: from the month after receipt
        ("2026-10-01", "2026-10-15", "2026-10-15"),  # applied before moving in
        ("2026-02-28", "2026-01-31", "2026-01-31"),  # one month after 31 January is 28 February
        ("2026-03-01", "2026-01-31", "2026-04-01"),
        ("2026-11-18", "", "2026-12-01"),  # no move: the month after receipt
        ("2026-12-31", "", "2027-01-01"),
    ],
)
def test_first_benefit_date(kit, received, move_in, first):
    out = first_benefit(kit.applications({"received_date": received, "move_in_date": move_in}))
    assert out["first_benefit_date"].iloc[0] == pd.Timestamp(first)
    assert out["first_benefit_month"].iloc[0] == first[:7]


def test_not_yet_started(kit):
    app = {"received_date": "2026-12-05"}
    row = assess(kit, apps=[app])
    assert row.first_benefit_month == "2027-01" and reasons(row) == [codes.NOT_YET_STARTED]
    assert assess(kit, apps=[app], month="2027-01").eligible


def test_moving_in_mid_month_is_eligible_that_month(kit):
    row = assess(kit, lease={**LEASE, "lease_start": "2026-12-10"},
                 apps=[{"received_date": "2026-12-01", "move_in_date": "2026-12-10"}],
                 members=[{"member_from": "2026-12-01"}])
    assert row.eligible and row.first_benefit_month == "2026-12"


# --- the lease and the match ------------------------------------------------------------------------


def test_lease_ended(kit):
    row = assess(kit, lease={**LEASE, "lease_end": "2026-11-30"})
    assert reasons(row) == [codes.LEASE_ENDED]


def test_lease_not_started(kit):
    row = assess(kit, lease={**LEASE, "lease_start": "2027-01-01"})
    assert reasons(row) == [codes.LEASE_NOT_STARTED]


def test_match_hold_is_carried(kit):
    row = assess(kit, lease={"tenant_name": "Jens Hansen"})  # name only
    assert not row.eligible and reasons(row) == [codes.MATCH_NAME_ONLY]
    row = assess(kit, lease={"tenant_name": "Ole Olsen"})
    assert reasons(row) == [codes.MATCH_NONE] and pd.isna(row.lease_id)


def test_confirmed_match_is_eligible(kit):
    row = assess(kit, lease={"tenant_name": "Jens Hansen"}, resolutions=[{}])
    assert row.eligible


def test_several_reasons_in_a_stable_order(kit):
    row = assess(kit, lease={"tenant_name": "Jens Hansen", "tenure": "andelshaver", "own_kitchen": "false"},
                 apps=[{"received_date": "2026-12-05"}], members=[{}, _other(30)])
    assert row.reason_codes == ";".join([
        codes.MATCH_NAME_ONLY, codes.NOT_YET_STARTED, codes.NOT_TENANT_OR_PENSIONER_OWNER, codes.NO_OWN_KITCHEN,
        codes.INCOME_CONSENT_MISSING, codes.JOINT_LIABILITY_MISSING,
    ])


def test_a_case_without_a_match_row_is_not_eligible(kit):
    reg, a, m = kit.register(LEASE), kit.applications(), kit.members()
    empty = match_tenants(a, m, reg, None, month=MONTH).matches.iloc[0:0]
    row = assess_eligibility(empty, a, m, reg, MONTH).iloc[0]
    assert not row.eligible and codes.MATCH_NONE in row.reason_codes
