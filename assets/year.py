"""The year end of the benefit cycle (contracts/corrections.md): the annual settlement of a benefit
year and the 1 January recalculation, partitioned by benefit year (assets/partitions.py)."""

import os
from pathlib import Path

import dagster as dg
import pandas as pd

from assets.lookback import letter_date, stored_calc_rows
from assets.partitions import YEAR_OF_MONTHS, benefit_year, december_before, months_of_year
from boligstoette import january, lookback, settlement
from boligstoette.outputs import publishing, replace_file
from boligstoette.payouts import empty_ledger
from boligstoette.recalculation import adults_by_period, decided_periods, with_calc_rows
from boligstoette.rules import RatesNotFound, default_rate_book
from boligstoette.timeline import FIRST_MONTH_ENV, go_live
from boligstoette.vectors import is_in
from orchestration.resources import AgencyDatabase, LandingFolder, OutputFolder

# The year before, read from its December (dagster's offsets count downstream partitions: a year).
YEAR_BEFORE = dg.TimeWindowPartitionMapping(start_offset=-1, end_offset=-1)


@dg.asset(partitions_def=benefit_year, group_name="year",
          deps=[dg.AssetDep(name, partition_mapping=YEAR_OF_MONTHS)
                for name in ("provisional_allowances", "entitlements", "household_members", "payouts")])
def annual_settlements(context: dg.AssetExecutionContext, database: AgencyDatabase, landing: LandingFolder,
                       output: OutputFolder) -> pd.DataFrame:
    """The annual settlement of the benefit year (boligstoette/settlement.py): a row per case with benefit
    in the year whose tax assessments are in, written to out/settlements/YYYY.csv; each pay_out,
    claim_back and below_threshold booked once in the ledger, carried by the next benefit month's run.
    Run again as deliveries arrive: it settles the cases that became ready and reopens those a later
    assessment changed by 25,000 kr or more; the rest stay as decided."""
    year = int(context.partition_key)
    rows = _year_periods(database, year)
    incomes, facts = _assessed(landing.get(), year, rows, _adults(database, rows))
    complete = settlement.complete_cases(rows, incomes)
    rows, incomes = rows[is_in(rows["case_id"], complete)], incomes[is_in(incomes["case_id"], complete)]
    facts = facts.loc[is_in(facts.index, complete)].assign(final_ore=settlement.final_by_case(rows, incomes))
    previous = database.partition("annual_settlements", str(year))
    previous = settlement.empty_rows() if previous is None else previous
    decided = {}

    def decide(ledger: pd.DataFrame) -> pd.DataFrame:  # under the ledger lock: settles each case once
        received = settlement.received_by_case(rows, ledger, year)
        received = received.add(settlement.pending_hearings(ledger, year), fill_value=0)
        computed = facts.assign(paid_ore=received).fillna({"paid_ore": 0})
        decided["rows"] = settlement.decide(year, computed, previous, settlement.year_entries(ledger, year))
        if not decided["rows"]["book"].any():
            return empty_ledger()
        return settlement.entries(decided["rows"], ledger)

    _, booked = database.book(decide)
    result = settlement.with_applied_in(decided["rows"], booked).drop(columns="book")
    root = Path(output.root)
    with publishing(root):
        replace_file(root / "settlements" / f"{year}.csv", settlement.settlement_file(result))
    context.add_output_metadata(_settlement_metadata(result, booked))
    return result


def _year_periods(database: AgencyDatabase, year: int) -> pd.DataFrame:
    """The periods of the year the platform decided (from go-live), with the calc rows they were decided on."""
    ledger = database.ledger()
    first_month = go_live(ledger, f"{year}-12", os.environ.get(FIRST_MONTH_ENV))
    periods = decided_periods(ledger, months_of_year(str(year)), first_month)
    return with_calc_rows(periods, stored_calc_rows(database, periods))


def _adults(database: AgencyDatabase, rows: pd.DataFrame) -> pd.DataFrame:
    """The adults each period counted: the members as its deciding run read them (an urgent run's
    period: as its own month's run read them)."""
    source = rows["run_month"].where(rows["run_month"].str.len() == len("YYYY-MM"), rows["period"])
    frames = [adults_by_period(group, database.input("household_members", key))
              for key, group in rows.groupby(source)]
    return pd.concat(frames, ignore_index=True) if frames else adults_by_period(rows, pd.DataFrame())


