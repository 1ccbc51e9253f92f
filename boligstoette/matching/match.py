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
import re
from dataclasses import dataclass, field
from functools import cached_property

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc

from boligstoette.landing import month_start
from boligstoette import codes
from boligstoette.matching import resolutions as res_mod
from boligstoette.matching.names import MATCH_FLOOR, compare_many, normalise_addresses, normalise_names

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


def cpr_birth_dates(cpr) -> np.ndarray:
    """The birth date in CPR numbers (DDMMYY + the century rule of the 7th digit), as int64 days;
    _NAT_DAYS when missing or not a date. Internal only: the CPR itself never leaves this function."""
    arr = pa.array(pd.Series(cpr, dtype=object).to_numpy(dtype=object), type=pa.string(), from_pandas=True)
    out = np.full(len(arr), _NAT_DAYS, dtype=np.int64)
    ok = pc.fill_null(pc.match_substring_regex(arr, r"^\d{6}-?\d{4}$"), False).to_numpy(zero_copy_only=False)
    if not ok.any():
        return out
    digits = pc.replace_substring(arr.filter(pa.array(ok)), "-", "")

    def part(a, b):
        return pc.cast(pc.utf8_slice_codeunits(digits, a, b), pa.int64()).to_numpy()

    dd, mm, yy, c7 = part(0, 2), part(2, 4), part(4, 6), part(6, 7)
    century = np.where(c7 <= 3, 1900, np.where((c7 == 4) | (c7 == 9), np.where(yy <= 36, 2000, 1900),
                                               np.where(yy <= 57, 2000, 1800)))
    year = century + yy
    leap = (year % 4 == 0) & ((year % 100 != 0) | (year % 400 == 0))
    month_days = np.array([0, 31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31])[np.clip(mm, 0, 12)] + (leap & (mm == 2))
    valid = (mm >= 1) & (mm <= 12) & (dd >= 1) & (dd <= month_days)
    y, m, d = np.where(valid, year, 1970), np.where(valid, mm, 1), np.where(valid, dd, 1)
    days = ((y - 1970).astype("datetime64[Y]").astype("datetime64[M]") + (m - 1)).astype("datetime64[D]") + (d - 1)
    out[ok] = np.where(valid, days.astype(np.int64), _NAT_DAYS)
    return out


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
        day = cpr_birth_dates(self.frame["tenant_cpr"])
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
    return (pd.Series(postal, dtype=object).fillna("").astype(str) + "|" + pd.Series(addr, dtype=object).astype(str)).to_numpy(dtype=object)


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
    birth = cpr_birth_dates(apps["applicant_cpr"])
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


