import dagster as dg

from assets.partitions import benefit_month, benefit_year
from boligstoette.months import add_months, month_key
from boligstoette.rules import default_rate_book
from boligstoette.rules.rates import BENEFITS

URGENT_PAYOUTS = dg.AssetKey("urgent_payouts")  # the daily asset of assets/urgent.py
YEAR_GROUP = "year"  # the yearly assets of assets/year.py, partitioned by benefit year
ANNUAL_SETTLEMENTS, JANUARY_RECALCULATION = dg.AssetKey("annual_settlements"), dg.AssetKey("january_recalculation")
TIMEZONE = "Europe/Copenhagen"

# Every monthly asset of the benefit cycle, for one benefit month (the daily urgent payouts and the
# yearly assets run on their own).
monthly_benefit_job = dg.define_asset_job(
    "monthly_benefit_job",
    selection=dg.AssetSelection.all() - dg.AssetSelection.assets(URGENT_PAYOUTS) - dg.AssetSelection.groups(YEAR_GROUP),
    description="Materialise every asset of one benefit month (register, cases, income, ...).",
)

# An urgent payout (straks-udbetaling) for one day: boligstoette/urgent.py.
urgent_payout_job = dg.define_asset_job(
    "urgent_payout_job",
    selection=dg.AssetSelection.assets(URGENT_PAYOUTS),
    description="Pay the first amount of urgent cases known at the end of one day (out/urgent/YYYY-MM-DD/).",
)

# The year end, per benefit year YYYY (assets/year.py), on the benefit months already materialised.
annual_settlement_job = dg.define_asset_job(
    "annual_settlement_job",
    selection=dg.AssetSelection.assets(ANNUAL_SETTLEMENTS),
    description="Settle benefit year YYYY against the tax assessments delivered so far (out/settlements/YYYY.csv).",
)
january_recalculation_job = dg.define_asset_job(
    "january_recalculation_job",
    selection=dg.AssetSelection.assets(JANUARY_RECALCULATION),
    description="Recalculate the benefit from 1 January of YYYY, in December of YYYY-1 (out/january/YYYY.csv).",
)
benefit_year_job = dg.define_asset_job(
    "benefit_year_job",
    selection=dg.AssetSelection.groups(YEAR_GROUP),
    description="Both yearly assets of benefit year YYYY: what `boligstoette run --year YYYY` runs.",
)


@dg.schedule(job=monthly_benefit_job, cron_schedule="0 6 21 * *", execution_timezone=TIMEZONE)
def monthly_after_cutoff(context: dg.ScheduleEvaluationContext) -> dg.RunRequest:
    """On the day after the default cut-off (the 20th) of month M-1, compute benefit month M:
    the benefit is paid in advance."""
    tick = context.scheduled_execution_time
    month = add_months(month_key(tick), 1)
    if month not in benefit_month.get_partition_keys(current_time=tick):
        return dg.SkipReason(f"benefit month {month} is not a partition")
    # A month without its year's rates would run every step and fail at the calculation: the tick fails
    # instead, before any run, with the message naming the rate file to add (BOLIGSTOETTE_RATES_DIR).
    default_rate_book().for_year(int(month[:4]), BENEFITS[0])
    return dg.RunRequest(partition_key=month, run_key=f"monthly-{month}")


def _year_request(context: dg.ScheduleEvaluationContext, offset: int, run_key: str) -> dg.RunRequest | dg.SkipReason:
    """A run of benefit year (tick's year + offset), or a SkipReason when that year is no partition at the tick."""
    tick = context.scheduled_execution_time
    year = str(tick.year + offset)
    if year not in benefit_year.get_partition_keys(current_time=tick):
        return dg.SkipReason(f"benefit year {year} is not a partition")
    return dg.RunRequest(partition_key=year, run_key=run_key.format(year=year))


# The yearly schedules run by default (the monthly one is started by an operator): the UI shows a schedule's
# next tick only while it runs, and a year end must not wait for someone to remember to switch it on.
@dg.schedule(job=annual_settlement_job, cron_schedule="0 6 1 5 *", execution_timezone=TIMEZONE,
             default_status=dg.DefaultScheduleStatus.RUNNING)
def annual_settlement_in_spring(context: dg.ScheduleEvaluationContext) -> dg.RunRequest | dg.SkipReason:
    """On 1 May, settle the benefit year before, when most tax assessments are in (mid-March onwards).
    The sensor assessment_deliveries settles it again as later assessments arrive."""
    return _year_request(context, -1, "settlement-{year}-spring")


@dg.schedule(job=january_recalculation_job, cron_schedule="0 6 10 12 *", execution_timezone=TIMEZONE,
             default_status=dg.DefaultScheduleStatus.RUNNING)
def january_recalculation_in_december(context: dg.ScheduleEvaluationContext) -> dg.RunRequest | dg.SkipReason:
    """On 10 December, recalculate the benefit from 1 January of next year, before the monthly
    schedule computes January's benefit on 21 December."""
    return _year_request(context, 1, "january-{year}")
