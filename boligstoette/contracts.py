"""The delivery contracts of ../shared/contracts/README.md, as data, and a reader that enforces them.

A file that breaks its contract is rejected whole with a `ContractError` naming the file, the line
and the column; nothing is returned from it. Values are validated vectorised, so a 600,000-line
register snapshot is checked in seconds. Money is parsed from its text into integer øre (column
name suffixed `_ore`): no binary float ever holds an amount.

Error messages quote the offending value only when it cannot be personal data: a CPR column's
value is never quoted, and anything shaped like a CPR number is masked wherever it appears.

Identifiers (the columns named in IDENTIFIERS, in whatever contract) and money ranges are checked
like every other format rule: an id that would later become a file name or a join key, or an amount
far outside anything payable, stops at the door with its line and column.
"""

import io
import json
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import pandas as pd
import pyarrow as pa

from boligstoette.privacy import CPR_FORMAT, mask_text
from boligstoette.rules.parse import parse_decimal_strings

PAYMENT = ("i_husleje", "aconto_forsyning", "aconto_boligorganisation", "egen_afregning")
HEATING_TYPES = ("fjernvarme", "naturgas", "olie", "el", "varmepumpe", "fast_braendsel", "andet")
CHANGE_KINDS = ("rent_changed", "utilities_changed", "lease_ended", "lease_reopened")
# contracts/README.md names the identifier columns; the rule follows the name in every contract.
IDENTIFIERS = frozenset({"org_id", "afdeling_id", "unit_id", "bbr_unit_id", "lease_id", "case_id", "event_id"})

# contracts/README.md, money ranges, in øre (both ends included).
RENT_RANGE = (0, 10_000_000_00)  # a monthly rent or supplement
INCOME_RANGE = (-10_000_000_00, 100_000_000_00)  # a monthly income; annual incomes too (docs/decisions.md)
WEALTH_RANGE = (0, 1_000_000_000_00)

_PATTERNS = {
    "text": None,
    "date": r"\d{4}-\d{2}-\d{2}",
    "timestamp": r"\d{4}-\d{2}-\d{2}T\d{2}:\d{2}(?::\d{2}(?:\.\d{1,9})?)?(?:Z|[+-]\d{2}:?\d{2})",
    "month": r"\d{4}-(?:0[1-9]|1[0-2])",
    "money": r"-?\d{1,12}(?:\.\d{1,2})?",
    "decimal": r"-?\d{1,12}(?:\.\d{1,6})?",
    "integer": r"-?\d{1,12}",
    "boolean": r"true|false",
    "cpr": CPR_FORMAT,
    "id": r"[A-Za-z0-9_-][A-Za-z0-9_.-]{0,39}",
}
_EXPECTED = {
    "date": "a date YYYY-MM-DD",
    "timestamp": "an ISO 8601 timestamp with offset",
    "month": "a month YYYY-MM",
    "money": "an amount in kroner with at most two decimals and '.' as decimal point",
    "decimal": "a decimal number with '.' as decimal point",
    "integer": "a whole number",
    "boolean": "true or false",
    "cpr": "a CPR number DDMMYY-SSSS",
    "id": "an identifier: 1 to 40 characters of A-Z a-z 0-9 _ - (and '.' after the first)",
}


class ContractError(ValueError):
    """A delivery breaks its contract. Carries where, so an operator can open the file at the spot."""

    def __init__(self, file: str | Path, line: int | None, column: str | None, message: str):
        self.file, self.line, self.column, self.message = str(file), line, column, message
        where = f"{self.file}" + (f", line {line}" if line else "") + (f", column '{column}'" if column else "")
        super().__init__(f"{where}: {message}")


def _shown(value: object) -> str:
    """A value safe to quote in an error: CPR-shaped digits masked, long text cut."""
    text = mask_text(value)
    return repr(text if len(text) <= 40 else text[:37] + "...")


@dataclass(frozen=True)
class Column:
    name: str
    kind: str = "text"  # one of _PATTERNS, or "enum"; a text column named in IDENTIFIERS becomes "id"
    required: bool = True  # the value may not be empty
    values: tuple[str, ...] = ()  # allowed values of an enum
    limits: tuple[int, int] | None = None  # a money column's allowed range in øre, both ends included

    def __post_init__(self):
        if self.kind == "text" and self.name in IDENTIFIERS:
            object.__setattr__(self, "kind", "id")
        if self.kind == "money" and self.limits is None:
            raise ValueError(f"money column {self.name!r} needs its range (contracts/README.md, money ranges)")

    @property
    def stored_name(self) -> str:
        return f"{self.name}_ore" if self.kind == "money" else self.name


