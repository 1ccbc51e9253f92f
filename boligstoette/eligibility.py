"""Who gets which benefit, from when, and whether a case is eligible in a benefit month.

`assess_eligibility(matches, applications, members, register, month)` gives one row per case:

| column | meaning |
|---|---|
| case_id, lease_id | the case and the lease matching found (NaN when none) |
| benefit | `boligydelse` or `boligsikring` (below) |
| loan | the benefit is paid as a loan: the dwelling is an andelsbolig (RULES § 1.1, § 1.3; § 31) |
| first_benefit_date | the day from which the benefit runs (RULES § 7.1, § 12.9) |
| first_benefit_month | its month, YYYY-MM |
| eligible | the case may be paid for the month |
| reason_codes | `;`-joined stable codes (boligstoette.codes), empty when eligible |

The benefit is `boligydelse` when a member in force receives folkepension or førtidspension awarded
before 2003, else `boligsikring` (RULES § 1.2; contracts/calc.md).

Ages are completed years on the first day of the benefit month; members in force are those with
member_from <= that day and member_to empty or >= that day. Decisions where RULES.md is silent are
listed in docs/matching.md ("Eligibility").

Pure pandas/numpy; no Dagster.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

from boligstoette import codes
from boligstoette.months import first_timestamp

PENSIONER_PENSIONS = ("folkepension", "foertidspension_foer_2003")  # boligydelse (RULES § 1.2)
CONSENT_AGE = 15  # "over 15": aged 15 or more (fyldt 15), not the applicant's own children
JOINT_LIABILITY_AGE = 18  # "over 18": aged 18 or more (fyldt 18)
CHILD_ROLE = "barn"
APPLICANT_ROLE = "ansoeger"

ELIGIBILITY_COLUMNS = (
    "case_id", "lease_id", "benefit", "loan", "first_benefit_date", "first_benefit_month", "eligible", "reason_codes",
)


def _age_on(birth: pd.Series, day: pd.Series | pd.Timestamp) -> np.ndarray:
    """Completed years on `day` (one day, or one per member; NaN birth -> -1)."""
    b = pd.to_datetime(birth)
    d = pd.Series(pd.to_datetime(day), index=b.index) if isinstance(day, pd.Series) else None
    year, month, dom = (d.dt.year, d.dt.month, d.dt.day) if d is not None else (day.year, day.month, day.day)
    years = year - b.dt.year
    before = (b.dt.month > month) | ((b.dt.month == month) & (b.dt.day > dom))
    return (years - before.astype("Int64")).fillna(-1).astype(np.int64).to_numpy()


def members_in_force(members: pd.DataFrame, month: str, days: pd.Series | None = None) -> pd.DataFrame:
    """The members in force on each case's reference day of `month`, with `age` on that day: the
    first day of the month, or the case's day in `days` (case_id -> Timestamp), which is its first
    benefit day when the benefit starts within the month (moved in on the 25th: the household that
    moved in)."""
    first = first_timestamp(month)
    day = pd.Series(first, index=members.index)
    if days is not None and len(days):
        day = pd.Series(pd.to_datetime(days).reindex(members["case_id"]).to_numpy(), index=members.index).fillna(first)
    day = pd.to_datetime(day)
    mf, mt = pd.to_datetime(members["member_from"]), pd.to_datetime(members["member_to"])
    ok = (mf <= day) & (mt.isna() | (mt >= day))
    out = members[ok.to_numpy()].copy()
    out["age"] = _age_on(out["birth_date"], day[ok.to_numpy()])
    return out


def reference_days(first_benefit_date: pd.Series, month: str) -> pd.Series:
    """Per case, the day of `month` its household and rent are taken on: the first day of the month,
    or the first benefit day when the benefit starts later in the month (RULES § 7.1)."""
    first = first_timestamp(month)
    return pd.to_datetime(first_benefit_date).where(lambda d: d > first, first)


def first_benefit(applications: pd.DataFrame) -> pd.DataFrame:
    """case_id, first_benefit_date, first_benefit_month (RULES § 7.1 / § 12.9).

    Applied within one month of moving in (received_date <= move_in_date + 1 calendar month, which
    includes applications received before the move) -> from the moving-in day; otherwise from the
    first of the month after the application was received.
    """
    received = pd.to_datetime(applications["received_date"])
    move_in = pd.to_datetime(applications["move_in_date"])
    within = move_in.notna() & (received <= move_in + pd.DateOffset(months=1))
    next_month = (received + pd.offsets.MonthBegin(1)).dt.normalize()
    start = move_in.where(within, next_month).astype("datetime64[us]")
    return pd.DataFrame({
        "case_id": applications["case_id"].astype("str").to_numpy(),
        "first_benefit_date": start.to_numpy(),
        "first_benefit_month": pd.Series(start.dt.strftime("%Y-%m").to_numpy(), dtype="str"),
    })


def assess_eligibility(
    matches: pd.DataFrame,
    applications: pd.DataFrame,
    members: pd.DataFrame,
    register: pd.DataFrame,
    month: str,
    starts: pd.Series | None = None,
    ended: pd.Index | None = None,
) -> pd.DataFrame:
    """One row per case of `applications` (ELIGIBILITY_COLUMNS); see the module docstring. Under the
    three-month rule (RULES § 12.12), `ended` are the cases it ended and `starts` (case_id -> day) the
    first benefit day of a timely reapplication."""
    first = first_timestamp(month)
    last = first + pd.offsets.MonthEnd(0)
    apps = applications.drop_duplicates("case_id", keep="last").reset_index(drop=True)
    case_id = apps["case_id"].astype("str")
    case_index = pd.Index(case_id.to_numpy(dtype=object))
    reasons: dict[str, np.ndarray] = {code: np.zeros(len(apps), bool) for code in codes.ELIGIBILITY_ORDER}
    fb = first_benefit(apps)
    if starts is not None and len(starts):
        start = fb["case_id"].map(starts)
        fb["first_benefit_date"] = pd.to_datetime(start).fillna(fb["first_benefit_date"]).astype("datetime64[us]")
        fb["first_benefit_month"] = fb["first_benefit_date"].dt.strftime("%Y-%m").astype("str")
    days = reference_days(pd.Series(fb["first_benefit_date"].to_numpy(), index=case_index), month)
    household = _household_in_force(members, month, case_index, days)
    pensioner = _pensioner(household)
    _household_reasons(household, reasons)
    reasons[codes.NOT_YET_STARTED] = (fb["first_benefit_date"] > last).to_numpy()
    if ended is not None:
        reasons[codes.CASE_ENDED_INCOME] = case_index.isin(ended)
    lease_id, payable = _match_reasons(matches, case_index, reasons)
    lease, found = _matched_leases(register, lease_id)
    _lease_period_reasons(lease, found, first, last, reasons)
    andel = _owner_reasons(lease, found, household, pensioner, reasons)
    _kitchen_reasons(lease, found, reasons)
    any_reason, reason_codes = _reason_text(reasons, len(apps))
    return pd.DataFrame({
        "case_id": case_id.to_numpy(),
        "lease_id": pd.Series(lease_id, dtype="str"),
        "benefit": pd.Series(np.where(pensioner, "boligydelse", "boligsikring"), dtype="str"),
        "loan": andel & ~reasons[codes.NOT_TENANT_OR_PENSIONER_OWNER],
        "first_benefit_date": fb["first_benefit_date"].to_numpy(),
        "first_benefit_month": fb["first_benefit_month"].to_numpy(),
        "eligible": ~any_reason & payable,
        "reason_codes": pd.Series(reason_codes, dtype="str"),
    })


@dataclass
class _Household:
    """The members in force of the cases: `mem` (with `age`) and `case`, each member's case row."""

    mem: pd.DataFrame
    case: np.ndarray
    n: int  # the number of cases

    def any(self, mask: np.ndarray) -> np.ndarray:
        """Per case: does any of its members in force satisfy `mask` (one value per member)."""
        out = np.zeros(self.n, bool)
        out[self.case[mask]] = True
        return out


