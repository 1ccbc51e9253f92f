"""Register snapshots: the rent register's delivery in force for the month, its change
notifications and the BBR extract (contracts/README.md; RULES.md § 12.2-12.3 for why they are kept)."""

import dagster as dg
import pandas as pd

from assets.partitions import benefit_month
from boligstoette.landing import cutoff_date
from expectations.gx_checks import to_asset_check_result, validate_frame
from orchestration.resources import LandingFolder

REGISTER_SUITE = "register_snapshot_suite"


@dg.asset(
    partitions_def=benefit_month,
    group_name="register",
    check_specs=[
        dg.AssetCheckSpec(
            REGISTER_SUITE,
            asset="register_snapshot",
            blocking=True,
            description="Delivery-level GX suite: schema, types, allowed values, unique lease_id. "
            "A failure stops every payout of the month.",
        )
    ],
)
def register_snapshot(context: dg.AssetExecutionContext, landing: LandingFolder):
    """The register snapshot in force for the benefit month: the latest dated on or before the
    cut-off day of the month before."""
    month = context.partition_key
    lands = landing.get()
    frame, current = lands.read_register_snapshot(month)
    _, previous = lands.register_snapshots(month)
    outcome = validate_frame("register_snapshot", frame, key_column="lease_id")
    return dg.MaterializeResult(
        value=frame,
        metadata={
            "rows": len(frame),
            "snapshot_file": current.path.name,
            "previous_snapshot_file": previous.path.name if previous else "none",
            "cutoff_date": str(cutoff_date(month, lands.cutoff_day)),
            "organisations": int(frame["org_id"].nunique()),
            "active_leases": int(frame["lease_end"].isna().sum()),
        },
        check_results=[to_asset_check_result(outcome, REGISTER_SUITE, asset_key="register_snapshot")],
    )


@dg.asset(partitions_def=benefit_month, group_name="register")
def previous_register_snapshot(context: dg.AssetExecutionContext, landing: LandingFolder) -> pd.DataFrame:
    """The snapshot before the one in force: what each lease looked like last time, for spotting
    a tenant written over an existing lease and other register changes (RULES.md § 12)."""
    frame, previous = landing.get().read_previous_register_snapshot(context.partition_key)
    context.add_output_metadata({"rows": len(frame), "snapshot_file": previous.path.name if previous else "none"})
    return frame


@dg.asset(partitions_def=benefit_month, group_name="register")
def register_changes(context: dg.AssetExecutionContext, landing: LandingFolder) -> pd.DataFrame:
    """Change notifications registered after the previous cut-off up to this one, each event once
    (by event_id), in the order they were registered."""
    events = landing.get().read_change_notifications(context.partition_key)
    context.add_output_metadata(
        {"rows": len(events), "by_kind": dg.MetadataValue.json(events["kind"].value_counts().sort_index().to_dict())}
    )
    return events


@dg.asset(partitions_def=benefit_month, group_name="register")
def bbr_units(context: dg.AssetExecutionContext, landing: LandingFolder) -> pd.DataFrame:
    """The BBR extract in force at the cut-off: the dwellings' official area, rooms and heating."""
    frame, delivery = landing.get().read_bbr_units(context.partition_key)
    context.add_output_metadata({"rows": len(frame), "bbr_file": delivery.path.name})
    return frame
