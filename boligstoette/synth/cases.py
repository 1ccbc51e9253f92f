"""Open benefit cases: one applicant per case, the tenant of a lease running in the T-1 snapshot,
and the household members (spouse or cohabitant, children, occasionally someone else)."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from boligstoette.synth import fmt
from boligstoette.synth.config import Calendar, SynthConfig
from boligstoette.synth.people import People
from boligstoette.synth.register import Register

ROLES = ("ansoeger", "aegtefaelle", "samlever", "barn", "anden")
APPLICANT, SPOUSE, COHABITANT, CHILD, OTHER = range(5)
PENSIONS = ("ingen", "folkepension", "foertidspension_foer_2003", "foertidspension_efter_2003", "seniorpension")
NO_PENSION, FOLKEPENSION, FP_BEFORE_2003, FP_AFTER_2003, SENIORPENSION = range(5)


@dataclass
class Cases:
    lease: np.ndarray  # lease index of each case
    case_id: np.ndarray
    received: np.ndarray
    move_in: np.ndarray
    payee_applicant: np.ndarray
    urgent: np.ndarray
    named: np.ndarray  # org_id/unit_id filled in
    # household members, ordered by case then role
    m_case: np.ndarray
    m_person: np.ndarray
    m_role: np.ndarray
    m_consent: np.ndarray  # int8: 1 true, 0 false, -1 missing
    m_joint: np.ndarray
    m_pension: np.ndarray
    m_mobility: np.ndarray
    m_rtc: np.ndarray
    m_from: np.ndarray
    m_to: np.ndarray
    m_birth: np.ndarray
    applicant_name: np.ndarray | None = None
    name_variant: np.ndarray | None = None

    def case_of_lease(self, n_leases: int) -> np.ndarray:
        out = np.full(n_leases, -1, np.int64)
        out[self.lease] = np.arange(len(self.lease))
        return out


def _pensions(rng: np.random.Generator, birth: np.ndarray, on: np.datetime64) -> np.ndarray:
    age = fmt.age_years(birth, on)
    year = fmt.ymd(birth)[0]
    u = rng.random(len(birth))
    before_2003_possible = year <= 1984
    p = np.full(len(birth), NO_PENSION)
    old = age >= 67
    p = np.where(old & (u < 0.97), FOLKEPENSION, p)
    senior_age = (age >= 60) & (age < 67)
    p = np.where(senior_age & (u < 0.06), SENIORPENSION, p)
    fp_early = np.where(before_2003_possible, FP_BEFORE_2003, FP_AFTER_2003)  # the pre-2003 scheme where possible
    p = np.where(senior_age & (u >= 0.06) & (u < 0.17), fp_early, p)
    p = np.where(senior_age & (u >= 0.17) & (u < 0.29), FP_AFTER_2003, p)
    mid = (age >= 40) & (age < 60)
    p = np.where(mid & (u < 0.07), fp_early, p)
    p = np.where(mid & (u >= 0.07) & (u < 0.19), FP_AFTER_2003, p)
    young = (age >= 18) & (age < 40)
    p = np.where(young & (u < 0.05), FP_AFTER_2003, p)
    return p


def _opt_bool(rng: np.random.Generator, n: int, p_missing: float = 0.02, p_false: float = 0.01) -> np.ndarray:
    u = rng.random(n)
    return np.where(u < p_missing, -1, np.where(u < p_missing + p_false, 0, 1)).astype(np.int8)


@dataclass
class _Members:
    """Household members of some role(s), before all members are put in order."""

    case: np.ndarray
    person: np.ndarray
    role: np.ndarray
    birth: np.ndarray


def build_cases(cfg: SynthConfig, cal: Calendar, rng: np.random.Generator, reg: Register, people: People) -> Cases:
    # The stages draw from the one stream `rng` in this fixed order; reordering them changes the sample.
    cd = cal.cases_date
    chosen = _choose_leases(cfg, cal, rng, reg)
    chosen, received, move_in, recent = _case_dates(rng, reg, cd, chosen)
    n = len(chosen)
    case_id = np.strings.add("BS", np.strings.zfill(np.arange(1, n + 1).astype(str), 8))
    andel = reg.dept_tenure[reg.unit_dept[reg.l_unit[chosen]]] == 1
    payee_applicant = andel | (rng.random(n) < 0.12)
    urgent = rng.random(n) < np.where(recent, 0.08, 0.015)
    named = rng.random(n) < 0.85

    app = _Members(np.arange(n), reg.l_tenant[chosen], np.full(n, APPLICANT), reg.l_birth[chosen])
    app_age = fmt.age_years(app.birth, cd)
    has_spouse, n_kids, adult_kid, has_other = _household_types(rng, app_age, reg.dorm[reg.l_unit[chosen]])
    partners = _partners(rng, people, cd, app, app_age, has_spouse)
    children = _children(rng, people, cd, app, app_age, n_kids, adult_kid)
    others = _others(rng, people, cd, has_other)
    m = _in_order(app, partners, children, others)

    m_age = fmt.age_years(m.birth, cd)
    adult = m_age >= 18
    pension = np.where(adult, _pensions(rng, m.birth, cd), NO_PENSION)
    consent = _opt_bool(rng, len(m.case))
    consent = np.where(m.role == APPLICANT, 1, np.where((m.role == CHILD) | (m_age <= 15), -1, consent)).astype(np.int8)
    joint = _opt_bool(rng, len(m.case))
    joint = np.where(m.role == APPLICANT, 1, np.where(~adult, -1, joint)).astype(np.int8)
    mobility, rtc = _care_needs(rng, m, app_age)
    m_from, m_to = _membership(rng, cd, m, reg.l_start[chosen][m.case])

    return Cases(
        lease=chosen, case_id=case_id, received=received, move_in=move_in, payee_applicant=payee_applicant,
        urgent=urgent, named=named, m_case=m.case, m_person=m.person, m_role=m.role, m_consent=consent,
        m_joint=joint, m_pension=pension, m_mobility=mobility, m_rtc=rtc, m_from=m_from, m_to=m_to, m_birth=m.birth,
    )


def _choose_leases(cfg: SynthConfig, cal: Calendar, rng: np.random.Generator, reg: Register) -> np.ndarray:
    """The leases that have an open case: running in the T-1 snapshot, weighted, stratified on age."""
    S = cal.snaps
    cd = cal.cases_date
    lu = reg.l_unit
    running = reg.present[2] & (reg.gen >= 1) & (reg.gen <= 2) & (reg.l_start < S[2])
    running &= np.isnat(reg.endvis[2]) | (reg.endvis[2] >= cd)
    cand = np.flatnonzero(running)
    age = fmt.age_years(reg.l_birth[cand], cd)
    andel = reg.dept_tenure[reg.unit_dept[lu[cand]]] == 1
    w = np.ones(len(cand))
    w = np.where(~np.isnat(reg.endvis[2, cand]), w * 0.3, w)  # moving out soon
    w = np.where(andel, np.where(age >= 67, w * 0.5, w * 0.03), w)  # owners: pensioners only, as loans
    n = min(cfg.params.cases, int(0.8 * len(cand)))
    keys = np.log(rng.random(len(cand))) / w  # weighted sampling without replacement (Efraimidis-Spirakis)
    # stratified on age so that about 35 % of cases are boligydelse at any scale: ~31 % folkepension
    # households plus the foertidspension-before-2003 ones among the younger
    old = age >= 67
    n_old = min(int(old.sum()), int(round(0.31 * n)))
    n_young = min(int((~old).sum()), n - n_old)
    picked = []
    for stratum, k in ((np.flatnonzero(old), n_old), (np.flatnonzero(~old), n_young)):
        if k > 0:
            picked.append(stratum[np.argpartition(-keys[stratum], k - 1)[:k]])
    return np.sort(cand[np.concatenate(picked)]) if picked else np.zeros(0, np.int64)


def _case_dates(rng: np.random.Generator, reg: Register, cd: np.datetime64,
                chosen: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """When each case was received and the move-in date it states; returns the cases in the order
    received, with those dates and whether the lease is recent."""
    n = len(chosen)
    start = reg.l_start[chosen]
    recent = start > cd - np.timedelta64(365, "D")
    # open cases were mostly received within the last twelve years (a few long-running ones before)
    horizon = fmt.add_years(np.full(n, cd), -np.where(rng.random(n) < 0.9, rng.integers(6, 17, n), 25))
    near = (rng.random(n) < 0.3) & (start >= horizon)
    quick = rng.random(n) < 0.6
    recv_recent = start + np.where(quick, rng.integers(-20, 31, n), rng.integers(31, 201, n)).astype("timedelta64[D]")
    recv_near = start + rng.integers(-14, 31, n).astype("timedelta64[D]")
    recv_any = fmt.uniform_dates(rng, np.maximum(start + np.timedelta64(31, "D"), horizon), np.full(n, cd - fmt.DAY))
    received = np.where(recent, recv_recent, np.where(near, recv_near, recv_any))
    received = np.minimum(received, cd - fmt.DAY)
    move_in = np.where(recent | (near & (rng.random(n) < 0.85)), start, fmt.NAT)
    order = np.lexsort((chosen, received))
    return chosen[order], received[order], move_in[order], recent[order]


def _household_types(rng: np.random.Generator, app_age: np.ndarray,
                     dorm: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """Per case: a spouse or cohabitant?, how many children under 18, an adult child?, someone else?"""
    n = len(app_age)
    # household type: 0 single, 1 couple, 2 single parent, 3 couple with children
    probs = np.where((app_age >= 67)[:, None], [0.65, 0.35, 0.0, 0.0],
                     np.where((app_age < 30)[:, None], [0.60, 0.20, 0.10, 0.10], [0.40, 0.17, 0.20, 0.23]))
    probs = np.where(((app_age > 58) & (app_age < 67))[:, None], [0.55, 0.35, 0.05, 0.05], probs)
    probs = np.where(dorm[:, None], [0.95, 0.05, 0.0, 0.0], probs)
    htype = (rng.random(n)[:, None] > np.cumsum(probs, axis=1)).sum(axis=1)
    htype = np.minimum(htype, 3)
    has_spouse = (htype == 1) | (htype == 3)
    n_kids = np.where(htype >= 2, rng.choice(np.arange(1, 6), n, p=[0.45, 0.35, 0.14, 0.04, 0.02]), 0)
    adult_kid = (htype >= 2) & (app_age >= 38) & (rng.random(n) < 0.08)
    has_other = rng.random(n) < 0.03
    return has_spouse, n_kids, adult_kid, has_other


def _partners(rng: np.random.Generator, people: People, cd: np.datetime64, app: _Members, app_age: np.ndarray,
              has_spouse: np.ndarray) -> _Members:
    """Spouses and cohabitants, near the applicant's age and mostly of the other sex."""
    sp = np.flatnonzero(has_spouse)
    app_male = people.male_of(app.person)
    app_last = people.last_of(app.person)
    sp_birth = app.birth[sp] + (rng.normal(0, 4, len(sp)) * 365.25).astype(np.int64).astype("timedelta64[D]")
    sp_age = (cd - sp_birth).astype(np.int64) / 365.25
    sp_age = np.where(sp_age > 97, rng.uniform(80, 97, len(sp)),
                      np.where(sp_age < 18.1, rng.uniform(18.1, 24, len(sp)), sp_age))
    sp_birth = cd - (sp_age * 365.25).astype(np.int64).astype("timedelta64[D]")
    sp_role = np.where(rng.random(len(sp)) < np.where(app_age[sp] >= 67, 0.85, 0.6), SPOUSE, COHABITANT)
    share_name = rng.random(len(sp)) < np.where(sp_role == SPOUSE, 0.5, 0.1)
    sp_male = np.where(rng.random(len(sp)) < 0.95, ~app_male[sp], app_male[sp])
    sp_person = people.add(sp_birth, sp_male, np.where(share_name, app_last[sp], ""))
    return _Members(sp, sp_person, sp_role, sp_birth)


