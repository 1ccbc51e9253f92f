"""Resources, chosen from the environment (orchestration/settings.py) as hooli chooses per environment."""

import os
from collections.abc import Callable

import dagster as dg
import pandas as pd

from boligstoette.landing import Landing
from orchestration.settings import WAREHOUSE_SCHEMA, WAREHOUSE_URL, Settings
from orchestration.warehouse import Warehouse, WarehouseIOManager

LEDGER_TABLE = "payment_ledger"
LEDGER_KEY = "entry_id"


class LandingFolder(dg.ConfigurableResource):
    """The landing folder deliveries are dropped into, and the cut-off day that picks them."""

    root: str
    cutoff_day: int = 20

    def get(self) -> Landing:
        return Landing(self.root, self.cutoff_day)


class AgencyDatabase(dg.ConfigurableResource):
    """The asset database, for what the IO manager does not do: the append-only payment ledger,
    and reading an earlier partition (what an organisation was already told, and since when)."""

    url: str
    schema_name: str | None = None
    ledger_lock_timeout_s: float = 600.0  # how long a booking waits for another run's booking to finish

    def _warehouse(self) -> Warehouse:
        return Warehouse(self.url, self.schema_name)

    def ledger(self) -> pd.DataFrame:
        from boligstoette.payouts import empty_ledger

        stored = self._warehouse().read_table(LEDGER_TABLE)
        return empty_ledger() if stored is None else stored

    def book(self, decide: Callable[[pd.DataFrame], pd.DataFrame]) -> tuple[pd.DataFrame, pd.DataFrame]:
        """Under the ledger lock, in ONE transaction: read the whole ledger, call decide(ledger) for the new
        entries (LEDGER_COLUMNS), insert them, commit; return (ledger as read, entries). A second writer
        waits for the lock (up to `ledger_lock_timeout_s`) and then reads the ledger as the first left it;
        on timeout it fails with a TimeoutError naming the lock. Any error (an entry_id already booked, a
        failed insert, decide raising) rolls back: nothing is written."""
        from boligstoette.payouts import LEDGER_COLUMNS

        # One lock for the whole ledger, not one per month: booking month M also books recoveries and
        # missed months of earlier periods, so per-month locks would let two months book one period twice.
        return self._warehouse().book(LEDGER_TABLE, LEDGER_COLUMNS, LEDGER_KEY, decide, self.ledger_lock_timeout_s)

    def input(self, table: str, key: str) -> pd.DataFrame:
        """A partition as the IO manager would load it as an asset input (empty when stored empty),
        for an asset that reads a dependency only when it needs it."""
        return self._warehouse().read_partitions(table, [key])

    def partition(self, table: str, key: str):
        """A stored partition, or None when it was never materialised."""
        warehouse = self._warehouse()
        return warehouse.read_partitions(table, [key]) if key in warehouse.partition_keys(table) else None


class OutputFolder(dg.ConfigurableResource):
    """Where payout and hold files are written (out/payouts/YYYY-MM/, out/holds/)."""

    root: str


def _from_env_var(name: str, default: str | None) -> str | dg.EnvVar | None:
    """A set variable as dg.EnvVar: Dagster then stores the variable's NAME in the job snapshot in run
    storage, not its value (a warehouse URL carries a password). Unset, the embedded default itself,
    which holds no secret: exporting it to the environment instead would leak into child processes."""
    return dg.EnvVar(name) if os.environ.get(name) else default


def resources_from_env() -> dict:
    settings = Settings.from_env()
    url = _from_env_var(WAREHOUSE_URL, settings.warehouse_url)
    schema = _from_env_var(WAREHOUSE_SCHEMA, None)
    return {
        "landing": LandingFolder(root=str(settings.landing), cutoff_day=settings.cutoff_day),
        "io_manager": WarehouseIOManager(url=url, schema_name=schema),
        "database": AgencyDatabase(url=url, schema_name=schema),
        "output": OutputFolder(root=str(settings.out)),
    }
