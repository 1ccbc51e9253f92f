"""Applications and household members as delivered up to the cut-off (RULES.md § 1.4)."""

import dagster as dg
import pandas as pd

from assets.partitions import benefit_month
from orchestration.resources import LandingFolder


@dg.asset(partitions_def=benefit_month, group_name="cases")
def applications(context: dg.AssetExecutionContext, landing: LandingFolder) -> pd.DataFrame:
    """Open applications; a later delivery supersedes an earlier one for the same case_id."""
    frame = landing.get().read_applications(context.partition_key)
    payees = frame["payee"].value_counts().to_dict()
    context.add_output_metadata({"rows": len(frame), "payee": dg.MetadataValue.json(payees)})
    return frame


@dg.asset(partitions_def=benefit_month, group_name="cases")
def household_members(context: dg.AssetExecutionContext, landing: LandingFolder) -> pd.DataFrame:
    """Each case's members, from the latest delivery that names the case."""
    frame = landing.get().read_household_members(context.partition_key)
    context.add_output_metadata({"rows": len(frame), "cases": int(frame["case_id"].nunique())})
    return frame
