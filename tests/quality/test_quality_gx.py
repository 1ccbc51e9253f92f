"""The register data-quality checks as Great Expectations suites: suites in sync with the catalogue,
GX results agreeing with the findings, complete failing keys, Dagster metadata and Data Docs."""

from __future__ import annotations

import json
import re
from pathlib import Path

import dagster as dg
import pandas as pd
import pytest
from quality_kit import assert_no_personal_data, assess, base_rows, lease

from boligstoette.quality import CHECKS, SCOPES, assess_register, checks_table, codes, reasons_table, suite_definition
from boligstoette.quality.suites import KEY_COLUMNS, SUITE_NAMES, flag_columns
from expectations import SUITES_DIR
from expectations.gx_checks import (
    SAMPLE_SIZE,
    build_data_docs,
    failing_keys,
    load_suite,
    to_asset_check_result,
    validate_frame,
    validate_register_findings,
)

REPO = Path(__file__).resolve().parents[2]
CPR = re.compile(r"\d{6}-\d{4}")


@pytest.fixture(scope="module")
def sample(injected_inputs):
    findings = assess_register(*injected_inputs)
    return findings, validate_register_findings(findings)


# --- the suites ------------------------------------------------------------------------------


@pytest.mark.parametrize("scope", SCOPES)
def test_suite_files_are_the_catalogue(scope):
    """expectations/suites/register_<scope>.json is exactly `suite_definition(scope)` (regenerate with
    `python -m expectations` when the catalogue changes)."""
    path = SUITES_DIR / f"{SUITE_NAMES[scope]}.json"
    assert json.loads(path.read_text(encoding="utf-8")) == suite_definition(scope)
    suite = load_suite(SUITE_NAMES[scope])
    by_code = {e.meta.get("code"): e for e in suite.expectations if e.meta.get("code")}
    assert list(by_code) == codes(scope)
    for code, expectation in by_code.items():
        check = CHECKS[code]
        assert expectation.meta["scope"] == scope and expectation.meta["holds"] == check.holds
        assert expectation.meta["description"] == check.description
        assert expectation.severity.value == ("critical" if scope == "delivery" else "warning")


def test_register_snapshot_suite_is_untouched():
    suite = load_suite("register_snapshot")
    assert suite.name == "register_snapshot" and len(suite.expectations) > 50


def test_flag_frames_have_the_suites_columns(sample):
    findings, _ = sample
    for scope in SCOPES:
        assert list(findings.flags[scope].columns) == flag_columns(scope)


# --- GX agrees with the findings ----------------------------------------------------------------


def _keys(frame: pd.DataFrame, column: str) -> list[str]:
    return sorted(str(v) for v in frame[column])


def test_gx_results_agree_with_the_findings(sample):
    findings, outcomes = sample
    f = findings.findings
    assert set(outcomes) == set(SCOPES)
    for scope, outcome in outcomes.items():
        assert outcome.rows == len(findings.flags[scope])
        assert outcome.evaluated_expectations == len(codes(scope)) + 2
        failed = {failure["code"]: failure for failure in outcome.failures if "code" in failure}
        expected_codes = set(f.loc[f["scope"] == scope, "code"])
        assert set(failed) == expected_codes, scope
        assert set(outcome.failing_keys) == expected_codes
        for code in expected_codes:
            mine = f[f["code"] == code]
            gx = failing_keys(outcome, code)
            assert failed[code]["unexpected_count"] == len(mine) == len(gx), code
            if scope in ("lease", "reconciliation"):
                assert _keys(gx, "lease_id") == _keys(mine, "lease_id")
                assert _keys(gx, "unit_id") == _keys(mine, "unit_id")
                assert _keys(gx, "org_id") == _keys(mine, "org_id")
            elif scope == "organisation":
                assert _keys(gx, "org_id") == _keys(mine, "org_id")
            assert failed[code]["keys"] == [str(k) if not isinstance(k, str) else k for k in failed[code]["keys"]]
            assert len(failed[code]["keys"]) <= SAMPLE_SIZE
    assert outcomes["delivery"].blocking == findings.month_held
    assert not outcomes["lease"].blocking and not outcomes["reconciliation"].blocking


