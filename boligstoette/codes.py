"""Every reason code of the product, in one registry: what it means, what a person does about
it, and its consequence for the money.

A case that is not paid this month carries one reason code (out/holds/YYYY-MM.csv `reason_code`,
`provisional_allowances.reason_code`). The codes come from matching (who the tenant is),
eligibility (whether the household may have benefit), the computation (whether the month can be
computed) and the register data-quality checks (`DQ_*`, catalogued with their scope in
`boligstoette/quality/checks.py` and registered here with the consequence their scope gives).

Consequences:
- `held`: the case waits for a case worker or a corrected register delivery; the missed months are
  paid once it is cleared.
- `no_payout`: the household has no benefit this month; nothing is owed later.
- `month_stopped`: the register delivery itself is rejected; no payout for anyone this month.
- `reported`: the finding goes on the organisation's error list; the money is not affected.

The codes are part of the product's interface: never rename one; add new ones at the end.
`docs/reason_codes.md` is generated from this registry (`python -m boligstoette.codes`).
"""

from dataclasses import dataclass

import pandas as pd

from boligstoette.quality.checks import CHECKS

HELD, NO_PAYOUT, MONTH_STOPPED, REPORTED = "held", "no_payout", "month_stopped", "reported"

# --- match holds: the case is on the review queue and not paid until a resolution applies ---------
MATCH_NONE = "MATCH_NONE"
MATCH_AMBIGUOUS = "MATCH_AMBIGUOUS"
MATCH_NAME_ONLY = "MATCH_NAME_ONLY"
MATCH_ADDRESS_DIFFERS = "MATCH_ADDRESS_DIFFERS"
TENANT_CHANGED_ON_LEASE = "TENANT_CHANGED_ON_LEASE"

# priority when more than one applies to a case: the first listed is the one reported
MATCH_HOLD_CODES = (TENANT_CHANGED_ON_LEASE, MATCH_AMBIGUOUS, MATCH_ADDRESS_DIFFERS, MATCH_NAME_ONLY, MATCH_NONE)

# --- eligibility ----------------------------------------------------------------------------------
NOT_TENANT_OR_PENSIONER_OWNER = "NOT_TENANT_OR_PENSIONER_OWNER"
NO_OWN_KITCHEN = "NO_OWN_KITCHEN"
STUDENT_DORM_NO_KITCHEN = "STUDENT_DORM_NO_KITCHEN"
INCOME_CONSENT_MISSING = "INCOME_CONSENT_MISSING"
JOINT_LIABILITY_MISSING = "JOINT_LIABILITY_MISSING"
NOT_YET_STARTED = "NOT_YET_STARTED"
LEASE_ENDED = "LEASE_ENDED"
LEASE_NOT_STARTED = "LEASE_NOT_STARTED"
APPLICANT_NOT_IN_HOUSEHOLD = "APPLICANT_NOT_IN_HOUSEHOLD"

# --- computation: the month cannot be computed from what the register and the case say ----------
RENT_NOT_KNOWN = "RENT_NOT_KNOWN"
NO_MEMBERS_IN_FORCE = "NO_MEMBERS_IN_FORCE"
CALC_INPUT_REJECTED = "CALC_INPUT_REJECTED"
COMPUTATION_CODES = (RENT_NOT_KNOWN, NO_MEMBERS_IN_FORCE, CALC_INPUT_REJECTED)

# --- payment: a second case for what is already paid ----------------------------------------------
DUPLICATE_CASE_ON_LEASE = "DUPLICATE_CASE_ON_LEASE"

# --- the case's timeline: why a computed period has nothing due, and the three-month rule ---------
NO_BENEFIT_INCOME = "NO_BENEFIT_INCOME"
NO_BENEFIT_RENT_ZERO = "NO_BENEFIT_RENT_ZERO"
NO_BENEFIT_HOUSEHOLD_CHANGED = "NO_BENEFIT_HOUSEHOLD_CHANGED"
CASE_ENDED_INCOME = "CASE_ENDED_INCOME"
NOTHING_DUE_CODES = (NO_BENEFIT_INCOME, NO_BENEFIT_RENT_ZERO, NO_BENEFIT_HOUSEHOLD_CHANGED)

