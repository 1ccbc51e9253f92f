"""The 1 January recalculation (årsomregning, § 43; RULES.md § 6.3 and § 12.14; contracts/corrections.md,
`out/january/YYYY.csv`), and the December letter that shows the recipient where the agency's income differs
from the tax authority's.

`recalculate(year, ...)` works on what the run of December (year - 1) stored and read: its calc rows
(the `provisional_allowances` partition), its household members, eIndkomst and tax assessments; the
uprating percentages of `year` per group (the caller takes them from the rate book); and the forskud of
`year`. One row per case in payment in December; `january_file` writes out/january/YYYY.csv and
`december_letters` the `december_income` letters in the shape `lookback.letters_file` takes.

Decisions (where RULES.md and the contract leave room):
- In payment: the December row is `computed` with `amount_ore` > 0. Its household (members in force on
  the row's reference day `day`, else 1 December; adults aged 18 or more that day) is the household of
  1 January: a change of household is a new computation, not the årsomregning.
- Group per adult by `pension`: folkepension -> `pensioners`; førtidspension (before and after 2003) and
  seniorpension -> `disability_and_senior` (§ 2 b persons are not in the deliveries); ingen -> `others`.
- Per adult, the income December counted is split as allowance.py forms it: the personal part is the
  regular eIndkomst estimate (`provisional_annual_income` on December's eIndkomst), the capital part the
  forskud's income outside eIndkomst (`other_income` of the benefit year, else the year before). The
  delivery cannot tell interest from self-employment in that income, so all of it counts as capital
  income and is not uprated (§ 6.3: capital and share income are not uprated).
- Increment per adult = personal part x the group's percent / 100, rounded half up to the øre, and only
  when the personal part is positive (negative personal income is not uprated, § 6.3).
- income_before is the household income the December row was computed with (it may be an income an
  earlier run of December kept, not the parts recomputed here), so income_january = income_before + the
  adults' increments, rounded half up to whole kroner (half towards + infinity): the letter and the file
  show whole kroner, and the January calc row carries that figure.
- uprating_percent of a case: the highest percent among its adults' groups (the contract: "the highest
  applied when members differ"); a case without adults shows the `others` percent. It is written as the
  percent's own decimal text ("1.95", "3.0").
- monthly_january: the December calc row computed again with year = `year` (so the new year's rates,
  which `calculate` reads itself), household_income = income_january and first_computation = false;
  wealth and everything else as in December. A year without rates for a benefit of the cases raises
  RatesNotFound (checked on the rate book first: `calculate` would report it as an input error): no
  January figures are made without the year's rates.
- tax_authority_income: the sum over the case's adults of the forskud of `year` (personal_income +
  other_income; a forskud without personal_income counts it as 0, landing reads it as nullable), the
  latest assessed per person. Empty (NA) when no adult has one.
- letter: the December letter shows a difference when income_january and tax_authority_income differ in
  whole kroner (both rounded half up), and also when an adult has no forskud for `year` (the agency
  cannot show the tax authority's figure as equal to its own).
- The letter (kind `december_income`, period the year, no amount, no hearing: respond_by empty) says
  which income the agency uses from 1 January, the forskud's figure, and asks the recipient to tell the
  agency when a figure is wrong. No CPR number and no case id in its text.

Money is integer øre throughout; the percentages are exact decimals.
"""

from collections.abc import Mapping
from datetime import date
from decimal import Decimal

import numpy as np
import pandas as pd

from boligstoette.allowance import CALC_COLUMNS, forskud_by_person, kroner_to_ore
from boligstoette.eligibility import members_in_force
from boligstoette.lookback import cpr_of_cases, danish_date, dkk, kroner_text
from boligstoette.monthly_income import provisional_annual_income
from boligstoette.payouts import csv_bytes
from boligstoette.rules import calculate, default_rate_book

GROUPS = {
    "folkepension": "pensioners",
    "foertidspension_foer_2003": "disability_and_senior",
    "foertidspension_efter_2003": "disability_and_senior",
    "seniorpension": "disability_and_senior",
    "ingen": "others",
}
PERCENT_GROUPS = ("pensioners", "disability_and_senior", "others")
ADULT_AGE = 18
LETTER_KIND = "december_income"
JANUARY_COLUMNS = ("case_id", "year", "income_before", "uprating_percent", "income_january", "monthly_december",
                   "monthly_january", "tax_authority_income", "letter")  # out/january/YYYY.csv
RESULT_COLUMNS = ("case_id", "year", "income_before_ore", "uprating_percent", "income_january_ore",
                  "monthly_december", "monthly_january", "tax_authority_income_ore", "letter", "forskud_complete")
