"""The annual settlement at national scale: benefit year 2026 settled for every case of a national
sample over twelve months, with the asset's wall time and the process's peak memory, then a rerun.

    .venv/bin/python -m benchmarks.national_settlement [--workdir var/bench] [--reuse]

1. A national month 2026-12 as benchmarks/national_lookback.py makes it (benchmarks/national_month.py:
   sample generation and `boligstoette run --month 2026-12`, about 300,000 cases decided and paid),
   skipped with --reuse when the work folder holds one.
2. The rest of the year WITHOUT eleven more national runs (they would take an hour), written straight
   into the asset storage with the Warehouse, as only the settlement reads it (a shortcut): month
   2026-12's `provisional_allowances` and `household_members` partitions are copied to 2026-01 .. 2026-11
   (the calc rows as stored, with `period` the new month and `day`, the reference day, the same day of
   the new month, clipped to its end; the members as below), and the ledger entries of the run of 2026-12 for period
   2026-12 are booked again (AgencyDatabase.book, under the ledger lock) with run_month and period each
   month and their entry ids (`key/period/kind/n`) rewritten with it. So every case is decided and paid
   in every month of 2026 as it was in December, a case that started later in the year too. The
   household_members copies hold December's household, in force from 1 January (the members in force
   on 1 December, member_from moved back to the year's start where later): the household the copied
   calc rows counted. With the members' real dates a household that moved in during 2026 had no adult
   in its earlier copied periods, which the settlement then leaves out of the final amount (a claim
   back of those months' benefit, about 26,000 cases): an artefact of the copy, not of the asset.
   A month already in the ledger is not booked again (--reuse).
3. The tax assessments of 2026 arrive: landing/income/aarsopgoerelse_2026.csv for every member of the
   household_members partition who is 18 during 2026: personal_income 12 x the person's latest
   eIndkomst month's total (the latest eindkomst file of 2026), for a third unchanged, a third 5 % and
   a third 30 % up or down (seeded), so every decision occurs; other_income from the forskud of 2026
   (0 without one); wealth 0; assessed 10 March 2027; one person in 200 appealed.
   pension_settlement_2026.csv for nine in ten of those with a pension, so the others' cases wait.
4. `annual_settlements` for benefit year 2026 materialised alone, in its own process measured with
   /usr/bin/time (wall time, max RSS): its steps, metadata and rows of out/settlements/2026.csv. Then
   again, a rerun: it must book nothing and write the same bytes (sha256 compared).

With --reuse on a work folder where this benchmark already settled 2026, the first materialisation
is itself a rerun (the ledger is append-only: the settlement entries stay); it says so.
"""

import argparse
import hashlib
import os
import re
import subprocess
import sys
from pathlib import Path

import numpy as np
import pandas as pd

from benchmarks.national_lookback import MONTH
from benchmarks.national_month import measured
from boligstoette.landing import Landing
from boligstoette.months import add_months
from boligstoette.payouts import SETTLEMENT_KINDS, empty_ledger
from orchestration.resources import AgencyDatabase
from orchestration.warehouse import Warehouse

YEAR = MONTH[:4]
EARLIER = [add_months(f"{YEAR}-01", k) for k in range(11)]  # 2026-01 .. 2026-11
ASSESSED_AT, SETTLED_AT = f"{int(YEAR) + 1}-03-10T08:00:00+01:00", f"{int(YEAR) + 1}-04-15T08:00:00+02:00"
COPIED = ("provisional_allowances", "household_members")

MATERIALISE = """
import sys
import dagster as dg
from assets.year import annual_settlements
from orchestration.resources import AgencyDatabase, LandingFolder, OutputFolder
from orchestration.warehouse import WarehouseIOManager
landing, out, url, year = sys.argv[1:5]
result = dg.materialize([annual_settlements], partition_key=year,
    resources={"landing": LandingFolder(root=landing), "io_manager": WarehouseIOManager(url=url),
               "database": AgencyDatabase(url=url), "output": OutputFolder(root=out)})
for event in result.all_events:
    if event.event_type_value == "STEP_SUCCESS":
        print(f"step {event.step_key} {event.event_specific_data.duration_ms / 1000:.1f}")
meta = result.asset_materializations_for_node("annual_settlements")[0].metadata
for key in ("cases", "by_decision", "difference_kr_by_decision", "reopened", "entries_booked_now"):
    print(f"meta {key} {meta[key].value}")
"""


def national_month(work: Path, reuse: bool) -> None:
    """Benefit month 2026-12 at national scale, as national_lookback makes it (kept with --reuse)."""
    if reuse and (work / "out" / "warehouse.sqlite").exists():
        print(f"reusing the national month in {work}")
        return
    subprocess.run([sys.executable, str(Path(__file__).with_name("national_month.py")), "--workdir", str(work),
                    "--month", MONTH], check=True)


