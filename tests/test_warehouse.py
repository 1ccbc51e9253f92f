"""Asset storage under hostile values, empty frames and a lost connection; the payment ledger's booking;
and no warehouse password in Dagster's run storage. Each on the embedded SQLite store and on PostgreSQL."""

import contextlib
import sqlite3
import threading
import zlib
from pathlib import Path

import pandas as pd
import pytest
import sqlalchemy as sa

from boligstoette.payouts import LEDGER_COLUMNS
from orchestration.resources import LEDGER_TABLE, AgencyDatabase
from orchestration.warehouse import Warehouse
from tests.conftest import SAMPLE_MONTH, boligstoette

HOSTILE = "O'Brien \\' \\\\ x'; --"  # quotes and backslashes: what hand-quoted SQL gets wrong
PASSWORD = "Hemmeligt-Kodeord-42"


@pytest.fixture(params=["embedded", pytest.param("postgres", marks=pytest.mark.postgres)])
def store(request, tmp_path) -> tuple[str, str | None]:
    """(url, schema) of an empty store."""
    if request.param == "embedded":
        return f"sqlite:///{tmp_path / 'w.sqlite'}", None
    return request.getfixturevalue("postgres_schema")


@pytest.fixture
def warehouse(store) -> Warehouse:
    return Warehouse(*store)


def _engine(url: str) -> sa.Engine:
    return sa.create_engine(url)


def test_values_with_quotes_and_backslashes_round_trip(store):
    """Partition keys and values go to the database as bound parameters: on PostgreSQL with
    standard_conforming_strings off (a backslash escapes in a quoted literal) they arrive unchanged."""
    url, schema = store
    if url.startswith("postgres"):
        url += "?options=-c%20standard_conforming_strings%3Doff"  # libpq: a setting of this connection only
        with _engine(url).connect() as conn:
            assert conn.execute(sa.text("SELECT current_setting('standard_conforming_strings')")).scalar() == "off"
    warehouse = Warehouse(url, schema)
    frame = pd.DataFrame({"name": [HOSTILE, "plain"], "n": [1, 2]})
    warehouse.replace_partition("t", HOSTILE, frame)
    warehouse.replace_partition("t", "2026-12", frame.head(1))
    warehouse.replace_partition("t", HOSTILE, frame.tail(1).reset_index(drop=True))  # the delete finds it

    assert warehouse.partition_keys("t") == sorted([HOSTILE, "2026-12"])
    assert warehouse.read_partitions("t", [HOSTILE])["name"].tolist() == ["plain"]
    pd.testing.assert_frame_equal(warehouse.read_partitions("t", ["2026-12"]), frame.head(1))
    both = warehouse.read_partitions("t", ["2026-12", HOSTILE])
    assert both[["partition_key", "name"]].values.tolist() == [["2026-12", HOSTILE], [HOSTILE, "plain"]]


def test_an_empty_frame_takes_the_declared_dtypes(warehouse):
    """An empty frame has no values to disagree with: it is stored as an empty partition with the
    dtypes the table was declared with. A frame with values and other dtypes is still refused."""
    declared = pd.DataFrame({"lease_id": ["A"], "rent_ore": [100], "since": pd.to_datetime(["2026-01-01"])})
    warehouse.replace_partition("t", "2026-11", declared)
    empty = pd.DataFrame({"since": [], "lease_id": [], "rent_ore": []}).astype({"lease_id": object})

    warehouse.replace_partition("t", "2026-12", empty)
    stored = warehouse.read_partitions("t", ["2026-12"])
    assert len(stored) == 0
    assert stored.dtypes.to_dict() == declared.dtypes.to_dict()
    assert warehouse.partition_keys("t") == ["2026-11"]  # nothing stored for 2026-12, and no error

    with pytest.raises(ValueError, match="other columns"):
        warehouse.replace_partition("t", "2026-12", declared.assign(rent_ore=[1.5]))
    with pytest.raises(ValueError, match="other columns"):
        warehouse.replace_partition("t", "2026-12", pd.DataFrame({"lease_id": [], "other": []}))
    pd.testing.assert_frame_equal(warehouse.read_partitions("t", ["2026-11"]), declared)


def _lose_connection(conn, url: str) -> None:
    """The connection dies mid-transaction: PostgreSQL's backend is terminated from another session."""
    if url.startswith("sqlite"):
        conn.close()
        return
    with conn.cursor() as cursor:
        cursor.execute("SELECT pg_backend_pid()")
        pid = cursor.fetchall()[0][0]
    with _engine(url).connect() as other:
        assert other.execute(sa.text("SELECT pg_terminate_backend(:p)"), {"p": pid}).scalar()