# the order reason codes appear in `reason_codes` (';'-joined)
ELIGIBILITY_ORDER = (
    *MATCH_HOLD_CODES,
    CASE_ENDED_INCOME,
    LEASE_ENDED,
    LEASE_NOT_STARTED,
    NOT_YET_STARTED,
    NOT_TENANT_OR_PENSIONER_OWNER,
    STUDENT_DORM_NO_KITCHEN,
    NO_OWN_KITCHEN,
    APPLICANT_NOT_IN_HOUSEHOLD,
    INCOME_CONSENT_MISSING,
    JOINT_LIABILITY_MISSING,
)

# code -> (meaning, what a case worker does); rendered in docs/matching.md
DESCRIPTIONS: dict[str, tuple[str, str]] = {
    MATCH_NONE: (
        "No lease in force for the month carries the applicant's CPR number, or the applicant's birth "
        "date with a matching name, or a matching name at the applied-for dwelling.",
        "Find the lease (misspelt name, name change, missing register row) and confirm it, or ask the "
        "housing organisation to register the tenant.",
    ),
    MATCH_AMBIGUOUS: (
        "More than one lease in force matches equally well (same level, both at the applied-for dwelling "
        "or both elsewhere).",
        "Confirm the right lease; reject the others.",
    ),
    MATCH_NAME_ONLY: (
        "The lease was found by name alone at the applied-for dwelling: the lease has no CPR number "
        "and no usable birth date for the tenant (RULES § 12.4: name alone risks the wrong person).",
        "Check the tenant's identity with the housing organisation; confirm or reject.",
    ),
    MATCH_ADDRESS_DIFFERS: (
        "The applicant was identified (CPR, or birth date and name) on a lease that is neither the unit "
        "named in the application nor in its postal code.",
        "Check whether the applicant has moved or applied for the wrong dwelling; confirm or reject.",
    ),
    TENANT_CHANGED_ON_LEASE: (
        "The matched lease's tenant name or lease start changed since the previous register snapshot "
        "without a new lease_id: a new tenant may have been written over the lease (RULES § 12.3). Also "
        "raised when the applicant was the tenant in the previous snapshot and someone else is now.",
        "Ask the housing organisation; have them end the old lease and create a new one. Confirm only if "
        "the change was a correction of the same tenancy.",
    ),
    NOT_TENANT_OR_PENSIONER_OWNER: (
        "The dwelling is an andelsbolig and no member in force is a pensioner (folkepension or "
        "førtidspension awarded before 2003) or falls under the § 2 a exception (RULES § 1.1, 1.3).",
        "Reject the application, or correct the pension data if it is wrong.",
    ),
    NO_OWN_KITCHEN: (
        "The register says the dwelling has no kitchen used only by the household (RULES § 1.5).",
        "Check with the housing organisation whether an exception applies (ældrebolig, kap. 4 a "
        "bofællesskab); the register cannot say so.",
    ),
    STUDENT_DORM_NO_KITCHEN: (
        "A student dorm room (kollegieværelse) without its own kitchen; no source confirms an exception "
        "(RULES § 1.5), so it is not eligible.",
        "Nothing unless the kitchen data is wrong; the rule may change if a source confirms an exception.",
    ),
    INCOME_CONSENT_MISSING: (
        "A household member in force aged 15 or more who is not the applicant's child has not consented "
        "to the income look-up (RULES § 1.4, § 12.9).",
        "Ask the member for consent.",
    ),
    JOINT_LIABILITY_MISSING: (
        "A household member in force aged 18 or more (other than the applicant) has not signed joint "
        "liability for repayment (RULES § 1.4, § 12.9).",
        "Ask the member to sign.",
    ),
    NOT_YET_STARTED: (
        "The benefit month is before the first benefit month of the application (RULES § 7.1, § 12.9).",
        "Nothing: the case becomes eligible from its first benefit month.",
    ),
    LEASE_ENDED: (
        "The matched lease ended before the first day of the benefit month.",
        "If the end is a register error (RULES § 12.3), ask the organisation to reopen the lease; if the "
        "household moved, stop the case or wait for the new lease.",
    ),
    LEASE_NOT_STARTED: (
        "The matched lease starts after the last day of the benefit month.",
        "Nothing: the case is looked at again next month.",
    ),
    APPLICANT_NOT_IN_HOUSEHOLD: (
        "The case has no applicant (role ansoeger) member in force on the first day of the month.",
        "Correct the household member list.",
    ),
    RENT_NOT_KNOWN: (
        "The registered rent starts after the first day of the month and no earlier rent is known, so "
        "the rent in force cannot be told (RULES § 9-10).",
        "Ask the housing organisation for the rent in force on the first day of the month.",
    ),
    NO_MEMBERS_IN_FORCE: (
        "No household member is registered for the first day of the month, so the household cannot be "
        "computed.",
        "Correct the household member list.",
    ),
    CALC_INPUT_REJECTED: (
        "The case's values passed the delivery contracts, but the benefit calculation cannot take them "
        "(the detail names the value); only this case waits, the rest of the month is paid.",
        "Check the register and case data named in the detail with the housing organisation.",
    ),
    DUPLICATE_CASE_ON_LEASE: (
        "Another case is paid for the same lease and month (a second application, or a case id changed "
        "between deliveries); a lease has one benefit a month, so this case is not paid as well.",
        "Merge the two cases or close the one that should not exist.",
    ),
    NO_BENEFIT_INCOME: (
        "The period was computed and the household's income leaves no benefit (the ledger's reason for a "
        "period decided at 0 kr). Three such months in a row end the case (RULES § 12.12).",
        "Nothing; the lookback corrects the period if the final income turns out lower.",
    ),
    NO_BENEFIT_RENT_ZERO: (
        "The period was computed with a rent of 0 kr (a free-rent month, or temporary rehousing paid by an "
        "insurer): 0 kr for that month, benefit again from the next, and the month does not count toward "
        "the three-month rule (RULES § 8.2, § 12.6).",
        "Nothing.",
    ),
    NO_BENEFIT_HOUSEHOLD_CHANGED: (
        "The period was computed at 0 kr after the household changed since the period before; it does not "
        "count toward the three-month rule (RULES § 12.12).",
        "Nothing.",
    ),
    CASE_ENDED_INCOME: (
        "Three months in a row without payment because of income ended the case (RULES § 12.12); a letter "
        "was sent. An application received before the end of the month after the third month gives benefit "
        "from the start of that month.",
        "Nothing unless the household applies again.",
    ),
}

