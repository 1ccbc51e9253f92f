"""Hand-built register, BBR and notification frames with the dtypes the landing reader produces."""

from __future__ import annotations

import json
import re
import uuid

import numpy as np
import pandas as pd

from boligstoette import contracts

PREVIOUS = "2026-10-15"
CURRENT = "2026-11-15"
CPR_PATTERN = re.compile(r"\d{6}-?\d{4}")
NAMES = ("Jens Hansen", "Mette Frederiksen Olsen", "Ahmad Nielsen", "Karen Jørgensen", "Søren Aagaard")

_DATES = {"snapshot_date", "tenant_birth_date", "lease_start", "lease_end", "rent_effective_from"}
_BOOLS = {"own_kitchen", "garage_carport", "accessible", "student_dorm"}


def lease(n: int, **overrides) -> dict:
    """One register row (lease LM0000000n on unit 100-001-000n of organisation 100), as text/ints."""
    row = {
        "snapshot_date": CURRENT,
        "org_id": "100",
        "afdeling_id": "001",
        "unit_id": f"100-001-{n:04d}",
        "bbr_unit_id": f"bbr-{n}",
        "address": f"Vestergade {n}, st. tv",
        "postal_code": "8000",
        "municipality_code": "751",
        "lease_id": f"LM{n:08d}",
        "tenure": "lejer",
        "tenant_name": NAMES[n % len(NAMES)],
        "tenant_cpr": "010190-1234",  # 1 January 1990, 7th digit 1: 1900s
        "tenant_birth_date": "1990-01-01",
        "lease_start": "2015-05-01",
        "lease_end": None,
        "area_m2": 70.0,
        "rooms": 3,
        "heating_type": "fjernvarme",
        "rent_monthly_ore": 650_000,
        "supplements_monthly_ore": 0,
        "rent_effective_from": "2026-01-01",
        "maintenance_duty": "fuld",
        "heating_payment": "aconto_boligorganisation",
        "water_payment": "i_husleje",
        "drainage_payment": "i_husleje",
        "electricity_payment": "egen_afregning",
        "own_kitchen": True,
        "garage_carport": False,
        "accessible": False,
        "student_dorm": False,
        "rent_registered_at": "2025-12-01T10:00:00+01:00",
    }
    row.update(overrides)
    return row


def snapshot(rows: list[dict], date: str = CURRENT) -> pd.DataFrame:
    """A register snapshot frame with the reader's dtypes; every row dated `date`."""
    template = contracts.empty_frame(contracts.REGISTER)
    if not rows:
        return template
    raw = pd.DataFrame([{**r, "snapshot_date": date} for r in rows])
    out = {}
    for column in template.columns:
        if column == "source_file":
            out[column] = pd.Series(f"huslejeregister_{date.replace('-', '')}.csv", index=raw.index, dtype="str")
        elif column == "source_line":
            out[column] = np.arange(2, len(raw) + 2, dtype=np.int64)
        elif column in _DATES:
            out[column] = pd.to_datetime(raw[column]).astype("datetime64[us]")
        elif column == "rent_registered_at":
            out[column] = pd.to_datetime(raw[column], utc=True).astype("datetime64[us, UTC]")
        elif column in _BOOLS:
            out[column] = raw[column].astype(bool)
        elif column.endswith("_ore") or column == "rooms":
            out[column] = raw[column].astype("int64")
        elif column == "area_m2":
            out[column] = raw[column].astype("float64")
        else:
            out[column] = raw[column].astype("str")
    return pd.DataFrame(out)


def bbr_for(rows: list[dict], **overrides_by_id) -> pd.DataFrame:
    """A BBR extract agreeing with the register rows (area rounded), per-id overrides as dicts."""
    records = []
    for r in rows:
        if not r.get("bbr_unit_id"):
            continue
        rec = {
            "bbr_unit_id": r["bbr_unit_id"],
            "address": r["address"],
            "postal_code": r["postal_code"],
            "municipality_code": r["municipality_code"],
            "area_m2": float(np.floor(r["area_m2"] + 0.5)),
            "rooms": int(r["rooms"]),
            "heating_type": r["heating_type"],
            "own_kitchen": bool(r["own_kitchen"]),
        }
        rec.update(overrides_by_id.get(r["bbr_unit_id"], {}))
        records.append(rec)
    frame = pd.DataFrame(records)
    typed = contracts.empty_frame(contracts.BBR_UNITS)
    out = {}
    for column in typed.columns:
        if column == "source_file":
            out[column] = pd.Series("bbr_units_20261110.csv", index=frame.index, dtype="str")
        elif column == "source_line":
            out[column] = np.arange(2, len(frame) + 2, dtype=np.int64)
        elif column == "area_m2":
            out[column] = frame[column].astype("float64")
        elif column == "rooms":
            out[column] = frame[column].astype("int64")
        elif column == "own_kitchen":
            out[column] = frame[column].astype(bool)
        else:
            out[column] = frame[column].astype("str")
    return pd.DataFrame(out)


