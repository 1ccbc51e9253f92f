"""Great Expectations suites for the stored assets, kept as JSON under version control.

`suites/<name>.json` holds one GX 1.x ExpectationSuite per asset; each expectation's `meta.reason`
says why the rule exists. `expectations.gx_checks` loads a suite, validates a DataFrame with it and
turns the outcome into a Dagster AssetCheckResult (critical expectation failed -> ERROR, blocking).

Importing this package is cheap: Great Expectations (~3.5 s) is imported only inside the
functions of `gx_checks` that need it.
"""

from pathlib import Path

SUITES_DIR = Path(__file__).parent / "suites"

__all__ = ["SUITES_DIR"]