MEMBER_COLUMNS = ("case_id", "cpr", "group", "percent", "personal_ore", "capital_ore", "increment_ore")


# --- the cases and their adults -------------------------------------------------------------------


def in_payment(allowances: pd.DataFrame) -> pd.DataFrame:
    """December's calc rows of the cases in payment (status computed, amount_ore > 0), by case_id."""
    paid = (allowances["status"] == "computed") & (allowances["amount_ore"].fillna(0) > 0)
    rows = allowances[paid].sort_values("case_id", kind="stable").reset_index(drop=True)
    if rows["case_id"].duplicated().any():
        raise ValueError("December's allowances hold a case twice: one calc row per case is expected")
    return rows


def december_adults(rows: pd.DataFrame, members: pd.DataFrame, year: int) -> pd.DataFrame:
    """The adults (18 or more) in force on each row's December reference day, with their uprating group."""
    days = rows.set_index("case_id")["day"] if "day" in rows else None
    people = members_in_force(members[members["case_id"].isin(rows["case_id"])], f"{year - 1}-12", days)
    adults = people[people["age"] >= ADULT_AGE].drop_duplicates(["case_id", "cpr"])
    group = adults["pension"].map(GROUPS)
    if group.isna().any():
        raise ValueError(f"a member's pension is not one of {', '.join(GROUPS)}")
    return pd.DataFrame({"case_id": adults["case_id"].astype("str"), "cpr": adults["cpr"].astype("str"),
                         "group": group.astype("str")}).reset_index(drop=True)


# --- uprating -------------------------------------------------------------------------------------


def checked_percents(percents: Mapping[str, Decimal]) -> dict[str, Decimal]:
    """The year's percent per group; a ValueError when a group is missing or a percent not a finite decimal."""
    missing = [g for g in PERCENT_GROUPS if g not in percents]
    if missing:
        raise ValueError(f"no uprating percent for {', '.join(missing)}")
    out = {g: percents[g] for g in PERCENT_GROUPS}
    bad = [g for g, p in out.items() if not isinstance(p, Decimal) or not p.is_finite()]
    if bad:
        raise ValueError(f"the uprating percent of {', '.join(bad)} must be a finite Decimal")
    return out


def uprate(personal_ore: pd.Series, percent: pd.Series) -> pd.Series:
    """personal x percent / 100 per person, rounded half up to the øre; 0 where personal is 0 or less.
    Exact, per distinct percent n / d: floor((2·personal·n + 100·d) / (200·d)) in int64."""
    personal = personal_ore.to_numpy(dtype=np.int64)
    out = np.zeros(len(personal), dtype=np.int64)
    for value in pd.unique(percent.to_numpy(dtype=object)):
        n, d = value.as_integer_ratio()
        rows = (percent.to_numpy(dtype=object) == value) & (personal > 0)
        if not rows.any():
            continue
        if int(personal[rows].max()) * 2 * abs(n) + 200 * d >= 2**63:
            raise ValueError(f"an income too large to uprate exactly by {value} %")
        out[rows] = (2 * personal[rows] * n + 100 * d) // (200 * d)
    return pd.Series(out, index=personal_ore.index, dtype="int64")


def member_increments(adults: pd.DataFrame, eindkomst: pd.DataFrame, tax_assessments: pd.DataFrame,
                      percents: Mapping[str, Decimal], year: int) -> pd.DataFrame:
    """Per adult (`december_adults`): the group's percent, the personal part (regular eIndkomst estimate),
    the capital part (forskud income outside eIndkomst, as December counted it) and the increment (øre)."""
    rates = checked_percents(percents)
    personal = adults["cpr"].map(provisional_annual_income(eindkomst, adults["cpr"])).fillna(0).astype("int64")
    other = forskud_by_person(tax_assessments, year - 1)["other_income_ore"]
    capital = adults["cpr"].map(other).fillna(0).astype("int64")
    percent = adults["group"].map(rates).astype("object")
    out = adults.assign(percent=percent, personal_ore=personal, capital_ore=capital,
                        increment_ore=uprate(personal, percent))
    return out[list(MEMBER_COLUMNS)]


def case_percent(case_ids: pd.Series, increments: pd.DataFrame, percents: Mapping[str, Decimal]) -> pd.Series:
    """Per case (aligned with case_ids) the highest percent among its adults' groups, `others` when none."""
    highest = increments.groupby("case_id")["percent"].max() if len(increments) else pd.Series(dtype="object")
    chosen = case_ids.map(highest).astype("object")
    return chosen.where(chosen.notna(), percents["others"])


