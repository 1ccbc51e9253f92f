"""Register snapshots: the rent register's delivery in force for the month, its change
notifications and the BBR extract (contracts/README.md; RULES.md § 12.2-12.3 for why they are kept)."""

from dataclasses import replace

import dagster as dg
import pandas as pd

from assets.partitions import benefit_month
from boligstoette.landing import cutoff_date
from boligstoette.quality import DEFAULT_THRESHOLDS, delivery_findings
from expectations.gx_checks import to_asset_check_result, validate_frame
from orchestration.resources import LandingFolder

REGISTER_SUITE = "register_snapshot_suite"
SHRINK_CHECK = "register_snapshot_not_shrunk"


class SnapshotGateConfig(dg.Config):
    """The delivery gate of the snapshot (docs/quality.md, DQ_SNAPSHOT_SHRANK)."""

    snapshot_shrink: float = DEFAULT_THRESHOLDS.snapshot_shrink


@dg.asset(
    partitions_def=benefit_month,
    group_name="register",
    check_specs=[
        dg.AssetCheckSpec(
            REGISTER_SUITE,
            asset="register_snapshot",
            blocking=True,
            description="Delivery-level GX suite: schema, types, allowed values, unique lease_id. "
            "A failure stops every payout of the month and the snapshot is not stored.",
        ),
        dg.AssetCheckSpec(
            SHRINK_CHECK,
            asset="register_snapshot",
            blocking=True,
            description="The snapshot has markedly fewer leases than the previous one (DQ_SNAPSHOT_SHRANK): "
            "no payout this month, and the snapshot is not stored.",
        ),
    ],
)
def register_snapshot(context: dg.AssetExecutionContext, config: SnapshotGateConfig, landing: LandingFolder,
                      previous_register_snapshot: pd.DataFrame):
    """The register snapshot in force for the benefit month: the latest dated on or before the
    cut-off day of the month before. Stage, check, then publish: a delivery its blocking checks
    reject is never stored, so the partition stored before stays what every later step reads."""
    month = context.partition_key
    lands = landing.get()
    frame, current = lands.read_register_snapshot(month)
    _, previous = lands.register_snapshots(month)
    checks = [
        to_asset_check_result(validate_frame("register_snapshot", frame, key_column="lease_id"), REGISTER_SUITE,
                              asset_key="register_snapshot"),
        _shrink_check(frame, previous_register_snapshot, config.snapshot_shrink),
    ]
    yield from checks
    if not all(check.passed for check in checks):
        failed = ", ".join(check.check_name for check in checks if not check.passed)
        raise dg.Failure(f"register snapshot {current.path.name} rejected by {failed}; not stored, the partition "
                         f"stored before is kept. Correct the delivery and materialise {month} again.")
    yield dg.Output(frame, metadata={
        "rows": len(frame),
        "snapshot_file": current.path.name,
        "previous_snapshot_file": previous.path.name if previous else "none",
        "cutoff_date": str(cutoff_date(month, lands.cutoff_day)),
        "organisations": int(frame["org_id"].nunique()),
        "active_leases": int(frame["lease_end"].isna().sum()),
    })


def _shrink_check(frame: pd.DataFrame, previous: pd.DataFrame, shrink: float) -> dg.AssetCheckResult:
    findings = delivery_findings(frame, previous, replace(DEFAULT_THRESHOLDS, snapshot_shrink=shrink))
    shrank = findings[findings["code"] == "DQ_SNAPSHOT_SHRANK"]
    return dg.AssetCheckResult(
        check_name=SHRINK_CHECK, asset_key="register_snapshot", passed=shrank.empty,
        severity=dg.AssetCheckSeverity.ERROR,
        description=shrank["detail"].iloc[0] if len(shrank) else f"{len(frame)} rows, {len(previous)} before",
        metadata={"rows": len(frame), "previous_rows": len(previous), "limit": shrink},
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
