"""Register data quality (issue 5): the known reporting errors caught before they reach a citizen.

Pure pandas, no Dagster import. `assess_register` runs every check of `CHECKS` on a register snapshot
against the previous snapshot, BBR and the change notifications, and returns `RegisterFindings`
(findings, the per-scope flag frames the GX suites validate, summaries). `organisation_error_list`
turns findings into the list each housing organisation gets. See docs/quality.md.
"""

from boligstoette.quality.checks import CHECKS, CONSEQUENCE, HOLDS, SCOPES, Check, checks_table, codes, reasons_table
from boligstoette.quality.register import (
    ERROR_LIST_COLUMNS,
    FINDING_COLUMNS,
    PRE_2014,
    RegisterFindings,
    assess_register,
    contract_rejection,
    delivery_findings,
    first_benefit_month,
    organisation_error_list,
)
from boligstoette.quality.suites import suite_definition
from boligstoette.quality.thresholds import DEFAULT_THRESHOLDS, QualityThresholds

__all__ = [
    "CHECKS",
    "CONSEQUENCE",
    "DEFAULT_THRESHOLDS",
    "ERROR_LIST_COLUMNS",
    "FINDING_COLUMNS",
    "HOLDS",
    "PRE_2014",
    "SCOPES",
    "Check",
    "QualityThresholds",
    "RegisterFindings",
    "assess_register",
    "checks_table",
    "codes",
    "contract_rejection",
    "delivery_findings",
    "first_benefit_month",
    "organisation_error_list",
    "reasons_table",
    "suite_definition",
]