@dataclass(frozen=True)
class Contract:
    name: str
    columns: tuple[Column, ...]
    accepts_absent: frozenset[str] = field(default_factory=frozenset)  # optional columns the header may omit

    def column(self, name: str) -> Column:
        return next(c for c in self.columns if c.name == name)


def _enum(name: str, values: tuple[str, ...], required: bool = True) -> Column:
    return Column(name, "enum", required, values)


def _money(name: str, limits: tuple[int, int], required: bool = True) -> Column:
    return Column(name, "money", required, limits=limits)


REGISTER = Contract(
    "register snapshot (huslejeregister)",
    (
        Column("snapshot_date", "date"),
        Column("org_id"),
        Column("afdeling_id"),
        Column("unit_id"),
        Column("bbr_unit_id", required=False),
        Column("address"),
        Column("postal_code"),
        Column("municipality_code"),
        Column("lease_id"),
        _enum("tenure", ("lejer", "andelshaver")),
        Column("tenant_name"),
        Column("tenant_cpr", "cpr", required=False),
        Column("tenant_birth_date", "date", required=False),
        Column("lease_start", "date"),
        Column("lease_end", "date", required=False),
        Column("area_m2", "decimal"),
        Column("rooms", "integer"),
        _enum("heating_type", HEATING_TYPES),
        _money("rent_monthly", RENT_RANGE),
        _money("supplements_monthly", RENT_RANGE),
        Column("rent_effective_from", "date"),
        _enum("maintenance_duty", ("ingen", "delvis", "fuld")),
        _enum("heating_payment", PAYMENT),
        _enum("water_payment", PAYMENT),
        _enum("drainage_payment", PAYMENT),
        _enum("electricity_payment", PAYMENT),
        Column("own_kitchen", "boolean"),
        Column("garage_carport", "boolean"),
        Column("accessible", "boolean"),
        Column("student_dorm", "boolean"),
        Column("rent_registered_at", "timestamp"),
    ),
)

BBR_UNITS = Contract(
    "BBR units",
    (
        Column("bbr_unit_id"),
        Column("address"),
        Column("postal_code"),
        Column("municipality_code"),
        Column("area_m2", "decimal"),
        Column("rooms", "integer"),
        _enum("heating_type", HEATING_TYPES),
        Column("own_kitchen", "boolean"),
    ),
)

APPLICATIONS = Contract(
    "applications (ansoegninger)",
    (
        Column("case_id"),
        Column("applicant_cpr", "cpr"),
        Column("applicant_name"),
        Column("received_date", "date"),
        Column("move_in_date", "date", required=False),
        Column("address"),
        Column("postal_code"),
        Column("org_id", required=False),
        Column("unit_id", required=False),
        _enum("payee", ("organisation", "applicant")),
        Column("urgent", "boolean"),
    ),
)

PENSIONS = ("ingen", "folkepension", "foertidspension_foer_2003", "foertidspension_efter_2003", "seniorpension")
HOUSEHOLD_MEMBERS = Contract(
    "household members",
    (
        Column("case_id"),
        Column("cpr", "cpr"),
        Column("name"),
        Column("birth_date", "date"),
        _enum("role", ("ansoeger", "aegtefaelle", "samlever", "barn", "anden")),
        # Required only for some members (over 15 / over 18): eligibility decides, not the format.
        Column("income_consent", "boolean", required=False),
        Column("joint_liability_signed", "boolean", required=False),
        _enum("pension", PENSIONS),
        Column("mobility_impaired", "boolean"),
        Column("round_the_clock_help", "boolean"),
        Column("member_from", "date"),
        Column("member_to", "date", required=False),
    ),
)

EINDKOMST = Contract(
    "eIndkomst",
    (
        Column("cpr", "cpr"),
        Column("month", "month"),
        _enum("income_type", ("loen", "dagpenge", "kontanthjaelp", "pension", "su", "ferietillaeg", "andet")),
        _money("amount", INCOME_RANGE),
        Column("reported_at", "timestamp"),
    ),
)

