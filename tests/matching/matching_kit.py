"""Builders for small hand-made deliveries, read through the real contracts (so dtypes are exact)."""

from __future__ import annotations

import itertools
import re
from pathlib import Path

import pandas as pd

from boligstoette import contracts
from boligstoette.matching import RESOLUTIONS, match_tenants

MONTH = "2026-12"
SNAPSHOT = "2026-11-15"
PREVIOUS = "2026-10-15"

REGISTER_DEFAULTS = {
    "snapshot_date": SNAPSHOT, "org_id": "100", "afdeling_id": "001", "unit_id": "100-001-0001", "bbr_unit_id": "",
    "address": "Birkevej 1, st. tv", "postal_code": "8000", "municipality_code": "751", "lease_id": "LM1",
    "tenure": "lejer", "tenant_name": "Jens Hansen", "tenant_cpr": "", "tenant_birth_date": "",
    "lease_start": "2015-01-01", "lease_end": "", "area_m2": "60", "rooms": "2", "heating_type": "fjernvarme",
    "rent_monthly": "5000.00", "supplements_monthly": "0.00", "rent_effective_from": "2026-01-01",
    "maintenance_duty": "fuld", "heating_payment": "i_husleje", "water_payment": "i_husleje",
    "drainage_payment": "i_husleje", "electricity_payment": "egen_afregning", "own_kitchen": "true",
    "garage_carport": "false", "accessible": "false", "student_dorm": "false",
    "rent_registered_at": "2026-01-01T10:00:00+01:00",
}
APPLICATION_DEFAULTS = {
    "case_id": "C1", "applicant_cpr": "010180-1235", "applicant_name": "Jens Hansen", "received_date": "2020-01-10",
    "move_in_date": "", "address": "Birkevej 1, st. tv", "postal_code": "8000", "org_id": "100",
    "unit_id": "100-001-0001", "payee": "organisation", "urgent": "false",
}
MEMBER_DEFAULTS = {
    "case_id": "C1", "cpr": "010180-1235", "name": "Jens Hansen", "birth_date": "1980-01-01", "role": "ansoeger",
    "income_consent": "true", "joint_liability_signed": "true", "pension": "ingen", "mobility_impaired": "false",
    "round_the_clock_help": "false", "member_from": "2015-01-01", "member_to": "",
}
RESOLUTION_DEFAULTS = {
    "case_id": "C1", "lease_id": "LM1", "decision": "confirm", "decided_by": "AB",
    "decided_at": "2026-11-25T10:00:00+01:00", "lease_start": "",
}

_counter = itertools.count()


def _frame(tmp: Path, defaults: dict, rows: list[dict], contract: contracts.Contract, drop: tuple = ()) -> pd.DataFrame:
    cols = [c for c in defaults if c not in drop]
    lines = [";".join(cols)]
    for row in rows:
        unknown = set(row) - set(defaults)
        assert not unknown, unknown
        merged = {**defaults, **row}
        lines.append(";".join(str(merged[c]) for c in cols))
    path = tmp / f"frame_{next(_counter)}.csv"
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return contracts.read_csv(path, contract)


class Kit:
    """`kit.register([...])` etc. give frames as the landing reader would."""

    def __init__(self, tmp: Path):
        self.tmp = tmp

    def register(self, *rows: dict, snapshot: str = SNAPSHOT) -> pd.DataFrame:
        return _frame(self.tmp, REGISTER_DEFAULTS, [{"snapshot_date": snapshot, **r} for r in rows], contracts.REGISTER)

    def previous(self, *rows: dict) -> pd.DataFrame:
        return self.register(*rows, snapshot=PREVIOUS)

    def applications(self, *rows: dict) -> pd.DataFrame:
        return _frame(self.tmp, APPLICATION_DEFAULTS, list(rows) or [{}], contracts.APPLICATIONS)

    def members(self, *rows: dict) -> pd.DataFrame:
        return _frame(self.tmp, MEMBER_DEFAULTS, list(rows) or [{}], contracts.HOUSEHOLD_MEMBERS)

    def resolutions(self, *rows: dict) -> pd.DataFrame:
        return _frame(self.tmp, RESOLUTION_DEFAULTS, list(rows), RESOLUTIONS)


def text_columns(*frames: pd.DataFrame) -> list[str]:
    """Every value of every text column of the frames."""
    out = []
    for frame in frames:
        for col in frame.columns:
            if frame[col].dtype == object or str(frame[col].dtype) in ("str", "string"):
                out.extend(str(v) for v in frame[col].dropna().tolist())
    return out


def assert_no_cpr(cprs, *frames: pd.DataFrame) -> None:
    """No CPR number (with or without its hyphen), nor its last-ten-digits form, appears in any text."""
    needles = set()
    for c in cprs:
        if isinstance(c, str) and re.fullmatch(r"\d{6}-?\d{4}", c):
            needles.add(c)
            needles.add(c.replace("-", ""))
    blob = "\n".join(text_columns(*frames))
    found = [n for n in needles if n in blob]
    assert not found, f"{len(found)} CPR numbers appear in text output"


# --- running match_tenants on hand-made rows -------------------------------------------------------

CPR = "010180-1235"  # the applicant, born 1980-01-01
OTHER_CPR = "020275-2468"  # someone else, born 1975-02-02
BAD_CPR = "320180-1235"  # not a date


def run(kit, register_rows, previous_rows=None, apps=None, members=None, resolutions=None, month=MONTH):
    reg = kit.register(*register_rows)
    prev = kit.previous(*previous_rows) if previous_rows is not None else None
    result = match_tenants(
        kit.applications(*(apps or [{}])), kit.members(*(members or [{}])), reg, prev,
        kit.resolutions(*resolutions) if resolutions else None, month=month,
    )
    return result


def one(result, case_id="C1") -> pd.Series:
    m = result.matches
    return m[m["case_id"] == case_id].iloc[0]


def queue(result, case_id="C1") -> pd.Series:
    q = result.review_queue
    rows = q[q["case_id"] == case_id]
    assert len(rows) == 1, rows
    return rows.iloc[0]