def _children(rng: np.random.Generator, people: People, cd: np.datetime64, app: _Members, app_age: np.ndarray,
              n_kids: np.ndarray, adult_kid: np.ndarray) -> _Members:
    """Children under 18 (some turning 18 soon), then adult children still at home; all take the
    applicant's surname."""
    kc = np.repeat(np.arange(len(n_kids)), n_kids)
    max_age = np.clip(app_age[kc] - 18, 0.1, 17.95)
    kid_age = rng.uniform(0, 1, len(kc)) * max_age
    kid_birth = cd - (kid_age * 365.25).astype(np.int64).astype("timedelta64[D]") - fmt.DAY
    soon = (rng.random(len(kc)) < 0.08) & (app_age[kc] >= 36)
    turning = fmt.add_years(np.full(len(kc), cd), -18) + rng.integers(1, 121, len(kc)).astype("timedelta64[D]")
    kid_birth = np.where(soon, turning, kid_birth)
    ac = np.flatnonzero(adult_kid)
    ac_birth = cd - (rng.uniform(18.05, 23.5, len(ac)) * 365.25).astype(np.int64).astype("timedelta64[D]")
    child_case = np.concatenate([kc, ac])
    child_birth = np.concatenate([kid_birth, ac_birth])
    child_last = people.last_of(app.person)[child_case]
    child_person = people.add(child_birth, None, child_last, other=np.zeros(len(child_case), bool))
    return _Members(child_case, child_person, np.full(len(child_case), CHILD), child_birth)


