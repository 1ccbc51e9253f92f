"""Asset storage: one table per asset in an embedded SQLite file or in PostgreSQL, same contract.

Materialising a partition deletes that partition's rows and inserts the new ones in ONE
transaction, so a reader sees the old partition or the new one, never a mix, and a failed write
leaves the old one in place. Column dtypes are recorded beside the data so a frame reads back with
the dtypes it was written with (SQLite has no date or boolean type).
"""

import csv
import io
from functools import lru_cache

import dagster as dg
import pandas as pd
import sqlalchemy as sa

DTYPES_TABLE = "_asset_column_dtypes"
PARTITION_COLUMN = "partition_key"
ROW_COLUMN = "row_number"  # SQL keeps no order; a frame reads back in the order it was written


@lru_cache(maxsize=8)
def engine_for(url: str) -> sa.Engine:
    if url.startswith("sqlite"):
        return sa.create_engine(url, connect_args={"timeout": 120})
    return sa.create_engine(url, pool_pre_ping=True)


def _copy_rows(table, conn, keys, data_iter) -> None:
    """pandas to_sql method for PostgreSQL: COPY, an order of magnitude faster than INSERTs."""
    buffer = io.StringIO()
    csv.writer(buffer).writerows(data_iter)
    buffer.seek(0)
    name = f'"{table.schema}"."{table.name}"' if table.schema else f'"{table.name}"'
    columns = ", ".join(f'"{k}"' for k in keys)
    with conn.connection.cursor() as cursor:
        cursor.copy_expert(f"COPY {name} ({columns}) FROM STDIN WITH (FORMAT csv)", buffer)


def _restore(frame: pd.DataFrame, dtypes: dict[str, str]) -> pd.DataFrame:
    out = {}
    for column, dtype in dtypes.items():
        values = frame[column]
        if dtype.startswith("datetime64"):
            utc = "UTC" in dtype
            values = pd.to_datetime(values, utc=utc, format="ISO8601") if values.dtype == object or values.dtype == "str" else values
            if utc and values.dt.tz is None:
                values = values.dt.tz_localize("UTC")
            values = values.astype(dtype)
        elif dtype == "bool":
            values = values.astype("int64").astype(bool) if values.dtype != bool else values
        else:
            values = values.astype(dtype)
        out[column] = values
    return pd.DataFrame(out, index=frame.index)


class Warehouse:
    """Partitioned frames in a SQL database (used by the IO manager, the CLI and the tests)."""

    def __init__(self, url: str, schema: str | None = None):
        self.url, self.schema = url, schema
        self.engine = engine_for(url)
        self.is_postgres = self.engine.dialect.name == "postgresql"

    def _qualified(self, table: str) -> str:
        return f'"{self.schema}"."{table}"' if self.schema else f'"{table}"'

    def _ensure_dtypes_table(self, conn: sa.Connection) -> None:
        if self.schema:
            conn.execute(sa.text(f'CREATE SCHEMA IF NOT EXISTS "{self.schema}"'))
        conn.execute(
            sa.text(
                f"CREATE TABLE IF NOT EXISTS {self._qualified(DTYPES_TABLE)} "
                "(table_name TEXT NOT NULL, position INTEGER NOT NULL, column_name TEXT NOT NULL, dtype TEXT NOT NULL, "
                "PRIMARY KEY (table_name, position))"
            )
        )

    def _stored_dtypes(self, conn: sa.Connection, table: str) -> dict[str, str]:
        rows = conn.execute(
            sa.text(f"SELECT column_name, dtype FROM {self._qualified(DTYPES_TABLE)} WHERE table_name = :t ORDER BY position"),
            {"t": table},
        )
        return dict(rows.fetchall())

    def replace_partition(self, table: str, partition_key: str, frame: pd.DataFrame) -> None:
        """Delete-then-insert of one partition, atomically."""
        if {PARTITION_COLUMN, ROW_COLUMN} & set(frame.columns):
            raise ValueError(f"{table}: a frame may not carry the columns {PARTITION_COLUMN!r} or {ROW_COLUMN!r}")
        dtypes = {c: str(t) for c, t in frame.dtypes.items()}
        with self.engine.begin() as conn:
            self._ensure_dtypes_table(conn)
            stored = self._stored_dtypes(conn, table)
            if stored and stored != dtypes:
                changed = sorted(set(stored.items()) ^ set(dtypes.items()))
                raise ValueError(
                    f"asset table {table} was stored with other columns ({changed[:4]}); "
                    f"migrate or drop the table {table} before writing this version"
                )
            if not stored:
                conn.execute(
                    sa.text(f"INSERT INTO {self._qualified(DTYPES_TABLE)} VALUES (:t, :p, :c, :d)"),
                    [{"t": table, "p": i, "c": c, "d": d} for i, (c, d) in enumerate(dtypes.items())],
                )
            elif sa.inspect(conn).has_table(table, schema=self.schema):
                conn.execute(sa.text(f"DELETE FROM {self._qualified(table)} WHERE {PARTITION_COLUMN} = :k"), {"k": partition_key})
            self._insert(conn, table, frame.assign(**{PARTITION_COLUMN: partition_key, ROW_COLUMN: range(len(frame))}))
            conn.execute(
                sa.text(
                    f'CREATE INDEX IF NOT EXISTS "ix_{table}_partition" ON {self._qualified(table)} '
                    f"({PARTITION_COLUMN}, {ROW_COLUMN})"
                )
            )

    def _insert(self, conn: sa.Connection, table: str, frame: pd.DataFrame) -> None:
        frame.to_sql(
            table,
            conn,
            schema=self.schema,
            if_exists="append",
            index=False,
            chunksize=50_000,
            method=_copy_rows if self.is_postgres else None,
        )

    def read_partitions(self, table: str, partition_keys: list[str]) -> pd.DataFrame:
        with self.engine.connect() as conn:
            self._ensure_dtypes_table(conn)
            dtypes = self._stored_dtypes(conn, table)
            if not dtypes:
                raise LookupError(f"asset table {table} has never been materialised")
            query = sa.text(f"SELECT * FROM {self._qualified(table)} WHERE {PARTITION_COLUMN} IN :keys "
                f"ORDER BY {PARTITION_COLUMN}, {ROW_COLUMN}"
            ).bindparams(
                sa.bindparam("keys", expanding=True)
            )
            integer = {c: "Int64" for c, d in dtypes.items() if d in ("int64", "Int64")}
            frame = pd.read_sql(query, conn, params={"keys": list(partition_keys)}, dtype=integer)
        keys = frame.pop(PARTITION_COLUMN)
        frame.pop(ROW_COLUMN)
        frame = _restore(frame, dtypes)
        if len(partition_keys) > 1:
            frame.insert(0, PARTITION_COLUMN, keys.astype("str"))
        return frame

    def partition_keys(self, table: str) -> list[str]:
        with self.engine.connect() as conn:
            if not sa.inspect(conn).has_table(table, schema=self.schema):
                return []
            rows = conn.execute(sa.text(f"SELECT DISTINCT {PARTITION_COLUMN} FROM {self._qualified(table)}"))
            return sorted(r[0] for r in rows)


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

    def load_input(self, context: dg.InputContext) -> pd.DataFrame:
        keys = list(context.asset_partition_keys) if context.has_asset_partitions else [""]
        return self._warehouse().read_partitions(self._table(context), keys)
