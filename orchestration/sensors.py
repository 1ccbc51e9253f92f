"""Sensors: runs started by deliveries rather than by the calendar."""

import hashlib
import json
import re
from datetime import datetime
from pathlib import Path
from zoneinfo import ZoneInfo

import dagster as dg

from assets.partitions import benefit_year
from orchestration.jobs import TIMEZONE, annual_settlement_job
from orchestration.resources import LandingFolder

# A tax assessment or a pension settlement of year YYYY, a re-delivery included (contracts: YYYY[_rN]).
SETTLEMENT_DELIVERY = re.compile(r"(?:aarsopgoerelse|pension_settlement)_(\d{4}).*\.csv")


def _deliveries(income: Path) -> dict[str, list[int]]:
    """{file name: [size, mtime_ns]} of every settlement delivery in the income folder; hidden files
    (an upload in progress, .DS_Store) are not deliveries."""
    if not income.is_dir():
        return {}
    found = {}
    for path in sorted(income.iterdir()):
        if not path.name.startswith(".") and SETTLEMENT_DELIVERY.fullmatch(path.name) and path.is_file():
            stat = path.stat()
            found[path.name] = [stat.st_size, stat.st_mtime_ns]
    return found


def _year(name: str) -> str:
    return SETTLEMENT_DELIVERY.fullmatch(name).group(1)


def _fingerprint(files: dict[str, list[int]], year: str) -> str:
    """A short digest of the year's delivery files as they are now (names, sizes, mtimes)."""
    text = json.dumps(sorted((name, *stat) for name, stat in files.items() if _year(name) == year))
    return hashlib.sha256(text.encode()).hexdigest()[:12]


@dg.sensor(job=annual_settlement_job, minimum_interval_seconds=300)
def assessment_deliveries(context: dg.SensorEvaluationContext, landing: LandingFolder):
    """Settle benefit year Y again when a tax assessment (income/aarsopgoerelse_Y[_rN].csv) or a pension
    settlement (income/pension_settlement_Y[_rN].csv) of Y is delivered or re-delivered: one run per year,
    run_key settlement-Y-<digest of that year's files>, for a year that is a benefit_year partition and is
    over (Y before the current year in Copenhagen: a year is settled after it ends).

    Cursor: {file name: [size, mtime_ns]} of the files already acted on. A file of a year not yet over is
    left out of it, so it is seen as new once the year has ended.

    This sensor does not prevent settling a case twice, and need not: a second run of the same year settles
    nothing already settled, because annual_settlements books each case's settlement once in the payment
    ledger (under its lock) and leaves decided cases as they are. The run_key only spares a run for files
    already seen.
    """
    seen = json.loads(context.cursor) if context.cursor else {}
    now = _deliveries(Path(landing.root) / "income")
    current_year = datetime.now(ZoneInfo(TIMEZONE)).year
    partitions = set(benefit_year.get_partition_keys())
    pending = {name for name in now if int(_year(name)) >= current_year}  # its year is not over yet
    cursor = {name: stat for name, stat in now.items() if name not in pending}
    changed = {_year(name) for name, stat in cursor.items() if seen.get(name) != stat}
    years = sorted(changed & partitions)
    requests = [dg.RunRequest(partition_key=y, run_key=f"settlement-{y}-{_fingerprint(now, y)}") for y in years]
    if requests:
        return dg.SensorResult(run_requests=requests, cursor=json.dumps(cursor, sort_keys=True))
    why = f"no new or changed tax assessment or pension settlement of an ended benefit year in {landing.root}/income"
    if changed:
        why = f"deliveries of years that are no benefit year: {', '.join(sorted(changed))}"
    if pending:
        why += f"; waiting for the year to end: {', '.join(sorted(pending))}"
    if cursor != seen:
        return dg.SensorResult(skip_reason=why, cursor=json.dumps(cursor, sort_keys=True))
    return dg.SkipReason(why)
