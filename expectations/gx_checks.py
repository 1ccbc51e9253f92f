"""Our own Great Expectations 1.x -> Dagster adapter (dagster-ge needs GX<1 and pandas<3).

- `load_suite(name)` reads `expectations/suites/<name>.json` into a `gx.ExpectationSuite`.
- `validate_frame(suite_name, df, key_column)` validates a DataFrame and returns a `SuiteOutcome`:
  counts and the keys (`key_column` values, e.g. lease_id) of failing rows, never personal data.
- `to_asset_check_result(outcome, check_name, ...)` turns it into a `dg.AssetCheckResult`:
  a failed *critical* expectation gives severity ERROR (blocks downstream when the check spec is
  blocking), any other failure WARN.
- `validate_frame(..., key_columns=[...], complete_keys=True)` also returns the COMPLETE list of
  failing keys per expectation (`outcome.failing_keys`, by `meta.code` when the expectation has
  one): what holds are made from. Metadata still shows only counts and SAMPLE_SIZE keys.
- `validate_register_findings(findings)` runs the register data-quality suites
  (register_delivery/organisation/lease/reconciliation) on `boligstoette.quality` flag frames.
- `build_data_docs(outcomes, site_dir)` builds a GX Data Docs site (static HTML) of the run's
  validation results and returns its index.html. Results are sanitised first (no CPR, no names,
  no complete value lists), and the written site is scanned for CPR-shaped text.

Personal data: values of CPR columns (any column whose name contains "cpr") and of names
(`name`, `*_name`, or an expectation with `meta.personal_data: true`) are never copied into the
outcome; for them only counts and keys are reported. As a second line of defence every sampled
value and key that looks like a CPR number is redacted, so a shifted column cannot leak one either.

Great Expectations is imported lazily (~3.5 s), inside the functions that need it, and one
ephemeral context is kept per process, with progress bars off.
"""

import contextlib
import json
import math
import re
import threading
from dataclasses import dataclass, field
from datetime import UTC, date, datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any

import dagster as dg
import pandas as pd

from boligstoette.privacy import CPR_FORMAT, FULL_CPR_PATTERN
from expectations import SUITES_DIR

if TYPE_CHECKING:
    import great_expectations as gx

SAMPLE_SIZE = 5
"""At most this many keys and sample values are reported per failed expectation."""

_PARTIAL_UNEXPECTED_COUNT = 20  # rows GX returns per failure; duplicates need a few more than 5
_SUITE_NAME = re.compile(r"^[a-z][a-z0-9_]*$")
_DATASOURCE_NAME = "dataframes"
_BATCH_DEFINITION_NAME = "whole_dataframe"
_CPR_ANYWHERE = re.compile(CPR_FORMAT)  # redaction: anywhere, even inside other text
_CPR_STANDING_ALONE = re.compile(FULL_CPR_PATTERN)
_TEN_DIGITS = re.compile(r"(?<!\d)\d{10}(?!\d)")
_REDACTED = "<redacted>"
_MAX_TEXT = 300


@dataclass(frozen=True)
class SuiteOutcome:
    """The result of validating one DataFrame with one suite; safe to log and to show in Dagster."""

    passed: bool
    """Every expectation succeeded."""
    blocking: bool
    """At least one failed expectation has GX severity critical."""
    failures: list[dict] = field(default_factory=list)
    """One dict per failed expectation: expectation, column, severity, unexpected_count, keys, ..."""
    rows: int = 0
    suite_name: str = ""
    evaluated_expectations: int = 0
    failing_keys: dict[str, pd.DataFrame] = field(default_factory=dict, repr=False, compare=False)
    """With `complete_keys=True`: per failed expectation (its `meta.code`, else '<type>:<column>'),
    every failing row's key columns. Never shown in metadata; used for holds."""
    validation_result: Any = field(default=None, repr=False, compare=False)
    """The GX ExpectationSuiteValidationResult, sanitised (no personal values, no complete value
    lists), for `build_data_docs`."""

    @property
    def unexpected_rows_total(self) -> int:
        """Sum of unexpected_count over the failures (a row failing two expectations counts twice)."""
        return sum(int(f.get("unexpected_count") or 0) for f in self.failures)


