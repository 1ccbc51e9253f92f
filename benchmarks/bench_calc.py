"""Benchmark of the rules package and the ``calc`` CLI.

    .venv/bin/python benchmarks/bench_calc.py [--rows 1000000] [--seed 20250101] [--workdir DIR]

1. generates N random households (deterministic seed) to a calc input CSV;
2. measures (a) the computation alone (parsed households → all results, in process),
   (b) the whole CLI ``python -m boligstoette.cli calc IN OUT`` as a subprocess (read +
   validate + compute + write), (c) the CLI's peak memory (``getrusage(RUSAGE_CHILDREN)``),
   (d) the explanation trail for 1,000 households;
3. prints a table with the targets and exits 1 if a target is missed.
"""

from __future__ import annotations

import argparse
import os
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import numpy as np
import pyarrow as pa

from boligstoette.rules.calc import compute
from boligstoette.rules.csvio import csv_chunks, int_strings, money_strings, read_calc_csv
from boligstoette.rules.explain import explain_rows, render_trail
from boligstoette.rules.parse import MAINTENANCE, parse_columns

REPO = Path(__file__).resolve().parents[1]

INPUT_HEADER = [
    "case_id", "year", "benefit", "rent_monthly", "area_m2", "persons", "children", "young_couple",
    "household_income", "wealth", "heating_in_rent", "hot_water_in_rent", "electricity_in_rent",
    "heating_paid_separately", "water_paid_separately", "drainage_paid_separately", "maintenance_duty",
    "mobility_impaired", "round_the_clock_help", "disability_or_senior_pension", "no_maximum_dwelling",
    "first_computation",
]


