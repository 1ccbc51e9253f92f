"""Payouts: the payment ledger and the files sent out (contracts/README.md, 'Outputs').

The ledger is append-only: every amount paid, recovered or held is an entry, and a correction is a
new entry. A month's run computes what is due per (case, period) and books only the difference
from what the ledger already holds, so running a month again with the same inputs books nothing
and writes the same files, byte for byte.
"""

import os
import shutil
import tempfile
from dataclasses import dataclass
from datetime import date, timedelta
from pathlib import Path

import holidays
import numpy as np
import pandas as pd

from boligstoette.months import first_day
from boligstoette.privacy import for_organisation

PAYEES = ("organisation", "applicant")  # applications.payee: the housing organisation or the tenant
LEDGER_COLUMNS = {
    "entry_id": "str", "run_month": "str", "period": "str", "case_id": "str", "kind": "str",
    "amount_ore": "int64", "payee": "str", "org_id": "str", "unit_id": "str", "lease_id": "str",
    "reason_code": "str",
}


def bank_holidays(year: int) -> set[date]:
    """Danish bank closing days: the public holidays, Constitution Day, Christmas Eve, New Year's
    Eve and the day after Ascension Day (the holidays library's Danish calendar; 1 May is not a
    bank holiday)."""
    days = holidays.Denmark(years=year, categories=("public", "optional"))
    closed = {d for d, name in days.items() if name != "Workers' Day"}
    closed |= {d + timedelta(days=1) for d, name in days.items() if name == "Ascension Day"}
    return closed


def payout_date(month: str) -> date:
    """The first Danish bank day of the month (RULES.md § 7.1: paid monthly in advance)."""
    day = first_day(month)
    closed = bank_holidays(day.year)
    while day.weekday() >= 5 or day in closed:
        day += timedelta(days=1)
    return day


def empty_ledger() -> pd.DataFrame:
    return pd.DataFrame({c: pd.Series(dtype=t) for c, t in LEDGER_COLUMNS.items()})


def _with_ids(entries: pd.DataFrame, ledger: pd.DataFrame) -> pd.DataFrame:
    """Deterministic ids: run month / case / period / kind / n-th such entry."""
    entries = entries.sort_values(["case_id", "period", "kind"], kind="stable").reset_index(drop=True)
    stem = entries["run_month"] + "/" + entries["case_id"] + "/" + entries["period"] + "/" + entries["kind"]
    known = ledger["entry_id"].str.rsplit("/", n=1).str[0].value_counts()
    n = stem.map(known).fillna(0).astype("int64") + stem.groupby(stem).cumcount()
    entries.insert(0, "entry_id", stem + "/" + n.astype(str))
    return entries[list(LEDGER_COLUMNS)].astype(LEDGER_COLUMNS)


def book(run_month: str, due: pd.DataFrame, held: pd.DataFrame, ledger: pd.DataFrame) -> pd.DataFrame:
    """New ledger entries for a run of `run_month`.

    due:  case_id, period, amount_ore (what the case is owed for the period, 0 when nothing),
          payee, org_id, unit_id, lease_id — one row per (case, period) the run decides.
    held: case_id, period, amount_ore (what would be due, 0 when unknown), payee, org_id, unit_id,
          lease_id, reason_code — cases whose payout is held.
    Booked: payment (> 0) or recovery (< 0) of the difference between due and what the ledger
    already paid for (case, period); a hold entry once per (case, period, reason).
    """
    money = ledger[ledger["kind"].isin(["payment", "recovery"])]
    paid = money.groupby(["case_id", "period"])["amount_ore"].sum()
    key = pd.MultiIndex.from_frame(due[["case_id", "period"]])
    difference = due["amount_ore"].to_numpy(np.int64) - paid.reindex(key, fill_value=0).to_numpy(np.int64)
    moves = due.assign(amount_ore=difference)[difference != 0]
    moves = moves.assign(kind=np.where(moves["amount_ore"] > 0, "payment", "recovery"), reason_code="")

    booked_holds = ledger[ledger["kind"] == "hold"][["case_id", "period", "reason_code"]]
    new_holds = held.merge(booked_holds, how="left", indicator=True)
    new_holds = new_holds[new_holds["_merge"] == "left_only"].drop(columns="_merge").assign(kind="hold")

    entries = pd.concat([moves, new_holds], ignore_index=True).assign(run_month=run_month)
    if entries.empty:
        return empty_ledger()
    return _with_ids(entries.fillna({"unit_id": "", "lease_id": "", "org_id": ""}), ledger)


# --- files ---------------------------------------------------------------------------------------


def _csv(frame: pd.DataFrame) -> bytes:
    return frame.to_csv(sep=";", index=False, lineterminator="\n").encode("utf-8")


