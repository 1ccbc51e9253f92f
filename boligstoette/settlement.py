"""The annual settlement of a benefit year (efterregulering, RULES.md § 7.6, § 12.13; contracts/corrections.md).

After the year, once the household's tax assessments (aarsopgoerelse) are in, every period of the year
the platform decided (from go-live: the previous system's months are not ours to settle) is recomputed
from the calc row its deciding run stored, with only the household income replaced (BD "Opgørelse":
only income is re-examined): the assessed annual income of the adults that period counted (personal
income + income outside eIndkomst). The sum is compared with what the year's periods received after the
monthly lookback (payments, recoveries, supplements, deductions, claims), so lookback differences below
the monthly thresholds end up here (§ 7.6).

A case's decision, first match wins:
- an adult counted in the year has no assessment yet: not settled, no row (it has no decision yet);
- an adult's assessment is under appeal: `waiting_appeal` (§ 46 b stk. 2);
- a pensioner adult has no pension settlement for the year: `waiting_pension_settlement` (§ 12.13);
- final - paid of 250 kr or more either way: `pay_out` / `claim_back` (§ 12.13), else `below_threshold`.
A settled case is settled once: its ledger entry says so. A later assessment reopens it only when it
changes an adult's annual income by 25,000 kr or more (§ 46 b stk. 3); the new row is `reopened` and,
as what was paid includes the earlier settlement, settles only the difference. A settled row is kept
as it was decided, so a rerun writes the same file.

Money: a settlement is booked in the ledger (period = the year) in the run of the next benefit month
(`applied_in`): a payout is paid to the applicant with that month's payments, a claim is handed to
collection as an `aarsopgoerelse` claim, due when the tax assessment became available (gaeldst.dk, RULES
§ 7.6), and every settled case gets a letter with 21 days to object, both from that month's run.
"""

from datetime import date, timedelta

import numpy as np
import pandas as pd

from boligstoette import lookback
from boligstoette.lookback import cpr_of_cases, dkk
from boligstoette.months import MONTH, add_months
from boligstoette.payouts import LEDGER_COLUMNS, SETTLEMENT_KINDS, benefit_keys, csv_bytes, net_received
from boligstoette.recalculation import benefit_with_income
from boligstoette.vectors import is_in

THRESHOLD_ORE = 250 * 100  # § 12.13: a difference under 250 kr over the year is neither paid nor claimed
REOPENING_ORE = 25_000 * 100  # § 46 b stk. 3: an adult's annual income changed by at least this reopens
OBJECTION_DAYS = 21  # BD: objections to a settlement within 21 days
PAY_OUT, CLAIM_BACK, BELOW_THRESHOLD = "pay_out", "claim_back", "below_threshold"
WAITING_APPEAL, WAITING_PENSION = "waiting_appeal", "waiting_pension_settlement"
SETTLED = (PAY_OUT, CLAIM_BACK, BELOW_THRESHOLD)
KIND_OF = dict(zip(SETTLED, SETTLEMENT_KINDS, strict=True))  # payout, claim, nil
PENSIONER = "ingen"  # an adult whose pension is anything but this waits for the pension's settlement
ROW_COLUMNS = {
    "case_id": "str", "year": "int64", "paid_ore": "int64", "final_ore": "int64", "difference_ore": "int64",
    "decision": "str", "reopened": "bool", "applied_in": "str",
    "booked_in": "str",  # the benefit month whose run carries it (below_threshold too): its letter's run
    "basis": "str",  # the adults' assessed incomes it was decided on (cpr:øre|...), to tell a reopening
    "assessed_on": "str",  # the day the last of its assessments became available: a claim's due date
}


def empty_rows() -> pd.DataFrame:
    return pd.DataFrame({c: pd.Series(dtype=t) for c, t in ROW_COLUMNS.items()})


# --- what the year gives and what it received ------------------------------------------------------


def period_incomes(adults: pd.DataFrame, assessed: pd.DataFrame) -> pd.DataFrame:
    """Per (case_id, period): the adults' assessed annual income (øre) and whether every adult has one."""
    income = (assessed["personal_income_ore"].astype("int64") + assessed["other_income_ore"].astype("int64"))
    by_person = pd.Series(income.to_numpy(), index=assessed["cpr"].to_numpy())
    people = adults.assign(income=adults["cpr"].map(by_person))
    people = people.assign(known=people["income"].notna(), income=people["income"].fillna(0).astype("int64"))
    return people.groupby(["case_id", "period"], as_index=False).agg(
        income_ore=("income", "sum"), complete=("known", "all"))