def whole_kroner_half_up(ore: pd.Series) -> pd.Series:
    """Øre rounded half up (towards + infinity) to whole kroner, still in øre."""
    return (ore + 50) // 100 * 100


# --- the tax authority's figure -------------------------------------------------------------------


def forskud_income(forskud: pd.DataFrame, year: int) -> pd.Series:
    """The forskud of `year` per person (index cpr, øre): personal_income (0 when not given) + other_income,
    the latest assessed winning."""
    rows = forskud[(forskud["kind"] == "forskud") & (forskud["year"] == year)]
    rows = rows.sort_values(["cpr", "assessed_at"], kind="stable").drop_duplicates("cpr", keep="last")
    income = rows["personal_income_ore"].astype("Int64").fillna(0) + rows["other_income_ore"].astype("Int64")
    return pd.Series(income.to_numpy(dtype=np.int64), index=rows["cpr"].astype("str").to_numpy())


def tax_authority_income(case_ids: pd.Series, adults: pd.DataFrame, income: pd.Series) -> pd.DataFrame:
    """Per case (aligned with case_ids): the sum of its adults' forskud (NA when none has one) and
    whether every adult has one."""
    has = adults["cpr"].isin(income.index)
    known = adults.assign(has=has, missing=~has, ore=adults["cpr"].map(income).fillna(0).astype("int64"))
    per_case = known.groupby("case_id")[["ore", "has", "missing"]].sum().reindex(case_ids.to_numpy(), fill_value=0)
    found, complete = per_case["has"].to_numpy() > 0, per_case["missing"].to_numpy() == 0
    ore = pd.array(per_case["ore"].to_numpy(dtype=np.int64), dtype="Int64")
    ore[~found] = pd.NA
    return pd.DataFrame({"tax_authority_income_ore": ore, "forskud_complete": found & complete}, index=case_ids.index)


# --- the recalculation ----------------------------------------------------------------------------


def january_benefit(rows: pd.DataFrame, income_january_ore: pd.Series, year: int) -> np.ndarray:
    """Monthly benefit (whole kroner) of each December calc row with `year`'s rates and the new income.
    RatesNotFound when the year has no rates for a benefit of the rows (`calculate` itself would only
    reject the rows' year as input)."""
    if rows.empty:
        return np.zeros(0, dtype=np.int64)
    book = default_rate_book()
    for benefit in sorted(rows["benefit"].astype("str").unique()):
        book.for_year(year, benefit)
    calc = rows[list(CALC_COLUMNS)].astype("str").assign(
        year=str(year), household_income=kroner_text(income_january_ore), first_computation="false")
    return calculate(calc.reset_index(drop=True), book)["monthly_benefit"].to_numpy(dtype=np.int64)


def no_cases() -> pd.DataFrame:
    """A recalculation without cases (RESULT_COLUMNS): a January whose December was not ours (before go-live)."""
    types = {"case_id": "str", "year": "int64", "uprating_percent": "str", "tax_authority_income_ore": "Int64",
             "letter": "bool", "forskud_complete": "bool"}
    return pd.DataFrame({c: pd.Series(dtype=types.get(c, "int64")) for c in RESULT_COLUMNS})


def recalculate(year: int, allowances: pd.DataFrame, members: pd.DataFrame, eindkomst: pd.DataFrame,
                tax_assessments: pd.DataFrame, forskud: pd.DataFrame,
                percents: Mapping[str, Decimal]) -> pd.DataFrame:
    """The 1 January recalculation of `year` (RESULT_COLUMNS, one row per case in payment, by case_id).

    allowances, members, eindkomst, tax_assessments: as December (year - 1) stored and read them;
    forskud: a tax-assessment frame holding the forskud of `year` (other kinds and years are ignored);
    percents: the year's uprating percent per group (PERCENT_GROUPS)."""
    rows = in_payment(allowances)
    adults = december_adults(rows, members, year)
    increments = member_increments(adults, eindkomst, tax_assessments, percents, year)
    raised = rows["case_id"].map(increments.groupby("case_id")["increment_ore"].sum()).fillna(0).astype("int64")
    before = pd.Series(kroner_to_ore(rows["household_income"]), index=rows.index, dtype="int64")
    january = whole_kroner_half_up(before + raised)
    tax = tax_authority_income(rows["case_id"], adults, forskud_income(forskud, year))
    differs = (whole_kroner_half_up(tax["tax_authority_income_ore"]) != january).fillna(True).astype(bool)
    return pd.DataFrame({
        "case_id": rows["case_id"].astype("str"),
        "year": np.int64(year),
        "income_before_ore": before,
        "uprating_percent": case_percent(rows["case_id"], increments, checked_percents(percents)).map(str),
        "income_january_ore": january,
        "monthly_december": rows["monthly_benefit"].astype("int64"),
        "monthly_january": january_benefit(rows, january, year),
        "tax_authority_income_ore": tax["tax_authority_income_ore"],
        "letter": differs | ~tax["forskud_complete"],
        "forskud_complete": tax["forskud_complete"],
    }, index=rows.index).astype({"uprating_percent": "str", "year": "int64"})


