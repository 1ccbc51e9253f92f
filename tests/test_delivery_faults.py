"""Bad deliveries stop at the door: identifiers, money ranges, empty files typed like full ones,
contradicting change notifications, re-delivered and misnamed files (contracts/README.md)."""

import json
import shutil
from pathlib import Path

import pandas as pd
import pytest

from boligstoette import contracts
from boligstoette.contracts import ContractError
from boligstoette.landing import Landing
from orchestration.warehouse import Warehouse
from tests.conftest import MONTH_READERS, SAMPLE_MONTH

# A delivery of each CSV contract in the sample landing folder (tests/conftest.py).
SAMPLE_FILES = {
    "REGISTER": "register/huslejeregister_20261115.csv",
    "BBR_UNITS": "bbr/bbr_units_20261110.csv",
    "APPLICATIONS": "cases/applications_20261118.csv",
    "HOUSEHOLD_MEMBERS": "cases/household_members_20261118.csv",
    "EINDKOMST": "income/eindkomst_202610.csv",
    "FORSKUD": "income/forskud_2026.csv",
    "AARSOPGOERELSE": "income/aarsopgoerelse_2025.csv",
}
CHANGES = "register_changes/changes_20261110T013000.jsonl"
# contracts/README.md names these; the rule is by name, in whatever delivery they appear.
IDENTIFIERS = ("org_id", "afdeling_id", "unit_id", "bbr_unit_id", "lease_id", "case_id", "event_id")


def _one_row(sample_landing: Path, contract: str, tmp_path: Path, **values: str) -> pd.DataFrame:
    """Read the sample's first row of a contract's delivery, with some fields replaced (or added)."""
    lines = (sample_landing / SAMPLE_FILES[contract]).read_text(encoding="utf-8").splitlines()
    row = dict(zip(lines[0].split(";"), lines[1].split(";"), strict=True)) | values
    path = tmp_path / Path(SAMPLE_FILES[contract]).name
    path.write_text(";".join(row) + "\n" + ";".join(row.values()) + "\n", encoding="utf-8")
    return contracts.read_csv(path, getattr(contracts, contract))


def _first_event(sample_landing: Path) -> dict:
    return json.loads((sample_landing / CHANGES).read_text(encoding="utf-8").splitlines()[0])


def _write_events(path: Path, events: list[dict]) -> Path:
    path.write_text("".join(json.dumps(e) + "\n" for e in events), encoding="utf-8")
    return path


# --- 1. identifiers ------------------------------------------------------------------------------

ID_COLUMNS = [(name, c.name) for name in SAMPLE_FILES for c in getattr(contracts, name).columns
              if c.name in IDENTIFIERS]


def test_every_contract_id_column_is_covered():
    assert {column for _, column in ID_COLUMNS} == set(IDENTIFIERS) - {"event_id"}


@pytest.mark.parametrize("contract, column", ID_COLUMNS)
def test_an_id_outside_the_format_is_a_contract_error_at_its_line_and_column(sample_landing, tmp_path, contract,
                                                                             column):
    with pytest.raises(ContractError) as err:
        _one_row(sample_landing, contract, tmp_path, **{column: "1/08"})
    assert (err.value.line, err.value.column) == (2, column)
    assert Path(SAMPLE_FILES[contract]).name in str(err.value) and "identifier" in str(err.value)


def test_an_id_with_a_newline_inside_quotes_is_a_contract_error(sample_landing, tmp_path):
    with pytest.raises(ContractError) as err:
        _one_row(sample_landing, "REGISTER", tmp_path, org_id='"1\n08"')
    assert (err.value.line, err.value.column) == (2, "org_id")


@pytest.mark.parametrize("value", ["1", "a" * 40, "A.b-c_9", "0123", "_x", "-x", "x."])
def test_ids_of_the_documented_form_are_accepted(sample_landing, tmp_path, value):
    assert _one_row(sample_landing, "REGISTER", tmp_path, lease_id=value)["lease_id"].tolist() == [value]


