"""`boligstoette run`: materialise every asset of one benefit month through Dagster.

Runs on the configured instance (DAGSTER_HOME; SQLite there unless its dagster.yaml says
PostgreSQL) and the configured asset storage (orchestration/settings.py), so what it does shows
in the Dagster UI like a run started there. Prints one line per step and a summary an operator can
act on; Dagster's own log goes to a file named in the summary (to the console with --verbose).
Exits non-zero when the run or a blocking check fails.
"""

import argparse
import os
import sys
import time
from contextlib import contextmanager, nullcontext
from datetime import datetime
from pathlib import Path

from rich.console import Console

from orchestration.console import RunReport, print_report

DEFAULT_MONTH = "2026-12"


def register(subparsers: argparse._SubParsersAction) -> None:
    p = subparsers.add_parser("run", help="materialise every asset of one benefit month", description=__doc__)
    p.add_argument("--landing", type=Path, help="landing folder; default: a small sample generated under --out")
    p.add_argument("--out", type=Path, default=Path("var/out"), help="output folder (default var/out)")
    p.add_argument("--month", default=DEFAULT_MONTH, help=f"benefit month YYYY-MM (default {DEFAULT_MONTH})")
    p.add_argument("--cutoff-day", type=int, help="cut-off day in the month before (default 20)")
    p.add_argument("--verbose", action="store_true", help="Dagster's own log on the console instead of a log file")
    p.set_defaults(func=main)


def _sample_landing(out: Path, month: str, console: Console) -> Path:
    from boligstoette.synth.config import SynthConfig
    from boligstoette.synth.generator import generate

    landing = out / "sample-landing"
    if not (landing / "register").is_dir():
        console.print(f"no --landing given: generating a small sample landing folder in {landing}")
        generate(SynthConfig(out=landing, month=month), force=True)
    return landing


@contextmanager
def _console_output_to(log_path: Path):
    """Everything written to stdout and stderr (Dagster's log, GX's warnings) goes to `log_path`."""
    sys.stdout.flush()
    sys.stderr.flush()
    saved = os.dup(1), os.dup(2)
    with open(log_path, "ab") as log:
        os.dup2(log.fileno(), 1)
        os.dup2(log.fileno(), 2)
        try:
            yield
        finally:
            sys.stdout.flush()
            sys.stderr.flush()
            os.dup2(saved[0], 1)
            os.dup2(saved[1], 2)
            os.close(saved[0])
            os.close(saved[1])


def _environment(args: argparse.Namespace, console: Console) -> tuple[Path, Path]:
    out = args.out.absolute()
    out.mkdir(parents=True, exist_ok=True)
    landing = args.landing.absolute() if args.landing else _sample_landing(out, args.month, console)
    os.environ["BOLIGSTOETTE_LANDING"] = str(landing)
    os.environ["BOLIGSTOETTE_OUT"] = str(out)
    if args.cutoff_day:
        os.environ["BOLIGSTOETTE_CUTOFF_DAY"] = str(args.cutoff_day)
    os.environ.setdefault("DAGSTER_HOME", str(Path("var/dagster_home").absolute()))
    home = Path(os.environ["DAGSTER_HOME"])
    home.mkdir(parents=True, exist_ok=True)
    (home / "dagster.yaml").touch()  # empty: SQLite under DAGSTER_HOME, said explicitly
    return out, landing


def main(args: argparse.Namespace) -> int:
    started = time.monotonic()
    console = Console(highlight=False, soft_wrap=True)
    out, landing = _environment(args, console)
    log_path = None
    if not args.verbose:
        (out / "logs").mkdir(exist_ok=True)
        log_path = out / "logs" / f"run_{args.month}_{datetime.now():%Y%m%dT%H%M%S}.log"
    console.print(f"benefit month {args.month}: running monthly_benefit_job on landing folder {landing}")

    import dagster as dg

    from orchestration.definitions import defs

    job = defs.resolve_job_def("monthly_benefit_job")
    with nullcontext() if args.verbose else _console_output_to(log_path), dg.DagsterInstance.get() as instance:
        result = job.execute_in_process(partition_key=args.month, instance=instance, raise_on_error=False)
    report = RunReport.of(result, args.month, out, landing, log_path, time.monotonic() - started)
    print_report(console, report)
    return 0 if report.succeeded else 1