def complete_cases(rows: pd.DataFrame, incomes: pd.DataFrame) -> pd.Index:
    """The cases a settlement can decide: in every period of theirs an adult counted, each with an
    assessment. A period whose household shows no adult is not guessed at (0 kr income would pay it the
    maximum): the case is left unsettled, as a case without its assessments."""
    known = rows[["case_id", "period"]].merge(incomes[["case_id", "period", "complete"]], how="left")
    ready = known["complete"].astype("boolean").fillna(False).groupby(known["case_id"]).all()
    return ready.index[ready.to_numpy(dtype=bool)]


def final_by_case(rows: pd.DataFrame, incomes: pd.DataFrame) -> pd.Series:
    """case_id -> øre the year's periods are due with the assessed income (periods of complete cases)."""
    rows = rows.merge(incomes, on=["case_id", "period"], how="inner")
    due = benefit_with_income(rows, rows["income_ore"].astype("int64").to_numpy())
    return pd.Series(due, index=rows["case_id"].to_numpy(), dtype="int64").groupby(level=0).sum()


def received_by_case(rows: pd.DataFrame, ledger: pd.DataFrame, year: int) -> pd.Series:
    """case_id -> øre the case received for the year: its periods' net (lookback included) plus any
    earlier settlement of the year."""
    net = net_received(ledger)
    at = pd.MultiIndex.from_arrays([benefit_keys(rows), rows["period"]])
    periods = pd.Series(net.reindex(at, fill_value=0).to_numpy(np.int64), index=rows["case_id"].to_numpy())
    settled = year_entries(ledger, year)
    earlier = settled.groupby("case_id")["amount_ore"].sum()
    return periods.groupby(level=0).sum().add(earlier, fill_value=0).astype("int64")


def year_entries(ledger: pd.DataFrame, year: int) -> pd.DataFrame:
    """The ledger's settlement entries of benefit year `year`."""
    return ledger[ledger["kind"].isin(SETTLEMENT_KINDS) & (ledger["period"] == str(year))]


def case_facts(adults: pd.DataFrame, assessed: pd.DataFrame, pension_settled: pd.Series) -> pd.DataFrame:
    """Per case: basis (its adults' assessed incomes), appealed, waiting_pension (an adult who was a
    pensioner in any period of the year has no pension settlement), assessed_on."""
    people = adults.merge(assessed[["cpr", "personal_income_ore", "other_income_ore", "appealed", "assessed_at"]],
                          on="cpr", how="left")
    income = people["personal_income_ore"].astype("Int64") + people["other_income_ore"].astype("Int64")
    people = people.assign(
        appealed=people["appealed"].fillna(False).astype(bool),
        waiting=(people["pension"] != PENSIONER) & ~is_in(people["cpr"], pension_settled),
        item=people["cpr"] + ":" + income.astype("string").fillna("none"))
    basis = people.drop_duplicates(["case_id", "cpr"]).sort_values(["case_id", "cpr"])
    flags = people.groupby("case_id").agg(appealed=("appealed", "any"), waiting_pension=("waiting", "any"),
                                          assessed_on=("assessed_at", "max"))
    return basis.groupby("case_id").agg(basis=("item", "|".join)).join(flags)


def pending_hearings(ledger: pd.DataFrame, year: int) -> pd.Series:
    """case_id -> øre of the year's lookback deductions announced but not yet taken (a deduction is taken
    two runs after its hearing, RULES § 12.11): counted as received, so the settlement does not claim
    them a second time."""
    if not (ledger["kind"] == "hearing").any():
        return pd.Series(dtype="int64")
    carrying = carrying_month(ledger)
    delay = lookback.rules_for(carrying).deduction_delay_months
    hearings = ledger[(ledger["kind"] == "hearing") & (ledger["run_month"] >= add_months(carrying, -delay))
                      & ledger["period"].str.startswith(f"{year}-")]
    return hearings.groupby("case_id")["amount_ore"].sum()


# --- deciding -------------------------------------------------------------------------------------


