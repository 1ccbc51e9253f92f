"""The monthly lookback (RULES.md § 7.4, § 12.11; contracts/corrections.md): every period already
decided is recomputed when its final eIndkomst arrives or is re-delivered, and corrected when both
thresholds are exceeded. The decisions are booked by `payouts`, in the same ledger transaction as the
month's payments."""

import os
from datetime import timedelta

import dagster as dg
import pandas as pd

from assets.partitions import benefit_month
from boligstoette import lookback
from boligstoette.landing import cutoff_date, cutoff_instant
from boligstoette.months import add_months
from boligstoette.recalculation import changed_income_months, decided_periods, examined, with_calc_rows
from boligstoette.timeline import FIRST_MONTH_ENV, go_live
from orchestration.resources import AgencyDatabase, LandingFolder


def stored_calc_rows(database: AgencyDatabase, periods: pd.DataFrame) -> pd.DataFrame:
    """The calc rows the deciding runs of `periods` (decided_periods) stored, with `period`."""
    frames = []
    for (table, run_month), _ in periods.groupby(["table", "run_month"]):
        stored = database.partition(table, run_month)
        if stored is None or "adults_key" not in stored:
            continue  # decided before the lookback existed: nothing to recompute it from
        if "period" not in stored:
            stored = stored.assign(period=run_month)
        frames.append(stored[stored["status"] == "computed"])
    return pd.concat(frames, ignore_index=True) if frames else pd.DataFrame(columns=["case_id", "period"])


def letter_date(month: str, cutoff_day: int):
    """The lookback's letters go out the day after the month's cut-off (the run's day, driftsplan)."""
    return cutoff_date(month, cutoff_day) + timedelta(days=1)


@dg.asset(partitions_def=benefit_month, group_name="payouts", deps=["tax_assessments", "household_members"])
def lookback_corrections(
    context: dg.AssetExecutionContext,
    database: AgencyDatabase,
    landing: LandingFolder,
    eindkomst: pd.DataFrame,
) -> pd.DataFrame:
    """One row per case and period examined (out/lookback/YYYY-MM.csv): income used and final, benefit
    paid and final, and the decision (supplement, deduction with hearing, below_threshold,
    household_changed, to_annual_settlement). From the ledger as the earlier months' runs left it, so
    a rerun decides the same. The month's members and tax assessments are read only when a period is
    examined."""
    month = context.partition_key
    ledger = database.ledger()
    seen = ledger[ledger["run_month"] < month]
    first_month = go_live(ledger, month, os.environ.get(FIRST_MONTH_ENV))
    since = cutoff_instant(add_months(month, -1), landing.cutoff_day)
    months = [m for m in changed_income_months(eindkomst, since) if m < month]
    periods = decided_periods(seen, months, first_month)
    rows = with_calc_rows(periods, stored_calc_rows(database, periods))
    pending = seen[(seen["kind"] == "hearing") & (seen["run_month"] >= add_months(month, -2))]
    members = tax = None
    if len(rows):
        members, tax = database.input("household_members", month), database.input("tax_assessments", month)
    frame = examined(rows, members, eindkomst, tax, seen, pending)
    decisions = lookback.decide(frame, month, letter_date(month, landing.cutoff_day))
    context.add_output_metadata({
        "income_months_arrived": dg.MetadataValue.json(months),
        "periods_examined": len(decisions),
        "by_decision": dg.MetadataValue.json(decisions["decision"].value_counts().sort_index().to_dict()),
        "supplements_kr": int(decisions.loc[decisions["decision"] == "supplement", "difference_ore"].sum() // 100),
        "deductions_announced_kr": int(-decisions.loc[decisions["decision"] == "deduction",
                                                      "difference_ore"].sum() // 100),
    })
    return decisions