# --- the rest of the year -------------------------------------------------------------------------


def in_month(frame: pd.DataFrame, month: str) -> pd.DataFrame:
    """December's stored calc rows as month `month`'s: `period` and the reference day `day` moved."""
    out = frame.assign(period=month) if "period" in frame else frame
    if "day" in frame:
        day = pd.to_datetime(frame["day"])
        first = pd.Timestamp(f"{month}-01")
        moved = first + pd.to_timedelta(np.minimum(day.dt.day.to_numpy(), first.days_in_month) - 1, unit="D")
        out = out.assign(day=pd.Series(moved, index=frame.index).astype(frame["day"].dtype))
    return out


def all_year(members: pd.DataFrame) -> pd.DataFrame:
    """December's household (the members in force on 1 December) in force from 1 January: the household
    the copied calc rows counted, so no copied period loses an adult who joined later in the year."""
    first, start = pd.Timestamp(f"{MONTH}-01"), pd.Timestamp(f"{YEAR}-01-01")
    in_force = (members["member_from"] <= first) & (members["member_to"].isna() | (members["member_to"] >= first))
    kept = members[in_force]
    return kept.assign(member_from=kept["member_from"].where(kept["member_from"] <= start, start))


def copy_partitions(warehouse: Warehouse) -> None:
    for table in COPIED:
        december = warehouse.read_partitions(table, [MONTH])
        copy = all_year(december) if table == "household_members" else december
        for month in EARLIER:
            warehouse.replace_partition(table, month, in_month(copy, month) if table == COPIED[0] else copy)
        print(f"copied {table} {MONTH} ({len(copy):,} of its {len(december):,} rows) to {EARLIER[0]} .. {EARLIER[-1]}")


def ledger_copies(ledger: pd.DataFrame) -> pd.DataFrame:
    """The entries of the run of 2026-12 for its own period, again for each earlier month not in the ledger."""
    december = ledger[(ledger["run_month"] == MONTH) & (ledger["period"] == MONTH)]
    parts = december["entry_id"].str.rsplit("/", n=3, expand=True)
    key, kind, n = parts[0], parts[2], parts[3]
    have = set(ledger["run_month"])
    copies = [december.assign(entry_id=key + f"/{month}/" + kind + "/" + n, run_month=month, period=month)
              for month in EARLIER if month not in have]
    return pd.concat(copies, ignore_index=True) if copies else empty_ledger()


def copy_ledger(database: AgencyDatabase) -> pd.DataFrame:
    """Books the copies; returns the ledger as it now is."""
    stored, booked = database.book(ledger_copies)
    print(f"booked {len(booked):,} ledger entries: run {MONTH}'s, again for "
          f"{booked['run_month'].nunique()} earlier months ({len(stored):,} entries were in the ledger)")
    return pd.concat([stored, booked], ignore_index=True)


def decided_periods(ledger: pd.DataFrame) -> int:
    decided = ledger[ledger["kind"].isin(("payment", "nil")) & ledger["period"].str.startswith(YEAR)]
    return len(decided.assign(key=decided["entry_id"].str.rsplit("/", n=3).str[0]).drop_duplicates(["key", "period"]))


# --- the tax assessments of the year --------------------------------------------------------------


def latest_month_totals(income: Path) -> pd.Series:
    """cpr -> the person's total of the latest eIndkomst month delivered in the year."""
    latest = sorted(income.glob(f"eindkomst_{YEAR}*.csv"))[-1]
    rows = pd.read_csv(latest, sep=";", dtype=str, keep_default_na=False)
    rows = rows[rows["month"] == rows.groupby("cpr")["month"].transform("max")]
    return rows.assign(amount=rows["amount"].astype(float)).groupby("cpr")["amount"].sum()


def adults_of_year(members: pd.DataFrame) -> pd.DataFrame:
    """Members who are 18 at some point of the year, once per person."""
    adult = pd.to_datetime(members["birth_date"]) <= pd.Timestamp(f"{int(YEAR) - 18}-12-31")
    return members.loc[adult, ["cpr", "pension"]].drop_duplicates("cpr").sort_values("cpr").reset_index(drop=True)


