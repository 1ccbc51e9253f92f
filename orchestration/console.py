"""The operator's console after `boligstoette run`: a line per step, then what the month (or, with
--year, the benefit year) did.

Everything here is read from the run's events and from the stored partitions, never recomputed,
and nothing in it names a person: counts, kroner, reason codes and check names only.
"""

import os
import re
import time
from dataclasses import dataclass, field
from pathlib import Path

from rich.console import Console
from rich.table import Table

from boligstoette.payouts import MonthSummary, summarise_month
from orchestration.settings import Settings
from orchestration.warehouse import STORED_ROWS, Warehouse

# What a month writes under the output folder, per kind of output.
OUTPUT_FOLDERS = ("payouts/{month}", "holds/{month}.csv", "lookback/{month}.csv", "letters/{month}.csv",
                  "collection/{month}.csv", "register_errors/{month}", "data_docs/{month}")
# What a benefit year writes: the annual settlement, the 1 January recalculation and its letters.
YEAR_OUTPUTS = ("settlements/{month}.csv", "january/{month}.csv", "letters/{month}.csv")
SETTLEMENT_DECISIONS = ("pay_out", "claim_back", "below_threshold", "waiting_pension_settlement", "waiting_appeal")


@dataclass(frozen=True)
class Step:
    name: str
    status: str  # succeeded, failed, skipped
    rows: int | None
    seconds: float | None


@dataclass
class RunReport:
    month: str
    run_id: str
    succeeded: bool
    seconds: float
    steps: list[Step]
    checks: dict[str, list[str]]  # passed / warned / failed -> check names
    failures: list[str]
    summary: MonthSummary | None
    files: dict[str, int]
    where: dict[str, str] = field(default_factory=dict)

    @classmethod
    def of(cls, result, month: str, out: Path, landing: Path, log_path: Path | None, started: float) -> "RunReport":
        """`started`: the run's start as a wall-clock time (time.time())."""
        settings = Settings.from_env()
        return cls(month=month, summary=_stored_summary(settings, month, result),
                   files=files_written(out, month, started), **_run_facts(result, settings, out, landing, log_path,
                                                                         started))


def _run_facts(result, settings: Settings, out: Path, landing: Path, log_path: Path | None, started: float) -> dict:
    """What every report says of its run, month or year: id, outcome, time, steps, checks, where."""
    checks = check_outcomes(result)
    return dict(run_id=result.run_id, succeeded=result.success and not checks["failed"],
                seconds=time.time() - started, steps=steps(result), checks=checks, failures=step_failures(result),
                where=_where(settings, out, landing, log_path))


def _where(settings: Settings, out: Path, landing: Path, log_path: Path | None) -> dict[str, str]:
    return {"asset storage": shown_url(settings.warehouse_url), "output folder": str(out),
            "landing folder": str(landing), "Dagster instance": os.environ.get("DAGSTER_HOME", ""),
            "Dagster log": str(log_path) if log_path else "on the console (--verbose)"}


def steps(result) -> list[Step]:
    """One Step per step that ran, failed or was skipped, in the order they ended; `rows` is what the
    step's asset of the same name stored (a step of several assets shows its main one)."""
    stored = (e.event_specific_data.materialization for e in result.all_events
              if e.event_type_value == "ASSET_MATERIALIZATION")
    rows = {m.asset_key.to_user_string(): m.metadata[STORED_ROWS].value for m in stored if STORED_ROWS in m.metadata}
    ended = {"STEP_SUCCESS": "succeeded", "STEP_FAILURE": "failed", "STEP_SKIPPED": "skipped"}
    found = []
    for event in result.all_events:
        if event.event_type_value in ended:
            duration = getattr(event.event_specific_data, "duration_ms", None)
            found.append(Step(event.step_key, ended[event.event_type_value], rows.get(event.step_key),
                              duration / 1000 if duration is not None else None))
    return found


def check_outcomes(result) -> dict[str, list[str]]:
    """Asset check names by outcome: a failed WARN check warned, a failed ERROR check failed."""
    outcomes = {"passed": [], "warned": [], "failed": []}
    for e in result.get_asset_check_evaluations():
        name = f"{e.asset_check_key.asset_key.to_user_string()}:{e.check_name}"
        outcome = "passed" if e.passed else "failed" if e.severity.value == "ERROR" else "warned"
        outcomes[outcome].append(name)
    return outcomes