@pytest.mark.parametrize("value", ["a" * 41, ".a", "a b", "a/b", "æble", "a\\b", "a:b", " a"])
def test_ids_of_another_form_are_rejected(sample_landing, tmp_path, value):
    with pytest.raises(ContractError) as err:
        _one_row(sample_landing, "REGISTER", tmp_path, lease_id=value)
    assert err.value.column == "lease_id"


@pytest.mark.parametrize("column", ["event_id", "org_id", "unit_id", "lease_id"])
def test_an_id_outside_the_format_in_a_notification_names_the_jsonl_line(sample_landing, tmp_path, column):
    good = _first_event(sample_landing)
    path = _write_events(tmp_path / "changes_20261201T000000.jsonl", [good, dict(good, **{column: "1/08"})])
    with pytest.raises(ContractError) as err:
        contracts.read_change_notifications(path)
    assert (err.value.line, err.value.column) == (2, column)


# --- 2. money ranges -----------------------------------------------------------------------------

RENT = ("0.00", "10000000.00", "-0.01", "10000000.01")  # lowest, highest, and just outside each
INCOME = ("-10000000.00", "100000000.00", "-10000000.01", "100000000.01")
WEALTH = ("0.00", "1000000000.00", "-0.01", "1000000000.01")
MONEY = {
    ("REGISTER", "rent_monthly"): RENT,
    ("REGISTER", "supplements_monthly"): RENT,
    ("EINDKOMST", "amount"): INCOME,
    ("FORSKUD", "other_income"): INCOME,
    ("FORSKUD", "personal_income"): INCOME,
    ("FORSKUD", "wealth"): WEALTH,
    ("AARSOPGOERELSE", "other_income"): INCOME,
    ("AARSOPGOERELSE", "personal_income"): INCOME,
    ("AARSOPGOERELSE", "wealth"): WEALTH,
}
RANGE_TESTED_ELSEWHERE = {("OBJECTIONS", "accepted_income")}  # the sample has no objections: test_lookback_landing.py


def test_every_money_column_of_every_contract_has_its_range_here():
    found = {(name, c.name) for name, contract in vars(contracts).items() if isinstance(contract, contracts.Contract)
             for c in contract.columns if c.kind == "money"}
    assert found == set(MONEY) | RANGE_TESTED_ELSEWHERE


@pytest.mark.parametrize("contract, column", list(MONEY))
def test_money_inside_its_range_is_read_exactly_and_outside_is_a_contract_error(sample_landing, tmp_path, contract,
                                                                                column):
    low, high, below, above = MONEY[contract, column]
    for value in (low, high):
        frame = _one_row(sample_landing, contract, tmp_path, **{column: value})
        assert frame[f"{column}_ore"].tolist() == [int(value.replace(".", ""))]
    for value in (below, above):
        with pytest.raises(ContractError) as err:
            _one_row(sample_landing, contract, tmp_path, **{column: value})
        assert (err.value.line, err.value.column) == (2, column)
        assert "kr" in err.value.message


@pytest.mark.parametrize("rent", ["-100.00", "1000000000.00"])
def test_a_negative_or_absurd_rent_stops_the_snapshot_at_read(landing, rent):
    path = landing / SAMPLE_FILES["REGISTER"]
    lines = path.read_text(encoding="utf-8").splitlines()
    col = lines[0].split(";").index("rent_monthly")
    fields = lines[5].split(";")
    fields[col] = rent
    lines[5] = ";".join(fields)
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    with pytest.raises(ContractError) as err:
        Landing(landing).read_register_snapshot(SAMPLE_MONTH)
    assert (err.value.line, err.value.column) == (6, "rent_monthly")
    assert "huslejeregister_20261115.csv" in str(err.value)


# --- 3. empty deliveries typed like full ones ----------------------------------------------------

def _dtypes(frame: pd.DataFrame) -> dict[str, str]:
    return {str(c): str(t) for c, t in frame.dtypes.items()}


