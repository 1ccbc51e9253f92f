"""Matched tenants: each application tied to the right lease, doubt held for a case worker
(RULES.md § 12.4), and the eligibility conditions of each case (§§ 1, 7.1, 12.9)."""

import dagster as dg
import pandas as pd

from assets.partitions import benefit_month
from boligstoette.eligibility import assess_eligibility
from boligstoette.matching import match_tenants, read_resolutions
from boligstoette.timeline import ended_cases, reapplication_starts
from orchestration.resources import AgencyDatabase, LandingFolder


@dg.multi_asset(
    partitions_def=benefit_month,
    group_name="matching",
    outs={
        "matched_tenants": dg.AssetOut(description="One row per case: the lease, match level, score, the "
                                       "candidates it beat, and whether it may be paid automatically."),
        "tenant_review_queue": dg.AssetOut(description="Cases held for a case worker, with a stable reason "
                                           "code; a resolution file in the landing folder settles them."),
    },
)
def matched_tenants(
    context: dg.AssetExecutionContext,
    landing: LandingFolder,
    applications: pd.DataFrame,
    household_members: pd.DataFrame,
    register_snapshot: pd.DataFrame,
    previous_register_snapshot: pd.DataFrame,
):
    """By CPR, else birth date and name, else name alone; never paid automatically on a doubtful match.
    Every resolution in the landing folder is read, so a rerun picks up one made after the cut-off."""
    result = match_tenants(
        applications, household_members, register_snapshot, previous_register_snapshot,
        read_resolutions(landing.get().root), month=context.partition_key,
    )
    summary = result.summary()
    yield dg.Output(result.matches, output_name="matched_tenants", metadata={"cases": len(result.matches), **summary})
    yield dg.Output(
        result.review_queue,
        output_name="tenant_review_queue",
        metadata={
            "held": len(result.review_queue),
            "by_reason": dg.MetadataValue.json(
                result.review_queue["reason_code"].value_counts().sort_index().to_dict()),
            "resolutions_applied": int((result.resolution_status["status"] == "applied").sum()),
            "resolutions_not_applied": int((result.resolution_status["status"] != "applied").sum()),
        },
    )


@dg.asset(partitions_def=benefit_month, group_name="matching")
def case_eligibility(
    context: dg.AssetExecutionContext,
    database: AgencyDatabase,
    matched_tenants: pd.DataFrame,
    applications: pd.DataFrame,
    household_members: pd.DataFrame,
    register_snapshot: pd.DataFrame,
) -> pd.DataFrame:
    """Which benefit applies, from which month, and each failed condition as a reason code; the cases
    the three-month rule ended, and the first benefit day of a timely reapplication (RULES § 12.12)."""
    ended = ended_cases(database.ledger(), context.partition_key)
    frame = assess_eligibility(matched_tenants, applications, household_members, register_snapshot,
                               context.partition_key, reapplication_starts(applications, ended), ended.index)
    codes = frame["reason_codes"].str.split(";").explode()
    context.add_output_metadata({
        "cases": len(frame),
        "eligible": int(frame["eligible"].sum()),
        "by_reason": dg.MetadataValue.json(codes[codes.fillna("") != ""].value_counts().sort_index().to_dict()),
        "benefit": dg.MetadataValue.json(frame["benefit"].value_counts().to_dict()),
    })
    return frame
