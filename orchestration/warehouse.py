"""Asset storage: one table per asset in an embedded SQLite file or in PostgreSQL, same contract.

Materialising a partition deletes that partition's rows and inserts the new ones in ONE
transaction, so a reader sees the old partition or the new one, never a mix, and a failed write
leaves the old one in place. Column dtypes are recorded beside the data so a frame reads back with
the dtypes it was written with (SQLite has no date or boolean type).

The payment ledger is an append-only table whose key the database keeps unique; `book` reads it,
decides and appends under a lock, so two runs never book the same entry (see `Warehouse.book`).

Every value goes to the database as a bound parameter, never spliced into SQL text: quoting by hand
breaks on a server where a backslash escapes (PostgreSQL's standard_conforming_strings off). Table
and column names are identifiers, checked by `_identifier`.

Connections are Arrow Database Connectivity (ADBC) drivers: a national register snapshot (600,000
rows) moves in seconds, where row-wise INSERTs took half a minute. PostgreSQL ingests with COPY
inside the transaction.
"""

import hashlib
import re
from collections.abc import Callable, Sequence
from contextlib import contextmanager

import dagster as dg
import pandas as pd

from boligstoette.vectors import is_in

DTYPES_TABLE = "_asset_column_dtypes"
PARTITION_COLUMN = "partition_key"
ROW_COLUMN = "row_number"  # SQL keeps no order; a frame reads back in the order it was written
WAIT_S = 120.0  # how long a write waits for another writer's transaction before it fails
SQL_TYPES = {"str": "TEXT", "int64": "BIGINT"}  # the dtypes a table created by explicit DDL may have
_IDENTIFIER = re.compile(r"^[A-Za-z_][A-Za-z0-9_]*$")


def _identifier(name: str) -> str:
    if not _IDENTIFIER.match(name):
        raise ValueError(f"not a safe SQL identifier: {name!r}")
    return f'"{name}"'


def _dtypes(frame: pd.DataFrame) -> dict[str, str]:
    return {str(c): str(t) for c, t in frame.dtypes.items()}


def _sql_type(dtype: str) -> str:
    if dtype not in SQL_TYPES:
        raise ValueError(f"no SQL column type for dtype {dtype!r} (known: {sorted(SQL_TYPES)})")
    return SQL_TYPES[dtype]


def _restore(frame: pd.DataFrame, dtypes: dict[str, str]) -> pd.DataFrame:
    out = {}
    for column, dtype in dtypes.items():
        values = frame[column]
        if dtype.startswith("datetime64"):
            utc = "UTC" in dtype
            if not pd.api.types.is_datetime64_any_dtype(values):  # SQLite: ISO text
                values = pd.to_datetime(values, format="ISO8601", utc=utc)
            elif utc and values.dt.tz is None:
                values = values.dt.tz_localize("UTC")
            values = values.astype(dtype)
        elif dtype == "Int64" and values.dtype == "float64":
            values = values.astype("Int64")  # NULLs came back as float; øre amounts are far below 2**53
        else:
            values = values.astype(dtype)
        out[column] = values
    return pd.DataFrame(out, index=frame.index)


def _as_declared(table: str, frame: pd.DataFrame, declared: dict[str, str]) -> pd.DataFrame:
    """`frame` in the dtypes `table` was declared with. An empty frame has no values to disagree with
    them, so it takes them when its column names are the declared ones; any other difference is refused."""
    dtypes = _dtypes(frame)
    if dtypes == declared:
        return frame
    if len(frame) == 0 and set(dtypes) == set(declared):
        return frame[list(declared)].astype(declared)
    raise _other_columns(table, declared, dtypes)


def _other_columns(table: str, declared: dict[str, str], dtypes: dict[str, str]) -> ValueError:
    changed = sorted(set(declared.items()) ^ set(dtypes.items()))
    return ValueError(
        f"table {table} was stored with other columns ({changed[:4]}); "
        f"migrate or drop the table {table} before writing this version"
    )


def _conformed(table: str, entries: pd.DataFrame, columns: dict[str, str], key: str,
               stored: pd.DataFrame) -> pd.DataFrame:
    """New entries in the table's columns and dtypes; an entry whose key is already stored, or given
    twice, is refused here with the keys named (the primary key would refuse it too, less clearly)."""
    if set(entries.columns) != set(columns):
        raise ValueError(f"{table}: entries must have the columns {list(columns)}, got {list(entries.columns)}")
    entries = entries[list(columns)].astype(columns).reset_index(drop=True)
    booked_before = is_in(entries[key], stored[key])  # pandas' isin takes ~40 s against millions of ids
    for clash, what in ((booked_before, "already booked"), (entries[key].duplicated().to_numpy(), "given twice")):
        if clash.any():
            raise ValueError(f"{table}: {key} {what}: {entries.loc[clash, key].drop_duplicates().head(5).tolist()}")
    return entries


