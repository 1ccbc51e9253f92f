"""Urgent payout (straks-udbetaling, RULES.md § 12.9; contracts/README.md, applications.urgent).

A case whose application asks for an urgent payout (`urgent` true) gets its first amount from an extra
run before the monthly run, and the monthly run never pays those periods again.

- **The run.** `urgent_payouts` is partitioned by day (Europe/Copenhagen, from 2024-01-01) and runs
  alone in `urgent_payout_job`, never in the monthly job. The run of day D reads the landing folder
  as known at the end of D (`Landing.as_of(D)`): applications, household members, the register
  snapshot and the one before it, BBR and change notifications dated on or before D, eIndkomst rows
  reported by the end of D, resolutions of doubtful matches dated on or before D.
- **What it pays.** The urgent cases received on or before D, for their periods from the first
  benefit month (RULES § 12.9: the moving-in day when applied within a month of it, else the first of
  the month after the application) up to and including D's month, that no run has decided (paid,
  recovered or found to owe nothing); never before go-live nor more than `BACK_MONTHS` back. A first
  benefit month after D's month is not due yet: the monthly run pays it in advance as usual.
- **How much.** Each period exactly as the monthly run's `entitlements` computes an earlier period
  (`period_entitlement`: eligibility, matching, register findings and income as of the period,
  part of the month for its days from a moving-in day), so the same holds apply: a doubtful match,
  a register finding on the lease or its organisation, a missing consent holds the urgent payout
  too. A delivery-level register error (shrunk snapshot, lease_id not unique; a file that breaks its
  contract fails the read) stops the run; the register checks take the monthly thresholds
  (`QualityConfig`). The Great Expectations suite of the monthly `register_snapshot` is not run.
- **The ledger.** Booked in the payment ledger under `database.book` like a monthly run, with
  `run_month` = D as `YYYY-MM-DD`. As text that sorts after the run of D's month M (`YYYY-MM`) and
  before the run of M+1, so `seen_by(ledger, M+1)` sees the urgent entries: the next monthly run
  finds those periods decided and pays nothing for them again. `book` books only differences, and the run
  books only periods no entry of the ledger has decided (checked again under the ledger lock), so a
  rerun of D books nothing and a period a monthly run got to first is never paid twice. A case held
  in D's month gets a hold entry for that period, once per reason (as the monthly run holds its
  month); its periods stay open for a later run.
- **Files.** out/urgent/YYYY-MM-DD/org_<org_id>.csv and individuals.csv, the formats of the monthly
  payout files (`payouts.organisation_files`, `payouts.individuals_file`) built from the entries
  booked by the runs of D, with the payout date the first Danish bank day after D; written whole
  under `outputs.publishing`, then `.ledger_digest` (as a month's folder) last. A rerun writes the
  same bytes, and completes the folder of a run that stopped after booking.
- **The stored value** is the run's periods as `entitlements` stores them (the calc row of each
  period), for the lookback to recompute an urgent period from. A run that assessed no period stores
  nothing: the day's partition keeps what an earlier run of D assessed.

Pure pandas; no Dagster (assets/urgent.py wraps it).
"""

import io
from dataclasses import dataclass
from datetime import date, timedelta
from pathlib import Path

import numpy as np
import pandas as pd

from boligstoette.eligibility import assess_eligibility
from boligstoette.entitlement import Inputs, period_entitlement
from boligstoette.landing import Landing
from boligstoette.matching import match_tenants
from boligstoette.matching.resolutions import read_resolutions
from boligstoette.months import add_months, month_key
from boligstoette.outputs import replace_file, replace_folder
from boligstoette.payouts import (
    LEDGER_DIGEST,
    bank_holidays,
    benefit_keys,
    book,
    csv_bytes,
    decided,
    individuals_file,
    ledger_digest,
    organisation_files,
)
from boligstoette.quality import QualityThresholds, assess_register
from boligstoette.timeline import ended_cases, go_live, open_periods, reapplication_starts