_ASSESSMENT_COLUMNS = (
    Column("cpr", "cpr"),
    Column("year", "integer"),
    _money("other_income", INCOME_RANGE),
    _money("wealth", WEALTH_RANGE),
    Column("assessed_at", "timestamp"),
)
FORSKUD = Contract(
    "forskudsopgoerelse",
    (*_ASSESSMENT_COLUMNS, _money("personal_income", INCOME_RANGE, required=False)),
    accepts_absent=frozenset({"personal_income"}),
)
# corrections.md: `appealed` (optional, default false): the assessment is under appeal, so the year's
# settlement waits for it (RULES.md § 7.6).
AARSOPGOERELSE = Contract(
    "aarsopgoerelse",
    (*_ASSESSMENT_COLUMNS, _money("personal_income", INCOME_RANGE), Column("appealed", "boolean", required=False)),
    accepts_absent=frozenset({"appealed"}),
)
# corrections.md: pensions' own annual settlement is done for these persons (a pensioner's benefit year
# is settled after it).
PENSION_SETTLEMENT = Contract(
    "pension settlement",
    (Column("cpr", "cpr"), Column("year", "integer"),
     _enum("pension", PENSIONS),
     Column("settled_at", "timestamp")),
)

CHANGE_NOTIFICATION = Contract(
    "change notification (aendringsbesked)",
    (
        Column("event_id"),
        Column("registered_at", "timestamp"),
        Column("org_id"),
        Column("unit_id"),
        Column("lease_id"),
        _enum("kind", CHANGE_KINDS),
        Column("effective_date", "date"),
    ),
)

# corrections.md: case workers' decisions on objections to a lookback letter. accepted_income is the
# household's monthly income the case worker accepts (so the monthly income range); it matters only
# when the objection is upheld, and a file may leave the column out (code may accept more).
OBJECTIONS = Contract(
    "objections (indsigelser)",
    (
        Column("case_id"),
        Column("period", "month"),
        _enum("decision", ("upheld", "rejected")),
        _money("accepted_income", INCOME_RANGE, required=False),
        Column("decided_by"),
        Column("decided_at", "timestamp"),
    ),
    accepts_absent=frozenset({"accepted_income"}),
)


# --- reading -------------------------------------------------------------------------------------


def _decode(path: Path, data: bytes) -> str:
    data = data.removeprefix(b"\xef\xbb\xbf")
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError as err:
        offset = err.start
        line_start = data.rfind(b"\n", 0, offset) + 1
        line = data.count(b"\n", 0, offset) + 1
        header = data.split(b"\n", 1)[0].decode("utf-8", "replace").rstrip("\r").split(";")
        field_no = data.count(b";", line_start, offset)
        column = header[field_no] if field_no < len(header) else None
        raise ContractError(
            path, line, column, f"byte 0x{data[offset]:02x} is not UTF-8 (was the file saved as Latin-1?)"
        ) from None


def _check_header(path: Path, header: list[str], contract: Contract) -> None:
    if len(header) == 1 and any(sep in header[0] for sep in (",", "\t", "|")):
        raise ContractError(path, 1, None, "the header has one column: the separator must be ';'")
    seen = set()
    for name in header:
        if name in seen:
            raise ContractError(path, 1, name, "column appears twice in the header")
        seen.add(name)
    missing = [c.name for c in contract.columns if c.name not in seen and c.name not in contract.accepts_absent]
    if missing:
        raise ContractError(path, 1, missing[0], f"required column missing (all missing: {', '.join(missing)})")


def _check_field_counts(path: Path, text: str, n_fields: int) -> None:
    """Every line must have as many fields as the header: catches truncated and shifted lines."""
    if '"' in text:  # quoted fields may hold ';' or newlines: let the csv module count
        import csv

        reader = csv.reader(io.StringIO(text), delimiter=";")
        for row in reader:
            if len(row) != n_fields:
                raise ContractError(path, reader.line_num, None, f"expected {n_fields} fields, found {len(row)}")
        return
    lines = text.split("\n")
    counts = np.fromiter((line.count(";") for line in lines), dtype=np.int64, count=len(lines))
    bad = np.flatnonzero(counts != n_fields - 1)
    if bad.size:
        i = int(bad[0])
        found = 0 if not lines[i].strip() else int(counts[i]) + 1
        hint = " (truncated line?)" if i == len(lines) - 1 else ""
        raise ContractError(path, i + 1, None, f"expected {n_fields} fields, found {found}{hint}")


def _first_bad(path: Path, column: Column, bad: np.ndarray, raw: pd.Series, why: str | None) -> None:
    """Raise for the first flagged line; `why` None means the value is missing."""
    idx = np.flatnonzero(bad)
    if idx.size:
        i = int(idx[0])
        more = f" ({idx.size - 1} more such lines)" if idx.size > 1 else ""
        if why is None:
            raise ContractError(path, i + 2, column.name, f"the value is required but empty{more}")
        value = "" if column.kind == "cpr" else f" {_shown(raw.iloc[i])}"
        raise ContractError(path, i + 2, column.name, f"value{value} is not {why}{more}")


