"""The sample hangs together: stable units, unique leases, notifications for every change, cases on
running leases, incomes that add up."""

from __future__ import annotations

from datetime import date

import pandas as pd
from synth_testkit import read

from boligstoette.synth.geography import MUNICIPALITIES

UNIT_COLUMNS = ["org_id", "afdeling_id", "bbr_unit_id", "address", "postal_code", "municipality_code", "area_m2",
                "rooms", "heating_type", "own_kitchen", "garage_carport", "accessible", "student_dorm", "tenure",
                "maintenance_duty", "electricity_payment"]
SNAP_DATES = ["2026-09-15", "2026-10-15", "2026-11-15"]


def test_snapshot_dates_and_sizes(clean):
    snaps = clean.snapshots()
    for snap, day in zip(snaps, SNAP_DATES, strict=True):
        assert (snap["snapshot_date"] == day).all()
        assert 450 <= len(snap) <= 800
    latest = snaps[2]
    assert 8 <= latest["org_id"].nunique() <= 12
    assert latest.groupby("org_id")["afdeling_id"].nunique().max() >= 2


def test_unit_ids_are_stable_across_snapshots(clean):
    snaps = clean.snapshots()
    per_unit = pd.concat(snaps)[["unit_id", *UNIT_COLUMNS]].drop_duplicates()
    assert per_unit["unit_id"].is_unique, "a unit's attributes changed between snapshots"
    units = [set(s["unit_id"]) for s in snaps]
    assert units[0] == units[1] == units[2]
    # department unique within its organisation: one organisation per (org, afdeling) and unit prefix
    assert (per_unit["unit_id"].str.split("-").str[0] == per_unit["org_id"]).all()


def test_lease_ids_unique_per_snapshot_and_new_tenants_get_new_leases(clean):
    snaps = clean.snapshots()
    for snap in snaps:
        assert snap["lease_id"].is_unique
    # a lease keeps its tenant; natural tenant changes end the old lease and start a new lease_id
    both = snaps[1].merge(snaps[2], on="lease_id", suffixes=("_a", "_b"))
    assert (both["tenant_name_a"] == both["tenant_name_b"]).all()
    new = set(snaps[2]["lease_id"]) - set(snaps[1]["lease_id"])
    assert new
    new_rows = snaps[2][snaps[2]["lease_id"].isin(new)]
    ended = snaps[2][snaps[2]["unit_id"].isin(new_rows["unit_id"]) & ~snaps[2]["lease_id"].isin(new)]
    assert (ended["lease_end"] != "").all()
    # at most one lease running on any day per unit
    s = snaps[2]
    for _, g in s[s.duplicated("unit_id", keep=False)].groupby("unit_id"):
        g = g.sort_values("lease_start")
        ends = g["lease_end"].tolist()
        starts = g["lease_start"].tolist()
        assert all(e != "" and e < st for e, st in zip(ends[:-1], starts[1:], strict=True))


def test_register_values_are_realistic(clean):
    s = clean.snapshots()[2]
    rent = s["rent_monthly"].astype(float)
    supp = s["supplements_monthly"].astype(float)
    area = s["area_m2"].astype(float)
    assert rent.between(2500, 14500).all() and (supp <= rent).all() and (supp > 0).mean() > 0.05
    assert area.between(20, 160).all()
    assert s["rooms"].astype(int).between(1, 6).all()
    assert 0.12 <= (s["tenant_cpr"] == "").mean() <= 0.30
    assert 0.01 <= (s["tenant_birth_date"] == "").mean() <= 0.07
    assert (s["bbr_unit_id"] != "").mean() > 0.9
    assert s["address"].str.fullmatch(r".+ \d+(, (st\.|\d\.) (tv|th|mf))?").all()
    postal_of = {code: {pc for pc, _ in postal} for code, _, _, postal in MUNICIPALITIES}
    assert all(pc in postal_of[m] for pc, m in zip(s["postal_code"], s["municipality_code"], strict=True))
    assert s["tenant_name"].str.contains("[æøåÆØÅ]").any()
    # ended leases are kept for 24 months only
    ended = s[s["lease_end"] != ""]
    assert (ended["lease_end"] >= "2024-11-15").all()
    with_cpr = s[(s["tenant_cpr"] != "") & (s["tenant_birth_date"] != "")]
    assert (with_cpr["tenant_cpr"].str[:6] == pd.to_datetime(with_cpr["tenant_birth_date"]).dt.strftime("%d%m%y")).all()


def _interval(events: pd.DataFrame) -> pd.Series:
    day = events["registered_at"].str[:10]
    return (day >= SNAP_DATES[0]).astype(int) + (day >= SNAP_DATES[1]).astype(int) + (day >= SNAP_DATES[2]).astype(int)


