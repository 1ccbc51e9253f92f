import dagster as dg

from assets.partitions import benefit_month
from boligstoette.months import add_months, month_key

# Every monthly asset of the benefit cycle, for one benefit month.
monthly_benefit_job = dg.define_asset_job(
    "monthly_benefit_job",
    selection=dg.AssetSelection.all(),
    description="Materialise every asset of one benefit month (register, cases, income, ...).",
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