def _household_in_force(members: pd.DataFrame, month: str, case_index: pd.Index, days: pd.Series) -> _Household:
    mem = members_in_force(members, month, days[~days.index.duplicated()])
    mci = case_index.get_indexer(mem["case_id"].to_numpy(dtype=object))
    return _Household(mem[mci >= 0], mci[mci >= 0], len(case_index))


def _pensioner(household: _Household) -> np.ndarray:
    """A member in force receives a pension that gives boligydelse (RULES § 1.2)."""
    return household.any(np.isin(household.mem["pension"].to_numpy(dtype=object), PENSIONER_PENSIONS))


def _household_reasons(household: _Household, reasons: dict[str, np.ndarray]) -> None:
    """The applicant lives in the household; adult members consented and signed."""
    mem = household.mem
    role = mem["role"].to_numpy(dtype=object)
    reasons[codes.APPLICANT_NOT_IN_HOUSEHOLD] = ~household.any(role == APPLICANT_ROLE)
    age = mem["age"].to_numpy()
    consent = mem["income_consent"].fillna(False).to_numpy(dtype=bool)
    joint = mem["joint_liability_signed"].fillna(False).to_numpy(dtype=bool)
    not_applicant = role != APPLICANT_ROLE
    must_consent = not_applicant & (role != CHILD_ROLE) & (age >= CONSENT_AGE)
    reasons[codes.INCOME_CONSENT_MISSING] = household.any(must_consent & ~consent)
    reasons[codes.JOINT_LIABILITY_MISSING] = household.any(not_applicant & (age >= JOINT_LIABILITY_AGE) & ~joint)


