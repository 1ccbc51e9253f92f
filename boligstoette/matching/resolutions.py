"""Case workers' decisions on the review queue: the resolution file contract and when a decision fits.

File: ``resolutions/review_resolutions_YYYYMMDD.csv`` in the landing folder, the general CSV rules
of contracts/README.md (UTF-8, ``;``, ISO dates, timestamps with offset):

| column | type | meaning |
|---|---|---|
| case_id | text | the case |
| lease_id | text | the lease the decision is about |
| decision | ``confirm`` / ``reject`` | confirm: pay the case on this lease; reject: the lease is not the applicant's |
| decided_by | text | case worker (initials or user id; never a CPR number) |
| decided_at | timestamp | when the decision was made |
| lease_start | date, optional | the lease_start the case worker saw; the decision lapses if it differs |

Every file up to the cut-off is read; of several decisions on the same (case_id, lease_id) the one
with the latest ``decided_at`` counts (ties: the later file, then the later line).
"""

from __future__ import annotations

import re
from datetime import date
from pathlib import Path

import numpy as np
import pandas as pd

from boligstoette import contracts

RESOLUTIONS = contracts.Contract(
    "review resolutions",
    (
        contracts.Column("case_id"),
        contracts.Column("lease_id"),
        contracts.Column("decision", "enum", True, ("confirm", "reject")),
        contracts.Column("decided_by"),
        contracts.Column("decided_at", "timestamp"),
        contracts.Column("lease_start", "date", required=False),
    ),
    accepts_absent=frozenset({"lease_start"}),
)
FOLDER = "resolutions"
FILE_PATTERN = r"review_resolutions_(\d{8})\.csv"

# why a resolution does or does not apply (resolution_status.status)
APPLIED = "applied"
LEASE_NOT_IN_REGISTER = "lease_not_in_register"
LEASE_NOT_IN_FORCE = "lease_not_in_force"
LEASE_CHANGED_AFTER_DECISION = "lease_changed_after_decision"
LEASE_START_DIFFERS = "lease_start_differs"
SUPERSEDED = "superseded"  # a later decision on the same (case, lease), or a later confirm of the case
UNKNOWN_CASE = "unknown_case"


def read_resolutions(landing_root: str | Path, until: date | None = None) -> pd.DataFrame:
    """All resolution files dated on or before `until` (all when None), in file then line order."""
    folder = Path(landing_root) / FOLDER
    frames = []
    if folder.is_dir():
        for path in sorted(folder.iterdir()):
            m = re.fullmatch(FILE_PATTERN, path.name)
            if not m:
                continue
            stamp = m.group(1)
            if until is not None and date(int(stamp[:4]), int(stamp[4:6]), int(stamp[6:])) > until:
                continue
            frames.append(contracts.read_csv(path, RESOLUTIONS))
    if not frames:
        return contracts.empty_frame(RESOLUTIONS)
    return pd.concat(frames, ignore_index=True)


def empty_resolutions() -> pd.DataFrame:
    return contracts.empty_frame(RESOLUTIONS)


def latest_decisions(resolutions: pd.DataFrame | None) -> pd.DataFrame:
    """Normalised input: one row per given resolution with `_order` and `latest` (the one that counts)."""
    frame = empty_resolutions() if resolutions is None or len(resolutions) == 0 else resolutions.copy()
    for col in ("decided_by", "lease_start"):
        if col not in frame.columns:
            frame[col] = pd.Series(np.nan, index=frame.index, dtype="str" if col == "decided_by" else "datetime64[us]")
    frame = frame.reset_index(drop=True)
    frame["_order"] = np.arange(len(frame))
    at = pd.to_datetime(frame["decided_at"], utc=True)
    frame["decided_at"] = at
    order = frame.sort_values(["case_id", "lease_id", "decided_at", "_order"], kind="stable")
    last = ~order.duplicated(["case_id", "lease_id"], keep="last")
    frame["latest"] = False
    frame.loc[order.index[last.to_numpy()], "latest"] = True
    return frame
