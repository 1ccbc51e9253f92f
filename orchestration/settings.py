"""Where things are, from the environment; one place so the CLI, the UI and the tests agree.

| variable                      | default                              |
|-------------------------------|--------------------------------------|
| BOLIGSTOETTE_LANDING          | var/landing                          |
| BOLIGSTOETTE_OUT              | var/out                              |
| BOLIGSTOETTE_WAREHOUSE_URL    | sqlite:///<BOLIGSTOETTE_OUT>/warehouse.sqlite (embedded) |
| BOLIGSTOETTE_WAREHOUSE_SCHEMA | none (PostgreSQL: the schema for asset tables)           |
| BOLIGSTOETTE_CUTOFF_DAY       | 20                                   |

PostgreSQL in production: BOLIGSTOETTE_WAREHOUSE_URL=postgresql+psycopg2://user@host:5432/db
(the +psycopg2 driver: dagster-postgres and SQLAlchemy 2.1 need it spelled out). The resources read
the warehouse variables through dg.EnvVar when they are set (orchestration/resources.py), so a password
in the URL never reaches Dagster's run storage.
"""

import os
from dataclasses import dataclass
from pathlib import Path

WAREHOUSE_URL = "BOLIGSTOETTE_WAREHOUSE_URL"
WAREHOUSE_SCHEMA = "BOLIGSTOETTE_WAREHOUSE_SCHEMA"


@dataclass(frozen=True)
class Settings:
    landing: Path
    out: Path
    warehouse_url: str
    warehouse_schema: str | None
    cutoff_day: int

    @classmethod
    def from_env(cls) -> "Settings":
        out = Path(os.environ.get("BOLIGSTOETTE_OUT", "var/out")).absolute()
        return cls(
            landing=Path(os.environ.get("BOLIGSTOETTE_LANDING", "var/landing")).absolute(),
            out=out,
            warehouse_url=os.environ.get(WAREHOUSE_URL) or f"sqlite:///{out / 'warehouse.sqlite'}",
            warehouse_schema=os.environ.get(WAREHOUSE_SCHEMA) or None,
            cutoff_day=int(os.environ.get("BOLIGSTOETTE_CUTOFF_DAY", "20")),
        )