def organisation_files(month: str, entries: pd.DataFrame, members: pd.DataFrame) -> dict[str, bytes]:
    """org_<org_id>.csv per organisation paid: birth date and masked CPR only, a TOTAL line last."""
    paid = entries[(entries["payee"] == "organisation") & entries["kind"].isin(["payment", "recovery"])]
    applicant = members[members["role"] == "ansoeger"].drop_duplicates("case_id").set_index("case_id")
    files = {}
    for org_id, rows in paid.sort_values(["case_id", "period", "entry_id"]).groupby("org_id", sort=True):
        lines = pd.DataFrame({
            "period": rows["period"],
            "payout_date": payout_date(month).isoformat(),
            "case_id": rows["case_id"],
            "unit_id": rows["unit_id"],
            "lease_id": rows["lease_id"],
            "tenant_birth_date": rows["case_id"].map(applicant["birth_date"]).dt.strftime("%Y-%m-%d").fillna(""),
            "cpr_masked": for_organisation(rows["case_id"].map(applicant["cpr"]).fillna("")).replace("-0000", ""),
            "amount": (rows["amount_ore"] // 100).astype("int64"),
        })
        total = pd.DataFrame([{"period": month, "payout_date": payout_date(month).isoformat(), "case_id": "TOTAL",
                               "unit_id": "", "lease_id": "", "tenant_birth_date": "", "cpr_masked": "",
                               "amount": int(lines["amount"].sum())}])
        files[f"org_{org_id}.csv"] = _csv(pd.concat([lines, total], ignore_index=True))
    return files


def individuals_file(month: str, entries: pd.DataFrame, members: pd.DataFrame) -> bytes:
    """individuals.csv: payouts to tenants and owners on their NemKonto (internal; full CPR)."""
    paid = entries[(entries["payee"] == "applicant") & entries["kind"].isin(["payment", "recovery"])]
    paid = paid.sort_values(["case_id", "period", "entry_id"])
    applicant = members[members["role"] == "ansoeger"].drop_duplicates("case_id").set_index("case_id")
    return _csv(pd.DataFrame({
        "period": paid["period"],
        "payout_date": payout_date(month).isoformat(),
        "case_id": paid["case_id"],
        "payee_cpr": paid["case_id"].map(applicant["cpr"]).fillna(""),
        "amount": (paid["amount_ore"] // 100).astype("int64"),
    }))


def holds_file(month: str, holds: pd.DataFrame) -> bytes:
    """holds/YYYY-MM.csv: every case held this month and why (no CPR)."""
    holds = holds.sort_values(["case_id", "reason_code"])
    return _csv(pd.DataFrame({
        "period": month,
        "case_id": holds["case_id"],
        "org_id": holds["org_id"].fillna(""),
        "unit_id": holds["unit_id"].fillna(""),
        "reason_code": holds["reason_code"],
        "detail": holds["detail"].fillna(""),
        "held_since": holds["held_since"],
    }))


def staging_folder(target: Path) -> Path:
    """An empty folder beside `target` to build its next version in (see `swap_in`)."""
    target.parent.mkdir(parents=True, exist_ok=True)
    return Path(tempfile.mkdtemp(prefix=f".{target.name}.", dir=target.parent))


def replace_folder(target: Path, files: dict[str, bytes]) -> None:
    """Write a folder of files so that it appears whole or not at all, replacing an older one."""
    staging = staging_folder(target)
    for name, data in files.items():
        (staging / name).write_bytes(data)
    swap_in(staging, target)


def swap_in(staging: Path, target: Path) -> None:
    """Replace `target` by the fully written `staging` folder with renames only."""
    old = target.with_name(f".{target.name}.old")
    shutil.rmtree(old, ignore_errors=True)
    if target.exists():
        os.replace(target, old)
    os.replace(staging, target)
    shutil.rmtree(old, ignore_errors=True)


def replace_file(target: Path, data: bytes) -> None:
    target.parent.mkdir(parents=True, exist_ok=True)
    with tempfile.NamedTemporaryFile(dir=target.parent, prefix=f".{target.name}.", delete=False) as tmp:
        tmp.write(data)
    os.replace(tmp.name, target)


# --- what a month's runs did, for the operator ----------------------------------------------------


@dataclass(frozen=True)
class MonthSummary:
    """Counts and kroner a person can act on. Money in øre; `held_by_reason` by reason code."""

    cases: int
    computed: int
    no_payout: int
    paid_ore: dict[str, int]  # payee ("organisation", "applicant") -> øre paid
    payments: dict[str, int]  # payee -> number of payment entries
    recovered_ore: int
    recoveries: int
    held_by_reason: dict[str, int]


def summarise_month(allowances: pd.DataFrame, booked: pd.DataFrame) -> MonthSummary:
    """What the month's runs decided (`provisional_allowances`) and booked (`payouts`: every entry
    booked by this month's runs, so a rerun that books nothing still shows what the month paid)."""
    money = booked[booked["kind"].isin(["payment", "recovery"])]
    paid, recovered = money[money["amount_ore"] > 0], money[money["amount_ore"] < 0]
    held = allowances[allowances["status"] == "held"]
    return MonthSummary(
        cases=len(allowances),
        computed=int((allowances["status"] == "computed").sum()),
        no_payout=int((allowances["status"] == "no_payout").sum()),
        paid_ore={payee: int(paid.loc[paid["payee"] == payee, "amount_ore"].sum()) for payee in PAYEES},
        payments={payee: int((paid["payee"] == payee).sum()) for payee in PAYEES},
        recovered_ore=int(-recovered["amount_ore"].sum()),
        recoveries=len(recovered),
        held_by_reason={str(code): int(n) for code, n in held["reason_code"].value_counts().sort_index().items()},
    )
