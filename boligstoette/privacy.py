"""Where a CPR number must never appear: logs, Dagster event metadata, files for housing
organisations. `cpr_leaks` scans files for full CPR numbers (a masked `DDMMYY-0000` is allowed)."""

import re
from pathlib import Path

FULL_CPR = re.compile(rb"(?<!\d)[0-3]\d[01]\d\d\d-(?!0000)\d{4}(?!\d)")


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
