"""Fast, exact CSV input/output for ``calc`` (shared/contracts/README.md conventions).

Reading: the header is read by us (BOM allowed) to check the columns; the body is read by
Arrow's multi-threaded CSV reader with *every* known column as a string (never a float) and
unknown columns skipped. Line numbers stay exact: empty lines are kept as (dropped) empty rows
instead of being skipped silently, and a file whose quoted fields contain line breaks, or that
Arrow cannot read (wrong number of fields, bad UTF-8), is read again by Python's csv module,
which knows the line of every record and names the offending line.

Writing: money is formatted from integer øre with Arrow compute kernels (vectorised, exact),
the lines are joined in Arrow memory and written in one go to a temporary file in the target
folder, which is then renamed over the target (atomic: the file appears whole or not at all).
"""

from __future__ import annotations

import codecs
import contextlib
import csv
import io
import mmap
import os
import tempfile
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.csv as pacsv

from .parse import INPUT_COLUMNS, InputError

SEP = ";"


class CsvFormatError(ValueError):
    """The file is not a readable CSV (message names the line)."""


@dataclass
class CsvInput:
    columns: dict[str, pa.Array]   # known columns present, as string arrays
    n_rows: int
    lines: np.ndarray | None       # file line of each row; None → row + 2

    def line_of_row(self, row: int) -> int:
        return int(self.lines[row]) if self.lines is not None else row + 2


def _read_header(path: Path) -> tuple[list[str], bool]:
    with open(path, "rb") as fh:
        first = fh.readline()
    if not first.strip():
        raise CsvFormatError("line 1: empty file or empty header line")
    try:
        text = first.decode("utf-8-sig")
    except UnicodeDecodeError:
        raise CsvFormatError("line 1: header is not valid UTF-8") from None
    header = next(csv.reader([text.rstrip("\r\n")], delimiter=SEP))
    header = [h.strip() for h in header]
    seen = set()
    for h in header:
        if h in seen and h in INPUT_COLUMNS:
            raise CsvFormatError(f"line 1, column {h}: column appears twice in the header")
        seen.add(h)
    return header, b'"' in first


def _file_has_quote(path: Path) -> bool:
    size = path.stat().st_size
    if size == 0:
        return False
    with open(path, "rb") as fh, mmap.mmap(fh.fileno(), 0, access=mmap.ACCESS_READ) as mm:
        return mm.find(b'"') != -1


def _drop_blank_rows(columns: dict[str, pa.Array], n: int, lines: np.ndarray | None):
    """Rows where every known column is empty are blank lines: drop them, keep line numbers."""
    if n == 0:
        return columns, n, lines
    def empty(arr):
        return pc.fill_null(pc.equal(pc.utf8_length(arr), 0), True).to_numpy(zero_copy_only=False)

    first = columns.get("case_id", next(iter(columns.values())))
    candidates = np.flatnonzero(empty(first))
    if len(candidates) == 0:
        return columns, n, lines
    cand = pa.array(candidates)
    still = np.ones(len(candidates), dtype=bool)
    for arr in columns.values():
        still &= empty(arr.take(cand))
    blank = np.zeros(n, dtype=bool)
    blank[candidates[still]] = True
    if not blank.any():
        return columns, n, lines
    keep = np.flatnonzero(~blank)
    base = lines if lines is not None else np.arange(n, dtype=np.int64) + 2
    idx = pa.array(keep)
    return {k: v.take(idx) for k, v in columns.items()}, len(keep), base[keep]


def _read_with_arrow(path: Path, header: list[str], include: list[str]):
    read_opts = pacsv.ReadOptions(use_threads=True, block_size=16 << 20)
    parse_opts = pacsv.ParseOptions(delimiter=SEP, ignore_empty_lines=False, newlines_in_values=False)
    convert = pacsv.ConvertOptions(
        column_types={c: pa.string() for c in include}, include_columns=include,
        strings_can_be_null=False, quoted_strings_can_be_null=False,
    )
    table = pacsv.read_csv(path, read_options=read_opts, parse_options=parse_opts, convert_options=convert)
    cols = {}
    for name in include:
        col = table.column(name)
        cols[name] = col.combine_chunks() if col.num_chunks != 1 else col.chunk(0)
    return cols, table.num_rows


def _read_with_python(path: Path, header: list[str], known: list[str]) -> CsvInput:
    """Slow path with exact line numbers for every record (quoted newlines, blank lines)."""
    raw = path.read_bytes()
    try:
        text = codecs.decode(raw, "utf-8-sig")
    except UnicodeDecodeError as exc:
        line = raw[: exc.start].count(b"\n") + 1
        raise CsvFormatError(f"line {line}: not valid UTF-8") from None
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=SEP)
    next(reader, None)  # header
    pos = {c: header.index(c) for c in known}
    data: dict[str, list[str]] = {c: [] for c in known}
    lines: list[int] = []
    prev_end = 1
    try:
        for rec in reader:
            start = prev_end + 1
            prev_end = reader.line_num
            if not rec or (len(rec) == 1 and rec[0] == ""):
                continue
            if len(rec) != len(header):
                raise CsvFormatError(f"line {start}: expected {len(header)} fields as in the header, found {len(rec)}")
            for c, p in pos.items():
                data[c].append(rec[p])
            lines.append(start)
    except csv.Error as exc:
        raise CsvFormatError(f"line {reader.line_num}: {exc}") from None
    cols = {c: pa.array(v, type=pa.string()) for c, v in data.items()}
    return CsvInput(cols, len(lines), np.asarray(lines, dtype=np.int64))