def threshold_decision(difference_ore: np.ndarray) -> np.ndarray:
    """§ 12.13: 250 kr or more over the year is paid out or claimed back."""
    return np.where(difference_ore >= THRESHOLD_ORE, PAY_OUT,
                    np.where(difference_ore <= -THRESHOLD_ORE, CLAIM_BACK, BELOW_THRESHOLD))


def reopens(earlier_basis: str, basis: str) -> bool:
    """§ 46 b stk. 3: an adult's annual income changed by REOPENING_ORE or more (an adult added or gone
    counts with the whole income)."""
    before, now = _incomes(earlier_basis), _incomes(basis)
    return any(abs(now.get(cpr, 0) - before.get(cpr, 0)) >= REOPENING_ORE for cpr in before.keys() | now.keys())


def _incomes(basis: str) -> dict[str, int]:
    return {item.split(":")[0]: int(item.split(":")[1]) for item in basis.split("|") if item}


def decide(year: int, computed: pd.DataFrame, previous: pd.DataFrame, settled: pd.DataFrame) -> pd.DataFrame:
    """The year's rows (ROW_COLUMNS) and `book` (to be booked now): every settlement made (a reopening is
    a new row after the one it replaces), then the cases waiting.

    computed: per complete case (index case_id) final_ore, paid_ore, basis, appealed, waiting_pension,
              assessed_on; previous: the rows the last run stored; settled: the ledger's settlement
              entries of the year."""
    kept = previous[previous["decision"].isin(SETTLED) & is_in(previous["case_id"], settled["case_id"])]
    latest = kept.drop_duplicates("case_id", keep="last").set_index("case_id")
    again = computed[is_in(computed.index, latest.index)]
    earlier = latest["basis"].reindex(again.index)
    reopen = [not appealed and not waiting and reopens(before, now) for appealed, waiting, before, now in
              zip(again["appealed"], again["waiting_pension"], earlier, again["basis"], strict=True)]
    reopened = _rows(year, again[np.array(reopen, dtype=bool)], reopened=True)
    new = _rows(year, computed[~is_in(computed.index, settled["case_id"])], reopened=False)
    lost = _rows_from_ledger(year, computed, kept, settled)
    rows = pd.concat([kept.assign(book=False), lost, reopened, new], ignore_index=True)
    return rows.sort_values("case_id", kind="stable").reset_index(drop=True)


def _rows(year: int, cases: pd.DataFrame, reopened: bool) -> pd.DataFrame:
    if cases.empty:
        return empty_rows().assign(book=pd.Series(dtype="bool"))
    difference = (cases["final_ore"] - cases["paid_ore"]).to_numpy(np.int64)
    decision = np.select([cases["appealed"].to_numpy(bool), cases["waiting_pension"].to_numpy(bool)],
                         [WAITING_APPEAL, WAITING_PENSION], threshold_decision(difference))
    rows = pd.DataFrame({
        "case_id": cases.index.astype("str"), "year": year, "paid_ore": cases["paid_ore"].to_numpy(np.int64),
        "final_ore": cases["final_ore"].to_numpy(np.int64), "difference_ore": difference, "decision": decision,
        "reopened": reopened, "applied_in": "", "booked_in": "", "basis": cases["basis"].to_numpy(),
        "assessed_on": pd.to_datetime(cases["assessed_on"]).dt.tz_convert("Europe/Copenhagen").dt.strftime(
            "%Y-%m-%d").to_numpy()})
    return rows.astype(ROW_COLUMNS).assign(book=rows["decision"].isin(SETTLED).to_numpy())


def _rows_from_ledger(year: int, computed: pd.DataFrame, kept: pd.DataFrame, settled: pd.DataFrame):
    """Settled cases whose stored rows are gone (a run stopped after booking): shown from the ledger's
    last settlement, what was paid before it, and today's final amount; never booked again."""
    lost = settled[~is_in(settled["case_id"], kept["case_id"]) & is_in(settled["case_id"], computed.index)]
    last = booking_order(lost).drop_duplicates("case_id", keep="last").set_index("case_id")
    cases = computed.loc[last.index]
    paid = cases["paid_ore"] - last["amount_ore"]
    rows = _rows(year, cases.assign(paid_ore=paid, appealed=False, waiting_pension=False), reopened=False)
    counts = lost.groupby("case_id").size().reindex(last.index).to_numpy()
    carried = last["reason_code"].isin([PAY_OUT, CLAIM_BACK]).to_numpy()
    month = last["run_month"].to_numpy()
    return rows.assign(decision=last["reason_code"].to_numpy(), reopened=counts > 1, booked_in=month,
                       applied_in=np.where(carried, month, ""), book=False)


