"""The Definitions as a whole: loadable, validated by Dagster's CLI, and a snapshot of every asset,
check, job and schedule, so a change to the graph shows in review (as Dagster's open platform does).
Regenerate the snapshot with UPDATE_SNAPSHOTS=1 after an intended change."""

import json
import os
import subprocess
import sys
from datetime import datetime
from pathlib import Path
from zoneinfo import ZoneInfo

import dagster as dg
import pytest

from boligstoette.rules import RatesNotFound
from boligstoette.rules.rates import RATES_DIR_ENV, reset_rate_cache
from orchestration.definitions import defs
from orchestration.jobs import monthly_after_cutoff
from tests.conftest import operator_rates

SNAPSHOT = Path(__file__).with_name("snapshots") / "definitions.json"
REPO = Path(__file__).resolve().parents[1]


def _describe(definitions: dg.Definitions) -> dict:
    graph = definitions.resolve_asset_graph()
    assets = {}
    for key in sorted(graph.get_all_asset_keys(), key=lambda k: k.to_user_string()):
        node = graph.get(key)
        assets[key.to_user_string()] = {
            "group": node.group_name,
            "partitions": type(node.partitions_def).__name__ if node.partitions_def else None,
            "deps": sorted(d.to_user_string() for d in node.parent_keys),
            "checks": sorted(
                f"{c.name}{' (blocking)' if graph.get_check_spec(c).blocking else ''}" for c in node.check_keys
            ),
        }
    return {
        "assets": assets,
        "jobs": sorted(j.name for j in definitions.resolve_all_job_defs() if not j.name.startswith("__")),
        "schedules": sorted(s.name for s in definitions.schedules or []),
        "sensors": sorted(s.name for s in definitions.sensors or []),
    }


def test_definitions_load():
    dg.Definitions.validate_loadable(defs)


def test_definitions_match_snapshot():
    current = _describe(defs)
    if os.environ.get("UPDATE_SNAPSHOTS") == "1" or not SNAPSHOT.exists():
        SNAPSHOT.parent.mkdir(exist_ok=True)
        SNAPSHOT.write_text(json.dumps(current, indent=2, sort_keys=True) + "\n")
    assert current == json.loads(SNAPSHOT.read_text())


def test_dagster_cli_validates_the_workspace():
    proc = subprocess.run(
        [str(Path(sys.executable).with_name("dagster")), "definitions", "validate", "-w", "workspace.yaml"],
        cwd=REPO, capture_output=True, text=True, timeout=300,
    )
    assert proc.returncode == 0, proc.stdout + proc.stderr
    assert "Validation successful" in proc.stdout + proc.stderr


@pytest.fixture
def packaged_rates_only(monkeypatch):
    monkeypatch.delenv(RATES_DIR_ENV, raising=False)
    reset_rate_cache()
    yield
    reset_rate_cache()


def test_monthly_schedule_computes_next_month_after_the_cutoff(packaged_rates_only):
    tick = datetime(2026, 11, 21, 6, 0, tzinfo=ZoneInfo("Europe/Copenhagen"))
    request = monthly_after_cutoff(dg.build_schedule_context(scheduled_execution_time=tick))
    assert request.partition_key == "2026-12"


def test_a_month_without_its_years_rates_fails_the_tick_naming_the_file_to_add(packaged_rates_only, monkeypatch,
                                                                                tmp_path):
    tick = datetime(2026, 12, 21, 6, 0, tzinfo=ZoneInfo("Europe/Copenhagen"))
    with pytest.raises(RatesNotFound, match="boligstoette_2027.yaml"):
        monthly_after_cutoff(dg.build_schedule_context(scheduled_execution_time=tick))
    monkeypatch.setenv(RATES_DIR_ENV, str(operator_rates(tmp_path, 2027)))  # the operator adds 2027: no release
    assert monthly_after_cutoff(dg.build_schedule_context(scheduled_execution_time=tick)).partition_key == "2027-01"
