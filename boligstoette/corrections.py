"""The lookback's money in a month's booking (RULES.md § 12.11, contracts/corrections.md): the
corrections the month decided, the deductions falling due from hearings two months earlier, and the
files that show them. Everything here is derived from the ledger and the stored decisions, so a rerun
books nothing new and writes the same bytes."""

import numpy as np
import pandas as pd

from boligstoette import lookback
from boligstoette.months import add_months
from boligstoette.payouts import benefit_keys, book, seen_by

PAYABLE_KINDS = ("payment", "supplement", "recovery")  # what a run pays a case net, that a deduction is taken from


def hearings_due(ledger: pd.DataFrame, month: str) -> pd.DataFrame:
    """Hearings whose deduction falls due in `month` and that no run of `month` has applied yet."""
    rules = lookback.rules_for(month)
    seen = seen_by(ledger, month)
    due = seen[(seen["kind"] == "hearing") & (seen["run_month"] == add_months(month, -rules.deduction_delay_months))]
    done = seen[(seen["run_month"] == month) & seen["kind"].isin(["deduction", "claim"])]
    applied = pd.MultiIndex.from_arrays([benefit_keys(done), done["period"]])
    due = due[~pd.MultiIndex.from_arrays([benefit_keys(due), due["period"]]).isin(applied)]
    return due[list(lookback.HEARING_COLUMNS)].reset_index(drop=True)


def payable(entries: pd.DataFrame) -> pd.Series:
    """case_id -> øre this run pays the case (payments and supplements less recoveries booked now, not
    below 0)."""
    paid = entries[entries["kind"].isin(PAYABLE_KINDS)]
    return paid.groupby("case_id")["amount_ore"].sum().clip(lower=0).astype("int64")


def book_deductions(month: str, ledger: pd.DataFrame, entries: pd.DataFrame, objections: pd.DataFrame,
                    accepted_ore: pd.Series, empty_due: pd.DataFrame) -> pd.DataFrame:
    """Deduction and claim entries for the hearings due now, taken from what `entries` (this run's
    other entries) pay each case; and supplements for objections upheld after their deduction."""
    seen = seen_by(ledger, month)
    deductions, _ = lookback.apply_deductions(hearings_due(ledger, month), objections, accepted_ore,
                                              payable(entries), seen)
    late = lookback.late_objection_entries(objections, seen, accepted_ore)
    once = pd.concat([deductions, late], ignore_index=True)
    if once.empty:
        return entries.iloc[0:0]
    return book(month, empty_due, empty_due.assign(reason_code=""), pd.concat([ledger, entries]), once)


def applied_in(ledger: pd.DataFrame, decisions: pd.DataFrame) -> pd.DataFrame:
    """`decisions` (a lookback partition) with to_collection_ore from the claims the ledger booked for
    their deductions."""
    claims = ledger[ledger["kind"] == "claim"]  # by the run that applied the deduction, no other
    owed = (-claims.groupby(["case_id", "period", "run_month"])["amount_ore"].sum()).astype("int64")
    keys = pd.MultiIndex.from_arrays([decisions["case_id"].to_numpy(), decisions["period"].to_numpy(),
                                      decisions["applied_in"].to_numpy()])
    collected = owed.reindex(keys, fill_value=0).to_numpy(np.int64) if len(owed) else np.zeros(len(decisions), np.int64)
    return decisions.assign(to_collection_ore=np.where(decisions["decision"] == "deduction", collected, 0))


def claims_booked(ledger: pd.DataFrame, month: str) -> pd.DataFrame:
    """The `applied` frame lookback.collection_rows takes, from the claims booked by runs of `month`."""
    claims = ledger[(ledger["kind"] == "claim") & (ledger["run_month"] == month)]
    owed = (-claims.groupby(["case_id", "period"])["amount_ore"].sum()).astype("int64")
    return owed.rename("to_collection_ore").reset_index()
