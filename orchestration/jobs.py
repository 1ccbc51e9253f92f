import dagster as dg

from assets.partitions import benefit_month
from boligstoette.months import add_months, month_key

URGENT_PAYOUTS = dg.AssetKey("urgent_payouts")  # the daily asset of assets/urgent.py

# Every monthly asset of the benefit cycle, for one benefit month (the daily urgent payouts run on their own).
monthly_benefit_job = dg.define_asset_job(
    "monthly_benefit_job",
    selection=dg.AssetSelection.all() - dg.AssetSelection.assets(URGENT_PAYOUTS),
    description="Materialise every asset of one benefit month (register, cases, income, ...).",
)

# An urgent payout (straks-udbetaling) for one day: boligstoette/urgent.py.
urgent_payout_job = dg.define_asset_job(
    "urgent_payout_job",
    selection=dg.AssetSelection.assets(URGENT_PAYOUTS),
    description="Pay the first amount of urgent cases known at the end of one day (out/urgent/YYYY-MM-DD/).",
)


@dg.schedule(job=monthly_benefit_job, cron_schedule="0 6 21 * *", execution_timezone="Europe/Copenhagen")
def monthly_after_cutoff(context: dg.ScheduleEvaluationContext) -> dg.RunRequest:
    """On the day after the default cut-off (the 20th) of month M-1, compute benefit month M:
    the benefit is paid in advance."""
    tick = context.scheduled_execution_time
    month = add_months(month_key(tick), 1)
    if month not in benefit_month.get_partition_keys(current_time=tick):
        return dg.SkipReason(f"benefit month {month} is not a partition")
    return dg.RunRequest(partition_key=month, run_key=f"monthly-{month}")
