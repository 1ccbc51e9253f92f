"""The `register_snapshot` GX suite and the GX -> Dagster adapter (expectations/gx_checks.py)."""

import json
import re
import time

import dagster as dg
import numpy as np
import pandas as pd
import pytest

from expectations import SUITES_DIR
from expectations.gx_checks import (
    SuiteOutcome,
    is_personal_column,
    load_suite,
    to_asset_check_result,
    validate_frame,
)

SUITE = "register_snapshot"
CPR_PATTERN = re.compile(r"\d{6}-\d{4}")
CPRS = ["010190-1234", "311285-4321", "150702-2468"]
NAMES = ["Jens Hansen", "Mette Frederiksen Olsen", "Ahmad Nielsen"]


def good_frame() -> pd.DataFrame:
    """Three leases exactly as the stored snapshot holds them (pandas 3 dtypes)."""
    n = 3

    def day(*s):  # naive datetime64, NaT for None
        return pd.to_datetime(list(s))

    return pd.DataFrame(
        {
            "snapshot_date": day("2025-03-15", "2025-03-15", "2025-03-15"),
            "org_id": ["ORG1", "ORG1", "ORG2"],
            "afdeling_id": ["A1", "A1", "B7"],
            "unit_id": ["U1", "U2", "U3"],
            "bbr_unit_id": ["BBR-1", None, "BBR-3"],
            "address": ["Vestergade 1, 1. tv", "Vestergade 1, 2. th", "Norgesgade 9"],
            "postal_code": ["8000", "8000", "2300"],
            "municipality_code": ["751", "751", "101"],
            "lease_id": ["L1", "L2", "L3"],
            "tenure": ["lejer", "lejer", "andelshaver"],
            "tenant_name": NAMES,
            "tenant_cpr": [CPRS[0], None, CPRS[2]],
            "tenant_birth_date": day("1990-01-01", None, "2002-07-15"),
            "lease_start": day("2020-01-01", "2023-06-01", "2024-02-01"),
            "lease_end": day(None, None, "2025-12-31"),
            "area_m2": [65.5, 42.0, 80.0],
            "rooms": np.array([3, 1, 4], dtype="int64"),
            "heating_type": ["fjernvarme", "el", "varmepumpe"],
            "rent_monthly_ore": np.array([650_000, 420_050, 800_000], dtype="int64"),
            "supplements_monthly_ore": np.array([0, 15_000, 0], dtype="int64"),
            "rent_effective_from": day("2025-01-01", "2024-01-01", "2024-02-01"),
            "maintenance_duty": ["ingen", "delvis", "fuld"],
            "heating_payment": ["aconto_boligorganisation", "i_husleje", "egen_afregning"],
            "water_payment": ["aconto_forsyning", "i_husleje", "egen_afregning"],
            "drainage_payment": ["i_husleje", "i_husleje", "egen_afregning"],
            "electricity_payment": ["egen_afregning"] * n,
            "own_kitchen": [True, False, True],
            "garage_carport": [False, False, True],
            "accessible": [False, True, False],
            "student_dorm": [False, True, False],
            "rent_registered_at": pd.to_datetime(
                ["2024-12-01T10:00:00+01:00", "2023-12-15T08:30:00+01:00", "2024-01-20T12:00:00+00:00"], utc=True
            ),
            "source_file": ["huslejeregister_20250315.csv"] * n,
            "source_line": np.array([2, 3, 4], dtype="int64"),
        }
    )


def failures_of(outcome: SuiteOutcome, expectation: str, column: str | None) -> list[dict]:
    return [f for f in outcome.failures if f["expectation"] == expectation and f["column"] == column]


def only_failure(outcome: SuiteOutcome, expectation: str, column: str | None) -> dict:
    found = failures_of(outcome, expectation, column)
    assert len(found) == 1, f"expected one {expectation} on {column}, got {outcome.failures}"
    return found[0]


def metadata_json(result: dg.AssetCheckResult) -> str:
    """Everything a Dagster event would carry for this check, as one JSON string."""
    return json.dumps(
        {"description": result.description, **{k: getattr(v, "value", v) for k, v in result.metadata.items()}},
        default=str,
    )


# --- the suite file --------------------------------------------------------------------------


