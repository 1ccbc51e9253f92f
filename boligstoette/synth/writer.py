"""Turns the generated arrays into the landing folder's files and the ground truth."""

from __future__ import annotations

import json
import uuid
from pathlib import Path

import numpy as np

from boligstoette.synth import fmt
from boligstoette.synth.cases import APPLICANT, CHILD, COHABITANT, PENSIONS, ROLES, SPOUSE, Cases
from boligstoette.synth.config import INJECT_KINDS, Calendar
from boligstoette.synth.errors import Truth
from boligstoette.synth.people import People
from boligstoette.synth.register import HEATING, MAINTENANCE, PAYMENT, TENURE, Register
from boligstoette.synth.writer_utils import write_csv, write_rows_by_chunk

REGISTER_COLUMNS = (
    "snapshot_date", "org_id", "afdeling_id", "unit_id", "bbr_unit_id", "address", "postal_code", "municipality_code",
    "lease_id", "tenure", "tenant_name", "tenant_cpr", "tenant_birth_date", "lease_start", "lease_end", "area_m2",
    "rooms", "heating_type", "rent_monthly", "supplements_monthly", "rent_effective_from", "maintenance_duty",
    "heating_payment", "water_payment", "drainage_payment", "electricity_payment", "own_kitchen", "garage_carport",
    "accessible", "student_dorm", "rent_registered_at",
)
_PAY = np.array(PAYMENT)


def _ddmmyy(d: np.datetime64) -> str:
    y, m, dd = (int(x[0]) for x in fmt.ymd(np.array([d], dtype="datetime64[D]")))
    return f"{dd:02d}{m:02d}{y % 100:02d}"


