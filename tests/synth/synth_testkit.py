"""Helpers for the synth tests: reading the generated files (imported by conftest and the tests)."""

from __future__ import annotations

import glob
from pathlib import Path

import pandas as pd

from boligstoette.synth import SynthConfig, generate

RATE = 0.03


def read(path: str | Path) -> pd.DataFrame:
    return pd.read_csv(path, sep=";", dtype=str, keep_default_na=False, na_filter=False)


class Sample:
    """A generated landing folder with readers for its files."""

    def __init__(self, root: Path):
        self.root = root

    def files(self, pattern: str) -> list[str]:
        return sorted(glob.glob(str(self.root / pattern)))

    def snapshots(self) -> list[pd.DataFrame]:
        files = self.files("register/huslejeregister_*.csv")
        assert len(files) == 3
        return [read(f) for f in files]

    def one(self, pattern: str) -> pd.DataFrame:
        files = self.files(pattern)
        assert len(files) == 1, (pattern, files)
        return read(files[0])

    def events(self) -> pd.DataFrame:
        import json

        rows = []
        for f in self.files("register_changes/*.jsonl"):
            with open(f, encoding="utf-8") as fh:
                for line in fh:
                    obj = json.loads(line)
                    obj["_file"] = Path(f).name
                    rows.append(obj)
        return pd.DataFrame(rows)

    def truth(self) -> pd.DataFrame:
        return read(self.root / "_truth" / "injected_errors.csv")

    def case_truth(self) -> pd.DataFrame:
        return read(self.root / "_truth" / "case_truth.csv")


def make(root: Path, **kwargs) -> Sample:
    generate(SynthConfig(out=root, **kwargs))
    return Sample(root)
