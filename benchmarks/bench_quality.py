"""Register data quality on a national-scale sample: recall per injected error kind, clean leases and
cases held, run time (pandas derivation and GX validation separately) and peak memory.

    python benchmarks/bench_quality.py [--landing DIR] [--month 2026-12] [--json FILE] [--docs DIR]

DIR defaults to /tmp/bench_quality_national; when it holds no sample yet, one is generated with
`boligstoette synth --scale national --seed 1 --inject-all 0.005` (about a minute, 1.5 GB).

Ground truth: _truth/injected_errors.csv. An injected error counts as *caught* when a finding names
its lease (for org_rows_missing: an organisation finding names its organisation), and *held* when
such a finding holds the lease (or the organisation / the month). A lease is *clean* when no error
was injected on it: not in the truth, not the existing lease a duplicate was added to, not in a
missing organisation. Cases come from _truth/case_truth.csv.

Notifications are those Landing.read_change_notifications gives the month;
the figures with the landing reader's window (starting after the previous snapshot's day) are
reported as well, to show what the one-day gap costs.
"""

from __future__ import annotations

import argparse
import importlib
import json
import os
import resource
import subprocess
import sys
import threading
import time
from contextlib import contextmanager
from pathlib import Path

import numpy as np
import pandas as pd

from boligstoette.landing import Landing
from boligstoette.quality import (
    CHECKS,
    assess_register,
    first_benefit_month,
    organisation_error_list,
)

REPO = Path(__file__).resolve().parents[1]

DEFAULT_LANDING = Path("/tmp/bench_quality_national")


# --- measuring -------------------------------------------------------------------------------


def rss_mb() -> float:
    with open("/proc/self/status", encoding="ascii") as f:
        for line in f:
            if line.startswith("VmRSS:"):
                return int(line.split()[1]) / 1024
    return float("nan")


@contextmanager
def measured(label: str, table: dict):
    """Wall time and peak RSS (sampled every 5 ms) of a block."""
    peak = [rss_mb()]
    start_rss = peak[0]
    stop = threading.Event()

    def sample():
        while not stop.is_set():
            peak[0] = max(peak[0], rss_mb())
            time.sleep(0.005)

    thread = threading.Thread(target=sample, daemon=True)
    thread.start()
    t0 = time.perf_counter()
    try:
        yield
    finally:
        seconds = time.perf_counter() - t0
        stop.set()
        thread.join()
        peak[0] = max(peak[0], rss_mb())
        table[label] = {"seconds": round(seconds, 2), "rss_start_mb": round(start_rss), "rss_peak_mb": round(peak[0]),
                        "rss_added_mb": round(peak[0] - start_rss)}
        print(f"  {label}: {seconds:.2f} s, peak RSS {peak[0]:.0f} MB (+{peak[0] - start_rss:.0f} MB)", flush=True)


# --- the sample --------------------------------------------------------------------------------


def ensure_sample(landing: Path, month: str) -> None:
    if (landing / "_truth" / "injected_errors.csv").is_file():
        return
    exe = Path(sys.executable).with_name("boligstoette")
    print(f"generating the national sample into {landing} (about a minute) ...", flush=True)
    subprocess.run([str(exe), "synth", "--out", str(landing), "--scale", "national", "--seed", "1", "--month", month,
                    "--inject-all", "0.005"], check=True)


# --- evaluation --------------------------------------------------------------------------------


def recall_table(findings: pd.DataFrame, truth: pd.DataFrame) -> pd.DataFrame:
    rows = []
    holding = findings["holds"] != "none"
    for kind, group in truth.groupby("kind", sort=False):
        if kind == "pre_2014_correction":
            continue
        if kind == "org_rows_missing":
            hit = findings[findings["org_id"].isin(group["org_id"]) & (findings["scope"] == "organisation")]
            key, keys = "org_id", set(group["org_id"])
        else:
            hit = findings[findings["lease_id"].isin(group["lease_id"])]
            key, keys = "lease_id", set(group["lease_id"])
        caught = set(hit[key])
        held = set(hit.loc[holding.loc[hit.index], key])
        by_code = hit.groupby("code")[key].nunique().sort_values(ascending=False)
        rows.append({
            "kind": kind,
            "injected": len(keys),
            "caught": len(caught & keys),
            "recall": len(caught & keys) / len(keys),
            "held": len(held & keys),
            "caught by": ", ".join(f"{c} {n}" for c, n in by_code.items()),
        })
    return pd.DataFrame(rows)


