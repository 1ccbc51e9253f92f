"""Named points where the fault tests strike a run at an exact moment (kill -9, a database
connection killed). With BOLIGSTOETTE_FAULT_PAUSE=<point> a run that reaches <point> writes
<point>.reached into BOLIGSTOETTE_FAULT_DIR and waits there for the test to strike (then to write
<point>.release, or for two minutes); without it (always, outside the tests) `pause_at` does nothing.
"""

import os
import time
from pathlib import Path

POINTS = ("booking", "booked")  # inside the ledger transaction; after its commit, before the files


def pause_at(point: str, seconds: float = 120) -> None:
    if point not in POINTS:
        raise ValueError(f"unknown fault point {point!r}")
    if os.environ.get("BOLIGSTOETTE_FAULT_PAUSE") != point:
        return
    folder = Path(os.environ["BOLIGSTOETTE_FAULT_DIR"])
    (folder / f"{point}.reached").touch()
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline and not (folder / f"{point}.release").exists():
        time.sleep(0.1)
