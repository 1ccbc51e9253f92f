"""The monthly lookback at national scale: every period of a national month recomputed from its final
eIndkomst, with the asset's wall time and the process's peak memory.

    .venv/bin/python -m benchmarks.national_lookback [--workdir var/bench] [--reuse]

1. A national sample for benefit month 2026-12 and `boligstoette run --month 2026-12` (skipped with
   --reuse when the work folder holds one): about 300,000 cases decided and paid.
2. Income month 2026-12 arrives (`eindkomst_202612.csv`): the latest month's rows again, with holiday
   allowance for one person in twenty and the wage of one in ten changed by up to a fifth (seeded),
   so every lookback decision occurs. It is dated 18 December, before the cut-off of benefit month
   2027-01, the last partition there is on 1 December 2026 (in operation it arrives on 10 January and
   the lookback of 2027-02 examines it; the work is the same).
3. The lookback of 2027-01 is materialised alone with the deliveries it reads (eindkomst,
   tax_assessments, household_members), in its own process measured with /usr/bin/time.
"""

import argparse
import os
import subprocess
import sys
from pathlib import Path

import numpy as np
import pandas as pd

from benchmarks.national_month import measured

MONTH, LOOKBACK_MONTH, INCOME_MONTH = "2026-12", "2027-01", "2026-12"

MATERIALISE = """
import sys
import dagster as dg
from orchestration.definitions import ALL_ASSETS
from orchestration.resources import AgencyDatabase, LandingFolder, OutputFolder
from orchestration.warehouse import WarehouseIOManager
landing, out, url, month = sys.argv[1:5]
result = dg.materialize(ALL_ASSETS, partition_key=month,
    selection=["eindkomst", "tax_assessments", "household_members", "lookback_corrections"],
    resources={"landing": LandingFolder(root=landing), "io_manager": WarehouseIOManager(url=url),
               "database": AgencyDatabase(url=url), "output": OutputFolder(root=out)})
for event in result.all_events:
    if event.event_type_value == "STEP_SUCCESS":
        print(f"step {event.step_key} {event.event_specific_data.duration_ms / 1000:.1f}")
meta = result.asset_materializations_for_node("lookback_corrections")[0].metadata
for key in ("periods_examined", "by_decision", "supplements_kr", "deductions_announced_kr"):
    print(f"meta {key} {meta[key].value}")
"""


def arrive(landing: Path, seed: int = 11) -> Path:
    """Income month 2026-12, from the latest month delivered, with one-offs and changed wages."""
    income = landing / "income"
    latest = sorted(income.glob("eindkomst_2026??.csv"))[-1]
    rows = pd.read_csv(latest, sep=";", dtype=str, keep_default_na=False)
    rng = np.random.default_rng(seed)
    amounts = rows["amount"].astype(float)
    changed = rng.random(len(rows)) < 0.10
    amounts[changed] *= rng.uniform(0.8, 1.2, changed.sum())
    rows = rows.assign(month=INCOME_MONTH, amount=[f"{a:.2f}" for a in amounts],
                       reported_at="2026-12-18T10:00:00+01:00")
    people = rows.drop_duplicates("cpr")
    holiday = people[rng.random(len(people)) < 0.05].assign(income_type="ferietillaeg", amount="6000.00")
    target = income / "eindkomst_202612.csv"
    pd.concat([rows, holiday], ignore_index=True).to_csv(target, sep=";", index=False, lineterminator="\n")
    return target


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--workdir", type=Path, default=Path("var/bench"))
    parser.add_argument("--reuse", action="store_true", help="reuse the national month 2026-12 in the work folder")
    args = parser.parse_args()
    work = args.workdir.absolute()
    env = {**os.environ, "DAGSTER_HOME": str(work / "dagster_home")}
    if not (args.reuse and (work / "out" / "warehouse.sqlite").exists()):
        subprocess.run([sys.executable, str(Path(__file__).with_name("national_month.py")), "--workdir", str(work),
                        "--month", MONTH], check=True)
    (work / "landing" / "income" / "eindkomst_202612.csv").unlink(missing_ok=True)
    print(f"arrived: {arrive(work / 'landing').name}")
    url = f"sqlite:///{work / 'out' / 'warehouse.sqlite'}"
    log = measured(f"lookback of {LOOKBACK_MONTH} (+ its inputs)",
                   [sys.executable, "-c", MATERIALISE, str(work / "landing"), str(work / "out"), url, LOOKBACK_MONTH],
                   env)
    print("\n".join("  " + line for line in log.splitlines() if line.startswith(("step ", "meta "))))


if __name__ == "__main__":
    main()