def is_personal_column(column: str | None, meta: dict | None = None) -> bool:
    """True for columns whose values must never leave the pipeline: CPR numbers and names."""
    if meta and meta.get("personal_data"):
        return True
    if not column:
        return False
    name = column.lower()
    return "cpr" in name or name == "name" or name.endswith("_name")


def suite_path(name: str):
    """Path of the JSON file of suite `name` (only [a-z0-9_] names, so no path tricks)."""
    if not _SUITE_NAME.match(name):
        raise ValueError(f"invalid suite name {name!r}: use lower-case letters, digits and '_'")
    return SUITES_DIR / f"{name}.json"


def load_suite(name: str) -> "gx.ExpectationSuite":
    """Load the versioned suite `expectations/suites/<name>.json` (not registered in any context)."""
    import great_expectations as gx

    path = suite_path(name)
    if not path.is_file():
        raise FileNotFoundError(f"no expectation suite {name!r} at {path}")
    with path.open(encoding="utf-8") as f:
        suite = gx.ExpectationSuite(**json.load(f))
    if suite.name != name:
        raise ValueError(f"{path} holds suite {suite.name!r}, expected {name!r}")
    return suite


# --- one ephemeral context per process -------------------------------------------------------

_lock = threading.Lock()
_context_state: dict[str, Any] = {"context": None, "batch_definitions": {}}


def _get_context():
    """The process's ephemeral GX context (created on first use, progress bars off)."""
    with _lock:
        if _context_state["context"] is None:
            import great_expectations as gx
            from great_expectations.data_context.types.base import ProgressBarsConfig

            context = gx.get_context(mode="ephemeral")
            context.variables.progress_bars = ProgressBarsConfig(globally=False)
            context.data_sources.add_pandas(_DATASOURCE_NAME)
            _context_state["context"] = context
        return _context_state["context"]


def _batch_definition(asset_name: str):
    """A whole-DataFrame batch definition on a DataFrame asset named after the suite (cached)."""
    context = _get_context()
    with _lock:
        batch_definitions = _context_state["batch_definitions"]
        if asset_name not in batch_definitions:
            source = context.data_sources.get(_DATASOURCE_NAME)
            asset = source.add_dataframe_asset(name=asset_name)
            batch_definitions[asset_name] = asset.add_batch_definition_whole_dataframe(_BATCH_DEFINITION_NAME)
        return batch_definitions[asset_name]


# --- validation ------------------------------------------------------------------------------


def validate_frame(
    suite_name: str,
    df: pd.DataFrame,
    key_column: str,
    *,
    key_columns: list[str] | None = None,
    complete_keys: bool = False,
) -> SuiteOutcome:
    """Validate `df` with suite `suite_name`; report failing rows by their `key_column` values.

    `key_column` must identify rows and must not be personal data (e.g. "lease_id"). When it is
    missing from `df` (a schema failure), failures are reported without keys.

    complete_keys: ask GX for the COMPLETE result and keep every failing row's `key_columns`
        (default `[key_column]`) in `outcome.failing_keys`; the failures (and so the metadata) still
        carry at most SAMPLE_SIZE keys.
    """
    key_columns = list(key_columns or [key_column])
    if key_column not in key_columns:
        key_columns.insert(0, key_column)
    for column in key_columns:
        if is_personal_column(column):
            raise ValueError(f"key column {column!r} is personal data; use a technical key such as lease_id")
    suite = load_suite(suite_name)
    result_format: dict[str, Any] = {
        "result_format": "COMPLETE" if complete_keys else "SUMMARY",
        "partial_unexpected_count": _PARTIAL_UNEXPECTED_COUNT,
        "return_unexpected_index_query": False,
    }
    present_keys = [c for c in key_columns if c in df.columns]
    has_key = key_column in df.columns
    if present_keys:
        result_format["unexpected_index_column_names"] = present_keys

    batch = _batch_definition(suite_name).get_batch(batch_parameters={"dataframe": df})
    result = batch.validate(suite, result_format=result_format)

    failing_keys = _complete_keys(result, present_keys) if complete_keys else {}
    _sanitise_result(result, present_keys)
    failures = [_failure(r, key_column if has_key else None) for r in result.results if not r.success]
    for failure in failures:  # GX's own message for this is obscure for some expectations
        if "error" in failure and failure["column"] and failure["column"] not in df.columns:
            failure["error"] = f"column {failure['column']!r} is missing from the frame"
    failures.sort(key=_failure_order)
    return SuiteOutcome(
        passed=not failures,
        blocking=any(f["severity"] == "critical" for f in failures),
        failures=failures,
        rows=len(df),
        suite_name=suite_name,
        evaluated_expectations=len(result.results),
        failing_keys=failing_keys,
        validation_result=result,
    )


