"""Organisations, departments, dwellings and leases, and how the register changes over three snapshots.

Everything is held as numpy arrays (codes and integers, money in øre, dates as datetime64); the
writer turns them into text. Per-snapshot lease values are arrays of shape (3, n_leases), index 2
being the latest snapshot (T-1).

Lease generations (`gen`): 0 = a lease that ended before the first snapshot (shown while it ended
within 24 months), 1 = the lease running at the first snapshot, 2 = a new lease after a natural
tenant change (old lease ended, new lease_id), 3 = a duplicate lease injected as an error.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass, field

import numpy as np

from boligstoette import months
from boligstoette.synth import fmt, geography, names
from boligstoette.synth.config import Calendar, Scale, SynthConfig
from boligstoette.synth.people import People

PAYMENT = ("i_husleje", "aconto_forsyning", "aconto_boligorganisation", "egen_afregning")
I_HUSLEJE, ACONTO_FORSYNING, ACONTO_ORG, EGEN = range(4)
HEATING = ("fjernvarme", "naturgas", "olie", "el", "varmepumpe", "fast_braendsel", "andet")
MAINTENANCE = ("ingen", "delvis", "fuld")
TENURE = ("lejer", "andelshaver")
FAMILY, DORM, ELDERLY = 0, 1, 2
PRE_2014 = np.datetime64("2014-06-01")


@dataclass
class Events:
    """Change notifications; old/new values are read from the snapshot arrays at write time."""

    lease: list = field(default_factory=list)
    kind: list = field(default_factory=list)
    interval: list = field(default_factory=list)  # j: between snapshot j-1 and snapshot j
    registered: list = field(default_factory=list)  # datetime64[s], Copenhagen wall clock
    effective: list = field(default_factory=list)  # datetime64[D]

    def add(self, lease, kind: str, j: int, registered, effective) -> None:
        lease = np.asarray(lease, dtype=np.int64)
        n = len(lease)
        if n == 0:
            return
        self.lease.append(lease)
        self.kind.append(np.full(n, kind, dtype=object))
        self.interval.append(np.full(n, j, dtype=np.int64))
        self.registered.append(np.broadcast_to(np.asarray(registered, dtype="datetime64[s]"), (n,)).copy())
        self.effective.append(np.broadcast_to(np.asarray(effective, dtype="datetime64[D]"), (n,)).copy())

    def arrays(self):
        if not self.lease:
            e = np.zeros(0, np.int64)
            return e, np.zeros(0, object), e, np.zeros(0, "datetime64[s]"), np.zeros(0, "datetime64[D]")
        return (np.concatenate(self.lease), np.concatenate(self.kind), np.concatenate(self.interval),
                np.concatenate(self.registered), np.concatenate(self.effective))


class Register:
    """The synthetic register: see module docstring."""

    # populated by build_register / errors.inject
    org_id: np.ndarray
    dept_org: np.ndarray
    dept_afd: np.ndarray
    dept_muni: np.ndarray
    dept_postal: np.ndarray
    dept_kind: np.ndarray
    unit_dept: np.ndarray
    unit_id: np.ndarray
    bbr_id: np.ndarray
    bbr_in_register: np.ndarray
    address: np.ndarray
    area10: np.ndarray  # area in tenths of m2
    rooms: np.ndarray

    def unit_org(self) -> np.ndarray:
        return self.dept_org[self.unit_dept]

    def lease_org(self) -> np.ndarray:
        return self.dept_org[self.unit_dept[self.l_unit]]


def _bbr_ids(rng: np.random.Generator, n: int) -> np.ndarray:
    hi = rng.integers(0, 2**63, n, dtype=np.int64).astype(np.uint64)
    lo = rng.integers(0, 2**63, n, dtype=np.int64).astype(np.uint64)
    return np.array([str(uuid.UUID(int=(int(a) << 64) | int(b), version=4)) for a, b in zip(hi, lo, strict=True)])


def _round_ore(value_ore: np.ndarray, whole_kroner: np.ndarray) -> np.ndarray:
    """Round an amount in øre (float) to an int; to whole kroner where flagged."""
    kr = np.floor(value_ore / 100.0 + 0.5) * 100
    return np.where(whole_kroner, kr, np.floor(value_ore + 0.5)).astype(np.int64)


@dataclass
class _Layout:
    """Where each department's dwellings are: its streets and the shape of its buildings."""

    pool: np.ndarray  # every street name
    streets: np.ndarray  # (n_departments, 3) indices into pool
    n_streets: np.ndarray
    rowhouse: np.ndarray
    floors: np.ndarray
    doors: np.ndarray  # per floor and stairway
    num_start: np.ndarray  # first house number


@dataclass
class _Terms:
    """Per-department terms the dwellings' rents and utilities start from."""

    heat_pay: np.ndarray
    water_pay: np.ndarray
    drain_pay: np.ndarray
    garage: np.ndarray  # the department has garages or carports
    supp: np.ndarray  # the department charges supplements
    mean_area: np.ndarray
    rate: np.ndarray  # kr/m2/month
    last_adjust: np.ndarray  # last rent adjustment before the first snapshot


