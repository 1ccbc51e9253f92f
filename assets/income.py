"""Income: eIndkomst months and the tax assessments (RULES.md § 2, § 7.3-7.6)."""

import dagster as dg
import pandas as pd

from assets.partitions import benefit_month
from orchestration.resources import LandingFolder


@dg.asset(partitions_def=benefit_month, group_name="income")
def eindkomst(context: dg.AssetExecutionContext, landing: LandingFolder) -> pd.DataFrame:
    """eIndkomst for the 12 income months before the benefit month, each
    month from its latest delivery. A re-delivery replaces the month in the next run; the month's
    earlier partitions keep what was known when they ran (history)."""
    frame = landing.get().read_eindkomst(context.partition_key)
    context.add_output_metadata(
        {
            "rows": len(frame),
            "income_months": dg.MetadataValue.json(sorted(frame["month"].unique().tolist())),
            "delivery_files": dg.MetadataValue.json(sorted(frame["source_file"].unique().tolist())),
        }
    )
    return frame


@dg.asset(partitions_def=benefit_month, group_name="income")
def tax_assessments(context: dg.AssetExecutionContext, landing: LandingFolder) -> pd.DataFrame:
    """Forskudsopgoerelse (income outside eIndkomst and wealth) and aarsopgoerelse (final income)."""
    frame = landing.get().read_tax_assessments(context.partition_key)
    context.add_output_metadata(
        {"rows": len(frame), "files": dg.MetadataValue.json(sorted(frame["source_file"].unique().tolist()))}
    )
    return frame