def failure_name(config) -> str:
    """How a failed expectation is named in `failing_keys`: its meta.code, else '<type>:<column>'."""
    meta = config.meta or {}
    if meta.get("code"):
        return str(meta["code"])
    kwargs = config.kwargs or {}
    return f"{config.type}:{kwargs.get('column') or ''}"


def _complete_keys(result, key_columns: list[str]) -> dict[str, pd.DataFrame]:
    """Every failing row's key columns per failed expectation (from GX's COMPLETE unexpected_index_list)."""
    out: dict[str, pd.DataFrame] = {}
    for r in result.results:
        if r.success:
            continue
        rows = (r.result or {}).get("unexpected_index_list") or []
        frame = pd.DataFrame([{k: row.get(k) for k in key_columns} for row in rows if isinstance(row, dict)],
                             columns=key_columns)
        for column in key_columns:
            if frame[column].dtype == object:
                frame[column] = frame[column].map(_json_safe)
        out[failure_name(r.expectation_config)] = frame.reset_index(drop=True)
    return out


_FULL_LISTS = ("unexpected_list", "unexpected_index_list", "unexpected_index_query")
_VALUE_KEYS = ("partial_unexpected_list", "partial_unexpected_counts", "observed_value", "details")


def _sanitise_result(result, key_columns: list[str]) -> None:
    """Make a GX validation result safe to keep and to render (in place): complete lists dropped,
    values of personal columns dropped, sample rows cut to the key columns, CPR-shaped text redacted."""
    keep = set(key_columns)
    for r in result.results:
        config = r.expectation_config
        kwargs = config.kwargs or {}
        columns = [c for c in [kwargs.get("column"), kwargs.get("column_A"), kwargs.get("column_B")] if c]
        columns += list(kwargs.get("column_list") or [])
        personal = (any(is_personal_column(c, config.meta) for c in columns)
                    or bool((config.meta or {}).get("personal_data")))
        res = r.result
        if not isinstance(res, dict):
            continue
        for name in _FULL_LISTS:
            res.pop(name, None)
        if personal:
            for name in _VALUE_KEYS:
                if name == "observed_value" and config.type == "expect_column_values_to_be_of_type":
                    continue  # a dtype name, never a cell value
                res.pop(name, None)
        if isinstance(res.get("partial_unexpected_index_list"), list):
            res["partial_unexpected_index_list"] = [
                {k: v for k, v in row.items() if k in keep or not personal} if isinstance(row, dict) else row
                for row in res["partial_unexpected_index_list"]
            ]
        for name in list(res):
            res[name] = _redact_values(_json_safe(res[name]))
        info = r.exception_info
        if isinstance(info, dict) and _exception_message(info) is not None:
            r.exception_info = (
                {"raised_exception": True, "exception_message": "message withheld: personal-data column",
                 "exception_traceback": None}
                if personal
                else _redact_values(_json_safe(info))
            )


def _failure_order(f: dict) -> tuple:
    # critical first, then table-level before column-level, then by column and expectation
    return (f["severity"] != "critical", f["column"] is not None, f["column"] or "", f["expectation"])