def affected_leases(truth: pd.DataFrame) -> set[str]:
    affected = set(truth["lease_id"]) - {""}
    dup = truth.loc[truth["kind"] == "duplicate_active_lease", "detail"].str.extract(r"(LM\d{8})")[0]
    return affected | set(dup.dropna())


def clean_held(result, current: pd.DataFrame, truth: pd.DataFrame, cases: pd.DataFrame) -> dict:
    f = result.findings
    affected = affected_leases(truth)
    pre_2014 = set(truth.loc[truth["kind"] == "pre_2014_correction", "lease_id"])
    affected -= pre_2014  # a correction before 2014 is not an error: those leases count as clean
    missing_orgs = set(truth.loc[truth["kind"] == "org_rows_missing", "org_id"])
    leases = current[["lease_id", "org_id", "lease_end"]].drop_duplicates("lease_id")
    clean = leases[~leases["lease_id"].isin(affected) & ~leases["org_id"].isin(missing_orgs)]
    lease_holds = f[f["holds"] == "lease"]
    held_orgs = set(result.held_organisations())
    month = result.month_held
    held_mask = clean["lease_id"].isin(lease_holds["lease_id"]) | clean["org_id"].isin(held_orgs) | month
    held = clean[held_mask.to_numpy()]
    codes = (lease_holds[lease_holds["lease_id"].isin(held["lease_id"])].groupby("code")["lease_id"].nunique()
             .sort_values(ascending=False))

    # cases: clean when neither the case nor its lease was touched by an injection
    bad_cases = set(truth["case_id"]) - {""}
    case_rows = cases[~cases["case_id"].isin(bad_cases) & cases["lease_id"].isin(clean["lease_id"])]
    held_cases = case_rows[case_rows["lease_id"].isin(held["lease_id"])]
    # a hold delays money only where the correct payout is not nil anyway: the lease does not end before
    # the first half of the coming benefit month (RULES § 12.7)
    first = first_benefit_month(result.snapshot_date, result.thresholds)
    stop = np.datetime64(first.replace(day=result.thresholds.liable_half_month_day), "us")
    ends = held_cases.merge(leases[["lease_id", "lease_end"]], on="lease_id", how="left")["lease_end"].to_numpy(
        dtype="datetime64[us]")
    delayed = int((np.isnat(ends) | (ends >= stop)).sum())
    return {
        "clean_leases": len(clean),
        "clean_leases_held": len(held),
        "clean_lease_share": len(held) / len(clean),
        "clean_held_by_code": {str(k): int(v) for k, v in codes.items()},
        "clean_cases": len(case_rows),
        "clean_cases_held": len(held_cases),
        "clean_case_share": len(held_cases) / len(case_rows) if len(case_rows) else 0.0,
        "clean_cases_payout_delayed": delayed,
        "clean_case_delayed_share": delayed / len(case_rows) if len(case_rows) else 0.0,
    }


def markdown(frame: pd.DataFrame) -> str:
    cols = list(frame.columns)
    lines = ["| " + " | ".join(cols) + " |", "|" + "---|" * len(cols)]
    for _, row in frame.iterrows():
        cells = []
        for c in cols:
            v = row[c]
            cells.append(f"{v:.1%}" if c in ("recall", "share") else (f"{v:g}" if isinstance(v, float) else str(v)))
        lines.append("| " + " | ".join(cells) + " |")
    return "\n".join(lines)


# --- main --------------------------------------------------------------------------------------


