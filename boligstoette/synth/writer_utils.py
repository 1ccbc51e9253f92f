"""Writing one contract CSV: `;`, UTF-8, header first, '\\n' line ends, every value already text.

Rows are written in chunks so memory stays bounded at national scale. A chunk is joined with plain
string joins (fast); if any value in it holds a `;`, a quote or a line break, the chunk goes through
`csv.writer` instead, which quotes exactly like pandas' `to_csv` (pandas uses the same module).
"""

from __future__ import annotations

import csv
from collections.abc import Callable, Iterable
from pathlib import Path

import numpy as np

CHUNK = 100_000


def _as_list(values) -> list[str]:
    arr = np.asarray(values)
    if arr.dtype.kind not in ("U", "T", "O"):
        arr = arr.astype(str)
    return arr.tolist()


def _write_chunk(f, columns: list[str], chunk: dict[str, np.ndarray]) -> int:
    lists = [_as_list(chunk[c]) for c in columns]
    rows = len(lists[0]) if lists else 0
    if any(len(x) != rows for x in lists):
        raise ValueError("columns of different lengths")
    if rows == 0:
        return 0
    text = "\n".join(map(";".join, zip(*lists, strict=True)))
    plain = (text.count(";") == (len(columns) - 1) * rows and text.count("\n") == rows - 1
             and '"' not in text and "\r" not in text)
    if plain:
        f.write(text)
        f.write("\n")
    else:
        csv.writer(f, delimiter=";", lineterminator="\n", quoting=csv.QUOTE_MINIMAL).writerows(zip(*lists, strict=True))
    return rows


def write_chunks(path: Path, columns: list[str], chunks: Iterable[dict[str, np.ndarray]]) -> int:
    """Write the header and every chunk (a dict column -> values); returns the number of data rows."""
    path.parent.mkdir(parents=True, exist_ok=True)
    n = 0
    with open(path, "w", encoding="utf-8", newline="") as f:
        f.write(";".join(columns) + "\n")
        for chunk in chunks:
            n += _write_chunk(f, columns, chunk)
    return n


def write_csv(path: Path, columns: dict[str, np.ndarray]) -> int:
    """Write whole columns (in the given order); returns the number of data rows."""
    names = list(columns)
    n = len(columns[names[0]]) if names else 0

    def chunks():
        for lo in range(0, n, CHUNK):
            yield {k: v[lo:lo + CHUNK] for k, v in columns.items()}

    return write_chunks(path, names, chunks())


def write_rows_by_chunk(path: Path, columns: list[str], n: int, build: Callable[[slice], dict[str, np.ndarray]]) -> int:
    """Write n rows whose columns `build(rows)` computes for one slice of rows at a time."""
    return write_chunks(path, columns, (build(slice(lo, min(n, lo + CHUNK))) for lo in range(0, n, CHUNK)))