def _failure(r, key_column: str | None) -> dict:
    """One failed ExpectationValidationResult as a json-safe dict without personal values."""
    config = r.expectation_config
    kwargs = config.kwargs or {}
    meta = config.meta or {}
    columns = [c for c in [kwargs.get("column"), kwargs.get("column_A"), kwargs.get("column_B")] if c]
    columns += list(kwargs.get("column_list") or [])
    personal = any(is_personal_column(c, meta) for c in columns) or bool(meta.get("personal_data"))
    res = r.result or {}
    severity = getattr(config.severity, "value", config.severity) or "critical"

    failure: dict[str, Any] = {
        "expectation": config.type,
        "column": kwargs.get("column") or (",".join(columns) if columns else None),
        "severity": str(severity),
        "unexpected_count": _to_int(res.get("unexpected_count")),
        "unexpected_percent": _to_float(res.get("unexpected_percent")),
        "key_column": key_column,
        "keys": _keys(res.get("partial_unexpected_index_list"), key_column),
    }
    if meta.get("code"):
        failure["code"] = str(meta["code"])
        if meta.get("holds"):
            failure["holds"] = str(meta["holds"])
    if meta.get("reason"):
        failure["reason"] = str(meta["reason"])

    if config.type == "expect_column_values_to_be_of_type" and isinstance(res.get("observed_value"), str):
        failure["observed_type"] = res["observed_value"]  # a dtype name, never a cell value
    if not personal:
        values = res.get("partial_unexpected_list")
        if values:
            failure["sample_unexpected"] = _sample(values)
        if isinstance(res.get("details"), dict):  # e.g. the missing/unexpected columns of the schema check
            failure["details"] = _redact_values(_json_safe(res["details"]))
        elif "observed_value" in res and "observed_type" not in failure:
            failure["observed_value"] = _redact_values(_json_safe(res["observed_value"]))

    error = _exception_message(r.exception_info)
    if error is not None:
        failure["error"] = (
            "the expectation could not be evaluated (message withheld: personal-data column)"
            if personal
            else _redact_text(error)[:_MAX_TEXT]
        )
    return failure


def _keys(index_list, key_column: str | None) -> list:
    """Up to SAMPLE_SIZE distinct key values of the failing rows (never the checked value)."""
    if not key_column or not index_list:
        return []
    keys: list = []
    for row in index_list:
        key = _json_safe(row.get(key_column)) if isinstance(row, dict) else None
        if isinstance(key, str):
            key = _CPR_ANYWHERE.sub(_REDACTED, key)
        if key not in keys:
            keys.append(key)
        if len(keys) == SAMPLE_SIZE:
            break
    return keys


def _sample(values: list) -> list:
    """Up to SAMPLE_SIZE distinct unexpected values of a non-personal column, CPR-like values redacted."""
    sample: list = []
    for value in values:
        value = _redact_values(_json_safe(value))
        if value not in sample:
            sample.append(value)
        if len(sample) == SAMPLE_SIZE:
            break
    return sample


def _redact_text(text: str) -> str:
    return _TEN_DIGITS.sub(_REDACTED, _CPR_ANYWHERE.sub(_REDACTED, text))


def _redact_values(value: Any) -> Any:
    if isinstance(value, str):
        return _redact_text(value)[:_MAX_TEXT]
    if isinstance(value, list):
        return [_redact_values(v) for v in value]
    if isinstance(value, dict):
        return {k: _redact_values(v) for k, v in value.items()}
    return value


def _exception_message(exception_info) -> str | None:
    """The first raised exception's message, or None. GX nests it per metric, or not at all."""
    if not isinstance(exception_info, dict):
        return None
    infos = [exception_info] if "raised_exception" in exception_info else list(exception_info.values())
    for info in infos:
        if isinstance(info, dict) and info.get("raised_exception"):
            return str(info.get("exception_message") or "exception raised")
    return None


def _to_int(value) -> int | None:
    value = _json_safe(value)
    return int(value) if isinstance(value, (int, float)) else None


def _to_float(value) -> float | None:
    value = _json_safe(value)
    return round(float(value), 4) if isinstance(value, (int, float)) else None


def _json_safe(value: Any) -> Any:
    """numpy/pandas scalars -> python, NaN/NaT -> None, timestamps -> ISO text, recursively."""
    if value is None or isinstance(value, (bool, str)):
        return value
    if isinstance(value, dict):
        return {str(k): _json_safe(v) for k, v in value.items()}
    if isinstance(value, (list, tuple, set)):
        return [_json_safe(v) for v in value]
    if isinstance(value, (pd.Timestamp, datetime, date)):
        return None if pd.isna(value) else value.isoformat()
    return _json_safe_scalar(value)


def _json_safe_scalar(value: Any) -> Any:
    """A numpy scalar or python number as a python number (NaN -> None); anything else as text
    (None where pandas calls it missing)."""
    if hasattr(value, "item") and callable(value.item):  # numpy scalar
        try:
            value = value.item()
        except (TypeError, ValueError):
            return str(value)
        if isinstance(value, (datetime, date)):
            return value.isoformat()
    if isinstance(value, float):
        return None if math.isnan(value) or math.isinf(value) else value
    if isinstance(value, int):
        return value
    with contextlib.suppress(TypeError, ValueError):  # pd.isna refuses some objects: those are text
        if pd.isna(value):
            return None
    return str(value)