def parse_args(argv) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--landing", type=Path, default=DEFAULT_LANDING)
    parser.add_argument("--month", default="2026-12")
    parser.add_argument("--json", type=Path, help="write the figures as JSON")
    parser.add_argument("--docs", type=Path, help="Data Docs site directory (default: a folder next to --landing)")
    return parser.parse_args(argv)


def read_inputs(landing_dir: Path, month: str, timing: dict):
    """current, previous, bbr, notifications, and the landing reader's notifications (read twice on purpose:
    the comparison run gets its own frame)."""
    landing = Landing(landing_dir)
    with measured("read deliveries (landing reader, not part of the checks)", timing):
        current, _ = landing.read_register_snapshot(month)
        previous, _ = landing.read_previous_register_snapshot(month)
        bbr, _ = landing.read_bbr_units(month)
        notes = landing.read_change_notifications(month)
        reader_notes = landing.read_change_notifications(month)
    return current, previous, bbr, notes, reader_notes


def validate_with_gx(result, timing: dict) -> dict:
    """The GX outcomes per scope; timed cold (context creation included) and warm."""
    with measured("import great_expectations", timing):
        importlib.import_module("great_expectations")

        from expectations.gx_checks import validate_register_findings
    with measured("GX validation: 4 suites (first run, incl. context)", timing):
        outcomes = validate_register_findings(result)
    with measured("GX validation: 4 suites (warm)", timing):
        outcomes = validate_register_findings(result)
    return outcomes


def gx_disagreements(f: pd.DataFrame, outcomes: dict) -> list[str]:
    """The codes where GX's failing keys are not exactly the findings' keys."""
    from expectations.gx_checks import failing_keys

    disagreements = []
    for scope, outcome in outcomes.items():
        for code in {c for c, k in CHECKS.items() if k.scope == scope}:
            mine = f[f["code"] == code]
            gx = failing_keys(outcome, code)
            key = {"delivery": None, "organisation": "org_id"}.get(scope, "lease_id")
            same = len(mine) == len(gx) and (
                key is None or not len(gx) or sorted(mine[key]) == sorted(map(str, gx[key])))
            if not same:
                disagreements.append(code)
    return disagreements


def print_clean(clean: dict, reader_clean: dict) -> None:
    print("\n## Clean leases and cases held\n")
    print(f"clean leases held: {clean['clean_leases_held']:,} of {clean['clean_leases']:,} = "
          f"{clean['clean_lease_share']:.3%}"
          f"  by code: {clean['clean_held_by_code']}")
    print(f"clean cases held: {clean['clean_cases_held']:,} of {clean['clean_cases']:,} = "
          f"{clean['clean_case_share']:.3%};"
          f" of which the hold delays a payout that is due: {clean['clean_cases_payout_delayed']} "
          f"({clean['clean_case_delayed_share']:.3%})")
    print(f"clean leases with a case that is held: {clean['clean_cases_held']:,} = "
          f"{clean['clean_cases_held'] / clean['clean_leases']:.3%} of clean leases "
          "(a hold on a lease without a case holds nothing)")
    print(f"with the landing reader's notification window: clean leases held "
          f"{reader_clean['clean_leases_held']:,} "
          f"= {reader_clean['clean_lease_share']:.3%}, clean cases held {reader_clean['clean_cases_held']:,} "
          f"= {reader_clean['clean_case_share']:.3%}  by code: {reader_clean['clean_held_by_code']}")


def print_run_time(timing: dict) -> float:
    """The timing table and the process's peak RSS (returned, in MB)."""
    print("\n## Run time and memory\n")
    print(markdown(pd.DataFrame([{"step": k, **v} for k, v in timing.items()])))
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(f"\nprocess peak RSS (ru_maxrss): {peak:.0f} MB; python {sys.version.split()[0]}, pandas {pd.__version__}, "
          f"{os.cpu_count()} CPUs")
    return peak


