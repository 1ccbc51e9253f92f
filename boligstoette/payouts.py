"""Payouts: the payment ledger and the files sent out (contracts/README.md, 'Outputs').

The ledger is append-only: every amount paid, recovered or held is an entry, and a correction is a
new entry. A month's run computes what is due per (case, period) and books only the difference
from what the ledger already holds, so running a month again with the same inputs books nothing
and writes the same files, byte for byte.
"""

import hashlib
from dataclasses import dataclass
from datetime import date, timedelta
from pathlib import Path

import holidays
import numpy as np
import pandas as pd

from boligstoette import codes
from boligstoette.months import MONTH, first_day, first_days
from boligstoette.outputs import replace_file, replace_folder
from boligstoette.privacy import for_organisation

PAYEES = ("organisation", "applicant")  # applications.payee: the housing organisation or the tenant
# Ledger entry kinds. Money (signed øre; their sum per lease and period is what the period has received):
# payment (+) and recovery (-) of what is due, a lookback supplement (+) or deduction (-, taken from a
# payment), a claim (-, the part of a deduction handed to collection). Not money: hold (a period held),
# nil (a period decided with nothing due, and why), hearing (a lookback deduction announced by letter,
# amount = the proposed deduction), case_ended (the three-month rule ended the case after `period`).
# The annual settlement (boligstoette.settlement) books, per case and benefit year (period YYYY):
# settlement_payout (+, paid to the applicant), settlement_claim (-, handed to collection) or
# settlement_nil (0: below the threshold), in the run of the benefit month that carries it.
SETTLEMENT_KINDS = ("settlement_payout", "settlement_claim", "settlement_nil")
MONEY_KINDS = ("payment", "recovery", "supplement", "deduction", "claim", "settlement_payout", "settlement_claim")
PAID_OUT_KINDS = ("payment", "recovery", "supplement", "deduction", "settlement_payout")  # payout file lines
DECIDED_KINDS = (*MONEY_KINDS, "nil")  # a period with one of these has been decided, 0 kr included
ONCE_PER_RUN_KINDS = ("nil", "supplement", "hearing", "deduction", "claim", "case_ended")
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


def benefit_keys(frame: pd.DataFrame) -> pd.Series:
    """What a payment is for: the lease, since a lease has one benefit a month whichever case asks
    for it (a second application, or a case id changed between deliveries, must not pay it again);
    the case where no lease is known (a hold). `:` and `/` are in no identifier, so keys and entry
    ids are unambiguous."""
    lease = frame["lease_id"].fillna("").astype("str")
    return lease.where(lease != "", "case:" + frame["case_id"].astype("str"))


def with_entry_ids(entries: pd.DataFrame, ledger: pd.DataFrame) -> pd.DataFrame:
    """Entry ids `key/period/kind/n`, n counting the entries of that key, period and kind. The
    ledger's primary key: two writers that book the same thing from the same ledger clash."""
    entries = entries.sort_values(["case_id", "period", "kind"], kind="stable").reset_index(drop=True)
    stem = benefit_keys(entries) + "/" + entries["period"] + "/" + entries["kind"]
    known = (benefit_keys(ledger) + "/" + ledger["period"] + "/" + ledger["kind"]).value_counts()
    n = stem.map(known).fillna(0).astype("int64") + stem.groupby(stem).cumcount()
    entries.insert(0, "entry_id", stem + "/" + n.astype(str))
    return entries[list(LEDGER_COLUMNS)].astype(LEDGER_COLUMNS)


def seen_by(ledger: pd.DataFrame, month: str) -> pd.DataFrame:
    """The ledger as the runs of `month` and earlier left it: what a run of `month` decides from, so a
    rerun of a past month decides what it decided then (contracts/README.md, 'Known at the cut-off')."""
    return ledger[ledger["run_month"] <= month]


def urgent_runs(ledger: pd.DataFrame) -> pd.DataFrame:
    """Entries of urgent payout runs (run_month a day, YYYY-MM-DD): the periods they paid are never
    paid again, whichever month's run or rerun comes after."""
    return ledger[ledger["run_month"].str.len() == len("YYYY-MM-DD")]