# --- booking --------------------------------------------------------------------------------------


def carrying_month(ledger: pd.DataFrame) -> str:
    """The benefit month whose run carries a settlement booked now: the one after the latest month run."""
    runs = ledger[ledger["run_month"].str.fullmatch(MONTH) & ~ledger["kind"].isin(SETTLEMENT_KINDS)]
    if runs.empty:
        raise ValueError("no benefit month has been run: there is nothing to settle")
    return add_months(runs["run_month"].max(), 1)


def entries(rows: pd.DataFrame, ledger: pd.DataFrame) -> pd.DataFrame:
    """Ledger entries for the rows to book (`decide`), in the run of carrying_month(ledger): a payout
    (+), a claim (-) or nil (0), per case and year (period YYYY), paid to or claimed from the applicant."""
    booked = rows[rows["book"]]
    kind = booked["decision"].map(KIND_OF)
    amount = np.where(kind == KIND_OF[BELOW_THRESHOLD], 0, booked["difference_ore"].to_numpy(np.int64))
    new = pd.DataFrame({
        "run_month": carrying_month(ledger), "period": booked["year"].astype("str"), "case_id": booked["case_id"],
        "kind": kind, "amount_ore": amount, "payee": "applicant", "org_id": "", "unit_id": "", "lease_id": "",
        "reason_code": booked["decision"]})
    stem = "case:" + new["case_id"] + "/" + new["period"] + "/settlement"
    before = year_entries(ledger, int(booked["year"].iloc[0])).groupby("case_id").size() if len(new) else None
    n = new["case_id"].map(before).fillna(0).astype("int64") if before is not None else 0
    # one counter per case and year across the three kinds: the n-th settlement of the case, in booking order
    return new.assign(entry_id=stem + "/" + (n + new.groupby("case_id").cumcount()).astype("str"))[
        list(LEDGER_COLUMNS)].astype(LEDGER_COLUMNS)


def booking_order(entries: pd.DataFrame) -> pd.DataFrame:
    """Settlement entries in the order they were booked (their ids count per case and year)."""
    n = entries["entry_id"].str.rsplit("/", n=1).str[-1].astype("int64")
    return entries.assign(_n=n).sort_values(["case_id", "period", "_n"], kind="stable").drop(columns="_n")


def with_applied_in(rows: pd.DataFrame, booked: pd.DataFrame) -> pd.DataFrame:
    """Rows just booked get the month whose run carries them (`applied_in` empty for below_threshold)."""
    month = booked.drop_duplicates("case_id").set_index("case_id")["run_month"]
    carrying = rows["case_id"].map(month).astype("object").fillna("")
    booked_in = carrying.where(rows["book"], rows["booked_in"])
    carried = rows["book"] & rows["decision"].isin([PAY_OUT, CLAIM_BACK])
    return rows.assign(booked_in=booked_in.astype("str"),
                       applied_in=carrying.where(carried, rows["applied_in"]).astype("str"))


# --- files ----------------------------------------------------------------------------------------


def settlement_file(rows: pd.DataFrame) -> bytes:
    """out/settlements/YYYY.csv: one row per case with benefit in the year and a decision."""
    rows = rows.sort_values("case_id", kind="stable")
    return csv_bytes(pd.DataFrame({
        "case_id": rows["case_id"], "year": rows["year"],
        "paid": _kroner(rows["paid_ore"]), "final": _kroner(rows["final_ore"]),
        "difference": _kroner(rows["difference_ore"]), "decision": rows["decision"],
        "reopened": np.where(rows["reopened"].to_numpy(bool), "true", "false"), "applied_in": rows["applied_in"]}))