@pytest.mark.parametrize("contract", list(SAMPLE_FILES))
def test_a_header_only_delivery_has_the_columns_and_dtypes_of_a_full_one(sample_landing, tmp_path, contract):
    lines = (sample_landing / SAMPLE_FILES[contract]).read_text(encoding="utf-8").splitlines()
    header_only, one_row = tmp_path / "h.csv", tmp_path / "o.csv"
    header_only.write_text(lines[0] + "\n", encoding="utf-8")
    one_row.write_text("\n".join(lines[:2]) + "\n", encoding="utf-8")
    empty = contracts.read_csv(header_only, getattr(contracts, contract))
    full = contracts.read_csv(one_row, getattr(contracts, contract))
    assert len(empty) == 0 and len(full) == 1
    assert _dtypes(empty) == _dtypes(full)
    assert _dtypes(contracts.empty_frame(getattr(contracts, contract))) == _dtypes(full)


def test_an_empty_notification_file_has_the_columns_and_dtypes_of_a_full_one(sample_landing, tmp_path):
    empty = contracts.read_change_notifications(_write_events(tmp_path / "changes_1.jsonl", []))
    full = contracts.read_change_notifications(_write_events(tmp_path / "changes_2.jsonl",
                                                             [_first_event(sample_landing)]))
    assert _dtypes(empty) == _dtypes(full) == _dtypes(contracts.empty_change_notifications())


def _header_only(landing: Path) -> None:
    for path in landing.glob("*/*.csv"):
        path.write_text(path.read_text(encoding="utf-8").split("\n", 1)[0] + "\n", encoding="utf-8")
    for path in landing.glob("register_changes/*.jsonl"):
        path.write_text("", encoding="utf-8")


def _no_forskud(landing: Path) -> None:
    for path in landing.glob("income/forskud_*.csv"):
        path.unlink()


def _no_tax_assessments(landing: Path) -> None:
    for path in [*landing.glob("income/forskud_*.csv"), *landing.glob("income/aarsopgoerelse_*.csv")]:
        path.unlink()


@pytest.mark.parametrize("emptied", [_header_only, _no_forskud, _no_tax_assessments], ids=lambda f: f.__name__)
def test_a_month_of_empty_deliveries_is_stored_like_a_full_month(sample_landing, landing, tmp_path, emptied):
    """Every reader gives the same columns and dtypes whatever arrived, so the asset storage takes
    the full month after the empty one (it refuses a table's dtypes changing)."""
    emptied(landing)
    warehouse = Warehouse(f"sqlite:///{tmp_path / 'warehouse.sqlite'}")
    for table, read in MONTH_READERS.items():
        empty, full = read(Landing(landing)), read(Landing(sample_landing))
        assert _dtypes(empty) == _dtypes(full), table
        warehouse.replace_partition(table, "2026-11", empty.reset_index(drop=True))
        warehouse.replace_partition(table, SAMPLE_MONTH, full.reset_index(drop=True))


# --- 4. change notifications: one event_id, one content ------------------------------------------

def test_the_same_event_arriving_twice_is_read_once(sample_landing, landing):
    before = Landing(landing).read_change_notifications(SAMPLE_MONTH)
    event = before.iloc[0]
    source = json.loads((landing / "register_changes" / event["source_file"]).read_text(encoding="utf-8")
                        .splitlines()[int(event["source_line"]) - 1])
    in_utc = dict(source, registered_at=event["registered_at"].strftime("%Y-%m-%dT%H:%M:%SZ"))  # the same instant
    _write_events(landing / "register_changes" / "changes_20261201T000000.jsonl", [source, in_utc, source])
    after = Landing(landing).read_change_notifications(SAMPLE_MONTH)
    pd.testing.assert_frame_equal(after, before)


