"""matched_tenants through Dagster: held doubt shows in the review queue, and a case worker's
resolution in the landing folder settles it on the next run."""

import pandas as pd

from orchestration.warehouse import Warehouse
from tests.conftest import SAMPLE_MONTH, materialize_month


def test_resolution_in_landing_folder_settles_a_held_case_on_rerun(landing, tmp_path):
    url = f"sqlite:///{tmp_path / 'w.sqlite'}"
    assert materialize_month(landing, url).success
    warehouse = Warehouse(url)
    queue = warehouse.read_partitions("tenant_review_queue", [SAMPLE_MONTH])
    matches = warehouse.read_partitions("matched_tenants", [SAMPLE_MONTH]).set_index("case_id")
    eligibility = warehouse.read_partitions("case_eligibility", [SAMPLE_MONTH]).set_index("case_id")
    assert len(queue) > 0 and set(queue["case_id"]) <= set(matches.index)
    assert not matches.loc[queue["case_id"], "payable"].any(), "a held case must not be payable"
    assert len(eligibility) == len(matches)

    held = queue[queue["reason_code"] == "MATCH_NAME_ONLY"].iloc[0]
    lease_id = matches.loc[held["case_id"], "lease_id"]
    (landing / "resolutions").mkdir()
    pd.DataFrame([{"case_id": held["case_id"], "lease_id": lease_id, "decision": "confirm",
                   "decided_by": "sagsbehandler-7", "decided_at": "2026-11-25T10:00:00+01:00"}]).to_csv(
        landing / "resolutions" / "review_resolutions_20261125.csv", sep=";", index=False)

    assert materialize_month(landing, url, selection=["matched_tenants", "tenant_review_queue"]).success
    after = warehouse.read_partitions("matched_tenants", [SAMPLE_MONTH]).set_index("case_id")
    assert after.loc[held["case_id"], "payable"] and after.loc[held["case_id"], "resolved"]
    assert held["case_id"] not in set(warehouse.read_partitions("tenant_review_queue", [SAMPLE_MONTH])["case_id"])