def test_a_failed_rollback_does_not_hide_why_the_write_failed(store, monkeypatch):
    url, schema = store
    warehouse = Warehouse(url, schema)
    frame = pd.DataFrame({"lease_id": ["A"], "rent_ore": [100]})
    warehouse.replace_partition("t", "2026-11", frame)
    real_insert = Warehouse._insert

    def insert_then_fail_and_lose_the_connection(self, conn, table, rows):
        real_insert(self, conn, table, rows)
        _lose_connection(conn, url)
        raise OSError("disk full while inserting")

    monkeypatch.setattr(Warehouse, "_insert", insert_then_fail_and_lose_the_connection)
    with pytest.raises(OSError, match="disk full while inserting") as raised:
        warehouse.replace_partition("t", "2026-12", frame)
    assert any("rollback failed" in note for note in getattr(raised.value, "__notes__", []))
    monkeypatch.undo()
    assert warehouse.partition_keys("t") == ["2026-11"]


def _entries(*cases: str, amount: int = 1000, month: str = SAMPLE_MONTH) -> pd.DataFrame:
    """Payments to `cases` for `month`, one entry each, in the ledger's columns."""
    return pd.DataFrame({
        "entry_id": [f"{month}/{case}/{month}/payment/0" for case in cases], "run_month": month, "period": month,
        "case_id": list(cases), "kind": "payment", "amount_ore": amount, "payee": "organisation", "org_id": "900",
        "unit_id": "", "lease_id": "", "reason_code": "",
    }).astype(LEDGER_COLUMNS)


def _ledger(url: str, schema: str | None) -> pd.DataFrame:
    return AgencyDatabase(url=url, schema_name=schema).ledger()


def test_book_reads_the_ledger_decides_and_appends_in_one_go(store):
    url, schema = store
    database = AgencyDatabase(url=url, schema_name=schema)
    seen = []

    def decide(ledger: pd.DataFrame) -> pd.DataFrame:
        seen.append(ledger)
        wanted = _entries("K1", "K2", f"K{HOSTILE}")
        return wanted[~wanted["entry_id"].isin(ledger["entry_id"])]

    read, booked = database.book(decide)
    assert len(read) == 0 and booked["entry_id"].tolist() == _entries("K1", "K2", f"K{HOSTILE}")["entry_id"].tolist()
    read, booked = database.book(decide)
    assert len(booked) == 0
    pd.testing.assert_frame_equal(read, _entries("K1", "K2", f"K{HOSTILE}"))
    pd.testing.assert_frame_equal(seen[-1], read)
    pd.testing.assert_frame_equal(_ledger(url, schema), read)
    database.book(lambda ledger: _entries("K3"))
    assert _ledger(url, schema)["case_id"].tolist() == ["K1", "K2", f"K{HOSTILE}", "K3"]


def test_the_ledger_table_has_entry_id_as_its_primary_key(store):
    """The database itself refuses an entry booked twice, whatever a writer checked before."""
    url, schema = store
    AgencyDatabase(url=url, schema_name=schema).book(lambda ledger: _entries("K1"))
    engine = _engine(url)
    assert sa.inspect(engine).get_pk_constraint(LEDGER_TABLE, schema=schema)["constrained_columns"] == ["entry_id"]
    table = f'"{schema}".{LEDGER_TABLE}' if schema else LEDGER_TABLE
    columns = ", ".join([*LEDGER_COLUMNS, "partition_key", "row_number"])
    with pytest.raises(sa.exc.IntegrityError), engine.begin() as conn:
        conn.execute(sa.text(f"INSERT INTO {table} ({columns}) SELECT {columns} FROM {table}"))


def test_a_failed_booking_writes_nothing(store):
    url, schema = store
    database = AgencyDatabase(url=url, schema_name=schema)
    database.book(lambda ledger: _entries("K1"))

    def refuse(ledger):
        raise RuntimeError("the decision failed")

    with pytest.raises(RuntimeError, match="the decision failed"):
        database.book(refuse)
    with pytest.raises(ValueError, match=r"entry_id already booked: \['2026-12/K1/2026-12/payment/0'\]"):
        database.book(lambda ledger: _entries("K2", "K1"))
    with pytest.raises(ValueError, match=r"entry_id given twice: \['2026-12/K3/2026-12/payment/0'\]"):
        database.book(lambda ledger: pd.concat([_entries("K3"), _entries("K3")]))
    with pytest.raises(ValueError, match="columns"):
        database.book(lambda ledger: _entries("K4").drop(columns="kind"))
    assert _ledger(url, schema)["case_id"].tolist() == ["K1"]


