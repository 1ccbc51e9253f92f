"""Options of a synth run, the scales, and the calendar of one benefit month."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

from boligstoette import months
from boligstoette.synth import fmt

INJECT_KINDS = (
    "tenant_changed",
    "lease_ended_by_mistake",
    "rent_cut_by_mistake",
    "supplement_added_by_mistake",
    "supplement_removed_by_mistake",
    "area_differs_from_bbr",
    "duplicate_active_lease",
    "bad_cpr",
    "end_before_start",
    "org_rows_missing",
)


@dataclass(frozen=True)
class Scale:
    n_orgs: int
    leases: int  # rows of the latest snapshot, roughly
    cases: int
    every_municipality: bool
    dept_size_median: float


SCALES = {
    "small": Scale(n_orgs=12, leases=600, cases=300, every_municipality=False, dept_size_median=30.0),
    "national": Scale(n_orgs=550, leases=600_000, cases=300_000, every_municipality=True, dept_size_median=55.0),
}


@dataclass(frozen=True)
class SynthConfig:
    out: Path
    scale: str = "small"
    seed: int = 1
    month: str = "2026-12"  # the benefit month T
    inject: dict[str, float] = field(default_factory=dict)
    misspell_rate: float = 0.03

    def __post_init__(self):
        if self.scale not in SCALES:
            raise ValueError(f"scale must be one of {', '.join(SCALES)}")
        unknown = set(self.inject) - set(INJECT_KINDS)
        if unknown:
            raise ValueError(f"unknown error kind(s): {', '.join(sorted(unknown))}; known: {', '.join(INJECT_KINDS)}")
        for kind, rate in self.inject.items():
            if not 0.0 <= rate <= 1.0:
                raise ValueError(f"rate for {kind} must be between 0 and 1, got {rate}")
        if not 0.0 <= self.misspell_rate <= 1.0:
            raise ValueError("misspell rate must be between 0 and 1")
        parse_month(self.month)

    @property
    def params(self) -> Scale:
        return SCALES[self.scale]


def parse_month(text: str) -> int:
    parts = text.split("-")
    if len(parts) != 2 or len(parts[0]) != 4 or len(parts[1]) != 2 or not (parts[0] + parts[1]).isdigit():
        raise ValueError(f"month must be YYYY-MM, got {text!r}")
    year, month = int(parts[0]), int(parts[1])
    if not (1 <= month <= 12 and 2016 <= year <= 2099):
        raise ValueError(f"month must be YYYY-MM between 2016-01 and 2099-12, got {text!r}")
    return months.month_index(year, month)


class Calendar:
    """Dates of the deliveries for benefit month T."""

    def __init__(self, month: str):
        self.T = parse_month(month)
        T = self.T
        # register snapshots on the 15th of T-3, T-2, T-1 (index 2 is the latest)
        self.snaps = np.array([fmt.day_of(T - 3, 15), fmt.day_of(T - 2, 15), fmt.day_of(T - 1, 15)],
                              dtype="datetime64[D]")
        self.bbr_date = fmt.day_of(T - 1, 10)
        self.cases_date = fmt.day_of(T - 1, 18)
        self.income_months = list(range(T - 25, T - 1))  # T-25 .. T-2, 24 months
        self.redelivery_month = T - 3
        first_year = self.income_months[0] // 12
        last_closed = (T - 1) // 12 - 1
        # annual statements exist for full years before T-1's year, once assessed (mid-March)
        self.aarsopgoerelse_years = [
            y for y in range(first_year, last_closed + 1)
            if fmt.day_of(months.month_index(y + 1, 3), 20) <= self.cases_date
        ]
        self.forskud_years = sorted({T // 12 - 1, (T - 1) // 12, T // 12})
        # the income model runs from January of the earliest year any file needs
        self.model_months = list(range(months.month_index(min([first_year] + self.aarsopgoerelse_years), 1), T - 1))
        self.T_first = months.month_first(T)

    @staticmethod
    def compact(d: np.datetime64) -> str:
        return str(d).replace("-", "")