FOLDER = "urgent"  # out/urgent/YYYY-MM-DD/
DUE_COLUMNS = ["case_id", "lease_id", "org_id", "unit_id", "payee", "period", "amount_ore"]


def run_key(day: date) -> str:
    """The ledger's run_month of the urgent run of `day`: YYYY-MM-DD."""
    return day.isoformat()


def payout_date_after(day: date) -> date:
    """The first Danish bank day after `day` (weekends and bank holidays are closed)."""
    paid = day + timedelta(days=1)
    while paid.weekday() >= 5 or paid in bank_holidays(paid.year):
        paid += timedelta(days=1)
    return paid


def urgent_cases(applications: pd.DataFrame, day: date) -> pd.Index:
    """The case ids whose application asks for an urgent payout and was received on or before `day`."""
    urgent = applications["urgent"].fillna(False).astype(bool)
    received = pd.to_datetime(applications["received_date"]) <= pd.Timestamp(day)
    return pd.Index(applications.loc[(urgent & received).to_numpy(), "case_id"].unique())


# --- what is known at the end of the day ---------------------------------------------------------


@dataclass(frozen=True)
class Known:
    """The deliveries of the landing folder known at the end of `day`, read for D's month."""

    day: date
    applications: pd.DataFrame
    members: pd.DataFrame
    register: pd.DataFrame
    previous_register: pd.DataFrame
    register_changes: pd.DataFrame
    bbr: pd.DataFrame
    eindkomst: pd.DataFrame
    tax_assessments: pd.DataFrame
    resolutions: pd.DataFrame

    @property
    def month(self) -> str:
        return month_key(self.day)


def read_known(landing: Landing, day: date) -> Known:
    """Every delivery the run of `day` computes from (landing.as_of(day): nothing dated later)."""
    lands, month = landing.as_of(day), month_key(day)
    return Known(
        day=day,
        applications=lands.read_applications(month),
        members=lands.read_household_members(month),
        register=lands.read_register_snapshot(month)[0],
        previous_register=lands.read_previous_register_snapshot(month)[0],
        register_changes=lands.read_change_notifications(month),
        bbr=lands.read_bbr_units(month)[0],
        eindkomst=lands.read_eindkomst(month),
        tax_assessments=lands.read_tax_assessments(month),
        resolutions=read_resolutions(lands.root, until=day),
    )


def register_findings(known: Known, thresholds: QualityThresholds) -> pd.DataFrame:
    """The register checks of the monthly `register_quality` on the snapshot known at the end of D."""
    return assess_register(known.register, known.previous_register, known.bbr, known.register_changes,
                           thresholds).findings.reset_index(drop=True)


# --- the periods and what they are due -----------------------------------------------------------


def _undecided(frame: pd.DataFrame, ledger: pd.DataFrame) -> np.ndarray:
    """Rows (case_id, lease_id, period) whose period no entry of `ledger` has decided, by lease or case."""
    done = decided(ledger)
    by_lease = pd.MultiIndex.from_arrays([benefit_keys(frame).to_numpy(), frame["period"].to_numpy()])
    by_case = pd.MultiIndex.from_arrays([frame["case_id"].to_numpy(), frame["period"].to_numpy()])
    return ~by_lease.isin(done) & ~by_case.isin(done)


