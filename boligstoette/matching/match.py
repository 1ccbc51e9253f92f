"""Find each case's lease in the rent register (RULES § 12.4): by CPR, else birth date and name, else name.

For each case (an application; its applicant, and household members in force who may be the
registered tenant) and benefit month:

  tier 1  CPR: the person's CPR equals the lease's tenant_cpr (join on CPR);
  tier 2  birth date + name: first among the leases at the applied-for dwelling (the named unit, or
          postal code + normalised address), then nationally within the block of leases with the same
          tenant_birth_date; the names must match (names.compare); a valid, different tenant_cpr vetoes;
  tier 3  name only, at the applied-for dwelling; a valid different CPR or a different birth date vetoes.

A lower tier runs only for cases not yet settled at the applied-for dwelling by a lease in force.
The best plausible lease per case is chosen by: in force for the month; level; the applicant's own
identity before a member's (members count only at the dwelling or in its postal code); location
(dwelling, postal code, elsewhere); score. Doubt is held (codes.py): no match, several equally
plausible leases, name only, identified away from the applied-for address, or a tenant written over
the lease (tenant_name or lease_start changed on the same lease_id since the previous snapshot, seen
from the current tenant's side or from the previous tenant's). Case workers' resolutions (confirm /
reject, resolutions.py) are applied when they still fit the register.

Names are compared only within blocks (same CPR, same birth date, same unit or address), so the cost
grows with the register and the cases, never with their product. See docs/matching.md.

Never writes a CPR number into a text column: the only text produced is lease_ids, unit_ids, postal
codes, dates, scores and fixed wording (and case workers' text with CPR-shaped runs masked).
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from functools import cached_property

import numpy as np
import pandas as pd

from boligstoette import codes
from boligstoette.matching import resolutions as res_mod
from boligstoette.matching.names import MATCH_FLOOR, compare_many, normalise_addresses, normalise_names
from boligstoette.months import first_timestamp
from boligstoette.privacy import cpr_birth_dates, mask_values

LEVELS = ("cpr", "birth_date_name", "name_only", "none")
CPR, BIRTH_DATE_NAME, NAME_ONLY, NONE = range(4)
APPLICANT, MEMBER = 0, 1
AT_DWELLING, IN_POSTAL_CODE, ELSEWHERE = 0, 1, 2
VIA = ("applicant", "member")

NAME_ONLY_MIN_SCORE = 85  # name-only needs a closer name than birth date + name (which needs 70)
MAX_CANDIDATES_LISTED = 10
MEMBER_ROLES = ("aegtefaelle", "samlever", "anden")  # members who may be the registered tenant
COPENHAGEN = "Europe/Copenhagen"

MATCH_COLUMNS = (
    "case_id", "lease_id", "unit_id", "org_id", "match_level", "score", "candidates", "payable", "hold_reason",
    "resolved", "lease_in_force", "matched_via",
)
QUEUE_COLUMNS = ("case_id", "reason_code", "detail", "candidate_lease_ids")
STATUS_COLUMNS = ("case_id", "lease_id", "decision", "decided_by", "decided_at", "status")


@dataclass
class MatchResult:
    """matches: one row per case; review_queue: one row per held case; resolution_status: one row
    per resolution given, saying whether it applied and if not why."""

    matches: pd.DataFrame
    review_queue: pd.DataFrame
    resolution_status: pd.DataFrame = field(default_factory=lambda: pd.DataFrame(columns=list(STATUS_COLUMNS)))

    def summary(self) -> dict[str, int]:
        m = self.matches
        out = {f"level_{lv}": int((m["match_level"] == lv).sum()) for lv in LEVELS}
        out["payable"] = int(m["payable"].sum())
        out["resolved"] = int(m["resolved"].sum())
        for code in codes.MATCH_HOLD_CODES:
            out[code] = int((m["hold_reason"] == code).sum())
        return out


# --- preparation ------------------------------------------------------------------------------------

_NAT_DAYS = np.datetime64("NaT", "D").astype(np.int64)


def _days(values) -> np.ndarray:
    """Dates as int64 days since 1970 (NaT -> _NAT_DAYS)."""
    return pd.to_datetime(pd.Series(values)).to_numpy().astype("datetime64[D]").astype(np.int64)


def _text(series: pd.Series) -> np.ndarray:
    return series.to_numpy(dtype=object, na_value=None)


def _birth_days(cpr) -> np.ndarray:
    """The birth date in CPR numbers as int64 days (_NAT_DAYS when missing or not a date)."""
    return cpr_birth_dates(cpr).astype(np.int64)


class _Register:
    """One snapshot, deduplicated by lease_id; position = lease index. Keys computed when first used."""

    def __init__(self, register: pd.DataFrame, first: pd.Timestamp, last: pd.Timestamp):
        self.frame = register.drop_duplicates("lease_id", keep="first").reset_index(drop=True)
        self.n = len(self.frame)
        self._first = np.datetime64(first.date(), "D").astype(np.int64)
        self._last = np.datetime64(last.date(), "D").astype(np.int64)
        self._name_key = np.full(self.n, None, dtype=object)

    def subset(self, rows: np.ndarray) -> _Register:
        sub = _Register.__new__(_Register)
        sub.frame = self.frame.iloc[rows].reset_index(drop=True)
        sub.n = len(sub.frame)
        sub._first, sub._last = self._first, self._last
        sub._name_key = self._name_key[rows].copy()
        return sub

    @cached_property
    def lease_id(self):
        return _text(self.frame["lease_id"])

    @cached_property
    def unit_id(self):
        return _text(self.frame["unit_id"])

    @cached_property
    def org_id(self):
        return _text(self.frame["org_id"])

    @cached_property
    def postal(self):
        return _text(self.frame["postal_code"])

    @cached_property
    def loc_key(self):  # postal code + normalised address
        return _location_keys(self.postal, self.frame["address"])

    @cached_property
    def cpr(self):
        return _text(self.frame["tenant_cpr"])

    @cached_property
    def birth(self):
        return _days(self.frame["tenant_birth_date"])

    @cached_property
    def cpr_ok(self):
        """The CPR is a date and agrees with tenant_birth_date: a different CPR on the lease vetoes."""
        day = _birth_days(self.frame["tenant_cpr"])
        return (day != _NAT_DAYS) & ((self.birth == _NAT_DAYS) | (self.birth == day))

    @cached_property
    def start(self):
        return _days(self.frame["lease_start"])

    @cached_property
    def end(self):
        return _days(self.frame["lease_end"])

    @cached_property
    def in_force(self):
        s, e = self.start, self.end
        return (s != _NAT_DAYS) & (s <= self._last) & ((e == _NAT_DAYS) | (e >= self._first))

    @cached_property
    def snapshot_day(self) -> int:
        snap = _days(self.frame["snapshot_date"])
        snap = snap[snap != _NAT_DAYS]
        return int(snap.max()) if snap.size else int(_NAT_DAYS)

    def name_keys(self, idx: np.ndarray) -> np.ndarray:
        idx = np.asarray(idx, np.int64)
        missing = np.unique(idx[pd.isna(self._name_key[idx])])
        if missing.size:
            self._name_key[missing] = normalise_names(self.frame["tenant_name"].iloc[missing])
        return self._name_key[idx]


def _location_keys(postal: np.ndarray, address: pd.Series) -> np.ndarray:
    addr = normalise_addresses(address)
    key = pd.Series(postal, dtype=object).fillna("").astype(str) + "|" + pd.Series(addr, dtype=object).astype(str)
    return key.to_numpy(dtype=object)


@dataclass
class _Cases:
    case_id: np.ndarray
    unit_id: np.ndarray
    postal: np.ndarray
    loc_key: np.ndarray
    # persons (the applicant of every case first, then members who may be the tenant)
    p_case: np.ndarray
    p_via: np.ndarray
    p_cpr: np.ndarray
    p_birth: np.ndarray
    p_name: np.ndarray  # normalised keys


def _prepare_cases(applications: pd.DataFrame, members: pd.DataFrame, first: pd.Timestamp) -> _Cases:
    apps = applications.drop_duplicates("case_id", keep="last").reset_index(drop=True)
    n = len(apps)
    case_id = _text(apps["case_id"])
    ci_of = pd.Series(np.arange(n), index=pd.Index(case_id))
    postal = _text(apps["postal_code"])
    mem_ci_all = ci_of.reindex(_text(members["case_id"])).to_numpy()
    known = ~np.isnan(mem_ci_all)
    mem = members[known]
    mem_ci = mem_ci_all[known].astype(np.int64)
    role = _text(mem["role"])
    # the applicant's birth date: from the applicant's member row, else from the CPR number
    birth = _birth_days(apps["applicant_cpr"])
    m_birth = _days(mem["birth_date"])
    is_app = role == "ansoeger"
    if is_app.any():
        ci_app = mem_ci[is_app]
        first_row = ~pd.Series(ci_app).duplicated().to_numpy()
        birth[ci_app[first_row]] = m_birth[is_app][first_row]
    # members in force on the first day who may hold the lease
    fday = np.datetime64(first.date(), "D").astype(np.int64)
    m_from, m_to = _days(mem["member_from"]), _days(mem["member_to"])
    in_force = (m_from != _NAT_DAYS) & (m_from <= fday) & ((m_to == _NAT_DAYS) | (m_to >= fday))
    take = np.isin(role, MEMBER_ROLES) & in_force
    p_case = np.concatenate([np.arange(n), mem_ci[take]]).astype(np.int64)
    p_via = np.concatenate([np.full(n, APPLICANT), np.full(int(take.sum()), MEMBER)]).astype(np.int8)
    p_cpr = np.concatenate([_text(apps["applicant_cpr"]), _text(mem["cpr"])[take]])
    p_birth = np.concatenate([birth, m_birth[take]])
    p_name = normalise_names(np.concatenate([_text(apps["applicant_name"]), _text(mem["name"])[take]]))
    return _Cases(case_id, _text(apps["unit_id"]), postal, _location_keys(postal, apps["address"]), p_case, p_via,
                  p_cpr, p_birth, p_name)


# --- candidate pairs ------------------------------------------------------------------------------


def _pairs_frame(ci, lease, level, via, score, passes) -> pd.DataFrame:
    return pd.DataFrame({
        "ci": np.asarray(ci, np.int64), "lease": np.asarray(lease, np.int64), "level": np.asarray(level, np.int8),
        "via": np.asarray(via, np.int8), "score": np.asarray(score, np.int64), "passes": np.asarray(passes, bool),
    })


def _join(left_keys: np.ndarray, right_keys: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Row numbers (i, j) with left_keys[i] == right_keys[j] (missing keys never join)."""
    left = pd.DataFrame({"k": left_keys, "i": np.arange(len(left_keys))})
    right = pd.DataFrame({"k": right_keys, "j": np.arange(len(right_keys))})
    left = left[pd.notna(left["k"])]
    right = right[pd.notna(right["k"])]
    m = left.merge(right, on="k", how="inner", sort=False)
    return m["i"].to_numpy(np.int64), m["j"].to_numpy(np.int64)


