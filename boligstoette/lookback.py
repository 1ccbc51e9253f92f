"""The monthly lookback's money policy (lov om individuel boligstøtte § 8 d; RULES.md § 7.4 and
§ 12.11; contracts/corrections.md).

Which periods are examined and their benefit recomputed from final income is decided elsewhere;
this module says what a looked-back period's difference does (a supplement now, a deduction after
a hearing, or nothing), turns that into ledger entries, applies a hearing's deduction when it falls
due (after objections, absorbed by the payment, the rest to collection), and writes the lookback,
letter and collection files.

Money is integer øre (int64) throughout and signed as in the ledger: positive is owed to the
citizen. Entry rows have the ledger's columns without `entry_id` and `run_month` (`payouts.book`
adds them). CPR numbers come in only as the recipient or debtor column of a letter or a claim
(internal files, corrections.md): never in a letter body or an error message.
"""

from dataclasses import dataclass
from datetime import date
from itertools import pairwise

import numpy as np
import pandas as pd

from boligstoette.months import add_months, first_day
from boligstoette.payouts import LEDGER_COLUMNS, benefit_keys, csv_bytes, net_received, payout_date
from boligstoette.privacy import mask_text

# --- the dated figures ----------------------------------------------------------------------------


@dataclass(frozen=True)
class LookbackRules:
    """The lookback's figures from `valid_from` (a benefit month) until the next set (OpenFisca style)."""

    valid_from: str
    income_ore: int = 80_000  # the monthly household income differs by more than 800 kr (stk. 1 nr. 1)
    benefit_ore: int = 20_000  # and the period's benefit by more than 200 kr (stk. 1 nr. 2)
    hearing_days: int = 8  # the citizen may object to the figures within 8 days of the letter
    deduction_delay_months: int = 2  # so the deduction is made two months after the letter's run
    law_ref: str = "§ 8 d stk. 1"  # the thresholds
    procedure_ref: str = "RULES.md § 12.11"  # the hearing, the delay and the remainder to collection


RULES: tuple[LookbackRules, ...] = (LookbackRules("2024-01"),)


def rules_for(month: str) -> LookbackRules:
    """The figures in force for a benefit month; a ValueError before the first set."""
    first_day(month)  # a malformed month is an error here, not a silent string comparison
    in_force = [r for r in RULES if r.valid_from <= month]
    if not in_force:
        raise ValueError(f"no lookback rules for {month}: the first set applies from {RULES[0].valid_from}")
    return in_force[-1]


def rule_periods() -> list[tuple[str, str | None]]:
    """(first month, last month) of each set; the last is open-ended (None)."""
    ends = [add_months(later.valid_from, -1) for _, later in pairwise(RULES)]
    return [(r.valid_from, end) for r, end in zip(RULES, [*ends, None], strict=True)]


# --- decisions ------------------------------------------------------------------------------------

SUPPLEMENT, DEDUCTION, BELOW_THRESHOLD = "supplement", "deduction", "below_threshold"
HOUSEHOLD_CHANGED, TO_ANNUAL_SETTLEMENT = "household_changed", "to_annual_settlement"

# Ledger reason codes of the entries booked here.
REASON_SUPPLEMENT = "LOOKBACK_SUPPLEMENT"  # a period paid too little, paid with this run
REASON_HEARING = "LOOKBACK_HEARING"  # a proposed deduction, announced by letter (not money)
REASON_DEDUCTION = "LOOKBACK_DEDUCTION"  # the part of a deduction this run's payment absorbs
REASON_CLAIM = "LOOKBACK_CLAIM"  # the part it cannot absorb, handed to collection
REASON_OBJECTION = "LOOKBACK_OBJECTION"  # a supplement after an objection upheld once the deduction was made

ENTRY_COLUMNS = {c: t for c, t in LEDGER_COLUMNS.items() if c not in ("entry_id", "run_month")}
EXAMINED_COLUMNS = ("case_id", "period", "lease_id", "org_id", "unit_id", "payee", "income_used_ore",
                    "income_final_ore", "benefit_paid_ore", "benefit_final_ore", "household_changed")


