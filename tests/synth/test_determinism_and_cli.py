"""Same options -> same bytes; the CLI contract other tools rely on."""

from __future__ import annotations

import argparse
import re
from pathlib import Path

import pytest
from synth_testkit import read

from boligstoette.synth import INJECT_KINDS, SynthConfig, generate
from boligstoette.synth import cli as synth_cli


def tree(root: Path) -> dict[str, bytes]:
    return {str(p.relative_to(root)): p.read_bytes() for p in sorted(root.rglob("*")) if p.is_file()}


def test_same_seed_gives_identical_bytes(tmp_path):
    opts = dict(seed=5, inject={"rent_cut_by_mistake": 0.02, "org_rows_missing": 0.1, "bad_cpr": 0.02})
    generate(SynthConfig(out=tmp_path / "a", **opts))
    generate(SynthConfig(out=tmp_path / "b", **opts))
    a, b = tree(tmp_path / "a"), tree(tmp_path / "b")
    assert len(a) >= 40 and a.keys() == b.keys()
    for name in a:
        assert a[name] == b[name], name


def test_different_seed_gives_different_data(tmp_path):
    generate(SynthConfig(out=tmp_path / "a", seed=1))
    generate(SynthConfig(out=tmp_path / "b", seed=2))
    a, b = tree(tmp_path / "a"), tree(tmp_path / "b")
    assert a.keys() == b.keys()
    for name in ("register/huslejeregister_20261115.csv", "cases/applications_20261118.csv",
                 "income/eindkomst_202610.csv"):
        assert a[name] != b[name]


def run_cli(argv: list[str]) -> int:
    parser = argparse.ArgumentParser()
    sub = parser.add_subparsers(dest="command", required=True)
    synth_cli.register(sub)
    args = parser.parse_args(argv)
    assert args.func is synth_cli.main
    return args.func(args)


def test_cli_writes_a_folder_and_prints_no_cpr(tmp_path, capsys):
    out = tmp_path / "landing"
    assert run_cli(["synth", "--out", str(out), "--seed", "3", "--inject", "bad_cpr=0.05", "--inject-all", "0.01",
                    "--misspell-rate", "0.1"]) == 0
    printed = capsys.readouterr()
    assert "register/huslejeregister_20261115.csv" in printed.out and "rows" in printed.out
    assert not re.search(r"\d{6}-?\d{4}", printed.out + printed.err)
    truth = read(out / "_truth/injected_errors.csv")
    assert set(INJECT_KINDS) <= set(truth["kind"])
    assert (truth["kind"] == "bad_cpr").sum() > (truth["kind"] == "end_before_start").sum()
    ct = read(out / "_truth/case_truth.csv")
    assert (ct["name_variant"] != "none").sum() == round(0.1 * len(ct))


def test_cli_refuses_a_non_empty_folder_unless_forced(tmp_path, capsys):
    out = tmp_path / "landing"
    out.mkdir()
    (out / "keep.txt").write_text("mine")
    assert run_cli(["synth", "--out", str(out)]) == 2
    assert "not empty" in capsys.readouterr().err
    assert not (out / "register").exists()
    assert run_cli(["synth", "--out", str(out), "--force"]) == 0
    assert (out / "keep.txt").read_text() == "mine"  # only synth's own folders are replaced
    assert run_cli(["synth", "--out", str(out), "--force", "--seed", "9"]) == 0


@pytest.mark.parametrize("bad", [["--inject", "no_such_kind=0.1"], ["--inject", "bad_cpr"], ["--inject-all", "2"],
                                 ["--month", "2026-13"], ["--scale", "huge"]])
def test_cli_rejects_bad_options(tmp_path, bad):
    with pytest.raises(SystemExit) as err:
        run_cli(["synth", "--out", str(tmp_path / "x"), *bad])
    assert err.value.code == 2


def test_other_benefit_month_across_a_year_end(tmp_path):
    generate(SynthConfig(out=tmp_path, month="2027-01", seed=4))
    names = {str(p.relative_to(tmp_path)) for p in tmp_path.rglob("*.csv")}
    assert {"register/huslejeregister_20261015.csv", "register/huslejeregister_20261115.csv",
            "register/huslejeregister_20261215.csv", "bbr/bbr_units_20261210.csv",
            "cases/applications_20261218.csv", "income/eindkomst_202412.csv", "income/eindkomst_202611.csv",
            "income/eindkomst_202610_r2.csv", "income/forskud_2026.csv", "income/forskud_2027.csv",
            "income/aarsopgoerelse_2025.csv", "rent_relief/afdeling_stats_2027.csv"} <= names
    assert "income/eindkomst_202612.csv" not in names
    snap = read(tmp_path / "register/huslejeregister_20261215.csv")
    # rent registrations in winter carry +01:00, in summer +02:00
    offsets = set(snap["rent_registered_at"].str[-6:])
    assert offsets == {"+01:00", "+02:00"}


def test_main_entry_point_dispatches_synth(tmp_path):
    from boligstoette import cli

    assert cli.main(["synth", "--out", str(tmp_path / "l"), "--seed", "2"]) == 0
    assert (tmp_path / "l" / "_truth" / "case_truth.csv").exists()
