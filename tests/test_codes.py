"""One registry of every reason code: described, with a consequence, documented, and what the
payout step reads to decide held or no payout."""

from pathlib import Path

import pandas as pd

from boligstoette import codes
from boligstoette.quality import CHECKS

DOC = Path(__file__).resolve().parents[1] / "docs" / "reason_codes.md"


def test_every_code_of_every_stage_is_registered_once_with_a_consequence():
    case_codes = (*codes.ELIGIBILITY_ORDER, *codes.COMPUTATION_CODES, codes.DUPLICATE_CASE_ON_LEASE,
                  *codes.NOTHING_DUE_CODES)
    assert set(codes.REASONS) == set(case_codes) | set(CHECKS)
    assert len(codes.REASONS) == len(case_codes) + len(CHECKS)
    for reason in codes.REASONS.values():
        assert reason.consequence in (codes.HELD, codes.NO_PAYOUT, codes.MONTH_STOPPED, codes.REPORTED)
        assert reason.meaning and reason.action


def test_consequences_follow_the_rules_of_each_stage():
    got = codes.consequence(pd.Series([
        "MATCH_NAME_ONLY", "INCOME_CONSENT_MISSING", "RENT_NOT_KNOWN", "LEASE_ENDED", "NO_OWN_KITCHEN",
        "DQ_SNAPSHOT_SHRANK", "DQ_ORG_ACTIVE_LEASES_DROPPED", "DQ_RENT_JUMP", "DQ_LEASE_END_UNCONFIRMED", "NOT_A_CODE",
    ])).tolist()
    assert got[:-1] == ["held", "held", "held", "no_payout", "no_payout",
                        "month_stopped", "held", "held", "reported"]
    assert pd.isna(got[-1])


def test_the_reason_codes_page_is_generated_from_the_registry():
    assert codes.reasons_table() in DOC.read_text(encoding="utf-8"), \
        "regenerate docs/reason_codes.md: python -m boligstoette.codes"