def test_suite_json_round_trips():
    import great_expectations as gx

    raw = json.loads((SUITES_DIR / f"{SUITE}.json").read_text(encoding="utf-8"))
    suite = load_suite(SUITE)
    assert suite.name == SUITE
    assert len(suite.expectations) == len(raw["expectations"])
    again = suite.to_json_dict()
    assert gx.ExpectationSuite(**again) == suite
    # GX leaves out defaults when writing; the file spells out exact_match so a changed GX default
    # cannot silently weaken the schema check. Everything else is exactly what GX writes.
    again.pop("id", None)
    again["meta"].pop("great_expectations_version", None)
    raw["expectations"][0]["kwargs"].pop("exact_match")
    assert again == raw
    [schema] = [e for e in suite.expectations if e.expectation_type == "expect_table_columns_to_match_set"]
    assert schema.exact_match is True


def test_suite_is_blocking_and_every_expectation_has_a_reason():
    raw = json.loads((SUITES_DIR / f"{SUITE}.json").read_text(encoding="utf-8"))
    assert raw["meta"]["blocking"] is True
    for exp in raw["expectations"]:
        assert exp["severity"] == "critical", exp
        assert len(exp["meta"]["reason"]) > 20, exp


def test_suite_covers_the_whole_schema():
    raw = json.loads((SUITES_DIR / f"{SUITE}.json").read_text(encoding="utf-8"))
    by_type: dict[str, list[dict]] = {}
    for exp in raw["expectations"]:
        by_type.setdefault(exp["type"], []).append(exp["kwargs"])
    [column_set] = by_type["expect_table_columns_to_match_set"]
    assert column_set["exact_match"] is True
    assert set(column_set["column_set"]) == set(good_frame().columns)
    typed = {k["column"] for k in by_type["expect_column_values_to_be_of_type"]}
    assert typed == set(good_frame().columns)
    not_null = {k["column"] for k in by_type["expect_column_values_to_not_be_null"]}
    optional = {"bbr_unit_id", "tenant_cpr", "tenant_birth_date", "lease_end"}
    assert not_null == set(good_frame().columns) - optional
    in_set = {k["column"] for k in by_type["expect_column_values_to_be_in_set"]}
    assert in_set == {"tenure", "heating_type", "maintenance_duty", "heating_payment", "water_payment",
                      "drainage_payment", "electricity_payment"}
    assert {"column": "lease_id"} in by_type["expect_column_values_to_be_unique"]


def test_suite_holds_no_per_lease_rules():
    """lease_end >= lease_start, CPR date validity etc. are held per lease elsewhere, not here."""
    raw = json.loads((SUITES_DIR / f"{SUITE}.json").read_text(encoding="utf-8"))
    types = {exp["type"] for exp in raw["expectations"]}
    assert not any("pair" in t or "multicolumn" in t for t in types)
    for exp in raw["expectations"]:
        assert exp["kwargs"].get("column") not in {"lease_end", "tenant_birth_date"} or exp["type"] == (
            "expect_column_values_to_be_of_type"
        )


# --- good frame ------------------------------------------------------------------------------


def test_good_frame_passes():
    df = good_frame()
    before = df.copy()
    outcome = validate_frame(SUITE, df, key_column="lease_id")
    assert outcome.failures == []
    assert outcome.passed and not outcome.blocking
    assert outcome.rows == 3
    assert outcome.evaluated_expectations == len(load_suite(SUITE).expectations)
    pd.testing.assert_frame_equal(df, before)  # validation does not touch the frame

    result = to_asset_check_result(outcome, "register_snapshot_suite", asset_key="register_snapshot")
    assert result.passed
    assert result.check_name == "register_snapshot_suite"
    assert result.asset_key == dg.AssetKey("register_snapshot")
    assert result.metadata["rows"].value == 3
    assert result.metadata["failed_expectations"].value == 0
    assert result.metadata["failures"].value == []
    assert "data_docs" not in result.metadata


def test_nullable_int64_and_other_time_units_pass():
    df = good_frame()
    df["rooms"] = df["rooms"].astype("Int64")  # GX reports Int64 as int64
    df["lease_start"] = df["lease_start"].astype("datetime64[ns]")
    assert validate_frame(SUITE, df, key_column="lease_id").passed


# --- bad frames ------------------------------------------------------------------------------


