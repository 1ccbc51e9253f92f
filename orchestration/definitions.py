"""The one Definitions object workspace.yaml loads."""

import dagster as dg

import assets.cases
import assets.income
import assets.register
from orchestration.jobs import monthly_after_cutoff, monthly_benefit_job
from orchestration.resources import resources_from_env

defs = dg.Definitions(
    assets=dg.load_assets_from_modules([assets.register, assets.cases, assets.income]),
    jobs=[monthly_benefit_job],
    schedules=[monthly_after_cutoff],
    resources=resources_from_env(),
    executor=dg.in_process_executor,  # steps are pandas-bound; a process each costs more than it gains on 2 cores
)