def decide(examined: pd.DataFrame, run_month: str, letter_date: date) -> pd.DataFrame:
    """What each examined period's difference does (§ 8 d; first match wins): an earlier year's
    period goes to that year's annual settlement (stk. 5); a changed household is no lookback
    matter (stk. 3); both thresholds exceeded, strictly, give a supplement or a deduction; else
    nothing (below_threshold, settled in the annual settlement).

    examined: EXAMINED_COLUMNS, one row per case and period, every period before run_month;
    benefit_paid_ore is what the period has net received, earlier corrections and pending hearings
    included. Returns examined plus decision, difference_ore (final - paid), letter_date and
    respond_by (datetime64, set for a deduction only), applied_in (the benefit month whose payment
    carries it: run_month for a supplement, run_month + the delay for a deduction, else '') and
    to_collection_ore (0: known only when the deduction is applied).
    """
    _require(examined, EXAMINED_COLUMNS, "examined")
    out = examined.reset_index(drop=True)
    if (out["period"] >= run_month).any():
        raise ValueError(f"the lookback of {run_month} examines earlier periods only")
    difference = out["benefit_final_ore"].to_numpy(np.int64) - out["benefit_paid_ore"].to_numpy(np.int64)
    decision = pd.Series(_decisions(out, difference, run_month), index=out.index, dtype="str")
    procedure = rules_for(run_month)  # the hearing and delay of the run that sends the letter
    letter = pd.Series(pd.Timestamp(letter_date), index=out.index).astype("datetime64[us]").where(decision == DEDUCTION)
    applied_in = decision.map({SUPPLEMENT: run_month,
                               DEDUCTION: add_months(run_month, procedure.deduction_delay_months)})
    return out.assign(decision=decision, difference_ore=difference, letter_date=letter,
                      respond_by=letter + pd.Timedelta(days=procedure.hearing_days),
                      applied_in=applied_in.fillna("").astype("str"), to_collection_ore=np.int64(0))


def _decisions(examined: pd.DataFrame, difference: np.ndarray, run_month: str) -> np.ndarray:
    income_ore, benefit_ore = _thresholds(examined["period"], run_month)
    income_moved = np.abs(examined["income_final_ore"].to_numpy(np.int64)
                          - examined["income_used_ore"].to_numpy(np.int64)) > income_ore
    corrected = income_moved & (np.abs(difference) > benefit_ore)
    earlier_year = (examined["period"].str.slice(0, 4) < run_month[:4]).to_numpy(bool)
    return np.select(
        [earlier_year, examined["household_changed"].to_numpy(bool), corrected & (difference > 0), corrected],
        [TO_ANNUAL_SETTLEMENT, HOUSEHOLD_CHANGED, SUPPLEMENT, DEDUCTION], BELOW_THRESHOLD)


def _thresholds(periods: pd.Series, run_month: str) -> tuple[np.ndarray, np.ndarray]:
    """Per row the thresholds in force for the period (the law its benefit was paid under). A period
    of an earlier year goes to its annual settlement whatever the thresholds: it takes the run
    month's, so a period before the first set of rules does not stop the run."""
    months = periods.where(periods.str.slice(0, 4) == run_month[:4], run_month)
    rules = {m: rules_for(m) for m in months.unique()}
    income = months.map({m: r.income_ore for m, r in rules.items()}).to_numpy(np.int64)
    benefit = months.map({m: r.benefit_ore for m, r in rules.items()}).to_numpy(np.int64)
    return income, benefit


def correction_entries(decisions: pd.DataFrame) -> pd.DataFrame:
    """The entries a run's decisions book: a supplement (money, paid with this run) per supplement
    and a hearing (not money: the proposed deduction, negative) per deduction, on the period."""
    rows = decisions[decisions["decision"].isin([SUPPLEMENT, DEDUCTION])]
    supplement = (rows["decision"] == SUPPLEMENT).to_numpy()
    return _entries(rows.assign(kind=np.where(supplement, "supplement", "hearing"), amount_ore=rows["difference_ore"],
                                reason_code=np.where(supplement, REASON_SUPPLEMENT, REASON_HEARING)))


def _entries(rows: pd.DataFrame) -> pd.DataFrame:
    rows = rows.fillna({"lease_id": "", "org_id": "", "unit_id": ""})
    rows = rows.sort_values(["case_id", "period", "kind"], kind="stable").reset_index(drop=True)
    return rows[list(ENTRY_COLUMNS)].astype(ENTRY_COLUMNS)