def test_every_notified_change_matches_the_snapshots(clean):
    snaps = clean.snapshots()
    ev = clean.events().drop_duplicates("event_id")
    ev["j"] = _interval(ev)
    assert ev["j"].isin([1, 2]).all()
    pre2014 = set(clean.truth().query("kind == 'pre_2014_correction'")["lease_id"])
    assert pre2014
    for j in (1, 2):
        a, b = snaps[j - 1].set_index("lease_id"), snaps[j].set_index("lease_id")
        common = a.index.intersection(b.index)
        a, b = a.loc[common], b.loc[common]
        e = ev[ev["j"] == j]
        kinds = {
            "rent_changed": ["rent_monthly", "supplements_monthly", "rent_effective_from"],
            "utilities_changed": ["heating_payment", "water_payment", "drainage_payment"],
        }
        for kind, cols in kinds.items():
            changed = set(common[(a[cols] != b[cols]).any(axis=1)])
            notified = e[e["kind"] == kind]
            if kind == "rent_changed":
                changed -= pre2014
            assert changed == set(notified["lease_id"]), kind
            for _, row in notified.iterrows():
                assert row["old"] == a.loc[row["lease_id"], cols].to_dict()
                assert row["new"] == b.loc[row["lease_id"], cols].to_dict()
        end_changed = set(common[a["lease_end"] != b["lease_end"]])
        notified = e[e["kind"].isin(["lease_ended", "lease_reopened"])]
        assert end_changed == set(notified["lease_id"])
        for _, row in notified.iterrows():
            assert row["new"]["lease_end"] == (b.loc[row["lease_id"], "lease_end"] or None)
    # the pre-2014 corrections: rent changed back to a date before 1 June 2014, no notification
    s2, s3 = snaps[1].set_index("lease_id"), snaps[2].set_index("lease_id")
    for lease in pre2014:
        assert s3.loc[lease, "rent_effective_from"] < "2014-06-01"
        assert s3.loc[lease, "rent_monthly"] != s2.loc[lease, "rent_monthly"]
        assert lease not in set(ev["lease_id"])


def test_cases_point_at_running_leases_of_their_applicants(clean):
    s3 = clean.snapshots()[2].set_index("lease_id")
    ct = clean.case_truth()
    apps = clean.one("cases/applications_*.csv").set_index("case_id")
    assert 250 <= len(ct) <= 320 and ct["case_id"].is_unique and ct["lease_id"].is_unique
    assert set(ct["case_id"]) == set(apps.index)
    for _, c in ct.iterrows():
        lease = s3.loc[c["lease_id"]]
        assert lease["unit_id"] == c["unit_id"] and lease["org_id"] == c["org_id"]
        assert lease["lease_start"] <= "2026-11-15"
        assert lease["lease_end"] == "" or lease["lease_end"] >= "2026-11-18"
        app = apps.loc[c["case_id"]]
        assert app["address"] == lease["address"] and app["postal_code"] == lease["postal_code"]
        assert (c["lease_has_cpr"] == "true") == (lease["tenant_cpr"] != "")
        assert (c["lease_has_birth_date"] == "true") == (lease["tenant_birth_date"] != "")
        if lease["tenant_cpr"]:
            assert app["applicant_cpr"] == lease["tenant_cpr"]
        same_name = app["applicant_name"] == lease["tenant_name"]
        assert same_name == (c["name_variant"] == "none"), c["case_id"]
        if app["unit_id"]:
            assert app["unit_id"] == c["unit_id"] and app["org_id"] == c["org_id"]
    assert ((ct["name_variant"] != "none").sum()) == round(0.03 * len(ct))
    assert (apps["move_in_date"] != "").any() and (apps["payee"] == "applicant").any()
    assert (apps["received_date"] <= "2026-11-18").all()


def test_households(clean):
    members = clean.one("cases/household_members_*.csv")
    assert (members.groupby("case_id")["role"].apply(lambda r: (r == "ansoeger").sum()) == 1).all()
    assert set(members["role"]) >= {"ansoeger", "aegtefaelle", "samlever", "barn"}
    age = (pd.Timestamp("2026-11-18") - pd.to_datetime(members["birth_date"])).dt.days / 365.25
    assert (age[members["role"] != "barn"] >= 18).all() and (age < 100).all()
    kids = members[members["role"] == "barn"]
    kid_age = age[kids.index]
    assert (kid_age < 18).mean() > 0.8 and (kid_age.between(17.6, 18)).any()  # some turn 18 soon
    old_age = members[members["pension"].isin(["folkepension", "foertidspension_foer_2003"])]
    share_boligydelse = old_age["case_id"].nunique() / members["case_id"].nunique()
    assert 0.25 <= share_boligydelse <= 0.45
    assert {"foertidspension_efter_2003", "folkepension"} <= set(members["pension"])
    adults = members[age >= 18]
    assert (adults["joint_liability_signed"] != "").mean() > 0.95
    assert (members.loc[age < 18, "joint_liability_signed"] == "").all()
    apps = members[members["role"] == "ansoeger"]
    assert (apps["income_consent"] == "true").all()
    assert (members["member_from"] >= members["birth_date"]).all()
    left = members[members["member_to"] != ""]
    assert (left["member_to"] > left["member_from"]).all()