def test_duplicate_lease_id_fails_with_keys():
    df = good_frame()
    df.loc[2, "lease_id"] = "L1"
    outcome = validate_frame(SUITE, df, key_column="lease_id")
    assert not outcome.passed and outcome.blocking
    failure = only_failure(outcome, "expect_column_values_to_be_unique", "lease_id")
    assert failure["severity"] == "critical"
    assert failure["unexpected_count"] == 2
    assert failure["keys"] == ["L1"]
    assert "duplicates make payouts ambiguous" in failure["reason"]
    assert len(outcome.failures) == 1


def test_unknown_heating_type_fails_with_key_and_value():
    df = good_frame()
    df.loc[1, "heating_type"] = "atomkraft"
    outcome = validate_frame(SUITE, df, key_column="lease_id")
    assert outcome.blocking
    failure = only_failure(outcome, "expect_column_values_to_be_in_set", "heating_type")
    assert failure["unexpected_count"] == 1
    assert failure["keys"] == ["L2"]
    assert failure["sample_unexpected"] == ["atomkraft"]  # non-personal column: value may be shown
    assert len(outcome.failures) == 1


def test_missing_column_fails_schema():
    df = good_frame().drop(columns=["water_payment"])
    outcome = validate_frame(SUITE, df, key_column="lease_id")
    assert outcome.blocking
    schema = only_failure(outcome, "expect_table_columns_to_match_set", None)
    assert schema["details"]["mismatched"]["missing"] == ["water_payment"]
    assert outcome.failures[0] is schema  # table-level failures come first
    # the column expectations on the missing column fail too, with an error instead of counts
    on_column = [f for f in outcome.failures if f["column"] == "water_payment"]
    assert on_column and all(f["error"] == "column 'water_payment' is missing from the frame" for f in on_column)
    assert all(f["unexpected_count"] is None and f["keys"] == [] for f in on_column)
    assert {f["column"] for f in outcome.failures} == {None, "water_payment"}


def test_extra_column_fails_schema():
    df = good_frame().assign(rent_monthly=[6500.0, 4200.5, 8000.0])
    outcome = validate_frame(SUITE, df, key_column="lease_id")
    schema = only_failure(outcome, "expect_table_columns_to_match_set", None)
    assert schema["details"]["mismatched"]["unexpected"] == ["rent_monthly"]
    assert len(outcome.failures) == 1


def test_missing_key_column_still_reports_without_keys():
    df = good_frame().drop(columns=["lease_id"])
    df.loc[0, "heating_type"] = "atomkraft"
    outcome = validate_frame(SUITE, df, key_column="lease_id")
    assert outcome.blocking
    assert only_failure(outcome, "expect_table_columns_to_match_set", None)
    heating = only_failure(outcome, "expect_column_values_to_be_in_set", "heating_type")
    assert heating["unexpected_count"] == 1 and heating["keys"] == []


def test_null_required_column_fails_with_keys():
    df = good_frame()
    df.loc[[0, 2], "org_id"] = np.nan
    outcome = validate_frame(SUITE, df, key_column="lease_id")
    assert outcome.blocking
    failure = only_failure(outcome, "expect_column_values_to_not_be_null", "org_id")
    assert failure["unexpected_count"] == 2
    assert failure["keys"] == ["L1", "L3"]
    assert len(outcome.failures) == 1


def test_null_optional_columns_pass():
    df = good_frame()
    df["tenant_cpr"] = pd.Series([np.nan] * 3, dtype="str")  # the loader reads text columns as str
    df["bbr_unit_id"] = pd.Series([np.nan] * 3, dtype="str")
    df["tenant_birth_date"] = pd.Series([pd.NaT] * 3, dtype="datetime64[us]")
    df["lease_end"] = pd.Series([pd.NaT] * 3, dtype="datetime64[us]")
    assert validate_frame(SUITE, df, key_column="lease_id").passed


def test_negative_rent_fails_with_key():
    df = good_frame()
    df.loc[1, "rent_monthly_ore"] = -100
    outcome = validate_frame(SUITE, df, key_column="lease_id")
    assert outcome.blocking
    failure = only_failure(outcome, "expect_column_values_to_be_between", "rent_monthly_ore")
    assert failure["keys"] == ["L2"]
    assert failure["sample_unexpected"] == [-100]
    assert len(outcome.failures) == 1

    result = to_asset_check_result(outcome, "register_snapshot_suite")
    assert not result.passed
    assert result.severity == dg.AssetCheckSeverity.ERROR
    assert result.metadata["failed_expectations"].value == 1
    assert result.metadata["unexpected_rows_total"].value == 1
    json.dumps(result.metadata["failures"].value)  # json-safe: no numpy scalars left


