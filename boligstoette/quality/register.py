"""Register data quality: every check of `checks.CHECKS` on one register snapshot, vectorised.

`assess_register(current, previous, bbr, notifications)` derives one *flag frame* per scope (one
boolean column per check code plus the keys) and the findings that follow from it. The flag frames
are what the Great Expectations suites in expectations/suites/register_<scope>.json validate, so GX's
unexpected counts and keys are the findings, by construction (tests/quality checks that they agree).

Inputs are the frames the landing reader returns (boligstoette.contracts: money `*_ore` int64, dates
datetime64[us], text `str`). Nothing here prints or returns a CPR number or a tenant name: details
speak of dates, amounts, codes and ids only.
"""

import json
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import date
from itertools import chain
from typing import NamedTuple, Self

import numpy as np
import pandas as pd

from boligstoette.privacy import cpr_birth_dates, mask_text
from boligstoette.quality.checks import CHECKS, SCOPES, codes
from boligstoette.quality.thresholds import DEFAULT_THRESHOLDS, QualityThresholds

PRE_2014 = np.datetime64("2014-06-01", "us")
"""RULES § 12.2: a rent corrected back to a date before 1 June 2014 sends no notification."""

KEYS = ["org_id", "afdeling_id", "unit_id", "lease_id"]
FINDING_COLUMNS = ["code", "scope", "holds", "org_id", "afdeling_id", "unit_id", "lease_id", "detail", "snapshot_date"]
_NAT = np.datetime64("NaT", "us")
_KIND_GROUP = {"rent_changed": "rent", "utilities_changed": "utilities", "lease_ended": "end", "lease_reopened": "end"}
_GROUP_ID = {"rent_changed": 0, "utilities_changed": 1, "lease_ended": 2, "lease_reopened": 2}
_GROUP_COLUMNS = {
    "rent": ("rent_monthly", "supplements_monthly", "rent_effective_from"),
    "utilities": ("heating_payment", "water_payment", "drainage_payment"),
    "end": ("lease_end",),
}


# --- result ----------------------------------------------------------------------------------


@dataclass(frozen=True)
class RegisterFindings:
    """Findings of one snapshot, the flag frames GX validates, and summaries."""

    findings: pd.DataFrame
    """One row per finding: code, scope, holds, org_id, afdeling_id, unit_id, lease_id, detail, snapshot_date."""
    flags: dict[str, pd.DataFrame] = field(default_factory=dict)
    """Per scope, the frame validated by suite `register_<scope>`: keys plus one boolean column per code."""
    snapshot_date: pd.Timestamp | None = None
    previous_snapshot_date: pd.Timestamp | None = None
    thresholds: QualityThresholds = field(default_factory=QualityThresholds)

    @property
    def month_held(self) -> bool:
        """A delivery check failed: no payout for anyone this month."""
        return bool((self.findings["holds"] == "month").any())

    def counts(self) -> pd.DataFrame:
        """Per code (every catalogue code, zero when none): scope, holds, findings, leases, organisations."""
        f = self.findings
        grouped = f.groupby("code", sort=False).agg(
            findings=("code", "size"), leases=("lease_id", "nunique"), organisations=("org_id", "nunique")
        )
        out = pd.DataFrame(
            {
                "code": list(CHECKS),
                "scope": [c.scope for c in CHECKS.values()],
                "holds": [c.holds for c in CHECKS.values()],
            }
        )
        out = out.join(grouped, on="code")
        for column in ("findings", "leases", "organisations"):
            out[column] = out[column].fillna(0).astype("int64")
        return out

    def counts_by_code(self) -> dict[str, int]:
        """{code: number of findings} for the codes that have any (json-safe, for metadata)."""
        counts = self.findings["code"].value_counts()
        return {str(k): int(v) for k, v in counts.items()}

    def held_organisations(self) -> list[str]:
        """Organisations whose payouts are held (sorted)."""
        held = self.findings.loc[self.findings["holds"] == "organisation", "org_id"].dropna()
        return sorted(set(held))

    def held_leases(self) -> pd.DataFrame:
        """Lease holds: one row per (lease_id, code) with org_id, afdeling_id, unit_id, lease_id, code, detail."""
        held = self.findings[self.findings["holds"] == "lease"]
        return held[["org_id", "afdeling_id", "unit_id", "lease_id", "code", "detail"]].reset_index(drop=True)


# --- helpers ---------------------------------------------------------------------------------


def _dates(frame: pd.DataFrame, column: str) -> np.ndarray:
    return frame[column].to_numpy(dtype="datetime64[us]") if len(frame) else np.zeros(0, "datetime64[us]")


def _text(values) -> pd.Series:
    """Missing as empty text, for comparisons."""
    return pd.Series(values, dtype="str").fillna("")


def _same_date(a: np.ndarray, b: np.ndarray) -> np.ndarray:
    return (a == b) | (np.isnat(a) & np.isnat(b))


def _fmt_dates(values: np.ndarray, missing: str = "(none)") -> np.ndarray:
    text = pd.Series(values, dtype="datetime64[us]").dt.strftime("%Y-%m-%d")
    return text.fillna(missing).to_numpy(dtype=object)