def step_failures(result) -> list[str]:
    """'step: message' per failed step, with the root cause (e.g. the ContractError naming file and line)."""
    messages = []
    for event in result.all_events:
        if event.is_step_failure:
            error = event.step_failure_data.error
            while error.cause is not None:
                error = error.cause
            message = error.message.strip().removeprefix("dagster._core.definitions.events.Failure: ")
            messages.append(f"{event.step_key}: {message}")
    return messages


def files_written(out: Path, month: str, since: float, outputs: tuple[str, ...] = OUTPUT_FOLDERS) -> dict[str, int]:
    """Files per output of the month (or year) written since `since` (a folder counts its files)."""
    found = {}
    for pattern in outputs:
        path = out / pattern.format(month=month)
        files = [p for p in path.rglob("*") if p.is_file()] if path.is_dir() else [path] if path.is_file() else []
        count = sum(1 for p in files if p.stat().st_mtime >= since)
        if count:
            found[pattern.format(month=month)] = count
    return found


def shown_url(url: str) -> str:
    return re.sub(r"://([^:/@]+):[^@]+@", r"://\1:***@", url)


def _stored_summary(settings: Settings, month: str, result) -> MonthSummary | None:
    """The month's summary from what this run stored; None when payouts did not materialise."""
    done = {e.asset_key.to_user_string() for e in result.get_asset_materialization_events()}
    if not {"provisional_allowances", "payouts"} <= done:
        return None
    warehouse = Warehouse(settings.warehouse_url, settings.warehouse_schema)
    return summarise_month(warehouse.read_partitions("provisional_allowances", [month]),
                           warehouse.read_partitions("payouts", [month]))


def _kr(ore: int) -> str:
    return f"{ore / 100:,.2f} kr".replace(",", " ")  # a space groups thousands: unambiguous in Danish and English


def print_report(console: Console, report: RunReport) -> None:
    _print_steps(console, report.steps)
    state = "succeeded" if report.succeeded else "FAILED"
    console.print(f"\nbenefit month {report.month}: run {report.run_id} {state} in {report.seconds:.1f} s")
    for line in _summary_lines(report):
        console.print(f"  {line}")
    _print_failures_and_where(console, report)


def _print_steps(console: Console, found: list[Step]) -> None:
    table = Table(box=None, pad_edge=False)
    for name in ("step", "status", "rows", "seconds"):
        table.add_column(name, justify="right" if name in ("rows", "seconds") else "left")
    for step in found:
        table.add_row(step.name, step.status, "" if step.rows is None else f"{step.rows:,}",
                      "" if step.seconds is None else f"{step.seconds:.1f}")
    console.print(table)


def _print_failures_and_where(console: Console, report: "RunReport | YearReport") -> None:
    for message in report.failures:
        console.print(f"  failed step {message}", markup=False)
    console.print("where:")
    for name, value in report.where.items():
        console.print(f"  {name + ':':18} {value}", markup=False)
    console.print(f"  open the run:      DAGSTER_HOME={report.where['Dagster instance']} dagster dev -w workspace.yaml"
                  f"  ->  http://127.0.0.1:3000/runs/{report.run_id}", markup=False)


def _check_lines(c: dict[str, list[str]]) -> list[str]:
    lines = [f"checks: {len(c['passed'])} passed, {len(c['warned'])} warned, {len(c['failed'])} failed"]
    return lines + [f"  warned: {name}" for name in c["warned"]] + [f"  failed: {name}" for name in c["failed"]]


def _summary_lines(report: RunReport) -> list[str]:
    lines = _check_lines(report.checks)
    s = report.summary
    if s is None:
        lines.append(f"no payouts for {report.month} from this run (see the failed steps and checks)")
    else:
        lines += _money_lines(s)
    files = ", ".join(f"{path} ({n})" for path, n in report.files.items()) or "none"
    lines.append(f"files written by this run: {sum(report.files.values())}: {files}")
    return lines