# Eligibility failures a case worker can clear (the case waits); the other eligibility codes are no
# benefit at all.
_HELD_CASE_CODES = (*MATCH_HOLD_CODES, INCOME_CONSENT_MISSING, JOINT_LIABILITY_MISSING, APPLICANT_NOT_IN_HOUSEHOLD,
                    *COMPUTATION_CODES, DUPLICATE_CASE_ON_LEASE)
_SCOPE_CONSEQUENCE = {"month": MONTH_STOPPED, "organisation": HELD, "lease": HELD, "none": REPORTED}


@dataclass(frozen=True)
class Reason:
    code: str
    source: str  # matching, eligibility, computation, payment, timeline, register
    consequence: str  # HELD, NO_PAYOUT, MONTH_STOPPED or REPORTED
    meaning: str
    action: str


def _case_reason(code: str) -> Reason:
    source = ("matching" if code in MATCH_HOLD_CODES else "computation" if code in COMPUTATION_CODES
              else "payment" if code == DUPLICATE_CASE_ON_LEASE
              else "timeline" if code in (*NOTHING_DUE_CODES, CASE_ENDED_INCOME) else "eligibility")
    meaning, action = DESCRIPTIONS[code]
    return Reason(code, source, HELD if code in _HELD_CASE_CODES else NO_PAYOUT, meaning, action)


REASONS: dict[str, Reason] = {
    **{code: _case_reason(code) for code in DESCRIPTIONS},
    **{c.code: Reason(c.code, "register", _SCOPE_CONSEQUENCE[c.holds], c.description,
                      "The housing organisation corrects the register (it is on their error list).")
       for c in CHECKS.values()},
}
"""Every reason code by code: matching, eligibility and computation first, then the register checks."""


def consequence(reason_codes: pd.Series) -> pd.Series:
    """The consequence of each reason code (NaN for an unknown or empty code)."""
    return reason_codes.map({code: r.consequence for code, r in REASONS.items()})


def meaning(reason_codes: pd.Series) -> pd.Series:
    """What each reason code means, for the holds file and the allowance rows ('' when unknown)."""
    return reason_codes.map({code: r.meaning for code, r in REASONS.items()}).fillna("")


def reasons_table() -> str:
    """docs/reason_codes.md's table (generated from the registry, never hand-edited)."""
    lines = ["| code | source | consequence | meaning | what to do |", "|---|---|---|---|---|"]
    lines += [f"| `{r.code}` | {r.source} | {r.consequence} | {r.meaning} | {r.action} |" for r in REASONS.values()]
    return "\n".join(lines)


if __name__ == "__main__":
    print(reasons_table())
