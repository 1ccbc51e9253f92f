"""Register data quality (RULES.md § 12.2-12.3): every known reporting error caught before it
reaches a citizen, with a consequence by scope: a delivery error stops the month, an
organisation's error holds that organisation, a lease's error holds that case."""

from pathlib import Path

import dagster as dg
import pandas as pd

from assets.partitions import benefit_month
from boligstoette.months import add_months
from boligstoette.outputs import replace_folder, staging_folder, swap_in
from boligstoette.quality import SCOPES, QualityThresholds, assess_register, organisation_error_list
from expectations.gx_checks import build_data_docs, to_asset_check_result, validate_register_findings
from orchestration.resources import AgencyDatabase, OutputFolder

_DEFAULTS = QualityThresholds()


class QualityConfig(dg.Config):
    """Thresholds of the register checks (docs/quality.md); the defaults are the agency's."""

    snapshot_shrink: float = _DEFAULTS.snapshot_shrink
    organisation_drop: float = _DEFAULTS.organisation_drop
    rent_down: float = _DEFAULTS.rent_down
    rent_up: float = _DEFAULTS.rent_up
    area_tolerance: float = _DEFAULTS.area_tolerance
    late_registration_days: int = _DEFAULTS.late_registration_days
    cutoff_day: int = _DEFAULTS.cutoff_day
    liable_half_month_day: int = _DEFAULTS.liable_half_month_day


def _check_name(scope: str) -> str:
    return f"register_{scope}_suite"


@dg.asset(
    partitions_def=benefit_month,
    group_name="register",
    check_specs=[
        dg.AssetCheckSpec(
            _check_name(scope),
            asset="register_quality",
            blocking=scope == "delivery",
            description={"delivery": "Blocking: the month's snapshot is unusable (shrunk, duplicate lease_id, "
                                     "broken file); no payout for anyone this month.",
                         "organisation": "An organisation's active leases fell sharply: its payouts are held.",
                         "lease": "Lease errors (ended or changed by mistake, rent cut, supplements, BBR, CPR): "
                                  "that case is held.",
                         "reconciliation": "Snapshot changes without a notification and notifications not in the "
                                           "snapshot."}[scope],
        )
        for scope in SCOPES
    ],
)
def register_quality(
    context: dg.AssetExecutionContext,
    config: QualityConfig,
    output: OutputFolder,
    register_snapshot: pd.DataFrame,
    previous_register_snapshot: pd.DataFrame,
    bbr_units: pd.DataFrame,
    register_changes: pd.DataFrame,
):
    """One row per finding: code, scope, what it holds (month, organisation, lease), where, and why."""
    thresholds = QualityThresholds(**config.model_dump())
    findings = assess_register(register_snapshot, previous_register_snapshot, bbr_units, register_changes, thresholds)
    outcomes = validate_register_findings(findings)
    site = Path(output.root) / "data_docs" / context.partition_key
    staging = staging_folder(site)  # one fresh site per run, swapped in whole
    build_data_docs(outcomes, staging, run_name=f"register {context.partition_key}")
    swap_in(staging, site)
    docs = site / "index.html"
    frame = findings.findings.reset_index(drop=True)
    return dg.MaterializeResult(
        value=frame,
        metadata={
            "findings": len(frame),
            "by_code": dg.MetadataValue.json(frame["code"].value_counts().sort_index().to_dict()),
            "held_organisations": int(frame.loc[frame["holds"] == "organisation", "org_id"].nunique()),
            "held_leases": int(frame.loc[frame["holds"] == "lease", "lease_id"].nunique()),
            "data_docs": dg.MetadataValue.url(docs.as_uri()),
        },
        check_results=[
            to_asset_check_result(outcomes[scope], _check_name(scope), asset_key="register_quality",
                                  data_docs_url=docs.as_uri())
            for scope in SCOPES
        ],
    )


@dg.asset(partitions_def=benefit_month, group_name="register")
def organisation_error_lists(
    context: dg.AssetExecutionContext,
    database: AgencyDatabase,
    output: OutputFolder,
    register_quality: pd.DataFrame,
) -> pd.DataFrame:
    """What each housing organisation must correct: the error, the unit, since when. Written to
    out/register_errors/YYYY-MM/org_<org_id>.csv for the organisation (no CPR, no names)."""
    month = context.partition_key
    previous = database.partition("organisation_error_lists", add_months(month, -1))
    frame = organisation_error_list(register_quality, previous).reset_index(drop=True)
    files = {
        f"org_{org_id}.csv": rows.to_csv(sep=";", index=False, lineterminator="\n", date_format="%Y-%m-%d").encode()
        for org_id, rows in frame.groupby("org_id", sort=True)
    }
    replace_folder(Path(output.root) / "register_errors" / month, files)
    context.add_output_metadata({"organisations": len(files), "errors": len(frame)})
    return frame