def test_complete_keys_go_beyond_the_sample():
    """More failing rows than SAMPLE_SIZE (and than GX's partial list): the hold list is complete."""
    rows = [lease(i) for i in range(1, 41)]
    cut = [dict(r, rent_monthly_ore=100_000, rent_effective_from="2026-12-01") for r in rows[:30]] + rows[30:]
    findings = assess(rows, cut)
    outcome = validate_register_findings(findings)["lease"]
    keys = failing_keys(outcome, "DQ_RENT_DROP")
    assert len(keys) == 30 and list(keys.columns) == KEY_COLUMNS["lease"]
    assert set(keys["lease_id"]) == {r["lease_id"] for r in rows[:30]}
    [failure] = [x for x in outcome.failures if x.get("code") == "DQ_RENT_DROP"]
    assert failure["unexpected_count"] == 30 and len(failure["keys"]) == SAMPLE_SIZE
    result = to_asset_check_result(outcome, "register_lease")
    text = json.dumps(result.metadata["failures"].value)
    assert sum(r["lease_id"] in text for r in rows[:30]) == SAMPLE_SIZE  # metadata: a few keys only
    assert failing_keys(outcome, "DQ_RENT_JUMP").empty


def test_asset_check_results(sample):
    findings, outcomes = sample
    delivery = to_asset_check_result(outcomes["delivery"], "register_delivery")
    assert delivery.passed == (not findings.month_held)
    if findings.month_held:
        assert delivery.severity == dg.AssetCheckSeverity.ERROR
    lease_result = to_asset_check_result(outcomes["lease"], "register_lease", data_docs_url="file:///tmp/x/index.html")
    assert not lease_result.passed and lease_result.severity == dg.AssetCheckSeverity.WARN
    failures = lease_result.metadata["failures"].value
    assert {x["code"] for x in failures} == set(findings.findings.loc[findings.findings.scope == "lease", "code"])
    assert all(x["holds"] in ("lease", "none") for x in failures)
    text = json.dumps({k: str(v.value) for k, v in lease_result.metadata.items()})
    assert_no_personal_data(text)


def test_personal_key_columns_are_refused():
    with pytest.raises(ValueError, match="personal data"):
        validate_frame("register_lease", pd.DataFrame({"lease_id": []}), "lease_id", key_columns=["tenant_cpr"])


# --- Data Docs -----------------------------------------------------------------------------------


def test_data_docs_site_builds_without_personal_data(sample, injected_inputs, tmp_path):
    findings, outcomes = sample
    current = injected_inputs[0]
    # the delivery suite on the raw snapshot too: its CPR and name columns must not reach the site
    broken = current.copy()
    broken.loc[broken.index[:3], "tenant_cpr"] = ["0101901234", "3112851234", "1507021234"]  # not DDMMYY-SSSS
    broken.loc[broken.index[3], "tenant_name"] = None
    snapshot_outcome = validate_frame("register_snapshot", broken, "lease_id", complete_keys=True)
    assert not snapshot_outcome.passed

    index = build_data_docs([*outcomes.values(), snapshot_outcome], tmp_path / "site", run_name="2026-12")
    assert index == (tmp_path / "site" / "index.html").resolve() and index.is_file()
    pages = list((tmp_path / "site").rglob("*.html"))
    names = {p.stem for p in pages}
    assert {*SUITE_NAMES.values(), "register_snapshot", "index"} <= names
    text = "\n".join(p.read_text(encoding="utf-8") for p in pages)
    assert "DQ_RENT_DROP" in text and "2026-12" in text
    index_text = index.read_text(encoding="utf-8")
    assert "Pages of this run" in index_text and "validations/register_lease/2026-12/" in index_text
    assert not CPR.search(text)
    for value in ("0101901234", "3112851234", "1507021234", *current["tenant_cpr"].dropna().head(200)):
        assert value not in text
    names_in_register = set(current["tenant_name"].dropna())
    assert not any(name in text for name in names_in_register)


def test_data_docs_from_a_dict_of_outcomes(tmp_path):
    rows = base_rows(3)
    findings = assess(rows, rows)
    index = build_data_docs(validate_register_findings(findings), tmp_path / "docs")
    assert index.is_file() and "register_lease" in index.read_text(encoding="utf-8")


# --- documentation ---------------------------------------------------------------------------


def test_docs_carry_the_generated_checks_table():
    text = (REPO / "docs" / "quality.md").read_text(encoding="utf-8")
    assert checks_table() in text, "regenerate the table in docs/quality.md: python -m expectations"
    assert reasons_table() in text, "regenerate the reasons table in docs/quality.md: python -m expectations"
