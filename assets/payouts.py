"""Provisional allowances and payouts: where matched, eligible, checked cases turn into money.

Every amount goes through the `boligstoette calc` row (boligstoette.allowance), every krone paid,
recovered or held through the append-only ledger (boligstoette.payouts)."""

import os
from pathlib import Path

import dagster as dg
import pandas as pd

from assets.lookback import letter_date, stored_calc_rows
from assets.partitions import benefit_month
from boligstoette import codes, lookback, settlement
from boligstoette.allowance import kroner_to_ore
from boligstoette.corrections import applied_in, book_deductions, claims_booked
from boligstoette.entitlement import Inputs, assess_period, month_cases, nothing_due_reason, period_entitlement
from boligstoette.monthly_income import annual_from_monthly
from boligstoette.months import add_months
from boligstoette.outputs import publishing, remove_leftovers, replace_file
from boligstoette.payouts import (
    DECIDED_KINDS,
    SETTLEMENT_KINDS,
    benefit_keys,
    book,
    decided,
    month_files,
    payout_date,
    publish,
    recoveries,
    seen_by,
    unpublished_months,
    urgent_runs,
)
from boligstoette.recalculation import benefit_with_income, decided_periods, with_calc_rows
from boligstoette.timeline import (
    FIRST_MONTH_ENV,
    case_ended_letters,
    ended_cases,
    go_live,
    open_periods,
    reapplication_starts,
    three_months_without_income,
)
from orchestration.faults import pause_at
from orchestration.resources import AgencyDatabase, LandingFolder, OutputFolder


def _inputs(register_snapshot, previous_register_snapshot, household_members, eindkomst, tax_assessments,
            register_quality, tenant_review_queue) -> Inputs:
    return Inputs(register_snapshot, previous_register_snapshot, household_members, eindkomst, tax_assessments,
                  register_quality, tenant_review_queue)


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
    """Each case's benefit for the month from provisional income (status computed, `amount_ore` due:
    a part month for its days), or why not (held: waits for a case worker or a corrected register
    delivery; no_payout: not eligible). A rerun of a month already paid keeps the income it paid with:
    a changed income reaches a paid month only through the lookback (RULES § 7.4)."""
    month = context.partition_key
    seen = seen_by(database.ledger(), month)
    cases = month_cases(case_eligibility, matched_tenants, applications, month)
    earlier = set(seen.loc[seen["period"] < month, "case_id"])
    first_computation = pd.Series(~cases["case_id"].isin(earlier).to_numpy(), index=cases["case_id"].to_numpy())
    inputs = _inputs(register_snapshot, previous_register_snapshot, household_members, eindkomst, tax_assessments,
                     register_quality, tenant_review_queue)
    income = _income_paid_with(database, seen, month)
    uprated = _january_income(context, database, month)
    if uprated is not None:  # a rerun keeps what it paid with; otherwise January pays the uprated income
        income = uprated if income is None else income.combine_first(uprated)
    frame = assess_period(month, cases, inputs, seen, first_computation, income)
    frame["nothing_due"] = nothing_due_reason(frame, _adults_before(database, month))
    context.add_output_metadata(_allowance_metadata(frame))
    return frame


def _january_income(context, database: AgencyDatabase, month: str) -> pd.Series | None:
    """case_id -> the uprated annual income (øre) of the 1 January recalculation, for January's run
    (RULES.md § 6.3): None in other months, and when the recalculation was not made (then January is
    estimated as any month, with a warning)."""
    if not month.endswith("-01"):
        return None
    recalculated = database.partition("january_recalculation", month[:4])
    if recalculated is None:
        context.log.warning(f"no 1 January recalculation of {month[:4]} is materialised: January is paid "
                            f"from the monthly income estimate")
        return None
    return pd.Series(recalculated["income_january_ore"].astype("int64").to_numpy(),
                     index=recalculated["case_id"].to_numpy())


