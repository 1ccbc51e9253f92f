"""`python -m expectations`: regenerate expectations/suites/register_<scope>.json from the
register-check catalogue (boligstoette/quality/checks.py) and print the checks tables for
docs/quality.md (tests fail until both are in step)."""

from boligstoette.quality.checks import checks_table, reasons_table
from boligstoette.quality.suites import write_suites
from expectations import SUITES_DIR

for path in write_suites(SUITES_DIR):
    print(f"wrote {path}")
print()
print(checks_table())
print()
print(reasons_table())
