"""Builds a whole landing folder for one benefit month. Deterministic: the same options give the same
bytes. Each part draws from its own random stream, derived from the seed and the part's name."""

from __future__ import annotations

import json
import shutil
import time
import zlib
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

from boligstoette import months
from boligstoette.synth import writer
from boligstoette.synth.cases import apply_misspellings, build_cases
from boligstoette.synth.config import INJECT_KINDS, Calendar, SynthConfig
from boligstoette.synth.errors import inject
from boligstoette.synth.income import write_income
from boligstoette.synth.people import People
from boligstoette.synth.register import build_register

LANDING_FOLDERS = ("register", "register_changes", "bbr", "cases", "income", "rent_relief", "_truth")


class OutputNotEmpty(Exception):
    pass


@dataclass
class Result:
    counts: dict[str, int] = field(default_factory=dict)
    shortfall: dict[str, tuple[int, int]] = field(default_factory=dict)
    injected: dict[str, int] = field(default_factory=dict)
    seconds: float = 0.0


def _streams(seed: int):
    def rng(name: str) -> np.random.Generator:
        return np.random.default_rng([seed, zlib.crc32(name.encode("utf-8"))])
    return rng


def prepare_output(out: Path, force: bool) -> None:
    if out.exists() and not out.is_dir():
        raise OutputNotEmpty(f"{out} exists and is not a folder")
    if out.exists() and any(out.iterdir()):
        if not force:
            raise OutputNotEmpty(f"{out} exists and is not empty (use --force to overwrite the sample folders in it)")
        for name in LANDING_FOLDERS:  # only what synth writes; anything else in the folder is left alone
            target = out / name
            if target.is_dir():
                shutil.rmtree(target)
            elif target.exists():
                target.unlink()
    out.mkdir(parents=True, exist_ok=True)


def generate(cfg: SynthConfig, force: bool = False) -> Result:
    t0 = time.perf_counter()
    out = Path(cfg.out)
    prepare_output(out, force)
    rngs = _streams(cfg.seed)
    cal = Calendar(cfg.month)
    people = People(rngs("people"))
    reg = build_register(cfg, cal, rngs("register"), people)
    cases = build_cases(cfg, cal, rngs("cases"), reg, people)
    truth = inject(cfg, cal, rngs("errors"), reg, people)
    people.finalise()
    apply_misspellings(cfg, rngs("misspell"), cases, people)

    result = Result()
    result.counts.update(writer.write_register(out, reg, people, cal))
    result.counts.update(writer.write_changes(out, reg, cal, rngs("changes")))
    result.counts.update(writer.write_bbr(out, reg, cal))
    result.counts.update(writer.write_cases(out, reg, people, cal, cases))
    income_counts, corrections = write_income(cal, rngs, cases, people, out)
    result.counts.update(income_counts)
    result.counts.update(writer.write_relief(out, reg, cal, cases, rngs("relief")))
    result.counts.update(writer.write_truth(out, reg, cal, cases, truth, corrections))
    kinds = truth.arrays()["kind"]
    result.injected = {k: int((kinds == k).sum()) for k in (*INJECT_KINDS, "pre_2014_correction") if (kinds == k).any()}
    result.shortfall = dict(truth.shortfall)
    manifest = {
        "generator": "boligstoette synth",
        "scale": cfg.scale, "seed": cfg.seed, "benefit_month": cfg.month,
        "inject": {k: cfg.inject[k] for k in INJECT_KINDS if k in cfg.inject},
        "misspell_rate": cfg.misspell_rate,
        "snapshots": [str(d) for d in cal.snaps],
        "bbr_date": str(cal.bbr_date), "cases_date": str(cal.cases_date),
        "income_months": [months.month_str(m) for m in cal.income_months],
        "income_redelivery_month": months.month_str(cal.redelivery_month),
        "injected": result.injected,
        "shortfall": {k: {"wanted": w, "injected": g} for k, (w, g) in result.shortfall.items()},
        "files": dict(sorted(result.counts.items())),
    }
    (out / "_truth").mkdir(exist_ok=True)
    with open(out / "_truth" / "manifest.json", "w", encoding="utf-8", newline="\n") as f:
        json.dump(manifest, f, indent=2, ensure_ascii=False)
        f.write("\n")
    result.seconds = time.perf_counter() - t0
    return result
