"""Where a CPR number must never appear: logs, Dagster event metadata, files for housing
organisations. `cpr_leaks` scans files for full CPR numbers (a masked `DDMMYY-0000` is allowed).

The pattern is anything written like a CPR (six digits, hyphen, four) standing alone: not inside a longer run of letters,
digits or hyphens, so a UUID such as `0a120190-1234-...` (run ids, GX page ids) is not one.
"""

import re
from pathlib import Path

FULL_CPR_PATTERN = r"(?<![0-9A-Za-z-])\d{6}-(?!0000)\d{4}(?![0-9A-Za-z-])"
FULL_CPR = re.compile(FULL_CPR_PATTERN.encode())


def cpr_leaks(paths: list[Path], allowed: set[Path] = frozenset()) -> dict[str, int]:
    """Full CPR numbers per file, for every file under `paths` except the `allowed` ones."""
    leaks = {}
    for root in paths:
        for path in sorted(p for p in Path(root).rglob("*") if p.is_file()) if Path(root).is_dir() else [Path(root)]:
            if path in allowed:
                continue
            if found := len(FULL_CPR.findall(path.read_bytes())):
                leaks[str(path)] = found
    return leaks
