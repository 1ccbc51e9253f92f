"""`boligstoette run`: materialise every asset of one benefit month through Dagster, or with --year
the yearly assets of one benefit year (annual settlement, 1 January recalculation) on the months
already materialised.

Runs on the configured instance (DAGSTER_HOME; SQLite there unless its dagster.yaml says
PostgreSQL) and the configured asset storage (orchestration/settings.py), so what it does shows
in the Dagster UI like a run started there. Prints one line per step and a summary an operator can
act on; Dagster's own log goes to a file named in the summary (to the console with --verbose).
Exits non-zero when the run or a blocking check fails.
"""

import argparse
import os
import re
import shutil
import socket
import sys
import time
from contextlib import contextmanager, nullcontext
from datetime import datetime
from pathlib import Path

from rich.console import Console

from boligstoette.outputs import file_lock
from orchestration.console import RunReport, YearReport, print_report, print_year_report

DEFAULT_MONTH = "2026-12"
MONTH_JOB, YEAR_JOB = "monthly_benefit_job", "benefit_year_job"
INSTANCE_CONFIG = Path(__file__).parent / "instance" / "dagster.yaml"
PID_TAG, HOST_TAG = "boligstoette/pid", "boligstoette/host"  # which process runs it, to tell a dead run


def register(subparsers: argparse._SubParsersAction) -> None:
    p = subparsers.add_parser("run", help="materialise every asset of one benefit month (or one benefit year)",
                              description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--landing", type=Path, help="landing folder; default: a small sample generated under --out")
    p.add_argument("--out", type=Path, default=Path("var/out"), help="output folder (default var/out)")
    period = p.add_mutually_exclusive_group()
    period.add_argument("--month", type=_pattern(r"\d{4}-(0[1-9]|1[0-2])", "YYYY-MM"),
                        help=f"benefit month YYYY-MM (default {DEFAULT_MONTH})")
    period.add_argument("--year", type=_pattern(r"\d{4}", "YYYY"),
                        help="benefit year YYYY: its annual settlement and 1 January recalculation, on the months "
                             "already materialised")
    p.add_argument("--cutoff-day", type=int, help="cut-off day in the month before (default 20)")
    p.add_argument("--verbose", action="store_true", help="Dagster's own log on the console instead of a log file")
    p.set_defaults(func=main)


def _pattern(regex: str, shown: str):
    """An argparse type: the value when it is `shown` (fully matches `regex`)."""
    def parse(value: str) -> str:
        if not re.fullmatch(regex, value):
            raise argparse.ArgumentTypeError(f"expected {shown}, got {value!r}")
        return value
    return parse


def missing_rates(year: int) -> str | None:
    """Why benefit year `year` cannot be computed for want of rates (the rate book's message, naming the
    file to add and BOLIGSTOETTE_RATES_DIR), or None when it can."""
    from boligstoette.rules import default_rate_book, rates

    try:
        default_rate_book().for_year(year, rates.BENEFITS[0])
    except rates.RatesError as error:
        return str(error)
    return None


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
    sample_month = args.month or f"{args.year}-12"
    landing = args.landing.absolute() if args.landing else _sample_landing(out, sample_month, console)
    os.environ["BOLIGSTOETTE_LANDING"] = str(landing)
    os.environ["BOLIGSTOETTE_OUT"] = str(out)
    if args.cutoff_day:
        os.environ["BOLIGSTOETTE_CUTOFF_DAY"] = str(args.cutoff_day)
    os.environ.setdefault("DAGSTER_HOME", str(Path("var/dagster_home").absolute()))
    home = Path(os.environ["DAGSTER_HOME"])
    home.mkdir(parents=True, exist_ok=True)
    config = home / "dagster.yaml"
    if not config.is_file() or not config.read_text().strip():
        shutil.copyfile(INSTANCE_CONFIG, config)
    return out, landing


def main(args: argparse.Namespace) -> int:
    started = time.time()
    console = Console(highlight=False, soft_wrap=True)
    if args.year is None and args.month is None:
        args.month = DEFAULT_MONTH
    key = args.year or args.month
    if problem := missing_rates(int(key[:4])):  # before anything is created or launched
        console.print(f"boligstoette run: {problem}", markup=False)
        return 2
    out, landing = _environment(args, console)
    log_path = None
    if not args.verbose:
        (out / "logs").mkdir(exist_ok=True)
        log_path = out / "logs" / f"run_{key}_{datetime.now():%Y%m%dT%H%M%S}.log"
    what, job_name = ("benefit year", YEAR_JOB) if args.year else ("benefit month", MONTH_JOB)
    console.print(f"{what} {key}: running {job_name} on landing folder {landing}")
    result = _execute(job_name, key, what, args.verbose, log_path, console)
    if result is None:
        return 2
    if args.year:
        report = YearReport.of(result, key, out, landing, log_path, started)
        print_year_report(console, report)
    else:
        report = RunReport.of(result, key, out, landing, log_path, started)
        print_report(console, report)
    return 0 if report.succeeded else 1


def _execute(job_name: str, key: str, what: str, verbose: bool, log_path: Path | None, console: Console):
    """Run `job_name` for partition `key` on the configured instance; None (having said why) when a run of
    the same job and partition is still running."""
    import dagster as dg

    from orchestration.definitions import defs

    job = defs.resolve_job_def(job_name)
    with file_lock(Path(os.environ["DAGSTER_HOME"]) / ".boligstoette-run.lock"):
        instance = dg.DagsterInstance.get()  # creating a new instance's storage is not safe to race
        instance.get_runs(limit=1)
    with instance:
        for line in fail_dead_runs(instance):
            console.print(line, markup=False)
        if running := _running(instance, job_name, key):
            console.print(f"{what} {key} is being computed by run {running}: wait for it to end")
            return None
        tags = {PID_TAG: str(os.getpid()), HOST_TAG: socket.gethostname()}
        with nullcontext() if verbose else _console_output_to(log_path):
            return job.execute_in_process(partition_key=key, instance=instance, raise_on_error=False, tags=tags)


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


def fail_dead_runs(instance) -> list[str]:
    """Runs of this machine's `boligstoette run` that are still STARTED while their process is gone
    (killed): marked failed, so the UI and the next operator see what happened."""
    import dagster as dg

    lines = []
    started = instance.get_runs(dg.RunsFilter(statuses=[dg.DagsterRunStatus.STARTED, dg.DagsterRunStatus.STARTING],
                                              tags={HOST_TAG: socket.gethostname()}))
    for run in started:
        pid = int(run.tags.get(PID_TAG, "0"))
        if pid and not _alive(pid):
            partition = run.tags.get("dagster/partition", "?")
            instance.report_run_failed(run, message=f"the process of this run ({pid}) ended without finishing it "
                                                    f"(killed); marked failed by the next boligstoette run")
            lines.append(f"run {run.run_id} of {partition} was killed while running: marked failed")
    return lines


def _running(instance, job_name: str, key: str) -> str | None:
    """A run of `job_name` for partition `key` (a month, or a year) that is still running (its process alive)."""
    import dagster as dg

    runs = instance.get_runs(dg.RunsFilter(job_name=job_name, tags={"dagster/partition": key},
                                           statuses=[dg.DagsterRunStatus.STARTED, dg.DagsterRunStatus.STARTING]))
    return runs[0].run_id if runs else None
