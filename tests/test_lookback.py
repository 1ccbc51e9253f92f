"""The monthly lookback's money policy (§ 8 d, RULES.md § 7.4 and § 12.11) on small hand-worked frames."""

from datetime import date

import numpy as np
import pandas as pd
import pytest

from boligstoette import lookback as lb
from boligstoette.months import add_months
from boligstoette.payouts import payout_date
from boligstoette.privacy import CPR_LIKE

RUN = "2026-03"
LETTER_DAY = date(2026, 3, 12)
CPR = {"C1": "010190-1234", "C2": "020285-4321", "C3": "030370-1111"}


def _examined(*rows: dict) -> pd.DataFrame:
    """Rows of examined periods; each row gives what it varies, the rest is a plain case."""
    base = {"case_id": "C1", "period": "2026-01", "lease_id": "L1", "org_id": "O1", "unit_id": "U1",
            "payee": "organisation", "income_used_ore": 2_000_000, "income_final_ore": 2_000_000,
            "benefit_paid_ore": 300_000, "benefit_final_ore": 300_000, "household_changed": False}
    frame = pd.DataFrame([base | row for row in rows])
    return frame.astype({c: "int64" for c in frame.columns if c.endswith("_ore")})


# --- the dated figures ----------------------------------------------------------------------------


def test_rules_in_force_and_before_the_first():
    rules = lb.rules_for("2026-03")
    assert (rules.income_ore, rules.benefit_ore, rules.hearing_days, rules.deduction_delay_months) == (80_000, 20_000,
                                                                                                       8, 2)
    assert (rules.law_ref, rules.procedure_ref) == ("§ 8 d stk. 1", "RULES.md § 12.11")
    assert lb.rules_for("2024-01") is lb.RULES[0]
    with pytest.raises(ValueError, match="first set applies from 2024-01"):
        lb.rules_for("2023-12")
    with pytest.raises(ValueError, match="YYYY-MM"):
        lb.rules_for("2026-3")


def test_rule_periods_have_no_gaps_or_overlaps():
    periods = lb.rule_periods()
    assert periods[0][0] == "2024-01" and periods[-1][1] is None
    for (start, end), (next_start, _) in zip(periods, periods[1:], strict=False):
        assert start <= end, "a set ends before it starts: valid_from out of order or repeated (an overlap)"
        assert add_months(end, 1) == next_start, "a gap between two sets"
    assert [r.valid_from for r in lb.RULES] == sorted({r.valid_from for r in lb.RULES})


# --- decisions ------------------------------------------------------------------------------------

# (income_final, benefit_final, household_changed, period) against income used 20,000.00 kr and 3,000 kr paid
BRANCHES = [
    ("supplement", dict(income_final_ore=1_900_000, benefit_final_ore=350_000)),
    ("deduction", dict(income_final_ore=2_100_000, benefit_final_ore=250_000)),
    ("below_threshold", dict(income_final_ore=2_080_000, benefit_final_ore=250_000)),  # income exactly 800.00 more
    ("below_threshold", dict(income_final_ore=1_920_000, benefit_final_ore=350_000)),  # income exactly 800.00 less
    ("below_threshold", dict(income_final_ore=2_100_000, benefit_final_ore=280_000)),  # benefit exactly 200 less
    ("below_threshold", dict(income_final_ore=1_900_000, benefit_final_ore=320_000)),  # benefit exactly 200 more
    ("deduction", dict(income_final_ore=2_080_001, benefit_final_ore=279_900)),  # 800.01 and 201 kr
    ("supplement", dict(income_final_ore=1_919_999, benefit_final_ore=320_100)),  # 800.01 and 201 kr
    ("below_threshold", dict(income_final_ore=2_080_001, benefit_final_ore=300_000)),  # benefit unchanged
    ("household_changed", dict(income_final_ore=2_100_000, benefit_final_ore=250_000, household_changed=True)),
    ("to_annual_settlement", dict(period="2025-12", income_final_ore=2_100_000, benefit_final_ore=250_000)),
    ("to_annual_settlement", dict(period="2025-11", household_changed=True)),  # first match wins
    ("to_annual_settlement", dict(period="2023-06")),  # before the first rules: still only the settlement's
]


