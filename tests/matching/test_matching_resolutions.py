"""Case workers' decisions: confirm, reject, and decisions that no longer fit; the file contract."""

from __future__ import annotations

from datetime import date

import pandas as pd
import pytest
from matching_kit import CPR, OTHER_CPR, one, run

from boligstoette import contracts
from boligstoette.matching import RESOLUTIONS, codes, read_resolutions
from boligstoette.matching import resolutions as res

NAME_ONLY_LEASE = {"tenant_name": "Jens Hansen"}  # no CPR, no birth date: held MATCH_NAME_ONLY


def status(result, lease_id="LM1") -> str:
    s = result.resolution_status
    return s[s["lease_id"] == lease_id]["status"].iloc[-1]


def test_confirm_makes_a_held_case_payable(kit):
    r = run(kit, [NAME_ONLY_LEASE], resolutions=[{"decision": "confirm"}])
    m = one(r)
    assert (m.lease_id, m.match_level, m.payable, m.resolved) == ("LM1", "name_only", True, True)
    assert pd.isna(m.hold_reason) and r.review_queue.empty
    assert status(r) == res.APPLIED


def test_confirm_of_a_lease_found_by_hand(kit):
    """MATCH_NONE; the case worker finds the lease (a name change at marriage) and confirms it."""
    rows = [{"tenant_name": "Jens Peter Olsen"}]
    assert one(run(kit, rows)).hold_reason == codes.MATCH_NONE
    r = run(kit, rows, resolutions=[{}])
    m = one(r)
    assert (m.lease_id, m.payable, m.resolved, m.match_level) == ("LM1", True, True, "none")


def test_confirm_of_one_of_two_ambiguous_leases(kit):
    rows = [{"tenant_cpr": CPR}, {"lease_id": "LM2", "tenant_cpr": CPR, "lease_start": "2026-11-01"}]
    assert one(run(kit, rows)).hold_reason == codes.MATCH_AMBIGUOUS
    r = run(kit, rows, resolutions=[{"lease_id": "LM2"}])
    assert (one(r).lease_id, one(r).payable, one(r).match_level) == ("LM2", True, "cpr")


def test_reject_removes_the_lease_and_re_evaluates(kit):
    r = run(kit, [NAME_ONLY_LEASE], resolutions=[{"decision": "reject"}])
    m = one(r)
    assert (m.match_level, m.payable, m.hold_reason) == ("none", False, codes.MATCH_NONE)
    assert "LM1" not in m.candidates
    assert status(r) == res.APPLIED


def test_reject_of_one_ambiguous_lease_leaves_the_other(kit):
    rows = [{"tenant_cpr": CPR}, {"lease_id": "LM2", "tenant_cpr": CPR, "lease_start": "2026-11-01"}]
    r = run(kit, rows, resolutions=[{"lease_id": "LM2", "decision": "reject"}])
    assert (one(r).lease_id, one(r).payable) == ("LM1", True)


def test_reject_of_a_cpr_match(kit):
    r = run(kit, [{"tenant_cpr": CPR}], resolutions=[{"decision": "reject"}])
    assert one(r).hold_reason == codes.MATCH_NONE


def test_confirm_of_a_lease_no_longer_in_force_does_not_apply(kit):
    r = run(kit, [{**NAME_ONLY_LEASE, "lease_end": "2026-11-30"}], resolutions=[{}])
    assert not one(r).payable and not one(r).resolved
    assert status(r) == res.LEASE_NOT_IN_FORCE


def test_confirm_before_the_lease_changed_does_not_apply(kit):
    """Confirmed in October; in the November snapshot a new tenant was written over the lease."""
    current = [{"tenant_cpr": CPR, "lease_start": "2026-11-01"}]
    previous = [{"tenant_cpr": OTHER_CPR, "tenant_name": "Peter Nielsen"}]
    r = run(kit, current, previous, resolutions=[{"decided_at": "2026-10-20T09:00:00+02:00"}])
    assert one(r).hold_reason == codes.TENANT_CHANGED_ON_LEASE and not one(r).resolved
    assert status(r) == res.LEASE_CHANGED_AFTER_DECISION


def test_confirm_after_the_change_applies(kit):
    """The case worker saw the TENANT_CHANGED hold (snapshot of 2026-11-15) and confirmed on the 25th."""
    current = [{"tenant_cpr": CPR, "lease_start": "2026-11-01"}]
    previous = [{"tenant_cpr": OTHER_CPR, "tenant_name": "Peter Nielsen"}]
    r = run(kit, current, previous, resolutions=[{"decided_at": "2026-11-25T09:00:00+01:00"}])
    assert one(r).payable and one(r).resolved
    assert status(r) == res.APPLIED


def test_decision_on_the_snapshot_day_is_too_early(kit):
    current = [{"tenant_cpr": CPR, "lease_start": "2026-11-01"}]
    previous = [{"tenant_cpr": OTHER_CPR, "tenant_name": "Peter Nielsen"}]
    # 23:30 UTC on the 14th is already the 15th in Copenhagen: the snapshot's own day
    r = run(kit, current, previous, resolutions=[{"decided_at": "2026-11-14T23:30:00Z"}])
    assert status(r) == res.LEASE_CHANGED_AFTER_DECISION