def test_the_same_event_id_with_other_content_in_two_files_names_both(landing):
    before = Landing(landing).read_change_notifications(SAMPLE_MONTH)
    event = before.iloc[0]
    source = json.loads((landing / "register_changes" / event["source_file"]).read_text(encoding="utf-8")
                        .splitlines()[int(event["source_line"]) - 1])
    other = dict(source, effective_date="2020-01-01")
    _write_events(landing / "register_changes" / "changes_20261201T000000.jsonl", [source | {"event_id": "x"}, other])
    with pytest.raises(ContractError) as err:
        Landing(landing).read_change_notifications(SAMPLE_MONTH)
    message = str(err.value)
    assert f"{event['source_file']}, line {event['source_line']}" in message
    assert "changes_20261201T000000.jsonl, line 2" in message
    assert err.value.column == "effective_date"


def test_the_same_event_id_with_other_content_in_one_file_names_both_lines(sample_landing, landing):
    event = dict(_first_event(sample_landing), event_id="dup-1")
    again = dict(event, new={"rent_monthly": "1.00"})
    _write_events(landing / "register_changes" / "changes_20261201T000000.jsonl", [event, event, again])
    with pytest.raises(ContractError) as err:
        Landing(landing).read_change_notifications(SAMPLE_MONTH)
    assert err.value.line == 1 and err.value.column == "new"
    assert "changes_20261201T000000.jsonl, line 1" in str(err.value)
    assert "changes_20261201T000000.jsonl, line 3" in str(err.value)


# --- 5. re-deliveries and misnamed files ---------------------------------------------------------

def _rewrite(src: Path, dst: Path, change=None) -> pd.DataFrame:
    frame = pd.read_csv(src, sep=";", dtype=str, keep_default_na=False)
    frame = change(frame) if change else frame
    frame.to_csv(dst, sep=";", index=False)
    return frame


def test_a_re_delivered_snapshot_replaces_its_date_and_the_highest_n_wins(landing):
    register = landing / "register"
    first = register / "huslejeregister_20261115.csv"
    rent = _rewrite(first, register / "huslejeregister_20261115_r2.csv",
                    lambda f: f.assign(rent_monthly="1234.56"))["rent_monthly"]
    lands = Landing(landing)
    current, previous = lands.register_snapshots(SAMPLE_MONTH)
    assert current.path.name == "huslejeregister_20261115_r2.csv"
    assert previous.path.name == "huslejeregister_20261015.csv"  # the date before, not the replaced delivery
    frame, _ = lands.read_register_snapshot(SAMPLE_MONTH)
    assert (frame["rent_monthly_ore"] == 123456).all() and len(frame) == len(rent)
    for n in (9, 10):  # numbers, not text: r10 is later than r9
        _rewrite(first, register / f"huslejeregister_20261115_r{n}.csv", lambda f, n=n: f.assign(rent_monthly=str(n)))
    assert lands.register_snapshots(SAMPLE_MONTH)[0].path.name == "huslejeregister_20261115_r10.csv"
    assert (lands.read_register_snapshot(SAMPLE_MONTH)[0]["rent_monthly_ore"] == 1000).all()
    # a re-delivery counts as arriving on its date: one dated after the cut-off is not December's
    _rewrite(first, register / "huslejeregister_20261121_r2.csv")
    assert lands.register_snapshots(SAMPLE_MONTH)[0].path.name == "huslejeregister_20261115_r10.csv"
    assert lands.register_snapshots("2027-01")[0].path.name == "huslejeregister_20261121_r2.csv"


def test_re_delivered_bbr_applications_and_members_replace_their_date_whole(landing):
    cases, lands = landing / "cases", Landing(landing)
    apps = lands.read_applications(SAMPLE_MONTH)
    dropped = apps["case_id"].iloc[0]
    _rewrite(cases / "applications_20261118.csv", cases / "applications_20261118_r2.csv",
             lambda f: f[f["case_id"] != dropped])
    _rewrite(cases / "household_members_20261118.csv", cases / "household_members_20261118_r2.csv",
             lambda f: f[f["case_id"] != dropped])
    _rewrite(landing / "bbr" / "bbr_units_20261110.csv", landing / "bbr" / "bbr_units_20261110_r2.csv",
             lambda f: f.assign(rooms="9"))
    assert set(lands.read_applications(SAMPLE_MONTH)["case_id"]) == set(apps["case_id"]) - {dropped}
    members = lands.read_household_members(SAMPLE_MONTH)
    assert dropped not in set(members["case_id"])
    assert (members["source_file"] == "household_members_20261118_r2.csv").all()
    bbr, delivery = lands.read_bbr_units(SAMPLE_MONTH)
    assert delivery.path.name == "bbr_units_20261110_r2.csv" and (bbr["rooms"] == 9).all()