def _kroner(ore: pd.Series) -> pd.Series:
    values = ore.to_numpy(np.int64)
    if (values % 100 != 0).any():
        raise ValueError("settlement amounts are whole kroner")
    return pd.Series(values // 100, index=ore.index)


def month_letters(run_month: str, booked: pd.DataFrame, rows: pd.DataFrame, applicant: pd.Series,
                  letter_date: date) -> pd.DataFrame:
    """A settlement letter per settlement the run of `run_month` carries (lookback.letters_file shape):
    21 days to object. rows: the stored settlement rows of those years."""
    settled = _carried(run_month, booked, rows)
    respond_by = pd.Timestamp(letter_date + timedelta(days=OBJECTION_DAYS))
    return pd.DataFrame({
        "letter_id": run_month + "/settlement/" + settled["case_id"] + "/" + settled["period"] + "/"
        + settled["n"].astype("str"),
        "case_id": settled["case_id"], "recipient_cpr": cpr_of_cases(settled["case_id"], applicant, "recipient"),
        "kind": "settlement", "period": settled["period"],
        "amount_ore": settled["amount_ore"].where(settled["amount_ore"] != 0).astype("Int64"),
        "respond_by": pd.Series(respond_by, index=settled.index, dtype="datetime64[us]"),
        "body": [_body(r, respond_by) for r in settled.itertuples(index=False)]}).reset_index(drop=True)


def month_claims(run_month: str, booked: pd.DataFrame, rows: pd.DataFrame, debtor: pd.Series) -> pd.DataFrame:
    """An `aarsopgoerelse` claim per settlement claim the run carries (lookback.collection_file shape)."""
    claims = _carried(run_month, booked, rows)
    claims = claims[claims["kind"] == KIND_OF[CLAIM_BACK]]
    return pd.DataFrame({
        "claim_id": "aarsopgoerelse/" + claims["period"] + "/" + claims["case_id"] + "/" + claims["run_month"] + "/"
        + claims["n"].astype("str"),
        "case_id": claims["case_id"], "debtor_cpr": cpr_of_cases(claims["case_id"], debtor, "debtor"),
        "claim_type": "aarsopgoerelse", "period_from": claims["period"] + "-01", "period_to": claims["period"] + "-12",
        "amount_ore": -claims["amount_ore"].astype("int64"),
        "due_date": pd.to_datetime(claims["assessed_on"]).astype("datetime64[us]")}).reset_index(drop=True)


def _carried(run_month: str, booked: pd.DataFrame, rows: pd.DataFrame) -> pd.DataFrame:
    """The run's settlement entries, each with the row it booked (matched in order per case and year)."""
    mine = booked[(booked["run_month"] == run_month) & booked["kind"].isin(SETTLEMENT_KINDS)]
    mine = booking_order(mine).assign(n=lambda f: f.groupby(["case_id", "period"]).cumcount())
    facts = rows[rows["booked_in"] == run_month].assign(period=rows["year"].astype("str"))
    facts = facts.assign(n=facts.groupby(["case_id", "period"]).cumcount())
    columns = ["case_id", "period", "n", "paid_ore", "final_ore", "assessed_on"]
    carried = mine.merge(facts[columns], on=["case_id", "period", "n"], how="left")
    if carried["paid_ore"].isna().any():
        year = carried.loc[carried["paid_ore"].isna(), "period"].iloc[0]
        raise ValueError(f"the annual settlement of {year} booked for {run_month} is not stored: materialise "
                         f"annual_settlements {year} again, then this month")
    return carried


def _body(row, respond_by: pd.Timestamp) -> str:
    """The letter's text: amounts and dates only (no CPR, no case id); one plain CSV line."""
    facts = (f"Vi har gjort din boligstøtte for {row.period} op ud fra årsopgørelsen fra Skattestyrelsen. "
             f"Du skulle have haft {dkk(row.final_ore)} kr., og du har fået {dkk(row.paid_ore)} kr.")
    amount = dkk(abs(int(row.amount_ore)))
    if row.kind == KIND_OF[PAY_OUT]:
        outcome = f"Du får derfor {amount} kr. udbetalt."
    elif row.kind == KIND_OF[CLAIM_BACK]:
        outcome = f"Du har derfor fået {amount} kr. for meget, som sendes til opkrævning hos Gældsstyrelsen."
    else:
        outcome = "Forskellen er under 250 kr., så du hverken får penge eller skal betale tilbage."
    return f"{facts} {outcome} Mener du, at opgørelsen ikke er rigtig, skal du give os besked senest " \
           f"{respond_by.day}.{respond_by.month}.{respond_by.year}."