@pytest.mark.parametrize("expected, row", BRANCHES)
def test_every_decision_branch(expected, row):
    decided = lb.decide(_examined(row), RUN, LETTER_DAY)
    assert decided["decision"].tolist() == [expected]
    assert decided["difference_ore"].iloc[0] == decided["benefit_final_ore"].iloc[0] - 300_000


def test_supplement_is_paid_now_and_deduction_heard_then_applied_two_months_later():
    decided = lb.decide(_examined(
        dict(case_id="C1", income_final_ore=1_900_000, benefit_final_ore=350_000),
        dict(case_id="C2", lease_id="L2", income_final_ore=2_100_000, benefit_final_ore=250_000),
        dict(case_id="C3", lease_id="L3")), RUN, LETTER_DAY)
    assert decided["decision"].tolist() == ["supplement", "deduction", "below_threshold"]
    assert decided["difference_ore"].tolist() == [50_000, -50_000, 0]
    assert decided["applied_in"].tolist() == ["2026-03", "2026-05", ""]
    assert decided["letter_date"].tolist()[1] == pd.Timestamp("2026-03-12")
    assert decided["respond_by"].tolist()[1] == pd.Timestamp("2026-03-20")
    assert decided[["letter_date", "respond_by"]].drop(index=1).isna().all().all()
    assert decided["to_collection_ore"].tolist() == [0, 0, 0]
    assert str(decided["difference_ore"].dtype) == "int64"


def test_decide_wants_past_periods_and_its_columns():
    with pytest.raises(ValueError, match="earlier periods only"):
        lb.decide(_examined(dict(period=RUN)), RUN, LETTER_DAY)
    with pytest.raises(ValueError, match="household_changed"):
        lb.decide(_examined({}).drop(columns="household_changed"), RUN, LETTER_DAY)
    empty = lb.decide(_examined({}).iloc[:0], RUN, LETTER_DAY)
    assert empty.empty and "decision" in empty.columns and str(empty["difference_ore"].dtype) == "int64"


def test_correction_entries_book_a_supplement_and_a_hearing():
    decided = lb.decide(_examined(
        dict(case_id="C2", lease_id="L2", income_final_ore=2_100_000, benefit_final_ore=250_000),
        dict(case_id="C1", income_final_ore=1_900_000, benefit_final_ore=350_000),
        dict(case_id="C3", lease_id="L3")), RUN, LETTER_DAY)
    entries = lb.correction_entries(decided)
    assert list(entries.columns) == ["period", "case_id", "kind", "amount_ore", "payee", "org_id", "unit_id",
                                     "lease_id", "reason_code"]
    assert entries[["case_id", "kind", "amount_ore", "reason_code", "lease_id", "period"]].values.tolist() == [
        ["C1", "supplement", 50_000, "LOOKBACK_SUPPLEMENT", "L1", "2026-01"],
        ["C2", "hearing", -50_000, "LOOKBACK_HEARING", "L2", "2026-01"],
    ]


# --- deductions falling due -----------------------------------------------------------------------


def _ledger(*rows: tuple) -> pd.DataFrame:
    """(case_id, period, kind, amount_ore, reason_code) with lease L<n> for case C<n>."""
    frame = pd.DataFrame(rows, columns=["case_id", "period", "kind", "amount_ore", "reason_code"])
    return frame.assign(entry_id="x", run_month="2026-02", payee="organisation", org_id="O1",
                        unit_id="U1", lease_id="L" + frame["case_id"].str[1:]).astype({"amount_ore": "int64"})


def _hearings(*rows: tuple) -> pd.DataFrame:
    """(case_id, period, amount_ore): hearing rows as the ledger holds them."""
    return _ledger(*(r[:2] + ("hearing", r[2], "LOOKBACK_HEARING") for r in rows))