def test_an_eindkomst_re_delivery_reported_after_the_cutoff_waits_for_a_later_month(landing):
    income = landing / "income"
    _rewrite(income / "eindkomst_202610.csv", income / "eindkomst_202610_r2.csv",
             lambda f: f.assign(amount="1.00", reported_at="2026-11-25T09:00:00+01:00"))
    lands = Landing(landing)
    december = lands.read_eindkomst(SAMPLE_MONTH)
    assert set(december.loc[december["month"] == "2026-10", "source_file"]) == {"eindkomst_202610.csv"}
    january = lands.read_eindkomst("2027-01")
    assert set(january.loc[january["month"] == "2026-10", "source_file"]) == {"eindkomst_202610_r2.csv"}


def test_a_re_delivered_tax_assessment_replaces_its_year(landing):
    income = landing / "income"
    _rewrite(income / "forskud_2026.csv", income / "forskud_2026_r2.csv", lambda f: f.assign(wealth="7.00"))
    frame = Landing(landing).read_tax_assessments(SAMPLE_MONTH)
    forskud = frame[(frame["kind"] == "forskud") & (frame["year"] == 2026)]
    assert len(forskud) > 0 and (forskud["wealth_ore"] == 700).all()
    assert (forskud["source_file"] == "forskud_2026_r2.csv").all()


MISNAMED = {
    "register/README.txt": MONTH_READERS["register_snapshot"],
    "register/huslejeregister_20261115_r1.csv": MONTH_READERS["register_snapshot"],
    "register/huslejeregister_20261115_v2.csv": MONTH_READERS["previous_register_snapshot"],
    "register/huslejeregister_20261115.csv.bak": MONTH_READERS["register_changes"],
    "register/huslejeregister_20261116/": MONTH_READERS["register_snapshot"],  # a folder is not a delivery either
    "register_changes/changes_20261110T013000_r2.jsonl": MONTH_READERS["register_changes"],
    "bbr/bbr_units_2026-11-10.csv": MONTH_READERS["bbr_units"],
    "cases/applications_20261118 (1).csv": MONTH_READERS["applications"],
    "cases/Household_members_20261119.csv": MONTH_READERS["household_members"],
    "income/eindkomst_202610_fix.csv": MONTH_READERS["eindkomst"],
    "income/forskud_2026_r02.csv": MONTH_READERS["tax_assessments"],
}


@pytest.mark.parametrize("name", list(MISNAMED))
def test_a_file_whose_name_fits_no_pattern_is_an_error_naming_it(landing, name):
    path = landing / name
    if name.endswith("/"):
        path.mkdir()
    else:
        path.write_text("whatever it holds\n", encoding="utf-8")
    with pytest.raises(ContractError) as err:
        MISNAMED[name](Landing(landing))
    assert Path(err.value.file).name == path.name and "not a delivery" in err.value.message


def test_hidden_files_and_known_kinds_not_read_here_are_no_error(sample_landing, landing):
    shutil.copy(landing / SAMPLE_FILES["REGISTER"], landing / "register" / ".huslejeregister_20261119.csv.part")
    (landing / "income" / ".DS_Store").write_bytes(b"\0")
    (landing / "cases" / "moves_20261118.csv").write_text("cpr;moved_on;address;postal_code;registered_at\n")
    (landing / "income" / "pension_settlement_2025.csv").write_text("cpr;year;pension;settled_at\n")
    for table, read in MONTH_READERS.items():
        pd.testing.assert_frame_equal(read(Landing(landing)), read(Landing(sample_landing)), obj=table)