def _cpr_pairs(cases: _Cases, reg: _Register, persons: np.ndarray) -> pd.DataFrame:
    pi, lease = _join(cases.p_cpr[persons], reg.cpr)
    p = persons[pi]
    return _pairs_frame(cases.p_case[p], lease, CPR, cases.p_via[p], 100, True)


def _birth_name_pairs(cases: _Cases, reg: _Register, persons: np.ndarray) -> pd.DataFrame:
    """Birth date equal (blocking key, nationally) and the names match; a valid other CPR vetoes."""
    pb = cases.p_birth[persons]
    pb = np.where(pb == _NAT_DAYS, np.nan, pb.astype(float))
    rb = np.where(reg.birth == _NAT_DAYS, np.nan, reg.birth.astype(float))
    pi, lease = _join(pb, rb)
    p = persons[pi]
    veto = reg.cpr_ok[lease] & (reg.cpr[lease] != cases.p_cpr[p])
    p, lease = p[~veto], lease[~veto]
    ok, score = compare_many(cases.p_name[p], reg.name_keys(lease), scores=False)
    keep = ok  # other people who merely share the birth date are not candidates
    return _pairs_frame(cases.p_case[p][keep], lease[keep], BIRTH_DATE_NAME, cases.p_via[p][keep], score[keep], True)


