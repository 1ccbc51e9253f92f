"""Resources, chosen from the environment (orchestration/settings.py) as hooli chooses per environment."""

import dagster as dg

from boligstoette.landing import Landing
from orchestration.settings import Settings
from orchestration.warehouse import Warehouse, WarehouseIOManager

LEDGER_TABLE = "payment_ledger"


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

    def _warehouse(self) -> Warehouse:
        return Warehouse(self.url, self.schema_name)

    def ledger(self):
        from boligstoette.payouts import empty_ledger

        stored = self._warehouse().read_table(LEDGER_TABLE)
        return empty_ledger() if stored is None else stored

    def append_to_ledger(self, entries) -> None:
        if len(entries):
            self._warehouse().append(LEDGER_TABLE, entries, unique="entry_id")

    def partition(self, table: str, key: str):
        """A stored partition, or None when it was never materialised."""
        warehouse = self._warehouse()
        return warehouse.read_partitions(table, [key]) if key in warehouse.partition_keys(table) else None


class OutputFolder(dg.ConfigurableResource):
    """Where payout and hold files are written (out/payouts/YYYY-MM/, out/holds/)."""

    root: str


def resources_from_env() -> dict:
    settings = Settings.from_env()
    return {
        "landing": LandingFolder(root=str(settings.landing), cutoff_day=settings.cutoff_day),
        "io_manager": WarehouseIOManager(url=settings.warehouse_url, schema_name=settings.warehouse_schema),
        "database": AgencyDatabase(url=settings.warehouse_url, schema_name=settings.warehouse_schema),
        "output": OutputFolder(root=str(settings.out)),
    }
