import dagster as dg

# The benefit month. Keys are YYYY-MM. end_offset=2 lets the run for month M start after the
# cut-off in month M-1 (benefit is paid in advance), while M is still in the future.
benefit_month = dg.MonthlyPartitionsDefinition(
    start_date="2024-01", fmt="%Y-%m", end_offset=2, timezone="Europe/Copenhagen"
)