@dataclass
class _Generation:
    """One generation of leases (see the module docstring), before they are assembled."""

    unit: np.ndarray
    start: np.ndarray
    known: np.ndarray
    end: np.ndarray
    end_known: np.ndarray


@dataclass
class _UnitState:
    """Rent per unit and utilities per department, per snapshot (shape (3, n))."""

    rent: np.ndarray
    supp: np.ndarray
    eff: np.ndarray
    regat: np.ndarray
    heat: np.ndarray
    water: np.ndarray
    drain: np.ndarray
    rent_chg: np.ndarray  # per unit: rent changed in the interval before snapshot j
    util_chg: np.ndarray  # per unit: its department's utilities changed
    util_time: np.ndarray  # per department
    util_eff: np.ndarray  # per department


def build_register(cfg: SynthConfig, cal: Calendar, rng: np.random.Generator, people: People) -> Register:
    # Every stage draws from the one stream `rng`, so the stages run in this fixed order: moving one
    # would change every value drawn after it.
    S = cal.snaps
    reg = Register()
    reg.muni_code = np.array([m[0] for m in geography.MUNICIPALITIES])
    home, units_org = _organisations(reg, cfg.params, rng)
    dept_size = _departments(reg, cfg.params, rng, home, units_org)
    layout = _street_layout(rng, reg.dept_kind, reg.dept_postal, dept_size)
    terms = _department_terms(reg, rng, S[0])
    seq = _unit_ids(reg, rng, dept_size)
    _addresses(reg, layout, seq)
    _dwellings(reg, rng, terms)
    base, supp = _base_rents(reg, rng, terms)

    h = np.where(reg.dept_kind[reg.unit_dept] == DORM, 0.035, 0.009)  # monthly hazard of moving out
    start1, known1 = _running_leases(rng, S, h)
    gen0 = _previous_leases(rng, S, h, start1)
    term, end1, end_known1, gen2 = _tenant_moves(rng, S, h, start1)
    gen1 = _Generation(np.arange(len(h)), start1, known1, end1, end_known1)
    _assemble_leases(reg, gen1, gen0, gen2)
    _tenants(reg, rng, people, S)
    reg.l_known_time = fmt.working_time(rng, reg.l_known)  # time of day each lease was registered
    _presence(reg, S)

    st = _initial_unit_state(reg, rng, base, supp, terms)
    for j in (1, 2):
        _rent_changes(reg, rng, st, cal, j)
        _utility_changes(reg, rng, st, cal, j)
    reg.pre2014_units = _pre2014_corrections(reg, rng, st, S, start1, term)

    open_ = reg.present & np.isnat(reg.endvis)
    _lease_values(reg, st, open_)
    _ended_before_first_snapshot(reg, rng, st)
    _natural_changes(reg, rng, st, S, open_, term)
    _latest_snapshot_overrides(reg)
    return reg


def _populations() -> tuple[np.ndarray, np.ndarray]:
    """Population of each municipality, and its share of the total."""
    pops = np.array([m[2] for m in geography.MUNICIPALITIES], dtype=np.float64)
    return pops, pops / pops.sum()


def _organisations(reg: Register, p: Scale, rng: np.random.Generator) -> tuple[np.ndarray, np.ndarray]:
    """Organisation ids; returns each organisation's home municipality and its number of units."""
    pops, pop_p = _populations()
    n_muni = len(pops)
    n_orgs = p.n_orgs
    org_num = np.sort(rng.choice(np.arange(100, 1000), n_orgs, replace=False))
    reg.org_id = org_num.astype(str)
    if p.every_municipality:
        home = np.concatenate([rng.permutation(n_muni), rng.choice(n_muni, n_orgs - n_muni, p=pop_p)])
        home = home[rng.permutation(n_orgs)]
    else:
        home = rng.choice(n_muni, n_orgs, replace=False, p=pop_p)
    n_units_target = int(round(p.leases / 1.2))
    w = rng.lognormal(0.0, 0.9, n_orgs) * (0.6 + 0.4 * np.sqrt(pops[home] / pops.mean()))
    units_org = np.maximum(15, np.floor(n_units_target * w / w.sum())).astype(np.int64)
    return home, units_org


