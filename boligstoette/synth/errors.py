"""Register errors injected on purpose (RULES § 12.3), and their ground truth.

Every kind hits distinct leases drawn from 'quiet' leases: running since before the first snapshot,
open in all three snapshots, with no natural change in the window, in an organisation whose rows
are all there. Errors land in the latest snapshot (T-1), except the reopened variant of
lease_ended_by_mistake, which needs T-2 as well. See the README of this package for the exact
representation of each kind.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

from boligstoette.synth import fmt
from boligstoette.synth.config import INJECT_KINDS, Calendar, SynthConfig
from boligstoette.synth.people import People
from boligstoette.synth.register import Register, _round_ore, add_leases


@dataclass
class Truth:
    kind: list = field(default_factory=list)
    org: list = field(default_factory=list)
    unit: list = field(default_factory=list)  # -1: none
    lease: list = field(default_factory=list)  # -1: none
    case_lease: list = field(default_factory=list)  # lease whose case (if any) is affected, -1: none
    snap: list = field(default_factory=list)
    detail: list = field(default_factory=list)
    shortfall: dict = field(default_factory=dict)  # kind -> (wanted, injected) when candidates ran out

    def add(self, kind, org, unit, lease, case_lease, snap, detail) -> None:
        org = np.asarray(org, np.int64)
        n = len(org)
        if n == 0:
            return
        full = lambda v, dt: np.broadcast_to(np.asarray(v, dtype=dt), (n,)).copy()  # noqa: E731
        self.kind.append(np.full(n, kind, dtype=object))
        self.org.append(org)
        self.unit.append(full(unit, np.int64))
        self.lease.append(full(lease, np.int64))
        self.case_lease.append(full(case_lease, np.int64))
        self.snap.append(full(snap, np.int64))
        self.detail.append(full(detail, object))

    def arrays(self) -> dict[str, np.ndarray]:
        names = ("kind", "org", "unit", "lease", "case_lease", "snap", "detail")
        if not self.kind:
            return {k: np.zeros(0, object if k in ("kind", "detail") else np.int64) for k in names}
        return {k: np.concatenate(getattr(self, k)) for k in names}


def assign_lease_ids(reg: Register) -> None:
    order = np.lexsort((reg.gen, reg.l_unit, reg.l_start))
    rank = np.empty(len(order), np.int64)
    rank[order] = np.arange(len(order))
    reg.lease_id = np.strings.add("LM", np.strings.zfill((rank + 1).astype(str), 8))


def _in_interval(rng, cal: Calendar, j: int, n: int) -> np.ndarray:
    """Registration times between snapshot j-1 and snapshot j."""
    S = cal.snaps
    return fmt.working_time(rng, fmt.uniform_dates(rng, np.full(n, S[j - 1]), np.full(n, S[j] - fmt.DAY)))


def _pct(old: np.ndarray, new: np.ndarray) -> np.ndarray:
    return np.round((new - old) / old * 100).astype(np.int64).astype(str)


def inject(cfg: SynthConfig, cal: Calendar, rng: np.random.Generator, reg: Register, people: People) -> Truth:
    S, T = cal.snaps, cal.T
    truth = Truth()
    rates = {k: float(cfg.inject.get(k, 0.0)) for k in INJECT_KINDS}
    n_s3 = int(reg.present[2].sum())
    org_l = reg.lease_org()
    unit_l = reg.l_unit

    # corrections back to before 1 June 2014 (not errors; no notification by design)
    pre_leases = np.flatnonzero(np.isin(unit_l, reg.pre2014_units) & (reg.gen == 1))
    truth.add("pre_2014_correction", org_l[pre_leases], unit_l[pre_leases], pre_leases, pre_leases, 2,
              np.strings.add(np.strings.add(np.strings.add("rent_monthly ", fmt.fmt_money(reg.rent[1, pre_leases])),
                                            np.strings.add(" -> ", fmt.fmt_money(reg.rent[2, pre_leases]))),
                             np.strings.add(", rent_effective_from ", fmt.fmt_date(reg.eff[2, pre_leases]))).astype(object)
              + " (before 2014-06-01): no notification")

    # --- org_rows_missing ------------------------------------------------------------------------
    missing_orgs = np.zeros(0, np.int64)
    if rates["org_rows_missing"] > 0:
        n_org = len(reg.org_id)
        k = min(n_org - 1, max(1, int(round(rates["org_rows_missing"] * n_org))))
        missing_orgs = np.sort(rng.choice(n_org, k, replace=False))
        counts = []
        for o in missing_orgs:
            rows = reg.present[2] & (org_l == o)
            counts.append(int(rows.sum()))
            reg.present[2, rows] = False
        truth.add("org_rows_missing", missing_orgs, -1, -1, -1, 2,
                  np.array([f"all {c} rows of the organisation missing from the latest snapshot" for c in counts], object))

    quiet = ((reg.gen == 1) & ~reg.natural & reg.present.all(axis=0) & np.isnat(reg.endvis).all(axis=0)
             & (reg.l_start < S[0]) & ~np.isin(org_l, missing_orgs))
    pool = rng.permutation(np.flatnonzero(quiet))
    used = np.zeros(len(reg.l_unit), bool)

    def take(kind: str, cond: np.ndarray | None = None) -> np.ndarray:
        rate = rates[kind]
        if rate <= 0:
            return np.zeros(0, np.int64)
        want = max(1, int(round(rate * n_s3)))
        ok = ~used[pool] if cond is None else ~used[pool] & cond[pool]
        sel = np.sort(pool[ok][:want])
        used[sel] = True
        if len(sel) < want:
            truth.shortfall[kind] = (want, len(sel))
        return sel

    rent, supp = reg.rent, reg.supp
    whole = reg.whole_kr[unit_l]
    ev = reg.events

    # --- tenant_changed --------------------------------------------------------------------------
    sel = take("tenant_changed")
    n = len(sel)
    if n:
        birth = S[2] - (rng.uniform(20, 70, n) * 365.25).astype(np.int64).astype("timedelta64[D]")
        newp = people.add(birth)
        new_start = np.where(rng.random(n) < 0.7, fmt.month_first(T - 1),
                             fmt.uniform_dates(rng, np.full(n, S[1] + fmt.DAY), np.full(n, S[2] - fmt.DAY)))
        old_start = reg.l_start[sel]
        reg.s3_tenant[sel] = newp
        reg.s3_start[sel] = new_start
        reg.s3_birth[sel] = birth
        truth.add("tenant_changed", org_l[sel], unit_l[sel], sel, sel, 2,
                  np.strings.add(np.strings.add("new tenant written over the lease (same lease_id, no notification); lease_start ",
                                                fmt.fmt_date(old_start)), np.strings.add(" -> ", fmt.fmt_date(new_start))).astype(object))

    # --- lease_ended_by_mistake ------------------------------------------------------------------
    sel = take("lease_ended_by_mistake")
    n = len(sel)
    if n:
        n_b = int(round(0.35 * n)) if n >= 2 else 0
        perm = rng.permutation(sel)
        b, a = np.sort(perm[:n_b]), np.sort(perm[n_b:])
        end_a = np.where(rng.random(len(a)) < 0.7, fmt.month_last(T - 1), fmt.month_last(T - 2))
        reg.endvis[2, a] = end_a
        ev.add(a, "lease_ended", 2, _in_interval(rng, cal, 2, len(a)), end_a)
        truth.add("lease_ended_by_mistake", org_l[a], unit_l[a], a, a, 2,
                  np.strings.add("lease_end ", fmt.fmt_date(end_a)).astype(object) + " set although the tenant still lives there")
        end_b = np.full(len(b), fmt.month_last(T - 2))
        reg.endvis[1, b] = end_b
        ev.add(b, "lease_ended", 1, _in_interval(rng, cal, 1, len(b)), end_b)
        ev.add(b, "lease_reopened", 2, _in_interval(rng, cal, 2, len(b)), end_b + fmt.DAY)
        truth.add("lease_ended_by_mistake", org_l[b], unit_l[b], b, b, 1,
                  np.strings.add("lease_end ", fmt.fmt_date(end_b)).astype(object)
                  + " set in the T-2 snapshot, lease open again (reopened) in the T-1 snapshot")

    # --- rent_cut_by_mistake ---------------------------------------------------------------------
    sel = take("rent_cut_by_mistake", supp[2] * 10 <= rent[2] * 3)
    n = len(sel)
    if n:
        old = rent[2, sel].copy()
        new = _round_ore(old * rng.uniform(0.30, 0.65, n), whole[sel])
        rent[2, sel] = new
        _rent_event(rng, cal, reg, sel)
        truth.add("rent_cut_by_mistake", org_l[sel], unit_l[sel], sel, sel, 2,
                  _money_change("rent_monthly", old, new, _pct(old, new)))

    # --- supplements -----------------------------------------------------------------------------
    sel = take("supplement_added_by_mistake", (supp[1] == 0) & (supp[2] == 0))
    n = len(sel)
    if n:
        add = rng.integers(150, 1201, n) * 100
        old = rent[2, sel].copy()
        supp[2, sel] = add
        rent[2, sel] = old + add
        _rent_event(rng, cal, reg, sel)
        truth.add("supplement_added_by_mistake", org_l[sel], unit_l[sel], sel, sel, 2,
                  np.strings.add(np.strings.add("supplements_monthly 0.00 -> ", fmt.fmt_money(add)),
                                 _money_change("; rent_monthly", old, old + add).astype(str)).astype(object))
    sel = take("supplement_removed_by_mistake", (supp[1] > 0) & (supp[2] > 0))
    n = len(sel)
    if n:
        old_s = supp[2, sel].copy()
        old = rent[2, sel].copy()
        supp[2, sel] = 0
        rent[2, sel] = old - old_s
        _rent_event(rng, cal, reg, sel)
        truth.add("supplement_removed_by_mistake", org_l[sel], unit_l[sel], sel, sel, 2,
                  np.strings.add(np.strings.add("supplements_monthly ", fmt.fmt_money(old_s)),
                                 _money_change(" -> 0.00; rent_monthly", old, old - old_s).astype(str)).astype(object))

    # --- area_differs_from_bbr -------------------------------------------------------------------
    sel = take("area_differs_from_bbr", reg.bbr_in_register[unit_l])
    n = len(sel)
    if n:
        area10 = reg.area10[unit_l[sel]]
        bbr = np.floor(area10 / 10 + 0.5)
        f = np.where(rng.random(n) < 0.5, rng.uniform(1.15, 1.6, n), rng.uniform(0.5, 0.85, n))
        new10 = np.floor(area10 * f + 0.5).astype(np.int64)
        new10 = np.where(np.abs(new10 / 10 - bbr) <= 0.12 * bbr, np.floor(bbr * 12 + 0.5), new10).astype(np.int64)
        reg.s3_area10[sel] = new10
        truth.add("area_differs_from_bbr", org_l[sel], unit_l[sel], sel, sel, 2,
                  np.strings.add(np.strings.add("area_m2 ", fmt.fmt_tenths(new10)),
                                 np.strings.add(" in the register, BBR ", bbr.astype(np.int64).astype(str))).astype(object))

    # --- duplicate_active_lease ------------------------------------------------------------------
    sel = take("duplicate_active_lease")
    n = len(sel)
    dup_src = dup_new = np.zeros(0, np.int64)
    if n:
        start = np.where(rng.random(n) < 0.5, fmt.month_first(T - 1),
                         fmt.uniform_dates(rng, np.full(n, S[1] + fmt.DAY), np.full(n, S[2] - fmt.DAY)))
        known = np.minimum(np.maximum(start - rng.integers(0, 11, n).astype("timedelta64[D]"), S[1]), S[2] - fmt.DAY)
        birth = S[2] - (rng.uniform(20, 75, n) * 365.25).astype(np.int64).astype("timedelta64[D]")
        tenant = people.add(birth)
        consent = rng.random(n)
        present = np.zeros((3, n), bool)
        present[2] = True
        dup_new = add_leases(reg, unit_l[sel], 3, start, known, fmt.working_time(rng, known), tenant, birth,
                             consent < 0.8, consent < 0.97, present, sel)
        dup_src = sel

    # --- bad_cpr ---------------------------------------------------------------------------------
    sel = take("bad_cpr", reg.l_has_cpr)
    n = len(sel)
    if n:
        mode = np.where(rng.random(n) < 0.5, 1, 2)
        reg.bad_cpr_mode[sel] = mode
        reg.bad_cpr_draw[sel] = rng.integers(0, 1_000_000, n)
        truth.add("bad_cpr", org_l[sel], unit_l[sel], sel, sel, 2,
                  np.where(mode == 1, "tenant_cpr is not a valid date",
                           "tenant_cpr does not match tenant_birth_date").astype(object))

    # --- end_before_start ------------------------------------------------------------------------
    sel = take("end_before_start")
    n = len(sel)
    if n:
        end = reg.l_start[sel] - rng.integers(1, 401, n).astype("timedelta64[D]")
        reg.endvis[2, sel] = end
        ev.add(sel, "lease_ended", 2, _in_interval(rng, cal, 2, n), end)
        truth.add("end_before_start", org_l[sel], unit_l[sel], sel, sel, 2,
                  np.strings.add(np.strings.add("lease_end ", fmt.fmt_date(end)),
                                 np.strings.add(" before lease_start ", fmt.fmt_date(reg.l_start[sel]))).astype(object))

    assign_lease_ids(reg)
    if len(dup_new):
        org_d = reg.lease_org()[dup_new]
        truth.add("duplicate_active_lease", org_d, reg.l_unit[dup_new], dup_new, dup_src, 2,
                  np.strings.add("second active lease on the unit; the existing lease is ", reg.lease_id[dup_src]).astype(object))
    return truth


def _rent_event(rng, cal: Calendar, reg: Register, sel: np.ndarray) -> None:
    n = len(sel)
    reg.eff[2, sel] = np.where(rng.random(n) < 0.6, fmt.month_first(cal.T - 1), fmt.month_first(cal.T))
    reg.regat[2, sel] = _in_interval(rng, cal, 2, n)
    reg.events.add(sel, "rent_changed", 2, reg.regat[2, sel], reg.eff[2, sel])


def _money_change(label: str, old: np.ndarray, new: np.ndarray, pct: np.ndarray | None = None) -> np.ndarray:
    out = np.strings.add(np.strings.add(f"{label} ", fmt.fmt_money(old)), np.strings.add(" -> ", fmt.fmt_money(new)))
    if pct is not None:
        out = np.strings.add(np.strings.add(out, " ("), np.strings.add(pct, " %)"))
    return out.astype(object)