def _others(rng: np.random.Generator, people: People, cd: np.datetime64, has_other: np.ndarray) -> _Members:
    """Someone else living in the household."""
    ot = np.flatnonzero(has_other)
    ot_birth = cd - (rng.uniform(18.5, 80, len(ot)) * 365.25).astype(np.int64).astype("timedelta64[D]")
    return _Members(ot, people.add(ot_birth), np.full(len(ot), OTHER), ot_birth)


def _in_order(*groups: _Members) -> _Members:
    """All members, by case, then role (applicant, partner, children, others), then birth date."""
    m_case = np.concatenate([g.case for g in groups])
    m_person = np.concatenate([g.person for g in groups])
    m_role = np.concatenate([g.role for g in groups])
    m_birth = np.concatenate([g.birth for g in groups])
    rank = np.where(m_role == OTHER, 3, np.where(m_role == CHILD, 2, np.where(m_role == APPLICANT, 0, 1)))
    order = np.lexsort((m_birth, rank, m_case))
    return _Members(m_case[order], m_person[order], m_role[order], m_birth[order])


def _care_needs(rng: np.random.Generator, m: _Members, app_age: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Applicants who are mobility impaired, and some of those who need round-the-clock help."""
    n, nm = len(app_age), len(m.case)
    mobility = np.zeros(nm, bool)
    mob_cases = rng.random(n) < np.where(app_age >= 67, 0.03, 0.01)
    mobility[(m.role == APPLICANT) & mob_cases[m.case]] = True
    rtc = np.zeros(nm, bool)
    rtc_cases = mob_cases & (rng.random(n) < 0.15)
    rtc[(m.role == APPLICANT) & rtc_cases[m.case]] = True
    return mobility, rtc


def _membership(rng: np.random.Generator, cd: np.datetime64, m: _Members,
                lease_start: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Since when each member belongs to the household, and until when for the few who left."""
    nm = len(m.case)
    later = fmt.uniform_dates(rng, lease_start + fmt.DAY, np.full(nm, cd - fmt.DAY))
    m_from = np.where(m.role == APPLICANT, lease_start,
                      np.where(m.role == CHILD, np.maximum(m.birth, lease_start),
                               np.where(m.role == OTHER, later,
                                        np.where(rng.random(nm) < 0.85, lease_start, later))))
    leaves = ((m.role == SPOUSE) | (m.role == COHABITANT) | (m.role == OTHER)) & (rng.random(nm) < 0.02)
    leaves &= m_from + np.timedelta64(40, "D") < cd
    m_to = np.where(leaves, fmt.uniform_dates(rng, m_from + np.timedelta64(30, "D"), np.full(nm, cd - fmt.DAY)),
                    fmt.NAT)
    return m_from, m_to


def apply_misspellings(cfg: SynthConfig, rng: np.random.Generator, cases: Cases, people: People) -> None:
    """Applicant names: as registered for the tenant, or spelled differently for a share of cases."""
    from boligstoette.synth import names

    person = cases.m_person[cases.m_role == APPLICANT]  # one applicant per case, in case order
    n = len(person)
    names_out = people.full_name[person].astype(object)
    variant = np.full(n, "none", dtype=object)
    k = int(round(cfg.misspell_rate * n))
    chosen = np.sort(rng.choice(n, k, replace=False)) if k else np.zeros(0, np.int64)
    for i in chosen:
        pi = person[i]
        first, middle, last = str(people.first[pi]), str(people.middle[pi]), str(people.last[pi])
        kinds = names.applicable_kinds(first, middle, last)
        # prefer the Danish-letter and structural variants where the name has them
        weights = np.array([3.0 if kd in ("aa", "ae", "oe", "hyphen", "middle_omitted", "middle_reordered", "accent")
                            else 1.0 for kd in kinds])
        kind = kinds[int(rng.choice(len(kinds), p=weights / weights.sum()))]
        names_out[i] = names.misspell(rng, first, middle, last, kind)
        variant[i] = kind
    cases.applicant_name = names_out.astype(str)
    cases.name_variant = variant.astype(str)