def _split_into_departments(units_org: np.ndarray, sizes: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Cut each organisation's units into departments of the drawn sizes (no department under 6 units)."""
    dept_org, dept_size = [], []
    k = 0
    for o in range(len(units_org)):
        remaining = int(units_org[o])
        while remaining > 0:
            s = int(sizes[k % len(sizes)])
            k += 1
            if remaining - s < 6:
                s = remaining
            dept_org.append(o)
            dept_size.append(s)
            remaining -= s
    return np.array(dept_org, dtype=np.int64), np.array(dept_size, dtype=np.int64)


def _departments(reg: Register, p: Scale, rng: np.random.Generator, home: np.ndarray,
                 units_org: np.ndarray) -> np.ndarray:
    """Departments: organisation, number, kind, municipality and postal code; returns their sizes."""
    munis = geography.MUNICIPALITIES
    _, pop_p = _populations()
    n_muni = len(munis)
    sizes = np.clip(rng.lognormal(np.log(p.dept_size_median), 0.7, int(units_org.sum()) // 4 + 100), 6, 900).astype(int)
    dept_org, dept_size = _split_into_departments(units_org, sizes)
    n_d = len(dept_org)
    reg.dept_org = dept_org
    first_of_org = np.r_[True, dept_org[1:] != dept_org[:-1]]
    starts = np.flatnonzero(first_of_org)
    afd_no = np.arange(n_d) - np.repeat(starts, np.diff(np.r_[starts, n_d])) + 1
    reg.dept_afd = np.strings.zfill(afd_no.astype(str), 3)
    reg.dept_kind = rng.choice(3, n_d, p=[0.84, 0.06, 0.10])
    dept_muni = np.where(rng.random(n_d) < 0.85, home[dept_org], rng.choice(n_muni, n_d, p=pop_p))
    reg.dept_muni = dept_muni
    postal_flat = np.array([pc for m in munis for pc, _ in m[3]])
    counts = np.array([len(m[3]) for m in munis])
    offsets = np.r_[0, np.cumsum(counts)[:-1]]
    reg.dept_postal = postal_flat[offsets[dept_muni] + (rng.random(n_d) * counts[dept_muni]).astype(int)]
    return dept_size


def _assign_streets(perms: np.ndarray, dept_postal: np.ndarray, n_streets: np.ndarray,
                    n_pool: int) -> tuple[np.ndarray, np.ndarray]:
    """Deal each postal code's shuffled street names to its departments in turn, so streets are distinct
    within a postal code; returns the streets and how often the postal code's pool wrapped around."""
    n_d = len(dept_postal)
    dept_streets = np.zeros((n_d, 3), dtype=np.int64)
    wrap = np.zeros(n_d, dtype=np.int64)
    state: dict[str, list] = {}
    for d in range(n_d):
        pc = str(dept_postal[d])
        if pc not in state:
            state[pc] = [perms[len(state)], 0]
        perm, pos = state[pc]
        kk = int(n_streets[d])
        idx = (pos + np.arange(kk)) % n_pool
        dept_streets[d, :kk] = perm[idx]
        wrap[d] = pos // n_pool
        state[pc][1] = pos + kk
    return dept_streets, wrap


def _street_layout(rng: np.random.Generator, dept_kind: np.ndarray, dept_postal: np.ndarray,
                   dept_size: np.ndarray) -> _Layout:
    pool = names.street_pool()
    n_d = len(dept_kind)
    n_streets = 1 + (dept_size > 80) + (dept_size > 250)
    perms = rng.permuted(np.tile(np.arange(len(pool)), (len(set(dept_postal.tolist())), 1)), axis=1)
    dept_streets, wrap = _assign_streets(perms, dept_postal, n_streets, len(pool))
    rowhouse = (dept_kind == FAMILY) & (rng.random(n_d) < 0.22)
    floors = rng.choice(np.array([2, 3, 4, 5, 6, 8]), n_d, p=[0.1, 0.35, 0.25, 0.15, 0.1, 0.05])
    doors = rng.choice(np.array([2, 3]), n_d, p=[0.7, 0.3])
    num_start = rng.integers(0, 30, n_d) * 2 + 1 + 200 * wrap  # a wrapped pool moves on to higher numbers
    return _Layout(pool, dept_streets, n_streets, rowhouse, floors, doors, num_start)


def _department_terms(reg: Register, rng: np.random.Generator, first_snap: np.datetime64) -> _Terms:
    """Heating, payment of utilities, maintenance, tenure, and the level of rents and areas."""
    dept_kind = reg.dept_kind
    n_d = len(dept_kind)
    heating = rng.choice(7, n_d, p=[0.64, 0.12, 0.02, 0.05, 0.10, 0.01, 0.06])
    heat_pay = rng.choice(4, n_d, p=[0.25, 0.15, 0.55, 0.05])
    heat_pay = np.where(heating == 3, np.where(rng.random(n_d) < 0.8, EGEN, I_HUSLEJE), heat_pay)
    heat_pay = np.where((dept_kind == DORM) & (rng.random(n_d) < 0.7), I_HUSLEJE, heat_pay)
    water_pay = rng.choice(4, n_d, p=[0.35, 0.10, 0.50, 0.05])
    drain_pay = np.where(rng.random(n_d) < 0.9, water_pay, rng.choice(4, n_d, p=[0.4, 0.1, 0.45, 0.05]))
    elec_pay = rng.choice(4, n_d, p=[0.05, 0.07, 0.03, 0.85])
    elec_pay = np.where((dept_kind == DORM) & (rng.random(n_d) < 0.5), I_HUSLEJE, elec_pay)
    maint = rng.choice(3, n_d, p=[0.12, 0.25, 0.63])
    tenure = (rng.random(n_d) < 0.03).astype(np.int64)
    garage_dept = (dept_kind != DORM) & (rng.random(n_d) < 0.25)
    supp_dept = (dept_kind != DORM) & (rng.random(n_d) < 0.30)
    mean_area = np.where(dept_kind == DORM, rng.uniform(20, 34, n_d),
                         np.where(dept_kind == ELDERLY, rng.uniform(50, 80, n_d), rng.uniform(55, 95, n_d)))
    code = reg.muni_code[reg.dept_muni]
    factor = np.where(np.isin(code, list(geography.CAPITAL_AREA)), 1.18,
                      np.where(np.isin(code, ["751", "461", "851"]), 1.06, 1.0))
    rate = factor * rng.uniform(66, 96, n_d) * np.where(dept_kind == ELDERLY, 1.05, 1.0)  # kr/m2/month
    last_adjust = months.month_first(months.month_of(first_snap) - rng.integers(1, 15, n_d))
    reg.dept_heating, reg.dept_maint, reg.dept_tenure, reg.dept_elec = heating, maint, tenure, elec_pay
    return _Terms(heat_pay, water_pay, drain_pay, garage_dept, supp_dept, mean_area, rate, last_adjust)


def _unit_ids(reg: Register, rng: np.random.Generator, dept_size: np.ndarray) -> np.ndarray:
    """Units (dwellings) and their ids; returns each unit's number within its department (from 0)."""
    N = int(dept_size.sum())
    ud = np.repeat(np.arange(len(dept_size)), dept_size)
    dstart = np.r_[0, np.cumsum(dept_size)[:-1]]
    seq = np.arange(N) - dstart[ud]
    reg.unit_dept = ud
    org_of_unit = reg.org_id[reg.dept_org[ud]]
    org_afd = np.strings.add(np.strings.add(org_of_unit, "-"), np.strings.add(reg.dept_afd[ud], "-"))
    reg.unit_id = np.strings.add(org_afd, np.strings.zfill((seq + 1).astype(str), 4))
    reg.bbr_id = _bbr_ids(rng, N)
    reg.bbr_in_register = rng.random(N) < 0.96
    reg.n_units = N
    return seq


def _addresses(reg: Register, layout: _Layout, seq: np.ndarray) -> None:
    """Street, number, floor and door: stairways of floors x doors flats, or a row of houses."""
    ud = reg.unit_dept
    F, D, ns = layout.floors[ud], layout.doors[ud], layout.n_streets[ud]
    per = F * D
    stair = seq // per
    within = seq % per
    fl = within // D
    door = within % D
    rh = layout.rowhouse[ud]
    street_col = np.where(rh, seq % ns, stair % ns)
    number = layout.num_start[ud] + np.where(rh, seq // ns, 2 * (stair // ns))
    street = layout.pool[layout.streets[ud, street_col]]
    floor_lab = np.where(fl == 0, "st.", np.strings.add(fl.astype(str), "."))
    door_lab = np.where(D == 2, np.array(["tv", "th"])[np.minimum(door, 1)],
                        np.array(["tv", "mf", "th"])[np.minimum(door, 2)])
    flat = np.strings.add(np.strings.add(", ", floor_lab), np.strings.add(" ", door_lab))
    reg.address = np.strings.add(np.strings.add(street, " "),
                                 np.strings.add(number.astype(str), np.where(rh, "", flat)))


def _dwellings(reg: Register, rng: np.random.Generator, terms: _Terms) -> None:
    """Area (rounded as registers round it), rooms and the dwelling's features."""
    ud = reg.unit_dept
    N = len(ud)
    kind_u = reg.dept_kind[ud]
    area = terms.mean_area[ud] * rng.lognormal(0.0, np.where(kind_u == DORM, 0.1, 0.2))
    area = np.clip(area, 20.0, 160.0)
    style = rng.random(N)
    area10 = np.where(style < 0.55, np.floor(area + 0.5) * 10,
                      np.where(style < 0.85, np.floor(area * 2 + 0.5) * 5, np.floor(area * 10 + 0.5)))
    reg.area10 = np.clip(area10, 200, 1600).astype(np.int64)
    a = reg.area10 / 10.0
    rooms = np.where(kind_u == DORM, 1, np.clip(np.floor(a / 25 + rng.normal(0, 0.4, N) + 0.5), 1, 6))
    reg.rooms = rooms.astype(np.int64)
    reg.own_kitchen = ~((kind_u == DORM) & (rng.random(N) < 0.45)) & (rng.random(N) > 0.002)
    reg.garage = terms.garage[ud] & (rng.random(N) < 0.45)
    reg.accessible = np.where(kind_u == ELDERLY, rng.random(N) < 0.9, rng.random(N) < 0.04)
    reg.dorm = kind_u == DORM


def _base_rents(reg: Register, rng: np.random.Generator, terms: _Terms) -> tuple[np.ndarray, np.ndarray]:
    """Rent (supplements included) and supplements per unit at the first snapshot, in øre."""
    ud = reg.unit_dept
    N = len(ud)
    kind_u = reg.dept_kind[ud]
    a = reg.area10 / 10.0
    whole_kr = rng.random(N) < 0.6
    rent_kr = np.where(kind_u == DORM, rng.uniform(2900, 4500, N), a * terms.rate[ud] * rng.lognormal(0, 0.05, N))
    rent_kr = np.where(kind_u == DORM, rent_kr, np.clip(rent_kr, 3000, 12800))
    has_supp = terms.supp[ud] & (rng.random(N) < 0.75)
    supp = np.where(has_supp, _round_ore(rng.uniform(100, 900, N) * 100, rng.random(N) < 0.7), 0)
    base = _round_ore(rent_kr * 100, whole_kr) + supp
    reg.whole_kr = whole_kr
    return base, supp


def _running_leases(rng: np.random.Generator, S: np.ndarray, h: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Start and registration date of the lease running at the first snapshot (one per unit)."""
    N = len(h)
    dur1 = np.clip(rng.exponential(1.0 / h) * 30.44, 20, 50 * 365).astype(np.int64)
    start1 = S[0] - dur1.astype("timedelta64[D]")
    start1 = np.where(rng.random(N) < 0.8, months.month_first(months.month_of(start1)), start1)
    start1 = np.maximum(start1, np.datetime64("1975-01-01"))
    late = rng.random(N) < 0.2
    known1 = np.where(late, start1 + rng.integers(0, 21, N).astype("timedelta64[D]"),
                      start1 - rng.integers(5, 46, N).astype("timedelta64[D]"))
    known1 = np.minimum(known1, S[0] - fmt.DAY)
    return start1, known1


def _previous_leases(rng: np.random.Generator, S: np.ndarray, h: np.ndarray, start1: np.ndarray) -> _Generation:
    """The previous lease, where it ended recently enough to be listed."""
    has0 = start1 > fmt.add_years(np.array([S[0]]), -2)[0] - np.timedelta64(60, "D")
    u0 = np.flatnonzero(has0)
    gap0 = np.where(rng.random(len(u0)) < 0.8, 0, rng.integers(1, 45, len(u0)))
    end0 = start1[u0] - (1 + gap0).astype("timedelta64[D]")
    dur0 = np.clip(rng.exponential(1.0 / h[u0]) * 30.44, 60, 40 * 365).astype(np.int64)
    start0 = end0 - dur0.astype("timedelta64[D]")
    start0 = np.where(rng.random(len(u0)) < 0.8, months.month_first(months.month_of(start0)), start0)
    start0 = np.maximum(start0, np.datetime64("1975-01-01"))
    known0 = start0 - rng.integers(5, 46, len(u0)).astype("timedelta64[D]")
    end_known0 = np.maximum(end0 - rng.integers(20, 96, len(u0)).astype("timedelta64[D]"), known0 + fmt.DAY)
    return _Generation(u0, start0, known0, end0, end_known0)


def _tenant_moves(rng: np.random.Generator, S: np.ndarray, h: np.ndarray,
                  start1: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray, _Generation]:
    """The tenant moves out of the running lease (termination registered in the window) and a new lease
    follows; returns who moves, the running lease's end and when it became known, and the new leases."""
    N = len(h)
    lo, hi = S[0] - np.timedelta64(100, "D"), S[2] - fmt.DAY
    span_months = (hi - lo).astype(np.int64) / 30.44
    term = rng.random(N) < 1 - np.exp(-h * span_months)
    r = fmt.uniform_dates(rng, np.full(N, lo), np.full(N, hi))
    r = np.maximum(r, start1 + np.timedelta64(30, "D"))
    term &= r <= hi
    kmon = rng.choice(4, N, p=[0.1, 0.35, 0.3, 0.25])
    end1 = np.where(term, months.month_last(months.month_of(r) + kmon), fmt.NAT)
    end_known1 = np.where(term, r, fmt.NAT)
    gap2 = np.where(rng.random(N) < 0.75, 0, rng.integers(1, 41, N))
    start2 = end1 + (1 + gap2).astype("timedelta64[D]")
    late2 = rng.random(N) < 0.2
    known2 = np.where(late2, start2 + rng.integers(0, 16, N).astype("timedelta64[D]"),
                      start2 - rng.integers(3, 41, N).astype("timedelta64[D]"))
    known2 = np.maximum(known2, r + fmt.DAY)
    has2 = term & (known2 < S[2])
    u2 = np.flatnonzero(has2)
    gen2 = _Generation(u2, start2[u2], known2[u2], np.full(len(u2), fmt.NAT), np.full(len(u2), fmt.NAT))
    return term, end1, end_known1, gen2


def _assemble_leases(reg: Register, gen1: _Generation, gen0: _Generation, gen2: _Generation) -> None:
    """All leases in one set of arrays: generation 1 (one per unit), then 0, then 2."""
    gens = (gen1, gen0, gen2)
    reg.l_unit = np.concatenate([g.unit for g in gens])
    reg.gen = np.concatenate([np.ones(len(gen1.unit), np.int64), np.zeros(len(gen0.unit), np.int64),
                              np.full(len(gen2.unit), 2)])
    reg.l_start = np.concatenate([g.start for g in gens])
    reg.l_known = np.concatenate([g.known for g in gens])
    reg.l_end = np.concatenate([g.end for g in gens])
    reg.l_end_known = np.concatenate([g.end_known for g in gens])


def _tenants(reg: Register, rng: np.random.Generator, people: People, S: np.ndarray) -> None:
    """A tenant per lease, of an age that fits the dwelling, and whether the register holds the tenant's
    CPR number and birth date."""
    n_l = len(reg.l_unit)
    lk = reg.dept_kind[reg.unit_dept][reg.l_unit]
    l_start = reg.l_start
    pick = rng.random(n_l)
    age_start = np.where(pick < 0.60, rng.uniform(19, 38, n_l),
                         np.where(pick < 0.89, rng.uniform(38, 62, n_l), rng.uniform(62, 85, n_l)))
    age_start = np.where(lk == DORM, rng.uniform(18.5, 27, n_l), age_start)
    age_start = np.where(lk == ELDERLY, rng.uniform(58, 88, n_l), age_start)
    years_since = (S[2] - l_start).astype(np.int64) / 365.25
    too_old = age_start + years_since > 96  # spread, not clamp: no pile-up on one birth date
    age_start = np.where(too_old, rng.uniform(78, 96, n_l) - years_since, age_start)
    age_start = np.where(age_start < 18.2, 18.2 + rng.uniform(0, 4, n_l), age_start)
    birth = l_start - (age_start * 365.25).astype(np.int64).astype("timedelta64[D]")
    reg.l_tenant = people.add(birth)
    reg.l_birth = birth
    consent = rng.random(n_l)
    reg.l_has_cpr = consent < 0.80
    reg.l_has_bd = consent < 0.97


def _presence(reg: Register, S: np.ndarray) -> None:
    """Which leases each snapshot lists (ended ones for 24 months), and the end date it shows."""
    n_l = len(reg.l_unit)
    present = np.zeros((3, n_l), dtype=bool)
    endvis = np.full((3, n_l), fmt.NAT)
    for j in range(3):
        window = fmt.add_years(np.array([S[j]]), -2)[0]
        known_end = ~np.isnat(reg.l_end_known) & (reg.l_end_known < S[j])
        present[j] = (reg.l_known < S[j]) & ~(known_end & (reg.l_end < window))
        endvis[j] = np.where(known_end, reg.l_end, fmt.NAT)
    reg.present, reg.endvis = present, endvis


def _initial_unit_state(reg: Register, rng: np.random.Generator, base: np.ndarray, supp: np.ndarray,
                        terms: _Terms) -> _UnitState:
    """Unit state at the first snapshot; later snapshots are filled in by the change stages."""
    N, n_d = len(base), len(reg.dept_org)
    st = _UnitState(
        rent=np.zeros((3, N), np.int64), supp=np.zeros((3, N), np.int64), eff=np.full((3, N), fmt.NAT),
        regat=np.zeros((3, N), "datetime64[s]"), heat=np.zeros((3, n_d), np.int64),
        water=np.zeros((3, n_d), np.int64), drain=np.zeros((3, n_d), np.int64),
        rent_chg=np.zeros((3, N), bool), util_chg=np.zeros((3, N), bool),
        util_time=np.zeros((3, n_d), "datetime64[s]"), util_eff=np.full((3, n_d), fmt.NAT),
    )
    st.rent[0], st.supp[0] = base, supp
    st.eff[0] = terms.last_adjust[reg.unit_dept]
    st.regat[0] = fmt.working_time(rng, st.eff[0] - rng.integers(10, 61, N).astype("timedelta64[D]"))
    st.heat[0], st.water[0], st.drain[0] = terms.heat_pay, terms.water_pay, terms.drain_pay
    return st


def _rent_changes(reg: Register, rng: np.random.Generator, st: _UnitState, cal: Calendar, j: int) -> None:
    """Rent adjustments between snapshot j-1 and j: whole departments at once, or single units."""
    S, first_T, ud = cal.snaps, cal.T_first, reg.unit_dept
    N, n_d = len(ud), len(reg.dept_org)
    lo_j, hi_j = S[j - 1], S[j] - fmt.DAY
    dchg = rng.random(n_d) < 0.08
    dpct = np.where(rng.random(n_d) < 0.08, rng.uniform(-0.03, -0.005, n_d), rng.uniform(0.01, 0.045, n_d))
    dreg = fmt.uniform_dates(rng, np.full(n_d, lo_j), np.full(n_d, hi_j))
    deff = np.minimum(months.month_first(months.month_of(dreg) + rng.integers(1, 4, n_d)), first_T)
    ichg = (rng.random(N) < 0.004) & ~dchg[ud]
    ipct = rng.uniform(0.01, 0.08, N) * np.where(rng.random(N) < 0.3, -1, 1)
    ireg = fmt.uniform_dates(rng, np.full(N, lo_j), np.full(N, hi_j))
    ieff = np.minimum(months.month_first(months.month_of(ireg) + 1), first_T)
    chg = dchg[ud] | ichg
    pct = np.where(dchg[ud], dpct[ud], ipct)
    when = np.where(dchg[ud], dreg[ud], ireg)
    eff = np.where(dchg[ud], deff[ud], ieff)
    net = (st.rent[j - 1] - st.supp[j - 1]) * (1 + pct)
    new_rent = _round_ore(net, reg.whole_kr) + st.supp[j - 1]
    chg &= new_rent != st.rent[j - 1]
    st.rent_chg[j] = chg
    st.rent[j] = np.where(chg, new_rent, st.rent[j - 1])
    st.supp[j] = st.supp[j - 1]
    st.eff[j] = np.where(chg, eff, st.eff[j - 1])
    st.regat[j] = np.where(chg, fmt.working_time(rng, when), st.regat[j - 1])


def _utility_changes(reg: Register, rng: np.random.Generator, st: _UnitState, cal: Calendar, j: int) -> None:
    """A few departments take water, or else heating, out of the rent (or move it to the other payer)."""
    S, n_d = cal.snaps, len(reg.dept_org)
    lo_j, hi_j = S[j - 1], S[j] - fmt.DAY
    uchg = rng.random(n_d) < 0.02
    ureg = fmt.uniform_dates(rng, np.full(n_d, lo_j), np.full(n_d, hi_j))
    h0, w0, dr0 = st.heat[j - 1], st.water[j - 1], st.drain[j - 1]
    water_case = w0 == I_HUSLEJE
    heat_case = ~water_case & (h0 == I_HUSLEJE)
    new_w = np.where(water_case, ACONTO_ORG, w0)
    new_dr = np.where(water_case, ACONTO_ORG, dr0)
    new_h = np.where(heat_case, ACONTO_ORG,
                     np.where(water_case, h0, np.where(h0 == ACONTO_FORSYNING, ACONTO_ORG, ACONTO_FORSYNING)))
    st.heat[j] = np.where(uchg, new_h, h0)
    st.water[j] = np.where(uchg, new_w, w0)
    st.drain[j] = np.where(uchg, new_dr, dr0)
    st.util_time[j] = fmt.working_time(rng, ureg)
    st.util_eff[j] = np.minimum(months.month_first(months.month_of(ureg) + 1), cal.T_first)
    st.util_chg[j] = uchg[reg.unit_dept]


def _pre2014_corrections(reg: Register, rng: np.random.Generator, st: _UnitState, S: np.ndarray,
                         start1: np.ndarray, term: np.ndarray) -> np.ndarray:
    """Rent corrections back to a date before 1 June 2014, which get no notification (rules 12.2), on
    quiet units; returns the units."""
    N = len(start1)
    cand = np.flatnonzero(~term & (start1 < np.datetime64("2014-01-01")) & ~st.rent_chg[1] & ~st.rent_chg[2]
                          & ~st.util_chg[1] & ~st.util_chg[2])
    n_pre = min(len(cand), max(2, int(round(0.001 * N))))
    pre = np.sort(rng.choice(cand, n_pre, replace=False)) if n_pre else np.zeros(0, np.int64)
    pre_lo = np.maximum(start1[pre], np.datetime64("2010-01-01"))
    pre_hi = np.full(len(pre), np.datetime64("2014-05-01"))
    pre_eff = months.month_first(months.month_of(fmt.uniform_dates(rng, pre_lo, pre_hi)))
    pre_eff = np.maximum(pre_eff, start1[pre])
    pre_pct = rng.uniform(0.01, 0.03, len(pre)) * np.where(rng.random(len(pre)) < 0.5, -1, 1)
    net = (st.rent[2, pre] - st.supp[2, pre]) * (1 + pre_pct)
    st.rent[2, pre] = _round_ore(net, reg.whole_kr[pre]) + st.supp[2, pre]
    st.eff[2, pre] = pre_eff
    registered = fmt.uniform_dates(rng, np.full(len(pre), S[1]), np.full(len(pre), S[2] - fmt.DAY))
    st.regat[2, pre] = fmt.working_time(rng, registered)
    return pre


def _lease_values(reg: Register, st: _UnitState, open_: np.ndarray) -> None:
    """Per-lease values per snapshot: the unit's state, frozen once the lease's end is known."""
    n_l = len(reg.l_unit)
    jp = np.zeros((3, n_l), np.int64)  # the unit state a lease shows
    for j in (1, 2):
        jp[j] = np.where(open_[j], j, jp[j - 1])
    lu = reg.l_unit
    ldept = reg.unit_dept[lu]
    reg.rent = st.rent[jp, lu]
    reg.supp = st.supp[jp, lu]
    reg.eff = np.maximum(st.eff[jp, lu], reg.l_start)
    reg.regat = np.maximum(st.regat[jp, lu], reg.l_known_time)
    reg.heat = st.heat[jp, ldept]
    reg.water = st.water[jp, ldept]
    reg.drain = st.drain[jp, ldept]


def _ended_before_first_snapshot(reg: Register, rng: np.random.Generator, st: _UnitState) -> None:
    """Leases that ended before the first snapshot show an older rent and the first utilities."""
    g0 = np.flatnonzero(reg.gen == 0)
    u0 = reg.l_unit[g0]
    d0 = reg.unit_dept[u0]
    old_rent = _round_ore((st.rent[0, u0] - st.supp[0, u0]) * 0.975, reg.whole_kr[u0]) + st.supp[0, u0]
    old_eff = np.maximum(months.month_first(months.month_of(fmt.add_years(reg.l_end[g0], -1))), reg.l_start[g0])
    old_regat = np.maximum(fmt.working_time(rng, old_eff - rng.integers(10, 41, len(g0)).astype("timedelta64[D]")),
                           reg.l_known_time[g0])
    for j in range(3):
        reg.rent[j, g0], reg.eff[j, g0], reg.regat[j, g0] = old_rent, old_eff, old_regat
        reg.heat[j, g0], reg.water[j, g0], reg.drain[j, g0] = st.heat[0, d0], st.water[0, d0], st.drain[0, d0]


def _natural_changes(reg: Register, rng: np.random.Generator, st: _UnitState, S: np.ndarray,
                     open_: np.ndarray, term: np.ndarray) -> None:
    """Change notifications for the natural changes, and which leases had one (error injection
    leaves those alone)."""
    ev = Events()
    lu, gen = reg.l_unit, reg.gen
    ldept = reg.unit_dept[lu]
    is_pre = np.zeros(len(term), bool)
    is_pre[reg.pre2014_units] = True
    natural = gen != 1
    for j in (1, 2):
        both_open = open_[j - 1] & open_[j] & (gen != 0)
        idx = np.flatnonzero(both_open & st.rent_chg[j, lu] & ~is_pre[lu])
        ev.add(idx, "rent_changed", j, st.regat[j, lu[idx]], reg.eff[j, idx])
        natural[idx] = True
        idx = np.flatnonzero(both_open & st.util_chg[j, lu])
        ev.add(idx, "utilities_changed", j, st.util_time[j, ldept[idx]], st.util_eff[j, ldept[idx]])
        natural[idx] = True
        ended = ~np.isnat(reg.l_end_known) & (reg.l_end_known >= S[j - 1]) & (reg.l_end_known < S[j])
        idx = np.flatnonzero((gen == 1) & ended)
        ev.add(idx, "lease_ended", j, fmt.working_time(rng, reg.l_end_known[idx]), reg.l_end[idx])
    rc, uc = st.rent_chg, st.util_chg
    natural |= term[lu] | is_pre[lu] | rc[1, lu] | rc[2, lu] | uc[1, lu] | uc[2, lu]
    reg.events = ev
    reg.natural = natural


def _latest_snapshot_overrides(reg: Register) -> None:
    """Values the latest snapshot shows instead of the lease's own; error injection overwrites them."""
    reg.s3_tenant = reg.l_tenant.copy()
    reg.s3_birth = reg.l_birth.copy()
    reg.s3_start = reg.l_start.copy()
    reg.s3_area10 = reg.area10[reg.l_unit].copy()
    reg.bad_cpr_mode = np.zeros(len(reg.l_unit), np.int64)  # 0 none, 1 invalid date, 2 other person's date
    reg.bad_cpr_draw = np.zeros(len(reg.l_unit), np.int64)



def add_leases(reg: Register, unit: np.ndarray, gen: int, start: np.ndarray, known: np.ndarray,
               known_time: np.ndarray, tenant: np.ndarray, birth: np.ndarray, has_cpr: np.ndarray, has_bd: np.ndarray,
               present: np.ndarray, source: np.ndarray) -> np.ndarray:
    """Append leases that copy the per-snapshot values of `source` leases; returns their indices."""
    n = len(unit)
    first = len(reg.l_unit)
    idx = np.arange(first, first + n)
    reg.l_unit = np.concatenate([reg.l_unit, unit])
    reg.gen = np.concatenate([reg.gen, np.full(n, gen)])
    reg.l_start = np.concatenate([reg.l_start, start])
    reg.l_known = np.concatenate([reg.l_known, known])
    reg.l_known_time = np.concatenate([reg.l_known_time, known_time])
    reg.l_end = np.concatenate([reg.l_end, np.full(n, fmt.NAT)])
    reg.l_end_known = np.concatenate([reg.l_end_known, np.full(n, fmt.NAT)])
    reg.l_tenant = np.concatenate([reg.l_tenant, tenant])
    reg.l_birth = np.concatenate([reg.l_birth, birth])
    reg.l_has_cpr = np.concatenate([reg.l_has_cpr, has_cpr])
    reg.l_has_bd = np.concatenate([reg.l_has_bd, has_bd])
    reg.natural = np.concatenate([reg.natural, np.ones(n, bool)])
    reg.present = np.concatenate([reg.present, present], axis=1)
    reg.endvis = np.concatenate([reg.endvis, np.full((3, n), fmt.NAT)], axis=1)
    for name in ("rent", "supp", "eff", "regat", "heat", "water", "drain"):
        arr = getattr(reg, name)
        setattr(reg, name, np.concatenate([arr, arr[:, source]], axis=1))
    reg.eff[:, idx] = np.maximum(reg.eff[:, idx], start)
    reg.regat[:, idx] = np.maximum(reg.regat[:, idx], known_time)
    reg.s3_tenant = np.concatenate([reg.s3_tenant, tenant])
    reg.s3_birth = np.concatenate([reg.s3_birth, birth])
    reg.s3_start = np.concatenate([reg.s3_start, start])
    reg.s3_area10 = np.concatenate([reg.s3_area10, reg.s3_area10[source]])
    reg.bad_cpr_mode = np.concatenate([reg.bad_cpr_mode, np.zeros(n, np.int64)])
    reg.bad_cpr_draw = np.concatenate([reg.bad_cpr_draw, np.zeros(n, np.int64)])
    return idx