# --- files and letters ----------------------------------------------------------------------------


def _kroner_or_empty(ore: pd.Series) -> pd.Series:
    return kroner_text(ore.fillna(0).astype("int64")).where(ore.notna().to_numpy(), "").astype("str")


def january_file(frame: pd.DataFrame) -> bytes:
    """out/january/YYYY.csv (JANUARY_COLUMNS) from `recalculate`."""
    rows = frame.sort_values("case_id", kind="stable")
    return csv_bytes(pd.DataFrame({
        "case_id": rows["case_id"],
        "year": rows["year"].astype("int64").astype("str"),
        "income_before": kroner_text(rows["income_before_ore"]),
        "uprating_percent": rows["uprating_percent"],
        "income_january": kroner_text(rows["income_january_ore"]),
        "monthly_december": rows["monthly_december"].astype("int64").astype("str"),
        "monthly_january": rows["monthly_january"].astype("int64").astype("str"),
        "tax_authority_income": _kroner_or_empty(rows["tax_authority_income_ore"]),
        "letter": np.where(rows["letter"].to_numpy(dtype=bool), "true", "false"),
    }, columns=list(JANUARY_COLUMNS)))


def december_letters(frame: pd.DataFrame, applicant_cpr: pd.Series, letter_date: date) -> pd.DataFrame:
    """A `december_income` letter per case whose row has `letter` (`recalculate`), in the shape
    `lookback.letters_file` takes. applicant_cpr: the recipient, a Series indexed by case_id.
    letter_id `january/<year>/december_income/<case_id>`: the same on every rerun."""
    rows = frame[frame["letter"].astype(bool)].sort_values("case_id", kind="stable")
    year = rows["year"].astype("int64").astype("str")
    return pd.DataFrame({
        "letter_id": "january/" + year + "/" + LETTER_KIND + "/" + rows["case_id"],
        "case_id": rows["case_id"],
        "recipient_cpr": cpr_of_cases(rows["case_id"], applicant_cpr, "recipient"),
        "kind": LETTER_KIND,
        "period": year,
        "amount_ore": pd.Series(pd.NA, index=rows.index, dtype="Int64"),
        "respond_by": pd.Series(pd.NaT, index=rows.index, dtype="datetime64[us]"),
        "body": pd.Series([letter_body(row, letter_date) for row in rows.itertuples(index=False)], index=rows.index,
                          dtype="str"),
    }).reset_index(drop=True)


def letter_body(row, letter_date: date) -> str:
    """The December letter's text (a `recalculate` row). Amounts and dates only: no CPR, no case id, and
    no ';', quote or line break, so the CSV line stays one plain line."""
    year, percent = int(row.year), str(row.uprating_percent).replace(".", ",")
    intro = (f"Den {danish_date(letter_date)} har vi sammenlignet den indkomst, vi bruger i din boligstøtte, med "
             f"Skattestyrelsens forskudsopgørelse for {year}. Fra 1. januar {year} opregulerer vi husstandens "
             f"indkomst med den generelle procentsats (for din husstand højst {percent} %). Vi bruger derfor en "
             f"årlig husstandsindkomst på {dkk(row.income_january_ore)} kr. fra 1. januar {year}, mod "
             f"{dkk(row.income_before_ore)} kr. i december.")
    return f"{intro} {_forskud_sentence(row, year)} Er tallene ikke rigtige, eller ændrer husstandens indkomst " \
           f"sig, skal du give os besked, så vi kan beregne din boligstøtte rigtigt."


def _forskud_sentence(row, year: int) -> str:
    if pd.isna(row.tax_authority_income_ore):
        return f"Vi har ikke fået en forskudsopgørelse for {year} for de voksne i husstanden."
    figure = (f"Skattestyrelsens forskudsopgørelse for {year} viser en årlig indkomst på "
              f"{dkk(row.tax_authority_income_ore)} kr.")
    if row.forskud_complete:
        return f"{figure} for husstanden."
    return f"{figure} for de voksne i husstanden, vi har en forskudsopgørelse for. Vi mangler den for resten."
