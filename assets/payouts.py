"""Provisional allowances and payouts: where matched, eligible, checked cases turn into money.

Every amount goes through the `boligstoette calc` row (boligstoette.allowance), every krone paid,
recovered or held through the append-only ledger (boligstoette.payouts)."""

from pathlib import Path

import dagster as dg
import numpy as np
import pandas as pd

from assets.partitions import benefit_month
from boligstoette import codes
from boligstoette.allowance import calc_rows, calculate_or_hold
from boligstoette.outputs import publishing, remove_leftovers
from boligstoette.payouts import (
    book,
    hold_duplicate_cases,
    missed_months,
    month_files,
    payout_date,
    publish,
    recoveries,
    unpublished_months,
)
from orchestration.faults import pause_at
from orchestration.resources import AgencyDatabase, OutputFolder

RESULT_COLUMNS = ("benefit", "annual_benefit", "monthly_benefit", "binding_limit", "housing_expense_ore",
                  "eligible_expense_ore", "income_basis_ore", "formula_amount_ore")


def _first_code(reason_codes: pd.Series) -> pd.Series:
    return reason_codes.fillna("").str.split(";").str[0]


@dg.asset(partitions_def=benefit_month, group_name="payouts")
def provisional_allowances(
    context: dg.AssetExecutionContext,
    database: AgencyDatabase,
    matched_tenants: pd.DataFrame,
    case_eligibility: pd.DataFrame,
    applications: pd.DataFrame,
    register_snapshot: pd.DataFrame,
    previous_register_snapshot: pd.DataFrame,
    household_members: pd.DataFrame,
    eindkomst: pd.DataFrame,
    tax_assessments: pd.DataFrame,
    register_quality: pd.DataFrame,
    tenant_review_queue: pd.DataFrame,
) -> pd.DataFrame:
    """Each case's benefit for the month from provisional income (status computed), or why not
    (held: waits for a case worker or a corrected register delivery; no_payout: not eligible)."""
    month = context.partition_key
    cases = case_eligibility.merge(matched_tenants[["case_id", "org_id", "unit_id"]], on="case_id", how="left")
    cases = cases.merge(applications[["case_id", "payee"]], on="case_id", how="left")
    eligible = cases[cases["eligible"]]
    earlier = database.ledger()
    seen = set(earlier.loc[earlier["period"] < month, "case_id"])
    first_computation = pd.Series(~eligible["case_id"].isin(seen).to_numpy(), index=eligible["case_id"].to_numpy())
    rows, problems = calc_rows(month, eligible[["case_id", "lease_id"]], register_snapshot, previous_register_snapshot,
                               household_members, eindkomst, tax_assessments, first_computation)
    result, rejected = calculate_or_hold(rows)
    computed = rows.loc[result.index].drop(columns=["benefit"]).join(result[list(RESULT_COLUMNS)])
    computed = computed.assign(status="computed", reason_code="", detail="")
    frame = pd.concat([computed, _not_computed(cases, pd.concat([problems, rejected]))], ignore_index=True)
    frame = frame.merge(cases[["case_id", "lease_id", "org_id", "unit_id", "payee"]], on="case_id", how="left")
    detail = tenant_review_queue.drop_duplicates("case_id").set_index("case_id")["detail"]
    matching = frame["reason_code"].isin(codes.MATCH_HOLD_CODES)
    frame.loc[matching, "detail"] = frame.loc[matching, "case_id"].map(detail)
    frame = hold_duplicate_cases(_hold_on_register_errors(frame, register_quality), earlier)
    frame = _typed(frame)
    context.add_output_metadata(_allowance_metadata(frame))
    return frame


def _not_computed(cases: pd.DataFrame, problems: pd.DataFrame) -> pd.DataFrame:
    """Cases not eligible (their first reason code) and cases the month cannot be computed for; held
    or no payout as the reason code's consequence says (boligstoette/codes.py)."""
    not_eligible = _first_code(cases["reason_codes"])[~cases["eligible"]]
    frame = pd.concat([
        cases.loc[~cases["eligible"], ["case_id"]].assign(
            reason_code=not_eligible.to_numpy(), detail=codes.meaning(not_eligible).to_numpy()),
        problems,
    ], ignore_index=True)
    frame["status"] = np.where(codes.consequence(frame["reason_code"]) == codes.HELD, "held", "no_payout")
    return frame


def _typed(frame: pd.DataFrame) -> pd.DataFrame:
    """One dtype per column whatever the mix of computed and not computed cases, sorted by case."""
    for column in ("annual_benefit", "monthly_benefit"):
        frame[column] = frame[column].fillna(0).astype("int64")
    for column in ("housing_expense_ore", "eligible_expense_ore", "income_basis_ore", "formula_amount_ore"):
        frame[column] = frame[column].astype("Int64")
    frame["binding_limit"] = frame["binding_limit"].astype("str")
    frame = frame.sort_values("case_id").reset_index(drop=True)
    return frame.astype({c: "str" for c in frame.columns if frame[c].dtype == object})


def _allowance_metadata(frame: pd.DataFrame) -> dict:
    computed = frame["status"] == "computed"
    return {
        "cases": len(frame),
        "computed": int(computed.sum()),
        "held": int((frame["status"] == "held").sum()),
        "no_payout": int((frame["status"] == "no_payout").sum()),
        "monthly_total_kr": int(frame["monthly_benefit"].sum()),
        "binding_limit": dg.MetadataValue.json(
            frame.loc[computed, "binding_limit"].value_counts().sort_index().to_dict()),
    }


