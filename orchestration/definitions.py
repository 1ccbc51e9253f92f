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
import assets.year
from orchestration.jobs import (
    annual_settlement_in_spring,
    annual_settlement_job,
    benefit_year_job,
    january_recalculation_in_december,
    january_recalculation_job,
    monthly_after_cutoff,
    monthly_benefit_job,
    urgent_payout_job,
)
from orchestration.resources import resources_from_env
from orchestration.sensors import assessment_deliveries

ALL_ASSETS = dg.load_assets_from_modules(
    [assets.register, assets.cases, assets.income, assets.matching, assets.payouts, assets.lookback, assets.quality]
)
# The daily urgent payout (its own job): apart from ALL_ASSETS, which are materialised per benefit month.
URGENT_ASSETS = dg.load_assets_from_modules([assets.urgent])
# The year end (annual settlement, 1 January recalculation), per benefit year: their own jobs, never the month's.
YEAR_ASSETS = dg.load_assets_from_modules([assets.year])

defs = dg.Definitions(
    assets=[*ALL_ASSETS, *URGENT_ASSETS, *YEAR_ASSETS],
    jobs=[monthly_benefit_job, urgent_payout_job, annual_settlement_job, january_recalculation_job, benefit_year_job],
    schedules=[monthly_after_cutoff, annual_settlement_in_spring, january_recalculation_in_december],
    sensors=[assessment_deliveries],
    resources=resources_from_env(),
    executor=dg.in_process_executor,  # steps are pandas-bound; a process each costs more than it gains on 2 cores
)