def _require(frame: pd.DataFrame, columns: tuple[str, ...], what: str) -> None:
    missing = [c for c in columns if c not in frame.columns]
    if missing:
        raise ValueError(f"{what} lacks column(s) {', '.join(missing)}")


# --- deductions falling due -----------------------------------------------------------------------

HEARING_COLUMNS = ("case_id", "period", "lease_id", "org_id", "unit_id", "payee", "amount_ore")
APPLIED_COLUMNS = {"case_id": "str", "period": "str", "lease_id": "str", "objection": "str", "proposed_ore": "int64",
                   "deduction_ore": "int64", "deducted_ore": "int64", "to_collection_ore": "int64", "cancelled": "bool"}


def period_received(ledger: pd.DataFrame, rows: pd.DataFrame) -> np.ndarray:
    """What each row's period has net received: the ledger's money entries for its lease (or case
    without a lease, `payouts.benefit_keys`) and period. Hearings, holds and nils are not money."""
    keys = pd.MultiIndex.from_arrays([benefit_keys(rows).to_numpy(), rows["period"].to_numpy()])
    return net_received(ledger).reindex(keys, fill_value=0).to_numpy(np.int64)


def apply_deductions(hearings: pd.DataFrame, objections: pd.DataFrame, accepted_benefit_ore: pd.Series,
                     payable_ore: pd.Series, ledger: pd.DataFrame) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Apply the hearings due in this run: each proposed deduction after its objection, taken from
    this run's payment as far as it goes, the rest a claim for collection (RULES.md § 12.11).

    hearings: the ledger's hearing rows due now (HEARING_COLUMNS, amount_ore < 0; one per case and
        period), i.e. those booked by the run `deduction_delay_months` before this one.
    objections: `Landing.read_objections(run_month)`. Rejected or none: the proposed deduction.
        Upheld without accepted_income: cancelled. Upheld with it: min(0, accepted benefit - what the
        period has received, the hearing not being money), never more than proposed (a larger one
        would need a new hearing); cancelled when 0.
    accepted_benefit_ore: int64 Series indexed by (case_id, period), the period's benefit recomputed
        with the accepted income; needed for every due hearing with an upheld objection carrying
        one (computing it for every such objection is always enough).
    payable_ore: int64 Series indexed by case_id (>= 0), what this run pays the case; missing = 0.
        A case's hearings take from it in period order, oldest first.
    ledger: the ledger before this run (so a rerun computes the same).
    Returns (entries: deduction and claim rows, ENTRY_COLUMNS; applied: APPLIED_COLUMNS, one row
    per hearing, deduction_ore signed as the ledger, deducted_ore and to_collection_ore positive).
    """
    _require(hearings, HEARING_COLUMNS, "hearings")
    if hearings.duplicated(["case_id", "period"]).any() or (hearings["amount_ore"] >= 0).any():
        raise ValueError("hearings must be one per case and period, each a negative amount")
    if (payable_ore < 0).any():
        raise ValueError("payable_ore must not be negative")
    due = _absorbed(_after_objections(hearings, objections, accepted_benefit_ore, ledger), payable_ore)
    taken = due.assign(kind="deduction", amount_ore=-due["deducted_ore"], reason_code=REASON_DEDUCTION)
    claimed = due.assign(kind="claim", amount_ore=-due["to_collection_ore"], reason_code=REASON_CLAIM)
    entries = pd.concat([taken, claimed], ignore_index=True)
    return _entries(entries[entries["amount_ore"] != 0]), due[list(APPLIED_COLUMNS)].astype(APPLIED_COLUMNS)


def _latest_decisions(objections: pd.DataFrame) -> pd.DataFrame:
    latest = objections.sort_values("decided_at", kind="stable").drop_duplicates(["case_id", "period"], keep="last")
    return latest[["case_id", "period", "decision", "accepted_income_ore"]]


def _after_objections(hearings: pd.DataFrame, objections: pd.DataFrame, accepted_benefit_ore: pd.Series,
                      ledger: pd.DataFrame) -> pd.DataFrame:
    due = hearings.merge(_latest_decisions(objections), on=["case_id", "period"], how="left")
    upheld = (due["decision"] == "upheld").to_numpy(bool)
    with_income = upheld & due["accepted_income_ore"].notna().to_numpy(bool)
    proposed = due["amount_ore"].to_numpy(np.int64)
    revised = np.minimum(0, _accepted(due, with_income, accepted_benefit_ore) - period_received(ledger, due))
    deduction = np.where(with_income, np.maximum(revised, proposed), np.where(upheld, 0, proposed))
    return due.assign(objection=due["decision"].fillna("").astype("str"), proposed_ore=proposed,
                      deduction_ore=deduction, cancelled=deduction == 0)


def _accepted(rows: pd.DataFrame, needed: np.ndarray, accepted_benefit_ore: pd.Series) -> np.ndarray:
    """The accepted benefit of each row (0 where not needed); a ValueError naming a case and period
    that needs one and has none. Reindexed with a fill value so no float ever holds the money."""
    keys = pd.MultiIndex.from_arrays([rows["case_id"].to_numpy(), rows["period"].to_numpy()])
    missing = needed & ~keys.isin(accepted_benefit_ore.index)
    if missing.any():
        case, period = keys[missing.argmax()]
        raise ValueError(f"no accepted benefit for the upheld objection of case {mask_text(case)}, period {period}")
    if accepted_benefit_ore.empty:
        return np.zeros(len(rows), dtype=np.int64)
    return accepted_benefit_ore.reindex(keys, fill_value=0).to_numpy(np.int64)


def _absorbed(due: pd.DataFrame, payable_ore: pd.Series) -> pd.DataFrame:
    """deducted_ore: what this run's payment absorbs of each deduction, a case's oldest period first;
    to_collection_ore: the rest. With c the running total of a case's deductions up to a row and d
    the row's own, the payment P absorbs min(c, P) - min(c - d, P) of it."""
    due = due.sort_values(["case_id", "period"], kind="stable").reset_index(drop=True)
    owed = -due["deduction_ore"].to_numpy(np.int64)
    running = pd.Series(owed).groupby(due["case_id"].to_numpy()).cumsum().to_numpy(np.int64)
    payable = payable_ore.reindex(due["case_id"].to_numpy(), fill_value=0).to_numpy(np.int64)
    taken = np.minimum(running, payable) - np.minimum(running - owed, payable)
    return due.assign(deducted_ore=taken, to_collection_ore=owed - taken)