def _fmt_money(ore: np.ndarray) -> np.ndarray:
    ore = np.asarray(ore, dtype=np.int64)
    if not ore.size:
        return np.zeros(0, dtype=object)
    sign = np.where(ore < 0, "-", "")
    a = np.abs(ore)
    kroner = (a // 100).astype(str)
    cents = np.char.zfill((a % 100).astype(str), 2)
    return np.char.add(np.char.add(np.char.add(sign, kroner), "."), cents).astype(object)


def _pct(old: np.ndarray, new: np.ndarray) -> np.ndarray:
    old = np.asarray(old, dtype=np.float64)
    with np.errstate(divide="ignore", invalid="ignore"):
        pct = np.where(old != 0, np.round((np.asarray(new, np.float64) - old) / old * 100), np.nan)
    return np.array([("n/a" if np.isnan(p) else f"{int(p):+d}") for p in pct], dtype=object)


def _join(*parts) -> np.ndarray:
    out = parts[0]
    for part in parts[1:]:
        out = np.char.add(np.asarray(out, dtype=str), np.asarray(part, dtype=str))
    return np.asarray(out, dtype=object)


def _ore_from_text(values: pd.Series) -> np.ndarray:
    """Register money text ('5310.22') -> øre, exactly; -1 where missing or not money."""
    text = _text(values)
    ok = text.str.fullmatch(r"-?\d{1,12}(?:\.\d{1,2})?").to_numpy(dtype=bool, na_value=False)
    out = np.full(len(text), -1, dtype=np.int64)
    if ok.any():
        good = text[ok]
        parts = good.str.lstrip("-").str.partition(".")
        kroner = parts[0].astype("int64").to_numpy()
        frac = parts[2].str.ljust(2, "0").replace("", "00").astype("int64").to_numpy()
        value = kroner * 100 + frac
        out[ok] = np.where(good.str.startswith("-").to_numpy(dtype=bool), -value, value)
    return out


def _snapshot_day(frame: pd.DataFrame | None) -> pd.Timestamp | None:
    if frame is None or not len(frame):
        return None
    day = frame["snapshot_date"].max()
    return None if pd.isna(day) else pd.Timestamp(day)


def first_benefit_month(snapshot_date: pd.Timestamp, thresholds: QualityThresholds) -> pd.Timestamp:
    """The first day of the first benefit month a snapshot serves (landing cut-off rule)."""
    ahead = 1 if snapshot_date.day <= thresholds.cutoff_day else 2
    return (snapshot_date.to_period("M") + ahead).to_timestamp()


class _Context:
    """The inputs of one assessment, with lease ids turned into integer codes once.

    Every lease-keyed match (current <-> previous <-> notifications) is then integer array indexing:
    hashing ~1.3 million text ids once instead of at every comparison keeps a national snapshot fast.
    """

    def __init__(self, current, previous, notifications, th: QualityThresholds):
        self.th = th
        self.cur = current.reset_index(drop=True)
        self.n = len(self.cur)
        prev = previous if previous is not None and len(previous) else None
        self.prev_day = _snapshot_day(prev)
        if self.prev_day is None:
            prev = None
        self.day = _snapshot_day(self.cur)
        if self.day is None:  # an empty snapshot is dated by the previous one
            self.day = self.prev_day
        notes = notifications if notifications is not None and len(notifications) else None
        if notes is not None:
            notes = notes.reset_index(drop=True)
            if "event_id" in notes:
                notes = notes[~notes["event_id"].duplicated().to_numpy()].reset_index(drop=True)
            notes = notes[notes["kind"].isin(list(_KIND_GROUP)).to_numpy(dtype=bool)].reset_index(drop=True)

        parts = [self.cur["lease_id"]]
        if prev is not None:
            parts.append(prev["lease_id"])
        if notes is not None:
            parts.append(notes["lease_id"])
        all_ids = pd.concat(parts, ignore_index=True).astype("str") if parts else pd.Series(dtype="str")
        codes_, uniques = pd.factorize(all_ids)
        self.uniques = np.asarray(uniques, dtype=object)
        self.k = k = len(self.uniques)
        self.cur_code = codes_[: self.n]
        at = self.n
        if prev is not None:
            prev_code = codes_[at: at + len(prev)]
            at += len(prev)
            keep = ~pd.Series(prev_code).duplicated(keep="last").to_numpy()  # one row per lease, the last
            prev = prev[keep].reset_index(drop=True)
            prev_code = prev_code[keep]
        else:
            prev_code = np.zeros(0, dtype=np.int64)
        self.prev = prev
        self.prev_code = prev_code
        self.note_code = codes_[at:] if notes is not None else np.zeros(0, dtype=np.int64)
        self.notes = notes

        self.prev_row = np.full(k, -1, dtype=np.int64)  # per lease code: its row in prev, -1 none
        self.prev_row[prev_code] = np.arange(len(prev_code))
        self.cur_row = np.full(k, -1, dtype=np.int64)  # per lease code: its (last) row in current
        if self.n:
            last = ~pd.Series(self.cur_code).duplicated(keep="last").to_numpy()
            self.cur_row[self.cur_code[last]] = np.flatnonzero(last)
        self.pos = self.prev_row[self.cur_code]  # per current row: the previous row of the lease
        self.found = self.pos >= 0
        self._take = np.where(self.found, self.pos, 0)

    # values of the previous snapshot aligned with the current rows
    def p_date(self, column: str) -> np.ndarray:
        if self.prev is None:
            return np.full(self.n, _NAT)
        return np.where(self.found, _dates(self.prev, column)[self._take], _NAT)

    def p_int(self, column: str) -> np.ndarray:
        if self.prev is None:
            return np.zeros(self.n, np.int64)
        return np.where(self.found, self.prev[column].to_numpy(dtype=np.int64)[self._take], 0)

    def p_text(self, column: str) -> pd.Series:
        """Text of the previous row ('' where missing or no previous row), as a str Series."""
        if self.prev is None or not self.n:
            return pd.Series([""] * self.n, dtype="str")
        values = pd.Series(self.prev[column].fillna("").array.take(self._take), dtype="str")
        return values.where(self.found, "")

    def c_text(self, column: str) -> pd.Series:
        return pd.Series(self.cur[column].fillna("").array, dtype="str")

    def text_differs(self, column: str) -> np.ndarray:
        return self.found & (self.c_text(column) != self.p_text(column)).to_numpy(dtype=bool)


# --- delivery --------------------------------------------------------------------------------


def _delivery(ctx: _Context):
    th = ctx.th
    rows = ctx.n
    previous_rows = len(ctx.prev) if ctx.prev is not None else 0
    shrank = previous_rows > 0 and (previous_rows - rows) > th.snapshot_shrink * previous_rows
    dup = pd.Series(ctx.cur_code).duplicated(keep=False).to_numpy() if rows else np.zeros(0, dtype=bool)
    frame = pd.DataFrame(
        {
            "snapshot_date": pd.Series([ctx.day if ctx.day is not None else pd.NaT], dtype="datetime64[us]"),
            "rows": np.array([rows], dtype=np.int64),
            "previous_rows": np.array([previous_rows], dtype=np.int64),
            "DQ_DELIVERY_CONTRACT": [False],
            "DQ_SNAPSHOT_SHRANK": [bool(shrank)],
            "DQ_LEASE_ID_NOT_UNIQUE": [bool(dup.any())],
        }
    )
    details = {}
    if shrank:
        share = (previous_rows - rows) / previous_rows * 100
        details["DQ_SNAPSHOT_SHRANK"] = (
            f"{rows} rows, {previous_rows} in the previous snapshot ({share:.1f} % fewer; limit "
            f"{th.snapshot_shrink * 100:g} %)"
        )
    if dup.any():
        ids = pd.unique(ctx.uniques[ctx.cur_code[dup]])
        details["DQ_LEASE_ID_NOT_UNIQUE"] = (
            f"{len(ids)} lease_ids appear more than once ({int(dup.sum())} rows), e.g. {', '.join(map(str, ids[:5]))}"
        )
    return frame, {k: pd.Series([v], index=[0], dtype="str") for k, v in details.items()}


# --- organisation ----------------------------------------------------------------------------


def _active(frame: pd.DataFrame | None, day) -> np.ndarray:
    """Started on or before `day` and not ended before it (an end before the start is ignored)."""
    if frame is None or not len(frame) or day is None:
        return np.zeros(0 if frame is None else len(frame), dtype=bool)
    d = np.datetime64(day, "us")
    start, end = _dates(frame, "lease_start"), _dates(frame, "lease_end")
    return (start <= d) & (np.isnat(end) | (end >= d) | (end < start))


def _organisation(ctx: _Context):
    th, cur, prev = ctx.th, ctx.cur, ctx.prev
    cur_counts = cur.loc[_active(cur, ctx.day), "org_id"].value_counts() if ctx.n else pd.Series(dtype="int64")
    orgs = pd.Index(cur["org_id"].dropna().unique(), dtype="str")
    if prev is not None:
        prev_counts = prev.loc[_active(prev, ctx.prev_day), "org_id"].value_counts()
        orgs = orgs.union(pd.Index(prev["org_id"].dropna().unique(), dtype="str"))
    else:
        prev_counts = pd.Series(dtype="int64")
    orgs = orgs.sort_values()
    active = cur_counts.reindex(orgs).fillna(0).astype("int64").to_numpy()
    before = prev_counts.reindex(orgs).fillna(0).astype("int64").to_numpy()
    dropped = (before > 0) & ((before - active) > th.organisation_drop * before)
    frame = pd.DataFrame(
        {
            "org_id": pd.Series(orgs, dtype="str"),
            "previous_active_leases": before,
            "active_leases": active,
            "DQ_ORG_ACTIVE_LEASES_DROPPED": dropped,
        }
    )
    details = {}
    if dropped.any():
        b, a = before[dropped], active[dropped]
        share = np.round((b - a) / b * 100).astype(np.int64).astype(str)
        text = _join(b.astype(str), " active leases in the previous snapshot, ", a.astype(str), " now (",
                     share, f" % fewer; limit {th.organisation_drop * 100:g} %)")
        text = np.where(a == 0, _join(text, ": the organisation is missing from the snapshot"), text)
        details["DQ_ORG_ACTIVE_LEASES_DROPPED"] = pd.Series(text, index=np.flatnonzero(dropped), dtype="str")
    return frame, details


# --- lease -----------------------------------------------------------------------------------

_Flags = Iterator[tuple[str, np.ndarray, np.ndarray]]
"""What a lease check yields: (code, mask over the current rows, one detail per flagged row)."""


class _Periods(NamedTuple):
    """The current rows' lease periods, shared by the checks that compare dates."""

    start: np.ndarray
    end: np.ndarray
    unit: np.ndarray
    """unit_id as integer codes, so per-dwelling grouping is integer work."""

    @classmethod
    def of(cls, ctx: _Context) -> Self:
        c = ctx.cur
        unit_codes = pd.factorize(c["unit_id"])[0] if ctx.n else np.zeros(0, np.int64)
        return cls(_dates(c, "lease_start"), _dates(c, "lease_end"), unit_codes)


def _lease(ctx: _Context, bbr: pd.DataFrame | None):
    """Per current row one flag per lease code (columns in catalogue order), then the vanished leases
    of the previous snapshot appended as rows of their own. A check whose inputs are missing (no
    snapshot date, no previous snapshot, no BBR) leaves its codes unflagged."""
    n, periods = ctx.n, _Periods.of(ctx)
    checks = [_end_before_start(periods), _cpr_not_a_birth_date(ctx)]
    if n and ctx.day is not None:
        checks.append(_duplicate_active_lease(ctx, periods))
    if ctx.prev is not None and n:  # against the previous snapshot of the same lease_id
        checks += [_tenant_changed(ctx), _lease_start_changed(ctx, periods), _rent_jumps(ctx),
                   _supplement_added_or_removed(ctx), _lease_ended_without_successor(ctx, periods),
                   _lease_reopened(ctx, periods), _lease_reappeared(ctx, periods)]
    if bbr is not None and len(bbr) and n:
        checks.append(_bbr_differs(ctx, bbr))

    flag = {code: np.zeros(n, dtype=bool) for code in codes("lease")}
    details: dict[str, pd.Series] = {}
    for code, mask, text in chain.from_iterable(checks):
        flag[code] = mask
        if mask.any():
            details[code] = pd.Series(np.asarray(text, dtype=object), index=np.flatnonzero(mask), dtype="str")
    frame = ctx.cur[KEYS].reset_index(drop=True).astype("str")
    frame["in_snapshot"] = True
    for code in flag:
        frame[code] = flag[code]

    vanished = _vanished_leases(ctx)
    if vanished is not None:
        text = f"lease running in the snapshot of {ctx.prev_day:%Y-%m-%d} is missing from this snapshot"
        details["DQ_LEASE_VANISHED"] = pd.Series(text, index=np.arange(n, n + len(vanished)), dtype="str")
        frame = pd.concat([frame, vanished], ignore_index=True)
    return frame, details


def _end_before_start(periods: _Periods) -> _Flags:
    start, end = periods.start, periods.end
    m = ~np.isnat(end) & (end < start)
    yield "DQ_END_BEFORE_START", m, _join("lease_end ", _fmt_dates(end[m]), " is before lease_start ",
                                          _fmt_dates(start[m]))


def _cpr_not_a_birth_date(ctx: _Context) -> _Flags:
    """The CPR number as a date, and against the birth date (only the dates leave this function)."""
    c, n = ctx.cur, ctx.n
    present = c["tenant_cpr"].fillna("").astype("str").str.len().to_numpy() > 0 if n else np.zeros(0, bool)
    cpr_date = cpr_birth_dates(c["tenant_cpr"]).astype("datetime64[us]")
    m = present & np.isnat(cpr_date)
    yield "DQ_CPR_NOT_A_DATE", m, np.full(
        m.sum(), "the registered CPR number does not begin with a valid date (DDMMYY)")
    birth = _dates(c, "tenant_birth_date")
    m = present & ~np.isnat(cpr_date) & ~np.isnat(birth) & (cpr_date != birth)
    yield "DQ_CPR_BIRTH_DATE_MISMATCH", m, np.full(
        m.sum(), "the date in the registered CPR number differs from the registered birth date")


def _duplicate_active_lease(ctx: _Context, periods: _Periods) -> _Flags:
    """More than one lease running at the same time on a dwelling: among the leases not ended before
    the snapshot date (an end before the start is no end), two whose periods overlap."""
    c, (start, end, unit_codes) = ctx.cur, periods
    d = np.datetime64(ctx.day, "us")
    considered = (np.isnat(end) | (end >= d)) & ~(~np.isnat(end) & (end < start))
    idx = np.flatnonzero(considered)
    end_num = np.where(np.isnat(end), np.iinfo(np.int64).max, end.astype(np.int64))
    # sorted by dwelling and start, a lease overlaps an earlier one when it starts before the latest end so far
    order = idx[np.lexsort((start[idx].astype(np.int64), unit_codes[idx]))]
    u, s, e = unit_codes[order], start[order].astype(np.int64), end_num[order]
    running_max = pd.Series(e).groupby(u).cummax().to_numpy()
    same = np.r_[False, u[1:] == u[:-1]]
    overlap = same & (s <= np.r_[np.iinfo(np.int64).min, running_max[:-1]])
    m = considered & np.isin(unit_codes, np.unique(u[overlap]))
    text = np.zeros(0, dtype=object)
    if m.any():
        ids = c.loc[m, ["unit_id", "lease_id"]]
        listed = ids.groupby("unit_id")["lease_id"].agg(lambda x: ", ".join(sorted(x)))
        count = ids.groupby("unit_id").size()
        text = _join(ids["unit_id"].map(count).astype(str).to_numpy(),
                     " leases running at the same time on the dwelling: ",
                     ids["unit_id"].map(listed).to_numpy(dtype=object))
    yield "DQ_DUPLICATE_ACTIVE_LEASE", m, text


def _normalised_name(v: pd.Series) -> np.ndarray:
    return v.str.replace(r"\s+", " ", regex=True).str.strip().str.casefold().to_numpy(dtype=object)


def _tenant_changed(ctx: _Context) -> _Flags:
    """Another tenant on the same lease_id: name (ignoring case and spacing), CPR number or birth date."""
    found = ctx.found
    name_diff = ctx.text_differs("tenant_name")
    if name_diff.any():
        i = np.flatnonzero(name_diff)
        name_diff[i] = (_normalised_name(ctx.c_text("tenant_name").iloc[i])
                        != _normalised_name(ctx.p_text("tenant_name").iloc[i]))
    cpr, cpr_p = ctx.c_text("tenant_cpr"), ctx.p_text("tenant_cpr")
    cpr_diff = found & ((cpr != "") & (cpr_p != "") & (cpr != cpr_p)).to_numpy(dtype=bool)
    birth, birth_p = _dates(ctx.cur, "tenant_birth_date"), ctx.p_date("tenant_birth_date")
    birth_diff = found & ~np.isnat(birth) & ~np.isnat(birth_p) & (birth != birth_p)
    m = name_diff | cpr_diff | birth_diff
    what = _join(np.where(name_diff[m], "name, ", ""), np.where(cpr_diff[m], "CPR number, ", ""),
                 np.where(birth_diff[m], "birth date, ", ""))
    what = np.array([w[:-2] for w in what], dtype=object)
    yield "DQ_TENANT_CHANGED", m, _join("tenant ", what, " changed on the same lease_id")


def _lease_start_changed(ctx: _Context, periods: _Periods) -> _Flags:
    start, start_p = periods.start, ctx.p_date("lease_start")
    m = ctx.found & ~_same_date(start, start_p)
    yield "DQ_LEASE_START_CHANGED", m, _join("lease_start ", _fmt_dates(start_p[m]), " -> ", _fmt_dates(start[m]),
                                             " on the same lease_id")


def _rents(ctx: _Context) -> tuple[np.ndarray, np.ndarray]:
    """The monthly rent in øre, now and in the previous snapshot (0 where none)."""
    return ctx.cur["rent_monthly_ore"].to_numpy(np.int64), ctx.p_int("rent_monthly_ore")


def _rent_jumps(ctx: _Context) -> _Flags:
    """A rent falling or rising by more than the limits, to or from a rent of 0 kr excepted."""
    th, found = ctx.th, ctx.found
    rent, rent_p = _rents(ctx)
    rent_f, rent_pf = rent.astype(np.float64), rent_p.astype(np.float64)
    # a rent of exactly 0 is a free-rent month or rehousing paid by an insurer (RULES § 8.2, § 12.6):
    # 0 kr benefit for that month, not a suspected error; nor is the return from it the month after
    m = found & (rent_p > 0) & (rent > 0) & ((rent_pf - rent_f) > th.rent_down * rent_pf)
    yield "DQ_RENT_DROP", m, _join("rent ", _fmt_money(rent_p[m]), " -> ", _fmt_money(rent[m]), " kr. (",
                                   _pct(rent_p[m], rent[m]), f" %; limit -{th.rent_down * 100:g} %)")
    m = found & (rent_p > 0) & ((rent_f - rent_pf) > th.rent_up * rent_pf)
    yield "DQ_RENT_JUMP", m, _join("rent ", _fmt_money(rent_p[m]), " -> ", _fmt_money(rent[m]), " kr. (",
                                   _pct(rent_p[m], rent[m]), f" %; limit +{th.rent_up * 100:g} %)")


def _supplement_added_or_removed(ctx: _Context) -> _Flags:
    found = ctx.found
    rent, rent_p = _rents(ctx)
    supp, supp_p = ctx.cur["supplements_monthly_ore"].to_numpy(np.int64), ctx.p_int("supplements_monthly_ore")
    m = found & (supp_p == 0) & (supp > 0)
    yield "DQ_SUPPLEMENT_ADDED", m, _join("supplements 0.00 -> ", _fmt_money(supp[m]), " kr.; rent ",
                                          _fmt_money(rent_p[m]), " -> ", _fmt_money(rent[m]), " kr.")
    m = found & (supp_p > 0) & (supp == 0)
    yield "DQ_SUPPLEMENT_REMOVED", m, _join("supplements ", _fmt_money(supp_p[m]), " -> 0.00 kr.; rent ",
                                            _fmt_money(rent_p[m]), " -> ", _fmt_money(rent[m]), " kr.")


def _lease_ended_without_successor(ctx: _Context, periods: _Periods) -> _Flags:
    """A newly registered end with no later lease on the dwelling: held when it stops the coming
    payout, otherwise reported; an ordinary move (a later lease on the dwelling) is neither."""
    th, (start, end, unit_codes) = ctx.th, periods
    valid_end = ~np.isnat(end) & (end >= start)
    newly_ended = ctx.found & np.isnat(ctx.p_date("lease_end")) & valid_end
    start_num = start.astype(np.int64)
    successor = pd.Series(start_num).groupby(unit_codes).transform("max").to_numpy() > start_num
    first_month = first_benefit_month(ctx.day, th)
    stop_before = np.datetime64(first_month.replace(day=th.liable_half_month_day), "us")
    lonely = newly_ended & ~successor
    m = lonely & (end < stop_before)
    yield "DQ_LEASE_ENDED_NO_SUCCESSOR", m, _join(
        "lease_end ", _fmt_dates(end[m]), " newly registered, no new lease on the dwelling; it stops the "
        f"payout for {first_month:%Y-%m}")
    m = lonely & (end >= stop_before)
    yield "DQ_LEASE_END_UNCONFIRMED", m, _join("lease_end ", _fmt_dates(end[m]),
                                               " newly registered, no new lease on the dwelling yet")


def _lease_reopened(ctx: _Context, periods: _Periods) -> _Flags:
    end_p = ctx.p_date("lease_end")
    m = ctx.found & ~np.isnat(end_p) & np.isnat(periods.end)
    yield "DQ_LEASE_REOPENED", m, _join("lease_end ", _fmt_dates(end_p[m]), " removed: the lease is open again")


def _lease_reappeared(ctx: _Context, periods: _Periods) -> _Flags:
    """First seen now although it started well before the previous snapshot."""
    start, prev_day = periods.start, ctx.prev_day
    limit = np.datetime64(prev_day, "us") - np.timedelta64(ctx.th.late_registration_days, "D")
    m = ~ctx.found & (start < limit)
    yield "DQ_LEASE_REAPPEARED", m, _join("lease starting ", _fmt_dates(start[m]), " was not in the snapshot of ",
                                          f"{prev_day:%Y-%m-%d}")


def _bbr_differs(ctx: _Context, bbr: pd.DataFrame) -> _Flags:
    """The dwelling against BBR: unit missing there, another area, another heating type."""
    c, th = ctx.cur, ctx.th
    b = bbr.drop_duplicates("bbr_unit_id", keep="last").reset_index(drop=True)
    ref = c["bbr_unit_id"].fillna("")
    given = (ref != "").to_numpy(dtype=bool)
    pos = pd.Index(b["bbr_unit_id"].astype("str")).get_indexer(ref.astype("str"))
    m = given & (pos < 0)
    yield "DQ_BBR_UNIT_MISSING", m, np.full(m.sum(), "the bbr_unit_id is not in the BBR extract")
    ok = given & (pos >= 0)
    take = np.where(ok, pos, 0)
    area, area_b = c["area_m2"].to_numpy(np.float64), b["area_m2"].to_numpy(np.float64)[take]
    m = ok & (np.abs(area - area_b) > th.area_tolerance * area_b)
    yield "DQ_BBR_AREA_DIFFERS", m, _join(
        "area ", [f"{v:g}" for v in area[m]], " m2 in the register, ", [f"{v:g}" for v in area_b[m]],
        " m2 in BBR (", _pct(area_b[m], area[m]), f" %; limit {th.area_tolerance * 100:g} %)")
    heat = ctx.c_text("heating_type")
    heat_b = pd.Series(b["heating_type"].fillna("").array.take(take), dtype="str")
    m = ok & (heat != heat_b).to_numpy(dtype=bool)
    yield "DQ_BBR_HEATING_DIFFERS", m, _join("heating ", heat[m].to_numpy(dtype=object), " in the register, ",
                                             heat_b[m].to_numpy(dtype=object), " in BBR")


def _vanished_leases(ctx: _Context) -> pd.DataFrame | None:
    """Leases running in the previous snapshot that are missing now, as flag rows to append (None: none).

    They have no current row, so they are rows of their own, flagged DQ_LEASE_VANISHED only."""
    if ctx.prev is None:
        return None
    prev = ctx.prev
    end_p_all, start_p_all = _dates(prev, "lease_end"), _dates(prev, "lease_start")
    gone = ctx.cur_row[ctx.prev_code] < 0
    d = np.datetime64(ctx.day, "us")
    running = np.isnat(end_p_all) | (end_p_all >= d) | (end_p_all < start_p_all)
    m = gone & running
    if not m.any():
        return None
    vanished = prev.loc[m, KEYS].reset_index(drop=True).astype("str")
    vanished["in_snapshot"] = False
    for code in codes("lease"):
        vanished[code] = code == "DQ_LEASE_VANISHED"
    return vanished


# --- reconciliation --------------------------------------------------------------------------

_NOTIFIED_COLUMNS = ("rent_monthly", "supplements_monthly", "rent_effective_from", "heating_payment",
                     "water_payment", "drainage_payment", "lease_end")

_Flagged = Iterator[tuple[str, np.ndarray, np.ndarray]]
"""What a reconciliation check yields when it finds something: (code, lease codes, their details);
a lease may come more than once (one detail per notification)."""


def _notified_values(latest: pd.DataFrame) -> dict[str, pd.Series]:
    """The register columns of the notifications' `new` objects, as text formatted like the register
    CSV (missing where null or absent). Parsed by Arrow with every column as text; anything Arrow
    refuses (e.g. a number where text is expected) goes through the json module instead."""
    import io

    import pyarrow as pa
    import pyarrow.json as pa_json

    text = latest["new"].fillna("{}").astype(str).tolist()
    try:
        schema = pa.schema([(c, pa.string()) for c in _NOTIFIED_COLUMNS])
        table = pa_json.read_json(
            io.BytesIO("\n".join(text).encode("utf-8")),
            parse_options=pa_json.ParseOptions(explicit_schema=schema, unexpected_field_behavior="ignore"),
        )
        if table.num_rows != len(text):
            raise ValueError("row count")
        return {c: pd.Series(table.column(c).to_pandas(), dtype="str") for c in _NOTIFIED_COLUMNS}
    except (pa.ArrowInvalid, ValueError):
        records = [json.loads(x) for x in text]
        return {
            c: pd.Series([None if not isinstance(r, dict) or r.get(c) is None else str(r[c]) for r in records],
                         dtype="str")
            for c in _NOTIFIED_COLUMNS
        }


class _Latest(NamedTuple):
    """The latest notification per lease and kind of change: it carries the values the snapshot must show."""

    frame: pd.DataFrame | None
    """None when there are no notifications."""
    code: np.ndarray
    """Per notification, its lease code."""
    group: np.ndarray
    """Per notification, its kind's group id (_GROUP_ID)."""

    @classmethod
    def of(cls, ctx: _Context) -> Self:
        if ctx.notes is None or not len(ctx.notes):
            none = np.zeros(0, dtype=np.int64)
            return cls(None, none, none)
        notes = ctx.notes
        group = notes["kind"].map(_GROUP_ID).to_numpy(dtype=np.int64)
        order = np.lexsort((notes["event_id"].to_numpy(dtype=object).astype(str),
                            notes["registered_at"].to_numpy(dtype="datetime64[us]").astype(np.int64)))
        key = pd.DataFrame({"lease": ctx.note_code[order], "group": group[order]})
        last = order[~key.duplicated(keep="last").to_numpy()]
        return cls(notes.iloc[last].reset_index(drop=True), ctx.note_code[last], group[last])

    def notified(self, kind: str, k: int) -> np.ndarray:
        """Per lease code (of k): whether a notification of the group of `kind` came."""
        out = np.zeros(k, dtype=bool)
        out[self.code[self.group == _GROUP_ID[kind]]] = True
        return out


def _reconciliation(ctx: _Context):
    """The changes between the snapshots against the notifications, both ways, per lease: the
    population is every lease with a change or a notification."""
    latest = _Latest.of(ctx)
    changed = np.zeros(ctx.n, dtype=bool)
    flagged: dict[str, tuple[np.ndarray, np.ndarray]] = {}  # code -> (lease codes, details)
    checks = []
    if ctx.prev is not None and ctx.n:
        changes = _Changes.of(ctx)
        changed = changes.changed
        checks += [_rent_change_not_notified(ctx, changes, latest),
                   _utilities_change_not_notified(ctx, changes, latest),
                   _lease_end_change_not_notified(ctx, changes, latest)]
    if latest.frame is not None:
        checks.append(_notification_not_in_snapshot(ctx, latest))
    for code, lease_codes, text in chain.from_iterable(checks):
        flagged[code] = (lease_codes, text)

    population = _population(ctx, changed, latest)
    frame = _population_keys(ctx, population, latest)
    return _reconciliation_flags(ctx, frame, population, flagged)


class _Changes(NamedTuple):
    """Per current row, the reconciled columns now and in the previous snapshot, and which differ."""

    rent: np.ndarray
    rent_p: np.ndarray
    supp: np.ndarray
    supp_p: np.ndarray
    eff: np.ndarray
    eff_p: np.ndarray
    end: np.ndarray
    end_p: np.ndarray
    rent_each: tuple[np.ndarray, np.ndarray, np.ndarray]
    """rent, supplements, rent_effective_from differ."""
    util_each: dict[str, np.ndarray]
    """Per utilities column: differs."""
    rent_diff: np.ndarray
    util_diff: np.ndarray
    end_diff: np.ndarray
    changed: np.ndarray
    """Any of them, on the row a lease's values are read from (its last): one finding per lease."""

    @classmethod
    def of(cls, ctx: _Context) -> Self:
        c, found = ctx.cur, ctx.found
        unique_rows = ctx.cur_row[ctx.cur_code] == np.arange(ctx.n)
        rent, rent_p = c["rent_monthly_ore"].to_numpy(np.int64), ctx.p_int("rent_monthly_ore")
        supp, supp_p = c["supplements_monthly_ore"].to_numpy(np.int64), ctx.p_int("supplements_monthly_ore")
        eff, eff_p = _dates(c, "rent_effective_from"), ctx.p_date("rent_effective_from")
        r1, r2, r3 = found & (rent != rent_p), found & (supp != supp_p), found & ~_same_date(eff, eff_p)
        util_each = {col: ctx.text_differs(col) for col in _GROUP_COLUMNS["utilities"]}
        util_diff = np.logical_or.reduce(list(util_each.values()))
        end, end_p = _dates(c, "lease_end"), ctx.p_date("lease_end")
        end_diff = found & ~_same_date(end, end_p)
        rent_diff = r1 | r2 | r3
        changed = (rent_diff | util_diff | end_diff) & unique_rows
        return cls(rent, rent_p, supp, supp_p, eff, eff_p, end, end_p, (r1, r2, r3), util_each,
                   rent_diff, util_diff, end_diff, changed)


def _rent_change_not_notified(ctx: _Context, ch: _Changes, latest: _Latest) -> _Flagged:
    """A rent corrected back to before 2014-06-01 needs no notification (RULES § 12.2)."""
    ids = ctx.cur_code
    m = ch.changed & ch.rent_diff & ~(ch.eff < PRE_2014) & ~latest.notified("rent_changed", ctx.k)[ids]
    if m.any():
        r1, r2, r3 = ch.rent_each
        text = _join(
            np.where(r1[m], _join("rent ", _fmt_money(ch.rent_p[m]), " -> ", _fmt_money(ch.rent[m]), " kr.; "), ""),
            np.where(r2[m], _join("supplements ", _fmt_money(ch.supp_p[m]), " -> ", _fmt_money(ch.supp[m]),
                                  " kr.; "), ""),
            np.where(r3[m], _join("rent_effective_from ", _fmt_dates(ch.eff_p[m]), " -> ", _fmt_dates(ch.eff[m]),
                                  "; "), ""),
            "no rent_changed notification",
        )
        yield "DQ_RECON_RENT_NOT_NOTIFIED", ids[m], text


def _utilities_change_not_notified(ctx: _Context, ch: _Changes, latest: _Latest) -> _Flagged:
    ids = ctx.cur_code
    m = ch.changed & ch.util_diff & ~latest.notified("utilities_changed", ctx.k)[ids]
    if m.any():
        parts = []
        for col, diff in ch.util_each.items():
            now, before = ctx.c_text(col)[m].to_numpy(dtype=object), ctx.p_text(col)[m].to_numpy(dtype=object)
            parts.append(np.where(diff[m], _join(col, " ", before, " -> ", now, "; "), ""))
        yield "DQ_RECON_UTILITIES_NOT_NOTIFIED", ids[m], _join(*parts, "no utilities_changed notification")


def _lease_end_change_not_notified(ctx: _Context, ch: _Changes, latest: _Latest) -> _Flagged:
    """lease_ended and lease_reopened are one group: either notifies a change of lease_end."""
    ids = ctx.cur_code
    m = ch.changed & ch.end_diff & ~latest.notified("lease_ended", ctx.k)[ids]
    if m.any():
        yield "DQ_RECON_LEASE_END_NOT_NOTIFIED", ids[m], _join(
            "lease_end ", _fmt_dates(ch.end_p[m]), " -> ", _fmt_dates(ch.end[m]),
            "; no lease_ended/lease_reopened notification")


def _as_is(values):
    return values


def _notified_against_snapshot(c: pd.DataFrame, column: str, text: pd.Series, take: np.ndarray):
    """(the snapshot's values, whether the notified text equals them, how to show them) for one column;
    money and dates compare as values, not as text."""
    if column in ("rent_monthly", "supplements_monthly"):
        snap = c[f"{column}_ore"].to_numpy(np.int64)[take]
        return snap, _ore_from_text(text) == snap, _fmt_money
    if column in ("rent_effective_from", "lease_end"):
        notified_v = pd.to_datetime(text, format="%Y-%m-%d", errors="coerce").to_numpy(dtype="datetime64[us]")
        snap = _dates(c, column)[take]
        return snap, _same_date(notified_v, snap), _fmt_dates
    snap = c[column].fillna("").to_numpy(dtype=object)[take]
    return snap, text.fillna("").to_numpy(dtype=object) == snap, _as_is


def _first_difference(ctx: _Context, latest: _Latest, in_cur: np.ndarray, take: np.ndarray) -> np.ndarray:
    """Per latest notification, the first of its columns the snapshot does not show ('' for none)."""
    first_diff = np.full(len(latest.frame), "", dtype=object)
    for column, text in _notified_values(latest.frame).items():
        if not ctx.n:
            break
        # the columns of the notification's kind; a null lease_end means 'open', other nulls 'not given'
        given = np.isin(latest.group, [_GROUP_ID[k] for k, g in _KIND_GROUP.items() if column in _GROUP_COLUMNS[g]])
        if column != "lease_end":
            given &= text.notna().to_numpy(dtype=bool)
        snap, same, show = _notified_against_snapshot(ctx.cur, column, text, take)
        new_bad = in_cur & given & ~same & (first_diff == "")
        if new_bad.any():
            first_diff[new_bad] = _join(column, " ", text.fillna("(none)").to_numpy(dtype=object)[new_bad],
                                        " notified, the snapshot has ", show(snap[new_bad]))
    return first_diff


def _notification_not_in_snapshot(ctx: _Context, latest: _Latest) -> _Flagged:
    """A notification whose values the snapshot does not show, or whose lease is gone or unknown."""
    notes = latest.frame
    rows = ctx.cur_row[latest.code]
    in_cur = rows >= 0
    first_diff = _first_difference(ctx, latest, in_cur, np.where(in_cur, rows, 0))
    local = notes["registered_at"].dt.tz_convert("Europe/Copenhagen").dt.tz_localize(None)
    head = _join(notes["kind"].to_numpy(dtype=object), " notification ", notes["event_id"].to_numpy(dtype=object),
                 " (registered ", _fmt_dates(local.to_numpy(dtype="datetime64[us]")), "): ")
    known_prev = ctx.prev_row[latest.code] >= 0
    wrong = in_cur & (first_diff != "")
    gone = ~in_cur & known_prev
    unknown = ~in_cur & ~known_prev
    m = wrong | gone
    if m.any():
        text = np.where(wrong, first_diff, "the lease is missing from the snapshot")
        yield "DQ_RECON_NOTIFICATION_NOT_IN_SNAPSHOT", latest.code[m], _join(head[m], text[m])
    if unknown.any():
        yield "DQ_RECON_NOTIFICATION_UNKNOWN_LEASE", latest.code[unknown], _join(
            head[unknown], "no such lease in this or the previous snapshot")


def _population(ctx: _Context, changed: np.ndarray, latest: _Latest) -> np.ndarray:
    """The lease codes with a change between the snapshots or a notification, ordered by lease_id."""
    population = np.unique(np.concatenate([ctx.cur_code[changed], latest.code]).astype(np.int64))
    return population[np.argsort(ctx.uniques[population].astype(str), kind="stable")]


def _population_keys(ctx: _Context, population: np.ndarray, latest: _Latest) -> pd.DataFrame:
    """org_id, afdeling_id, unit_id, lease_id per lease of the population, taken from the first source
    that has the lease: the current snapshot, the previous one, its first notification."""
    size = len(population)
    key_cols = ["org_id", "afdeling_id", "unit_id"]
    columns = {k: np.full(size, None, dtype=object) for k in key_cols}
    filled = np.zeros(size, dtype=bool)
    sources = [(ctx.cur_row[population], ctx.cur)]
    if ctx.prev is not None:
        sources.append((ctx.prev_row[population], ctx.prev))
    if latest.frame is not None:
        first_note = np.full(ctx.k, -1, dtype=np.int64)
        first = ~pd.Series(latest.code).duplicated(keep="first").to_numpy()
        first_note[latest.code[first]] = np.flatnonzero(first)
        no_afdeling = pd.Series(np.nan, index=latest.frame.index, dtype="str")  # notifications do not name it
        sources.append((first_note[population], latest.frame.assign(afdeling_id=no_afdeling)))
    for rows, source in sources:
        hit = ~filled & (rows >= 0)
        if hit.any():
            for k in key_cols:
                columns[k][hit] = source[k].to_numpy(dtype=object)[rows[hit]]
            filled |= hit
    frame = pd.DataFrame({k: pd.Series(columns[k], dtype="str") for k in key_cols})
    frame["lease_id"] = pd.Series(ctx.uniques[population], dtype="str")
    return frame


def _reconciliation_flags(ctx: _Context, frame: pd.DataFrame, population: np.ndarray, flagged: dict):
    """One flag column per reconciliation code on the population frame, and the details by row."""
    details = {}
    at = np.full(ctx.k, -1, dtype=np.int64)
    at[population] = np.arange(len(population))
    for code in codes("reconciliation"):
        m = np.zeros(len(population), dtype=bool)
        if code in flagged:
            lease_codes, text = flagged[code]
            texts = pd.Series(np.asarray(text, dtype=object), index=lease_codes)
            if texts.index.has_duplicates:  # one lease, several notifications
                texts = texts.groupby(level=0, sort=False).agg("; ".join)
            pos = at[texts.index.to_numpy()]
            m[pos] = True
            details[code] = pd.Series(texts.to_numpy(dtype=object), index=pos, dtype="str")
        frame[code] = m
    return frame, details


# --- assembly --------------------------------------------------------------------------------


def _findings_of(scope: str, frame: pd.DataFrame, details: dict, day) -> list[pd.DataFrame]:
    parts = []
    for code in codes(scope):
        if code not in frame or not frame[code].any():
            continue
        rows = frame.loc[frame[code].to_numpy(dtype=bool)]
        check = CHECKS[code]
        part = pd.DataFrame(index=rows.index)
        part["code"] = code
        part["scope"] = scope
        part["holds"] = check.holds
        for key in ("org_id", "afdeling_id", "unit_id", "lease_id"):
            part[key] = rows.get(key, np.nan)
        detail = details.get(code)
        part["detail"] = detail.reindex(rows.index) if detail is not None else check.description
        parts.append(part)
    return parts


def _empty_findings() -> pd.DataFrame:
    frame = pd.DataFrame({c: pd.Series(dtype="str") for c in FINDING_COLUMNS})
    frame["snapshot_date"] = pd.Series(dtype="datetime64[us]")
    return frame


def _finish(parts: list[pd.DataFrame], day) -> pd.DataFrame:
    if not parts:
        return _empty_findings()
    f = pd.concat(parts, ignore_index=True)
    for column in FINDING_COLUMNS[:-1]:
        f[column] = f[column].astype("str")
    f["snapshot_date"] = pd.Series(day if day is not None else pd.NaT, index=f.index, dtype="datetime64[us]")
    order = {s: i for i, s in enumerate(SCOPES)}
    code_order = {c: i for i, c in enumerate(CHECKS)}
    f = f.assign(_s=f["scope"].map(order), _c=f["code"].map(code_order))
    f = f.sort_values(["_s", "org_id", "unit_id", "lease_id", "_c"], kind="stable", na_position="first")
    return f.drop(columns=["_s", "_c"]).reset_index(drop=True)[FINDING_COLUMNS]


def assess_register(
    current: pd.DataFrame,
    previous: pd.DataFrame | None,
    bbr: pd.DataFrame | None,
    notifications: pd.DataFrame | None,
    thresholds: QualityThresholds = DEFAULT_THRESHOLDS,
) -> RegisterFindings:
    """Run every register check on `current` (the snapshot in force).

    previous: the snapshot before it; None or an empty frame when there is none (every check that
        compares with it is then skipped, and so is the reconciliation of changes).
    bbr: the BBR extract; None or empty skips the BBR checks.
    notifications: the change notifications registered between the two snapshots (landing's
        `read_change_notifications`). Extra earlier notifications are harmless: one whose new values
        the snapshot already shows is satisfied.
    """
    ctx = _Context(current, previous, notifications, thresholds)
    day = ctx.day
    flags, parts = {}, []
    for scope, derive in (
        ("delivery", lambda: _delivery(ctx)),
        ("organisation", lambda: _organisation(ctx)),
        ("lease", lambda: _lease(ctx, bbr)),
        ("reconciliation", lambda: _reconciliation(ctx)),
    ):
        frame, details = derive()
        flags[scope] = frame
        parts += _findings_of(scope, frame, details, day)

    return RegisterFindings(
        findings=_finish(parts, day),
        flags=flags,
        snapshot_date=day,
        previous_snapshot_date=ctx.prev_day,
        thresholds=thresholds,
    )


def delivery_findings(current: pd.DataFrame, previous: pd.DataFrame | None,
                      thresholds: QualityThresholds = DEFAULT_THRESHOLDS) -> pd.DataFrame:
    """Only the delivery-scope findings (shrunk snapshot, lease_id not unique): what decides whether
    a snapshot may be stored at all, before any other check runs on it."""
    ctx = _Context(current, previous, None, thresholds)
    frame, details = _delivery(ctx)
    return _finish(_findings_of("delivery", frame, details, ctx.day), ctx.day)


def contract_rejection(error: Exception, snapshot_date: date | pd.Timestamp | None = None) -> RegisterFindings:
    """The findings for a snapshot the reader rejected (DQ_DELIVERY_CONTRACT): the month is held.

    The detail is the reader's message, which names file, line and column and masks CPR-shaped values.
    """

    day = pd.Timestamp(snapshot_date) if snapshot_date is not None else None
    message = mask_text(error)
    frame = pd.DataFrame(
        {
            "snapshot_date": pd.Series([day if day is not None else pd.NaT], dtype="datetime64[us]"),
            "rows": np.array([0], dtype=np.int64),
            "previous_rows": np.array([0], dtype=np.int64),
            "DQ_DELIVERY_CONTRACT": [True],
            "DQ_SNAPSHOT_SHRANK": [False],
            "DQ_LEASE_ID_NOT_UNIQUE": [False],
        }
    )
    details = {"DQ_DELIVERY_CONTRACT": pd.Series([message], index=[0], dtype="str")}
    return RegisterFindings(
        findings=_finish(_findings_of("delivery", frame, details, day), day),
        flags={"delivery": frame},
        snapshot_date=day,
    )


# --- the organisations' error list -----------------------------------------------------------

ERROR_LIST_COLUMNS = ["org_id", "code", "description", "holds", "afdeling_id", "unit_id", "lease_id", "detail", "since"]


def organisation_error_list(findings, previous_list: pd.DataFrame | None = None) -> pd.DataFrame:
    """Per organisation, what it must correct: org_id, code, description, holds, afdeling_id, unit_id,
    lease_id, detail, since.

    `since` is the first snapshot date the finding was seen: carried from `previous_list` (last run's
    list) when the same (org_id, code, unit_id, lease_id) was already on it, else this snapshot's date.
    Delivery findings (no organisation) are not on any organisation's list. No CPR, no names.
    """
    f = findings.findings if isinstance(findings, RegisterFindings) else findings
    f = f[f["org_id"].notna()].copy()
    out = pd.DataFrame(
        {
            "org_id": f["org_id"],
            "code": f["code"],
            "description": f["code"].map({c: k.description for c, k in CHECKS.items()}).astype("str"),
            "holds": f["holds"],
            "afdeling_id": f["afdeling_id"],
            "unit_id": f["unit_id"],
            "lease_id": f["lease_id"],
            "detail": f["detail"],
            "since": f["snapshot_date"].astype("datetime64[us]"),
        }
    ).reset_index(drop=True)
    key = ["org_id", "code", "unit_id", "lease_id"]
    if previous_list is not None and len(previous_list):
        before = previous_list[key + ["since"]].copy()
        for column in key:
            before[column] = before[column].astype("str").fillna("")
        before["since"] = pd.to_datetime(before["since"]).astype("datetime64[us]")
        before = before.groupby(key, as_index=False)["since"].min()
        probe = out[key].astype("str").fillna("")
        merged = probe.merge(before, on=key, how="left")
        earlier = merged["since"].notna().to_numpy() & (
            merged["since"].to_numpy() < out["since"].to_numpy()
        )
        out.loc[earlier, "since"] = merged.loc[earlier, "since"].to_numpy()
    out = out.sort_values(["org_id", "since", "code", "unit_id", "lease_id"], kind="stable", na_position="first")
    return out.reset_index(drop=True)[ERROR_LIST_COLUMNS]