def net_received(ledger: pd.DataFrame) -> pd.Series:
    """Øre each (lease key, period) has received: the sum of its money entries."""
    money = ledger[ledger["kind"].isin(MONEY_KINDS)]
    return money.groupby([benefit_keys(money), money["period"]])["amount_ore"].sum()


def decided(ledger: pd.DataFrame) -> pd.MultiIndex:
    """(lease key, period) and (case_id, period) pairs the ledger has decided: paid, recovered, corrected
    or found to owe nothing. Both keys, so a case that moved to another lease is not paid twice."""
    rows = ledger[ledger["kind"].isin(DECIDED_KINDS)]
    by_lease = _lease_periods(benefit_keys(rows), rows["period"])
    by_case = _lease_periods(rows["case_id"], rows["period"])
    return by_lease.append(by_case).unique()


def book(run_month: str, due: pd.DataFrame, held: pd.DataFrame, ledger: pd.DataFrame,
         once: pd.DataFrame | None = None) -> pd.DataFrame:
    """New ledger entries for a run of `run_month`, decided from `seen_by(ledger, run_month)`.

    due:  case_id, period, amount_ore (what is owed for the period, 0 when nothing), payee, org_id,
          unit_id, lease_id, optionally reason_code (why nothing is due) — at most one row per lease
          (or case without a lease) and period.
    held: case_id, period, amount_ore (what would be due, 0 when unknown), payee, org_id, unit_id,
          lease_id, reason_code — cases whose payout is held.
    once: entries of ONCE_PER_RUN_KINDS this run decided (lookback corrections, the three-month rule).
    Booked: payment (> 0) or recovery (< 0) of the difference between due and what the lease and
    period have received, whichever case it was booked under; a nil entry for a period first decided
    with nothing due; a hold entry once per (case, period, reason); each `once` entry unless this
    run month already booked that kind for the lease and period (a rerun).
    """
    keys = pd.MultiIndex.from_arrays([benefit_keys(due), due["period"]])
    if keys.has_duplicates:
        twice = keys[keys.duplicated()][0]
        raise ValueError(f"two cases are due for lease {twice[0]} and period {twice[1]}: one must be held")
    seen = seen_by(ledger, run_month)
    difference = due["amount_ore"].to_numpy(np.int64) - net_received(seen).reindex(keys, fill_value=0).to_numpy(
        np.int64)
    moves = due.assign(amount_ore=difference)[difference != 0]
    moves = moves.assign(kind=np.where(moves["amount_ore"] > 0, "payment", "recovery"), reason_code="")
    nil = due[(due["amount_ore"] == 0).to_numpy() & ~keys.isin(decided(seen))].assign(kind="nil")

    booked_holds = ledger[ledger["kind"] == "hold"][["case_id", "period", "reason_code"]]
    new_holds = held.merge(booked_holds, how="left", indicator=True)
    new_holds = new_holds[new_holds["_merge"] == "left_only"].drop(columns="_merge").assign(kind="hold")

    entries = pd.concat([moves, nil, new_holds, _not_yet_booked(once, ledger, run_month)], ignore_index=True)
    if entries.empty:
        return empty_ledger()
    entries = entries.assign(run_month=run_month)
    return with_entry_ids(entries.fillna({"unit_id": "", "lease_id": "", "org_id": "", "reason_code": ""}), ledger)


def _not_yet_booked(once: pd.DataFrame | None, ledger: pd.DataFrame, run_month: str) -> pd.DataFrame:
    if once is None or once.empty:
        return empty_ledger().drop(columns=["entry_id", "run_month"])
    mine = ledger[ledger["run_month"] == run_month]
    have = pd.MultiIndex.from_arrays([benefit_keys(mine), mine["period"], mine["kind"]])
    wanted = pd.MultiIndex.from_arrays([benefit_keys(once), once["period"], once["kind"]])
    return once[~wanted.isin(have)]