def _parse_money(raw: pd.Series) -> np.ndarray:
    """'1234.5' -> 123450 øre, exactly, from the text (the rules' own exact parser)."""
    ore, bad, _ = parse_decimal_strings(pa.array(raw.to_numpy(dtype=object), type=pa.string()), scale=2,
                                        allow_negative=True)
    if bad.any():  # the contract's pattern was checked first; disagreeing parsers are a bug, not data
        raise AssertionError("money parsers disagree")
    return ore


def _check_format(path: Path, column: Column, raw: pd.Series) -> np.ndarray:
    """Required, enum and pattern rules; returns which values are filled."""
    empty = (raw == "").to_numpy()
    if column.required and empty.any():
        _first_bad(path, column, empty, raw, None)
    filled = ~empty
    if column.kind == "enum":
        bad = filled & ~raw.isin(column.values).to_numpy()
        _first_bad(path, column, bad, raw, f"one of {', '.join(column.values)}")
    elif column.kind != "text":
        bad = filled & ~raw.str.fullmatch(_PATTERNS[column.kind]).to_numpy(dtype=bool, na_value=False)
        _first_bad(path, column, bad, raw, _EXPECTED[column.kind])
    return filled


def _kroner(ore: int) -> str:
    return f"{ore // 100:,}.{ore % 100:02d}" if ore >= 0 else f"-{_kroner(-ore)}"


def _money_ore(path: Path, column: Column, raw: pd.Series, filled: np.ndarray) -> pd.Series:
    """Integer øre within the column's range; an optional column's empty values stay missing."""
    ore = np.zeros(len(raw), dtype=np.int64)
    ore[filled] = _parse_money(raw[filled])
    low, high = column.limits
    outside = filled & ((ore < low) | (ore > high))
    _first_bad(path, column, outside, raw, f"an amount from {_kroner(low)} to {_kroner(high)} kr")
    series = pd.Series(ore, index=raw.index)
    return series if column.required else series.astype("Int64").where(filled, pd.NA)


def _datetimes(path: Path, column: Column, raw: pd.Series, filled: np.ndarray) -> pd.Series:
    parsed = pd.to_datetime(
        raw.where(filled, None),
        format="%Y-%m-%d" if column.kind == "date" else "ISO8601",
        errors="coerce",
        utc=column.kind == "timestamp",
    )
    _first_bad(path, column, filled & parsed.isna().to_numpy(), raw, f"{_EXPECTED[column.kind]} that exists")
    return parsed.astype("datetime64[us, UTC]" if column.kind == "timestamp" else "datetime64[us]")


def _convert(path: Path, column: Column, raw: pd.Series) -> pd.Series:
    filled = _check_format(path, column, raw)
    if column.kind in ("text", "id", "enum", "cpr", "month"):
        return raw.where(filled, None).astype("str")
    if column.kind in ("date", "timestamp"):
        return _datetimes(path, column, raw, filled)
    if column.kind == "boolean":
        return pd.Series((raw == "true").to_numpy(), index=raw.index)  # an empty optional boolean reads false
    if column.kind == "money":
        return _money_ore(path, column, raw, filled)
    if column.kind == "integer":
        return raw.where(filled, "0").astype("int64")
    if column.kind == "decimal":
        return raw.where(filled, "nan").astype("float64")
    raise AssertionError(column.kind)


def read_csv(path: str | Path, contract: Contract) -> pd.DataFrame:
    """Read one delivery, enforcing its contract. Columns not in the contract are ignored."""
    path = Path(path)
    text = _decode(path, path.read_bytes()).replace("\r\n", "\n").rstrip("\n")
    if not text:
        raise ContractError(path, 1, None, "the file is empty (no header)")
    header = text.split("\n", 1)[0].split(";")
    header = [h.strip('"') for h in header]
    _check_header(path, header, contract)
    _check_field_counts(path, text, len(header))
    raw = pd.read_csv(
        io.StringIO(text), sep=";", dtype=str, keep_default_na=False, na_filter=False, skip_blank_lines=False
    )
    return _typed(path, contract, raw)


