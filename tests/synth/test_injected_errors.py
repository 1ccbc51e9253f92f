"""Each injected error kind shows up in the data exactly as documented, and in _truth/injected_errors.csv."""

from __future__ import annotations

from datetime import date

import pandas as pd
import pytest
from synth_testkit import RATE, read
from test_formats import CONTRACTS, check_file

from boligstoette.synth import INJECT_KINDS

S1, S2, S3 = "2026-09-15", "2026-10-15", "2026-11-15"


def valid_ddmmyy(cpr: str) -> date | None:
    dd, mm, yy = int(cpr[:2]), int(cpr[2:4]), int(cpr[4:6])
    century = 1900 if int(cpr[7]) <= 3 else 2000
    try:
        return date(century + yy, mm, dd)
    except ValueError:
        return None


def rows_of(sample, kind):
    truth = sample.truth()
    assert set(truth["kind"]) <= {kind, "pre_2014_correction"}, "only the requested kind is injected"
    rows = truth[truth["kind"] == kind]
    assert len(rows) >= 1
    return rows


def _events_for(events: pd.DataFrame, lease_id: str, kind: str) -> pd.DataFrame:
    return events[(events["lease_id"] == lease_id) & (events["kind"] == kind)]


def check_tenant_changed(rows, s1, s2, s3, events, sample):
    for _, r in rows.iterrows():
        a, b = s2.loc[r["lease_id"]], s3.loc[r["lease_id"]]
        assert a["unit_id"] == b["unit_id"] == r["unit_id"]
        assert a["tenant_name"] != b["tenant_name"]
        if a["tenant_birth_date"] and b["tenant_birth_date"]:
            assert a["tenant_birth_date"] != b["tenant_birth_date"]
        if a["tenant_cpr"] and b["tenant_cpr"]:
            assert a["tenant_cpr"] != b["tenant_cpr"]
        assert (a["tenant_cpr"] == "") == (b["tenant_cpr"] == "")
        assert a["lease_start"] < S2 < b["lease_start"] <= S3
        assert b["lease_end"] == ""
        assert events[events["lease_id"] == r["lease_id"]].empty, "no notification for a tenant change"
    common = s2.index.intersection(s3.index).difference(rows["lease_id"])
    assert (s2.loc[common, "tenant_name"] == s3.loc[common, "tenant_name"]).all()
    ct = sample.case_truth().set_index("lease_id")
    flagged = set(ct.index[ct["tenant_changed_injected"] == "true"])
    assert flagged == set(rows["lease_id"]) & set(ct.index)


def check_lease_ended_by_mistake(rows, s1, s2, s3, events, sample):
    latest, reopened = rows[rows["snapshot_date"] == S3], rows[rows["snapshot_date"] == S2]
    assert len(latest) >= 1 and len(reopened) >= 1
    for _, r in latest.iterrows():
        a, b = s2.loc[r["lease_id"]], s3.loc[r["lease_id"]]
        assert a["lease_end"] == "" and b["lease_end"] >= "2026-10-01"
        assert a["tenant_name"] == b["tenant_name"]
        e = _events_for(events, r["lease_id"], "lease_ended")
        assert len(e) >= 1
        assert e.iloc[0]["new"] == {"lease_end": b["lease_end"]} and e.iloc[0]["old"] == {"lease_end": None}
    for _, r in reopened.iterrows():
        x, a, b = s1.loc[r["lease_id"]], s2.loc[r["lease_id"]], s3.loc[r["lease_id"]]
        assert x["lease_end"] == "" and a["lease_end"] != "" and b["lease_end"] == ""
        assert len(_events_for(events, r["lease_id"], "lease_ended")) >= 1
        e = _events_for(events, r["lease_id"], "lease_reopened")
        assert len(e) >= 1
        assert e.iloc[0]["old"] == {"lease_end": a["lease_end"]} and e.iloc[0]["new"] == {"lease_end": None}


def _rent_event_matches(events, r, b):
    e = _events_for(events, r["lease_id"], "rent_changed")
    assert len(e) >= 1
    assert e.iloc[0]["new"]["rent_monthly"] == b["rent_monthly"]
    assert e.iloc[0]["new"]["supplements_monthly"] == b["supplements_monthly"]


def check_rent_cut_by_mistake(rows, s1, s2, s3, events, sample):
    for _, r in rows.iterrows():
        a, b = s2.loc[r["lease_id"]], s3.loc[r["lease_id"]]
        assert float(b["rent_monthly"]) < 0.7 * float(a["rent_monthly"])
        _rent_event_matches(events, r, b)
    common = s2.index.intersection(s3.index).difference(rows["lease_id"])
    assert (s3.loc[common, "rent_monthly"].astype(float) >= 0.7 * s2.loc[common, "rent_monthly"].astype(float)).all()


def check_supplement_added_by_mistake(rows, s1, s2, s3, events, sample):
    for _, r in rows.iterrows():
        a, b = s2.loc[r["lease_id"]], s3.loc[r["lease_id"]]
        assert a["supplements_monthly"] == "0.00" and float(b["supplements_monthly"]) > 0
        _rent_event_matches(events, r, b)
    common = s2.index.intersection(s3.index).difference(rows["lease_id"])
    s2_supp, s3_supp = s2.loc[common, "supplements_monthly"], s3.loc[common, "supplements_monthly"]
    assert not ((s2_supp == "0.00") & (s3_supp != "0.00")).any()


def check_supplement_removed_by_mistake(rows, s1, s2, s3, events, sample):
    for _, r in rows.iterrows():
        a, b = s2.loc[r["lease_id"]], s3.loc[r["lease_id"]]
        assert float(a["supplements_monthly"]) > 0 and b["supplements_monthly"] == "0.00"
        _rent_event_matches(events, r, b)
    common = s2.index.intersection(s3.index).difference(rows["lease_id"])
    s2_supp, s3_supp = s2.loc[common, "supplements_monthly"], s3.loc[common, "supplements_monthly"]
    assert not ((s2_supp != "0.00") & (s3_supp == "0.00")).any()


