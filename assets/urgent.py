"""Urgent payouts (straks-udbetaling): an extra run for one day, before the monthly run, paying an
urgent case's first amount. The design is boligstoette/urgent.py's docstring."""

import os
from datetime import date
from pathlib import Path

import dagster as dg
import pandas as pd

from assets.quality import QualityConfig
from boligstoette import urgent
from boligstoette.outputs import publishing, remove_leftovers
from boligstoette.quality import QualityThresholds
from boligstoette.timeline import FIRST_MONTH_ENV
from orchestration.resources import AgencyDatabase, LandingFolder, OutputFolder

# The day of an urgent run. A day's partition exists once the day is over: the run of D reads what was
# delivered by the end of D, and pays on the first bank day after D.
urgent_day = dg.DailyPartitionsDefinition(start_date="2024-01-01", timezone="Europe/Copenhagen")


@dg.asset(partitions_def=urgent_day, group_name="urgent")
def urgent_payouts(
    context: dg.AssetExecutionContext,
    config: QualityConfig,
    database: AgencyDatabase,
    landing: LandingFolder,
    output: OutputFolder,
) -> pd.DataFrame | None:
    """The first amount of each urgent case (applications.urgent), for its periods up to the day's month
    that no run has decided, computed as the monthly `entitlements` does; booked in the payment ledger as
    run YYYY-MM-DD and written to out/urgent/YYYY-MM-DD/ (a file per organisation, individuals.csv). The
    value is the periods assessed, one row per case and period (status, amount_ore, the calc row); None
    when there is none, which stores nothing (a rerun keeps what the day's first run assessed)."""
    day = date.fromisoformat(context.partition_key)
    known = urgent.read_known(landing.get(), day)
    findings = urgent.register_findings(known, QualityThresholds(**config.model_dump()))
    stopping = findings[findings["holds"] == "month"]
    if len(stopping):
        raise dg.Failure(f"no urgent payout on {day}: the register snapshot known then has delivery errors "
                         f"({', '.join(sorted(stopping['code'].unique()))})")
    frame = urgent.assess_urgent(known, findings, database.ledger(), os.environ.get(FIRST_MONTH_ENV))
    due, held = urgent.decisions(frame, known.month)
    before, entries = database.book(lambda ledger: urgent.urgent_entries(day, due, held, ledger))
    booked = pd.concat([before, entries], ignore_index=True)
    root = Path(output.root)
    files = urgent.urgent_files(day, booked, known.members)
    with publishing(root):
        for leftover in remove_leftovers(root / urgent.FOLDER / urgent.run_key(day)):
            context.log.warning(f"removed {leftover.name}, left by a writer that stopped")
        target = urgent.publish_urgent(root, day, files)
    context.add_output_metadata(_metadata(frame, entries, files, target, len(urgent.urgent_cases(
        known.applications, day))))
    return frame


def _metadata(frame: pd.DataFrame | None, entries: pd.DataFrame, files: urgent.UrgentFiles, target: Path,
              cases: int) -> dict:
    """Counts and kroner only: no CPR, no names."""
    paid = files.entries[files.entries["kind"].isin(["payment", "recovery"])]
    status = frame["status"] if frame is not None else pd.Series(dtype="str")
    held = frame[status == "held"] if frame is not None else pd.DataFrame({"reason_code": []})
    return {
        "urgent_cases": cases,
        "periods_assessed": len(status),
        "computed": int((status == "computed").sum()),
        "held_by_reason": dg.MetadataValue.json(held["reason_code"].value_counts().sort_index().to_dict()),
        "entries_booked_now": len(entries),
        "paid_kr": int(paid["amount_ore"].sum() // 100),
        "organisation_files": len(files.files) - 1,
        "payout_date": files.payout_date.isoformat(),
        "payout_folder": dg.MetadataValue.path(str(target)),
    }