def main(argv=None) -> int:
    args = parse_args(argv)
    ensure_sample(args.landing, args.month)
    timing: dict = {}
    print(f"national sample {args.landing}, benefit month {args.month}", flush=True)

    current, previous, bbr, notes, reader_notes = read_inputs(args.landing, args.month, timing)
    truth = pd.read_csv(args.landing / "_truth" / "injected_errors.csv", sep=";", dtype=str, keep_default_na=False)
    cases = pd.read_csv(args.landing / "_truth" / "case_truth.csv", sep=";", dtype=str, keep_default_na=False)
    print(f"  {len(current):,} leases, {len(previous):,} in the previous snapshot, {len(bbr):,} BBR units, "
          f"{len(notes):,} notifications ({len(reader_notes):,} in the landing reader's window)", flush=True)

    with measured("pandas derivation: assess_register", timing):
        result = assess_register(current, previous, bbr, notes)
    with measured("organisation_error_list", timing):
        listing = organisation_error_list(result)
    outcomes = validate_with_gx(result, timing)

    # GX agrees with the findings, code by code
    f = result.findings
    disagreements = gx_disagreements(f, outcomes)
    docs_dir = args.docs or args.landing.parent / (args.landing.name + "_data_docs")
    from expectations.gx_checks import build_data_docs  # imported (and timed) by validate_with_gx

    with measured("Data Docs site build (incl. CPR scan)", timing):
        index = build_data_docs(outcomes, docs_dir, run_name=args.month)

    recall = recall_table(f, truth)
    clean = clean_held(result, current, truth, cases)
    pre = truth.loc[truth["kind"] == "pre_2014_correction", "lease_id"]
    pre_recon = f[f["lease_id"].isin(pre) & (f["scope"] == "reconciliation")]

    with measured("pandas derivation with the landing reader's window (comparison)", timing):
        reader_result = assess_register(current, previous, bbr, reader_notes)
    reader_clean = clean_held(reader_result, current, truth, cases)

    counts = result.counts()
    print("\n## Recall per injected kind\n")
    print(markdown(recall))
    print(f"\npre-2014 corrections: {len(pre)}, with a reconciliation finding: {len(pre_recon)} "
          "(exempt by RULES § 12.2)")
    print_clean(clean, reader_clean)
    print(f"month held: {result.month_held}; organisations held: {result.held_organisations()}")
    print("\n## Findings per code\n")
    print(markdown(counts[counts["findings"] > 0]))
    print(f"\norganisation error list: {len(listing):,} rows for {listing['org_id'].nunique()} organisations")
    print(f"GX agrees with the findings for every code: {not disagreements} {disagreements or ''}")
    print(f"Data Docs: {index}")
    peak = print_run_time(timing)

    if args.json:
        args.json.write_text(json.dumps({
            "recall": recall.to_dict(orient="records"),
            "clean": clean,
            "clean_with_landing_reader_window": reader_clean,
            "pre_2014": {"corrections": len(pre), "reconciliation_findings": len(pre_recon)},
            "findings_per_code": counts.to_dict(orient="records"),
            "gx_agrees": not disagreements,
            "timing": timing,
            "process_peak_rss_mb": round(peak),
        }, indent=2, default=str), encoding="utf-8")
    return verdict(recall, clean, pre_recon, disagreements)


def verdict(recall: pd.DataFrame, clean: dict, pre_recon: pd.DataFrame, disagreements: list[str]) -> int:
    """Print PASS/FAIL per acceptance criterion; the exit status (0: all pass)."""
    criteria = {
        "recall 100 % for every kind": bool((recall["recall"] == 1.0).all()),
        "clean cases held < 0.1 %": clean["clean_case_share"] < 0.001,
        "no pre-2014 correction flagged": pre_recon.empty,
        "GX agrees with the findings": not disagreements,
    }
    print("\n" + "\n".join(f"{'PASS' if v else 'FAIL'}  {k}" for k, v in criteria.items()))
    print(f"(clean leases held {clean['clean_lease_share']:.3%}: see docs/quality.md, 'Lease ended by mistake')")
    return 0 if all(criteria.values()) else 1


if __name__ == "__main__":
    raise SystemExit(main())