def late_objection_entries(objections: pd.DataFrame, ledger: pd.DataFrame,
                           accepted_benefit_ore: pd.Series) -> pd.DataFrame:
    """Supplements for objections upheld after their deduction was made (corrections.md: a new
    correction). Upheld with accepted_income: what the period is now owed, the accepted benefit less
    what it has received; without: what was deducted and claimed, less what such supplements already
    gave back. Only amounts above 0, so a rerun, or a later run on a ledger holding the supplement,
    books nothing again; a deduction already reduced or cancelled by the objection owes nothing.

    objections: `Landing.read_objections(run_month)`; ledger: before this run;
    accepted_benefit_ore: as for `apply_deductions`, needed here for the periods with a deduction or
    claim booked. Returns supplement rows (ENTRY_COLUMNS, reason LOOKBACK_OBJECTION).
    """
    applied = ledger[ledger["reason_code"].isin([REASON_DEDUCTION, REASON_CLAIM])]
    taken = applied.groupby(["case_id", "period"], as_index=False).agg(
        taken_ore=("amount_ore", "sum"), lease_id=("lease_id", "last"), org_id=("org_id", "last"),
        unit_id=("unit_id", "last"), payee=("payee", "last"))
    upheld = _latest_decisions(objections)
    late = taken.merge(upheld[upheld["decision"] == "upheld"], on=["case_id", "period"], how="inner")
    with_income = late["accepted_income_ore"].notna().to_numpy(bool)
    now_owed = _accepted(late, with_income, accepted_benefit_ore) - period_received(ledger, late)
    owed = np.where(with_income, now_owed, -late["taken_ore"].to_numpy(np.int64) - _given_back(ledger, late))
    late = late.assign(kind="supplement", amount_ore=owed, reason_code=REASON_OBJECTION)
    return _entries(late[owed > 0])


def _given_back(ledger: pd.DataFrame, rows: pd.DataFrame) -> np.ndarray:
    back = ledger[ledger["reason_code"] == REASON_OBJECTION]
    sums = back.groupby(["case_id", "period"])["amount_ore"].sum()
    keys = pd.MultiIndex.from_arrays([rows["case_id"].to_numpy(), rows["period"].to_numpy()])
    return sums.reindex(keys, fill_value=0).to_numpy(np.int64) if len(sums) else np.zeros(len(rows), np.int64)


