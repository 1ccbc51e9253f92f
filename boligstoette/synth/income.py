"""Income of the adult household members: monthly eIndkomst, forskudsopgoerelse, aarsopgoerelse.

A person has a main income (wages, dagpenge, kontanthjaelp, pension, SU, other) that is uprated each
January; wages vary month to month; some people change situation once (a month with two rows);
wage earners get a holiday supplement (ferietillaeg) in May now and then. The annual statement's
personal_income is the exact sum of the person's monthly amounts of that year.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from boligstoette import months
from boligstoette.synth import fmt
from boligstoette.synth.cases import (
    FOLKEPENSION,
    FP_AFTER_2003,
    FP_BEFORE_2003,
    NO_PENSION,
    ROLES,
    SENIORPENSION,
    Cases,
)
from boligstoette.synth.config import Calendar
from boligstoette.synth.people import People
from boligstoette.synth.writer_utils import write_csv

INCOME_TYPES = ("loen", "dagpenge", "kontanthjaelp", "pension", "su", "ferietillaeg", "andet")
LOEN, DAGPENGE, KONTANT, PENSION, SU, FERIE, ANDET = range(7)
NONE = -1


def _base_amount(rng, kind: np.ndarray, young: np.ndarray) -> np.ndarray:
    """Monthly amount in kroner (float) for the year of T-1."""
    n = len(kind)
    wage = np.where(young, rng.uniform(15000, 32000, n), np.clip(rng.lognormal(np.log(28000), 0.25, n), 15000, 45000))
    return np.select(
        [kind == LOEN, kind == DAGPENGE, kind == KONTANT, kind == SU, kind == ANDET],
        [wage, rng.uniform(17000, 20400, n), rng.uniform(11000, 16500, n), np.full(n, 6820.0),
         rng.uniform(8000, 18000, n)],
        default=0.0,
    )


@dataclass
class _Profile:
    """Each adult member's income situation over the model months."""

    adult: np.ndarray  # member index of each adult
    cpr: np.ndarray
    is_pensioner: np.ndarray
    kind: np.ndarray  # main income before a change of situation
    amount: np.ndarray  # kroner a month, in the year of T-1
    switch_month: np.ndarray  # month of the change (10**9: none)
    after: np.ndarray
    after_amount: np.ndarray
    base_year: int  # the year of T-1, whose amounts are not uprated

    @property
    def n(self) -> int:
        return len(self.adult)


def write_income(cal: Calendar, rngs: Callable[[str], np.random.Generator], cases: Cases, people: People,
                 out: Path) -> tuple[dict[str, int], list[dict]]:
    """Write income/*.csv; returns row counts per file and the re-delivery corrections (no CPR)."""
    prof = _income_profile(cal, rngs("income-profile"), cases, people)
    counts: dict[str, int] = {}
    corrections: list[dict] = []
    (out / "income").mkdir(parents=True, exist_ok=True)
    yearly = _monthly_income(cal, rngs, prof, out, counts, corrections)
    _tax_assessments(cal, rngs("income-assessments"), prof, yearly, out, counts)
    for c in corrections:
        c["case_id"] = str(cases.case_id[cases.m_case[c["member"]]])
        c["role"] = ROLES[cases.m_role[c["member"]]]
    return counts, corrections