def _money_lines(s: MonthSummary) -> list[str]:
    held = ", ".join(f"{code} {n}" for code, n in s.held_by_reason.items()) or "none"
    return [
        f"cases: {s.cases:,}; computed {s.computed:,}, held {sum(s.held_by_reason.values()):,}, "
        f"no payout {s.no_payout:,}",
        f"paid: {sum(s.payments.values()):,} payments, {_kr(sum(s.paid_ore.values()))}: "
        f"to organisations {s.payments['organisation']:,} ({_kr(s.paid_ore['organisation'])}), "
        f"to individuals {s.payments['applicant']:,} ({_kr(s.paid_ore['applicant'])})",
        f"recovered: {s.recoveries:,} entries, {_kr(s.recovered_ore)}",
        f"held by reason: {held}",
    ]


# --- a benefit year (`boligstoette run --year YYYY`) --------------------------------------------------------------


@dataclass(frozen=True)
class YearSummary:
    """What the stored yearly partitions hold: counts and kroner only, never a person."""

    settled: dict[str, tuple[int, int]] | None  # decision -> (cases, sum of difference_ore); None: not stored
    reopened: int
    january_cases: int | None  # None: the recalculation was not stored by this run
    letters: int


def summarise_year(settlements, january) -> YearSummary:
    """The summary of a year's annual_settlements and january_recalculation frames (either may be None)."""
    settled, reopened = None, 0
    if settlements is not None:
        grouped = settlements.groupby("decision")["difference_ore"].agg(["size", "sum"])
        decisions = [*SETTLEMENT_DECISIONS, *sorted(set(grouped.index) - set(SETTLEMENT_DECISIONS))]
        settled = {d: (int(grouped.loc[d, "size"]), int(grouped.loc[d, "sum"]))
                   for d in decisions if d in grouped.index}
        reopened = int(settlements["reopened"].astype(bool).sum())
    cases = None if january is None else len(january)
    letters = 0 if january is None else int(january["letter"].astype(bool).sum())
    return YearSummary(settled, reopened, cases, letters)


def _stored_year(settings: Settings, year: str, result) -> YearSummary:
    """The year's summary from the partitions this run stored."""
    done = {e.asset_key.to_user_string() for e in result.get_asset_materialization_events()}
    warehouse = Warehouse(settings.warehouse_url, settings.warehouse_schema)
    stored = {name: warehouse.read_partitions(name, [year]) if name in done else None
              for name in ("annual_settlements", "january_recalculation")}
    return summarise_year(stored["annual_settlements"], stored["january_recalculation"])


@dataclass
class YearReport:
    year: str
    run_id: str
    succeeded: bool
    seconds: float
    steps: list[Step]
    checks: dict[str, list[str]]
    failures: list[str]
    summary: YearSummary
    files: dict[str, int]
    where: dict[str, str] = field(default_factory=dict)

    @classmethod
    def of(cls, result, year: str, out: Path, landing: Path, log_path: Path | None, started: float) -> "YearReport":
        """As RunReport.of, for a run of benefit_year_job for benefit year `year`."""
        settings = Settings.from_env()
        return cls(year=year, summary=_stored_year(settings, year, result),
                   files=files_written(out, year, started, YEAR_OUTPUTS),
                   **_run_facts(result, settings, out, landing, log_path, started))


def print_year_report(console: Console, report: YearReport) -> None:
    _print_steps(console, report.steps)
    state = "succeeded" if report.succeeded else "FAILED"
    console.print(f"\nbenefit year {report.year}: run {report.run_id} {state} in {report.seconds:.1f} s")
    for line in _year_lines(report):
        console.print(f"  {line}")
    _print_failures_and_where(console, report)


def _year_lines(report: YearReport) -> list[str]:
    lines, s = _check_lines(report.checks), report.summary
    if s.settled is None:
        lines.append(f"no annual settlement of {report.year} from this run (see the failed steps and checks)")
    else:
        lines.append(f"annual settlement {report.year}: {sum(n for n, _ in s.settled.values()):,} rows "
                     f"(a reopening is a row of its own), reopened {s.reopened:,}")
        lines += [f"  {decision}: {n:,}, difference {_kr(ore)}" for decision, (n, ore) in s.settled.items()]
    if s.january_cases is None:
        lines.append(f"no 1 January recalculation of {report.year} from this run (see the failed steps and checks)")
    else:
        lines.append(f"1 January {report.year}: {s.january_cases:,} cases recalculated, {s.letters:,} letters")
    files = ", ".join(f"{path} ({n})" for path, n in report.files.items()) or "none"
    lines.append(f"files written by this run: {sum(report.files.values())}: {files}")
    return lines
