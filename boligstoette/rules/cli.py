"""``boligstoette calc INPUT.csv OUTPUT.csv`` and ``boligstoette explain INPUT.csv CASE_ID``.

Interface: shared/contracts/calc.md. Exit codes: 0 ok; 2 invalid input (messages on stderr
name the line and column; no output file is written); 1 other failure (e.g. cannot write).
"""

from __future__ import annotations

import argparse
import sys

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

EXIT_OK, EXIT_FAILURE, EXIT_INVALID = 0, 1, 2

OUTPUT_HEADER = ["case_id", "year", "benefit", "housing_expense", "eligible_expense", "income_basis",
                 "formula_amount", "annual_benefit", "monthly_benefit", "binding_limit"]


def register(subparsers) -> None:
    p = subparsers.add_parser(
        "calc", help="compute the housing benefit for the households in a CSV",
        description="Compute individuel boligstoette for each row of INPUT.csv (shared/contracts/calc.md) "
                    "and write OUTPUT.csv atomically. Invalid input: errors with line and column on "
                    "stderr, exit 2, no output written.")
    p.add_argument("input", help="input CSV (';' separated, calc.md columns)")
    p.add_argument("output", help="output CSV to write")
    p.set_defaults(func=run_calc)

    p = subparsers.add_parser(
        "explain", help="print the calculation trail of one household",
        description="Print the ordered steps (value, rate used, paragraph) and the binding limit for "
                    "CASE_ID in INPUT.csv (every row of that case, e.g. one per year).")
    p.add_argument("input", help="input CSV (calc.md columns)")
    p.add_argument("case_id", help="the case to explain")
    p.add_argument("--year", type=int, default=None, help="only the row of this year")
    p.set_defaults(func=run_explain)


def _err(prog: str, msg: str) -> None:
    print(f"boligstoette {prog}: {msg}", file=sys.stderr)


class _Refused(Exception):
    """The input file was refused; the messages are printed already (exit 2)."""


def _read_input(prog: str, path: str):
    """The CSV's known columns, row count and file line of each row; prints why not and refuses."""
    from .csvio import CsvFormatError, read_calc_csv
    from .parse import InputError

    try:
        inp = read_calc_csv(path)
    except FileNotFoundError:
        _err(prog, f"{path}: no such file")
        raise _Refused from None
    except OSError as exc:
        _err(prog, f"{path}: cannot read: {exc.strerror or exc}")
        raise _Refused from None
    except CsvFormatError as exc:
        _err(prog, f"{path}: {exc}")
        raise _Refused from None
    except InputError as exc:
        for line in exc.lines():
            _err(prog, f"{path}: {line}")
        raise _Refused from None
    return inp.columns, inp.n_rows, inp.lines


def _select_case(prog: str, path: str, columns: dict, n: int, lines, case_id: str, year: int | None):
    """Only the rows of ``case_id`` (and ``year``), keeping their file lines; refuses if none."""
    mask = pc.equal(columns["case_id"], case_id)
    if year is not None and "year" in columns:
        mask = pc.and_(mask, pc.equal(pc.utf8_trim_whitespace(columns["year"]), str(year)))
    idx = np.flatnonzero(pc.fill_null(mask, False).to_numpy(zero_copy_only=False))
    if len(idx) == 0:
        _err(prog, f"{path}: case {case_id!r}{' ' + str(year) if year else ''} not found")
        raise _Refused
    take = pa.array(idx)
    base = lines if lines is not None else np.arange(n, dtype=np.int64) + 2
    return {k: v.take(take) for k, v in columns.items()}, len(idx), base[idx]


def _parse_input(prog: str, path: str, columns: dict, n: int, lines):
    """Validate and parse; every problem is printed with its file line and column."""
    from .parse import InputError, parse_columns

    try:
        return parse_columns(columns, n)
    except InputError as exc:
        line_of = (lambda r: int(lines[r])) if lines is not None else (lambda r: r + 2)
        for line in exc.lines(line_of):
            _err(prog, f"{path}: {line}")
        raise _Refused from None


def _read_and_parse(prog: str, path: str, select_case: str | None = None, year: int | None = None):
    """Returns (case_id Arrow array, parsed households) or an exit code after printing errors."""
    try:
        columns, n, lines = _read_input(prog, path)
        if select_case is not None:
            columns, n, lines = _select_case(prog, path, columns, n, lines, select_case, year)
        h = _parse_input(prog, path, columns, n, lines)
    except _Refused:
        return EXIT_INVALID
    case_id = columns["case_id"]
    columns.clear()  # free the input strings before computing
    return case_id, h


def _rates_guard(fn):
    """A broken rate file is a deployment error: say which file and key, exit 1."""
    def wrapper(args: argparse.Namespace) -> int:
        from .rates import RatesError

        try:
            return fn(args)
        except RatesError as exc:
            _err(args.command if hasattr(args, "command") else "calc", f"rates: {exc}")
            return EXIT_FAILURE
    wrapper.__name__, wrapper.__doc__ = fn.__name__, fn.__doc__
    return wrapper


@_rates_guard
def run_calc(args: argparse.Namespace) -> int:
    from .calc import compute
    from .csvio import atomic_write, csv_chunks, int_strings, money_strings, text_field
    from .limits import BINDING_NAMES
    from .rates import BENEFITS

    got = _read_and_parse("calc", args.input)
    if isinstance(got, int):
        return got
    case_id, h = got
    c = compute(h)
    out_cols = [
        text_field(case_id),
        int_strings(h["year"].to_numpy()),
        pa.array(BENEFITS).take(pa.array(h["benefit_code"].to_numpy())),
        money_strings(c.housing_expense),
        money_strings(c.eligible_expense),
        money_strings(c.income_basis),
        money_strings(c.formula_amount),
        int_strings(c.annual_benefit),
        int_strings(c.monthly_benefit),
        pa.array(BINDING_NAMES).take(pa.array(c.binding.astype(np.int64))),
    ]
    try:
        atomic_write(args.output, csv_chunks(OUTPUT_HEADER, out_cols))
    except OSError as exc:
        _err("calc", f"{args.output}: cannot write: {exc}")
        return EXIT_FAILURE
    return EXIT_OK


@_rates_guard
def run_explain(args: argparse.Namespace) -> int:
    from .calc import compute
    from .explain import render_trail, steps_for_row, trail_title

    got = _read_and_parse("explain", args.input, select_case=args.case_id, year=args.year)
    if isinstance(got, int):
        return got
    _, h = got
    c = compute(h)
    blocks = []
    for i in range(len(h)):
        steps = steps_for_row(c, i)
        title = trail_title(args.case_id, int(h["year"].iat[i]), str(h["benefit"].iat[i]))
        blocks.append(render_trail(steps, title))
    print("\n\n".join(blocks))
    return EXIT_OK


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="boligstoette-rules")
    register(parser.add_subparsers(dest="command", required=True))
    args = parser.parse_args(argv)
    return int(args.func(args) or 0)


if __name__ == "__main__":
    sys.exit(main())
