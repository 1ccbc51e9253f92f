"""`boligstoette run`: materialise every asset of one benefit month through Dagster.

Runs on the configured instance (DAGSTER_HOME; SQLite there unless its dagster.yaml says
PostgreSQL) and the configured asset storage (orchestration/settings.py), so what it does shows
in the Dagster UI like a run started there. Exits non-zero when the run or a blocking check fails.
"""

import argparse
import os
import re
import sys
import time
from pathlib import Path

DEFAULT_MONTH = "2026-12"


def register(subparsers: argparse._SubParsersAction) -> None:
    p = subparsers.add_parser("run", help="materialise every asset of one benefit month", description=__doc__)
    p.add_argument("--landing", type=Path, help="landing folder; default: a small sample generated under --out")
    p.add_argument("--out", type=Path, default=Path("var/out"), help="output folder (default var/out)")
    p.add_argument("--month", default=DEFAULT_MONTH, help=f"benefit month YYYY-MM (default {DEFAULT_MONTH})")
    p.add_argument("--cutoff-day", type=int, help="cut-off day in the month before (default 20)")
    p.set_defaults(func=main)


def _sample_landing(out: Path, month: str) -> Path:
    landing = out / "sample-landing"
    if not (landing / "register").is_dir():
        from boligstoette.cli import build_parser

        print(f"no --landing given: generating a small sample landing folder in {landing}")
        args = build_parser("synth").parse_args(["synth", "--out", str(landing), "--month", month, "--force"])
        if code := args.func(args):
            raise SystemExit(code)
    return landing


def _shown_url(url: str) -> str:
    return re.sub(r"://([^:/@]+):[^@]+@", r"://\1:***@", url)


def step_failures(result) -> list[str]:
    """'step: message' per failed step, with the root cause (e.g. the ContractError naming file and line)."""
    messages = []
    for event in result.all_events:
        if event.is_step_failure:
            error = event.step_failure_data.error
            while error.cause is not None:
                error = error.cause
            messages.append(f"{event.step_key}: {error.message.strip()}")
    return messages


def main(args: argparse.Namespace) -> int:
    started = time.monotonic()
    out = args.out.absolute()
    out.mkdir(parents=True, exist_ok=True)
    landing = args.landing.absolute() if args.landing else _sample_landing(out, args.month)
    os.environ["BOLIGSTOETTE_LANDING"] = str(landing)
    os.environ["BOLIGSTOETTE_OUT"] = str(out)
    if args.cutoff_day:
        os.environ["BOLIGSTOETTE_CUTOFF_DAY"] = str(args.cutoff_day)
    os.environ.setdefault("DAGSTER_HOME", str(Path("var/dagster_home").absolute()))
    home = Path(os.environ["DAGSTER_HOME"])
    home.mkdir(parents=True, exist_ok=True)
    (home / "dagster.yaml").touch()  # empty: SQLite under DAGSTER_HOME, said explicitly

    import dagster as dg

    from orchestration.definitions import defs
    from orchestration.settings import Settings

    job = defs.resolve_job_def("monthly_benefit_job")
    with dg.DagsterInstance.get() as instance:
        result = job.execute_in_process(partition_key=args.month, instance=instance, raise_on_error=False)
        run_id = result.run_id

    materialised = [e.asset_key.to_user_string() for e in result.get_asset_materialization_events()]
    failed_checks = [
        f"{e.asset_check_key.asset_key.to_user_string()}:{e.check_name} ({e.severity.value})"
        for e in result.get_asset_check_evaluations()
        if not e.passed
    ]
    settings = Settings.from_env()
    print(f"benefit month {args.month}: run {run_id} {'succeeded' if result.success else 'FAILED'} "
          f"in {time.monotonic() - started:.1f} s")
    print(f"  materialised: {', '.join(sorted(materialised)) or 'nothing'}")
    durations = [(e.step_key, e.event_specific_data.duration_ms / 1000) for e in result.all_events
                 if e.event_type_value == "STEP_SUCCESS"]
    print("  step seconds: " + ", ".join(f"{step} {seconds:.1f}" for step, seconds in durations))
    if failed_checks:
        print(f"  failed checks: {', '.join(failed_checks)}")
    for message in step_failures(result):
        print(f"  failed step {message}", file=sys.stderr)
    print("outputs:")
    print(f"  asset storage:    {_shown_url(settings.warehouse_url)}")
    print(f"  output folder:    {out}")
    print(f"  landing folder:   {landing}")
    print(f"  Dagster instance: {os.environ['DAGSTER_HOME']} (run {run_id}; "
          f"see it with: dagster dev -w workspace.yaml)")
    blocking_failed = any(not e.passed and e.severity.value == "ERROR" for e in result.get_asset_check_evaluations())
    return 0 if result.success and not blocking_failed else 1