def read_calc_csv(path: str | Path) -> CsvInput:
    """Read a calc input CSV. Raises CsvFormatError or InputError (missing columns)."""
    path = Path(path)
    header, _ = _read_header(path)
    known = [c for c in header if c in INPUT_COLUMNS]
    missing = [c for c, (_, req, _) in INPUT_COLUMNS.items() if req and c not in header]
    if missing:
        raise InputError([], total=0, missing_columns=missing)
    has_quote = _file_has_quote(path)
    try:
        include = header if has_quote else known
        cols, n = _read_with_arrow(path, header, include)
    except (pa.ArrowInvalid, UnicodeDecodeError):
        return _finish(_read_with_python(path, header, known))
    if has_quote:
        # a quoted value may hide a line break: then only the slow path knows the lines
        for arr in cols.values():
            if pc.any(pc.match_substring_regex(arr, r"[\r\n]")).as_py():
                return _finish(_read_with_python(path, header, known))
        cols = {c: cols[c] for c in known}
    return _finish(CsvInput(cols, n, None))


def _finish(inp: CsvInput) -> CsvInput:
    cols, n, lines = _drop_blank_rows(inp.columns, inp.n_rows, inp.lines)
    return CsvInput(cols, n, lines)


# ---------------------------------------------------------------- output


def money_strings(ore: np.ndarray) -> pa.Array:
    """Exact øre (int64) → '-1234.05' strings, vectorised with Arrow kernels."""
    ore = np.asarray(ore, dtype=np.int64)
    a = np.abs(ore)
    kr_s = pc.cast(pa.array(a // 100), pa.string())
    ore_s = pc.utf8_lpad(pc.cast(pa.array(a % 100), pa.string()), width=2, padding="0")
    sign = pc.if_else(pa.array(ore < 0), pa.scalar("-"), pa.scalar(""))
    return pc.binary_join_element_wise(sign, kr_s, pa.scalar("."), ore_s, pa.scalar(""))


def int_strings(v: np.ndarray) -> pa.Array:
    return pc.cast(pa.array(np.asarray(v, dtype=np.int64)), pa.string())


def text_field(arr: pa.Array) -> pa.Array:
    """Quote a text field only when it needs it (separator, quote or line break inside)."""
    arr = arr.cast(pa.string()) if not pa.types.is_string(arr.type) else arr
    needs = pc.fill_null(pc.match_substring_regex(arr, r'[;"\r\n]'), False)
    if not pc.any(needs).as_py():
        return pc.fill_null(arr, "")
    escaped = pc.replace_substring(arr, '"', '""')
    quoted = pc.binary_join_element_wise(pa.scalar('"'), escaped, pa.scalar('"'), pa.scalar(""))
    return pc.fill_null(pc.if_else(needs, quoted, arr), "")


def atomic_write(path: str | Path, chunks) -> None:
    """Write byte chunks to a temporary file beside ``path`` and rename it into place."""
    path = Path(path)
    parent = path.parent if str(path.parent) else Path(".")
    fd, tmp = tempfile.mkstemp(dir=parent, prefix=f".{path.name}.", suffix=".tmp")
    try:
        with os.fdopen(fd, "wb") as fh:
            for chunk in chunks:
                fh.write(chunk)
            fh.flush()
            os.fsync(fh.fileno())
        os.replace(tmp, path)
    except BaseException:
        with contextlib.suppress(FileNotFoundError):
            os.unlink(tmp)
        raise


def csv_chunks(header: list[str], columns: list[pa.Array], chunk_rows: int = 500_000):
    """Yield the CSV bytes: header line, then the rows joined in Arrow memory."""
    yield (SEP.join(header) + "\n").encode("utf-8")
    n = len(columns[0]) if columns else 0
    for start in range(0, n, chunk_rows):
        part = [c.slice(start, chunk_rows) for c in columns]
        lines = pc.binary_join_element_wise(*part, pa.scalar(SEP))
        lines = pc.binary_join_element_wise(lines, pa.scalar(""), pa.scalar("\n"))
        bufs = lines.buffers()
        offsets = np.frombuffer(bufs[1], dtype=np.int32)[lines.offset: lines.offset + len(lines) + 1]
        data = memoryview(bufs[2])[int(offsets[0]): int(offsets[-1])]
        yield data
