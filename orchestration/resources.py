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


class PaymentLedger(dg.ConfigurableResource):
    """The append-only payment ledger, in the same database as the assets."""

    url: str
    schema_name: str | None = None

    def read(self):
        from boligstoette.payouts import empty_ledger

        stored = Warehouse(self.url, self.schema_name).read_table(LEDGER_TABLE)
        return empty_ledger() if stored is None else stored

    def append(self, entries) -> None:
        if len(entries):
            Warehouse(self.url, self.schema_name).append(LEDGER_TABLE, entries, unique="entry_id")


class OutputFolder(dg.ConfigurableResource):
    """Where payout and hold files are written (out/payouts/YYYY-MM/, out/holds/)."""

    root: str


def resources_from_env() -> dict:
    settings = Settings.from_env()
    return {
        "landing": LandingFolder(root=str(settings.landing), cutoff_day=settings.cutoff_day),
        "io_manager": WarehouseIOManager(url=settings.warehouse_url, schema_name=settings.warehouse_schema),
        "ledger": PaymentLedger(url=settings.warehouse_url, schema_name=settings.warehouse_schema),
        "output": OutputFolder(root=str(settings.out)),
    }
