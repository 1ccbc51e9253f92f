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

from boligstoette import months
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
        def full(value, dtype) -> np.ndarray:
            return np.broadcast_to(np.asarray(value, dtype=dtype), (n,)).copy()

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
    truth = Truth()
    _pre2014_truth(reg, truth)
    rates = {k: float(cfg.inject.get(k, 0.0)) for k in INJECT_KINDS}
    n_s3 = int(reg.present[2].sum())  # rates are shares of the latest snapshot as built, before rows go missing
    missing_orgs = _org_rows_missing(rng, reg, truth, rates["org_rows_missing"])
    inj = _Injector(cal, rng, reg, people, truth, rates, n_s3, missing_orgs)
    # The kinds draw, in this order, from the one stream and the one pool of quiet leases: reordering
    # them would change which leases each kind hits.
    inj.tenant_changed()
    inj.lease_ended_by_mistake()
    inj.rent_cut_by_mistake()
    inj.supplement_added_by_mistake()
    inj.supplement_removed_by_mistake()
    inj.area_differs_from_bbr()
    dup_src, dup_new = inj.duplicate_active_lease()
    inj.bad_cpr()
    inj.end_before_start()
    assign_lease_ids(reg)
    if len(dup_new):  # the truth names the existing lease by its id, known only now
        org_d = reg.lease_org()[dup_new]
        truth.add("duplicate_active_lease", org_d, reg.l_unit[dup_new], dup_new, dup_src, 2,
                  np.strings.add("second active lease on the unit; the existing lease is ",
                                 reg.lease_id[dup_src]).astype(object))
    return truth


def _pre2014_truth(reg: Register, truth: Truth) -> None:
    """Corrections back to before 1 June 2014: not errors (no notification by design), but recorded."""
    org_l, unit_l = reg.lease_org(), reg.l_unit
    pre = np.flatnonzero(np.isin(unit_l, reg.pre2014_units) & (reg.gen == 1))
    rent_change = np.strings.add(np.strings.add("rent_monthly ", fmt.fmt_money(reg.rent[1, pre])),
                                 np.strings.add(" -> ", fmt.fmt_money(reg.rent[2, pre])))
    detail = np.strings.add(rent_change, np.strings.add(", rent_effective_from ", fmt.fmt_date(reg.eff[2, pre])))
    truth.add("pre_2014_correction", org_l[pre], unit_l[pre], pre, pre, 2,
              detail.astype(object) + " (before 2014-06-01): no notification")


def _org_rows_missing(rng: np.random.Generator, reg: Register, truth: Truth, rate: float) -> np.ndarray:
    """Whole organisations left out of the latest snapshot; returns them."""
    if rate <= 0:
        return np.zeros(0, np.int64)
    org_l = reg.lease_org()
    n_org = len(reg.org_id)
    k = min(n_org - 1, max(1, int(round(rate * n_org))))
    missing_orgs = np.sort(rng.choice(n_org, k, replace=False))
    counts = []
    for o in missing_orgs:
        rows = reg.present[2] & (org_l == o)
        counts.append(int(rows.sum()))
        reg.present[2, rows] = False
    truth.add("org_rows_missing", missing_orgs, -1, -1, -1, 2,
              np.array([f"all {c} rows of the organisation missing from the latest snapshot" for c in counts], object))
    return missing_orgs


