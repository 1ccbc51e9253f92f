"""The one Definitions object workspace.yaml loads."""

import dagster as dg

import assets.cases
import assets.income
import assets.lookback
import assets.matching
import assets.payouts
import assets.quality
import assets.register
import assets.urgent
from orchestration.jobs import monthly_after_cutoff, monthly_benefit_job, urgent_payout_job
from orchestration.resources import resources_from_env

ALL_ASSETS = dg.load_assets_from_modules(
    [assets.register, assets.cases, assets.income, assets.matching, assets.payouts, assets.lookback, assets.quality]
)
# The daily urgent payout (its own job): apart from ALL_ASSETS, which are materialised per benefit month.
URGENT_ASSETS = dg.load_assets_from_modules([assets.urgent])

defs = dg.Definitions(
    assets=[*ALL_ASSETS, *URGENT_ASSETS],
    jobs=[monthly_benefit_job, urgent_payout_job],
    schedules=[monthly_after_cutoff],
    resources=resources_from_env(),
    executor=dg.in_process_executor,  # steps are pandas-bound; a process each costs more than it gains on 2 cores
)