def _location_blocks(cases: _Cases, reg: _Register, ci: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """(case, lease) for leases of the named unit or at the applied-for postal code + address."""
    a_i, a_l = _join(cases.unit_id[ci], reg.unit_id)
    b_i, b_l = _join(cases.loc_key[ci], reg.loc_key)
    blk = pd.DataFrame({"ci": np.concatenate([ci[a_i], ci[b_i]]), "lease": np.concatenate([a_l, b_l])})
    blk = blk.drop_duplicates()
    return blk["ci"].to_numpy(np.int64), blk["lease"].to_numpy(np.int64)


def _dwelling_pairs(cases: _Cases, reg: _Register, ci: np.ndarray) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Every person of the cases `ci` against every lease at the applied-for dwelling (named unit, or
    postal code + address): (birth date + name pairs, name pairs incl. those that do not match)."""
    b_ci, b_lease = _location_blocks(cases, reg, ci)
    persons = pd.DataFrame({"ci": cases.p_case, "p": np.arange(len(cases.p_case))})
    blk = pd.DataFrame({"ci": b_ci, "lease": b_lease}).merge(persons, on="ci")
    p, lease = blk["p"].to_numpy(np.int64), blk["lease"].to_numpy(np.int64)
    ok, score = compare_many(cases.p_name[p], reg.name_keys(lease))
    cpr_conflict = reg.cpr_ok[lease] & (reg.cpr[lease] != cases.p_cpr[p])
    both = (reg.birth[lease] != _NAT_DAYS) & (cases.p_birth[p] != _NAT_DAYS)
    same_birth = both & (reg.birth[lease] == cases.p_birth[p])
    bdn = ok & same_birth & ~cpr_conflict
    by_birth = _pairs_frame(cases.p_case[p][bdn], lease[bdn], BIRTH_DATE_NAME, cases.p_via[p][bdn], score[bdn], True)
    passes = ok & (score >= NAME_ONLY_MIN_SCORE) & ~cpr_conflict & ~(both & ~same_birth)
    by_name = _pairs_frame(cases.p_case[p], lease, NAME_ONLY, cases.p_via[p], score, passes)
    return by_birth, by_name


# --- tenant changes between snapshots ----------------------------------------------------------------


@dataclass
class _Changes:
    lease: np.ndarray  # current lease index of leases whose tenant name or lease start changed
    old_start: np.ndarray
    prev_day: int
    prev: _Register | None  # the previous snapshot's rows of those leases (same order)
    vanished: _Register | None  # previous snapshot rows whose lease_id is not in the current one
    vanished_lease_id: np.ndarray


def _identity_changes(reg: _Register, previous: pd.DataFrame | None, first, last) -> _Changes:
    none = np.zeros(0, np.int64)
    if previous is None or len(previous) == 0:
        return _Changes(none, none, _NAT_DAYS, None, None, np.zeros(0, object))
    prev = _Register(previous, first, last)
    cur_i, prev_i = _join(reg.lease_id, prev.lease_id)
    name_now = reg.frame["tenant_name"].to_numpy(dtype=object)[cur_i]
    name_then = prev.frame["tenant_name"].to_numpy(dtype=object)[prev_i]
    differs = name_now != name_then
    name_changed = np.zeros(len(cur_i), bool)
    if differs.any():  # only a change of the normalised name counts (not case or å/aa spelling)
        d = np.flatnonzero(differs)
        name_changed[d] = reg.name_keys(cur_i[d]) != prev.name_keys(prev_i[d])
    start_changed = reg.start[cur_i] != prev.start[prev_i]
    changed = name_changed | start_changed
    prev_changed = prev.subset(prev_i[changed])
    gone = np.ones(len(prev.lease_id), bool)
    gone[prev_i] = False
    vanished = prev.subset(np.flatnonzero(gone))
    return _Changes(cur_i[changed], prev.start[prev_i[changed]], prev.snapshot_day, prev_changed, vanished,
                    vanished.lease_id)


def _previous_tenant_pairs(cases: _Cases, prev: _Register | None, lease_map: np.ndarray,
                           ci: np.ndarray) -> pd.DataFrame:
    """Cases in `ci` whose applicant (or a member) was the tenant of one of the `prev` rows, by CPR,
    birth date + name, or name at the applied-for dwelling; leases mapped through `lease_map`."""
    if prev is None or len(lease_map) == 0 or len(ci) == 0:
        return _pairs_frame([], [], [], [], [], [])
    persons = np.flatnonzero(np.isin(cases.p_case, ci))
    by_birth, by_name = _dwelling_pairs(cases, prev, ci)
    frames = [_cpr_pairs(cases, prev, persons), _birth_name_pairs(cases, prev, persons), by_birth, by_name]
    pairs = pd.concat(frames, ignore_index=True)
    pairs = pairs[pairs["passes"]].reset_index(drop=True)
    pairs["lease"] = lease_map[pairs["lease"].to_numpy()]
    return pairs


# --- the public function ------------------------------------------------------------------------------


def match_tenants(
    applications: pd.DataFrame,
    members: pd.DataFrame,
    register: pd.DataFrame,
    previous_register: pd.DataFrame | None = None,
    resolutions: pd.DataFrame | None = None,
    *,
    month: str,
) -> MatchResult:
    """Match every case to the lease in force for benefit `month` ("YYYY-MM").

    Frames as `contracts.read_csv` returns them (APPLICATIONS, HOUSEHOLD_MEMBERS, REGISTER; the
    previous snapshot may be None; resolutions per `resolutions.RESOLUTIONS`, may be None).
    """
    first = first_timestamp(month)
    last = first + pd.offsets.MonthEnd(0)
    reg = _Register(register, first, last)
    cases = _prepare_cases(applications, members, first)
    changes = _identity_changes(reg, previous_register, first, last)
    changed, old_start = _changed_leases(reg, changes)
    status, rejects, confirms = _fit_resolutions(resolutions, cases, reg, changed)
    allp = _candidate_pairs(cases, reg, rejects)
    best = _select(allp, len(cases.case_id))
    outcome = _hold_reasons(best, reg, changed)
    allp = _hold_previous_tenants(outcome, best, allp, cases, reg, changes, rejects)
    vanished = _vanished_leases(cases, changes, outcome.has)
    _apply_confirms(outcome, best, allp, confirms)
    matches = _matches_frame(cases, reg, best, allp, outcome)
    queue = _review_queue(matches, best, allp, reg, cases, month, changes, old_start, outcome.applicant_is, vanished)
    return MatchResult(matches, queue, status)


def _changed_leases(reg: _Register, changes: _Changes) -> tuple[np.ndarray, np.ndarray]:
    """Per current lease: did its tenant change since the previous snapshot, and its lease_start then."""
    changed = np.zeros(len(reg.lease_id), bool)
    changed[changes.lease] = True
    old_start = np.full(len(reg.lease_id), _NAT_DAYS, np.int64)
    old_start[changes.lease] = changes.old_start
    return changed, old_start


# --- identification, tier by tier ---------------------------------------------------------------------


def _candidate_pairs(cases: _Cases, reg: _Register, rejects: pd.DataFrame) -> pd.DataFrame:
    """Every (case, lease) pair considered, once each. A lower tier runs only for the cases a higher
    one has not settled, so a namesake elsewhere cannot outrank the CPR match at the dwelling."""
    n = len(cases.case_id)
    by_cpr, settled = _tier_cpr(cases, reg, rejects, n)
    by_birth, settled, dwelling_names = _tier_birth_date_name(cases, reg, rejects, settled)
    by_name = _tier_name_only(cases, reg, rejects, dwelling_names, settled)
    return _one_pair_per_lease(pd.concat([by_cpr, *by_birth, by_name], ignore_index=True))


def _kept(pairs: pd.DataFrame, cases: _Cases, reg: _Register, rejects: pd.DataFrame) -> pd.DataFrame:
    """The pairs a case worker has not rejected, with their lease's in-force flag and location."""
    return _annotate(_drop_rejected(pairs, rejects), cases, reg)


def _tier_cpr(cases: _Cases, reg: _Register, rejects: pd.DataFrame, n: int) -> tuple[pd.DataFrame, np.ndarray]:
    """Tier 1: the CPR of the applicant, or of a member in force who may hold the lease."""
    pairs = _kept(_cpr_pairs(cases, reg, np.arange(len(cases.p_case))), cases, reg, rejects)
    return pairs, _settled(pairs, n)


def _tier_birth_date_name(cases: _Cases, reg: _Register, rejects: pd.DataFrame, settled: np.ndarray):
    """Tier 2: birth date + name, first at the applied-for dwelling, then nationally (blocked by birth
    date). Returns (pairs, settled, the name pairs at the dwelling, which tier 3 reuses)."""
    n = len(settled)
    by_birth, dwelling_names = _dwelling_pairs(cases, reg, np.flatnonzero(~settled))
    at_dwelling = _kept(by_birth, cases, reg, rejects)
    settled = settled | _settled(at_dwelling, n)
    persons = np.flatnonzero(~settled[cases.p_case])
    national = _kept(_birth_name_pairs(cases, reg, persons), cases, reg, rejects)
    return [at_dwelling, national], settled | _settled(national, n), dwelling_names


def _tier_name_only(cases: _Cases, reg: _Register, rejects: pd.DataFrame, dwelling_names: pd.DataFrame,
                    settled: np.ndarray) -> pd.DataFrame:
    """Tier 3: the name alone, at the applied-for dwelling, for the cases still unsettled."""
    return _kept(dwelling_names[~settled[dwelling_names["ci"].to_numpy()]], cases, reg, rejects)


def _one_pair_per_lease(allp: pd.DataFrame) -> pd.DataFrame:
    """Drop members' identities away from the dwelling; of one case's pairs with a lease keep the strongest."""
    # a member's identity counts only at the applied-for dwelling or in its postal code
    allp = allp[(allp["via"] == APPLICANT) | (allp["loc"] < ELSEWHERE)]
    allp = allp.sort_values(["ci", "lease", "passes", "level", "via", "score"],
                            ascending=[True, True, False, True, True, False], kind="stable")
    return allp.drop_duplicates(["ci", "lease"], keep="first").reset_index(drop=True)


# --- holds, previous tenants, confirms ----------------------------------------------------------------


@dataclass
class _Outcome:
    """Per case what matching decided besides `_select`'s arrays (which the steps below update in place)."""

    has: np.ndarray  # a lease was found
    in_force: np.ndarray  # ... and is in force for the month
    hold: np.ndarray  # the hold reason code, None when payable
    applicant_is: np.ndarray  # for TENANT_CHANGED_ON_LEASE: "current" or "previous" tenant of the lease
    resolved: np.ndarray  # confirmed by a case worker


def _hold_reasons(best: dict, reg: _Register, changed: np.ndarray) -> _Outcome:
    """Why the best lease may not be paid without a case worker; a later reason overrides an earlier one."""
    lease, lvl = best["lease"], best["level"]
    n = len(lease)
    has = lease >= 0
    in_force = _gather(reg.in_force, np.where(has, lease, -1), False)
    hold = np.full(n, None, dtype=object)
    hold[~has] = codes.MATCH_NONE
    found = has & in_force
    hold[found & (lvl == NAME_ONLY)] = codes.MATCH_NAME_ONLY
    hold[found & (best["loc"] == ELSEWHERE) & (lvl != NAME_ONLY)] = codes.MATCH_ADDRESS_DIFFERS
    hold[found & (best["n_plausible"] > 1)] = codes.MATCH_AMBIGUOUS
    tc_current = found & _gather(changed, np.where(has, lease, -1), False)
    hold[tc_current] = codes.TENANT_CHANGED_ON_LEASE
    applicant_is = np.full(n, "", dtype=object)
    applicant_is[tc_current] = "current"
    return _Outcome(has, in_force, hold, applicant_is, np.zeros(n, bool))


def _hold_previous_tenants(outcome: _Outcome, best: dict, allp: pd.DataFrame, cases: _Cases, reg: _Register,
                           changes: _Changes, rejects: pd.DataFrame) -> pd.DataFrame:
    """Cases without a sure match whose applicant was, in the previous snapshot, the tenant of a lease
    now holding someone else: that lease becomes theirs, held. Returns allp with those pairs added."""
    unsure = (~outcome.has | ~outcome.in_force | (best["level"] == NAME_ONLY) | (best["loc"] != AT_DWELLING)
              | (best["n_plausible"] > 1))
    prevp = _drop_rejected(_previous_tenant_pairs(cases, changes.prev, changes.lease, np.flatnonzero(unsure)), rejects)
    if len(prevp) == 0:
        return allp
    prevp = _annotate(prevp, cases, reg)
    prevp = prevp[(prevp["via"] == APPLICANT) | (prevp["loc"] < ELSEWHERE)]
    prevp = prevp.sort_values(["ci", "level", "via", "loc", "score"], ascending=[True, True, True, True, False],
                              kind="stable")
    _take_previous_tenancy(outcome, best, reg, prevp.drop_duplicates("ci", keep="first"))
    return pd.concat([allp, prevp.assign(passes=True)], ignore_index=True)


def _take_previous_tenancy(outcome: _Outcome, best: dict, reg: _Register, first_prev: pd.DataFrame) -> None:
    """Each case's best previous-tenant pair replaces its best lease and its group of rivals."""
    ci = first_prev["ci"].to_numpy()
    for key in ("lease", "level", "score", "via", "loc"):
        best[key][ci] = first_prev[key].to_numpy()
    g = best["group"]
    best["group"] = pd.concat([g[~np.isin(g["ci"].to_numpy(), ci)], first_prev[["ci", "lease"]]], ignore_index=True)
    outcome.has[ci] = True
    outcome.in_force[ci] = reg.in_force[best["lease"][ci]]
    outcome.hold[ci] = codes.TENANT_CHANGED_ON_LEASE
    outcome.applicant_is[ci] = "previous"


def _vanished_leases(cases: _Cases, changes: _Changes, has: np.ndarray) -> np.ndarray:
    """Per unmatched case the ';'-joined leases its applicant held in the previous snapshot that the
    current one no longer has (missing register rows?); '' for the others."""
    vanished = np.full(len(has), "", dtype=object)
    none_ci = np.flatnonzero(~has)
    if not (len(changes.vanished_lease_id) and none_ci.size):
        return vanished
    vp = _previous_tenant_pairs(cases, changes.vanished, np.arange(len(changes.vanished_lease_id)), none_ci)
    if len(vp):
        vp = vp.drop_duplicates(["ci", "lease"])
        ids = vp.groupby("ci")["lease"].agg(lambda x: ";".join(changes.vanished_lease_id[x.to_numpy()]))
        vanished[ids.index.to_numpy()] = ids.to_numpy()
    return vanished


def _apply_confirms(outcome: _Outcome, best: dict, allp: pd.DataFrame, confirms: pd.DataFrame) -> None:
    """A case worker's confirm makes the lease the case's, payable; its level and score are those the
    pair was found with (level none when matching never proposed it)."""
    if len(confirms) == 0:
        return
    ci, cl = confirms["ci"].to_numpy(), confirms["lease"].to_numpy()
    pos = _pair_rows(allp, ci, cl)
    known = ~np.isnan(pos)
    pos_i = np.where(known, pos, 0).astype(np.int64)
    p_pass = allp["passes"].to_numpy()[pos_i] & known
    best["lease"][ci] = cl
    best["level"][ci] = np.where(p_pass, allp["level"].to_numpy()[pos_i], NONE)
    best["score"][ci] = np.where(known, allp["score"].to_numpy()[pos_i], 0)
    best["via"][ci] = np.where(known, allp["via"].to_numpy()[pos_i], APPLICANT)
    outcome.has[ci] = True
    outcome.in_force[ci] = True
    outcome.hold[ci] = None
    outcome.resolved[ci] = True


def _pair_rows(allp: pd.DataFrame, ci: np.ndarray, lease: np.ndarray) -> np.ndarray:
    """The row of each (ci, lease) in allp (the first of several), NaN when absent."""
    key = pd.MultiIndex.from_arrays([allp["ci"], allp["lease"]])
    found = pd.Series(np.arange(len(allp)), index=key)
    found = found[~found.index.duplicated()]
    return found.reindex(pd.MultiIndex.from_arrays([ci, lease])).to_numpy()


def _matches_frame(cases: _Cases, reg: _Register, best: dict, allp: pd.DataFrame, outcome: _Outcome) -> pd.DataFrame:
    """One row per case (MATCH_COLUMNS)."""
    has, lease, n = outcome.has, best["lease"], len(cases.case_id)
    payable = has & outcome.in_force & pd.isna(outcome.hold)
    lease_safe = np.where(has, lease, -1)
    return pd.DataFrame({
        "case_id": pd.Series(cases.case_id, dtype="str"),
        "lease_id": pd.Series(_gather(reg.lease_id, lease_safe, None), dtype="str"),
        "unit_id": pd.Series(_gather(reg.unit_id, lease_safe, None), dtype="str"),
        "org_id": pd.Series(_gather(reg.org_id, lease_safe, None), dtype="str"),
        "match_level": pd.Series(np.array(LEVELS, dtype=object)[np.where(has, best["level"], NONE)], dtype="str"),
        "score": best["score"].astype(np.int64),
        "candidates": pd.Series(_candidates_json(allp, reg, n, lease_safe), dtype="str"),
        "payable": payable,
        "hold_reason": pd.Series(outcome.hold, dtype="str"),
        "resolved": outcome.resolved,
        "lease_in_force": outcome.in_force & has,
        "matched_via": pd.Series(np.where(has, np.array(VIA, dtype=object)[best["via"]], None), dtype="str"),
    })


# --- steps ------------------------------------------------------------------------------------------


def _drop_rejected(pairs: pd.DataFrame, rejects: pd.DataFrame) -> pd.DataFrame:
    if len(rejects) == 0 or len(pairs) == 0:
        return pairs
    key = pd.MultiIndex.from_arrays([pairs["ci"], pairs["lease"]])
    bad = key.isin(pd.MultiIndex.from_arrays([rejects["ci"], rejects["lease"]]))
    return pairs[~bad].reset_index(drop=True)


def _settled(pairs: pd.DataFrame, n: int) -> np.ndarray:
    """Cases with a plausible lease in force at the applied-for dwelling: no need for a lower tier."""
    out = np.zeros(n, bool)
    good = pairs["passes"].to_numpy() & pairs["in_force"].to_numpy() & (pairs["loc"].to_numpy() == AT_DWELLING)
    out[pairs["ci"].to_numpy()[good]] = True
    return out


def _location(cases: _Cases, reg: _Register, ci: np.ndarray, lease: np.ndarray) -> np.ndarray:
    """AT_DWELLING (the named unit, or the same postal code and address), IN_POSTAL_CODE, or ELSEWHERE."""
    unit = cases.unit_id[ci]
    dwelling = (pd.notna(unit) & (reg.unit_id[lease] == unit)) | (reg.loc_key[lease] == cases.loc_key[ci])
    postal = reg.postal[lease] == cases.postal[ci]
    near = np.where(np.asarray(postal, bool), IN_POSTAL_CODE, ELSEWHERE)
    return np.where(np.asarray(dwelling, bool), AT_DWELLING, near).astype(np.int8)


def _annotate(pairs: pd.DataFrame, cases: _Cases, reg: _Register) -> pd.DataFrame:
    ci, lease = pairs["ci"].to_numpy(), pairs["lease"].to_numpy()
    pairs = pairs.copy()
    pairs["in_force"] = reg.in_force[lease]
    pairs["loc"] = _location(cases, reg, ci, lease)
    return pairs


def _select(allp: pd.DataFrame, n: int) -> dict[str, np.ndarray]:
    """Per case the best plausible lease and how many are equally plausible.

    Order: in force first; then level (CPR, birth date + name, name); then the applicant's own
    identity before a member's; then location (the applied-for dwelling, its postal code, elsewhere);
    then score; then the latest lease. Equally plausible = the same in-force/level/via/location group
    as the best. A best lease away from the dwelling also counts as ambiguous when another plausible
    lease in force lies nearer (at any level): e.g. a namesake with the same birth date elsewhere,
    and a lease without birth date at the applied-for address.
    """
    out = _no_choice(n)
    if len(allp):  # unmatched cases report the best score seen (below the match floor)
        best_any = allp.groupby("ci")["score"].max()
        out["score"][best_any.index.to_numpy()] = np.minimum(best_any.to_numpy(), MATCH_FLOOR - 1)
    plaus = allp[allp["passes"]]
    if len(plaus) == 0:
        return out
    plaus = plaus.assign(not_in_force=~plaus["in_force"], neg_score=-plaus["score"], neg_lease=-plaus["lease"])
    plaus = plaus.sort_values(["ci", "not_in_force", "level", "via", "loc", "neg_score", "neg_lease"], kind="stable")
    first_idx, member = _rivals(plaus)
    counts = pd.Series(member).groupby(plaus["ci"].to_numpy()).sum()
    top = plaus.iloc[first_idx]
    c = top["ci"].to_numpy()
    for key in ("lease", "level", "via", "score", "loc"):
        out[key][c] = top[key].to_numpy()
    out["n_plausible"][c] = counts.reindex(c).to_numpy()
    out["group"] = plaus.loc[member, ["ci", "lease"]].reset_index(drop=True)
    return out


def _no_choice(n: int) -> dict:
    """`_select`'s arrays before any lease is chosen: no lease, level none, score 0."""
    return {
        "lease": np.full(n, -1, np.int64), "level": np.full(n, NONE, np.int64), "via": np.zeros(n, np.int64),
        "score": np.zeros(n, np.int64), "loc": np.full(n, ELSEWHERE, np.int64), "n_plausible": np.zeros(n, np.int64),
        "group": pd.DataFrame({"ci": np.zeros(0, np.int64), "lease": np.zeros(0, np.int64)}),
    }


def _rivals(plaus: pd.DataFrame) -> tuple[np.ndarray, np.ndarray]:
    """For plausible pairs sorted best first within each case: the row of each case's best pair, and
    per pair whether it is as plausible as its case's best (see `_select`)."""
    ci = plaus["ci"].to_numpy()
    first_idx = np.flatnonzero(np.r_[True, ci[1:] != ci[:-1]])
    owner = np.repeat(first_idx, np.diff(np.r_[first_idx, len(ci)]))
    gkey = plaus[["not_in_force", "level", "via", "loc"]].to_numpy(np.int64)
    same = (gkey == gkey[owner]).all(axis=1)
    # nearer plausible leases in force than the best one
    loc = plaus["loc"].to_numpy()
    nearer = plaus["in_force"].to_numpy() & (loc < loc[owner]) & (gkey[owner][:, 0] == 0)
    return first_idx, same | nearer


def _fit_resolutions(resolutions, cases: _Cases, reg: _Register, changed: np.ndarray):
    """Which decisions apply (see resolutions.py): returns (status frame, rejects, confirms) with ci/lease."""
    frame = res_mod.latest_decisions(resolutions)
    if len(frame) == 0:
        return _no_resolutions()
    ci_i, l_i, has_case, has_lease = _decision_targets(frame, cases, reg)
    status, rest = _resolution_status(frame, l_i, has_case, has_lease, reg, changed)
    is_confirm = (frame["decision"] == "confirm").to_numpy()
    applied = _one_confirm_per_case(frame, ci_i, status, rest, is_confirm)
    rejects = pd.DataFrame({"ci": ci_i[applied & ~is_confirm], "lease": l_i[applied & ~is_confirm]})
    confirms = pd.DataFrame({"ci": ci_i[applied & is_confirm], "lease": l_i[applied & is_confirm]})
    out = pd.DataFrame({
        "case_id": mask_values(frame["case_id"]),
        "lease_id": mask_values(frame["lease_id"]),
        "decision": frame["decision"].astype("str"),
        "decided_by": mask_values(frame["decided_by"]),
        "decided_at": frame["decided_at"],
        "status": pd.Series(status, dtype="str"),
    })
    return out, rejects, confirms


def _no_resolutions():
    status = pd.DataFrame({c: pd.Series(dtype="str") for c in STATUS_COLUMNS})
    status["decided_at"] = pd.Series(dtype="datetime64[us, UTC]")
    none = pd.DataFrame({"ci": np.zeros(0, np.int64), "lease": np.zeros(0, np.int64)})
    return status, none, none


def _decision_targets(frame: pd.DataFrame, cases: _Cases, reg: _Register):
    """(case row, lease row, case known, lease known) of each decision; rows are 0 when not known."""
    ci_of = pd.Series(np.arange(len(cases.case_id)), index=pd.Index(cases.case_id))
    lease_of = pd.Series(np.arange(len(reg.lease_id)), index=pd.Index(reg.lease_id))
    ci = ci_of.reindex(frame["case_id"].astype(object)).to_numpy()
    lease = lease_of.reindex(frame["lease_id"].astype(object)).to_numpy()
    has_case, has_lease = ~np.isnan(ci), ~np.isnan(lease)
    ci_i = np.where(has_case, ci, 0).astype(np.int64)
    l_i = np.where(has_lease, lease, 0).astype(np.int64)
    return ci_i, l_i, has_case, has_lease


def _resolution_status(frame: pd.DataFrame, l_i: np.ndarray, has_case: np.ndarray, has_lease: np.ndarray,
                       reg: _Register, changed: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Each decision's status: the first check it fails, else APPLIED; and which still apply."""
    decided_day = (frame["decided_at"].dt.tz_convert(COPENHAGEN).dt.tz_localize(None).to_numpy()
                   .astype("datetime64[D]").astype(np.int64))
    is_confirm = (frame["decision"] == "confirm").to_numpy()
    seen_start = _days(frame["lease_start"])
    status = np.full(len(frame), res_mod.APPLIED, dtype=object)
    status[~has_case] = res_mod.UNKNOWN_CASE
    rest = has_case
    status[rest & ~has_lease] = res_mod.LEASE_NOT_IN_REGISTER
    rest = rest & has_lease
    status[rest & ~frame["latest"].to_numpy()] = res_mod.SUPERSEDED
    rest = rest & frame["latest"].to_numpy()
    # the lease_start the case worker saw is not the lease_start now; or the lease's tenant changed
    # between the previous and the current snapshot and the decision was not made after the current
    # snapshot's date: the decision may be about another tenancy
    start_differs = (seen_start != _NAT_DAYS) & (seen_start != reg.start[l_i])
    changed_since = changed[l_i] & (decided_day <= reg.snapshot_day)
    status[rest & start_differs] = res_mod.LEASE_START_DIFFERS
    status[rest & ~start_differs & changed_since] = res_mod.LEASE_CHANGED_AFTER_DECISION
    rest = rest & ~start_differs & ~changed_since
    status[rest & is_confirm & ~reg.in_force[l_i]] = res_mod.LEASE_NOT_IN_FORCE
    rest = rest & ~(is_confirm & ~reg.in_force[l_i])
    return status, rest


def _one_confirm_per_case(frame: pd.DataFrame, ci_i: np.ndarray, status: np.ndarray, rest: np.ndarray,
                          is_confirm: np.ndarray) -> np.ndarray:
    """Of several confirms of one case the latest decided applies; the others become SUPERSEDED."""
    conf = np.flatnonzero(rest & is_confirm)
    if conf.size:
        order = pd.DataFrame({"ci": ci_i[conf], "at": frame["decided_at"].to_numpy()[conf],
                              "o": frame["_order"].to_numpy()[conf], "row": conf}).sort_values(["ci", "at", "o"])
        loser = order["row"].to_numpy()[order.duplicated("ci", keep="last").to_numpy()]
        status[loser] = res_mod.SUPERSEDED
        rest[loser] = False
    return rest


def _candidates_json(allp: pd.DataFrame, reg: _Register, n: int, chosen: np.ndarray) -> np.ndarray:
    """Per case a JSON list of the other leases considered: plausible at any level, or at the
    applied-for dwelling; best first, at most MAX_CANDIDATES_LISTED."""
    out = np.full(n, "[]", dtype=object)
    if len(allp) == 0:
        return out
    c = allp[(allp["passes"] | (allp["level"] == NAME_ONLY))]
    c = c[c["lease"].to_numpy() != chosen[c["ci"].to_numpy()]]
    if len(c) == 0:
        return out
    c = c.sort_values(["ci", "passes", "level", "score"], ascending=[True, False, True, False], kind="stable")
    c = c.drop_duplicates(["ci", "lease"]).groupby("ci", sort=False).head(MAX_CANDIDATES_LISTED)
    lease = c["lease"].to_numpy()
    ids = pd.Series(reg.lease_id[lease]).map(json.dumps).to_numpy(dtype=object)
    levels = np.array(['"cpr"', '"birth_date_name"', '"name_only"', '"none"'], dtype=object)[
        np.where(c["passes"].to_numpy(), c["level"].to_numpy(), NONE)]
    item = ('{"lease_id": ' + pd.Series(ids) + ', "level": ' + pd.Series(levels) + ', "score": '
            + pd.Series(c["score"].to_numpy().astype(str)) + ', "in_force": '
            + pd.Series(np.where(c["in_force"].to_numpy(), "true", "false")) + "}")
    joined = item.groupby(c["ci"].to_numpy(), sort=False).agg(", ".join)
    out[joined.index.to_numpy()] = ("[" + joined + "]").to_numpy()
    return out


def _gather(values: np.ndarray, idx: np.ndarray, fill):
    """values[idx], with `fill` where idx < 0 (safe on an empty register)."""
    idx = np.asarray(idx, np.int64)
    ok = idx >= 0
    out = np.full(idx.shape, fill, dtype=object if isinstance(fill, str) or fill is None else np.asarray(values).dtype)
    out[ok] = np.asarray(values)[idx[ok]]
    return out


def _o(values) -> np.ndarray:
    """Text as an object array, so '+' concatenates element-wise."""
    return np.asarray(values).astype(str).astype(object)


def _fmt_day(days: np.ndarray) -> np.ndarray:
    d = np.asarray(days, np.int64)
    return np.where(d == _NAT_DAYS, "?", d.astype("datetime64[D]").astype(str)).astype(object)


@dataclass
class _Held:
    """The held cases (rows `idx` of matches) and the pieces their review-queue texts are built from;
    `detail` and `candidates` are filled in per hold reason."""

    idx: np.ndarray
    code: np.ndarray
    lease: np.ndarray  # register row of the case's lease, -1 when none
    lease_txt: np.ndarray
    unit: np.ndarray
    score: np.ndarray
    level: np.ndarray
    where: np.ndarray  # the applied-for dwelling, as text
    by_member: np.ndarray
    detail: np.ndarray
    candidates: np.ndarray


def _review_queue(matches, best, allp, reg: _Register, cases: _Cases, month: str, changes: _Changes,
                  old_start: np.ndarray, applicant_is: np.ndarray, vanished: np.ndarray) -> pd.DataFrame:
    """One row per held case (QUEUE_COLUMNS): what a case worker needs to decide it."""
    held = np.flatnonzero(pd.notna(matches["hold_reason"].to_numpy(dtype=object)))
    if held.size == 0:
        return pd.DataFrame({c: pd.Series(dtype="str") for c in QUEUE_COLUMNS})
    h = _held_cases(matches, held, reg, cases)
    _explain_no_match(h, allp, reg, month, changes.prev_day, vanished)
    _explain_ambiguous(h, best["group"], reg)
    _explain_name_only(h, reg)
    _explain_address_differs(h, reg)
    _explain_tenant_changed(h, reg, changes.prev_day, old_start, applicant_is)
    return pd.DataFrame({
        "case_id": pd.Series(matches["case_id"].to_numpy(dtype=object)[held], dtype="str"),
        "reason_code": pd.Series(h.code, dtype="str"),
        "detail": pd.Series(h.detail, dtype="str"),
        "candidate_lease_ids": pd.Series(h.candidates, dtype="str"),
    })


def _held_cases(matches: pd.DataFrame, held: np.ndarray, reg: _Register, cases: _Cases) -> _Held:
    lease_id = matches["lease_id"].to_numpy(dtype=object)
    lease = pd.Series(np.arange(len(reg.lease_id)), index=pd.Index(reg.lease_id)).reindex(lease_id[held]).to_numpy()
    has = ~np.isnan(lease)
    li = np.where(has, lease, -1).astype(np.int64)
    via = matches["matched_via"].to_numpy(dtype=object)[held]
    lease_txt = np.where(has, lease_id[held], "").astype(object)
    named_unit = cases.unit_id[held]
    where = np.where(pd.notna(named_unit), "unit " + _filled(named_unit), "postal code " + _filled(cases.postal[held]))
    by_member = np.where(via == "member", " (the registered tenant is a household member, not the applicant)", "")
    return _Held(held, matches["hold_reason"].to_numpy(dtype=object)[held], li, lease_txt, _gather(reg.unit_id, li, ""),
                 matches["score"].to_numpy()[held], matches["match_level"].to_numpy(dtype=object)[held], where,
                 by_member, np.full(held.size, "", dtype=object), lease_txt.copy())


def _filled(values: np.ndarray) -> np.ndarray:
    """Text as an object array, '' for missing values."""
    return pd.Series(values).fillna("").astype(str).to_numpy(dtype=object)


def _explain_no_match(h: _Held, allp: pd.DataFrame, reg: _Register, month: str, prev_day: int,
                      vanished: np.ndarray) -> None:
    """MATCH_NONE: what was looked at the dwelling; and leases the applicant held that have vanished."""
    m = h.code == codes.MATCH_NONE
    seen = _dwelling_leases_seen(h.idx, allp, reg)
    n_seen = np.array([0 if not t else t.count(";") + 1 for t in seen])
    gone = vanished[h.idx]
    gone_txt = np.where(gone != "", " The applicant was the tenant of lease(s) " + gone.astype(str).astype(object)
                        + " in the previous snapshot (" + _fmt_day(np.array([prev_day]))[0]
                        + "), which the current snapshot no longer has: missing register rows?", "").astype(object)
    h.detail[m] = ("No lease in force for " + month + " carries the applicant's CPR number or birth date with a "
                   "matching name, and no tenant at the applied-for dwelling (" + h.where[m] + "; "
                   + _o(n_seen[m]) + " lease(s) looked at) has a matching name." + gone_txt[m])
    seen_and_gone = np.where(seen[m] != "", seen[m] + ";" + gone[m].astype(str).astype(object), gone[m])
    h.candidates[m] = np.where(gone[m] != "", seen_and_gone, seen[m])


def _dwelling_leases_seen(held: np.ndarray, allp: pd.DataFrame, reg: _Register) -> np.ndarray:
    """Per held case the ';'-joined leases at the applied-for dwelling whose tenant's name was compared."""
    seen = np.full(held.size, "", dtype=object)
    if len(allp) == 0:
        return seen
    at = allp[allp["level"] == NAME_ONLY]
    at = at[np.isin(at["ci"].to_numpy(), held)]
    if len(at):
        ids = at.drop_duplicates(["ci", "lease"]).groupby("ci")["lease"]
        s = ids.agg(lambda x: ";".join(reg.lease_id[x.to_numpy()]))
        seen[_held_position(held, s.index.to_numpy())] = s.to_numpy()
    return seen


def _held_position(held: np.ndarray, ci: np.ndarray) -> np.ndarray:
    """Position in `held` of each case row `ci`."""
    return pd.Series(np.arange(held.size), index=held).reindex(ci).to_numpy()


def _explain_ambiguous(h: _Held, group: pd.DataFrame, reg: _Register) -> None:
    """MATCH_AMBIGUOUS: the equally plausible leases, for the case worker to pick one."""
    m = h.code == codes.MATCH_AMBIGUOUS
    group_txt = np.full(h.idx.size, "", dtype=object)
    g = group[np.isin(group["ci"].to_numpy(), h.idx)]
    if len(g):
        txt = pd.Series(reg.lease_id[g["lease"].to_numpy()]).groupby(g["ci"].to_numpy()).agg(";".join)
        group_txt[_held_position(h.idx, txt.index.to_numpy())] = txt.to_numpy()
    h.detail[m] = ("Leases " + group_txt[m] + " are all plausible for the applicant (best: level " + h.level[m]
                   + ", score " + _o(h.score[m]) + ", lease " + h.lease_txt[m]
                   + "); confirm the right one and reject the others.")
    h.candidates[m] = group_txt[m]


def _explain_name_only(h: _Held, reg: _Register) -> None:
    """MATCH_NAME_ONLY: found by name alone; say which identity the register lacks."""
    m = h.code == codes.MATCH_NAME_ONLY
    no_bd = _gather(reg.birth, h.lease, _NAT_DAYS) == _NAT_DAYS
    h.detail[m] = ("Lease " + h.lease_txt[m] + " (unit " + h.unit[m] + ") found by name alone (score " + _o(h.score[m])
                   + ") at the applied-for dwelling; the register has no CPR number"
                   + np.where(no_bd[m], " and no birth date", " and a birth date that was not used").astype(object)
                   + " for its tenant" + h.by_member[m] + ". Check the identity before confirming.")


def _explain_address_differs(h: _Held, reg: _Register) -> None:
    """MATCH_ADDRESS_DIFFERS: identified, but on a lease away from the applied-for dwelling."""
    m = h.code == codes.MATCH_ADDRESS_DIFFERS
    h.detail[m] = ("Identified by " + h.level[m] + " on lease " + h.lease_txt[m] + " (unit " + h.unit[m]
                   + ", postal code " + _gather(reg.postal, h.lease, "")[m] + "), but the application is for "
                   + h.where[m] + h.by_member[m] + ". Has the applicant moved?")


def _explain_tenant_changed(h: _Held, reg: _Register, prev_day: int, old_start: np.ndarray,
                            applicant_is: np.ndarray) -> None:
    """TENANT_CHANGED_ON_LEASE: what changed between the snapshots, and on which side the applicant is."""
    m = h.code == codes.TENANT_CHANGED_ON_LEASE
    start_then = _fmt_day(_gather(old_start, h.lease, _NAT_DAYS))
    start_now = _fmt_day(_gather(reg.start, h.lease, _NAT_DAYS))
    what = np.where(start_then != start_now, "lease_start " + start_then + " -> " + start_now,
                    "tenant name changed, lease_start unchanged")
    who = np.where(applicant_is[h.idx] == "previous",
                   "The applicant was this lease's tenant in the previous snapshot; someone else is registered now.",
                   "The applicant is the tenant now registered; the previous snapshot had another name or start date.")
    h.detail[m] = ("Lease " + h.lease_txt[m] + " (unit " + h.unit[m] + "): the tenant changed between the register "
                   "snapshots of " + _fmt_day(np.array([prev_day]))[0] + " and "
                   + _fmt_day(np.array([reg.snapshot_day]))[0] + " without a new lease_id ("
                   + what[m].astype(object) + "). " + who[m].astype(object)
                   + " A new tenant may have been written over the lease (RULES 12.3).")
