"""Objections to lookback letters: the contract and what a benefit month knows at its cut-off."""

import pandas as pd
import pytest

from boligstoette import contracts
from boligstoette.contracts import ContractError
from boligstoette.landing import Landing

HEADER = "case_id;period;decision;accepted_income;decided_by;decided_at"


def _deliver(root, name: str, *rows: str, header: str = HEADER) -> None:
    folder = root / "objections"
    folder.mkdir(parents=True, exist_ok=True)
    (folder / name).write_text("\n".join([header, *rows]) + "\n", encoding="utf-8")


def test_objections_contract_reads_money_exactly_and_an_absent_optional_column(tmp_path):
    _deliver(tmp_path, "objections_20260210.csv", "C1;2026-01;upheld;21000.50;cw1;2026-02-10T10:00:00+01:00",
             "C2;2026-01;upheld;;cw1;2026-02-10T10:00:00+01:00")
    frame = contracts.read_csv(tmp_path / "objections" / "objections_20260210.csv", contracts.OBJECTIONS)
    assert frame["accepted_income_ore"].tolist() == [2_100_050, pd.NA]
    assert str(frame["accepted_income_ore"].dtype) == "Int64"
    assert str(frame["decided_at"].iloc[0]) == "2026-02-10 09:00:00+00:00"
    _deliver(tmp_path, "objections_20260211.csv", "C3;2026-01;rejected;cw2;2026-02-11T10:00:00+01:00",
             header="case_id;period;decision;decided_by;decided_at")
    frame = contracts.read_csv(tmp_path / "objections" / "objections_20260211.csv", contracts.OBJECTIONS)
    assert frame["accepted_income_ore"].isna().all()


@pytest.mark.parametrize("value, ore", [("-10000000.00", -1_000_000_000), ("100000000.00", 10_000_000_000),
                                        ("-10000000.01", None), ("100000000.01", None)])
def test_accepted_income_takes_the_monthly_income_range(tmp_path, value, ore):
    _deliver(tmp_path, "objections_20260210.csv", f"C1;2026-01;upheld;{value};cw1;2026-02-10T10:00:00+01:00")
    path = tmp_path / "objections" / "objections_20260210.csv"
    if ore is not None:
        assert contracts.read_csv(path, contracts.OBJECTIONS)["accepted_income_ore"].tolist() == [ore]
        return
    with pytest.raises(ContractError, match="kr") as err:
        contracts.read_csv(path, contracts.OBJECTIONS)
    assert (err.value.line, err.value.column) == (2, "accepted_income")


def test_only_decisions_known_at_the_cutoff_are_seen(tmp_path):
    # benefit month 2026-03: cut-off 2026-02-20, i.e. 2026-02-20T23:00:00Z (end of the day in Copenhagen)
    _deliver(tmp_path, "objections_20260210.csv",
             "C1;2026-01;rejected;;cw1;2026-02-10T10:00:00+01:00",
             "C3;2026-01;upheld;;cw1;2026-02-20T23:59:00+01:00",  # the last minute of the cut-off day
             "C2;2026-01;upheld;;cw1;2026-02-21T00:30:00+01:00")  # decided after the cut-off
    _deliver(tmp_path, "objections_20260218.csv", "C1;2026-01;upheld;20500;cw2;2026-02-18T09:00:00+01:00")
    _deliver(tmp_path, "objections_20260225.csv", "C4;2026-01;upheld;;cw1;2026-02-19T09:00:00+01:00")  # file later
    seen = Landing(tmp_path).read_objections("2026-03")
    assert seen[["case_id", "decision", "accepted_income_ore"]].astype(object).values.tolist() == [
        ["C1", "upheld", 2_050_000], ["C3", "upheld", pd.NA]]
    later = Landing(tmp_path).read_objections("2026-04")
    assert later["case_id"].tolist() == ["C1", "C2", "C3", "C4"]


def test_the_latest_decision_wins_whatever_the_file_order(tmp_path):
    _deliver(tmp_path, "objections_20260210.csv", "C1;2026-01;upheld;;cw1;2026-02-12T10:00:00+01:00")
    _deliver(tmp_path, "objections_20260212.csv", "C1;2026-01;rejected;;cw1;2026-02-11T10:00:00+01:00",
             "C1;2025-12;rejected;;cw1;2026-02-11T10:00:00+01:00")
    seen = Landing(tmp_path).read_objections("2026-03")
    assert seen[["period", "decision"]].values.tolist() == [["2025-12", "rejected"], ["2026-01", "upheld"]]


def test_a_redelivery_replaces_its_date(tmp_path):
    _deliver(tmp_path, "objections_20260210.csv", "C1;2026-01;upheld;;cw1;2026-02-10T10:00:00+01:00")
    _deliver(tmp_path, "objections_20260210_r2.csv", "C1;2026-01;rejected;;cw1;2026-02-10T10:00:00+01:00")
    assert Landing(tmp_path).read_objections("2026-03")["decision"].tolist() == ["rejected"]


def test_no_objections_is_an_empty_typed_frame(tmp_path):
    empty = Landing(tmp_path).read_objections("2026-03")
    typed = contracts.empty_frame(contracts.OBJECTIONS)
    assert empty.empty and list(empty.columns) == list(typed.columns)
    assert empty.dtypes.astype(str).tolist() == typed.dtypes.astype(str).tolist()
    _deliver(tmp_path, "objections_20260301.csv", "C1;2026-01;upheld;;cw1;2026-03-01T10:00:00+01:00")
    assert Landing(tmp_path).read_objections("2026-03").empty
    assert Landing(tmp_path).read_objections("2026-03").dtypes.astype(str).tolist() == typed.dtypes.astype(str).tolist()


@pytest.mark.parametrize("row, column", [
    ("C2;2026-01;maybe;;cw1;2026-02-10T10:00:00+01:00", "decision"),
    ("C2;2026-01;upheld;12,50;cw1;2026-02-10T10:00:00+01:00", "accepted_income"),
    ("C2;2026-13;upheld;;cw1;2026-02-10T10:00:00+01:00", "period"),
    ("C 2;2026-01;upheld;;cw1;2026-02-10T10:00:00+01:00", "case_id"),
    ("C2;2026-01;upheld;;;2026-02-10T10:00:00+01:00", "decided_by"),
    ("C2;2026-01;upheld;;cw1;2026-02-10 10:00", "decided_at"),
])
def test_a_bad_field_names_file_line_and_column(tmp_path, row, column):
    good = "C1;2026-01;rejected;;cw1;2026-02-10T10:00:00+01:00"
    _deliver(tmp_path, "objections_20260210.csv", good, row)
    with pytest.raises(ContractError) as err:
        Landing(tmp_path).read_objections("2026-03")
    assert (err.value.file.endswith("objections_20260210.csv"), err.value.line, err.value.column) == (True, 3, column)


def test_a_misnamed_file_in_the_objections_folder_is_an_error(tmp_path):
    _deliver(tmp_path, "objections_2026-02-10.csv", "C1;2026-01;rejected;;cw1;2026-02-10T10:00:00+01:00")
    with pytest.raises(ContractError, match="not a delivery"):
        Landing(tmp_path).read_objections("2026-03")