def test_book_on_a_new_store_returns_an_empty_ledger_with_its_dtypes(store):
    url, schema = store
    read, booked = AgencyDatabase(url=url, schema_name=schema).book(lambda ledger: ledger.head(0))
    assert len(read) == len(booked) == 0
    assert read.dtypes.astype(str).to_dict() == booked.dtypes.astype(str).to_dict() == LEDGER_COLUMNS
    assert len(_ledger(url, schema)) == 0


@contextlib.contextmanager
def _a_booking_inside_the_lock(url: str, schema: str | None, entries: pd.DataFrame):
    """Another writer (a thread) holding the ledger lock until the block ends, then booking `entries`."""
    inside, release = threading.Event(), threading.Event()

    def slow(ledger):
        inside.set()
        assert release.wait(30)
        return entries

    holder = threading.Thread(target=AgencyDatabase(url=url, schema_name=schema).book, args=(slow,))
    holder.start()
    try:
        assert inside.wait(30)
        yield release
    finally:
        release.set()
        holder.join(30)


def test_a_second_writer_waits_for_the_first_and_sees_its_entries(store):
    """Two writers in one process (threads): the second's decision sees what the first booked."""
    url, schema = store
    second = []
    with _a_booking_inside_the_lock(url, schema, _entries("K1")) as release:
        waiting = threading.Thread(target=lambda: second.append(AgencyDatabase(url=url, schema_name=schema).book(
            lambda ledger: _entries("K1")[~_entries("K1")["entry_id"].isin(ledger["entry_id"])])))
        waiting.start()
        release.set()
    waiting.join(30)
    read, booked = second[0]
    assert read["case_id"].tolist() == ["K1"] and len(booked) == 0


def test_a_writer_that_cannot_get_the_ledger_lock_in_time_fails_naming_it(store):
    url, schema = store
    with _a_booking_inside_the_lock(url, schema, _entries("K0").head(0)):
        impatient = AgencyDatabase(url=url, schema_name=schema, ledger_lock_timeout_s=1)
        with pytest.raises(TimeoutError, match="could not take the payment_ledger lock"):
            impatient.book(lambda ledger: _entries("K1"))
    assert len(_ledger(url, schema)) == 0


# --- secrets -------------------------------------------------------------------------------------


def _as_text(value) -> str:
    if isinstance(value, bytes):
        with contextlib.suppress(zlib.error):
            value = zlib.decompress(value)  # Dagster stores job snapshots zlib-compressed
        return value.decode("utf-8", "replace")
    return str(value)


def _sqlite_holds(path: Path, needle: str) -> bool:
    with sqlite3.connect(f"file:{path}?mode=ro", uri=True) as db:
        tables = [row[0] for row in db.execute("SELECT name FROM sqlite_master WHERE type = 'table'")]
        return any(needle in _as_text(value) for table in tables
                   for row in db.execute(f'SELECT * FROM "{table}"') for value in row)


def _files_holding(root: Path, needle: str) -> list[str]:
    """Every file under `root` that holds `needle`: as bytes, or in any value of a SQLite database,
    compressed or not."""
    found = []
    for path in sorted(p for p in root.rglob("*") if p.is_file()):
        data = path.read_bytes()
        if needle.encode() in data or (data.startswith(b"SQLite format 3") and _sqlite_holds(path, needle)):
            found.append(str(path.relative_to(root)))
    return found


@pytest.mark.postgres
@pytest.mark.slow
def test_the_warehouse_password_never_reaches_dagster_run_storage(sample_landing, tmp_path, postgres_schema):
    url, schema = postgres_schema
    home = tmp_path / "dagster_home"
    env = {"DAGSTER_HOME": str(home), "BOLIGSTOETTE_WAREHOUSE_URL": url.replace("postgres@", f"postgres:{PASSWORD}@"),
           "BOLIGSTOETTE_WAREHOUSE_SCHEMA": schema}
    proc = boligstoette("run", "--landing", str(sample_landing), "--out", str(tmp_path / "out"),
                        "--month", SAMPLE_MONTH, env=env)
    assert f"benefit month {SAMPLE_MONTH}: run " in proc.stdout

    assert _files_holding(home, PASSWORD) == []
    assert PASSWORD not in proc.stdout + proc.stderr
    assert "history/runs.db" in _files_holding(home, "BOLIGSTOETTE_WAREHOUSE_URL"), "the scan must see snapshots"