def _objections(*rows: tuple) -> pd.DataFrame:
    """(case_id, period, decision, accepted_income_ore or None, decided_at)."""
    frame = pd.DataFrame(rows, columns=["case_id", "period", "decision", "accepted_income_ore", "decided_at"])
    return frame.assign(accepted_income_ore=frame["accepted_income_ore"].astype("Int64"), decided_by="cw",
                        decided_at=pd.to_datetime(frame["decided_at"], utc=True))


NO_OBJECTIONS = _objections()
NO_ACCEPTED = pd.Series(dtype="int64")
PAID = _ledger(("C1", "2026-01", "payment", 300_000, ""), ("C1", "2026-02", "payment", 300_000, ""),
               ("C2", "2026-01", "payment", 300_000, ""))


def _accepted(**by_case_period: int) -> pd.Series:
    keys = [(case, f"{year}-{month}") for case, year, month in (k.split("_") for k in by_case_period)]
    return pd.Series(list(by_case_period.values()), index=pd.MultiIndex.from_tuples(keys), dtype="int64")


def _apply(hearings, objections=NO_OBJECTIONS, accepted=NO_ACCEPTED, payable=None, ledger=PAID):
    payable = pd.Series({"C1": 1_000_000, "C2": 1_000_000} if payable is None else payable, dtype="int64")
    return lb.apply_deductions(hearings, objections, accepted, payable, ledger)


def test_no_objection_and_rejected_objection_deduct_as_proposed():
    objections = _objections(("C2", "2026-01", "rejected", 1_990_000, "2026-03-10T10:00:00+01:00"))
    entries, applied = _apply(_hearings(("C1", "2026-01", -50_000), ("C2", "2026-01", -40_000)), objections)
    assert entries[["case_id", "kind", "amount_ore", "reason_code"]].values.tolist() == [
        ["C1", "deduction", -50_000, "LOOKBACK_DEDUCTION"], ["C2", "deduction", -40_000, "LOOKBACK_DEDUCTION"]]
    assert applied["objection"].tolist() == ["", "rejected"]
    assert applied[["deduction_ore", "deducted_ore", "to_collection_ore"]].values.tolist() == [
        [-50_000, 50_000, 0], [-40_000, 40_000, 0]]
    assert not applied["cancelled"].any()


def test_upheld_objection_with_accepted_income_reduces_the_deduction():
    # the period received 3,000 kr; with the accepted income it is worth 2,800 kr: 200 kr, not 500 kr, is deducted
    objections = _objections(("C1", "2026-01", "upheld", 2_030_000, "2026-04-01T09:00:00+02:00"))
    entries, applied = _apply(_hearings(("C1", "2026-01", -50_000)), objections, _accepted(C1_2026_01=280_000))
    assert entries[["kind", "amount_ore"]].values.tolist() == [["deduction", -20_000]]
    assert applied[["proposed_ore", "deduction_ore", "deducted_ore", "cancelled"]].values.tolist() == [
        [-50_000, -20_000, 20_000, False]]


def test_upheld_objection_cancels_the_deduction():
    # without an accepted income, or with one whose benefit is what the period received
    objections = _objections(("C1", "2026-01", "upheld", None, "2026-04-01T09:00:00+02:00"),
                             ("C2", "2026-01", "upheld", 2_000_000, "2026-04-01T09:00:00+02:00"))
    entries, applied = _apply(_hearings(("C1", "2026-01", -50_000), ("C2", "2026-01", -30_000)), objections,
                              _accepted(C2_2026_01=310_000))
    assert entries.empty and list(entries.columns) == list(lb.ENTRY_COLUMNS)
    assert applied["cancelled"].tolist() == [True, True]
    assert applied[["deduction_ore", "deducted_ore", "to_collection_ore"]].to_numpy().tolist() == [[0, 0, 0]] * 2


