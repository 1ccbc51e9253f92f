import dagster as dg

from boligstoette.months import add_months

# The benefit month. Keys are YYYY-MM. end_offset=2 lets the run for month M start after the
# cut-off in month M-1 (benefit is paid in advance), while M is still in the future.
benefit_month = dg.MonthlyPartitionsDefinition(
    start_date="2024-01", fmt="%Y-%m", end_offset=2, timezone="Europe/Copenhagen"
)

# The benefit year. Keys are YYYY (Dagster has no yearly definition: a yearly cron, dagster-notes A2).
# end_offset=2: in December of year Y the 1 January recalculation of Y+1 is already a partition.
benefit_year = dg.TimeWindowPartitionsDefinition(
    cron_schedule="0 0 1 1 *", start="2024", fmt="%Y", end_offset=2, timezone="Europe/Copenhagen"
)

# A year reads the monthly partitions inside it (Dagster's default mapping between time windows):
# benefit year 2025 reads benefit months 2025-01 .. 2025-12.
YEAR_OF_MONTHS = dg.TimeWindowPartitionMapping()


def months_of_year(year: str) -> list[str]:
    """The benefit months of benefit year `year` (YYYY), January first."""
    return [add_months(f"{year}-01", k) for k in range(12)]


def december_before(year: str) -> str:
    """The benefit month whose income and amounts the 1 January recalculation of `year` starts from."""
    return f"{int(year) - 1}-12"
