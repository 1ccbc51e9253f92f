"""Which deliveries in the landing folder a benefit month uses (contracts/README.md, 'Landing folder').

Benefit month M uses the register snapshot dated on or before the cut-off day of month M-1; the
snapshot before it is its 'previous snapshot'. Every other kind follows the same cut-off, so a
rerun of a month reads what was delivered for it and nothing delivered later — except corrections
that are themselves dated before the cut-off (eIndkomst re-deliveries, late change notifications),
which a rerun is meant to pick up.
"""

import re
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

import pandas as pd

from boligstoette import contracts
from boligstoette.months import add_months, first_day

COPENHAGEN = ZoneInfo("Europe/Copenhagen")
EINDKOMST_WINDOW_MONTHS = 12  # income months M-12 .. M-1: the provisional income and the year's lookback


def cutoff_date(month: str, cutoff_day: int = 20) -> date:
    """The day in month M-1 whose deliveries benefit month M is computed from."""
    if not 1 <= cutoff_day <= 28:
        raise ValueError(f"cut-off day must be 1..28, got {cutoff_day}")
    return first_day(add_months(month, -1)).replace(day=cutoff_day)


def end_of_day(day: date) -> pd.Timestamp:
    """The end of a day in Copenhagen, as a UTC timestamp."""
    return pd.Timestamp(datetime.combine(day + timedelta(days=1), time(), COPENHAGEN)).tz_convert("UTC")


def cutoff_instant(month: str, cutoff_day: int = 20) -> pd.Timestamp:
    """The end of the cut-off day in Copenhagen, as a UTC timestamp."""
    return end_of_day(cutoff_date(month, cutoff_day))


def _latest_reported(frame: pd.DataFrame) -> tuple:
    """Of several deliveries of an income month the one reported last wins (the file name breaks ties)."""
    return frame["reported_at"].max(), frame["source_file"].iloc[0] if len(frame) else ""


@dataclass(frozen=True)
class Delivery:
    path: Path
    stamp: str  # the date or timestamp in the name, sortable as text

    @property
    def day(self) -> date:
        return date.fromisoformat(f"{self.stamp[:4]}-{self.stamp[4:6]}-{self.stamp[6:8]}")