def test_upheld_objection_never_deducts_more_than_was_heard():
    objections = _objections(("C1", "2026-01", "upheld", 2_500_000, "2026-04-01T09:00:00+02:00"))
    _, applied = _apply(_hearings(("C1", "2026-01", -50_000)), objections, _accepted(C1_2026_01=100_000))
    assert applied["deduction_ore"].tolist() == [-50_000]


def test_the_latest_objection_decision_wins():
    objections = _objections(("C1", "2026-01", "upheld", None, "2026-04-02T09:00:00+02:00"),
                             ("C1", "2026-01", "rejected", None, "2026-04-01T09:00:00+02:00"))
    _, applied = _apply(_hearings(("C1", "2026-01", -50_000)), objections)
    assert applied["cancelled"].tolist() == [True]


def test_deduction_larger_than_the_payment_sends_the_rest_to_collection():
    entries, applied = _apply(_hearings(("C1", "2026-01", -50_000)), payable={"C1": 35_000})
    assert entries[["kind", "amount_ore", "reason_code"]].values.tolist() == [
        ["claim", -15_000, "LOOKBACK_CLAIM"], ["deduction", -35_000, "LOOKBACK_DEDUCTION"]]
    assert applied[["deducted_ore", "to_collection_ore"]].values.tolist() == [[35_000, 15_000]]
    # a case this run pays nothing: all of it to collection
    entries, _ = _apply(_hearings(("C1", "2026-01", -50_000)), payable={})
    assert entries[["kind", "amount_ore"]].values.tolist() == [["claim", -50_000]]


def test_two_hearings_of_one_case_absorb_oldest_first():
    hearings = _hearings(("C1", "2026-02", -30_000), ("C1", "2026-01", -50_000))
    entries, applied = _apply(hearings, payable={"C1": 60_000})
    assert applied[["period", "deducted_ore", "to_collection_ore"]].values.tolist() == [
        ["2026-01", 50_000, 0], ["2026-02", 10_000, 20_000]]
    assert entries[["period", "kind", "amount_ore"]].values.tolist() == [
        ["2026-01", "deduction", -50_000], ["2026-02", "claim", -20_000], ["2026-02", "deduction", -10_000]]
    assert int(-entries["amount_ore"].sum()) == 80_000  # nothing lost, nothing taken twice


def test_apply_deductions_refuses_what_it_cannot_decide():
    objections = _objections(("010190-1234", "2026-01", "upheld", 2_030_000, "2026-04-01T09:00:00+02:00"))
    hearings = _hearings(("C1", "2026-01", -50_000)).assign(case_id="010190-1234")
    with pytest.raises(ValueError, match="no accepted benefit") as err:
        _apply(hearings, objections, payable={})
    assert "010190-1234" not in str(err.value)
    with pytest.raises(ValueError, match="one per case and period"):
        _apply(_hearings(("C1", "2026-01", -50_000), ("C1", "2026-01", -10_000)))
    with pytest.raises(ValueError, match="negative"):
        _apply(_hearings(("C1", "2026-01", -50_000)), payable={"C1": -1})


def test_period_received_counts_money_of_the_lease_whichever_case():
    ledger = _ledger(("C1", "2026-01", "payment", 300_000, ""),
                     ("C1", "2026-01", "hearing", -50_000, "LOOKBACK_HEARING"),
                     ("C1", "2026-01", "supplement", 10_000, "LOOKBACK_SUPPLEMENT"),
                     ("C1", "2026-01", "hold", 0, "X"))
    other_case = _hearings(("C9", "2026-01", -1)).assign(lease_id="L1")
    assert lb.period_received(ledger, other_case).tolist() == [310_000]


# --- late objections ------------------------------------------------------------------------------

APPLIED_LEDGER = _ledger(("C1", "2026-01", "payment", 300_000, ""),
                         ("C1", "2026-01", "deduction", -30_000, "LOOKBACK_DEDUCTION"),
                         ("C1", "2026-01", "claim", -20_000, "LOOKBACK_CLAIM"),
                         ("C2", "2026-01", "payment", 300_000, ""))