# --- register data quality (boligstoette.quality) --------------------------------------------


def validate_register_findings(findings) -> dict[str, SuiteOutcome]:
    """Validate each flag frame of `boligstoette.quality.assess_register(...)` with its suite
    `register_<scope>`, keeping the complete failing keys (lease_id, unit_id, org_id) for holds.

    GX's unexpected counts and keys are the findings: `outcome.failing_keys[code]` holds the same
    keys as `findings.findings[findings.findings.code == code]`.
    """
    from boligstoette.quality.suites import KEY_COLUMNS, SUITE_NAMES

    outcomes = {}
    for scope, frame in findings.flags.items():
        keys = KEY_COLUMNS[scope]
        outcomes[scope] = validate_frame(SUITE_NAMES[scope], frame, keys[0], key_columns=keys, complete_keys=True)
    return outcomes


def failing_keys(outcome: SuiteOutcome, code: str) -> pd.DataFrame:
    """Every failing row's keys for one check code (empty frame when the check passed)."""
    frame = outcome.failing_keys.get(code)
    return frame if frame is not None else pd.DataFrame()


# --- Data Docs -------------------------------------------------------------------------------

_DOCS_SITE = "run_site"


def build_data_docs(outcomes, site_dir: str | Path, run_name: str | None = None) -> Path:
    """Build a Great Expectations Data Docs site (static HTML) for this run's validation results.

    outcomes: SuiteOutcome objects from `validate_frame` (or a dict of them), or GX
        ExpectationSuiteValidationResult objects; results are sanitised again before rendering.
    site_dir: the folder to write (created; an earlier site there is overwritten where files clash).
    run_name: shown as the run in the site (e.g. the benefit month); default the current UTC time.

    Uses GX's own site builder on a fresh ephemeral context: the suites' expectation pages plus one
    validation page per result, and an index. Returns the index.html path (link it as a file:// URL).
    Raises RuntimeError if any written file contains CPR-shaped text (a defence in depth: the
    sanitised results cannot carry one).
    """
    site_dir = Path(site_dir).resolve()
    site_dir.mkdir(parents=True, exist_ok=True)
    context = _data_docs_context(site_dir)
    _store_results(context, _sanitised_results(outcomes), run_name)
    context.build_data_docs(site_names=[_DOCS_SITE])
    index = site_dir / "index.html"
    if not index.is_file():
        raise RuntimeError(f"Great Expectations did not write {index}")
    _add_static_page_list(index, site_dir)
    _refuse_cpr(site_dir)
    return index


def _sanitised_results(outcomes) -> list:
    import copy

    if isinstance(outcomes, dict):
        outcomes = list(outcomes.values())
    results = []
    for item in outcomes:
        result = item.validation_result if isinstance(item, SuiteOutcome) else item
        if result is not None:
            result = copy.deepcopy(result)
            _sanitise_result(result, [])
            results.append(result)
    return results


def _data_docs_context(site_dir: Path):
    """A fresh ephemeral GX context whose one Data Docs site is `site_dir`."""
    import great_expectations as gx
    from great_expectations.data_context.types.base import ProgressBarsConfig

    context = gx.get_context(mode="ephemeral")
    context.variables.progress_bars = ProgressBarsConfig(globally=False)
    context.add_data_docs_site(
        _DOCS_SITE,
        {
            "class_name": "SiteBuilder",
            "store_backend": {"class_name": "TupleFilesystemStoreBackend", "base_directory": str(site_dir)},
            "site_index_builder": {"class_name": "DefaultSiteIndexBuilder"},
        },
    )
    return context


def _store_results(context, results: list, run_name: str | None) -> None:
    """Each result under one run id, with its suite (when the suite is kept under version control)."""
    from great_expectations.core.run_identifier import RunIdentifier
    from great_expectations.data_context.types.resource_identifiers import (
        ExpectationSuiteIdentifier,
        ValidationResultIdentifier,
    )

    run_time = datetime.now(UTC)
    run_id = RunIdentifier(run_name=run_name or run_time.strftime("%Y%m%dT%H%M%SZ"), run_time=run_time)
    added = set()
    for result in results:
        suite_name = result.suite_name
        if suite_name not in added:
            # a suite not kept under version control: its validation page still renders
            with contextlib.suppress(FileNotFoundError, ValueError):
                context.suites.add(load_suite(suite_name))
            added.add(suite_name)
        batch = ((result.meta or {}).get("active_batch_definition") or {}).get("data_asset_name") or suite_name
        key = ValidationResultIdentifier(
            expectation_suite_identifier=ExpectationSuiteIdentifier(name=suite_name), run_id=run_id,
            batch_identifier=batch,
        )
        result.meta = {**(result.meta or {}), "run_id": run_id, "validation_time": run_time}
        context.validation_results_store.set(key, result)