# --- letters and claims ---------------------------------------------------------------------------

LETTER_KINDS = {DEDUCTION: "lookback_deduction", SUPPLEMENT: "lookback_supplement"}
_MONTH_NAMES = ("januar", "februar", "marts", "april", "maj", "juni", "juli", "august", "september", "oktober",
                "november", "december")


def letters(run_month: str, decisions: pd.DataFrame, recipient_cpr: pd.Series) -> pd.DataFrame:
    """A letter per supplement and per deduction decided in the run (`decide` output).

    recipient_cpr: the applicant's CPR, a Series indexed by case_id. letter_id is
    `<run_month>/<kind>/<case_id>/<period>`: the same on every rerun of the month. amount_ore is
    the difference signed as in the ledger; respond_by is set for a deduction's hearing only.
    """
    rows = decisions[decisions["decision"].isin(list(LETTER_KINDS))].sort_values(["case_id", "period"])
    kind = rows["decision"].map(LETTER_KINDS).astype("str")
    return pd.DataFrame({
        "letter_id": run_month + "/" + kind + "/" + rows["case_id"] + "/" + rows["period"],
        "case_id": rows["case_id"],
        "recipient_cpr": cpr_of_cases(rows["case_id"], recipient_cpr, "recipient"),
        "kind": kind,
        "period": rows["period"],
        "amount_ore": rows["difference_ore"].astype("int64"),
        "respond_by": rows["respond_by"],
        "body": pd.Series([_body(row) for row in rows.itertuples(index=False)], index=rows.index, dtype="str"),
    }).reset_index(drop=True)


def _body(row) -> str:
    """The letter's text. Amounts and dates only: no CPR, and no case id (an id may be CPR-shaped).
    No ';', quote or line break, so the CSV line stays one plain line."""
    facts = (f"Vi har efterreguleret din boligstøtte for {danish_month(row.period)} ud fra de endelige "
             f"indkomstoplysninger i eIndkomst. Husstandens indkomst var {dkk(row.income_final_ore)} kr. om "
             f"måneden, og udbetalingen byggede på {dkk(row.income_used_ore)} kr. Din boligstøtte for måneden "
             f"skulle have været {dkk(row.benefit_final_ore)} kr., og du har fået {dkk(row.benefit_paid_ore)} kr.")
    amount = dkk(abs(row.difference_ore))
    if row.decision == SUPPLEMENT:
        return f"{facts} Du får derfor {amount} kr. ekstra med udbetalingen for {danish_month(row.applied_in)}."
    return (f"{facts} Du har derfor fået {amount} kr. for meget. Vi trækker beløbet i udbetalingen for "
            f"{danish_month(row.applied_in)}, og det, som udbetalingen ikke kan dække, sendes til opkrævning. "
            f"Mener du, at tallene ikke er rigtige, skal du give os besked senest {danish_date(row.respond_by)}.")


def dkk(ore: int) -> str:
    """Danish style: 12.345,50 (whole kroner without decimals)."""
    sign, ore = ("-" if ore < 0 else ""), abs(int(ore))
    kroner = f"{ore // 100:,}".replace(",", ".")
    return f"{sign}{kroner}" + (f",{ore % 100:02d}" if ore % 100 else "")


def danish_month(month: str) -> str:
    return f"{_MONTH_NAMES[int(month[5:7]) - 1]} {month[:4]}"


def danish_date(day: pd.Timestamp) -> str:
    return f"{day.day}. {_MONTH_NAMES[day.month - 1]} {day.year}"


def cpr_of_cases(case_ids: pd.Series, cpr_by_case: pd.Series, role: str) -> pd.Series:
    cpr = case_ids.map(cpr_by_case)
    if cpr.isna().any():
        raise ValueError(f"no {role} CPR for case {mask_text(case_ids[cpr.isna()].iloc[0])}")
    return cpr.astype("str")