def assess_urgent(known: Known, findings: pd.DataFrame, ledger: pd.DataFrame,
                  first_month: str | None = None) -> pd.DataFrame | None:
    """One row per urgent case and open period up to D's month, as `entitlements` (status computed with
    `amount_ore` due, held or no_payout with a reason code); None when there is none. Open: decided by
    no run but the urgent runs of D itself, so a rerun of D assesses (and stores) the same periods and
    books nothing new. `first_month`: the configured go-live month (BOLIGSTOETTE_FIRST_MONTH), if any."""
    month, apps = known.month, known.applications
    match = match_tenants(apps, known.members, known.register, known.previous_register, known.resolutions,
                          month=month)
    ended = ended_cases(ledger, month)
    starts = reapplication_starts(apps, ended)
    eligibility = assess_eligibility(match.matches, apps, known.members, known.register, month, starts,
                                     ended.index)
    candidates = eligibility[eligibility["case_id"].isin(urgent_cases(apps, known.day))]
    others = ledger[ledger["run_month"] != run_key(known.day)]
    periods = open_periods(candidates, add_months(month, 1), go_live(ledger, month, first_month), others)
    periods = periods[_undecided(periods, others)]
    inputs = Inputs(known.register, known.previous_register, known.members, known.eindkomst,
                    known.tax_assessments, findings, match.review_queue)
    frames = [period_entitlement(period, group, inputs, ledger, match.matches, apps, starts)
              for period, group in periods.groupby("period", sort=True)]
    if not frames:
        return None
    return pd.concat(frames, ignore_index=True).sort_values(["case_id", "period"], kind="stable").reset_index(
        drop=True)


def decisions(frame: pd.DataFrame | None, month: str) -> tuple[pd.DataFrame, pd.DataFrame]:
    """(due, held) for `book`: what each computed period is owed (reason_code: why nothing, when
    nothing), and the cases held in D's month (`month`) with their reason."""
    if frame is None:
        frame = pd.DataFrame({c: pd.Series(dtype="int64" if c == "amount_ore" else "str")
                              for c in [*DUE_COLUMNS, "status", "nothing_due", "reason_code"]})
    computed = frame[frame["status"] == "computed"]
    due = computed[DUE_COLUMNS].assign(reason_code=computed["nothing_due"].to_numpy())
    held = frame[(frame["status"] == "held") & (frame["period"] == month)]
    held = held[["case_id", "lease_id", "org_id", "unit_id", "payee", "reason_code"]]
    return due.reset_index(drop=True), held.assign(period=month, amount_ore=0).reset_index(drop=True)


def urgent_entries(day: date, due: pd.DataFrame, held: pd.DataFrame, ledger: pd.DataFrame) -> pd.DataFrame:
    """The ledger entries of the urgent run of `day`, decided from the ledger as it is (call it under
    the ledger lock): the periods no run has decided since the assessment, and the holds."""
    return book(run_key(day), due[_undecided(due, ledger)], held, ledger)


# --- files -------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class UrgentFiles:
    entries: pd.DataFrame  # the ledger entries booked by the urgent runs of the day
    files: dict[str, bytes]  # urgent/YYYY-MM-DD/<name>
    digest: str
    payout_date: date


def _paid_on(data: bytes, paid: date) -> bytes:
    """A payout file of the monthly format with its payout_date column set to `paid`."""
    frame = pd.read_csv(io.BytesIO(data), sep=";", dtype=str, keep_default_na=False)
    return csv_bytes(frame.assign(payout_date=paid.isoformat()))


def urgent_files(day: date, booked: pd.DataFrame, members: pd.DataFrame) -> UrgentFiles:
    """The day's files from the whole ledger (`booked`) and the household members known at the end of D:
    the monthly payout files' formats (the TOTAL line's period is D's month), paid the bank day after D."""
    entries = booked[booked["run_month"] == run_key(day)].sort_values("entry_id").reset_index(drop=True)
    month, paid = month_key(day), payout_date_after(day)
    files = {name: _paid_on(data, paid) for name, data in organisation_files(month, entries, members).items()}
    files["individuals.csv"] = _paid_on(individuals_file(month, entries, members), paid)
    return UrgentFiles(entries, files, ledger_digest(entries), paid)


def publish_urgent(root: Path, day: date, files: UrgentFiles) -> Path:
    """out/urgent/YYYY-MM-DD/ replaced whole, its ledger digest last (call under `outputs.publishing`)."""
    target = root / FOLDER / run_key(day)
    replace_folder(target, files.files)
    replace_file(target / LEDGER_DIGEST, files.digest.encode())
    return target