def _match_reasons(matches: pd.DataFrame, case_index: pd.Index,
                   reasons: dict[str, np.ndarray]) -> tuple[np.ndarray, np.ndarray]:
    """Each case's matched lease_id and payable flag; a hold of matching is a reason here too."""
    m = matches.drop_duplicates("case_id", keep="last")
    at = pd.Index(m["case_id"].to_numpy(dtype=object)).get_indexer(case_index)
    lease_id = _pick(m, at, "lease_id", None)
    payable = _pick(m, at, "payable", False).astype(bool)
    hold = _pick(m, at, "hold_reason", None)
    for code in codes.MATCH_HOLD_CODES:
        reasons[code] = ~payable & (hold == code)
    reasons[codes.MATCH_NONE] |= pd.isna(lease_id) & ~payable  # a missing match row is no match
    return lease_id, payable


def _pick(m: pd.DataFrame, at: np.ndarray, column: str, missing):
    """m[column] per case (`at`: the case's row of m, -1 when it has none, which gives `missing`)."""
    values = m[column].to_numpy(dtype=object, na_value=None)
    return np.where(at >= 0, values[np.maximum(at, 0)] if len(values) else missing, missing)


def _matched_leases(register: pd.DataFrame, lease_id: np.ndarray) -> tuple[pd.DataFrame, np.ndarray]:
    """The register row of each case's lease (one row per case), and whether the register has it."""
    cols = ["lease_id", "lease_start", "lease_end", "tenure", "accessible", "own_kitchen", "student_dorm"]
    reg = register[cols].drop_duplicates("lease_id", keep="first")
    where = pd.Index(reg["lease_id"].to_numpy(dtype=object)).get_indexer(lease_id)
    found = where >= 0
    reg = reg.iloc[np.maximum(where, 0)].reset_index(drop=True) if len(reg) else reg.reindex(range(len(lease_id)))
    return reg, found


def _lease_period_reasons(lease: pd.DataFrame, found: np.ndarray, first: pd.Timestamp, last: pd.Timestamp,
                          reasons: dict[str, np.ndarray]) -> None:
    """The lease has ended before, or starts after, the benefit month."""
    start = pd.to_datetime(lease["lease_start"])
    end = pd.to_datetime(lease["lease_end"])
    reasons[codes.LEASE_ENDED] = found & (end < first).to_numpy()
    reasons[codes.LEASE_NOT_STARTED] = found & (start > last).to_numpy()


def _owner_reasons(lease: pd.DataFrame, found: np.ndarray, household: _Household, pensioner: np.ndarray,
                   reasons: dict[str, np.ndarray]) -> np.ndarray:
    """An andelshaver gets benefit (as a loan) only as a pensioner or under § 2 a; returns who is one."""
    andel = found & (lease["tenure"].to_numpy(dtype=object) == "andelshaver")
    # § 2 a (RULES § 1.3): a non-pensioner owner/andelshaver may get boligsikring as a loan when a member
    # receives førtidspension awarded from 2003, or is severely mobility impaired in a suitable dwelling
    accessible = lease["accessible"].fillna(False).to_numpy(dtype=bool)
    mem = household.mem
    fp_after_2003 = household.any(mem["pension"].to_numpy(dtype=object) == "foertidspension_efter_2003")
    mobility = household.any(mem["mobility_impaired"].fillna(False).to_numpy(dtype=bool)) & accessible
    reasons[codes.NOT_TENANT_OR_PENSIONER_OWNER] = andel & ~pensioner & ~fp_after_2003 & ~mobility
    return andel


def _kitchen_reasons(lease: pd.DataFrame, found: np.ndarray, reasons: dict[str, np.ndarray]) -> None:
    """The dwelling has no kitchen of its own (a student dorm's is a reason of its own)."""
    kitchen = lease["own_kitchen"].fillna(True).to_numpy(dtype=bool)
    dorm = lease["student_dorm"].fillna(False).to_numpy(dtype=bool)
    reasons[codes.STUDENT_DORM_NO_KITCHEN] = found & ~kitchen & dorm
    reasons[codes.NO_OWN_KITCHEN] = found & ~kitchen & ~dorm


def _reason_text(reasons: dict[str, np.ndarray], n: int) -> tuple[np.ndarray, np.ndarray]:
    """(any reason, the ';'-joined codes in ELIGIBILITY_ORDER) per case."""
    any_reason = np.zeros(n, bool)
    text = np.full(n, "", dtype=object)
    for code in codes.ELIGIBILITY_ORDER:
        hit = reasons[code]
        text = np.where(hit, np.where(any_reason, text + ";" + code, code), text)
        any_reason |= hit
    return any_reason, text
