"""Resources, chosen from the environment (orchestration/settings.py) as hooli chooses per environment."""

import dagster as dg

from boligstoette.landing import Landing
from orchestration.settings import Settings
from orchestration.warehouse import WarehouseIOManager


class LandingFolder(dg.ConfigurableResource):
    """The landing folder deliveries are dropped into, and the cut-off day that picks them."""

    root: str
    cutoff_day: int = 20

    def get(self) -> Landing:
        return Landing(self.root, self.cutoff_day)


def resources_from_env() -> dict:
    settings = Settings.from_env()
    return {
        "landing": LandingFolder(root=str(settings.landing), cutoff_day=settings.cutoff_day),
        "io_manager": WarehouseIOManager(url=settings.warehouse_url, schema_name=settings.warehouse_schema),
    }