def _assessed(land, year: int, rows: pd.DataFrame, adults: pd.DataFrame) -> tuple[pd.DataFrame, pd.DataFrame]:
    assessed = land.read_year_assessments(year)
    incomes = settlement.period_incomes(adults, assessed)
    facts = settlement.case_facts(adults, assessed, land.read_pension_settlements(year)["cpr"])
    return incomes, facts


def _settlement_metadata(result: pd.DataFrame, booked: pd.DataFrame) -> dict:
    by_decision = result.groupby("decision")["difference_ore"].agg(["size", "sum"])
    return {
        "cases": len(result),
        "by_decision": dg.MetadataValue.json({d: int(n) for d, n in by_decision["size"].items()}),
        "difference_kr_by_decision": dg.MetadataValue.json({d: int(s // 100) for d, s in by_decision["sum"].items()}),
        "reopened": int(result["reopened"].sum()),
        "entries_booked_now": len(booked),
    }


@dg.asset(partitions_def=benefit_year, group_name="year",
          deps=[dg.AssetDep(name, partition_mapping=YEAR_BEFORE)
                for name in ("provisional_allowances", "household_members", "eindkomst", "tax_assessments")])
def january_recalculation(context: dg.AssetExecutionContext, database: AgencyDatabase, landing: LandingFolder,
                          output: OutputFolder) -> pd.DataFrame:
    """The 1 January recalculation of the year (boligstoette/january.py): every case in payment in the
    December before gets the year's rates and its income uprated per member group; out/january/YYYY.csv
    and the December letters (out/letters/YYYY.csv) where its income differs from the tax authority's
    forskud. January's run pays with this income. Run in December, before January is computed."""
    year = int(context.partition_key)
    december = december_before(str(year))
    allowances = database.partition("provisional_allowances", december)
    if allowances is None and december < go_live(database.ledger(), f"{year}-01", os.environ.get(FIRST_MONTH_ENV)):
        context.log.info(f"{december} is before go-live: the previous system recalculated 1 January {year}")
        return _publish_january(output, year, january.no_cases(), january.december_letters(
            january.no_cases(), pd.Series(dtype="str"), letter_date(f"{year}-01", landing.cutoff_day)))
    if allowances is None:
        raise dg.Failure(f"the 1 January recalculation of {year} starts from benefit month {december}, "
                         f"which is not materialised: materialise {december} first")
    uprating = _uprating(year)
    members = database.input("household_members", december)
    land = landing.get()
    frame = january.recalculate(year, allowances, members, database.input("eindkomst", december),
                                database.input("tax_assessments", december),
                                land.read_tax_assessments(f"{year}-01"), uprating.percent)
    applicant = members[members["role"] == "ansoeger"].drop_duplicates("case_id").set_index("case_id")["cpr"]
    letters = january.december_letters(frame, applicant, letter_date(f"{year}-01", land.cutoff_day))
    _publish_january(output, year, frame, letters)
    context.add_output_metadata({
        "cases_in_payment": len(frame), "december_letters": len(letters),
        "uprating_percent": dg.MetadataValue.json({g: str(p) for g, p in uprating.percent.items()}),
        "uprating_unconfirmed": uprating.unconfirmed,
        "monthly_december_kr": int(frame["monthly_december"].sum()),
        "monthly_january_kr": int(frame["monthly_january"].sum()),
    })
    return frame


def _publish_january(output: OutputFolder, year: int, frame: pd.DataFrame, letters: pd.DataFrame) -> pd.DataFrame:
    root = Path(output.root)
    with publishing(root):
        replace_file(root / "january" / f"{year}.csv", january.january_file(frame))
        replace_file(root / "letters" / f"{year}.csv", lookback.letters_file(letters))
    return frame


def _uprating(year: int):
    """The year's uprating percentages, or a failure saying what an operator must add."""
    try:
        return default_rate_book().uprating(year)
    except RatesNotFound as error:
        raise dg.Failure(f"1 January recalculation of {year}: {error}") from None
