"""`boligstoette explain-case --month M CASE_ID`: why one case was paid what it was, up to benefit month M.

Reads the asset storage `boligstoette run --out OUT` writes (BOLIGSTOETTE_WAREHOUSE_URL and
BOLIGSTOETTE_WAREHOUSE_SCHEMA when set, else OUT/warehouse.sqlite; orchestration/settings.py) and prints,
per period up to and including M, in the order the runs decided it:

- each decision on the period: computed (the benefit, the binding limit and the rule behind it, the
  income, rent and household it was computed from, what was due), held or no payout (the reason code and
  what it means), by the month's own run (provisional_allowances) or a later one (entitlements);
- every payment-ledger entry of the case, or of its lease under another case id (run month, kind, amount,
  payee, reason);
- the lookback's decision on the period (lookback_corrections), if any;
- the net received: the sum of the period's money entries.

Only runs of months up to M are shown, so the trail reads as it stood after M's run. A table on a
terminal, plain text otherwise. CPR numbers are never printed. Exit codes: 0 explained; 2 no storage,
the month not materialised, or the case unknown up to M.
"""

import argparse
import os
import sys
from dataclasses import dataclass
from pathlib import Path
from unittest import mock

import pandas as pd

from boligstoette.codes import REASONS
from boligstoette.lookback import REASON_CLAIM, REASON_DEDUCTION, REASON_HEARING, REASON_OBJECTION, REASON_SUPPLEMENT
from boligstoette.months import first_day
from boligstoette.payouts import MONEY_KINDS
from boligstoette.privacy import mask_text

EXIT_OK, EXIT_NOT_FOUND = 0, 2
ALLOWANCES, ENTITLEMENTS, LOOKBACK, LEDGER = (
    "provisional_allowances", "entitlements", "lookback_corrections", "payment_ledger")
DECISION, LOOKBACK_LINE, ENTRY = range(3)  # the order of a run's lines within a period
LEDGER_REASONS = {  # the lookback's ledger reason codes (boligstoette/lookback.py), which codes.REASONS does not hold
    REASON_SUPPLEMENT: "the lookback found the period paid too little; the difference is paid with this run",
    REASON_HEARING: "the lookback proposes a deduction, announced by letter; not money until it is made",
    REASON_DEDUCTION: "the part of a lookback deduction this run's payment absorbs",
    REASON_CLAIM: "the part of a lookback deduction the payment cannot absorb, handed to collection",
    REASON_OBJECTION: "an objection was upheld after the deduction was made; the deduction is paid back",
}
RECOVERY_WHY = ("the period had received more than the run found due (e.g. the register now shows the lease "
                "ended before the period began: nothing due, RULES.md § 12.7)")
# binding_limit (calc.md) -> (paragraph for boligsikring, for boligydelse, what decided the amount)
BINDING_RULES = {
    "formula": ("§ 22 stk. 1", "§ 21 stk. 1", "the formula amount: the expense part less the income part"),
    "own_payment": ("§ 22 stk. 2", "§ 21 stk. 2", "the housing expense less the own payment the household "
                                                  "must pay itself"),
    "cap_15pct": ("§ 22 stk. 3", "§ 22 stk. 3", "15 % of the eligible housing expense (a household without "
                                                "children)"),
    "maximum": ("§ 23 stk. 1", "§ 23 stk. 1", "the maximum annual benefit"),
    "below_minimum": ("§§ 33-34", "§§ 33-34", "below the minimum payout on a first computation: not paid"),
    "zero": ("RULES.md § 4.6", "RULES.md § 4.6", "the limits leave nothing: 0 kr"),
}


class NotFound(Exception):
    """What was asked for is not in the storage; the message says what (exit 2)."""


