"""Which deliveries in the landing folder a benefit month uses (contracts/README.md, 'Landing folder').

Benefit month M uses the register snapshot dated on or before the cut-off day of month M-1; the
snapshot before it is its 'previous snapshot'. Every other kind follows the same cut-off, so a
rerun of a month reads what was delivered for it and nothing delivered later — except corrections
that are themselves dated before the cut-off (eIndkomst re-deliveries, late change notifications),
which a rerun is meant to pick up.

File names (docs/decisions.md, Deliveries): `<kind>_<date>.csv` is a delivery and
`<kind>_<date>_rN.csv` (N = 2, 3, ...) a re-delivery that replaces it whole, the highest N winning;
it counts as arriving on its date. A file in a folder read here whose name fits no pattern of that
folder is an error, so a misnamed delivery is never silently left out; hidden files (a leading '.',
such as an upload in progress) are ignored.
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


@dataclass(frozen=True)
class Delivery:
    path: Path
    stamp: str  # the date or timestamp in the name, sortable as text
    revision: int = 1  # N of a re-delivery <kind>_<stamp>_rN; 1 for the first delivery

    @property
    def day(self) -> date:
        return date.fromisoformat(f"{self.stamp[:4]}-{self.stamp[4:6]}-{self.stamp[6:8]}")


@dataclass(frozen=True)
class _Kind:
    """A kind of file a landing sub-folder may hold, as named in contracts/README.md."""

    folder: str
    name: str
    stamp: str  # the regex of the date in the name
    shown: str  # the same, as documented
    redelivered: bool = True  # False: a batch of events, each identified by event_id
    ext: str = "csv"

    @property
    def pattern(self) -> re.Pattern:
        redelivery = r"(?:_r([2-9]|[1-9]\d+))?" if self.redelivered else "()"
        return re.compile(rf"{self.name}_({self.stamp}){redelivery}\.{self.ext}")

    @property
    def documented(self) -> str:
        return f"{self.name}_{self.shown}{'[_rN]' if self.redelivered else ''}.{self.ext}"


_DAY, _MONTH, _YEAR = (r"\d{8}", "YYYYMMDD"), (r"\d{6}", "YYYYMM"), (r"\d{4}", "YYYY")
# Every kind in the folders read here, read here or not (moves, pension settlements), so that a
# file that is none of them is an error rather than silently not a delivery.
_KINDS = (
    _Kind("register", "huslejeregister", *_DAY),
    _Kind("register_changes", "changes", r"\d{8}T\d{6}", "YYYYMMDDTHHMMSS", redelivered=False, ext="jsonl"),
    _Kind("bbr", "bbr_units", *_DAY),
    _Kind("cases", "applications", *_DAY),
    _Kind("cases", "household_members", *_DAY),
    _Kind("cases", "moves", *_DAY),
    _Kind("income", "eindkomst", *_MONTH),
    _Kind("income", "forskud", *_YEAR),
    _Kind("income", "aarsopgoerelse", *_YEAR),
    _Kind("income", "pension_settlement", *_YEAR),
    _Kind("objections", "objections", *_DAY),
)


def _delivery(path: Path, kinds: list[_Kind]) -> tuple[str, Delivery]:
    """The kind and delivery a file is; a ContractError naming the file when its name fits none."""
    for kind in kinds:
        m = kind.pattern.fullmatch(path.name)
        if m and path.is_file():
            return kind.name, Delivery(path, m.group(1), int(m.group(2) or 1))
    names = ", ".join(k.documented for k in kinds)
    rn = " (_rN, N = 2, 3, ...: a re-delivery of the same date)" if any(k.redelivered for k in kinds) else ""
    raise contracts.ContractError(path, None, None, f"not a delivery: the name fits none of {names}{rn}")


def _latest_revisions(deliveries: list[Delivery]) -> list[Delivery]:
    """Per stamp the highest re-delivery only: it replaces the ones before it whole."""
    latest: dict[str, Delivery] = {}
    for d in deliveries:
        if d.stamp not in latest or d.revision > latest[d.stamp].revision:
            latest[d.stamp] = d
    return sorted(latest.values(), key=lambda d: d.stamp)


class Landing:
    def __init__(self, root: str | Path, cutoff_day: int = 20):
        self.root = Path(root)
        self.cutoff_day = cutoff_day
        if not self.root.is_dir():
            raise FileNotFoundError(f"landing folder {self.root} does not exist")

    def cutoff(self, month: str) -> date:
        """The last delivery day benefit month `month` reads: its cut-off day in month M-1."""
        return cutoff_date(month, self.cutoff_day)

    def as_of(self, day: date) -> "LandingAsOf":
        """The same folder as known at the end of `day` (an urgent payout's run, boligstoette.urgent)."""
        return LandingAsOf(self.root, day)

    def _deliveries(self, folder: str, kind: str) -> list[Delivery]:
        """Every delivery of a kind, re-deliveries included, oldest first. Every file in the folder
        must be a known kind; hidden files (an upload in progress, .DS_Store) are ignored."""
        folder_path = self.root / folder
        if not folder_path.is_dir():
            return []
        kinds = [k for k in _KINDS if k.folder == folder]
        found = [_delivery(path, kinds) for path in sorted(folder_path.iterdir()) if not path.name.startswith(".")]
        return sorted((d for name, d in found if name == kind), key=lambda d: (d.stamp, d.revision))

    def _dated_until(self, folder: str, kind: str, month: str) -> list[Delivery]:
        """Per date its latest re-delivery, for the dates on or before the month's cut-off.

        A re-delivery counts as arriving on its date: it corrects what that date delivered.
        """
        cutoff = self.cutoff(month)
        return [d for d in _latest_revisions(self._deliveries(folder, kind)) if d.day <= cutoff]

    # --- the register ---------------------------------------------------------------------------

    def register_snapshots(self, month: str) -> tuple[Delivery, Delivery | None]:
        """The snapshot in force for the month and the one before it."""
        dated = self._dated_until("register", "huslejeregister", month)
        if not dated:
            raise FileNotFoundError(
                f"no register snapshot in {self.root / 'register'} dated on or before the cut-off "
                f"{self.cutoff(month)} for benefit month {month}"
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
        notification may arrive late, in a later file), each event_id once (the same event_id with
        other content is a contract error), ordered by registered_at.
        """
        current, previous = self.register_snapshots(month)
        files = self._deliveries("register_changes", "changes")
        events = pd.concat(
            [contracts.empty_change_notifications(), *(contracts.read_change_notifications(d.path) for d in files)],
            ignore_index=True,
        )
        events = contracts.unique_events(events, self.root / "register_changes")
        window = events["registered_at"] <= end_of_day(current.day)
        if previous is not None:
            window &= events["registered_at"] > end_of_day(previous.day - timedelta(days=1))
        return events[window].sort_values(["registered_at", "event_id"], kind="stable").reset_index(drop=True)

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
        """Income months M-12 .. M-1, each from its latest delivery known at the cut-off.

        A re-delivery `eindkomst_YYYYMM_rN.csv` replaces the month whole, the highest N winning.
        """
        wanted = {add_months(month, -k) for k in range(1, EINDKOMST_WINDOW_MONTHS + 1)}
        by_month: dict[str, list[Delivery]] = {}
        for d in self._deliveries("income", "eindkomst"):
            by_month.setdefault(f"{d.stamp[:4]}-{d.stamp[4:]}", []).append(d)
        cutoff = end_of_day(self.cutoff(month))
        frames = [self._income_month(by_month[m], m, cutoff) for m in sorted(wanted & by_month.keys())]
        frames = [f for f in frames if f is not None]
        if not frames:
            return contracts.empty_frame(contracts.EINDKOMST)
        return pd.concat(frames, ignore_index=True)

    @staticmethod
    def _income_month(versions: list[Delivery], income_month: str, cutoff: pd.Timestamp) -> pd.DataFrame | None:
        """The highest re-delivery whose rows were all reported by the cut-off (contracts/README.md:
        eIndkomst rows with reported_at on or before it); None when none was."""
        for d in sorted(versions, key=lambda d: d.revision, reverse=True):
            frame = contracts.read_csv(d.path, contracts.EINDKOMST)
            _all_rows_for(d.path, frame, "month", income_month)
            if not (frame["reported_at"] > cutoff).any():
                return frame
        return None

    def read_tax_assessments(self, month: str) -> pd.DataFrame:
        """Forskud for the benefit year and the year before; aarsopgoerelse for the two years before.

        Each year's latest re-delivery; personal_income is nullable throughout (forskud may omit it).
        """
        year = int(month[:4])
        frames = []
        for kind, contract, years in (
            ("forskud", contracts.FORSKUD, (year - 1, year)),
            ("aarsopgoerelse", contracts.AARSOPGOERELSE, (year - 2, year - 1)),
        ):
            for d in _latest_revisions(self._deliveries("income", kind)):
                if int(d.stamp) in years:
                    frame = contracts.read_csv(d.path, contract)
                    _all_rows_for(d.path, frame, "year", int(d.stamp))
                    frames.append(frame.drop(columns="appealed", errors="ignore").assign(kind=kind))  # settlement's
        empty = contracts.empty_frame(contracts.FORSKUD).assign(kind=pd.Series(dtype="str"))
        return pd.concat([empty, *frames], ignore_index=True).astype({"personal_income_ore": "Int64"})

    def read_year_assessments(self, year: int) -> pd.DataFrame:
        """The tax assessment (aarsopgoerelse) of `year` per person, as delivered so far: every delivery
        and re-delivery read, a later one replacing the person's earlier row (corrections.md), within a
        file the latest assessed_at. `appealed` is false where not delivered."""
        frames = []
        for d in self._deliveries("income", "aarsopgoerelse"):
            if int(d.stamp) == year:
                frame = contracts.read_csv(d.path, contracts.AARSOPGOERELSE)
                _all_rows_for(d.path, frame, "year", year)
                frames.append(frame.sort_values("assessed_at", kind="stable"))
        assessed = pd.concat([contracts.empty_frame(contracts.AARSOPGOERELSE), *frames], ignore_index=True)
        assessed = assessed.drop_duplicates("cpr", keep="last").sort_values("cpr").reset_index(drop=True)
        return assessed.assign(appealed=assessed["appealed"].fillna(False).astype(bool))

    def read_pension_settlements(self, year: int) -> pd.DataFrame:
        """Persons whose pension's own annual settlement of `year` is done (every delivery of the year)."""
        frames = []
        for d in self._deliveries("income", "pension_settlement"):
            if int(d.stamp) == year:
                frame = contracts.read_csv(d.path, contracts.PENSION_SETTLEMENT)
                _all_rows_for(d.path, frame, "year", year)
                frames.append(frame)
        settled = pd.concat([contracts.empty_frame(contracts.PENSION_SETTLEMENT), *frames], ignore_index=True)
        return settled.drop_duplicates("cpr").reset_index(drop=True)

    # --- case workers' decisions ----------------------------------------------------------------

    def read_objections(self, month: str) -> pd.DataFrame:
        """Objections to lookback letters decided by the month's cut-off (corrections.md): every
        file dated on or before the cut-off day, rows decided on or before the cut-off instant, the
        latest `decided_at` per (case_id, period) winning. Equal `decided_at`: the later file, then
        the later line wins, so a correction written after the original replaces it. A file dated
        before the cut-off may carry a decision made after it (a batch written late): that row
        waits for a later month like any later delivery."""
        frames = [contracts.read_csv(d.path, contracts.OBJECTIONS)
                  for d in self._dated_until("objections", "objections", month)]
        objections = pd.concat([contracts.empty_frame(contracts.OBJECTIONS), *frames], ignore_index=True)
        known = objections[objections["decided_at"] <= end_of_day(self.cutoff(month))]
        latest = known.sort_values("decided_at", kind="stable").drop_duplicates(["case_id", "period"], keep="last")
        return latest.sort_values(["case_id", "period"]).reset_index(drop=True)


class LandingAsOf(Landing):
    """The deliveries known at the end of one day, whatever benefit month a reader is asked for: every
    kind dated on or before `day` (register snapshot and the one before it, applications, household
    members, BBR, objections), eIndkomst rows reported by the end of `day`. The month still chooses
    the eIndkomst window (M-12 .. M-1) and the tax years."""

    def __init__(self, root: str | Path, day: date):
        super().__init__(root)
        self.day = day

    def cutoff(self, month: str) -> date:
        return self.day


def _all_rows_for(path: Path, frame: pd.DataFrame, column: str, value: object) -> None:
    """A file named for one month or year holds rows of that month or year only."""
    off = (frame[column] != value).to_numpy()
    if off.any():
        line = int(frame["source_line"].to_numpy()[off.argmax()])
        raise contracts.ContractError(path, line, column, f"row is not for {column} {value}")