def _income_profile(cal: Calendar, rng: np.random.Generator, cases: Cases, people: People) -> _Profile:
    """Main income before and after a possible change of situation."""
    age = fmt.age_years(cases.m_birth, cal.cases_date)
    adult = np.flatnonzero(age >= 18)
    n = len(adult)
    a_age = age[adult]
    pension = cases.m_pension[adult]
    young = a_age < 30
    u = rng.random(n)
    kind = np.where(young, np.select([u < 0.42, u < 0.75, u < 0.89, u < 0.96], [LOEN, SU, KONTANT, DAGPENGE], NONE),
                    np.select([u < 0.62, u < 0.71, u < 0.87, u < 0.91], [LOEN, DAGPENGE, KONTANT, ANDET], NONE))
    kind = np.where(a_age >= 45, np.where(kind == SU, LOEN, kind), kind)
    is_pensioner = pension != NO_PENSION
    kind = np.where(is_pensioner, PENSION, kind)
    amount = _base_amount(rng, kind, young)
    pens_amount = np.select(
        [pension == FOLKEPENSION, (pension == FP_BEFORE_2003) | (pension == FP_AFTER_2003), pension == SENIORPENSION],
        [rng.uniform(9000, 20000, n), rng.uniform(16000, 21500, n), rng.uniform(16000, 20500, n)], default=0.0)
    amount = np.where(is_pensioner, pens_amount, amount)
    switch = (~is_pensioner) & (kind != NONE) & (rng.random(n) < 0.12)
    months = cal.model_months
    switch_month = np.where(switch, rng.integers(months[0] + 1, months[-1] + 1, n), 10**9)
    after = np.select([kind == LOEN, kind == SU], [DAGPENGE, LOEN], LOEN)
    after_amount = _base_amount(rng, after, young)
    return _Profile(adult, people.cpr[cases.m_person[adult]], is_pensioner, kind, amount, switch_month, after,
                    after_amount, (cal.T - 1) // 12)


def _monthly_income(cal: Calendar, rngs: Callable[[str], np.random.Generator], prof: _Profile, out: Path,
                    counts: dict[str, int], corrections: list[dict]) -> dict[int, np.ndarray]:
    """Write the monthly eIndkomst files (and the re-delivery); returns each person's income per year."""
    yearly: dict[int, np.ndarray] = {}
    has_ferie_year: dict[int, np.ndarray] = {}
    written = set(cal.income_months)
    for m in cal.model_months:
        r = rngs(f"income-{m}")
        p, t, a_ore, reported = _month_rows(r, prof, m, has_ferie_year)
        if m == cal.redelivery_month:
            sums_p, sums_a = _redelivery(r, prof, m, (p, t, a_ore, reported), out, counts, corrections)
        else:
            sums_p, sums_a = p, a_ore
        year = m // 12
        if year not in yearly:
            yearly[year] = np.zeros(prof.n, np.int64)
        np.add.at(yearly[year], sums_p, sums_a)
        if m in written:
            name = f"eindkomst_{months.month_compact(m)}.csv"
            counts[f"income/{name}"] = _write_month(out / "income" / name, prof.cpr[p], m, t, a_ore, reported)
    return yearly


def _month_rows(r: np.random.Generator, prof: _Profile, m: int,
                has_ferie_year: dict[int, np.ndarray]) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """Month m's rows (person, income type, amount in øre, reported at), by person and type."""
    n = prof.n
    year = m // 12
    factor = 1.03 ** (year - prof.base_year)
    cur_kind = np.where(m < prof.switch_month, prof.kind, prof.after)
    cur_amount = np.where(m < prof.switch_month, prof.amount, prof.after_amount) * factor
    noisy = cur_kind == LOEN
    cur_amount = np.where(noisy, cur_amount * r.normal(1.0, 0.06, n), cur_amount)
    has = cur_kind != NONE
    halves = prof.switch_month == m
    rows_p = [np.flatnonzero(has)]
    rows_t = [cur_kind[has]]
    amt = np.where(halves, cur_amount * 0.5, cur_amount)
    rows_a = [amt[has]]
    # the month of a change: the old income for half the month too
    hp = np.flatnonzero(halves)
    rows_p.append(hp)
    rows_t.append(prof.kind[hp])
    rows_a.append(prof.amount[hp] * factor * 0.5)
    if m % 12 == 4:  # May: ferietillaeg for some wage earners
        if year not in has_ferie_year:  # the same people each May of a year
            has_ferie_year[year] = r.random(n) < 0.6
        fp = np.flatnonzero((cur_kind == LOEN) & has_ferie_year[year])
        rows_p.append(fp)
        rows_t.append(np.full(len(fp), FERIE))
        rows_a.append(cur_amount[fp] * r.uniform(0.09, 0.13, len(fp)))
    ap = np.flatnonzero(r.random(n) < 0.02)
    rows_p.append(ap)
    rows_t.append(np.full(len(ap), ANDET))
    rows_a.append(r.uniform(500, 4000, len(ap)))
    p = np.concatenate(rows_p)
    t = np.concatenate(rows_t).astype(np.int64)
    a_ore = np.floor(np.concatenate(rows_a) * 100 + 0.5).astype(np.int64)
    order = np.lexsort((t, p))
    p, t, a_ore = p[order], t[order], a_ore[order]
    day = months.month_first(m + 1) + (9 + r.integers(-3, 4, len(p))).astype("timedelta64[D]")
    return p, t, a_ore, fmt.working_time(r, day, 4, 22)


def _late_report(r: np.random.Generator, m: int, k: int) -> np.ndarray:
    """Reporting times in the month after the usual one, for k rows."""
    late_day = months.month_first(m + 2) + (9 + r.integers(-2, 3, k)).astype("timedelta64[D]")
    return fmt.working_time(r, late_day, 4, 22)


def _redelivery(r: np.random.Generator, prof: _Profile, m: int, rows: tuple, out: Path, counts: dict[str, int],
                corrections: list[dict]) -> tuple[np.ndarray, np.ndarray]:
    """Month m delivered again (_r2): some amounts corrected, and late rows for a few people with none.
    Records the corrections; returns the re-delivered persons and amounts (what the year sums count)."""
    p, t, a_ore, reported = rows
    new_a, new_rep = a_ore.copy(), reported.copy()
    k = max(3, int(round(0.01 * len(p))))
    fix = np.sort(r.choice(len(p), min(k, len(p)), replace=False))
    new_a[fix] = np.floor(a_ore[fix] * np.where(r.random(len(fix)) < 0.5, r.uniform(0.7, 0.95, len(fix)),
                                                 r.uniform(1.05, 1.35, len(fix))) + 0.5).astype(np.int64)
    new_rep[fix] = _late_report(r, m, len(fix))
    nobody = np.setdiff1d(np.arange(prof.n), p)
    n_late = min(len(nobody), max(1, len(fix) // 5))
    late_p = np.sort(r.choice(nobody, n_late, replace=False)) if len(nobody) else nobody
    late_a = (r.uniform(15000, 30000, len(late_p)) * 100).astype(np.int64)
    late_rep = _late_report(r, m, len(late_p))
    p2 = np.concatenate([p, late_p])
    t2 = np.concatenate([t, np.full(len(late_p), LOEN)])
    a2 = np.concatenate([new_a, late_a])
    rep2 = np.concatenate([new_rep, late_rep])
    o2 = np.lexsort((t2, p2))
    name = f"eindkomst_{months.month_compact(m)}_r2.csv"
    counts[f"income/{name}"] = _write_month(out / "income" / name, prof.cpr[p2[o2]], m, t2[o2], a2[o2], rep2[o2])
    for i in fix:
        corrections.append({"member": int(prof.adult[p[i]]), "month": months.month_str(m),
                            "income_type": INCOME_TYPES[t[i]], "old": int(a_ore[i]), "new": int(new_a[i])})
    for i, pi in enumerate(late_p):
        corrections.append({"member": int(prof.adult[pi]), "month": months.month_str(m), "income_type": "loen",
                            "old": None, "new": int(late_a[i])})
    return p2, a2


def _tax_assessments(cal: Calendar, r: np.random.Generator, prof: _Profile, yearly: dict[int, np.ndarray],
                     out: Path, counts: dict[str, int]) -> None:
    """Other income and wealth around a level per person: the forskudsopgoerelser, then the
    aarsopgoerelser (whose personal income is the year's eIndkomst)."""
    n = prof.n
    u = r.random(n)
    other_base = np.where(u < 0.85, 0.0, np.where(u < 0.97, r.uniform(50, 3000, n), r.uniform(10000, 250000, n)))
    w = r.random(n)
    wealth_base = np.where(prof.is_pensioner, np.clip(r.lognormal(np.log(60000), 1.3, n), 0, 4_000_000),
                           np.where(w < 0.15, r.uniform(-150000, 0, n), r.uniform(-20000, 80000, n)))
    wealth_base = np.maximum(wealth_base, 0)  # net debt is delivered as 0: the contract's wealth range starts at 0
    for y in cal.forskud_years:
        _forskud(cal, r, prof, y, other_base, wealth_base, out, counts)
    for y in cal.aarsopgoerelse_years:
        _aarsopgoerelse(r, prof, y, other_base, wealth_base, yearly[y], out, counts)


def _forskud(cal: Calendar, r: np.random.Generator, prof: _Profile, y: int, other_base: np.ndarray,
             wealth_base: np.ndarray, out: Path, counts: dict[str, int]) -> None:
    """The preliminary assessment for year y: made in November before, some updated during the year."""
    n = prof.n
    oth = np.floor(other_base * r.uniform(0.9, 1.1, n)) * 100
    wea = np.floor(wealth_base * (1 + 0.03 * (y - prof.base_year)) * r.uniform(0.95, 1.05, n)) * 100
    assessed_day = fmt.uniform_dates(r, np.full(n, np.datetime64(f"{y - 1}-11-10")),
                                     np.full(n, np.datetime64(f"{y - 1}-11-14")))
    upd_hi = min(cal.cases_date - fmt.DAY, np.datetime64(f"{y}-12-31"))
    if upd_hi > np.datetime64(f"{y}-01-05"):
        upd = r.random(n) < 0.2
        updated_day = fmt.uniform_dates(r, np.full(n, np.datetime64(f"{y}-01-05")), np.full(n, upd_hi))
        assessed_day = np.where(upd, updated_day, assessed_day)
    name = f"income/forskud_{y}.csv"
    counts[name] = write_csv(out / name, {
        "cpr": prof.cpr, "year": np.full(n, str(y)), "other_income": fmt.fmt_money(oth.astype(np.int64)),
        "wealth": fmt.fmt_money(wea.astype(np.int64)),
        "assessed_at": fmt.fmt_timestamp(fmt.working_time(r, assessed_day, 6, 20)),
    })


def _aarsopgoerelse(r: np.random.Generator, prof: _Profile, y: int, other_base: np.ndarray, wealth_base: np.ndarray,
                    personal_income: np.ndarray, out: Path, counts: dict[str, int]) -> None:
    """The annual statement for year y, made in March after."""
    n = prof.n
    oth = np.floor(other_base * r.uniform(0.8, 1.2, n)) * 100
    wea = np.floor(wealth_base * (1 + 0.03 * (y - prof.base_year)) * r.uniform(0.9, 1.1, n)) * 100
    assessed_day = fmt.uniform_dates(r, np.full(n, np.datetime64(f"{y + 1}-03-10")),
                                     np.full(n, np.datetime64(f"{y + 1}-03-20")))
    name = f"income/aarsopgoerelse_{y}.csv"
    counts[name] = write_csv(out / name, {
        "cpr": prof.cpr, "year": np.full(n, str(y)), "personal_income": fmt.fmt_money(personal_income),
        "other_income": fmt.fmt_money(oth.astype(np.int64)), "wealth": fmt.fmt_money(wea.astype(np.int64)),
        "assessed_at": fmt.fmt_timestamp(fmt.working_time(r, assessed_day, 6, 20)),
    })


def _write_month(path: Path, cpr: np.ndarray, m: int, t: np.ndarray, a_ore: np.ndarray, reported: np.ndarray) -> int:
    return write_csv(path, {
        "cpr": cpr, "month": np.full(len(cpr), months.month_str(m)), "income_type": np.array(INCOME_TYPES)[t],
        "amount": fmt.fmt_money(a_ore), "reported_at": fmt.fmt_timestamp(reported),
    })