def _typed(path: Path, contract: Contract, raw: pd.DataFrame) -> pd.DataFrame:
    out = {}
    for column in contract.columns:
        if column.name in raw.columns:
            out[column.stored_name] = _convert(path, column, raw[column.name].astype(str))
        elif column.kind == "boolean":  # an optional column the header may omit: an absent boolean reads false
            out[column.stored_name] = pd.Series(False, index=raw.index, dtype="bool")
        else:
            dtype = "Int64" if column.kind == "money" else "str"
            out[column.stored_name] = pd.Series(pd.NA, index=raw.index, dtype=dtype)
    frame = pd.DataFrame(out, index=raw.index)
    frame["source_file"] = pd.Series(path.name, index=raw.index, dtype="str")
    frame["source_line"] = np.arange(2, len(frame) + 2, dtype=np.int64)
    return frame


def empty_frame(contract: Contract) -> pd.DataFrame:
    """A frame with no rows and the dtypes a delivery of this contract would have."""
    return _typed(Path("(none)"), contract, pd.DataFrame({c.name: pd.Series(dtype=str) for c in contract.columns}))


def read_change_notifications(path: str | Path) -> pd.DataFrame:
    """One JSON object per line; `old`/`new` are kept as JSON text for the reconciliation checks."""
    path = Path(path)
    text = _decode(path, path.read_bytes())
    rows, lines = [], []
    for number, line in enumerate(text.split("\n"), start=1):
        if not line.strip():
            continue
        try:
            obj = json.loads(line)
        except json.JSONDecodeError as err:
            raise ContractError(path, number, None, f"not a JSON object ({err.msg} at character {err.colno})") from None
        if not isinstance(obj, dict):
            raise ContractError(path, number, None, "not a JSON object")
        for key in ("old", "new"):
            if not isinstance(obj.get(key), dict):
                raise ContractError(path, number, key, "must be an object of changed register columns")
        rows.append(
            {c.name: "" if obj.get(c.name) is None else str(obj[c.name]) for c in CHANGE_NOTIFICATION.columns}
            | {"old": json.dumps(obj["old"], sort_keys=True), "new": json.dumps(obj["new"], sort_keys=True)}
        )
        lines.append(number)
    raw = pd.DataFrame(rows, columns=[c.name for c in CHANGE_NOTIFICATION.columns] + ["old", "new"], dtype=str)
    return _typed_notifications(path, raw, lines)


def _typed_notifications(path: Path, raw: pd.DataFrame, lines: list[int]) -> pd.DataFrame:
    out = {}
    for column in CHANGE_NOTIFICATION.columns:
        try:
            out[column.name] = _convert(path, column, raw[column.name])
        except ContractError as err:  # _convert counts CSV lines (header + 1); map back to JSONL lines
            raise ContractError(path, lines[err.line - 2], err.column, err.message) from None
    frame = pd.DataFrame(out, index=raw.index)
    frame["old"], frame["new"] = raw["old"].astype("str"), raw["new"].astype("str")
    frame["source_file"] = pd.Series(path.name, index=raw.index, dtype="str")
    frame["source_line"] = np.asarray(lines, dtype=np.int64)
    return frame


def empty_change_notifications() -> pd.DataFrame:
    names = [c.name for c in CHANGE_NOTIFICATION.columns] + ["old", "new"]
    return _typed_notifications(Path("(none)"), pd.DataFrame({n: pd.Series(dtype=str) for n in names}), [])


def unique_events(events: pd.DataFrame, folder: Path) -> pd.DataFrame:
    """Each event_id once, as read from the files in `folder` (in file, then line order).

    An event delivered twice with the same content is normal (events can arrive twice); the same
    event_id with different content cannot be both true, so it is a contract error naming both places.
    """
    content = [c.name for c in CHANGE_NOTIFICATION.columns] + ["old", "new"]
    repeated = events[events["event_id"].duplicated(keep=False).to_numpy()]  # few: compare only these
    distinct = repeated.drop_duplicates(content)
    clash = distinct["event_id"].duplicated(keep=False).to_numpy()
    if clash.any():
        first = distinct[clash].iloc[0]
        _event_clash(folder, distinct[distinct["event_id"] == first["event_id"]].iloc[:2], content)
    return events.drop_duplicates("event_id").reset_index(drop=True)


def _event_clash(folder: Path, pair: pd.DataFrame, content: list[str]) -> None:
    a, b = pair.iloc[0], pair.iloc[1]
    column = next(c for c in content if a[c] != b[c])
    raise ContractError(
        folder / a["source_file"], int(a["source_line"]), column,
        f"event_id {_shown(a['event_id'])} comes again in {b['source_file']}, line {int(b['source_line'])}, "
        f"with a different {column}: one event_id is one event",
    )