def _bad_cprs(cpr: np.ndarray, birth: np.ndarray, mode: np.ndarray, draw: np.ndarray) -> np.ndarray:
    """A CPR still shaped DDMMYY-SSSS, but not a date (mode 1) or not the birth date (mode 2)."""
    out = cpr.astype(object)
    for i in np.flatnonzero(mode > 0):
        c = str(cpr[i])
        dd, mm, yy, serial = c[0:2], c[2:4], c[4:6], c[7:]
        k = int(draw[i])
        if mode[i] == 1:
            variant = k % 5
            if variant == 0:
                dd = f"3{2 + (k // 5) % 8}"
            elif variant == 1:
                mm = ("13", "14", "15", "16", "17", "18", "19", "00")[(k // 5) % 8]
            elif variant == 2:
                dd, mm = ("30", "31")[(k // 5) % 2], "02"
            elif variant == 3:
                dd, mm = "31", ("04", "06", "09", "11")[(k // 5) % 4]
            else:
                dd = "00"
            out[i] = f"{dd}{mm}{yy}-{serial}"
        else:
            shift = 1 + (k // 2) % 40
            other = birth[i] + np.timedelta64(shift if k % 2 else -shift, "D")
            out[i] = f"{_ddmmyy(other)}-{serial}"
    return out.astype(str)


def snapshot_rows(reg: Register, j: int) -> np.ndarray:
    """Leases in snapshot j, in unit order (organisation, department, dwelling), then lease_id."""
    idx = np.flatnonzero(reg.present[j])
    return idx[np.lexsort((reg.lease_id[idx], reg.l_unit[idx]))]


def register_snapshot(reg: Register, people: People, cal: Calendar, j: int, idx: np.ndarray) -> dict[str, np.ndarray]:
    """The snapshot's columns as text for the leases idx."""
    u = reg.l_unit[idx]
    d = reg.unit_dept[u]
    latest = j == 2
    tenant = (reg.s3_tenant if latest else reg.l_tenant)[idx]
    start = (reg.s3_start if latest else reg.l_start)[idx]
    area10 = reg.s3_area10[idx] if latest else reg.area10[u]
    birth = people.birth[tenant]
    cpr = np.where(reg.l_has_cpr[idx], people.cpr[tenant], "")
    if latest and (reg.bad_cpr_mode[idx] > 0).any():
        cpr = _bad_cprs(cpr, birth, reg.bad_cpr_mode[idx], reg.bad_cpr_draw[idx])
    n = len(idx)
    return {
        "snapshot_date": np.full(n, str(cal.snaps[j])),
        "org_id": reg.org_id[reg.dept_org[d]],
        "afdeling_id": reg.dept_afd[d],
        "unit_id": reg.unit_id[u],
        "bbr_unit_id": np.where(reg.bbr_in_register[u], reg.bbr_id[u], ""),
        "address": reg.address[u],
        "postal_code": reg.dept_postal[d],
        "municipality_code": reg.muni_code[reg.dept_muni[d]],
        "lease_id": reg.lease_id[idx],
        "tenure": np.array(TENURE)[reg.dept_tenure[d]],
        "tenant_name": people.full_name[tenant],
        "tenant_cpr": cpr,
        "tenant_birth_date": fmt.fmt_date(np.where(reg.l_has_bd[idx], birth, fmt.NAT)),
        "lease_start": fmt.fmt_date(start),
        "lease_end": fmt.fmt_date(reg.endvis[j, idx]),
        "area_m2": fmt.fmt_tenths(area10),
        "rooms": reg.rooms[u].astype(str),
        "heating_type": np.array(HEATING)[reg.dept_heating[d]],
        "rent_monthly": fmt.fmt_money(reg.rent[j, idx]),
        "supplements_monthly": fmt.fmt_money(reg.supp[j, idx]),
        "rent_effective_from": fmt.fmt_date(reg.eff[j, idx]),
        "maintenance_duty": np.array(MAINTENANCE)[reg.dept_maint[d]],
        "heating_payment": _PAY[reg.heat[j, idx]],
        "water_payment": _PAY[reg.water[j, idx]],
        "drainage_payment": _PAY[reg.drain[j, idx]],
        "electricity_payment": _PAY[reg.dept_elec[d]],
        "own_kitchen": fmt.fmt_bool(reg.own_kitchen[u]),
        "garage_carport": fmt.fmt_bool(reg.garage[u]),
        "accessible": fmt.fmt_bool(reg.accessible[u]),
        "student_dorm": fmt.fmt_bool(reg.dorm[u]),
        "rent_registered_at": fmt.fmt_timestamp(reg.regat[j, idx]),
    }


def write_register(out: Path, reg: Register, people: People, cal: Calendar) -> dict[str, int]:
    counts = {}
    for j in range(3):
        name = f"register/huslejeregister_{Calendar.compact(cal.snaps[j])}.csv"
        rows = snapshot_rows(reg, j)
        counts[name] = write_rows_by_chunk(out / name, list(REGISTER_COLUMNS), len(rows),
                                           lambda sl, rows=rows, j=j: register_snapshot(reg, people, cal, j, rows[sl]))
    return counts


def write_bbr(out: Path, reg: Register, cal: Calendar) -> dict[str, int]:
    u = np.argsort(reg.bbr_id, kind="stable")
    d = reg.unit_dept[u]
    name = f"bbr/bbr_units_{Calendar.compact(cal.bbr_date)}.csv"
    return {name: write_csv(out / name, {
        "bbr_unit_id": reg.bbr_id[u],
        "address": reg.address[u],
        "postal_code": reg.dept_postal[d],
        "municipality_code": reg.muni_code[reg.dept_muni[d]],
        "area_m2": np.floor(reg.area10[u] / 10 + 0.5).astype(np.int64).astype(str),
        "rooms": reg.rooms[u].astype(str),
        "heating_type": np.array(HEATING)[reg.dept_heating[d]],
        "own_kitchen": fmt.fmt_bool(reg.own_kitchen[u]),
    })}


_CHANGED_COLUMNS = {"rent_changed": ("rent_monthly", "supplements_monthly", "rent_effective_from"),
                    "utilities_changed": ("heating_payment", "water_payment", "drainage_payment"),
                    "lease_ended": ("lease_end",), "lease_reopened": ("lease_end",)}


def write_changes(out: Path, reg: Register, cal: Calendar, rng: np.random.Generator) -> dict[str, int]:
    # draws from rng in this order: event ids, late deliveries, duplicates, swapped neighbours
    registered, lines = _change_lines(reg, rng)
    cut_times = _delivery_times(cal.snaps)
    per_file = _deliver(rng, registered, lines, cut_times)
    return _write_change_files(out, rng, per_file, cut_times)


def _change_side(reg: Register, k: np.ndarray, lease: np.ndarray) -> dict[str, list[str]]:
    """The changed register columns in snapshot k of each event, as register text."""
    return {
        "rent_monthly": fmt.fmt_money(reg.rent[k, lease]).tolist(),
        "supplements_monthly": fmt.fmt_money(reg.supp[k, lease]).tolist(),
        "rent_effective_from": fmt.fmt_date(reg.eff[k, lease]).tolist(),
        "heating_payment": _PAY[reg.heat[k, lease]].tolist(),
        "water_payment": _PAY[reg.water[k, lease]].tolist(),
        "drainage_payment": _PAY[reg.drain[k, lease]].tolist(),
        "lease_end": fmt.fmt_date(reg.endvis[k, lease]).tolist(),
    }


def _change_lines(reg: Register, rng: np.random.Generator) -> tuple[np.ndarray, list[str]]:
    """The change notifications as JSON lines, in registration order; returns their registration times too."""
    lease, kind, interval, registered, effective = reg.events.arrays()
    order = np.lexsort((kind.astype(str), lease, registered))
    lease, kind, interval = lease[order], kind[order], interval[order]
    registered, effective = registered[order], effective[order]
    n = len(lease)
    ids = rng.integers(0, 2**63, (n, 2), dtype=np.int64)
    event_id = [str(uuid.UUID(int=(int(a) << 64) | int(b), version=4)) for a, b in ids]
    reg_list = fmt.fmt_timestamp(registered).tolist()
    eff_list = fmt.fmt_date(effective).tolist()
    org_list = reg.org_id[reg.lease_org()[lease]].tolist()
    unit_list = reg.unit_id[reg.l_unit[lease]].tolist()
    lease_ids = reg.lease_id[lease].tolist()
    # old (snapshot j-1) and new (snapshot j) values
    old_side, new_side = _change_side(reg, interval - 1, lease), _change_side(reg, interval, lease)
    lines = []
    for i in range(n):
        cols = _CHANGED_COLUMNS[kind[i]]
        old = {c: old_side[c][i] or None for c in cols}
        new = {c: new_side[c][i] or None for c in cols}
        lines.append(json.dumps({
            "event_id": event_id[i], "registered_at": reg_list[i], "org_id": org_list[i], "unit_id": unit_list[i],
            "lease_id": lease_ids[i], "kind": kind[i], "effective_date": eff_list[i], "old": old, "new": new,
        }, ensure_ascii=False, separators=(",", ":")))
    return registered, lines


def _delivery_times(S: np.ndarray) -> np.ndarray:
    """Delivery files every 14 days from the first snapshot, the last one on the latest snapshot's date,
    each cut at 01:30."""
    cuts = []
    c = S[0] + np.timedelta64(14, "D")
    while c < S[2]:
        cuts.append(c)
        c = c + np.timedelta64(14, "D")
    cuts.append(S[2])
    return np.array(cuts, dtype="datetime64[D]").astype("datetime64[s]") + np.timedelta64(5400, "s")


def _deliver(rng: np.random.Generator, registered: np.ndarray, lines: list[str],
             cut_times: np.ndarray) -> list[list[str]]:
    """The lines of each delivery file: the first cut after registration, a few one file late, and a few
    delivered twice (in the next file, or the previous one for the last file)."""
    n, nf = len(lines), len(cut_times)
    file_of = np.searchsorted(cut_times, registered, side="right")
    file_of = np.minimum(file_of, nf - 1)
    late = (rng.random(n) < 0.01) & (file_of < nf - 1)
    file_of = np.where(late, file_of + 1, file_of)
    per_file: list[list[str]] = [[] for _ in range(nf)]
    for i in range(n):
        per_file[file_of[i]].append(lines[i])
    n_dup = max(1, int(round(0.005 * n))) if n >= 20 else 0
    for i in np.sort(rng.choice(n, n_dup, replace=False)) if n_dup else []:
        target = file_of[i] + 1 if file_of[i] < nf - 1 else max(0, file_of[i] - 1)
        if target != file_of[i]:
            per_file[target].insert(int(rng.integers(0, len(per_file[target]) + 1)), lines[i])
    return per_file


def _write_change_files(out: Path, rng: np.random.Generator, per_file: list[list[str]],
                        cut_times: np.ndarray) -> dict[str, int]:
    counts = {}
    for k, rows in enumerate(per_file):
        # a few neighbours swapped: notifications are not strictly in registration order
        for _ in range(max(0, len(rows) // 30)):
            a = int(rng.integers(0, len(rows)))
            b = min(len(rows) - 1, a + int(rng.integers(1, 6)))
            rows[a], rows[b] = rows[b], rows[a]
        stamp = str(cut_times[k]).replace("-", "").replace(":", "")
        name = f"register_changes/changes_{stamp}.jsonl"
        path = out / name
        path.parent.mkdir(parents=True, exist_ok=True)
        with open(path, "w", encoding="utf-8", newline="\n") as f:
            f.write("".join(r + "\n" for r in rows))
        counts[name] = len(rows)
    return counts


def write_cases(out: Path, reg: Register, people: People, cal: Calendar, cases: Cases) -> dict[str, int]:
    stamp = Calendar.compact(cal.cases_date)
    lease = cases.lease
    u = reg.l_unit[lease]
    d = reg.unit_dept[u]
    app_person = reg.l_tenant[lease]
    named = cases.named
    counts = {}
    name = f"cases/applications_{stamp}.csv"
    counts[name] = write_csv(out / name, {
        "case_id": cases.case_id,
        "applicant_cpr": people.cpr[app_person],
        "applicant_name": cases.applicant_name,
        "received_date": fmt.fmt_date(cases.received),
        "move_in_date": fmt.fmt_date(cases.move_in),
        "address": reg.address[u],
        "postal_code": reg.dept_postal[d],
        "org_id": np.where(named, reg.org_id[reg.dept_org[d]], ""),
        "unit_id": np.where(named, reg.unit_id[u], ""),
        "payee": np.where(cases.payee_applicant, "applicant", "organisation"),
        "urgent": fmt.fmt_bool(cases.urgent),
    })
    mc = cases.m_case
    member_name = np.where(cases.m_role == APPLICANT, cases.applicant_name[mc], people.full_name[cases.m_person])
    name = f"cases/household_members_{stamp}.csv"
    counts[name] = write_csv(out / name, {
        "case_id": cases.case_id[mc],
        "cpr": people.cpr[cases.m_person],
        "name": member_name,
        "birth_date": fmt.fmt_date(cases.m_birth),
        "role": np.array(ROLES)[cases.m_role],
        "income_consent": fmt.fmt_opt_bool(cases.m_consent),
        "joint_liability_signed": fmt.fmt_opt_bool(cases.m_joint),
        "pension": np.array(PENSIONS)[cases.m_pension],
        "mobility_impaired": fmt.fmt_bool(cases.m_mobility),
        "round_the_clock_help": fmt.fmt_bool(cases.m_rtc),
        "member_from": fmt.fmt_date(cases.m_from),
        "member_to": fmt.fmt_date(cases.m_to),
    })
    return counts


def write_relief(out: Path, reg: Register, cal: Calendar, cases: Cases, rng: np.random.Generator) -> dict[str, int]:
    n_d = len(reg.dept_org)
    units = np.bincount(reg.unit_dept, minlength=n_d)
    unit_rent = np.zeros(reg.n_units, np.int64)
    running = np.flatnonzero(reg.present[1] & ((reg.gen == 1) | (reg.gen == 2)))
    running = running[np.argsort(reg.gen[running], kind="stable")]
    unit_rent[reg.l_unit[running]] = reg.rent[1, running]
    rent_total = np.bincount(reg.unit_dept, weights=unit_rent * 12, minlength=n_d).astype(np.int64)
    case_dept = reg.unit_dept[reg.l_unit[cases.lease]]
    n_case = np.bincount(case_dept, minlength=n_d)
    has_child = np.zeros(len(cases.lease), bool)
    has_child[cases.m_case[cases.m_role == CHILD]] = True
    has_partner = np.zeros(len(cases.lease), bool)
    has_partner[cases.m_case[(cases.m_role == SPOUSE) | (cases.m_role == COHABITANT)]] = True
    single_parent_cases = np.bincount(case_dept[has_child & ~has_partner], minlength=n_d)
    share_hb = n_case / np.maximum(units, 1)
    others = rng.binomial(np.maximum(units - n_case, 0), 0.07)
    share_sp = np.clip((single_parent_cases + others) / np.maximum(units, 1), 0, 1)
    share_pub = np.clip(0.08 + 0.45 * share_hb + rng.normal(0, 0.05, n_d), 0, 1)
    avg_income = np.clip(330000 - 160000 * share_hb + rng.normal(0, 15000, n_d), 120000, 450000)
    avg_disp = np.clip(avg_income * 0.42 - 20000 + rng.normal(0, 8000, n_d), 30000, 250000)
    year = cal.T // 12
    name = f"rent_relief/afdeling_stats_{year}.csv"
    return {name: write_csv(out / name, {
        "org_id": reg.org_id[reg.dept_org],
        "afdeling_id": reg.dept_afd,
        "units": units.astype(str),
        "annual_rent_total": fmt.fmt_money(rent_total),
        "share_single_parents": fmt.fmt_share(share_sp),
        "share_fulltime_public_benefits": fmt.fmt_share(share_pub),
        "share_housing_benefit": fmt.fmt_share(share_hb),
        "avg_personal_income": fmt.fmt_money(np.floor(avg_income * 100 + 0.5).astype(np.int64)),
        "avg_disposable_amount": fmt.fmt_money(np.floor(avg_disp * 100 + 0.5).astype(np.int64)),
    })}


def write_truth(out: Path, reg: Register, cal: Calendar, cases: Cases, truth: Truth,
                corrections: list[dict]) -> dict[str, int]:
    t = truth.arrays()
    case_of = cases.case_of_lease(len(reg.l_unit))
    n = len(t["kind"])
    has_unit = t["unit"] >= 0
    has_lease = t["lease"] >= 0
    case_idx = np.where(t["case_lease"] >= 0, case_of[np.maximum(t["case_lease"], 0)], -1)
    kind_rank = {k: i for i, k in enumerate((*INJECT_KINDS, "pre_2014_correction"))}
    cols = {
        "kind": t["kind"].astype(str),
        "org_id": reg.org_id[t["org"]] if n else np.zeros(0, str),
        "unit_id": np.where(has_unit, reg.unit_id[np.maximum(t["unit"], 0)], "") if n else np.zeros(0, str),
        "lease_id": np.where(has_lease, reg.lease_id[np.maximum(t["lease"], 0)], "") if n else np.zeros(0, str),
        "case_id": np.where(case_idx >= 0, cases.case_id[np.maximum(case_idx, 0)], "") if n else np.zeros(0, str),
        "snapshot_date": cal.snaps[t["snap"]].astype(str) if n else np.zeros(0, str),
        "detail": t["detail"].astype(str),
    }
    if n:
        rank = np.array([kind_rank[k] for k in cols["kind"]])
        order = np.lexsort((cols["lease_id"], cols["unit_id"], cols["org_id"], rank))
        cols = {k: v[order] for k, v in cols.items()}
    counts = {"_truth/injected_errors.csv": write_csv(out / "_truth" / "injected_errors.csv", cols)}

    changed = np.zeros(len(reg.l_unit), bool)
    changed[t["lease"][t["kind"] == "tenant_changed"]] = True
    lease = cases.lease
    u = reg.l_unit[lease]
    counts["_truth/case_truth.csv"] = write_csv(out / "_truth" / "case_truth.csv", {
        "case_id": cases.case_id,
        "lease_id": reg.lease_id[lease],
        "unit_id": reg.unit_id[u],
        "org_id": reg.org_id[reg.dept_org[reg.unit_dept[u]]],
        "name_variant": cases.name_variant,
        "lease_has_cpr": fmt.fmt_bool(reg.l_has_cpr[lease]),
        "lease_has_birth_date": fmt.fmt_bool(reg.l_has_bd[lease]),
        "tenant_changed_injected": fmt.fmt_bool(changed[lease]),
    })
    counts["_truth/income_redelivery.csv"] = write_csv(out / "_truth" / "income_redelivery.csv", {
        "case_id": np.array([c["case_id"] for c in corrections], dtype=str),
        "role": np.array([c["role"] for c in corrections], dtype=str),
        "month": np.array([c["month"] for c in corrections], dtype=str),
        "income_type": np.array([c["income_type"] for c in corrections], dtype=str),
        "old_amount": np.array(["" if c["old"] is None else str(fmt.fmt_money(np.array([c["old"]]))[0])
                                for c in corrections], dtype=str),
        "new_amount": np.array([str(fmt.fmt_money(np.array([c["new"]]))[0]) for c in corrections], dtype=str),
    })
    return counts