def register(subparsers: argparse._SubParsersAction) -> None:
    p = subparsers.add_parser("explain-case", help="print why one case was paid what it was, period by period",
                              description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("case_id", metavar="CASE_ID", help="the case to explain")
    p.add_argument("--month", required=True, help="benefit month YYYY-MM: the trail as it stood after its run")
    p.add_argument("--out", type=Path, default=Path("var/out"),
                   help="output folder `boligstoette run` was given (default var/out); its warehouse.sqlite "
                        "unless BOLIGSTOETTE_WAREHOUSE_URL is set")
    p.set_defaults(func=main)


def main(args: argparse.Namespace) -> int:
    try:
        first_day(args.month)
        trail = explain_case(_warehouse(args.out), args.case_id, args.month)
    except (NotFound, ValueError) as error:
        print(f"boligstoette explain-case: {mask_text(error)}", file=sys.stderr)
        return EXIT_NOT_FOUND
    if sys.stdout.isatty():
        from rich.console import Console

        print_table(Console(highlight=False), trail)
    else:
        sys.stdout.write(render_plain(trail))
    return EXIT_OK


def _warehouse(out: Path):
    """The storage `boligstoette run --out OUT` writes to, resolved by the same Settings."""
    from orchestration.settings import Settings
    from orchestration.warehouse import Warehouse

    with mock.patch.dict(os.environ, {"BOLIGSTOETTE_OUT": str(out.absolute())}):
        settings = Settings.from_env()
    if settings.warehouse_url.startswith("sqlite:///"):
        path = Path(settings.warehouse_url.removeprefix("sqlite:///"))
        if not path.is_file():
            raise NotFound(f"no asset storage at {path}: run `boligstoette run --out {out}` first, or set "
                           f"BOLIGSTOETTE_WAREHOUSE_URL")
    return Warehouse(settings.warehouse_url, settings.warehouse_schema)


# --- reading ---------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Line:
    run_month: str
    order: int  # DECISION, LOOKBACK_LINE or ENTRY
    what: str
    amount_ore: int | None  # None: not money
    payee: str
    why: str


@dataclass(frozen=True)
class PeriodTrail:
    period: str
    lines: tuple[Line, ...]
    net_ore: int  # the sum of the period's money entries up to the month


@dataclass(frozen=True)
class CaseTrail:
    case_id: str
    month: str
    periods: tuple[PeriodTrail, ...]

    @property
    def net_ore(self) -> int:
        return sum(p.net_ore for p in self.periods)


def explain_case(warehouse, case_id: str, month: str) -> CaseTrail:
    """The case's trail up to and including benefit month `month`; NotFound when the month was never
    materialised or the case has nothing in it."""
    materialised = warehouse.partition_keys(ALLOWANCES)
    if month not in materialised:
        known = f"materialised: {', '.join(materialised[-6:])}" if materialised else "none is materialised"
        raise NotFound(f"benefit month {month} is not materialised in this storage ({known})")
    decisions = _case_rows(warehouse, (ALLOWANCES, ENTITLEMENTS), case_id, month)
    entries = _ledger_entries(warehouse, case_id, month, decisions)
    corrections = _case_rows(warehouse, (LOOKBACK,), case_id, month)
    if decisions.empty and entries.empty and corrections.empty:
        raise NotFound(f"case {case_id} is in no benefit month up to {month}")
    lines = ([(_text(r["period"]), _decision_line(r)) for _, r in decisions.iterrows()]
             + [(_text(r["period"]), _lookback_line(r)) for _, r in corrections.iterrows()]
             + [(_text(r["period"]), _entry_line(r, case_id)) for _, r in entries.iterrows()])
    return CaseTrail(case_id, month, tuple(_periods(lines, entries)))


def _case_rows(warehouse, tables: tuple[str, ...], case_id: str, month: str) -> pd.DataFrame:
    """The case's rows of every partition of `tables` up to `month`, with the partition as run_month (and
    as period where the table has none). A partition is read whole, one at a time, and cut to the case."""
    frames = []
    for table in tables:
        for run_month in (k for k in warehouse.partition_keys(table) if k <= month):
            rows = warehouse.read_partitions(table, [run_month])
            rows = rows[rows["case_id"] == case_id]
            if len(rows):
                frames.append(rows.assign(period=rows.get("period", run_month), run_month=run_month))
    if not frames:
        return pd.DataFrame(columns=["case_id", "period", "run_month"])
    return pd.concat(frames, ignore_index=True)  # only frames with rows: their integer columns stay integers


def _ledger_entries(warehouse, case_id: str, month: str, decisions: pd.DataFrame) -> pd.DataFrame:
    """Ledger entries booked up to `month` under the case, or under another case id on the case's lease in a
    period the case has (a lease has one benefit a month, whichever case it is booked under)."""
    ledger = warehouse.read_table(LEDGER)
    if ledger is None:
        return pd.DataFrame(columns=["case_id", "period", "run_month", "kind"])
    ledger = ledger[ledger["run_month"] <= month]
    own = ledger["case_id"] == case_id
    leases = {_text(v) for v in [*decisions.get("lease_id", []), *ledger.loc[own, "lease_id"]]} - {""}
    periods = {_text(v) for v in [*decisions["period"], *ledger.loc[own, "period"]]}
    on_lease = ledger["lease_id"].isin(leases) & ledger["period"].isin(periods)
    return ledger[own | on_lease]


def _periods(lines: list[tuple[str, Line]], entries: pd.DataFrame) -> list[PeriodTrail]:
    money = entries[entries["kind"].isin(MONEY_KINDS)]
    net = money.groupby("period")["amount_ore"].sum() if len(money) else pd.Series(dtype="int64")
    out = []
    for period in sorted({p for p, _ in lines}):
        ordered = sorted((line for p, line in lines if p == period), key=lambda line: (line.run_month, line.order))
        out.append(PeriodTrail(period, tuple(ordered), int(net.get(period, 0))))
    return out


# --- explaining one row ----------------------------------------------------------------------------


def _text(value) -> str:
    """A stored value as text, '' when missing; anything shaped like a CPR number masked."""
    if value is None or (not isinstance(value, str) and pd.isna(value)):
        return ""
    return mask_text(value)


def _kroner(ore: int | None) -> str:
    """Exact øre as kroner with two decimals ('—' for no amount)."""
    if ore is None:
        return "—"
    ore = int(ore)
    return f"{'-' if ore < 0 else ''}{abs(ore) // 100}.{abs(ore) % 100:02d}"


def _reason(code: str, detail: str = "") -> str:
    """A reason code with its meaning (codes.REASONS; the lookback's ledger codes), and a detail that adds to it."""
    meaning = REASONS[code].meaning if code in REASONS else LEDGER_REASONS.get(code, "")
    text = f"{code}: {meaning}" if meaning else code
    return f"{text} ({detail})" if detail and detail != meaning else text


def _payee(row: pd.Series) -> str:
    payee = _text(row.get("payee"))
    return f"organisation {_text(row.get('org_id'))}".strip() if payee == "organisation" else payee


def _decision_line(row: pd.Series) -> Line:
    status = _text(row.get("status"))
    source = "" if _text(row["run_month"]) == _text(row["period"]) else " (late)"
    if status == "computed":
        amount, why = int(row["amount_ore"]), _computed_why(row)
    else:
        amount, why = None, _reason(_text(row.get("reason_code")), _text(row.get("detail")))
    return Line(_text(row["run_month"]), DECISION, f"decided: {status}{source}", amount, _payee(row), why)


def _computed_why(row: pd.Series) -> str:
    limit, benefit = _text(row.get("binding_limit")), _text(row.get("benefit"))
    boligsikring, boligydelse, rule = BINDING_RULES.get(limit, ("", "", ""))
    paragraph = boligydelse if benefit == "boligydelse" else boligsikring
    parts = [f"{benefit} {_text(row.get('year'))}: {int(row['monthly_benefit'])} kr a month; "
             f"binding limit {limit} ({paragraph}: {rule})",
             f"household income {_text(row.get('household_income'))} kr a year, rent {_text(row.get('rent_monthly'))} "
             f"kr a month, {_text(row.get('persons'))} person(s), {_text(row.get('children'))} child(ren)",
             _reference_day(row)]
    if nothing := _text(row.get("nothing_due")):
        parts.append(f"nothing due: {_reason(nothing)}")
    return "; ".join(p for p in parts if p)


def _reference_day(row: pd.Series) -> str:
    day = row.get("day")
    if day is None or pd.isna(day):
        return ""
    day = pd.Timestamp(day).date()
    part = " (part month: due for the days from it)" if day != first_day(_text(row["period"])) else ""
    return f"reference day {day.isoformat()}{part}"


def _entry_line(row: pd.Series, case_id: str) -> Line:
    kind, code = _text(row["kind"]), _text(row.get("reason_code"))
    amount = int(row["amount_ore"]) if kind in (*MONEY_KINDS, "hearing") else None
    why = _reason(code) if code in LEDGER_REASONS else code  # other codes: explained on the decision line
    if kind == "recovery" and not code:
        why = RECOVERY_WHY
    if kind == "hearing":
        why = f"proposed deduction, not money; {why}"
    if _text(row["case_id"]) != case_id:
        why = f"booked under case {_text(row['case_id'])} on lease {_text(row.get('lease_id'))}; {why}".rstrip("; ")
    return Line(_text(row["run_month"]), ENTRY, kind, amount, _payee(row), why)


def _lookback_line(row: pd.Series) -> Line:
    parts = [f"monthly household income used {_kroner(row['income_used_ore'])} kr, final "
             f"{_kroner(row['income_final_ore'])} kr",
             f"benefit paid {_kroner(row['benefit_paid_ore'])} kr, final {_kroner(row['benefit_final_ore'])} kr"]
    letter = row.get("letter_date")
    if letter is not None and not pd.isna(letter):
        parts.append(f"letter {pd.Timestamp(letter).date().isoformat()}")
    if applied := _text(row.get("applied_in")):
        parts.append(f"applied in {applied}")
    if int(row.get("to_collection_ore", 0) or 0):
        parts.append(f"to collection {_kroner(row['to_collection_ore'])} kr")
    return Line(_text(row["run_month"]), LOOKBACK_LINE, f"lookback: {_text(row['decision'])}",
                int(row["difference_ore"]), "", "; ".join(parts))


# --- printing --------------------------------------------------------------------------------------

HEADER = ("run", "what", "amount kr", "payee", "why")


def _title(trail: CaseTrail) -> str:
    return f"case {trail.case_id}: benefit periods up to {trail.month}, as the runs up to {trail.month} decided them"


def _total(trail: CaseTrail) -> str:
    return f"net received by case {trail.case_id} up to {trail.month}: {_kroner(trail.net_ore)} kr"


def _cells(line: Line) -> tuple[str, ...]:
    return line.run_month, line.what, _kroner(line.amount_ore), line.payee, line.why


def render_plain(trail: CaseTrail) -> str:
    """The trail as plain text, the same for the same storage."""
    out = [_title(trail)]
    for period in trail.periods:
        rows = [HEADER, *(_cells(line) for line in period.lines)]
        widths = [max(len(r[i]) for r in rows) for i in range(4)]
        out += ["", f"period {period.period}"]
        out += ["  " + "  ".join([r[0].ljust(widths[0]), r[1].ljust(widths[1]), r[2].rjust(widths[2]),
                                  r[3].ljust(widths[3]), r[4]]).rstrip() for r in rows]
        out.append(f"  net received for {period.period}: {_kroner(period.net_ore)} kr")
    out += ["", _total(trail)]
    return "\n".join(out) + "\n"


def print_table(console, trail: CaseTrail) -> None:
    """The trail as one rich table per period (for a terminal)."""
    from rich.table import Table
    from rich.text import Text

    console.print(Text(_title(trail), style="bold"))
    for period in trail.periods:
        table = Table(title=Text(f"period {period.period}"), title_justify="left", show_lines=False,
                      caption=Text(f"net received for {period.period}: {_kroner(period.net_ore)} kr"),
                      caption_justify="left")
        for name in HEADER:
            table.add_column(name, justify="right" if name == "amount kr" else "left",
                             no_wrap=name != "why", overflow="fold")
        for line in period.lines:
            table.add_row(*(Text(cell) for cell in _cells(line)))
        console.print(table)
    console.print(Text(_total(trail), style="bold"))