def hold_duplicate_cases(allowances: pd.DataFrame, ledger: pd.DataFrame) -> pd.DataFrame:
    """Of several computed cases on one lease, one is paid: the case the ledger already pays the
    lease under, else the lowest case id; the others are held for a case worker to merge or close
    (DUPLICATE_CASE_ON_LEASE)."""
    computed = allowances[(allowances["status"] == "computed") & allowances["lease_id"].notna()]
    doubled = computed[computed["lease_id"].duplicated(keep=False)]
    if doubled.empty:
        return allowances
    money = ledger[ledger["kind"].isin(MONEY_KINDS)]
    paying = money.drop_duplicates("lease_id", keep="last").set_index("lease_id")["case_id"]
    order = doubled.assign(_paid=(doubled["case_id"] != doubled["lease_id"].map(paying)))
    keeper = order.sort_values(["lease_id", "_paid", "case_id"]).drop_duplicates("lease_id").set_index("lease_id")
    others = doubled.index[doubled["case_id"] != doubled["lease_id"].map(keeper["case_id"])]
    out = allowances.copy()
    out.loc[others, "status"] = "held"
    out.loc[others, "reason_code"] = codes.DUPLICATE_CASE_ON_LEASE
    out.loc[others, "detail"] = "lease " + out.loc[others, "lease_id"] + " is paid under case " + \
        out.loc[others, "lease_id"].map(keeper["case_id"])
    return out


def _lease_periods(keys: pd.Series, periods: pd.Series) -> pd.MultiIndex:
    return pd.MultiIndex.from_arrays([keys.to_numpy(), periods.to_numpy()])


def recoveries(month: str, ledger: pd.DataFrame, register: pd.DataFrame, decided: pd.DataFrame) -> pd.DataFrame:
    """Months paid to an organisation for which the register now shows the tenant was not liable
    at all (lease ended before the month began): due 0, so the ledger books a recovery. A tenant
    liable for part of a month keeps the whole month (RULES.md § 12.7). Per lease and period,
    whichever case the money was booked under; `decided` (this run's dues) wins."""
    money = ledger[ledger["kind"].isin(MONEY_KINDS) & (ledger["payee"] == "organisation")]
    money = money.assign(key=benefit_keys(money))
    paid = money.groupby(["key", "period"], as_index=False).agg(
        amount_ore=("amount_ore", "sum"), case_id=("case_id", "last"), lease_id=("lease_id", "last"),
        org_id=("org_id", "last"), unit_id=("unit_id", "last"))
    paid = paid[(paid["amount_ore"] > 0) & (paid["period"] <= month)]
    lease_end = paid["lease_id"].map(register.drop_duplicates("lease_id").set_index("lease_id")["lease_end"])
    gone = paid[(lease_end < first_days(paid["period"])).to_numpy()]
    gone = gone[~_lease_periods(gone["key"], gone["period"]).isin(_lease_periods(benefit_keys(decided),
                                                                                  decided["period"]))]
    return gone.drop(columns="key").assign(amount_ore=0, payee="organisation")


# --- files ---------------------------------------------------------------------------------------


def csv_bytes(frame: pd.DataFrame) -> bytes:
    return frame.to_csv(sep=";", index=False, lineterminator="\n").encode("utf-8")


def organisation_files(month: str, entries: pd.DataFrame, members: pd.DataFrame) -> dict[str, bytes]:
    """org_<org_id>.csv per organisation paid: birth date and masked CPR only, a TOTAL line last."""
    paid = entries[(entries["payee"] == "organisation") & entries["kind"].isin(PAID_OUT_KINDS)]
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
        files[f"org_{org_id}.csv"] = csv_bytes(pd.concat([lines, total], ignore_index=True))
    return files