def collection_rows(run_month: str, applied: pd.DataFrame, debtor_cpr: pd.Series) -> pd.DataFrame:
    """A claim per applied deduction its payment could not absorb (`apply_deductions`' applied).

    debtor_cpr: the applicant's CPR, a Series indexed by case_id. claim_id is
    `efterregulering/<run_month>/<case_id>/<period>`: stable across reruns. due_date is the run
    month's payout date: the claim arises on the day the payment fails to absorb the deduction.
    """
    claims = applied[applied["to_collection_ore"] > 0].sort_values(["case_id", "period"])
    return pd.DataFrame({
        "claim_id": "efterregulering/" + run_month + "/" + claims["case_id"] + "/" + claims["period"],
        "case_id": claims["case_id"],
        "debtor_cpr": cpr_of_cases(claims["case_id"], debtor_cpr, "debtor"),
        "claim_type": "efterregulering",
        "period_from": claims["period"],
        "period_to": claims["period"],
        "amount_ore": claims["to_collection_ore"].astype("int64"),
        "due_date": pd.Series(pd.Timestamp(payout_date(run_month)), index=claims.index, dtype="datetime64[us]"),
    }).reset_index(drop=True)


# --- files ----------------------------------------------------------------------------------------


def lookback_file(rows: pd.DataFrame) -> bytes:
    """out/lookback/YYYY-MM.csv from `decide` output (to_collection_ore updated where known)."""
    rows = rows.sort_values(["case_id", "period"], kind="stable")
    return csv_bytes(pd.DataFrame({
        "case_id": rows["case_id"],
        "period": rows["period"],
        "income_used": kroner_text(rows["income_used_ore"]),
        "income_final": kroner_text(rows["income_final_ore"]),
        "benefit_paid": _whole_kroner(rows["benefit_paid_ore"], "benefit_paid"),
        "benefit_final": _whole_kroner(rows["benefit_final_ore"], "benefit_final"),
        "difference": _whole_kroner(rows["difference_ore"], "difference"),
        "decision": rows["decision"],
        "letter_date": _iso(rows["letter_date"]),
        "applied_in": rows["applied_in"],
        "to_collection": _whole_kroner(rows["to_collection_ore"], "to_collection"),
    }))


def letters_file(rows: pd.DataFrame) -> bytes:
    """out/letters/YYYY-MM.csv from `letters` rows (other letter kinds may be concatenated first)."""
    rows = rows.sort_values(["case_id", "period", "kind", "letter_id"], kind="stable")
    return csv_bytes(pd.DataFrame({
        "letter_id": rows["letter_id"],
        "case_id": rows["case_id"],
        "recipient_cpr": rows["recipient_cpr"],
        "kind": rows["kind"],
        "period": rows["period"],
        "amount": _whole_kroner(rows["amount_ore"], "amount"),
        "respond_by": _iso(rows["respond_by"]),
        "body": rows["body"],
    }))


def collection_file(rows: pd.DataFrame) -> bytes:
    """out/collection/YYYY-MM.csv from `collection_rows`."""
    rows = rows.sort_values(["case_id", "period_from", "claim_id"], kind="stable")
    return csv_bytes(pd.DataFrame({
        "claim_id": rows["claim_id"],
        "case_id": rows["case_id"],
        "debtor_cpr": rows["debtor_cpr"],
        "claim_type": rows["claim_type"],
        "period_from": rows["period_from"],
        "period_to": rows["period_to"],
        "amount": _whole_kroner(rows["amount_ore"], "amount"),
        "due_date": _iso(rows["due_date"]),
    }))


def kroner_text(ore: pd.Series) -> pd.Series:
    """Kroner with two decimals, from the integers: '1234.50', '-0.05'."""
    values = ore.to_numpy(np.int64)
    whole, part = np.abs(values) // 100, np.abs(values) % 100
    text = [f"{'-' if v < 0 else ''}{w}.{p:02d}" for v, w, p in zip(values, whole, part, strict=True)]
    return pd.Series(text, index=ore.index, dtype="str")


def _whole_kroner(ore: pd.Series, column: str) -> pd.Series:
    """Whole kroner, empty where there is no amount; a ValueError rather than an øre part cut off."""
    filled = pd.Series(ore).notna().to_numpy()
    values = pd.Series(ore).fillna(0).to_numpy(np.int64)
    if (values % 100 != 0).any():
        raise ValueError(f"{column} must be whole kroner, got an amount with øre")
    return pd.Series(np.where(filled, (values // 100).astype(str), ""), index=ore.index).astype("str")


def _iso(days: pd.Series) -> pd.Series:
    return pd.to_datetime(days).dt.strftime("%Y-%m-%d").fillna("").astype("str")