def _previous_tenant_pairs(cases: _Cases, prev: _Register | None, lease_map: np.ndarray, ci: np.ndarray) -> pd.DataFrame:
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
    first = pd.Timestamp(month_start(month))
    last = first + pd.offsets.MonthEnd(0)
    reg = _Register(register, first, last)
    cases = _prepare_cases(applications, members, first)
    n = len(cases.case_id)
    changes = _identity_changes(reg, previous_register, first, last)
    changed = np.zeros(len(reg.lease_id), bool)
    changed[changes.lease] = True
    old_start = np.full(len(reg.lease_id), _NAT_DAYS, np.int64)
    old_start[changes.lease] = changes.old_start

    status, rejects, confirms = _fit_resolutions(resolutions, cases, reg, changed)

    # tier 1: CPR (applicant, and members in force who may hold the lease)
    all_persons = np.arange(len(cases.p_case))
    pairs = [_annotate(_drop_rejected(_cpr_pairs(cases, reg, all_persons), rejects), cases, reg)]
    settled = _settled(pairs[-1], n)
    # tier 2: birth date + name, first at the applied-for dwelling, then nationally (blocked by birth date)
    by_birth, by_name = _dwelling_pairs(cases, reg, np.flatnonzero(~settled))
    pairs.append(_annotate(_drop_rejected(by_birth, rejects), cases, reg))
    settled |= _settled(pairs[-1], n)
    persons = all_persons[~settled[cases.p_case]]
    pairs.append(_annotate(_drop_rejected(_birth_name_pairs(cases, reg, persons), rejects), cases, reg))
    settled |= _settled(pairs[-1], n)
    # tier 3: name at the applied-for dwelling
    by_name = by_name[~settled[by_name["ci"].to_numpy()]]
    pairs.append(_annotate(_drop_rejected(by_name, rejects), cases, reg))
    allp = pd.concat(pairs, ignore_index=True)
    # a member's identity counts only at the applied-for dwelling or in its postal code
    allp = allp[(allp["via"] == APPLICANT) | (allp["loc"] < ELSEWHERE)]
    allp = allp.sort_values(["ci", "lease", "passes", "level", "via", "score"], ascending=[True, True, False, True, True, False],
                            kind="stable").drop_duplicates(["ci", "lease"], keep="first").reset_index(drop=True)

    best = _select(allp, n)

    # holds
    lease = best["lease"]
    has = lease >= 0
    in_force = _gather(reg.in_force, np.where(has, lease, -1), False)
    hold = np.full(n, None, dtype=object)
    lvl = best["level"]
    hold[~has] = codes.MATCH_NONE
    hold[has & in_force & (lvl == NAME_ONLY)] = codes.MATCH_NAME_ONLY
    hold[has & in_force & (best["loc"] == ELSEWHERE) & (lvl != NAME_ONLY)] = codes.MATCH_ADDRESS_DIFFERS
    hold[has & in_force & (best["n_plausible"] > 1)] = codes.MATCH_AMBIGUOUS
    tc_current = has & in_force & _gather(changed, np.where(has, lease, -1), False)
    hold[tc_current] = codes.TENANT_CHANGED_ON_LEASE
    applicant_is = np.full(n, "", dtype=object)
    applicant_is[tc_current] = "current"

    # the applicant was the tenant in the previous snapshot of a lease now holding someone else
    look = np.flatnonzero(~has | ~in_force | (lvl == NAME_ONLY) | (best["loc"] != AT_DWELLING) | (best["n_plausible"] > 1))
    prevp = _drop_rejected(_previous_tenant_pairs(cases, changes.prev, changes.lease, look), rejects)
    if len(prevp):
        prevp = _annotate(prevp, cases, reg)
        prevp = prevp[(prevp["via"] == APPLICANT) | (prevp["loc"] < ELSEWHERE)]
        prevp = prevp.sort_values(["ci", "level", "via", "loc", "score"], ascending=[True, True, True, True, False], kind="stable")
        first_prev = prevp.drop_duplicates("ci", keep="first")
        ci = first_prev["ci"].to_numpy()
        lease[ci] = first_prev["lease"].to_numpy()
        lvl[ci] = first_prev["level"].to_numpy()
        best["score"][ci] = first_prev["score"].to_numpy()
        best["via"][ci] = first_prev["via"].to_numpy()
        best["loc"][ci] = first_prev["loc"].to_numpy()
        g = best["group"]
        best["group"] = pd.concat([g[~np.isin(g["ci"].to_numpy(), ci)], first_prev[["ci", "lease"]]], ignore_index=True)
        has[ci] = True
        in_force[ci] = reg.in_force[lease[ci]]
        hold[ci] = codes.TENANT_CHANGED_ON_LEASE
        applicant_is[ci] = "previous"
        allp = pd.concat([allp, prevp.assign(passes=True)], ignore_index=True)

    # unmatched: was the applicant the tenant of a lease that has vanished from the register?
    vanished = np.full(n, "", dtype=object)
    none_ci = np.flatnonzero(~has)
    if len(changes.vanished_lease_id) and none_ci.size:
        vp = _previous_tenant_pairs(cases, changes.vanished, np.arange(len(changes.vanished_lease_id)), none_ci)
        if len(vp):
            vp = vp.drop_duplicates(["ci", "lease"])
            ids = vp.groupby("ci")["lease"].agg(lambda x: ";".join(changes.vanished_lease_id[x.to_numpy()]))
            vanished[ids.index.to_numpy()] = ids.to_numpy()

    # confirmed by a case worker
    resolved = np.zeros(n, bool)
    if len(confirms):
        ci = confirms["ci"].to_numpy()
        cl = confirms["lease"].to_numpy()
        key = pd.MultiIndex.from_arrays([allp["ci"], allp["lease"]])
        found = pd.Series(np.arange(len(allp)), index=key)
        found = found[~found.index.duplicated()]
        pos = found.reindex(pd.MultiIndex.from_arrays([ci, cl])).to_numpy()
        known = ~np.isnan(pos)
        pos_i = np.where(known, pos, 0).astype(np.int64)
        p_pass = allp["passes"].to_numpy()[pos_i] & known
        lease[ci] = cl
        lvl[ci] = np.where(p_pass, allp["level"].to_numpy()[pos_i], NONE)
        best["score"][ci] = np.where(known, allp["score"].to_numpy()[pos_i], 0)
        best["via"][ci] = np.where(known, allp["via"].to_numpy()[pos_i], APPLICANT)
        has[ci] = True
        in_force[ci] = True
        hold[ci] = None
        resolved[ci] = True

    payable = has & in_force & pd.isna(hold)
    lease_safe = np.where(has, lease, -1)
    lease_id = _gather(reg.lease_id, lease_safe, None)
    matches = pd.DataFrame({
        "case_id": pd.Series(cases.case_id, dtype="str"),
        "lease_id": pd.Series(lease_id, dtype="str"),
        "unit_id": pd.Series(_gather(reg.unit_id, lease_safe, None), dtype="str"),
        "org_id": pd.Series(_gather(reg.org_id, lease_safe, None), dtype="str"),
        "match_level": pd.Series(np.array(LEVELS, dtype=object)[np.where(has, lvl, NONE)], dtype="str"),
        "score": best["score"].astype(np.int64),
        "candidates": pd.Series(_candidates_json(allp, reg, n, np.where(has, lease, -1)), dtype="str"),
        "payable": payable,
        "hold_reason": pd.Series(hold, dtype="str"),
        "resolved": resolved,
        "lease_in_force": in_force & has,
        "matched_via": pd.Series(np.where(has, np.array(VIA, dtype=object)[best["via"]], None), dtype="str"),
    })
    queue = _review_queue(matches, best, allp, reg, cases, month, changes, old_start, applicant_is, vanished)
    return MatchResult(matches, queue, status)


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
    return np.where(np.asarray(dwelling, bool), AT_DWELLING, np.where(np.asarray(postal, bool), IN_POSTAL_CODE, ELSEWHERE)).astype(np.int8)


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
    out = {
        "lease": np.full(n, -1, np.int64), "level": np.full(n, NONE, np.int64), "via": np.zeros(n, np.int64),
        "score": np.zeros(n, np.int64), "loc": np.full(n, ELSEWHERE, np.int64), "n_plausible": np.zeros(n, np.int64),
        "group": pd.DataFrame({"ci": np.zeros(0, np.int64), "lease": np.zeros(0, np.int64)}),
    }
    if len(allp):  # unmatched cases report the best score seen (below the match floor)
        best_any = allp.groupby("ci")["score"].max()
        out["score"][best_any.index.to_numpy()] = np.minimum(best_any.to_numpy(), MATCH_FLOOR - 1)
    plaus = allp[allp["passes"]]
    if len(plaus) == 0:
        return out
    plaus = plaus.assign(not_in_force=~plaus["in_force"], neg_score=-plaus["score"], neg_lease=-plaus["lease"])
    plaus = plaus.sort_values(["ci", "not_in_force", "level", "via", "loc", "neg_score", "neg_lease"], kind="stable")
    ci = plaus["ci"].to_numpy()
    first = np.r_[True, ci[1:] != ci[:-1]]
    first_idx = np.flatnonzero(first)
    owner = np.repeat(first_idx, np.diff(np.r_[first_idx, len(ci)]))
    gkey = plaus[["not_in_force", "level", "via", "loc"]].to_numpy(np.int64)
    same = (gkey == gkey[owner]).all(axis=1)
    # nearer plausible leases in force than the best one
    loc = plaus["loc"].to_numpy()
    nearer = plaus["in_force"].to_numpy() & (loc < loc[owner]) & (gkey[owner][:, 0] == 0)
    member = same | nearer
    counts = pd.Series(member).groupby(ci).sum()
    top = plaus.iloc[first_idx]
    c = top["ci"].to_numpy()
    out["lease"][c] = top["lease"].to_numpy()
    out["level"][c] = top["level"].to_numpy()
    out["via"][c] = top["via"].to_numpy()
    out["score"][c] = top["score"].to_numpy()
    out["loc"][c] = top["loc"].to_numpy()
    out["n_plausible"][c] = counts.reindex(c).to_numpy()
    out["group"] = plaus.loc[member, ["ci", "lease"]].reset_index(drop=True)
    return out