def individuals_file(month: str, entries: pd.DataFrame, members: pd.DataFrame) -> bytes:
    """individuals.csv: payouts to tenants and owners on their NemKonto (internal; full CPR)."""
    paid = entries[(entries["payee"] == "applicant") & entries["kind"].isin(PAID_OUT_KINDS)]
    paid = paid.sort_values(["case_id", "period", "entry_id"])
    applicant = members[members["role"] == "ansoeger"].drop_duplicates("case_id").set_index("case_id")
    return csv_bytes(pd.DataFrame({
        "period": paid["period"],
        "payout_date": payout_date(month).isoformat(),
        "case_id": paid["case_id"],
        "payee_cpr": paid["case_id"].map(applicant["cpr"]).fillna(""),
        "amount": (paid["amount_ore"] // 100).astype("int64"),
    }))


def holds_file(month: str, holds: pd.DataFrame) -> bytes:
    """holds/YYYY-MM.csv: every case held this month and why (no CPR)."""
    holds = holds.sort_values(["case_id", "reason_code"])
    return csv_bytes(pd.DataFrame({
        "period": month,
        "case_id": holds["case_id"],
        "org_id": holds["org_id"].fillna(""),
        "unit_id": holds["unit_id"].fillna(""),
        "reason_code": holds["reason_code"],
        "detail": holds["detail"].fillna(""),
        "held_since": holds["held_since"],
    }))


# --- publishing a month: the files owed for what the ledger booked -------------------------------

LEDGER_DIGEST = ".ledger_digest"
"""Beside a month's payout files: the digest of the ledger entries they show. A month whose digest
differs from the ledger's was booked and not (or not fully) published: its files are owed."""


def ledger_digest(entries: pd.DataFrame) -> str:
    return hashlib.sha256("\n".join(sorted(entries["entry_id"])).encode()).hexdigest()


def held_with_since(allowances: pd.DataFrame, booked: pd.DataFrame) -> pd.DataFrame:
    """The month's held cases, each with the first period its reason held it."""
    held = allowances[allowances["status"] == "held"]
    since = booked[booked["kind"] == "hold"].groupby(["case_id", "reason_code"])["period"].min()
    return held.assign(held_since=pd.MultiIndex.from_frame(held[["case_id", "reason_code"]]).map(since.to_dict()))


@dataclass(frozen=True)
class MonthFiles:
    entries: pd.DataFrame  # the ledger entries booked by the month's runs
    payouts: dict[str, bytes]  # payouts/YYYY-MM/<name>
    holds: bytes  # holds/YYYY-MM.csv
    digest: str


def month_files(month: str, booked: pd.DataFrame, allowances: pd.DataFrame, members: pd.DataFrame) -> MonthFiles:
    """Every file of the month from the whole ledger and the month's allowances and members."""
    entries = booked[booked["run_month"] == month].sort_values("entry_id").reset_index(drop=True)
    payouts = organisation_files(month, entries, members)
    payouts["individuals.csv"] = individuals_file(month, entries, members)
    return MonthFiles(entries, payouts, holds_file(month, held_with_since(allowances, booked)),
                      ledger_digest(entries))


def publish(root: Path, month: str, files: MonthFiles) -> None:
    """payouts/YYYY-MM/ and holds/YYYY-MM.csv, each replaced whole; the digest last, so a month
    whose writer died is recognised as unpublished (`unpublished_months`)."""
    target = root / "payouts" / month
    replace_file(root / "holds" / f"{month}.csv", files.holds)
    replace_folder(target, files.payouts)
    replace_file(target / LEDGER_DIGEST, files.digest.encode())


def unpublished_months(root: Path, booked: pd.DataFrame) -> list[str]:
    """Months with ledger entries whose published files do not show exactly those entries."""
    owed = []
    monthly = booked[booked["run_month"].str.fullmatch(MONTH)]  # an urgent run (a day) has its own files
    for month, entries in monthly.groupby("run_month", sort=True):
        if entries["kind"].isin(SETTLEMENT_KINDS).all():
            continue  # a settlement waiting for its month's run, which publishes it
        digest = root / "payouts" / str(month) / LEDGER_DIGEST
        if not digest.is_file() or digest.read_text() != ledger_digest(entries):
            owed.append(str(month))
    return owed


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
    money = booked[booked["kind"].isin(PAID_OUT_KINDS)]
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