def assessments(adults: pd.DataFrame, totals: pd.Series, forskud: pd.DataFrame, seed: int) -> pd.DataFrame:
    rng = np.random.default_rng(seed)
    n = len(adults)
    change = np.array([0.0, 0.05, 0.30])[rng.integers(0, 3, n)] * rng.choice([-1.0, 1.0], n)
    annual = 12 * adults["cpr"].map(totals).fillna(0.0).to_numpy() * (1 + change)
    other = adults["cpr"].map(forskud.set_index("cpr")["other_income_ore"]).fillna(0).astype("int64") / 100
    return pd.DataFrame({
        "cpr": adults["cpr"], "year": YEAR, "other_income": [f"{x:.2f}" for x in other], "wealth": "0.00",
        "assessed_at": ASSESSED_AT, "personal_income": [f"{x:.2f}" for x in annual],
        "appealed": np.where(rng.random(n) < 1 / 200, "true", "false")})


def arrive(landing: Path, members: pd.DataFrame, seed: int = 26) -> tuple[int, int, int]:
    """The year's aarsopgoerelse and pension settlements; (assessed, appealed, pension settled)."""
    income = landing / "income"
    for old in [*income.glob(f"aarsopgoerelse_{YEAR}*.csv"), *income.glob(f"pension_settlement_{YEAR}*.csv")]:
        old.unlink()
    tax = Landing(landing).read_tax_assessments(MONTH)
    forskud = tax[(tax["kind"] == "forskud") & (tax["year"] == int(YEAR))].sort_values("assessed_at")
    adults = adults_of_year(members)
    assessed = assessments(adults, latest_month_totals(income), forskud.drop_duplicates("cpr", keep="last"), seed)
    assessed.to_csv(income / f"aarsopgoerelse_{YEAR}.csv", sep=";", index=False, lineterminator="\n")
    pensioners = adults[adults["pension"] != "ingen"]
    settled = pensioners[np.random.default_rng(seed + 1).random(len(pensioners)) < 0.9]
    settled.assign(year=YEAR, settled_at=SETTLED_AT)[["cpr", "year", "pension", "settled_at"]].to_csv(
        income / f"pension_settlement_{YEAR}.csv", sep=";", index=False, lineterminator="\n")
    return len(assessed), int((assessed["appealed"] == "true").sum()), len(settled)


# --- the settlement -------------------------------------------------------------------------------


def settle(label: str, work: Path, url: str, env: dict) -> tuple[str, str]:
    """One measured materialisation; (its log lines, sha256 of out/settlements/YYYY.csv)."""
    log = measured(label, [sys.executable, "-c", MATERIALISE, str(work / "landing"), str(work / "out"), url, YEAR],
                   env)
    seconds = re.search(r"Elapsed \(wall clock\) time \(h:mm:ss or m:ss\): (\S+)", log).group(1)
    peak_gib = int(re.search(r"Maximum resident set size \(kbytes\): (\d+)", log).group(1)) / 2**20
    print("\n".join("  " + line for line in log.splitlines() if re.match(r"(step|meta) \w+ ", line)))
    written = (work / "out" / "settlements" / f"{YEAR}.csv").read_bytes()
    rows = written.count(b"\n") - 1
    print(f"  out/settlements/{YEAR}.csv: {rows:,} rows; wall {seconds}, peak {peak_gib:.2f} GiB")
    return log, hashlib.sha256(written).hexdigest()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--workdir", type=Path, default=Path("var/bench"))
    parser.add_argument("--reuse", action="store_true", help="reuse the national month 2026-12 in the work folder")
    args = parser.parse_args()
    work = args.workdir.absolute()
    env = {**os.environ, "DAGSTER_HOME": str(work / "dagster_home")}
    national_month(work, args.reuse)
    url = f"sqlite:///{work / 'out' / 'warehouse.sqlite'}"
    warehouse, database = Warehouse(url), AgencyDatabase(url=url)
    copy_partitions(warehouse)
    ledger = copy_ledger(database)
    print(f"periods of {YEAR} decided: {decided_periods(ledger):,}")
    if (ledger["kind"].isin(SETTLEMENT_KINDS) & (ledger["period"] == YEAR)).any():
        print(f"the ledger already holds settlements of {YEAR} (an earlier run of this benchmark): "
              "the first materialisation below is a rerun too")
    assessed, appealed, settled = arrive(work / "landing", warehouse.read_partitions("household_members", [MONTH]))
    print(f"arrived: aarsopgoerelse_{YEAR}.csv ({assessed:,} persons, {appealed:,} appealed), "
          f"pension_settlement_{YEAR}.csv ({settled:,} persons)")
    _, first = settle(f"annual settlement {YEAR}", work, url, env)
    log, again = settle(f"annual settlement {YEAR} (rerun)", work, url, env)
    booked = re.search(r"^meta entries_booked_now (\d+)$", log, re.MULTILINE).group(1)
    print(f"rerun: {booked} entries booked, same bytes: {first == again} (sha256 {again[:16]}…)")


if __name__ == "__main__":
    main()