def _fit_resolutions(resolutions, cases: _Cases, reg: _Register, changed: np.ndarray):
    """Which decisions apply (see resolutions.py): returns (status frame, rejects, confirms) with ci/lease."""
    frame = res_mod.latest_decisions(resolutions)
    if len(frame) == 0:
        status = pd.DataFrame({c: pd.Series(dtype="str") for c in STATUS_COLUMNS})
        status["decided_at"] = pd.Series(dtype="datetime64[us, UTC]")
        none = pd.DataFrame({"ci": np.zeros(0, np.int64), "lease": np.zeros(0, np.int64)})
        return status, none, none
    ci_of = pd.Series(np.arange(len(cases.case_id)), index=pd.Index(cases.case_id))
    lease_of = pd.Series(np.arange(len(reg.lease_id)), index=pd.Index(reg.lease_id))
    ci = ci_of.reindex(frame["case_id"].astype(object)).to_numpy()
    lease = lease_of.reindex(frame["lease_id"].astype(object)).to_numpy()
    has_case, has_lease = ~np.isnan(ci), ~np.isnan(lease)
    ci_i = np.where(has_case, ci, 0).astype(np.int64)
    l_i = np.where(has_lease, lease, 0).astype(np.int64)
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
    # one confirm per case: the latest decided
    conf = np.flatnonzero(rest & is_confirm)
    if conf.size:
        order = pd.DataFrame({"ci": ci_i[conf], "at": frame["decided_at"].to_numpy()[conf], "o": frame["_order"].to_numpy()[conf],
                              "row": conf}).sort_values(["ci", "at", "o"])
        loser = order["row"].to_numpy()[order.duplicated("ci", keep="last").to_numpy()]
        status[loser] = res_mod.SUPERSEDED
        rest[loser] = False
    applied = rest
    rejects = pd.DataFrame({"ci": ci_i[applied & ~is_confirm], "lease": l_i[applied & ~is_confirm]})
    confirms = pd.DataFrame({"ci": ci_i[applied & is_confirm], "lease": l_i[applied & is_confirm]})
    out = pd.DataFrame({
        "case_id": _masked(frame["case_id"]),
        "lease_id": _masked(frame["lease_id"]),
        "decision": frame["decision"].astype("str"),
        "decided_by": _masked(frame["decided_by"]),
        "decided_at": frame["decided_at"],
        "status": pd.Series(status, dtype="str"),
    })
    return out, rejects, confirms