def money(ore: int) -> str:
    return f"{ore // 100}.{ore % 100:02d}"


def notification(row: dict, kind: str, old: dict, new: dict, registered_at: str = "2026-10-20T10:00:00+02:00",
                 effective_date: str = "2026-11-01") -> dict:
    return {
        "event_id": str(uuid.uuid5(uuid.NAMESPACE_URL, f"{row['lease_id']}/{kind}/{registered_at}")),
        "registered_at": registered_at,
        "org_id": row["org_id"],
        "unit_id": row["unit_id"],
        "lease_id": row["lease_id"],
        "kind": kind,
        "effective_date": effective_date,
        "old": json.dumps(old, sort_keys=True),
        "new": json.dumps(new, sort_keys=True),
    }


def rent_notification(before: dict, after: dict, **kw) -> dict:
    def cols(r: dict) -> dict:
        return {
            "rent_monthly": money(r["rent_monthly_ore"]),
            "supplements_monthly": money(r["supplements_monthly_ore"]),
            "rent_effective_from": r["rent_effective_from"],
        }
    return notification(after, "rent_changed", cols(before), cols(after), **kw)


def end_notification(before: dict, after: dict, **kw) -> dict:
    kind = "lease_ended" if after["lease_end"] else "lease_reopened"
    return notification(after, kind, {"lease_end": before["lease_end"]}, {"lease_end": after["lease_end"]}, **kw)


def notifications(rows: list[dict]) -> pd.DataFrame:
    if not rows:
        return contracts.empty_change_notifications()
    raw = pd.DataFrame(rows)
    out = {
        "event_id": raw["event_id"].astype("str"),
        "registered_at": pd.to_datetime(raw["registered_at"], utc=True).astype("datetime64[us, UTC]"),
        "org_id": raw["org_id"].astype("str"),
        "unit_id": raw["unit_id"].astype("str"),
        "lease_id": raw["lease_id"].astype("str"),
        "kind": raw["kind"].astype("str"),
        "effective_date": pd.to_datetime(raw["effective_date"]).astype("datetime64[us]"),
        "old": raw["old"].astype("str"),
        "new": raw["new"].astype("str"),
        "source_file": pd.Series("changes_20261110T013000.jsonl", index=raw.index, dtype="str"),
        "source_line": np.arange(1, len(raw) + 1, dtype=np.int64),
    }
    return pd.DataFrame(out)


def base_rows(k: int = 6) -> list[dict]:
    return [lease(i) for i in range(1, k + 1)]


def assess(prev_rows, cur_rows, notes=(), bbr=None, **kw):
    """assess_register on hand-built rows; BBR agrees with the current rows unless given."""
    from boligstoette.quality import assess_register

    bbr_frame = bbr_for(cur_rows) if bbr is None else bbr
    previous = snapshot(prev_rows, PREVIOUS) if prev_rows is not None else None
    return assess_register(snapshot(cur_rows), previous, bbr_frame, notifications(list(notes)), **kw)


def codes_of(result, lease_id: str | None = None) -> set[str]:
    f = result.findings
    if lease_id is not None:
        f = f[f["lease_id"] == lease_id]
    return set(f["code"])


def personal_values(rows: list[dict]) -> list[str]:
    out = []
    for r in rows:
        for key in ("tenant_name", "tenant_cpr"):
            if r.get(key):
                out.append(str(r[key]))
    return out


def assert_no_personal_data(text: str, extra: list[str] = ()) -> None:
    assert not CPR_PATTERN.search(text), CPR_PATTERN.search(text).group(0)[:2] + "..."
    for value in (*NAMES, *extra):
        assert value not in text, "personal value in output"


def snapshot_window_notifications(landing, month: str) -> pd.DataFrame:
    """Every notification registered from the start of the previous snapshot's day to the end of the
    current snapshot's day (Copenhagen), duplicates dropped: the changes the two snapshots differ by."""

    return landing.read_change_notifications(month)