@pytest.mark.parametrize(
    ("column", "value", "expectation"),
    [
        ("postal_code", "800", "expect_column_values_to_match_regex"),
        ("municipality_code", "0751", "expect_column_values_to_match_regex"),
        ("tenure", "ejer", "expect_column_values_to_be_in_set"),
        ("maintenance_duty", "halv", "expect_column_values_to_be_in_set"),
        ("electricity_payment", "kontant", "expect_column_values_to_be_in_set"),
        ("area_m2", 0.0, "expect_column_values_to_be_between"),
        ("supplements_monthly_ore", -1, "expect_column_values_to_be_between"),
    ],
)
def test_other_delivery_rules(column, value, expectation):
    df = good_frame()
    df.loc[0, column] = value
    outcome = validate_frame(SUITE, df, key_column="lease_id")
    failure = only_failure(outcome, expectation, column)
    assert failure["keys"] == ["L1"]
    assert len(outcome.failures) == 1


def test_wrong_types_fail():
    df = good_frame()
    df["rent_monthly_ore"] = df["rent_monthly_ore"] / 100  # kroner as float: not exact money
    df["rent_registered_at"] = df["rent_registered_at"].dt.tz_localize(None)  # lost its time zone
    df["lease_start"] = df["lease_start"].dt.strftime("%Y-%m-%d")  # unparsed date
    outcome = validate_frame(SUITE, df, key_column="lease_id")
    assert outcome.blocking
    typed = {f["column"]: f for f in outcome.failures if f["expectation"] == "expect_column_values_to_be_of_type"}
    assert set(typed) == {"rent_monthly_ore", "rent_registered_at", "lease_start"}
    assert typed["rent_monthly_ore"]["observed_type"] == "float64"


# --- personal data ---------------------------------------------------------------------------


def assert_no_personal_data(text: str) -> None:
    assert not CPR_PATTERN.search(text), text
    for name in NAMES:
        assert name not in text, text


def test_bad_tenant_cpr_never_reaches_the_outcome():
    df = good_frame()
    df.loc[0, "tenant_cpr"] = "010190-12345"  # wrong shape, but it contains a CPR
    df.loc[1, "tenant_cpr"] = "0101901234"
    df.loc[2, "tenant_name"] = np.nan
    outcome = validate_frame(SUITE, df, key_column="lease_id")
    assert outcome.blocking
    cpr = only_failure(outcome, "expect_column_values_to_match_regex", "tenant_cpr")
    assert cpr["unexpected_count"] == 2 and cpr["keys"] == ["L1", "L2"]
    assert "sample_unexpected" not in cpr
    name = only_failure(outcome, "expect_column_values_to_not_be_null", "tenant_name")
    assert name["keys"] == ["L3"] and "sample_unexpected" not in name

    result = to_asset_check_result(outcome, "register_snapshot_suite", data_docs_url="http://docs.local/x.html")
    text = metadata_json(result)
    assert_no_personal_data(text)
    assert "0101901234" not in text
    assert "L1" in text and "L2" in text  # keys are there, values are not
    assert result.metadata["data_docs"].value == "http://docs.local/x.html"


def test_cpr_typed_wrong_and_personal_keys_are_refused():
    df = good_frame()
    df["tenant_cpr"] = df["tenant_cpr"].astype(object)  # object dtype: GX checks type per value
    df.loc[1, "tenant_cpr"] = 311285_4321
    outcome = validate_frame(SUITE, df, key_column="lease_id")
    assert_no_personal_data(json.dumps(outcome.failures, default=str))
    assert "3112854321" not in json.dumps(outcome.failures, default=str)
    with pytest.raises(ValueError, match="personal data"):
        validate_frame(SUITE, good_frame(), key_column="tenant_cpr")