def _refuse_cpr(site_dir: Path) -> None:
    """A CPR standing alone (boligstoette.privacy) in any page fails the build; GX's page ids are
    UUIDs, whose digit runs are not one."""
    leaked = [p for p in site_dir.rglob("*") if p.suffix in (".html", ".json", ".js") and _CPR_STANDING_ALONE.search(
        p.read_text(encoding="utf-8", errors="replace"))]
    if leaked:
        raise RuntimeError(f"Data Docs site contains CPR-shaped text in {len(leaked)} file(s), e.g. {leaked[0].name}")


def _add_static_page_list(index: Path, site_dir: Path) -> None:
    """GX's index builds its tables with scripts from public CDNs; without network access it shows
    nothing. Append a plain list of this run's pages so the site is usable offline too."""
    import html

    pages = sorted(p.relative_to(site_dir).as_posix() for p in site_dir.glob("validations/**/*.html"))
    pages += sorted(p.relative_to(site_dir).as_posix() for p in site_dir.glob("expectations/**/*.html"))
    items = "".join(f'<li><a href="{html.escape(p)}">{html.escape(p)}</a></li>' for p in pages)
    block = f'<div id="run-pages" style="margin:1em"><h4>Pages of this run</h4><ul>{items}</ul></div>'
    text = index.read_text(encoding="utf-8")
    if 'id="run-pages"' not in text:
        text = text.replace("</body>", block + "</body>", 1) if "</body>" in text else text + block
        index.write_text(text, encoding="utf-8")


# --- Dagster ---------------------------------------------------------------------------------


def to_asset_check_result(
    outcome: SuiteOutcome,
    check_name: str,
    asset_key: dg.AssetKey | str | list[str] | None = None,
    data_docs_url: str | None = None,
) -> dg.AssetCheckResult:
    """A Dagster check result: severity ERROR when a critical expectation failed, else WARN."""
    failures = json.loads(json.dumps(_json_safe(outcome.failures)))
    metadata: dict[str, Any] = {
        "suite": dg.MetadataValue.text(outcome.suite_name),
        "rows": dg.MetadataValue.int(int(outcome.rows)),
        "evaluated_expectations": dg.MetadataValue.int(int(outcome.evaluated_expectations)),
        "failed_expectations": dg.MetadataValue.int(len(outcome.failures)),
        "unexpected_rows_total": dg.MetadataValue.int(outcome.unexpected_rows_total),
        "failures": dg.MetadataValue.json(failures),
    }
    if data_docs_url:
        metadata["data_docs"] = dg.MetadataValue.url(data_docs_url)
    if outcome.passed:
        description = (f"{outcome.suite_name}: all {outcome.evaluated_expectations} expectations passed "
                       f"on {outcome.rows} rows")
    else:
        critical = sum(f["severity"] == "critical" for f in outcome.failures)
        # what failed and where, readable on the check's page without opening the JSON; keys are
        # never personal data (validate_frame refuses a personal key column)
        what = "; ".join(
            f"{f.get('code') or f['expectation']}"
            + (f" on {f['column']}" if f.get("column") else "")
            + (f": {f['unexpected_count']} rows" if f.get("unexpected_count") is not None else "")
            + (f", e.g. {', '.join(map(str, f['keys'][:3]))}" if f.get("keys") else "")
            for f in outcome.failures[:3]
        )
        description = (
            f"{outcome.suite_name}: {len(outcome.failures)} of {outcome.evaluated_expectations} expectations "
            f"failed ({critical} critical) on {outcome.rows} rows. {what}"
        )
    return dg.AssetCheckResult(
        passed=bool(outcome.passed),
        check_name=check_name,
        asset_key=asset_key,
        severity=dg.AssetCheckSeverity.ERROR if outcome.blocking else dg.AssetCheckSeverity.WARN,
        metadata=metadata,
        description=description,
    )
