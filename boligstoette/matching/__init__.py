"""Identify each case's lease in the rent register (RULES § 12.4), and hold what is in doubt.

Pure pandas/numpy/rapidfuzz; no Dagster. Public API::

    match_tenants(applications, members, register, previous_register, resolutions=None, *, month) -> MatchResult
    MatchResult.matches / .review_queue / .resolution_status
    RESOLUTIONS                      the contract of resolutions/review_resolutions_YYYYMMDD.csv
    read_resolutions(landing_root, until=None)
    normalise_name(s), compare(a_key, r_key), compare_many(a_keys, r_keys)
    codes                            the reason codes (boligstoette.codes, the one registry)

See docs/matching.md. Eligibility is in `boligstoette.eligibility`.
"""

from boligstoette import codes
from boligstoette.matching.match import LEVELS, MATCH_COLUMNS, QUEUE_COLUMNS, STATUS_COLUMNS, MatchResult, match_tenants
from boligstoette.matching.names import compare, compare_many, normalise_address, normalise_name, normalise_names
from boligstoette.matching.resolutions import RESOLUTIONS, read_resolutions

__all__ = [
    "LEVELS", "MATCH_COLUMNS", "QUEUE_COLUMNS", "RESOLUTIONS", "STATUS_COLUMNS", "MatchResult", "codes", "compare",
    "compare_many", "match_tenants", "normalise_address", "normalise_name", "normalise_names", "read_resolutions",
]
