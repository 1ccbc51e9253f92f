"""A delivery that breaks its contract fails the materialisation with file, line and column, and
the partition already stored stays exactly as it was."""

import dagster as dg
import pandas as pd
import pytest

from assets.register import previous_register_snapshot, register_snapshot
from orchestration.console import step_failures
from orchestration.resources import LandingFolder
from orchestration.warehouse import Warehouse, WarehouseIOManager
from tests.conftest import SAMPLE_MONTH

SNAPSHOT = "register/huslejeregister_20261115.csv"  # the snapshot in force for 2026-12


def _materialise(landing, url):
    return dg.materialize(
        [previous_register_snapshot, register_snapshot],
        partition_key=SAMPLE_MONTH,
        resources={"landing": LandingFolder(root=str(landing)), "io_manager": WarehouseIOManager(url=url)},
        raise_on_error=False,
    )


def _wrong_separator(text: str) -> tuple[str, int]:
    return text.replace(";", ","), 1


def _missing_column(text: str) -> tuple[str, int]:
    lines = text.split("\n")
    drop = lines[0].split(";").index("area_m2")
    return "\n".join(";".join(f for i, f in enumerate(line.split(";")) if i != drop) for line in lines if line), 1


def _bad_date_on_line_7(text: str) -> tuple[str, int]:
    lines = text.split("\n")
    col = lines[0].split(";").index("lease_start")
    fields = lines[6].split(";")
    fields[col] = "2026-02-30"
    lines[6] = ";".join(fields)
    return "\n".join(lines), 7


def _truncated_last_line(text: str) -> tuple[str, int]:
    lines = text.rstrip("\n").split("\n")
    lines[-1] = lines[-1][: len(lines[-1]) // 2]
    return "\n".join(lines), len(lines)


CASES = {
    "wrong separator": (_wrong_separator, "separator"),
    "missing column": (_missing_column, "area_m2"),
    "bad date on line 7": (_bad_date_on_line_7, "lease_start"),
    "truncated last line": (_truncated_last_line, "expected"),
}


def _failure_message(result) -> str:
    failures = step_failures(result)
    assert failures, "the materialisation should have failed"
    return failures[0]


@pytest.fixture
def stored(landing, tmp_path):
    url = f"sqlite:///{tmp_path / 'warehouse.sqlite'}"
    result = _materialise(landing, url)
    assert result.success
    before = Warehouse(url).read_partitions("register_snapshot", [SAMPLE_MONTH])
    assert len(before) > 100
    return url, before


@pytest.mark.parametrize("case", list(CASES))
def test_broken_register_file_names_file_and_line_and_keeps_partition(case, landing, stored):
    url, before = stored
    corrupt, expected_in_message = CASES[case]
    path = landing / SNAPSHOT
    text, line = corrupt(path.read_text(encoding="utf-8"))
    path.write_text(text, encoding="utf-8")

    result = _materialise(landing, url)

    assert not result.success
    message = _failure_message(result)
    assert "huslejeregister_20261115.csv" in message
    assert f"line {line}" in message
    assert expected_in_message in message
    pd.testing.assert_frame_equal(Warehouse(url).read_partitions("register_snapshot", [SAMPLE_MONTH]), before)


def test_latin1_register_file_names_file_and_line_and_keeps_partition(landing, stored):
    url, before = stored
    path = landing / SNAPSHOT
    text = path.read_text(encoding="utf-8")
    data = text.encode("latin-1", errors="replace")  # æøå become single high bytes; ć and the like '?'
    first_non_ascii_line = next(i for i, line in enumerate(data.split(b"\n"), start=1) if not line.isascii())
    path.write_bytes(data)

    result = _materialise(landing, url)

    assert not result.success
    message = _failure_message(result)
    assert "huslejeregister_20261115.csv" in message
    assert f"line {first_non_ascii_line}," in message
    assert "not UTF-8" in message
    pd.testing.assert_frame_equal(Warehouse(url).read_partitions("register_snapshot", [SAMPLE_MONTH]), before)