def test_income_covers_adults_and_adds_up(clean):
    members = clean.one("cases/household_members_*.csv")
    age = (pd.Timestamp("2026-11-18") - pd.to_datetime(members["birth_date"])).dt.days / 365.25
    adults = set(members.loc[age >= 18, "cpr"])
    months = clean.files("income/eindkomst_??????.csv")
    assert len(months) == 24
    ek = pd.concat([read(f) for f in months])
    assert set(ek["cpr"]) <= adults and len(set(ek["cpr"])) > 0.85 * len(adults)
    assert set(ek["income_type"]) >= {"loen", "pension", "su", "dagpenge", "kontanthjaelp", "ferietillaeg"}
    assert ek.groupby(["cpr", "month"]).size().max() <= 3
    for f in months:
        month = f[-10:-4]
        rows = read(f)
        assert (rows["month"] == f"{month[:4]}-{month[4:]}").all()
        nxt = date(int(month[:4]) + int(month[4:]) // 12, int(month[4:]) % 12 + 1, 1).isoformat()[:7]
        assert (rows["reported_at"].str[:7] == nxt).all()
    loen = ek[ek["income_type"] == "loen"]["amount"].astype(float)
    assert loen.between(5000, 60000).all() and loen.median() > 15000
    # the re-delivery replaces the month with a few corrected amounts, reported later
    first, again = read(clean.root / "income/eindkomst_202609.csv"), read(clean.root / "income/eindkomst_202609_r2.csv")
    assert len(again) >= len(first)
    key = ["cpr", "income_type"]
    merged = first.merge(again, on=key, suffixes=("", "_r2"))
    changed = merged[merged["amount"] != merged["amount_r2"]]
    assert 1 <= len(changed) <= 0.05 * len(first)
    assert (changed["reported_at_r2"] > changed["reported_at"]).all()
    assert again["reported_at"].max() > first["reported_at"].max()
    # aarsopgoerelse personal_income is the year's eIndkomst total
    annual = read(clean.root / "income/aarsopgoerelse_2025.csv").set_index("cpr")
    y2025 = ek[ek["month"].str.startswith("2025")]
    total = y2025.assign(ore=(y2025["amount"].astype(float) * 100).round().astype(int)).groupby("cpr")["ore"].sum()
    got = (annual["personal_income"].astype(float) * 100).round().astype(int)
    assert (got.reindex(total.index) == total).all()
    assert set(read(clean.root / "income/forskud_2026.csv")["cpr"]) == adults


def test_bbr_agrees_with_register(clean):
    bbr = clean.one("bbr/bbr_units_*.csv").set_index("bbr_unit_id")
    assert bbr.index.is_unique
    s = clean.snapshots()[2]
    linked = s[s["bbr_unit_id"] != ""].drop_duplicates("unit_id")
    b = bbr.loc[linked["bbr_unit_id"]]
    assert (abs(b["area_m2"].astype(float).to_numpy() - linked["area_m2"].astype(float).to_numpy()) <= 0.5).all()
    assert (b["address"].to_numpy() == linked["address"].to_numpy()).all()


def test_afdeling_stats(clean):
    stats = clean.one("rent_relief/afdeling_stats_2026.csv")
    s = clean.snapshots()[2]
    depts = s[["org_id", "afdeling_id"]].drop_duplicates()
    assert len(stats) == len(depts)
    assert set(map(tuple, stats[["org_id", "afdeling_id"]].to_numpy())) == set(map(tuple, depts.to_numpy()))
    units = s.groupby(["org_id", "afdeling_id"])["unit_id"].nunique()
    got = stats.set_index(["org_id", "afdeling_id"])["units"].astype(int)
    assert (got.reindex(units.index) == units).all()
    assert stats["share_housing_benefit"].astype(float).between(0, 1).all()


def test_truth_files_carry_no_cpr(dirty):
    for f in dirty.files("_truth/*"):
        with open(f, encoding="utf-8") as fh:
            text = fh.read()
        assert not pd.Series([text]).str.contains(r"\d{6}-\d{4}").any(), f