def _is_lock_timeout(error: Exception) -> bool:
    """PostgreSQL's lock_timeout (SQLSTATE 55P03) or SQLite's busy timeout ("database is locked")."""
    import adbc_driver_manager

    if not isinstance(error, adbc_driver_manager.DatabaseError):
        return False
    return getattr(error, "sqlstate", None) == "55P03" or "database is locked" in str(error)


class Warehouse:
    """Partitioned frames in a SQL database (used by the IO manager, the CLI and the tests).

    `url`: `sqlite:///path/to/file.sqlite` or `postgresql[+psycopg2]://user[:pw]@host:port/db`.
    """

    def __init__(self, url: str, schema: str | None = None):
        self.url, self.schema = url, schema or None
        if url.startswith("sqlite:///"):
            self.dialect = "sqlite"
            if self.schema:
                raise ValueError("a schema is for PostgreSQL; SQLite has one per file")
        elif re.match(r"^postgres(ql)?(\+\w+)?://", url):
            self.dialect = "postgresql"
        else:
            raise ValueError(f"asset storage URL must be sqlite:/// or postgresql://, got {url.split('://')[0]}://…")
        if self.schema:
            _identifier(self.schema)

    @contextmanager
    def _connection(self, wait_s: float = WAIT_S):
        """A connection in autocommit mode: `_transaction` says where each transaction begins."""
        if self.dialect == "sqlite":
            import adbc_driver_sqlite.dbapi

            conn = adbc_driver_sqlite.dbapi.connect(self.url.removeprefix("sqlite:///"), autocommit=True)
            self._execute(conn, f"PRAGMA busy_timeout = {int(wait_s * 1000)}")  # wait for another writer
        else:
            import adbc_driver_postgresql.dbapi

            uri = re.sub(r"^postgres(ql)?(\+\w+)?://", "postgresql://", self.url)
            conn = adbc_driver_postgresql.dbapi.connect(uri, autocommit=True)
        try:
            yield conn
        finally:
            conn.close()

    @contextmanager
    def _transaction(self, conn, write: bool):
        """One transaction on `conn`, committed when the block ends, rolled back on any error. A write
        on SQLite takes the write lock as its first statement (BEGIN IMMEDIATE): what it reads next is
        current, and a second writer waits for it (busy timeout) rather than failing half-way."""
        self._execute(conn, "BEGIN IMMEDIATE" if write and self.dialect == "sqlite" else "BEGIN")
        try:
            yield
            self._execute(conn, "COMMIT")
        except BaseException as error:
            self._roll_back(conn, error)
            raise

    def _roll_back(self, conn, error: BaseException) -> None:
        """Roll back after `error`. When that fails too (the connection is gone), `error` is still the one
        raised, with the rollback's failure as a note: it is the cause, and the database discards a
        transaction whose connection is gone."""
        try:
            self._execute(conn, "ROLLBACK")
        except Exception as failure:
            error.add_note(f"(the rollback failed too: {type(failure).__name__}: {str(failure).strip()})")

    def _qualified(self, table: str) -> str:
        return f"{_identifier(self.schema)}.{_identifier(table)}" if self.schema else _identifier(table)

    def _marks(self, n: int) -> str:
        """Placeholders for n bound parameters: $1, $2 ... (PostgreSQL) or ?, ? ... (SQLite)."""
        return ", ".join(f"${i}" if self.dialect == "postgresql" else "?" for i in range(1, n + 1))

    def _execute(self, conn, sql: str, params: Sequence = ()) -> list[tuple]:
        with conn.cursor() as cursor:
            cursor.execute(sql, list(params) or None)
            return cursor.fetchall() if cursor.description else []

    def _ensure_dtypes_table(self, conn) -> None:
        if self.schema:
            self._execute(conn, f"CREATE SCHEMA IF NOT EXISTS {_identifier(self.schema)}")
        self._execute(
            conn,
            f"CREATE TABLE IF NOT EXISTS {self._qualified(DTYPES_TABLE)} (table_name TEXT NOT NULL, "
            "position INTEGER NOT NULL, column_name TEXT NOT NULL, dtype TEXT NOT NULL, "
            "PRIMARY KEY (table_name, position))",
        )

    def _stored_dtypes(self, conn, table: str) -> dict[str, str]:
        rows = self._execute(
            conn,
            f"SELECT column_name, dtype FROM {self._qualified(DTYPES_TABLE)} "
            f"WHERE table_name = {self._marks(1)} ORDER BY position",
            [table],
        )
        return dict(rows)

    def _declared(self, conn, table: str, dtypes: dict[str, str]) -> dict[str, str] | None:
        """The column dtypes `table` was declared with; None when it is new, and then `dtypes` are
        recorded as its declaration."""
        self._ensure_dtypes_table(conn)
        stored = self._stored_dtypes(conn, table)
        if stored:
            return stored
        with conn.cursor() as cursor:
            cursor.executemany(f"INSERT INTO {self._qualified(DTYPES_TABLE)} VALUES ({self._marks(4)})",
                               [(table, i, c, d) for i, (c, d) in enumerate(dtypes.items())])
        return None

    def replace_partition(self, table: str, partition_key: str, frame: pd.DataFrame) -> None:
        """Delete-then-insert of one partition, atomically."""
        _identifier(table)
        if {PARTITION_COLUMN, ROW_COLUMN} & set(frame.columns):
            raise ValueError(f"{table}: a frame may not carry the columns {PARTITION_COLUMN!r} or {ROW_COLUMN!r}")
        with self._connection() as conn, self._transaction(conn, write=True):
            declared = self._declared(conn, table, _dtypes(frame))
            if declared:
                frame = _as_declared(table, frame, declared)
                self._execute(conn, f"DELETE FROM {self._qualified(table)} WHERE {PARTITION_COLUMN} = {self._marks(1)}",
                              [partition_key])
            self._insert(conn, table, frame.assign(**{PARTITION_COLUMN: partition_key, ROW_COLUMN: range(len(frame))}))
            self._execute(
                conn,
                f'CREATE INDEX IF NOT EXISTS "ix_{table}_partition" ON {self._qualified(table)} '
                f"({PARTITION_COLUMN}, {ROW_COLUMN})",
            )

    def book(self, table: str, columns: dict[str, str], key: str, decide: Callable[[pd.DataFrame], pd.DataFrame],
             lock_timeout_s: float) -> tuple[pd.DataFrame, pd.DataFrame]:
        """Append to the append-only `table` what `decide(table as stored)` returns, in ONE transaction
        under the table's lock; (table as read, entries appended). A second writer waits up to
        `lock_timeout_s` for the lock, then reads what the first left; any error writes nothing."""
        _identifier(table)
        with self._connection(lock_timeout_s) as conn, self._naming_the_lock(table, lock_timeout_s), \
                self._transaction(conn, write=True):
            self._lock(conn, table, lock_timeout_s)
            self._create_keyed_table(conn, table, columns, key)
            stored = self._read(conn, table, [""])
            entries = _conformed(table, decide(stored), columns, key, stored)
            rows = range(len(stored), len(stored) + len(entries))  # under the lock nobody else appends
            self._insert(conn, table, entries.assign(**{PARTITION_COLUMN: "", ROW_COLUMN: rows}), mode="append")
        return stored, entries

    def _lock(self, conn, table: str, timeout_s: float) -> None:
        """Wait up to `timeout_s` for `table`'s lock, held until the transaction ends. PostgreSQL: an
        advisory lock keyed by the qualified table name. SQLite: the write lock, which the transaction
        took as it began (BEGIN IMMEDIATE, waiting up to the connection's busy timeout)."""
        if self.dialect == "postgresql":
            self._execute(conn, "SELECT set_config('lock_timeout', $1, true)", [f"{max(1, int(timeout_s * 1000))}ms"])
            self._execute(conn, "SELECT pg_advisory_xact_lock($1)", [self._lock_key(table)])

    def _lock_key(self, table: str) -> int:
        """A signed 64-bit key from the qualified table name: the same for every writer of one table,
        another for the same table in another schema."""
        digest = hashlib.blake2b(self._qualified(table).encode(), digest_size=8).digest()
        return int.from_bytes(digest, "big", signed=True)

    @contextmanager
    def _naming_the_lock(self, table: str, timeout_s: float):
        """A lock wait that times out fails saying which lock, not as a raw database error."""
        try:
            yield
        except Exception as error:
            if not _is_lock_timeout(error):
                raise
            how = (f"PostgreSQL advisory lock {self._lock_key(table)}" if self.dialect == "postgresql"
                   else "the SQLite database's write lock")
            raise TimeoutError(f"could not take the {table} lock ({how} on {self._qualified(table)}) within "
                               f"{timeout_s:g} s: another run is booking; run again when it is done") from error

    def _create_keyed_table(self, conn, table: str, columns: dict[str, str], key: str) -> None:
        """The table by explicit DDL, `key` its PRIMARY KEY so the database refuses a key stored twice
        (adbc_ingest's create_append would create it without one); its dtypes declared, exactly."""
        declared = self._declared(conn, table, columns)
        if declared and declared != columns:
            raise _other_columns(table, declared, columns)
        defined = ", ".join(f"{_identifier(c)} {_sql_type(t)}{' NOT NULL PRIMARY KEY' if c == key else ''}"
                            for c, t in columns.items())
        self._execute(conn, f"CREATE TABLE IF NOT EXISTS {self._qualified(table)} ({defined}, "
                            f"{PARTITION_COLUMN} TEXT NOT NULL, {ROW_COLUMN} BIGINT NOT NULL)")

    def read_table(self, table: str) -> pd.DataFrame | None:
        """An unpartitioned table, in the order it was written; None when it was never written."""
        try:
            return self.read_partitions(table, [""])
        except LookupError:
            return None

    def _insert(self, conn, table: str, frame: pd.DataFrame, mode: str = "create_append") -> None:
        # adbc_ingest directly: pandas' to_sql would commit, splitting the delete from the insert.
        import pyarrow as pa

        with conn.cursor() as cursor:
            cursor.adbc_ingest(
                table, pa.Table.from_pandas(frame, preserve_index=False), mode=mode, db_schema_name=self.schema,
            )

    def _read(self, conn, table: str, partition_keys: list[str]) -> pd.DataFrame:
        """The partitions in the order written, with the dtypes they were written with; the partition
        key as a first column when more than one is read."""
        dtypes = self._stored_dtypes(conn, table)
        if not dtypes:
            raise LookupError(f"asset table {table} has never been materialised")
        with conn.cursor() as cursor:
            cursor.execute(f"SELECT * FROM {self._qualified(table)} WHERE {PARTITION_COLUMN} IN "
                           f"({self._marks(len(partition_keys))}) ORDER BY {PARTITION_COLUMN}, {ROW_COLUMN}",
                           list(partition_keys))
            frame = cursor.fetch_arrow_table().to_pandas()
        partition = frame.pop(PARTITION_COLUMN)
        frame.pop(ROW_COLUMN)
        frame = _restore(frame, dtypes)
        if len(partition_keys) > 1:
            frame.insert(0, PARTITION_COLUMN, partition.astype("str"))
        return frame

    def read_partitions(self, table: str, partition_keys: list[str]) -> pd.DataFrame:
        with self._connection() as conn, self._transaction(conn, write=False):
            self._ensure_dtypes_table(conn)
            return self._read(conn, table, partition_keys)

    def partition_keys(self, table: str) -> list[str]:
        with self._connection() as conn, self._transaction(conn, write=False):
            self._ensure_dtypes_table(conn)
            if not self._stored_dtypes(conn, table):
                return []
            rows = self._execute(conn, f"SELECT DISTINCT {PARTITION_COLUMN} FROM {self._qualified(table)}")
        return sorted(r[0] for r in rows)


STORED_ROWS = "stored_rows"  # in every materialisation's metadata: what the partition now holds


class WarehouseIOManager(dg.ConfigurableIOManager):
    """IO manager over `Warehouse`: SQLite by default, PostgreSQL when the URL says so."""

    url: str
    schema_name: str | None = None

    def _warehouse(self) -> Warehouse:
        return Warehouse(self.url, self.schema_name)

    @staticmethod
    def _table(context: dg.InputContext | dg.OutputContext) -> str:
        return "__".join(context.asset_key.path)

    def handle_output(self, context: dg.OutputContext, obj: pd.DataFrame) -> None:
        if obj is None:
            return
        key = context.partition_key if context.has_partition_key else ""
        self._warehouse().replace_partition(self._table(context), key, obj)
        context.add_output_metadata({STORED_ROWS: len(obj)})

    def load_input(self, context: dg.InputContext) -> pd.DataFrame:
        keys = list(context.asset_partition_keys) if context.has_asset_partitions else [""]
        return self._warehouse().read_partitions(self._table(context), keys)