def random_households(n: int, seed: int) -> dict[str, np.ndarray]:
    """Plausible random households as exact integers (money in øre, area in 1/100 m²)."""
    rng = np.random.default_rng(seed)
    persons = rng.integers(1, 8, n)
    children = np.minimum(rng.integers(0, 6, n), persons - 1)
    adults = persons - children
    whole = rng.random(n) < 0.6  # 60 % of amounts are whole kroner
    rent = rng.integers(1500_00, 16000_00, n)
    rent = np.where(whole, rent // 100 * 100, rent)
    area = rng.integers(15_00, 220_00, n)
    area = np.where(rng.random(n) < 0.7, area // 100 * 100, area)
    income = rng.integers(0, 900_000_00, n)
    income = np.where(whole, income // 100 * 100, income)
    wealth = np.where(rng.random(n) < 0.85, 0, rng.integers(-200_000_00, 3_000_000_00, n))
    heat = rng.integers(0, 3, n)  # 0 in rent, 1 paid separately, 2 neither
    return {
        "case_id": np.char.add("K", np.arange(n).astype("U9")),
        "year": rng.integers(2024, 2027, n),
        "benefit": rng.integers(0, 2, n),
        "rent_monthly": rent, "area_m2": area, "persons": persons, "children": children,
        "young_couple": (adults == 2) & (rng.random(n) < 0.2),
        "household_income": income, "wealth": wealth,
        "heating_in_rent": heat == 0, "hot_water_in_rent": (heat == 0) & (rng.random(n) < 0.7),
        "electricity_in_rent": rng.random(n) < 0.05, "heating_paid_separately": heat == 1,
        "water_paid_separately": rng.random(n) < 0.3, "drainage_paid_separately": rng.random(n) < 0.3,
        "maintenance_duty": rng.integers(0, 3, n),
        "mobility_impaired": rng.random(n) < 0.03, "round_the_clock_help": rng.random(n) < 0.01,
        "disability_or_senior_pension": rng.random(n) < 0.1, "no_maximum_dwelling": rng.random(n) < 0.05,
        "first_computation": rng.random(n) < 0.5,
    }


def write_households_csv(path: Path, hh: dict[str, np.ndarray]) -> None:
    from boligstoette.rules.rates import BENEFITS

    tf = pa.array(["false", "true"])
    cols = []
    for name in INPUT_HEADER:
        v = hh[name]
        if name == "case_id":
            cols.append(pa.array(v.astype(object), type=pa.string()))
        elif name == "benefit":
            cols.append(pa.array(BENEFITS).take(pa.array(v)))
        elif name == "maintenance_duty":
            cols.append(pa.array(MAINTENANCE).take(pa.array(v)))
        elif name in ("rent_monthly", "household_income", "wealth", "area_m2"):
            cols.append(money_strings(v))
        elif v.dtype == bool:
            cols.append(tf.take(pa.array(v.astype(np.int64))))
        else:
            cols.append(int_strings(v))
    with open(path, "wb") as fh:
        for chunk in csv_chunks(INPUT_HEADER, cols):
            fh.write(chunk)


def best_of(fn, repeat: int = 3) -> float:
    times = []
    for _ in range(repeat):
        t0 = time.perf_counter()
        fn()
        times.append(time.perf_counter() - t0)
    return min(times)


def time_cli(inp: Path, out: Path, runs: int) -> tuple[list[float], float] | None:
    """(b) + (c): the CLI as a subprocess, ``runs`` times; returns (seconds per run, peak RSS in MiB).

    The only children of this process are these runs, so getrusage(RUSAGE_CHILDREN).ru_maxrss is
    the CLI's peak resident memory. None (after printing its stderr) if a run fails.
    """
    env = dict(os.environ, PYTHONPATH=str(REPO) + os.pathsep + os.environ.get("PYTHONPATH", ""))
    times = []
    for _ in range(runs):
        t0 = time.perf_counter()
        proc = subprocess.run([sys.executable, "-m", "boligstoette.cli", "calc", str(inp), str(out)],
                              env=env, capture_output=True, text=True)
        times.append(time.perf_counter() - t0)
        if proc.returncode != 0:
            print(proc.stderr, file=sys.stderr)
            return None
    return times, resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024  # KiB on Linux


def time_in_process(inp: Path) -> dict[str, float]:
    """Read, parse, (a) compute (first run and best of 3) and (d) explain 1,000 households, in process."""
    import pandas as pd

    t: dict[str, float] = {}
    t0 = time.perf_counter()
    csv_in = read_calc_csv(inp)
    t["read"] = time.perf_counter() - t0
    t0 = time.perf_counter()
    h = parse_columns(csv_in.columns, csv_in.n_rows)
    t["parse"] = time.perf_counter() - t0
    t0 = time.perf_counter()
    compute(h)
    t["compute_cold"] = time.perf_counter() - t0
    t["compute"] = best_of(lambda: compute(h))
    sample = pd.read_csv(inp, sep=";", dtype=str, nrows=1000, keep_default_na=False)
    t["explain"] = best_of(lambda: [render_trail(trail) for trail in explain_rows(sample)], repeat=3)
    return t


def print_report(args, work: Path, size_mb: float, t_gen: float, cli_times: list[float], peak_mib: float,
                 out_rows: int, t: dict[str, float]) -> bool:
    """The table of measures and targets; True if every target is met."""
    rows = [
        ("generate CSV", f"{args.rows:,} rows, {size_mb:.0f} MiB", t_gen, None),
        ("read CSV (Arrow, strings)", "", t["read"], None),
        ("parse + validate (exact, vectorised)", "", t["parse"], None),
        ("(a) computation alone, first run", "all rules, all rows", t["compute_cold"], 1.0),
        ("(a) computation alone, best of 3", "all rules, all rows", t["compute"], 1.0),
        ("(b) CLI read+compute+write, worst", f"{len(cli_times)} runs: " + ", ".join(f"{s:.2f}" for s in cli_times),
         max(cli_times), 10.0),
        ("(d) explanation trail (+ text)", "1,000 households", t["explain"], None),
    ]
    print(f"\nbench_calc: {args.rows:,} households, seed {args.seed}, workdir {work}")
    print(f"{'measure':<40} {'detail':<28} {'value':>12} {'target':>10}  ok")
    print(f"{'output rows':<40} {out_rows:>28,}")
    failed = False
    for name, detail, sec, target in rows:
        ok = "" if target is None else ("yes" if sec < target else "NO")
        failed |= ok == "NO"
        tgt = "" if target is None else f"< {target:g} s"
        print(f"{name:<40} {detail:<28} {sec:>10.3f} s {tgt:>10}  {ok}")
    ok = peak_mib < 2048
    failed |= not ok
    print(f"{'(c) CLI peak memory (RSS)':<40} {'getrusage(RUSAGE_CHILDREN)':<28} {peak_mib:>8.0f} MiB "
          f"{'< 2048 MiB':>10}  {'yes' if ok else 'NO'}")
    return not failed


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--rows", type=int, default=1_000_000)
    ap.add_argument("--seed", type=int, default=20250101)
    ap.add_argument("--workdir", type=Path, default=None)
    ap.add_argument("--cli-runs", type=int, default=3)
    args = ap.parse_args(argv)

    work = args.workdir or Path(tempfile.mkdtemp(prefix="bench_calc_"))
    work.mkdir(parents=True, exist_ok=True)
    inp, out = work / "households.csv", work / "result.csv"

    t0 = time.perf_counter()
    write_households_csv(inp, random_households(args.rows, args.seed))
    t_gen = time.perf_counter() - t0
    size_mb = inp.stat().st_size / 2**20

    cli = time_cli(inp, out, args.cli_runs)
    if cli is None:
        return 1
    cli_times, peak_mib = cli
    with open(out, "rb") as fh:
        out_rows = sum(1 for _ in fh) - 1
    passed = print_report(args, work, size_mb, t_gen, cli_times, peak_mib, out_rows, time_in_process(inp))
    if args.workdir is None:
        for p in (inp, out):
            p.unlink(missing_ok=True)
        work.rmdir()
    return 0 if passed else 1


if __name__ == "__main__":
    sys.exit(main())