class _Injector:
    """Injects the lease-level error kinds, one method each, into distinct quiet leases."""

    def __init__(self, cal: Calendar, rng: np.random.Generator, reg: Register, people: People, truth: Truth,
                 rates: dict[str, float], n_s3: int, missing_orgs: np.ndarray):
        self.cal, self.rng, self.reg, self.people, self.truth, self.rates = cal, rng, reg, people, truth, rates
        S = cal.snaps
        self.n_s3 = n_s3
        # lease arrays as they are before duplicate_active_lease appends leases
        self.org_l = reg.lease_org()
        self.unit_l = reg.l_unit
        quiet = ((reg.gen == 1) & ~reg.natural & reg.present.all(axis=0) & np.isnat(reg.endvis).all(axis=0)
                 & (reg.l_start < S[0]) & ~np.isin(self.org_l, missing_orgs))
        self.pool = rng.permutation(np.flatnonzero(quiet))
        self.used = np.zeros(len(reg.l_unit), bool)

    def take(self, kind: str, cond: np.ndarray | None = None) -> np.ndarray:
        """The next unused quiet leases (meeting cond) for kind, as many as its rate asks for."""
        rate = self.rates[kind]
        if rate <= 0:
            return np.zeros(0, np.int64)
        want = max(1, int(round(rate * self.n_s3)))
        pool, used = self.pool, self.used
        ok = ~used[pool] if cond is None else ~used[pool] & cond[pool]
        sel = np.sort(pool[ok][:want])
        used[sel] = True
        if len(sel) < want:
            self.truth.shortfall[kind] = (want, len(sel))
        return sel

    def record(self, kind: str, sel: np.ndarray, detail, snap: int = 2) -> None:
        self.truth.add(kind, self.org_l[sel], self.unit_l[sel], sel, sel, snap, detail)

    def tenant_changed(self) -> None:
        """A new tenant written over the lease, without a new lease or a notification."""
        sel = self.take("tenant_changed")
        n = len(sel)
        if not n:
            return
        rng, reg, S, T = self.rng, self.reg, self.cal.snaps, self.cal.T
        birth = S[2] - (rng.uniform(20, 70, n) * 365.25).astype(np.int64).astype("timedelta64[D]")
        newp = self.people.add(birth)
        new_start = np.where(rng.random(n) < 0.7, months.month_first(T - 1),
                             fmt.uniform_dates(rng, np.full(n, S[1] + fmt.DAY), np.full(n, S[2] - fmt.DAY)))
        old_start = reg.l_start[sel]
        reg.s3_tenant[sel] = newp
        reg.s3_start[sel] = new_start
        reg.s3_birth[sel] = birth
        what = "new tenant written over the lease (same lease_id, no notification); lease_start "
        detail = np.strings.add(np.strings.add(what, fmt.fmt_date(old_start)),
                                np.strings.add(" -> ", fmt.fmt_date(new_start)))
        self.record("tenant_changed", sel, detail.astype(object))

    def lease_ended_by_mistake(self) -> None:
        """An end date on a lease that still runs: in the latest snapshot (a), or in T-2 and then reopened (b)."""
        sel = self.take("lease_ended_by_mistake")
        n = len(sel)
        if not n:
            return
        rng, reg, cal, T, ev = self.rng, self.reg, self.cal, self.cal.T, self.reg.events
        n_b = int(round(0.35 * n)) if n >= 2 else 0
        perm = rng.permutation(sel)
        b, a = np.sort(perm[:n_b]), np.sort(perm[n_b:])
        end_a = np.where(rng.random(len(a)) < 0.7, months.month_last(T - 1), months.month_last(T - 2))
        reg.endvis[2, a] = end_a
        ev.add(a, "lease_ended", 2, _in_interval(rng, cal, 2, len(a)), end_a)
        self.record("lease_ended_by_mistake", a, np.strings.add("lease_end ", fmt.fmt_date(end_a)).astype(object)
                    + " set although the tenant still lives there")
        end_b = np.full(len(b), months.month_last(T - 2))
        reg.endvis[1, b] = end_b
        ev.add(b, "lease_ended", 1, _in_interval(rng, cal, 1, len(b)), end_b)
        ev.add(b, "lease_reopened", 2, _in_interval(rng, cal, 2, len(b)), end_b + fmt.DAY)
        self.record("lease_ended_by_mistake", b, np.strings.add("lease_end ", fmt.fmt_date(end_b)).astype(object)
                    + " set in the T-2 snapshot, lease open again (reopened) in the T-1 snapshot", snap=1)

    def rent_cut_by_mistake(self) -> None:
        """The rent cut to 30-65 %, on leases whose supplements are at most 30 % of the rent."""
        reg = self.reg
        rent = reg.rent
        sel = self.take("rent_cut_by_mistake", reg.supp[2] * 10 <= rent[2] * 3)
        n = len(sel)
        if not n:
            return
        old = rent[2, sel].copy()
        new = _round_ore(old * self.rng.uniform(0.30, 0.65, n), reg.whole_kr[self.unit_l[sel]])
        rent[2, sel] = new
        _rent_event(self.rng, self.cal, reg, sel)
        self.record("rent_cut_by_mistake", sel, _money_change("rent_monthly", old, new, _pct(old, new)))

    def supplement_added_by_mistake(self) -> None:
        """A supplement (and the rent with it) added on a lease that had none."""
        rent, supp = self.reg.rent, self.reg.supp
        sel = self.take("supplement_added_by_mistake", (supp[1] == 0) & (supp[2] == 0))
        n = len(sel)
        if not n:
            return
        add = self.rng.integers(150, 1201, n) * 100
        old = rent[2, sel].copy()
        supp[2, sel] = add
        rent[2, sel] = old + add
        _rent_event(self.rng, self.cal, self.reg, sel)
        detail = np.strings.add(np.strings.add("supplements_monthly 0.00 -> ", fmt.fmt_money(add)),
                                _money_change("; rent_monthly", old, old + add).astype(str))
        self.record("supplement_added_by_mistake", sel, detail.astype(object))

    def supplement_removed_by_mistake(self) -> None:
        """The supplement (and the rent with it) removed although it still applies."""
        rent, supp = self.reg.rent, self.reg.supp
        sel = self.take("supplement_removed_by_mistake", (supp[1] > 0) & (supp[2] > 0))
        if not len(sel):
            return
        old_s = supp[2, sel].copy()
        old = rent[2, sel].copy()
        supp[2, sel] = 0
        rent[2, sel] = old - old_s
        _rent_event(self.rng, self.cal, self.reg, sel)
        detail = np.strings.add(np.strings.add("supplements_monthly ", fmt.fmt_money(old_s)),
                                _money_change(" -> 0.00; rent_monthly", old, old - old_s).astype(str))
        self.record("supplement_removed_by_mistake", sel, detail.astype(object))

    def area_differs_from_bbr(self) -> None:
        """A register area more than 12 % off BBR's, on units BBR knows."""
        reg, rng = self.reg, self.rng
        sel = self.take("area_differs_from_bbr", reg.bbr_in_register[self.unit_l])
        n = len(sel)
        if not n:
            return
        area10 = reg.area10[self.unit_l[sel]]
        bbr = np.floor(area10 / 10 + 0.5)
        f = np.where(rng.random(n) < 0.5, rng.uniform(1.15, 1.6, n), rng.uniform(0.5, 0.85, n))
        new10 = np.floor(area10 * f + 0.5).astype(np.int64)
        new10 = np.where(np.abs(new10 / 10 - bbr) <= 0.12 * bbr, np.floor(bbr * 12 + 0.5), new10).astype(np.int64)
        reg.s3_area10[sel] = new10
        detail = np.strings.add(np.strings.add("area_m2 ", fmt.fmt_tenths(new10)),
                                np.strings.add(" in the register, BBR ", bbr.astype(np.int64).astype(str)))
        self.record("area_differs_from_bbr", sel, detail.astype(object))

    def duplicate_active_lease(self) -> tuple[np.ndarray, np.ndarray]:
        """A second lease, with another tenant, on a unit whose lease runs; returns the source and new leases.
        Their truth is added once lease ids exist."""
        sel = self.take("duplicate_active_lease")
        n = len(sel)
        if not n:
            return np.zeros(0, np.int64), np.zeros(0, np.int64)
        rng, S, T = self.rng, self.cal.snaps, self.cal.T
        start = np.where(rng.random(n) < 0.5, months.month_first(T - 1),
                         fmt.uniform_dates(rng, np.full(n, S[1] + fmt.DAY), np.full(n, S[2] - fmt.DAY)))
        known = np.minimum(np.maximum(start - rng.integers(0, 11, n).astype("timedelta64[D]"), S[1]), S[2] - fmt.DAY)
        birth = S[2] - (rng.uniform(20, 75, n) * 365.25).astype(np.int64).astype("timedelta64[D]")
        tenant = self.people.add(birth)
        consent = rng.random(n)
        present = np.zeros((3, n), bool)
        present[2] = True
        dup_new = add_leases(self.reg, self.unit_l[sel], 3, start, known, fmt.working_time(rng, known), tenant, birth,
                             consent < 0.8, consent < 0.97, present, sel)
        return sel, dup_new

    def bad_cpr(self) -> None:
        """A CPR number that is not a date, or not the tenant's birth date (made up at write time)."""
        reg, rng = self.reg, self.rng
        sel = self.take("bad_cpr", reg.l_has_cpr)
        n = len(sel)
        if not n:
            return
        mode = np.where(rng.random(n) < 0.5, 1, 2)
        reg.bad_cpr_mode[sel] = mode
        reg.bad_cpr_draw[sel] = rng.integers(0, 1_000_000, n)
        self.record("bad_cpr", sel, np.where(mode == 1, "tenant_cpr is not a valid date",
                                             "tenant_cpr does not match tenant_birth_date").astype(object))

    def end_before_start(self) -> None:
        """A lease end date before the lease's start."""
        reg, rng = self.reg, self.rng
        sel = self.take("end_before_start")
        n = len(sel)
        if not n:
            return
        end = reg.l_start[sel] - rng.integers(1, 401, n).astype("timedelta64[D]")
        reg.endvis[2, sel] = end
        reg.events.add(sel, "lease_ended", 2, _in_interval(rng, self.cal, 2, n), end)
        detail = np.strings.add(np.strings.add("lease_end ", fmt.fmt_date(end)),
                                np.strings.add(" before lease_start ", fmt.fmt_date(reg.l_start[sel])))
        self.record("end_before_start", sel, detail.astype(object))


def _rent_event(rng, cal: Calendar, reg: Register, sel: np.ndarray) -> None:
    n = len(sel)
    reg.eff[2, sel] = np.where(rng.random(n) < 0.6, months.month_first(cal.T - 1), months.month_first(cal.T))
    reg.regat[2, sel] = _in_interval(rng, cal, 2, n)
    reg.events.add(sel, "rent_changed", 2, reg.regat[2, sel], reg.eff[2, sel])


def _money_change(label: str, old: np.ndarray, new: np.ndarray, pct: np.ndarray | None = None) -> np.ndarray:
    out = np.strings.add(np.strings.add(f"{label} ", fmt.fmt_money(old)), np.strings.add(" -> ", fmt.fmt_money(new)))
    if pct is not None:
        out = np.strings.add(np.strings.add(out, " ("), np.strings.add(pct, " %)"))
    return out.astype(object)
