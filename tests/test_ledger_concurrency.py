"""Two runs booking the same month at the same moment, in two real processes: the ledger holds each
entry once, the second writer books nothing because it sees the first's entries, and neither fails.

The insert is slowed so the two overlap: on PostgreSQL a trigger sleeps 2 s on every insert into the
ledger; on SQLite the decision sleeps 2 s while its writer holds the lock."""

import multiprocessing
import time
from functools import partial

import pandas as pd
import pytest
import sqlalchemy as sa

from boligstoette.payouts import LEDGER_COLUMNS
from orchestration.resources import LEDGER_TABLE, AgencyDatabase

MONTH = "2026-12"
CASES = ("K1", "K2", "K3")
PAUSE_S = 2.0


def _pay_three_cases(ledger: pd.DataFrame, pause_s: float) -> pd.DataFrame:
    """Pay K1-K3 1000 øre each for the month, unless the ledger already holds them."""
    time.sleep(pause_s)
    wanted = pd.DataFrame({
        "entry_id": [f"{MONTH}/{case}/{MONTH}/payment/0" for case in CASES], "run_month": MONTH, "period": MONTH,
        "case_id": list(CASES), "kind": "payment", "amount_ore": 1000, "payee": "organisation", "org_id": "900",
        "unit_id": "", "lease_id": "", "reason_code": "",
    }).astype(LEDGER_COLUMNS)
    return wanted[~wanted["entry_id"].isin(ledger["entry_id"])]


def _book_in_process(url: str, schema: str | None, pause_s: float, start, results) -> None:
    """One run's booking, in its own process; what it booked (or the error it met) goes to `results`."""
    database = AgencyDatabase(url=url, schema_name=schema)
    start.wait(60)
    started = time.monotonic()
    try:
        _, entries = database.book(partial(_pay_three_cases, pause_s=pause_s))
        results.put({"booked": entries["entry_id"].tolist(), "started": started, "ended": time.monotonic()})
    except Exception as error:  # reported to the test, which fails on it
        results.put({"error": f"{type(error).__module__}.{type(error).__name__}: {error}"})


def _slow_inserts(url: str, schema: str) -> None:
    """A trigger that sleeps on every insert into the ledger."""
    with sa.create_engine(url).begin() as conn:
        conn.execute(sa.text(f'CREATE FUNCTION "{schema}".slow_insert() RETURNS trigger LANGUAGE plpgsql '
                             f"AS $$ BEGIN PERFORM pg_sleep({PAUSE_S}); RETURN NULL; END $$"))
        conn.execute(sa.text(f'CREATE TRIGGER slow_insert BEFORE INSERT ON "{schema}".{LEDGER_TABLE} '
                             f'FOR EACH STATEMENT EXECUTE FUNCTION "{schema}".slow_insert()'))


@pytest.fixture(params=["embedded", pytest.param("postgres", marks=pytest.mark.postgres)])
def slow_ledger(request, tmp_path) -> tuple[str, str | None, float]:
    """(url, schema, pause in the decision) of an existing, empty ledger whose bookings take 2 s."""
    if request.param == "embedded":
        url, schema = f"sqlite:///{tmp_path / 'w.sqlite'}", None
    else:
        url, schema = request.getfixturevalue("postgres_schema")
    AgencyDatabase(url=url, schema_name=schema).book(lambda ledger: ledger.head(0))  # creates the ledger
    if schema:
        _slow_inserts(url, schema)
    return url, schema, 0.0 if schema else PAUSE_S


def test_two_runs_booking_the_same_month_at_once_book_each_entry_once(slow_ledger):
    url, schema, pause_s = slow_ledger
    spawn = multiprocessing.get_context("spawn")
    start, results = spawn.Barrier(2), spawn.Queue()
    runs = [spawn.Process(target=_book_in_process, args=(url, schema, pause_s, start, results)) for _ in range(2)]
    for run in runs:
        run.start()
    outcomes = [results.get(timeout=120) for _ in runs]
    for run in runs:
        run.join(30)

    assert [o.get("error") for o in outcomes] == [None, None]
    first, second = sorted(outcomes, key=lambda o: -len(o["booked"]))
    assert len(first["booked"]) == len(CASES) and second["booked"] == []
    assert max(o["started"] for o in outcomes) < min(o["ended"] for o in outcomes), "the two did not overlap"
    assert second["ended"] >= first["ended"], "the second writer waited for the first"
    ledger = AgencyDatabase(url=url, schema_name=schema).ledger()
    assert sorted(ledger["entry_id"]) == sorted(first["booked"])
    assert [run.exitcode for run in runs] == [0, 0]