LATE = "2026-06-01T09:00:00+02:00"


def test_objection_upheld_after_the_deduction_gives_back_what_was_taken():
    objections = _objections(("C1", "2026-01", "upheld", None, LATE))
    entries = lb.late_objection_entries(objections, APPLIED_LEDGER, NO_ACCEPTED)
    assert entries[["case_id", "period", "kind", "amount_ore", "reason_code", "lease_id"]].values.tolist() == [
        ["C1", "2026-01", "supplement", 50_000, "LOOKBACK_OBJECTION", "L1"]]
    booked = pd.concat([APPLIED_LEDGER, entries.assign(entry_id="y", run_month="2026-06")], ignore_index=True)
    assert lb.late_objection_entries(objections, booked, NO_ACCEPTED).empty  # booked once only


def test_objection_upheld_late_with_accepted_income_pays_what_the_period_is_owed():
    # received 3,000 - 500 = 2,500 kr; the accepted income makes the period worth 2,800 kr
    objections = _objections(("C1", "2026-01", "upheld", 2_030_000, LATE))
    entries = lb.late_objection_entries(objections, APPLIED_LEDGER, _accepted(C1_2026_01=280_000))
    assert entries["amount_ore"].tolist() == [30_000]
    booked = pd.concat([APPLIED_LEDGER, entries.assign(entry_id="y", run_month="2026-06")], ignore_index=True)
    assert lb.late_objection_entries(objections, booked, _accepted(C1_2026_01=280_000)).empty


def test_rejected_or_untouched_objections_owe_nothing_late():
    objections = _objections(("C1", "2026-01", "rejected", None, LATE), ("C2", "2026-01", "upheld", None, LATE))
    assert lb.late_objection_entries(objections, APPLIED_LEDGER, NO_ACCEPTED).empty


# --- letters, claims and files --------------------------------------------------------------------


def _run_decisions(order=None) -> pd.DataFrame:
    examined = _examined(
        dict(case_id="C1", income_final_ore=1_900_050, benefit_final_ore=350_000),
        dict(case_id="C2", lease_id="L2", income_final_ore=2_100_000, benefit_final_ore=250_000),
        dict(case_id="C2", lease_id="L2", period="2026-02", income_final_ore=2_150_000, benefit_final_ore=240_000),
        dict(case_id="C3", lease_id="L3"))
    return lb.decide(examined.iloc[order] if order else examined, RUN, LETTER_DAY)


def test_letters_carry_signed_amounts_and_a_hearing_deadline():
    rows = lb.letters(RUN, _run_decisions(), pd.Series(CPR))
    assert rows[["letter_id", "kind", "period", "amount_ore", "recipient_cpr"]].values.tolist() == [
        ["2026-03/lookback_supplement/C1/2026-01", "lookback_supplement", "2026-01", 50_000, CPR["C1"]],
        ["2026-03/lookback_deduction/C2/2026-01", "lookback_deduction", "2026-01", -50_000, CPR["C2"]],
        ["2026-03/lookback_deduction/C2/2026-02", "lookback_deduction", "2026-02", -60_000, CPR["C2"]],
    ]
    assert rows["respond_by"].isna().tolist() == [True, False, False]
    assert "20. marts 2026" in rows["body"].iloc[1] and "maj 2026" in rows["body"].iloc[1]
    assert "19.000,50 kr." in rows["body"].iloc[0] and "500 kr. ekstra" in rows["body"].iloc[0]


def test_no_cpr_in_a_letter_body_or_an_error():
    shaped = {"C1": "010190-1234", "C2": "0202854321"}  # with and without the hyphen
    rows = lb.letters(RUN, _run_decisions(), pd.Series(shaped | {"C3": "x"}))
    for body in rows["body"]:
        assert not CPR_LIKE.search(body) and all(c not in body for c in shaped.values())
    decided = _run_decisions().assign(case_id=lambda d: d["case_id"].replace({"C2": "020285-4321"}))
    with pytest.raises(ValueError, match="no recipient CPR") as err:
        lb.letters(RUN, decided, pd.Series(CPR))
    assert "020285-4321" not in str(err.value)


