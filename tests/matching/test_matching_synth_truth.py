"""Matching and eligibility on a generated landing folder, measured against its ground truth."""

from __future__ import annotations

import pandas as pd
import pytest
from matching_kit import assert_no_cpr

from boligstoette import codes, contracts
from boligstoette.eligibility import assess_eligibility
from boligstoette.landing import Landing
from boligstoette.matching import match_tenants

MONTH = "2026-12"


@pytest.fixture(scope="module")
def run(synth_sample):
    lands = Landing(synth_sample)
    register = lands.read_register_snapshot(MONTH)[0]
    previous = contracts.read_csv(lands.register_snapshots(MONTH)[1].path, contracts.REGISTER)
    apps, members = lands.read_applications(MONTH), lands.read_household_members(MONTH)
    result = match_tenants(apps, members, register, previous, month=MONTH)
    elig = assess_eligibility(result.matches, apps, members, register, MONTH)
    truth = pd.read_csv(synth_sample / "_truth" / "case_truth.csv", sep=";", dtype=str, keep_default_na=False)
    errors = pd.read_csv(synth_sample / "_truth" / "injected_errors.csv", sep=";", dtype=str, keep_default_na=False)
    missing_orgs = set(errors.loc[errors["kind"] == "org_rows_missing", "org_id"])
    joined = result.matches.merge(truth, on="case_id", suffixes=("", "_true"))
    assert len(joined) == len(truth) == len(apps)
    joined["correct"] = joined["lease_id"] == joined["lease_id_true"]
    kinds = errors[errors["case_id"] != ""].groupby("case_id")["kind"].agg(set)
    joined["errors"] = joined["case_id"].map(kinds).apply(lambda v: v if isinstance(v, set) else set())
    joined["errors"] = [e | {"org_rows_missing"} if org in missing_orgs else e
                        for e, org in zip(joined["errors"], joined["org_id_true"], strict=True)]
    in_force = register.set_index("lease_id")
    start, end = in_force["lease_start"], in_force["lease_end"]
    first, last = pd.Timestamp("2026-12-01"), pd.Timestamp("2026-12-31")
    active = (start <= last) & (end.isna() | (end >= first))
    joined["true_in_force"] = joined["lease_id_true"].map(active).fillna(False).astype(bool)
    return result, elig, joined, (apps, members, register, previous)


def test_every_case_has_one_row(run):
    result, elig, joined, (apps, *_rest) = run
    assert result.matches["case_id"].is_unique and len(result.matches) == len(apps)
    assert elig["case_id"].is_unique and len(elig) == len(apps)


def test_nothing_is_paid_on_the_wrong_lease(run):
    _, _, joined, _ = run
    paid = joined[joined["payable"]]
    assert len(paid) > 0.8 * len(joined)
    assert paid["correct"].all(), paid.loc[~paid["correct"], ["case_id", "match_level"]]


def test_recall_of_matchable_cases(run):
    """Matchable: the true lease is in force, carries a CPR or birth date, and was not overwritten."""
    _, _, joined, _ = run
    identified = (joined["lease_has_cpr"] == "true") | (joined["lease_has_birth_date"] == "true")
    matchable = joined["true_in_force"] & identified & (joined["tenant_changed_injected"] == "false")
    found = (joined["payable"] & joined["correct"])[matchable]
    assert found.mean() >= 0.98, joined[matchable & ~found][["case_id", "match_level", "hold_reason", "name_variant"]]


def test_every_tenant_change_is_held(run):
    _, elig, joined, _ = run
    changed = joined[joined["tenant_changed_injected"] == "true"]
    assert len(changed) >= 3
    assert (changed["hold_reason"] == codes.TENANT_CHANGED_ON_LEASE).all()
    assert (changed["lease_id"] == changed["lease_id_true"]).all()
    assert not elig.set_index("case_id").loc[changed["case_id"], "eligible"].any()


def test_misspelt_names_are_still_identified(run):
    _, _, joined, _ = run
    spelt = joined[(joined["name_variant"] != "none") & (joined["lease_has_cpr"] == "false")
                   & (joined["lease_has_birth_date"] == "true") & joined["true_in_force"]
                   & (joined["errors"].apply(len) == 0)]
    assert len(spelt) >= 5
    ok = spelt["correct"] & (spelt["match_level"] == "birth_date_name")
    # two typos in one short name may defeat the rule (held as MATCH_NONE, never paid wrongly)
    assert ok[spelt["name_variant"] != "typo2"].all(), spelt[~ok][["case_id", "name_variant", "hold_reason"]]


def test_name_only_leases_are_held(run):
    _, _, joined, _ = run
    bare = joined[(joined["lease_has_cpr"] == "false") & (joined["lease_has_birth_date"] == "false")
                  & joined["true_in_force"]]
    assert len(bare) >= 1
    assert not bare["payable"].any()
    assert set(bare["hold_reason"]) <= {codes.MATCH_NAME_ONLY, codes.MATCH_NONE, codes.TENANT_CHANGED_ON_LEASE}


def test_injected_register_errors(run):
    result, elig, joined, _ = run
    e = elig.set_index("case_id")
    q = result.review_queue.set_index("case_id")
    for _, row in joined.iterrows():
        if "org_rows_missing" in row["errors"]:  # the rows are gone: no match, and the queue says where it was
            assert row["hold_reason"] == codes.MATCH_NONE
            assert row["lease_id_true"] in q.loc[row["case_id"], "candidate_lease_ids"].split(";")
        if "bad_cpr" in row["errors"] and row["true_in_force"]:
            assert row["payable"] and row["correct"] and row["match_level"] == "birth_date_name"
        if "lease_ended_by_mistake" in row["errors"] and not row["true_in_force"]:
            assert row["correct"] and not row["payable"]
            assert codes.LEASE_ENDED in e.loc[row["case_id"], "reason_codes"]
    missing = joined[joined["errors"].apply(lambda k: "org_rows_missing" in k)]
    assert len(missing) >= 1


def test_review_queue_is_the_held_cases(run):
    result, _, _, _ = run
    held = result.matches[result.matches["hold_reason"].notna()]
    q = result.review_queue
    assert list(q["case_id"]) == list(held["case_id"])
    assert list(q["reason_code"]) == list(held["hold_reason"])
    assert set(q["reason_code"]) <= set(codes.MATCH_HOLD_CODES)
    assert (q["detail"].str.len() > 20).all()


def test_no_cpr_in_any_output(run):
    result, elig, _, (apps, members, register, previous) = run
    cprs = pd.concat([apps["applicant_cpr"], members["cpr"], register["tenant_cpr"], previous["tenant_cpr"]])
    cprs = cprs.dropna().unique()
    assert len(cprs) > 300
    assert_no_cpr(cprs, result.matches, result.review_queue, result.resolution_status, elig)