def _hold_on_register_errors(frame: pd.DataFrame, findings: pd.DataFrame) -> pd.DataFrame:
    """A computed case is held when its organisation or its lease (or the lease's unit) has a
    finding that holds it; the finding's code is the hold's reason (README, data-quality checks)."""
    org = findings[findings["holds"] == "organisation"].drop_duplicates("org_id").set_index("org_id")
    lease = findings[findings["holds"] == "lease"]
    by_lease = lease.dropna(subset=["lease_id"]).drop_duplicates("lease_id").set_index("lease_id")
    by_unit = lease.dropna(subset=["unit_id"]).drop_duplicates("unit_id").set_index("unit_id")
    computed = frame["status"] == "computed"
    for keys, table in ((frame["org_id"], org), (frame["lease_id"], by_lease), (frame["unit_id"], by_unit)):
        hit = computed & keys.isin(table.index)
        frame.loc[hit, "reason_code"] = keys[hit].map(table["code"])
        frame.loc[hit, "detail"] = keys[hit].map(table["detail"])
        frame.loc[hit, "status"] = "held"
        computed &= ~hit
    return frame


@dg.asset(partitions_def=benefit_month, group_name="payouts")
def payouts(
    context: dg.AssetExecutionContext,
    database: AgencyDatabase,
    output: OutputFolder,
    provisional_allowances: pd.DataFrame,
    household_members: pd.DataFrame,
    register_snapshot: pd.DataFrame,
    register_quality: pd.DataFrame,
) -> pd.DataFrame:
    """Books the month in the ledger (only what differs from what it already holds), then writes
    out/payouts/YYYY-MM/ (a file per organisation, individuals.csv) and out/holds/YYYY-MM.csv, and
    the files of any earlier month that was booked but never published. The value is every ledger
    entry booked by this month's runs."""
    month = context.partition_key
    stopping = register_quality[register_quality["holds"] == "month"]
    if len(stopping):  # the blocking check stops this in the same run; this guards a run of payouts alone
        raise dg.Failure(f"no payout for {month}: the register delivery has month-level errors "
                         f"({', '.join(sorted(stopping['code'].unique()))})")
    due_now, holds_now = _month_decisions(month, provisional_allowances)

    def decide(ledger: pd.DataFrame) -> pd.DataFrame:  # runs under the ledger lock, on the ledger as it is
        due = pd.concat([due_now, missed_months(month, ledger, due_now)], ignore_index=True)
        due = pd.concat([due, recoveries(month, ledger, register_snapshot, due)], ignore_index=True)
        entries = book(month, due, holds_now, ledger)
        pause_at("booking")
        return entries

    before, entries = database.book(decide)
    pause_at("booked")
    booked = pd.concat([before, entries], ignore_index=True)
    root = Path(output.root)
    with publishing(root):
        completed = _complete_unpublished(context, database, root, booked, besides=month)
        for target in (root / "payouts" / month, root / "holds" / f"{month}.csv"):
            for leftover in remove_leftovers(target):
                context.log.warning(f"removed {leftover.name}, left by a writer that stopped")
        files = month_files(month, booked, provisional_allowances, household_members)
        publish(root, month, files)
    held = int((provisional_allowances["status"] == "held").sum())
    context.add_output_metadata(_payout_metadata(month, entries, files, completed, root, held))
    return files.entries


def _month_decisions(month: str, allowances: pd.DataFrame) -> tuple[pd.DataFrame, pd.DataFrame]:
    """What the month owes each computed case, and the cases it holds."""
    computed = allowances[allowances["status"] == "computed"]
    due_now = computed[["case_id", "lease_id", "org_id", "unit_id", "payee"]].assign(
        period=month, amount_ore=computed["monthly_benefit"].to_numpy(np.int64) * 100)
    held = allowances[allowances["status"] == "held"]
    holds_now = held[["case_id", "lease_id", "org_id", "unit_id", "payee", "reason_code"]]
    return due_now, holds_now.assign(period=month, amount_ore=0)


def _complete_unpublished(context, database: AgencyDatabase, root: Path, booked: pd.DataFrame,
                          besides: str) -> list[str]:
    """Earlier months booked without their files (a run stopped between the ledger commit and the
    files): written now from the ledger and that month's stored allowances and members, with a
    warning, since an organisation may be waiting for them."""
    completed = []
    for month in unpublished_months(root, booked):
        if month == besides:
            continue
        allowances = database.partition("provisional_allowances", month)
        members = database.partition("household_members", month)
        if allowances is None or members is None:
            context.log.error(f"month {month} is booked without its files and its inputs are not stored: "
                              f"materialise {month} again")
            continue
        publish(root, month, month_files(month, booked, allowances, members))
        context.log.warning(f"month {month} was booked but its files were never written; written now")
        completed.append(month)
    return completed


def _payout_metadata(month: str, entries: pd.DataFrame, files, completed: list[str], root: Path, held: int) -> dict:
    paid = files.entries[files.entries["kind"] != "hold"]
    return {
        "payout_date": payout_date(month).isoformat(),
        "entries_booked_now": len(entries),
        "organisation_files": len(files.payouts) - 1,
        "paid_kr": int(paid.loc[paid["amount_ore"] > 0, "amount_ore"].sum() // 100),
        "recovered_kr": int(-paid.loc[paid["amount_ore"] < 0, "amount_ore"].sum() // 100),
        "held_cases": held,
        "earlier_months_completed": dg.MetadataValue.json(completed),
        "payout_folder": dg.MetadataValue.path(str(root / "payouts" / month)),
    }