def test_files_are_stable_across_reruns_whatever_the_row_order():
    first, second = _run_decisions(), _run_decisions(order=[3, 2, 1, 0])
    assert lb.lookback_file(first) == lb.lookback_file(second)
    assert lb.letters_file(lb.letters(RUN, first, pd.Series(CPR))) == \
        lb.letters_file(lb.letters(RUN, second, pd.Series(CPR)))
    applied = _apply(_hearings(("C2", "2026-02", -60_000), ("C2", "2026-01", -50_000)), payable={"C2": 70_000})[1]
    again = _apply(_hearings(("C2", "2026-01", -50_000), ("C2", "2026-02", -60_000)), payable={"C2": 70_000})[1]
    assert lb.collection_file(lb.collection_rows(RUN, applied, pd.Series(CPR))) == \
        lb.collection_file(lb.collection_rows(RUN, again, pd.Series(CPR)))


def test_lookback_file_header_and_lines():
    text = lb.lookback_file(_run_decisions()).decode("utf-8")
    assert text.splitlines() == [
        "case_id;period;income_used;income_final;benefit_paid;benefit_final;difference;decision;letter_date;"
        "applied_in;to_collection",
        "C1;2026-01;20000.00;19000.50;3000;3500;500;supplement;;2026-03;0",
        "C2;2026-01;20000.00;21000.00;3000;2500;-500;deduction;2026-03-12;2026-05;0",
        "C2;2026-02;20000.00;21500.00;3000;2400;-600;deduction;2026-03-12;2026-05;0",
        "C3;2026-01;20000.00;20000.00;3000;3000;0;below_threshold;;;0",
    ]
    assert text.endswith("\n") and "\r" not in text
    with pytest.raises(ValueError, match="benefit_final must be whole kroner"):
        lb.lookback_file(_run_decisions().assign(benefit_final_ore=np.int64(300_050)))


def test_letters_file_header_and_a_line():
    lines = lb.letters_file(lb.letters(RUN, _run_decisions(), pd.Series(CPR))).decode("utf-8").splitlines()
    assert lines[0] == "letter_id;case_id;recipient_cpr;kind;period;amount;respond_by;body"
    assert lines[2].startswith("2026-03/lookback_deduction/C2/2026-01;C2;020285-4321;lookback_deduction;2026-01;"
                               "-500;2026-03-20;Vi har efterreguleret")
    assert all(line.count(";") == 7 for line in lines)


def test_collection_rows_and_file():
    applied = _apply(_hearings(("C1", "2026-01", -50_000), ("C2", "2026-01", -40_000)),
                     payable={"C1": 35_000, "C2": 50_000})[1]
    rows = lb.collection_rows(RUN, applied, pd.Series(CPR))
    assert rows[["claim_id", "case_id", "claim_type", "period_from", "period_to", "amount_ore"]].values.tolist() == [
        ["efterregulering/2026-03/C1/2026-01", "C1", "efterregulering", "2026-01", "2026-01", 15_000]]
    assert rows["due_date"].tolist() == [pd.Timestamp(payout_date(RUN))]
    lines = lb.collection_file(rows).decode("utf-8").splitlines()
    assert lines == ["claim_id;case_id;debtor_cpr;claim_type;period_from;period_to;amount;due_date",
                     f"efterregulering/2026-03/C1/2026-01;C1;010190-1234;efterregulering;2026-01;2026-01;150;"
                     f"{payout_date(RUN).isoformat()}"]
    empty = lb.collection_rows(RUN, applied.iloc[:0], pd.Series(CPR))
    assert lb.collection_file(empty) == (lines[0] + "\n").encode()