class Landing:
    def __init__(self, root: str | Path, cutoff_day: int = 20):
        self.root = Path(root)
        self.cutoff_day = cutoff_day
        if not self.root.is_dir():
            raise FileNotFoundError(f"landing folder {self.root} does not exist")

    def _deliveries(self, folder: str, pattern: str) -> list[Delivery]:
        """Files named per the contract, oldest first; other files in the folder are not deliveries."""
        found = []
        for path in sorted((self.root / folder).glob("*")):
            m = re.fullmatch(pattern, path.name)
            if m:
                found.append(Delivery(path, m.group(1)))
        return sorted(found, key=lambda d: (d.stamp, d.path.name))

    def _dated_until(self, folder: str, prefix: str, month: str) -> list[Delivery]:
        cutoff = cutoff_date(month, self.cutoff_day)
        dated = self._deliveries(folder, rf"{prefix}_(\d{{8}})\.csv")
        return [d for d in dated if d.day <= cutoff]

    # --- the register ---------------------------------------------------------------------------

    def register_snapshots(self, month: str) -> tuple[Delivery, Delivery | None]:
        """The snapshot in force for the month and the one before it."""
        dated = self._dated_until("register", "huslejeregister", month)
        if not dated:
            raise FileNotFoundError(
                f"no register snapshot in {self.root / 'register'} dated on or before the cut-off "
                f"{cutoff_date(month, self.cutoff_day)} for benefit month {month}"
            )
        return dated[-1], (dated[-2] if len(dated) > 1 else None)

    def read_register_snapshot(self, month: str) -> tuple[pd.DataFrame, Delivery]:
        current, _ = self.register_snapshots(month)
        return contracts.read_csv(current.path, contracts.REGISTER), current

    def read_previous_register_snapshot(self, month: str) -> tuple[pd.DataFrame, Delivery | None]:
        """The snapshot before the one in force; an empty frame when there is none yet."""
        _, previous = self.register_snapshots(month)
        if previous is None:
            return contracts.empty_frame(contracts.REGISTER), None
        return contracts.read_csv(previous.path, contracts.REGISTER), previous

    def read_change_notifications(self, month: str) -> pd.DataFrame:
        """Notifications the two snapshots should differ by: registered from the start of the
        previous snapshot's day up to the end of the current snapshot's day (Copenhagen).

        A snapshot dated D shows the register as D began (a night extract): a change registered
        during D shows in the next one. The end is a day wider than that, harmlessly: a
        notification whose values the snapshot already shows reconciles. Every file is read (a
        notification may arrive late, in a later file), duplicates by event_id dropped, ordered
        by registered_at.
        """
        current, previous = self.register_snapshots(month)
        files = self._deliveries("register_changes", r"changes_(\d{8}T\d{6})\.jsonl")
        events = pd.concat(
            [contracts.empty_change_notifications(), *(contracts.read_change_notifications(d.path) for d in files)],
            ignore_index=True,
        )
        window = events["registered_at"] <= end_of_day(current.day)
        if previous is not None:
            window &= events["registered_at"] > end_of_day(previous.day - timedelta(days=1))
        events = events[window].sort_values(["registered_at", "event_id"], kind="stable")
        return events.drop_duplicates("event_id", keep="first").reset_index(drop=True)

    def read_bbr_units(self, month: str) -> tuple[pd.DataFrame, Delivery]:
        dated = self._dated_until("bbr", "bbr_units", month)
        if not dated:
            raise FileNotFoundError(f"no BBR extract in {self.root / 'bbr'} dated on or before the cut-off")
        return contracts.read_csv(dated[-1].path, contracts.BBR_UNITS), dated[-1]

    # --- cases ----------------------------------------------------------------------------------

    def read_applications(self, month: str) -> pd.DataFrame:
        """All deliveries up to the cut-off; a later one supersedes an earlier one per case_id."""
        deliveries = self._dated_until("cases", "applications", month)
        frames = [contracts.read_csv(d.path, contracts.APPLICATIONS) for d in deliveries]
        if not frames:
            raise FileNotFoundError(f"no applications delivery in {self.root / 'cases'} up to the cut-off")
        return pd.concat(frames, ignore_index=True).drop_duplicates("case_id", keep="last").reset_index(drop=True)

    def read_household_members(self, month: str) -> pd.DataFrame:
        """Per case, the member list of the latest delivery that names the case (a member left out is gone)."""
        frames = [
            contracts.read_csv(d.path, contracts.HOUSEHOLD_MEMBERS).assign(_delivery=i)
            for i, d in enumerate(self._dated_until("cases", "household_members", month))
        ]
        if not frames:
            raise FileNotFoundError(f"no household members delivery in {self.root / 'cases'} up to the cut-off")
        members = pd.concat(frames, ignore_index=True)
        latest = members.groupby("case_id")["_delivery"].transform("max")
        return members[members["_delivery"] == latest].drop(columns="_delivery").reset_index(drop=True)

    # --- income ---------------------------------------------------------------------------------

    def read_eindkomst(self, month: str) -> pd.DataFrame:
        """Income months M-12 .. M-1, each from its latest delivery (a re-delivery replaces the month).

        A re-delivery is a file `eindkomst_YYYYMM[_suffix].csv` whose latest `reported_at` is later.
        """
        wanted = {add_months(month, -k) for k in range(1, EINDKOMST_WINDOW_MONTHS + 1)}
        by_month: dict[str, list[Delivery]] = {}
        for d in self._deliveries("income", r"eindkomst_(\d{6})(?:_[A-Za-z0-9-]+)?\.csv"):
            by_month.setdefault(f"{d.stamp[:4]}-{d.stamp[4:]}", []).append(d)
        frames = []
        for income_month in sorted(wanted & by_month.keys()):
            versions = []
            for d in by_month[income_month]:
                frame = contracts.read_csv(d.path, contracts.EINDKOMST)
                off = (frame["month"] != income_month).to_numpy()
                if off.any():
                    line = int(frame["source_line"].to_numpy()[off.argmax()])
                    raise contracts.ContractError(d.path, line, "month", f"row is not for income month {income_month}")
                versions.append(frame)
            frames.append(max(versions, key=_latest_reported))
        if not frames:
            return contracts.empty_frame(contracts.EINDKOMST)
        return pd.concat(frames, ignore_index=True)

    def read_tax_assessments(self, month: str) -> pd.DataFrame:
        """Forskud for the benefit year and the year before; aarsopgoerelse for the two years before."""
        year = int(month[:4])
        frames = []
        for kind, contract, years in (
            ("forskud", contracts.FORSKUD, (year - 1, year)),
            ("aarsopgoerelse", contracts.AARSOPGOERELSE, (year - 2, year - 1)),
        ):
            for y in years:
                path = self.root / "income" / f"{kind}_{y}.csv"
                if path.exists():
                    frame = contracts.read_csv(path, contract)
                    off = (frame["year"] != y).to_numpy()
                    if off.any():
                        line = int(frame["source_line"].to_numpy()[off.argmax()])
                        raise contracts.ContractError(path, line, "year", f"row is not for year {y}")
                    frames.append(frame.assign(kind=kind))
        if not frames:
            return contracts.empty_frame(contracts.AARSOPGOERELSE).assign(kind=pd.Series(dtype="str"))
        return pd.concat(frames, ignore_index=True)
