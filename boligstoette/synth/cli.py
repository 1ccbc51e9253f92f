"""`boligstoette synth`: write a deterministic sample landing folder for one benefit month."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from boligstoette.synth.config import INJECT_KINDS, SCALES, SynthConfig, parse_month


def _rate(text: str) -> float:
    try:
        value = float(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"not a rate: {text!r}") from None
    if not 0.0 <= value <= 1.0:
        raise argparse.ArgumentTypeError(f"a rate is a fraction between 0 and 1, got {text}")
    return value


def _inject(text: str) -> tuple[str, float]:
    kind, sep, rate = text.partition("=")
    if not sep:
        raise argparse.ArgumentTypeError(f"expected KIND=RATE, got {text!r}")
    if kind not in INJECT_KINDS:
        raise argparse.ArgumentTypeError(f"unknown error kind {kind!r}; known: {', '.join(INJECT_KINDS)}")
    return kind, _rate(rate)


def _month(text: str) -> str:
    try:
        parse_month(text)
    except ValueError as err:
        raise argparse.ArgumentTypeError(str(err)) from None
    return text


def register(subparsers) -> None:
    p = subparsers.add_parser(
        "synth",
        help="write a deterministic sample landing folder (register, changes, BBR, cases, income, rent relief)",
        description=__doc__ + " Ground truth goes to OUT/_truth/ (no CPR numbers there).",
    )
    p.add_argument("--out", required=True, type=Path, help="landing folder to write (must be empty unless --force)")
    p.add_argument("--scale", choices=sorted(SCALES), default="small",
                   help="small: ~600 leases, ~300 cases; national: ~600,000 leases, 300,000 cases (default small)")
    p.add_argument("--seed", type=int, default=1, help="random seed (default 1); same options give identical files")
    p.add_argument("--month", type=_month, default="2026-12", help="benefit month T, YYYY-MM (default 2026-12)")
    p.add_argument("--inject", type=_inject, action="append", default=[], metavar="KIND=RATE",
                   help=f"inject register errors of KIND at RATE (repeatable); kinds: {', '.join(INJECT_KINDS)}")
    p.add_argument("--inject-all", type=_rate, default=None, metavar="RATE",
                   help="inject every error kind at RATE (a --inject for a kind overrides it)")
    p.add_argument("--misspell-rate", type=_rate, default=0.03,
                   help="share of applications whose applicant name differs from the register spelling (default 0.03)")
    p.add_argument("--force", action="store_true",
                   help="write into a non-empty folder, replacing the sample folders synth writes there")
    p.set_defaults(func=main)


def main(args: argparse.Namespace) -> int:
    from boligstoette.synth.generator import OutputNotEmpty, generate

    inject: dict[str, float] = {}
    if args.inject_all is not None:
        inject = {kind: args.inject_all for kind in INJECT_KINDS}
    for kind, rate in args.inject:
        inject[kind] = rate
    cfg = SynthConfig(out=args.out, scale=args.scale, seed=args.seed, month=args.month, inject=inject,
                      misspell_rate=args.misspell_rate)
    try:
        result = generate(cfg, force=args.force)
    except OutputNotEmpty as err:
        print(f"boligstoette synth: error: {err}", file=sys.stderr)
        return 2
    total = sum(result.counts.values())
    print(f"synth: wrote {len(result.counts)} files, {total:,} rows to {args.out} "
          f"(scale {args.scale}, seed {args.seed}, benefit month {args.month}) in {result.seconds:.1f} s")
    for name, rows in sorted(result.counts.items()):
        if not name.startswith("income/eindkomst_"):
            print(f"  {name}: {rows:,} rows")
    ek = [(n, r) for n, r in sorted(result.counts.items()) if n.startswith("income/eindkomst_")]
    if ek:
        print(f"  income/eindkomst_*.csv: {len(ek)} files, {sum(r for _, r in ek):,} rows")
    if result.injected:
        print("  injected: " + ", ".join(f"{k}={v}" for k, v in result.injected.items()))
    for kind, (want, got) in result.shortfall.items():
        print(f"  warning: {kind}: wanted {want}, only {got} suitable leases", file=sys.stderr)
    return 0