def test_cpr_in_other_columns_is_redacted():
    """A shifted column can put CPRs into columns whose values are otherwise sampled."""
    df = good_frame()
    df["heating_type"] = CPRS  # not in the allowed set: sampled, but must be redacted
    df.loc[0, "postal_code"] = "010190-1234"
    df.loc[1, "rent_monthly_ore"] = -5
    df.loc[2, "lease_id"] = "L1"
    outcome = validate_frame(SUITE, df, key_column="lease_id")
    heating = only_failure(outcome, "expect_column_values_to_be_in_set", "heating_type")
    assert heating["unexpected_count"] == 3 and heating["sample_unexpected"] == ["<redacted>"]
    result = to_asset_check_result(outcome, "register_snapshot_suite")
    assert_no_personal_data(metadata_json(result))
    assert_no_personal_data(repr(outcome))


def test_personal_column_detection():
    assert is_personal_column("tenant_cpr") and is_personal_column("applicant_cpr") and is_personal_column("cpr")
    assert is_personal_column("tenant_name") and is_personal_column("name")
    assert is_personal_column("whatever", {"personal_data": True})
    assert not is_personal_column("heating_type") and not is_personal_column("lease_id")
    assert not is_personal_column(None)


# --- Dagster mapping -------------------------------------------------------------------------


def test_blocking_maps_to_error_and_warning_to_warn():
    failure = {"expectation": "expect_column_values_to_be_in_set", "column": "heating_type",
               "severity": "warning", "unexpected_count": np.int64(4), "keys": ["L9"]}
    warn = to_asset_check_result(
        SuiteOutcome(passed=False, blocking=False, failures=[failure], rows=10, suite_name="s"), "c"
    )
    assert not warn.passed and warn.severity == dg.AssetCheckSeverity.WARN
    assert warn.metadata["unexpected_rows_total"].value == 4
    assert warn.metadata["failures"].value[0]["unexpected_count"] == 4
    error = to_asset_check_result(
        SuiteOutcome(passed=False, blocking=True, failures=[{**failure, "severity": "critical"}], rows=10), "c"
    )
    assert error.severity == dg.AssetCheckSeverity.ERROR


def test_check_result_works_in_a_blocking_asset_check():
    df = good_frame()
    df.loc[1, "heating_type"] = "atomkraft"

    @dg.asset(check_specs=[dg.AssetCheckSpec("register_snapshot_suite", asset="register_snapshot", blocking=True)])
    def register_snapshot():
        outcome = validate_frame(SUITE, df, key_column="lease_id")
        return dg.MaterializeResult(check_results=[to_asset_check_result(outcome, "register_snapshot_suite")])

    @dg.asset(deps=[register_snapshot])
    def downstream() -> None:
        pass

    result = dg.materialize([register_snapshot, downstream], raise_on_error=False)
    [evaluation] = result.get_asset_check_evaluations()
    assert not evaluation.passed and evaluation.severity == dg.AssetCheckSeverity.ERROR
    assert evaluation.metadata["failed_expectations"].value == 1
    materialized = {e.asset_key for e in result.get_asset_materialization_events()}
    assert dg.AssetKey("downstream") not in materialized


def test_unknown_suite():
    with pytest.raises(FileNotFoundError):
        load_suite("no_such_suite")
    with pytest.raises(ValueError):
        load_suite("../suites/register_snapshot")


# --- timing (printed, not asserted) ----------------------------------------------------------


def test_timing_600k_rows(capsys):
    base = good_frame()
    rows = 600_000
    df = base.iloc[np.arange(rows) % len(base)].reset_index(drop=True)
    df["lease_id"] = "L" + pd.Series(np.arange(rows)).astype(str)
    df["source_line"] = np.arange(2, rows + 2, dtype="int64")
    validate_frame(SUITE, base, key_column="lease_id")  # warm: context + suite
    start = time.perf_counter()
    outcome = validate_frame(SUITE, df, key_column="lease_id")
    good_seconds = time.perf_counter() - start
    assert outcome.passed, outcome.failures

    df.loc[df.index[::1000], "heating_type"] = "atomkraft"
    df.loc[df.index[5::100_000], "lease_id"] = "L0"
    start = time.perf_counter()
    bad = validate_frame(SUITE, df, key_column="lease_id")
    bad_seconds = time.perf_counter() - start
    assert bad.blocking and len(bad.failures) == 2
    with capsys.disabled():
        print(f"\n[timing] register_snapshot suite, {rows} rows, {outcome.evaluated_expectations} expectations: "
              f"passing {good_seconds:.2f} s, failing {bad_seconds:.2f} s")
