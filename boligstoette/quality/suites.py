"""The Great Expectations suites of the register checks, as plain dicts (no GX import here).

expectations/suites/register_<scope>.json are these dicts written out; a test keeps them identical,
so the catalogue (`checks.CHECKS`) is the single source of codes, descriptions and reasons. Each suite
validates the scope's flag frame from `assess_register(...).flags[scope]`: the frame's columns
exactly, its key not null, and one `expect_column_values_to_be_in_set(value_set=[False])` per check
code whose `meta` carries code, scope, holds, description and reason. A failing row is a finding;
GX's unexpected count is the number of findings and its unexpected index list the keys.

Delivery expectations are critical (the Dagster check blocks the month); the others are warnings:
their consequence is a hold of the failing keys, not a stop of the run.
"""

from boligstoette.quality.checks import CHECKS, SCOPES, codes

SUITE_NAMES = {scope: f"register_{scope}" for scope in SCOPES}
FLAG_KEYS = {
    "delivery": ["snapshot_date", "rows", "previous_rows"],
    "organisation": ["org_id", "previous_active_leases", "active_leases"],
    "lease": ["org_id", "afdeling_id", "unit_id", "lease_id", "in_snapshot"],
    "reconciliation": ["org_id", "afdeling_id", "unit_id", "lease_id"],
}
KEY_COLUMNS = {
    "delivery": ["snapshot_date"],
    "organisation": ["org_id"],
    "lease": ["lease_id", "unit_id", "org_id"],
    "reconciliation": ["lease_id", "unit_id", "org_id"],
}
"""The columns GX reports for failing rows (the first is the sample key shown in check metadata)."""


def flag_columns(scope: str) -> list[str]:
    return FLAG_KEYS[scope] + codes(scope)


def suite_definition(scope: str) -> dict:
    """The GX 1.x suite (as its JSON dict) that validates the `scope` flag frame."""
    if scope not in SCOPES:
        raise ValueError(f"unknown scope {scope!r}")
    severity = "critical" if scope == "delivery" else "warning"
    key = "rows" if scope == "delivery" else KEY_COLUMNS[scope][0]  # an empty snapshot has no date
    expectations = [
        {
            "type": "expect_table_columns_to_match_set",
            "kwargs": {"column_set": flag_columns(scope), "exact_match": True},
            "meta": {"reason": f"the {scope} flag frame that boligstoette.quality derives; another shape means the "
                               "derivation and the suite are out of step"},
            "severity": "critical",
        },
        {
            "type": "expect_column_values_to_not_be_null",
            "kwargs": {"column": key},
            "meta": {"reason": f"every row of the {scope} flag frame must name its {key}"},
            "severity": "critical",
        },
    ]
    for code in codes(scope):
        check = CHECKS[code]
        meta = {
            "code": code,
            "scope": check.scope,
            "holds": check.holds,
            "description": check.description,
            "reason": check.reason,
        }
        if check.threshold:
            meta["threshold"] = check.threshold
        expectations.append(
            {
                "type": "expect_column_values_to_be_in_set",
                "kwargs": {"column": code, "value_set": [False]},
                "meta": meta,
                "severity": severity,
                # rendered by GX Data Docs under the expectation (a comment icon that opens the note)
                "notes": [f"**{code}** ({check.scope}; consequence: {check.consequence}). {check.description}"],
            }
        )
    return {
        "name": SUITE_NAMES[scope],
        "expectations": expectations,
        "meta": {
            "scope": scope,
            "description": f"Register data quality, {scope} scope: one expectation per check code on the flag frame "
                           "from boligstoette.quality.assess_register (docs/quality.md).",
        },
    }


def write_suites(directory) -> list:
    """Write every register_<scope>.json into `directory` (expectations/suites); returns the paths."""
    import json
    from pathlib import Path

    paths = []
    for scope in SCOPES:
        definition = suite_definition(scope)
        path = Path(directory) / f"{definition['name']}.json"
        path.write_text(json.dumps(definition, indent=2, ensure_ascii=False) + "\n", encoding="utf-8")
        paths.append(path)
    return paths

