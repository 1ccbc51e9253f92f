"""National-scale sample generation and one month's ingestion: wall time and peak memory.

    .venv/bin/python benchmarks/national_ingestion.py [--workdir var/bench] [--month 2026-12]

Each step runs as its own process (the real CLI), measured with /usr/bin/time; the warehouse is the
embedded default unless BOLIGSTOETTE_WAREHOUSE_URL is set.
"""

import argparse
import os
import re
import shutil
import subprocess
import sys
from pathlib import Path


def measured(label: str, argv: list[str], env: dict) -> tuple[float, float]:
    proc = subprocess.run(["/usr/bin/time", "-v", *argv], capture_output=True, text=True, env=env)
    if proc.returncode != 0:
        sys.exit(f"{label} failed:\n{proc.stdout[-3000:]}\n{proc.stderr[-3000:]}")
    wall = re.search(r"Elapsed \(wall clock\) time \(h:mm:ss or m:ss\): (\S+)", proc.stderr).group(1)
    seconds = sum(float(x) * 60**i for i, x in enumerate(reversed(wall.split(":"))))
    peak_mib = int(re.search(r"Maximum resident set size \(kbytes\): (\d+)", proc.stderr).group(1)) / 1024
    print(f"{label:<28} {seconds:8.1f} s {peak_mib:10.0f} MiB")
    return seconds, peak_mib


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--workdir", type=Path, default=Path("var/bench"))
    parser.add_argument("--month", default="2026-12")
    parser.add_argument("--seed", default="1")
    args = parser.parse_args()
    work = args.workdir.absolute()
    shutil.rmtree(work, ignore_errors=True)
    work.mkdir(parents=True)
    exe = str(Path(sys.executable).with_name("boligstoette"))
    env = {**os.environ, "DAGSTER_HOME": str(work / "dagster_home")}
    print(f"{'step':<28} {'wall':>10} {'peak RSS':>14}")
    measured("synth --scale national", [exe, "synth", "--out", str(work / "landing"), "--scale", "national",
                                        "--seed", args.seed, "--month", args.month], env)
    size = sum(p.stat().st_size for p in (work / "landing").rglob("*") if p.is_file()) / 2**20
    print(f"{'landing folder size':<28} {size:8.0f} MiB")
    measured(f"run --month {args.month}", [exe, "run", "--landing", str(work / "landing"), "--out", str(work / "out"),
                                           "--month", args.month], env)


if __name__ == "__main__":
    main()