def _income_paid_with(database: AgencyDatabase, seen: pd.DataFrame, month: str) -> pd.Series | None:
    """case_id -> the annual income (øre) an earlier run of this month decided the month with."""
    before = seen[(seen["run_month"] == month) & (seen["period"] == month) & seen["kind"].isin(DECIDED_KINDS)]
    stored = database.partition("provisional_allowances", month) if len(before) else None
    if stored is None:
        return None
    stored = stored[stored["case_id"].isin(before["case_id"]) & (stored["status"] == "computed")]
    return pd.Series(kroner_to_ore(stored["household_income"]), index=stored["case_id"].to_numpy())


def _adults_before(database: AgencyDatabase, month: str) -> pd.Series:
    """case_id -> adults_key of the month before, as its run stored it (empty when not stored)."""
    stored = database.partition("provisional_allowances", add_months(month, -1))
    if stored is None or "adults_key" not in stored:
        return pd.Series(dtype="str")
    computed = stored[stored["status"] == "computed"]
    return computed.set_index("case_id")["adults_key"]


def _allowance_metadata(frame: pd.DataFrame) -> dict:
    computed = frame["status"] == "computed"
    return {
        "cases": len(frame),
        "computed": int(computed.sum()),
        "held": int((frame["status"] == "held").sum()),
        "no_payout": int((frame["status"] == "no_payout").sum()),
        "monthly_total_kr": int(frame["amount_ore"].sum() // 100),
        "binding_limit": dg.MetadataValue.json(
            frame.loc[computed, "binding_limit"].value_counts().sort_index().to_dict()),
    }


# read only when the month has earlier periods to decide (most months at national scale have few)
PERIOD_INPUTS = ("register_snapshot", "previous_register_snapshot", "household_members", "eindkomst",
                 "tax_assessments", "register_quality", "tenant_review_queue")


@dg.asset(partitions_def=benefit_month, group_name="payouts", deps=list(PERIOD_INPUTS))
def entitlements(
    context: dg.AssetExecutionContext,
    database: AgencyDatabase,
    provisional_allowances: pd.DataFrame,
    case_eligibility: pd.DataFrame,
    matched_tenants: pd.DataFrame,
    applications: pd.DataFrame,
) -> pd.DataFrame:
    """Earlier periods this month's run decides: back months from the first benefit day, months held
    and now released, months of a lease reopened; each computed as of its own month with the best
    income known (its final eIndkomst when it has arrived). One row per case and period, as
    provisional_allowances; a case held this month keeps its open periods for a later run."""
    month = context.partition_key
    ledger = database.ledger()
    first_month = go_live(ledger, month, os.environ.get(FIRST_MONTH_ENV))
    not_held = provisional_allowances.loc[provisional_allowances["status"] != "held", "case_id"]
    candidates = case_eligibility[case_eligibility["case_id"].isin(not_held)]
    periods = open_periods(candidates, month, first_month, ledger)
    frames = []
    if len(periods):
        inputs = _inputs(*(database.input(name, month) for name in PERIOD_INPUTS))
        starts = reapplication_starts(applications, ended_cases(ledger, month))
        frames = [period_entitlement(period, group, inputs, ledger, matched_tenants, applications, starts)
                  for period, group in periods.groupby("period", sort=True)]
    frame = pd.concat(frames, ignore_index=True) if frames else provisional_allowances.iloc[0:0]
    context.add_output_metadata({
        "first_month": first_month,
        "periods": len(frame),
        "computed": int((frame["status"] == "computed").sum()),
        "due_kr": int(frame["amount_ore"].sum() // 100),
        "by_period": dg.MetadataValue.json(frame.groupby("period").size().to_dict()),
    })
    return frame


@dg.asset(partitions_def=benefit_month, group_name="payouts")
def payouts(
    context: dg.AssetExecutionContext,
    database: AgencyDatabase,
    output: OutputFolder,
    landing: LandingFolder,
    provisional_allowances: pd.DataFrame,
    entitlements: pd.DataFrame,
    lookback_corrections: pd.DataFrame,
    household_members: pd.DataFrame,
    register_snapshot: pd.DataFrame,
    register_quality: pd.DataFrame,
) -> pd.DataFrame:
    """Books the month and the earlier periods it decides in the ledger (only what differs from what
    it already holds; each period at its own amount, on its own line), then writes
    out/payouts/YYYY-MM/ (a file per organisation, individuals.csv) and out/holds/YYYY-MM.csv, and
    the files of any earlier month that was booked but never published. The value is every ledger
    entry booked by this month's runs."""
    month = context.partition_key
    stopping = register_quality[register_quality["holds"] == "month"]
    if len(stopping):  # the blocking check stops this in the same run; this guards a run of payouts alone
        raise dg.Failure(f"no payout for {month}: the register delivery has month-level errors "
                         f"({', '.join(sorted(stopping['code'].unique()))})")
    due_now, holds_now = _month_decisions(month, provisional_allowances)
    due_back, _ = _month_decisions(month, entitlements)
    corrections = lookback.correction_entries(lookback_corrections)
    objections = landing.get().read_objections(month)
    accepted = _accepted_benefits(database, objections, month)

    def decide(ledger: pd.DataFrame) -> pd.DataFrame:  # runs under the ledger lock, on the ledger as it is
        seen = seen_by(ledger, month)
        back = due_back[~_keys(due_back).isin(decided(seen))]  # a concurrent run may have decided one since
        due = pd.concat([due_now, back], ignore_index=True)
        due = due[~_keys(due).isin(decided(urgent_runs(ledger)))]  # an urgent payout is never paid again
        due = pd.concat([due, recoveries(month, seen, register_snapshot, due)], ignore_index=True)
        once = pd.concat([_case_endings(month, ledger, provisional_allowances), corrections], ignore_index=True)
        entries = book(month, due, holds_now, ledger, once)
        entries = pd.concat([entries, book_deductions(month, ledger, entries, objections, accepted, due.iloc[0:0])],
                            ignore_index=True)
        pause_at("booking")
        return entries

    before, entries = database.book(decide)
    pause_at("booked")
    booked = pd.concat([before, entries], ignore_index=True)
    root = Path(output.root)
    with publishing(root):
        completed = _complete_unpublished(context, database, root, booked, month, landing.cutoff_day)
        for target in (root / "payouts" / month, root / "holds" / f"{month}.csv"):
            for leftover in remove_leftovers(target):
                context.log.warning(f"removed {leftover.name}, left by a writer that stopped")
        files = month_files(month, booked, provisional_allowances, household_members)
        _publish_corrections(database, root, month, booked, lookback_corrections, household_members,
                             landing.cutoff_day)
        publish(root, month, files)
    held = int((provisional_allowances["status"] == "held").sum())
    context.add_output_metadata(_payout_metadata(month, entries, files, completed, root, held))
    return files.entries


def _month_decisions(month: str, allowances: pd.DataFrame) -> tuple[pd.DataFrame, pd.DataFrame]:
    """What each computed case and period is owed (with why nothing, when nothing), and the cases held."""
    computed = allowances[allowances["status"] == "computed"]
    due = computed[["case_id", "lease_id", "org_id", "unit_id", "payee", "period", "amount_ore"]].assign(
        reason_code=computed["nothing_due"].to_numpy())
    held = allowances[(allowances["status"] == "held") & (allowances["period"] == month)]
    holds_now = held[["case_id", "lease_id", "org_id", "unit_id", "payee", "reason_code"]]
    return due, holds_now.assign(period=month, amount_ore=0)


def _keys(due: pd.DataFrame) -> pd.MultiIndex:
    return pd.MultiIndex.from_arrays([benefit_keys(due), due["period"]])


def _case_endings(month: str, ledger: pd.DataFrame, allowances: pd.DataFrame) -> pd.DataFrame:
    """A case_ended entry for each case the three-month rule ends after this month (RULES § 12.12)."""
    nothing_due = allowances.set_index("case_id")["nothing_due"]
    ending = allowances[allowances["case_id"].isin(three_months_without_income(ledger, month, nothing_due))]
    return ending[["case_id", "lease_id", "org_id", "unit_id", "payee"]].assign(
        period=month, kind="case_ended", amount_ore=0, reason_code=codes.CASE_ENDED_INCOME)


def _accepted_benefits(database: AgencyDatabase, objections: pd.DataFrame, month: str) -> pd.Series:
    """(case_id, period) -> øre the period is due with the income an upheld objection accepted."""
    upheld = objections[(objections["decision"] == "upheld") & objections["accepted_income_ore"].notna()]
    if upheld.empty:  # most months: no need to read the ledger once more
        return pd.Series(dtype="int64", index=pd.MultiIndex.from_arrays([[], []], names=["case_id", "period"]))
    ledger = database.ledger()
    seen = ledger[ledger["run_month"] < month]
    periods = decided_periods(seen, sorted(upheld["period"].unique()), "0000-00")
    rows = with_calc_rows(periods, stored_calc_rows(database, periods))
    rows = rows.merge(upheld[["case_id", "period", "accepted_income_ore"]], on=["case_id", "period"])
    annual = annual_from_monthly(rows["accepted_income_ore"].astype("int64").to_numpy())
    return pd.Series(benefit_with_income(rows, annual), index=pd.MultiIndex.from_frame(rows[["case_id", "period"]]),
                     dtype="int64")


def _settlements_carried(database: AgencyDatabase, month: str, booked: pd.DataFrame) -> pd.DataFrame:
    """The stored settlement rows of the years whose settlement the run of `month` carries."""
    carried = booked[(booked["run_month"] == month) & booked["kind"].isin(SETTLEMENT_KINDS)]
    frames = [database.partition("annual_settlements", year) for year in sorted(carried["period"].unique())]
    frames = [f for f in frames if f is not None]
    return pd.concat(frames, ignore_index=True) if frames else settlement.empty_rows()


def _publish_corrections(database: AgencyDatabase, root: Path, month: str, booked: pd.DataFrame,
                         decisions: pd.DataFrame, members: pd.DataFrame, cutoff_day: int) -> None:
    """out/lookback/, letters/ and collection/ of the month (corrections.md): the lookback's, the
    three-month rule's and the annual settlements the month carries; the lookback file of the month
    whose deductions this run applied again, with what went to collection."""
    applicant = members[members["role"] == "ansoeger"].drop_duplicates("case_id").set_index("case_id")["cpr"]
    settled = _settlements_carried(database, month, booked)
    letters = pd.concat([lookback.letters(month, decisions, applicant),
                         case_ended_letters(month, booked, applicant),
                         settlement.month_letters(month, booked, settled, applicant, letter_date(month, cutoff_day))],
                        ignore_index=True)
    replace_file(root / "letters" / f"{month}.csv", lookback.letters_file(letters))
    claims = pd.concat([lookback.collection_rows(month, claims_booked(booked, month), applicant),
                        settlement.month_claims(month, booked, settled, applicant)], ignore_index=True)
    replace_file(root / "collection" / f"{month}.csv", lookback.collection_file(claims))
    replace_file(root / "lookback" / f"{month}.csv", lookback.lookback_file(applied_in(booked, decisions)))
    earlier = add_months(month, -lookback.rules_for(month).deduction_delay_months)
    announced = database.partition("lookback_corrections", earlier)
    if announced is not None and (root / "lookback" / f"{earlier}.csv").exists():
        replace_file(root / "lookback" / f"{earlier}.csv", lookback.lookback_file(applied_in(booked, announced)))


def _complete_unpublished(context, database: AgencyDatabase, root: Path, booked: pd.DataFrame,
                          besides: str, cutoff_day: int) -> list[str]:
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
        decisions = database.partition("lookback_corrections", month)
        if decisions is not None:
            _publish_corrections(database, root, month, booked, decisions, members, cutoff_day)
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