def check_area_differs_from_bbr(rows, s1, s2, s3, events, sample):
    bbr = sample.one("bbr/bbr_units_*.csv").set_index("bbr_unit_id")["area_m2"].astype(float)
    linked = s3[s3["bbr_unit_id"] != ""]
    ratio = (linked["area_m2"].astype(float) / bbr.loc[linked["bbr_unit_id"]].to_numpy() - 1).abs()
    flagged = set(linked.index[ratio > 0.10])
    assert flagged == set(rows["lease_id"])
    for lease in flagged:
        assert s2.loc[lease, "area_m2"] != s3.loc[lease, "area_m2"]
        assert events[events["lease_id"] == lease].empty


def check_duplicate_active_lease(rows, s1, s2, s3, events, sample):
    open3 = s3[s3["lease_end"] == ""]
    doubled = open3[open3.duplicated("unit_id", keep=False)]
    assert set(doubled["unit_id"]) == set(rows["unit_id"])
    for _, r in rows.iterrows():
        pair = doubled[doubled["unit_id"] == r["unit_id"]]
        assert len(pair) == 2 and r["lease_id"] in set(pair["lease_id"])
        other = (set(pair["lease_id"]) - {r["lease_id"]}).pop()
        assert r["lease_id"] not in s2.index and other in s2.index
        assert other in r["detail"]
        assert pair["tenant_name"].nunique() == 2
        assert s3.loc[r["lease_id"], "lease_start"] > S2


def check_bad_cpr(rows, s1, s2, s3, events, sample):
    def bad(row) -> bool:
        if not row["tenant_cpr"]:
            return False
        d = valid_ddmmyy(row["tenant_cpr"])
        return d is None or (row["tenant_birth_date"] != "" and d.isoformat() != row["tenant_birth_date"])

    flagged = {lease for lease, row in s3.iterrows() if bad(row)}
    assert flagged == set(rows["lease_id"])
    assert s3.loc[list(flagged), "tenant_cpr"].str.fullmatch(r"\d{6}-\d{4}").all()
    assert not any(bad(row) for _, row in s2.iterrows())
    modes = {valid_ddmmyy(s3.loc[lease, "tenant_cpr"]) is None for lease in flagged}
    if len(flagged) >= 6:
        assert modes == {True, False}, "both an impossible date and another person's date"
    for _, r in rows.iterrows():
        invalid = valid_ddmmyy(s3.loc[r["lease_id"], "tenant_cpr"]) is None
        assert ("not a valid date" in r["detail"]) == invalid


def check_end_before_start(rows, s1, s2, s3, events, sample):
    ended = s3[s3["lease_end"] != ""]
    flagged = set(ended.index[ended["lease_end"] < ended["lease_start"]])
    assert flagged == set(rows["lease_id"])
    for lease in flagged:
        assert s2.loc[lease, "lease_end"] == ""
        assert len(_events_for(events, lease, "lease_ended")) >= 1


def check_org_rows_missing(rows, s1, s2, s3, events, sample):
    assert len(rows) == max(1, round(RATE * 12))
    for org in rows["org_id"]:
        assert (s2["org_id"] == org).sum() > 0 and (s3["org_id"] == org).sum() == 0
    assert set(s2["org_id"]) - set(s3["org_id"]) == set(rows["org_id"])
    assert (rows["unit_id"] == "").all() and (rows["lease_id"] == "").all()


CHECKS = {kind: globals()[f"check_{kind}"] for kind in INJECT_KINDS if f"check_{kind}" in globals()}


def test_every_kind_has_a_check():
    assert set(CHECKS) == set(INJECT_KINDS)


@pytest.mark.parametrize("kind", INJECT_KINDS)
def test_injected_kind_appears_in_data_and_truth(kind, per_kind):
    sample = per_kind(kind)
    rows = rows_of(sample, kind)
    snaps = sample.snapshots()
    s1, s2, s3 = (s.set_index("lease_id", drop=False) for s in snaps)
    if kind != "org_rows_missing":
        assert abs(len(rows) - RATE * len(snaps[2])) <= 0.1 * RATE * len(snaps[2]) + 2
        assert (rows["snapshot_date"].isin([S2, S3])).all()
        assert (rows["org_id"] == rows["unit_id"].str.split("-").str[0]).all()
    CHECKS[kind](rows, s1, s2, s3, sample.events(), sample)
    # case_id in the truth is the case on the affected lease (the original lease for a duplicate)
    ct = sample.case_truth()
    case_of_unit = dict(zip(ct["unit_id"], ct["case_id"], strict=True))
    for _, r in rows.iterrows():
        if r["unit_id"]:
            assert r["case_id"] == case_of_unit.get(r["unit_id"], "")
    assert (rows["case_id"] != "").any() or kind == "org_rows_missing"
    # injected errors never break the file format
    for pattern, spec in CONTRACTS:
        for f in sample.files(pattern):
            check_file(f, spec)


def test_all_kinds_together(dirty):
    truth = dirty.truth()
    assert set(truth["kind"]) == set(INJECT_KINDS) | {"pre_2014_correction"}
    with_lease = truth[truth["lease_id"] != ""]
    assert with_lease["lease_id"].is_unique, "each lease carries at most one error"
    assert not any(k for k in read(dirty.root / "_truth/injected_errors.csv").columns
                   if k not in ("kind", "org_id", "unit_id", "lease_id", "case_id", "snapshot_date", "detail"))
