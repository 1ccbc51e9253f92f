"""A national-scale month end to end: sample generation, then every asset of the month through
`boligstoette run` (ingestion, quality, matching, allowances, payouts), with wall time and peak
memory, the time of each step, and a scan of every output and log for full CPR numbers.

    .venv/bin/python benchmarks/national_month.py [--workdir var/bench] [--month 2026-12] [--inject-all 0.005]

Each command runs as its own process, measured with /usr/bin/time; the asset storage is the
embedded default unless BOLIGSTOETTE_WAREHOUSE_URL is set.
"""

import argparse
import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

from boligstoette.privacy import FULL_CPR, cpr_leaks


def measured(label: str, argv: list[str], env: dict) -> str:
    proc = subprocess.run(["/usr/bin/time", "-v", *argv], capture_output=True, text=True, env=env)
    if proc.returncode != 0:
        sys.exit(f"{label} failed:\n{proc.stdout[-3000:]}\n{proc.stderr[-3000:]}")
    wall = re.search(r"Elapsed \(wall clock\) time \(h:mm:ss or m:ss\): (\S+)", proc.stderr).group(1)
    seconds = sum(float(x) * 60**i for i, x in enumerate(reversed(wall.split(":"))))
    peak_mib = int(re.search(r"Maximum resident set size \(kbytes\): (\d+)", proc.stderr).group(1)) / 1024
    print(f"{label:<34} {seconds:8.1f} s {peak_mib:10.0f} MiB")
    return proc.stdout + proc.stderr


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--workdir", type=Path, default=Path("var/bench"))
    parser.add_argument("--month", default="2026-12")
    parser.add_argument("--seed", default="1")
    parser.add_argument("--inject-all", default=None)
    args = parser.parse_args()
    work = args.workdir.absolute()
    shutil.rmtree(work, ignore_errors=True)
    work.mkdir(parents=True)
    exe = str(Path(sys.executable).with_name("boligstoette"))
    env = {**os.environ, "DAGSTER_HOME": str(work / "dagster_home")}
    print(f"{'step':<34} {'wall':>10} {'peak RSS':>14}")
    inject = ["--inject-all", args.inject_all] if args.inject_all else []
    measured("synth --scale national", [exe, "synth", "--out", str(work / "landing"), "--scale", "national",
                                        "--seed", args.seed, "--month", args.month, *inject], env)
    size = sum(p.stat().st_size for p in (work / "landing").rglob("*") if p.is_file()) / 2**20
    print(f"{'landing folder size':<34} {size:8.0f} MiB")
    out = work / "out"
    log = measured(f"run --month {args.month} (every asset)",
                   [exe, "run", "--landing", str(work / "landing"), "--out", str(out), "--month", args.month], env)
    steps = {name: float(seconds) for name, seconds in
             re.findall(r"^(\w+) +(?:succeeded|failed|skipped) +[\d,]* +(\d+\.\d)$", log, re.MULTILINE)}
    for step, seconds in sorted(steps.items(), key=lambda kv: -kv[1]):
        print(f"  {step:<32} {seconds:8.1f} s")
    both = steps.get("provisional_allowances", 0) + steps.get("payouts", 0)
    print(f"  {'provisional_allowances + payouts':<32} {both:8.1f} s")
    print("\n".join(line for line in log.splitlines() if line.startswith("  ") and ":" in line))
    roots = [out / "payouts", out / "holds", out / "register_errors", out / "data_docs", out / "logs",
             work / "dagster_home"]
    leaks = cpr_leaks(roots, allowed={out / "payouts" / args.month / "individuals.csv"})
    log_leaks = len(FULL_CPR.findall(log.encode()))
    files = sum(1 for root in roots for p in root.rglob("*") if p.is_file())
    print(f"CPR scan: {files} files and the run's log; full CPR numbers found: {sum(leaks.values()) + log_leaks}"
          + (f" in {leaks}" if leaks else ""))


if __name__ == "__main__":
    main()