def test_lease_start_seen_by_the_case_worker_must_still_be_the_lease_start(kit):
    r = run(kit, [{**NAME_ONLY_LEASE, "lease_start": "2026-09-01"}], resolutions=[{"lease_start": "2015-01-01"}])
    assert not one(r).payable and status(r) == res.LEASE_START_DIFFERS
    r = run(kit, [{**NAME_ONLY_LEASE, "lease_start": "2026-09-01"}], resolutions=[{"lease_start": "2026-09-01"}])
    assert one(r).payable and status(r) == res.APPLIED


def test_stale_reject_no_longer_removes_the_lease(kit):
    current = [{"tenant_cpr": CPR, "lease_start": "2026-11-01"}]
    previous = [{"tenant_cpr": OTHER_CPR, "tenant_name": "Peter Nielsen"}]
    r = run(kit, current, previous, resolutions=[{"decision": "reject", "decided_at": "2026-10-01T09:00:00+02:00"}])
    assert one(r).lease_id == "LM1" and status(r) == res.LEASE_CHANGED_AFTER_DECISION


def test_the_latest_decision_on_a_lease_counts(kit):
    r = run(kit, [NAME_ONLY_LEASE], resolutions=[
        {"decision": "confirm", "decided_at": "2026-11-21T09:00:00+01:00"},
        {"decision": "reject", "decided_at": "2026-11-22T09:00:00+01:00"},
    ])
    assert one(r).hold_reason == codes.MATCH_NONE
    assert list(r.resolution_status["status"]) == [res.SUPERSEDED, res.APPLIED]


def test_one_confirm_per_case_the_latest(kit):
    rows = [{"tenant_cpr": CPR}, {"lease_id": "LM2", "tenant_cpr": CPR, "lease_start": "2026-11-01"}]
    r = run(kit, rows, resolutions=[
        {"lease_id": "LM2", "decided_at": "2026-11-22T09:00:00+01:00"},
        {"lease_id": "LM1", "decided_at": "2026-11-21T09:00:00+01:00"},
    ])
    assert one(r).lease_id == "LM2"
    assert status(r, "LM1") == res.SUPERSEDED


def test_unknown_case_and_lease(kit):
    r = run(kit, [{"tenant_cpr": CPR}], resolutions=[{"case_id": "C9"}, {"lease_id": "LM404"}])
    assert list(r.resolution_status["status"]) == [res.UNKNOWN_CASE, res.LEASE_NOT_IN_REGISTER]
    assert one(r).payable and not one(r).resolved


# --- the file contract ----------------------------------------------------------------------------


def _write(folder, name, text):
    path = folder / "resolutions" / name
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text, encoding="utf-8")
    return path


def test_contract_reads_the_documented_file(tmp_path):
    path = _write(tmp_path, "review_resolutions_20261125.csv",
                  "case_id;lease_id;decision;decided_by;decided_at\n"
                  "C1;LM1;confirm;AB;2026-11-25T10:00:00+01:00\nC2;LM7;reject;CD;2026-11-25T11:00:00+01:00\n")
    frame = contracts.read_csv(path, RESOLUTIONS)
    assert list(frame["decision"]) == ["confirm", "reject"]
    assert str(frame["decided_at"].dtype) == "datetime64[us, UTC]"
    assert frame["lease_start"].isna().all()  # optional column, may be absent


def test_contract_rejects_a_bad_decision(tmp_path):
    path = _write(tmp_path, "review_resolutions_20261125.csv",
                  "case_id;lease_id;decision;decided_by;decided_at\nC1;LM1;approve;AB;2026-11-25T10:00:00+01:00\n")
    with pytest.raises(contracts.ContractError) as err:
        contracts.read_csv(path, RESOLUTIONS)
    assert err.value.line == 2 and err.value.column == "decision"


def test_contract_requires_the_timestamp_offset(tmp_path):
    path = _write(tmp_path, "review_resolutions_20261125.csv",
                  "case_id;lease_id;decision;decided_by;decided_at\nC1;LM1;confirm;AB;2026-11-25T10:00:00\n")
    with pytest.raises(contracts.ContractError):
        contracts.read_csv(path, RESOLUTIONS)


def test_read_resolutions_takes_every_file_up_to_a_day(tmp_path):
    header = "case_id;lease_id;decision;decided_by;decided_at;lease_start\n"
    _write(tmp_path, "review_resolutions_20261110.csv", header + "C1;LM1;confirm;AB;2026-11-10T10:00:00+01:00;\n")
    _write(tmp_path, "review_resolutions_20261125.csv",
           header + "C1;LM1;reject;AB;2026-11-25T10:00:00+01:00;2015-01-01\n")
    _write(tmp_path, "notes.txt", "not a delivery")
    assert len(read_resolutions(tmp_path)) == 2
    assert list(read_resolutions(tmp_path, until=date(2026, 11, 20))["decision"]) == ["confirm"]
    assert len(read_resolutions(tmp_path / "nowhere")) == 0


def test_a_cpr_typed_into_a_resolution_is_not_repeated(kit):
    r = run(kit, [{"tenant_cpr": CPR}], resolutions=[{"decided_by": f"AB {CPR}"}, {"case_id": CPR}])
    s = r.resolution_status
    assert CPR not in " ".join(s["decided_by"].tolist() + s["case_id"].tolist())
    assert s["decided_by"].iloc[0] == "AB <cpr>"
