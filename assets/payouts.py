"""Provisional allowances and payouts: where matched, eligible, checked cases turn into money.

Every amount goes through the `boligstoette calc` row (boligstoette.allowance), every krone paid,
recovered or held through the append-only ledger (boligstoette.payouts)."""

from pathlib import Path

import dagster as dg
import numpy as np
import pandas as pd

from assets.partitions import benefit_month
from boligstoette import codes
from boligstoette.allowance import calc_rows
from boligstoette.months import first_days
from boligstoette.payouts import (
    book,
    holds_file,
    individuals_file,
    organisation_files,
    payout_date,
    replace_file,
    replace_folder,
)
from boligstoette.rules import calculate
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
    computed = rows.drop(columns=["benefit"]).join(calculate(rows)[list(RESULT_COLUMNS)])
    computed = computed.assign(status="computed", reason_code="", detail="")
    frame = pd.concat([computed, _not_computed(cases, problems)], ignore_index=True)
    frame = frame.merge(cases[["case_id", "lease_id", "org_id", "unit_id", "payee"]], on="case_id", how="left")
    detail = tenant_review_queue.drop_duplicates("case_id").set_index("case_id")["detail"]
    matching = frame["reason_code"].isin(codes.MATCH_HOLD_CODES)
    frame.loc[matching, "detail"] = frame.loc[matching, "case_id"].map(detail)
    frame = _typed(_hold_on_register_errors(frame, register_quality))
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


def _recoveries(month: str, ledger: pd.DataFrame, register: pd.DataFrame, decided: pd.DataFrame) -> pd.DataFrame:
    """Months paid to an organisation for which the register now shows the tenant was not liable
    at all (lease ended before the month began): due 0, so the ledger books a recovery. A tenant
    liable for part of a month keeps the whole month (RULES.md § 12.7)."""
    paid = ledger[ledger["kind"].isin(["payment", "recovery"]) & (ledger["payee"] == "organisation")]
    paid = paid.groupby(["case_id", "period", "lease_id", "org_id", "unit_id"], as_index=False)["amount_ore"].sum()
    paid = paid[(paid["amount_ore"] > 0) & (paid["period"] <= month)]
    lease_end = paid["lease_id"].map(register.drop_duplicates("lease_id").set_index("lease_id")["lease_end"])
    period_start = first_days(paid["period"])
    gone = paid[(lease_end < period_start).to_numpy()]
    gone = gone.merge(decided[["case_id", "period"]], how="left", indicator=True)
    return gone[gone["_merge"] == "left_only"].drop(columns="_merge").assign(amount_ore=0, payee="organisation")


def _missed_months(month: str, ledger: pd.DataFrame, due_now: pd.DataFrame) -> pd.DataFrame:
    """Months a case was held and never paid, now that it is paid again on the same lease: paid at
    this month's amount (the monthly lookback corrects each against its final income)."""
    held = ledger[(ledger["kind"] == "hold") & (ledger["period"] < month)][["case_id", "period", "lease_id"]]
    money = ledger[ledger["kind"].isin(["payment", "recovery"])][["case_id", "period"]].drop_duplicates()
    held = held.drop_duplicates(["case_id", "period"]).merge(money, how="left", indicator=True)
    held = held[held["_merge"] == "left_only"].drop(columns="_merge")
    now = due_now.drop(columns="period")
    return held.merge(now, on=["case_id", "lease_id"], how="inner")


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
    """Books the month in the ledger (only what differs from what it already holds) and writes
    out/payouts/YYYY-MM/ (a file per organisation, individuals.csv) and out/holds/YYYY-MM.csv.
    The value is every ledger entry booked by this month's runs."""
    month = context.partition_key
    stopping = register_quality[register_quality["holds"] == "month"]
    if len(stopping):  # the blocking check stops this in the same run; this guards a run of payouts alone
        raise dg.Failure(f"no payout for {month}: the register delivery has month-level errors "
                         f"({', '.join(sorted(stopping['code'].unique()))})")
    alloc = provisional_allowances
    computed = alloc[alloc["status"] == "computed"]
    due_now = computed[["case_id", "lease_id", "org_id", "unit_id", "payee"]].assign(
        period=month, amount_ore=computed["monthly_benefit"].to_numpy(np.int64) * 100)
    held = alloc[alloc["status"] == "held"]
    holds_now = held[["case_id", "lease_id", "org_id", "unit_id", "payee", "reason_code"]]
    holds_now = holds_now.assign(period=month, amount_ore=0)

    before = database.ledger()
    due = pd.concat([due_now, _missed_months(month, before, due_now)], ignore_index=True)
    due = pd.concat([due, _recoveries(month, before, register_snapshot, due)], ignore_index=True)
    entries = book(month, due, holds_now, before)
    database.append_to_ledger(entries)

    booked = pd.concat([before, entries], ignore_index=True)
    this_month = booked[booked["run_month"] == month].sort_values("entry_id").reset_index(drop=True)
    since = booked[booked["kind"] == "hold"].groupby(["case_id", "reason_code"])["period"].min()
    held = held.assign(held_since=pd.MultiIndex.from_frame(held[["case_id", "reason_code"]]).map(since.to_dict()))

    organisations = _write_month_files(Path(output.root), month, this_month, held, household_members)
    paid = this_month[this_month["kind"] != "hold"]
    context.add_output_metadata({
        "payout_date": payout_date(month).isoformat(),
        "entries_booked_now": len(entries),
        "organisation_files": organisations,
        "paid_kr": int(paid.loc[paid["amount_ore"] > 0, "amount_ore"].sum() // 100),
        "recovered_kr": int(-paid.loc[paid["amount_ore"] < 0, "amount_ore"].sum() // 100),
        "held_cases": len(held),
        "payout_folder": dg.MetadataValue.path(str(Path(output.root) / "payouts" / month)),
    })
    return this_month


def _write_month_files(root: Path, month: str, entries: pd.DataFrame, held: pd.DataFrame,
                       members: pd.DataFrame) -> int:
    """payouts/YYYY-MM/ (a file per organisation, individuals.csv) and holds/YYYY-MM.csv, each
    replaced whole; the number of organisation files."""
    files = organisation_files(month, entries, members)
    files["individuals.csv"] = individuals_file(month, entries, members)
    replace_folder(root / "payouts" / month, files)
    replace_file(root / "holds" / f"{month}.csv", holds_file(month, held))
    return len(files) - 1