_CPR_SHAPED = re.compile(r"\d{6}-\d{4}")


def _masked(values: pd.Series) -> pd.Series:
    """Free text typed by a case worker, with anything shaped like a CPR number masked."""
    return values.astype("str").str.replace(_CPR_SHAPED, "<cpr>", regex=True)


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


def _review_queue(matches, best, allp, reg: _Register, cases: _Cases, month: str, changes: _Changes,
                  old_start: np.ndarray, applicant_is: np.ndarray, vanished: np.ndarray) -> pd.DataFrame:
    hold = matches["hold_reason"].to_numpy(dtype=object)
    held = np.flatnonzero(pd.notna(hold))
    if held.size == 0:
        return pd.DataFrame({c: pd.Series(dtype="str") for c in QUEUE_COLUMNS})
    lease_id = matches["lease_id"].to_numpy(dtype=object)
    lease = pd.Series(np.arange(len(reg.lease_id)), index=pd.Index(reg.lease_id)).reindex(lease_id[held]).to_numpy()
    has = ~np.isnan(lease)
    li = np.where(has, lease, -1).astype(np.int64)
    score = matches["score"].to_numpy()[held]
    level = matches["match_level"].to_numpy(dtype=object)[held]
    via = matches["matched_via"].to_numpy(dtype=object)[held]
    code = hold[held]
    unit = _gather(reg.unit_id, li, "")
    lease_txt = np.where(has, lease_id[held], "").astype(object)
    named_unit = cases.unit_id[held]
    where = np.where(pd.notna(named_unit), "unit " + pd.Series(named_unit).fillna("").astype(str).to_numpy(dtype=object),
                     "postal code " + pd.Series(cases.postal[held]).fillna("").astype(str).to_numpy(dtype=object))
    by_member = np.where(via == "member", " (the registered tenant is a household member, not the applicant)", "")
    detail = np.full(held.size, "", dtype=object)
    candidates = lease_txt.copy()

    # equally plausible leases (ambiguous)
    group_txt = np.full(held.size, "", dtype=object)
    g = best["group"]
    g = g[np.isin(g["ci"].to_numpy(), held)]
    if len(g):
        txt = pd.Series(reg.lease_id[g["lease"].to_numpy()]).groupby(g["ci"].to_numpy()).agg(";".join)
        group_txt[pd.Series(np.arange(held.size), index=held).reindex(txt.index.to_numpy()).to_numpy()] = txt.to_numpy()

    # leases looked at, at the applied-for dwelling (for MATCH_NONE)
    seen = np.full(held.size, "", dtype=object)
    if len(allp):
        at = allp[allp["level"] == NAME_ONLY]
        at = at[np.isin(at["ci"].to_numpy(), held)]
        if len(at):
            s = at.drop_duplicates(["ci", "lease"]).groupby("ci")["lease"].agg(lambda x: ";".join(reg.lease_id[x.to_numpy()]))
            pos = pd.Series(np.arange(held.size), index=held).reindex(s.index.to_numpy()).to_numpy()
            seen[pos] = s.to_numpy()
    n_seen = np.array([0 if not t else t.count(";") + 1 for t in seen])

    m = code == codes.MATCH_NONE
    gone = vanished[held]
    gone_txt = np.where(gone != "", " The applicant was the tenant of lease(s) " + gone.astype(str).astype(object)
                        + " in the previous snapshot (" + _fmt_day(np.array([changes.prev_day]))[0]
                        + "), which the current snapshot no longer has: missing register rows?", "").astype(object)
    detail[m] = ("No lease in force for " + month + " carries the applicant's CPR number or birth date with a "
                 "matching name, and no tenant at the applied-for dwelling (" + where[m] + "; "
                 + _o(n_seen[m]) + " lease(s) looked at) has a matching name." + gone_txt[m])
    candidates[m] = np.where(gone[m] != "", np.where(seen[m] != "", seen[m] + ";" + gone[m].astype(str).astype(object), gone[m]), seen[m])
    m = code == codes.MATCH_AMBIGUOUS
    detail[m] = ("Leases " + group_txt[m] + " are all plausible for the applicant (best: level " + level[m] + ", score "
                 + _o(score[m]) + ", lease " + lease_txt[m] + "); confirm the right one and reject the others.")
    candidates[m] = group_txt[m]
    m = code == codes.MATCH_NAME_ONLY
    no_bd = _gather(reg.birth, li, _NAT_DAYS) == _NAT_DAYS
    detail[m] = ("Lease " + lease_txt[m] + " (unit " + unit[m] + ") found by name alone (score " + _o(score[m])
                 + ") at the applied-for dwelling; the register has no CPR number"
                 + np.where(no_bd[m], " and no birth date", " and a birth date that was not used").astype(object)
                 + " for its tenant" + by_member[m] + ". Check the identity before confirming.")
    m = code == codes.MATCH_ADDRESS_DIFFERS
    detail[m] = ("Identified by " + level[m] + " on lease " + lease_txt[m] + " (unit " + unit[m] + ", postal code "
                 + _gather(reg.postal, li, "")[m] + "), but the application is for "
                 + where[m] + by_member[m] + ". Has the applicant moved?")
    m = code == codes.TENANT_CHANGED_ON_LEASE
    role = applicant_is[held]
    start_then = _fmt_day(_gather(old_start, li, _NAT_DAYS))
    start_now = _fmt_day(_gather(reg.start, li, _NAT_DAYS))
    what = np.where(start_then != start_now, "lease_start " + start_then + " -> " + start_now, "tenant name changed, lease_start unchanged")
    who = np.where(role == "previous",
                   "The applicant was this lease's tenant in the previous snapshot; someone else is registered now.",
                   "The applicant is the tenant now registered; the previous snapshot had another name or start date.")
    detail[m] = ("Lease " + lease_txt[m] + " (unit " + unit[m] + "): the tenant changed between the register snapshots of "
                 + _fmt_day(np.array([changes.prev_day]))[0] + " and " + _fmt_day(np.array([reg.snapshot_day]))[0]
                 + " without a new lease_id (" + what[m].astype(object) + "). " + who[m].astype(object)
                 + " A new tenant may have been written over the lease (RULES 12.3).")
    return pd.DataFrame({
        "case_id": pd.Series(matches["case_id"].to_numpy(dtype=object)[held], dtype="str"),
        "reason_code": pd.Series(code, dtype="str"),
        "detail": pd.Series(detail, dtype="str"),
        "candidate_lease_ids": pd.Series(candidates, dtype="str"),
    })
