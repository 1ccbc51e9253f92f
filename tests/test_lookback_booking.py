"""The ledger's reading and booking rules, and the lookback's money in a month's booking, on their own
(boligstoette.payouts, .recalculation, .corrections; RULES.md § 7.4, § 12.11; contracts/corrections.md).
Small hand-made frames, ledgers built with `book`, and the intermediate values asserted along the way."""

import pandas as pd
import pytest

from boligstoette import codes
from boligstoette import lookback as lb
from boligstoette.corrections import applied_in, book_deductions, claims_booked, hearings_due, payable
from boligstoette.payouts import LEDGER_COLUMNS, book, decided, empty_ledger, net_received, seen_by
from boligstoette.recalculation import DECIDING_TABLES, changed_income_months, decided_periods

INCOME = codes.NO_BENEFIT_INCOME
ROW_COLUMNS = ["case_id", "period", "amount_ore", "payee", "org_id", "unit_id", "lease_id", "reason_code"]
PROVISIONAL, ENTITLEMENTS, URGENT = DECIDING_TABLES[0], DECIDING_TABLES[1], DECIDING_TABLES[-1]


def _row(case: str, period: str, amount_ore: int = 0, lease: str | None = "L1", reason: str = "") -> dict:
    return dict(case_id=case, period=period, amount_ore=amount_ore, payee="organisation", org_id="900",
                unit_id="U" + (lease or "0"), lease_id=lease, reason_code=reason)


def _frame(rows) -> pd.DataFrame:
    return pd.DataFrame(list(rows), columns=ROW_COLUMNS).astype({"amount_ore": "int64"})


def _once(*pairs: tuple[str, dict]) -> pd.DataFrame:
    return pd.DataFrame([{**row, "kind": kind} for kind, row in pairs])


def _book(ledger: pd.DataFrame, run_month: str, due=(), held=(), once=()) -> pd.DataFrame:
    """The entries a run of `run_month` books."""
    return book(run_month, _frame(due), _frame(held), ledger, _once(*once) if once else None)


def _run(ledger: pd.DataFrame, run_month: str, due=(), held=(), once=()) -> pd.DataFrame:
    """The ledger after that run."""
    return pd.concat([ledger, _book(ledger, run_month, due, held, once)], ignore_index=True)


def _ids_unique(ledger: pd.DataFrame) -> bool:
    return not ledger["entry_id"].duplicated().any()


# --- reading the ledger ------------------------------------------------------------------------------


def test_seen_by_is_the_ledger_as_the_runs_of_the_month_and_earlier_left_it():
    ledger = _run(empty_ledger(), "2026-10", due=[_row("K1", "2026-10", 50000)])
    ledger = _run(ledger, "2026-11", due=[_row("K1", "2026-11", 50000)])
    ledger = _run(ledger, "2026-12", due=[_row("K1", "2026-12", 50000)])
    assert seen_by(ledger, "2026-11")["run_month"].tolist() == ["2026-10", "2026-11"]
    assert seen_by(ledger, "2026-12").equals(ledger)
    assert seen_by(ledger, "2026-09").empty
    # an urgent run (booked under its day) during November is after November's run, before December's
    urgent = ledger.assign(run_month=["2026-10", "2026-11-14", "2026-12"])
    assert seen_by(urgent, "2026-11")["run_month"].tolist() == ["2026-10"]
    assert seen_by(urgent, "2026-12")["run_month"].tolist() == ["2026-10", "2026-11-14", "2026-12"]


def test_net_received_sums_the_money_of_each_lease_and_period_whichever_case():
    ledger = _run(empty_ledger(), "2026-10", due=[_row("K1", "2026-10", 100000)])
    ledger = _run(ledger, "2026-11", due=[_row("K9", "2026-10", 80000)],  # the lease, another case: -20000
                  held=[_row("K5", "2026-11", 70000, lease=None, reason="DQ_RENT_DROP")])  # a hold is not money
    ledger = _run(ledger, "2026-12", once=[("supplement", _row("K1", "2026-10", 5000)),
                                           ("hearing", _row("K1", "2026-10", -9000)),  # not money
                                           ("deduction", _row("K1", "2026-10", -3000)),
                                           ("claim", _row("K1", "2026-10", -2000)),
                                           ("nil", _row("K2", "2026-12", lease="L2", reason=INCOME))])
    assert sorted(ledger["kind"]) == ["claim", "deduction", "hearing", "hold", "nil", "payment", "recovery",
                                      "supplement"]
    assert _ids_unique(ledger)
    got = net_received(ledger)
    assert got.to_dict() == {("L1", "2026-10"): 100000 - 20000 + 5000 - 3000 - 2000}


def test_decided_holds_both_the_lease_and_the_case_of_each_decided_period():
    ledger = _run(empty_ledger(), "2026-10", due=[_row("K1", "2026-10", 50000),
                                                 _row("K2", "2026-10", 0, lease=None, reason=INCOME)],
                  held=[_row("K3", "2026-10", 0, lease="L3", reason="DQ_RENT_DROP")],
                  once=[("hearing", _row("K4", "2026-08", -5000, lease="L4")),
                        ("case_ended", _row("K5", "2026-10", lease="L5"))])
    assert sorted(ledger["kind"]) == ["case_ended", "hearing", "hold", "nil", "payment"]
    assert sorted(decided(ledger).tolist()) == [("K1", "2026-10"), ("K2", "2026-10"), ("L1", "2026-10"),
                                               ("case:K2", "2026-10")]
    assert decided(empty_ledger()).empty


# --- booking: nil and `once` entries ---------------------------------------------------------------


def test_a_nil_is_booked_once_for_a_period_first_decided_at_zero():
    first = _book(empty_ledger(), "2026-10", due=[_row("K1", "2026-10", 0, reason=INCOME)])
    assert first[["entry_id", "run_month", "kind", "amount_ore", "reason_code"]].values.tolist() == [
        ["L1/2026-10/nil/0", "2026-10", "nil", 0, INCOME]]
    assert list(first.columns) == list(LEDGER_COLUMNS) and first["amount_ore"].dtype == "int64"
    ledger = pd.concat([empty_ledger(), first], ignore_index=True)
    # a rerun, and a later run still finding nothing due, book nothing
    assert _book(ledger, "2026-10", due=[_row("K1", "2026-10", 0, reason=INCOME)]).empty
    assert _book(ledger, "2026-12", due=[_row("K1", "2026-10", 0, reason=INCOME)]).empty
    # nor under another case on the lease
    assert _book(ledger, "2026-12", due=[_row("K9", "2026-10", 0, reason=INCOME)]).empty
    # a later amount due is paid (a nil is no money), not a second nil
    later = _book(ledger, "2026-12", due=[_row("K1", "2026-10", 30000)])
    assert later[["entry_id", "kind", "amount_ore"]].values.tolist() == [["L1/2026-10/payment/0", "payment", 30000]]


def test_a_held_period_later_decided_at_zero_gets_its_nil_and_a_paid_one_a_recovery():
    ledger = _run(empty_ledger(), "2026-10", held=[_row("K1", "2026-10", 0, reason="DQ_RENT_DROP")],
                  due=[_row("K2", "2026-10", 40000, lease="L2")])
    assert ledger["kind"].tolist() == ["hold", "payment"]  # sorted by case
    now = _book(ledger, "2026-11", due=[_row("K1", "2026-10", 0, reason=INCOME), _row("K2", "2026-10", 0, lease="L2")])
    assert now[["entry_id", "kind", "amount_ore"]].values.tolist() == [
        ["L1/2026-10/nil/0", "nil", 0], ["L2/2026-10/recovery/0", "recovery", -40000]]


def test_a_once_entry_is_not_booked_again_by_a_rerun_of_its_run_month():
    ledger = _run(empty_ledger(), "2026-10", due=[_row("K1", "2026-10", 100000)])
    supplement = ("supplement", _row("K1", "2026-10", 20000, reason=lb.REASON_SUPPLEMENT))
    ledger = _run(ledger, "2026-12", once=[supplement])
    assert ledger["entry_id"].tolist() == ["L1/2026-10/payment/0", "L1/2026-10/supplement/0"]
    assert net_received(ledger).to_dict() == {("L1", "2026-10"): 120000}
    # the rerun books nothing, even when it decided another amount (the kind per lease and period counts)
    assert _book(ledger, "2026-12", once=[supplement]).empty
    other = ("supplement", _row("K9", "2026-10", 25000, reason=lb.REASON_SUPPLEMENT))
    assert _book(ledger, "2026-12", once=[other]).empty
    # another kind for the same lease and period in the rerun is still booked
    hearing = _book(ledger, "2026-12", once=[("hearing", _row("K1", "2026-10", -7000))])
    assert hearing["entry_id"].tolist() == ["L1/2026-10/hearing/0"]


def test_the_same_kind_for_the_same_period_under_another_run_month_gets_the_next_entry_id():
    ledger = _run(empty_ledger(), "2026-10", due=[_row("K1", "2026-10", 100000)])
    supplement = ("supplement", _row("K1", "2026-10", 20000, reason=lb.REASON_SUPPLEMENT))
    ledger = _run(ledger, "2026-12", once=[supplement])
    again = _book(ledger, "2027-01", once=[("supplement", _row("K1", "2026-10", 5000))])
    assert again[["entry_id", "run_month", "amount_ore"]].values.tolist() == [
        ["L1/2026-10/supplement/1", "2027-01", 5000]]
    ledger = pd.concat([ledger, again], ignore_index=True)
    assert _ids_unique(ledger) and net_received(ledger).to_dict() == {("L1", "2026-10"): 125000}
    # an earlier month run after a later one (out of order) counts the later one's ids too
    late_first = _book(ledger, "2026-11", once=[("supplement", _row("K1", "2026-10", 1000))])
    assert late_first["entry_id"].tolist() == ["L1/2026-10/supplement/2"]
    assert _ids_unique(pd.concat([ledger, late_first], ignore_index=True))


def test_two_once_entries_of_one_kind_in_one_run_and_money_beside_them_keep_unique_ids():
    entries = _book(empty_ledger(), "2026-12", due=[_row("K1", "2026-12", 50000), _row("K1", "2026-10", 10000)],
                    once=[("supplement", _row("K1", "2026-10", 3000)), ("supplement", _row("K9", "2026-10", 2000)),
                          ("case_ended", _row("K1", "2026-12", reason=codes.CASE_ENDED_INCOME))])
    assert sorted(entries["entry_id"]) == ["L1/2026-10/payment/0", "L1/2026-10/supplement/0",
                                           "L1/2026-10/supplement/1", "L1/2026-12/case_ended/0",
                                           "L1/2026-12/payment/0"]
    assert (entries["run_month"] == "2026-12").all()


# --- which income months changed (RULES § 7.4, § 12.11) ------------------------------------------------


def _eindkomst(*rows: tuple) -> pd.DataFrame:
    """(cpr, month, amount_ore, reported_at)."""
    frame = pd.DataFrame(rows, columns=["cpr", "month", "amount_ore", "reported_at"])
    return frame.assign(reported_at=pd.to_datetime(frame["reported_at"], utc=True))


PREVIOUS_CUTOFF = pd.Timestamp("2026-11-20 22:59:59", tz="UTC")


def test_an_income_month_known_at_the_previous_cut_off_is_unchanged_and_a_later_delivery_is_changed():
    eindkomst = _eindkomst(
        ("0101801234", "2026-09", 2500000, "2026-10-05 08:00:00"),  # known then
        ("0202802345", "2026-09", 1000000, "2026-10-06 08:00:00"),
        ("0101801234", "2026-10", 2500000, "2026-11-20 22:59:59"),  # reported exactly at the cut-off
        ("0101801234", "2026-08", 2600000, "2026-09-05 08:00:00"),  # a re-delivery: one row reported later
        ("0202802345", "2026-08", 1100000, "2026-11-25 09:00:00"),
        ("0101801234", "2026-11", 2500000, "2026-12-04 08:00:00"),  # arrived since
    )
    latest = eindkomst.groupby("month")["reported_at"].max()
    assert (latest > PREVIOUS_CUTOFF).to_dict() == {"2026-08": True, "2026-09": False, "2026-10": False,
                                                     "2026-11": True}
    assert changed_income_months(eindkomst, PREVIOUS_CUTOFF) == ["2026-08", "2026-11"]
    assert changed_income_months(eindkomst.iloc[0:0], PREVIOUS_CUTOFF) == []


# --- which periods were decided, and where their calc rows are ------------------------------------------


def _decided_ledger() -> pd.DataFrame:
    ledger = _run(empty_ledger(), "2026-08", due=[_row("K1", "2026-08", 50000)])  # before go-live below
    ledger = _run(ledger, "2026-09", held=[_row("K1", "2026-09", reason="DQ_RENT_DROP")])
    ledger = _run(ledger, "2026-10", due=[_row("K1", "2026-10", 50000), _row("K1", "2026-09", 45000),  # back month
                                          _row("K3", "2026-10", 0, lease="L3", reason=INCOME)])
    ledger = _run(ledger, "2026-11", due=[_row("K9", "2026-10", 0)])  # the lease under another case: recovery
    return _run(ledger, "2026-12", due=[_row("K4", "2026-10", 30000, lease="L4")])  # a back month two later


def test_decided_periods_one_row_per_lease_and_period_from_the_deciding_entry():
    ledger = _decided_ledger()
    assert ledger[["entry_id", "run_month"]].values.tolist() == [
        ["L1/2026-08/payment/0", "2026-08"], ["L1/2026-09/hold/0", "2026-09"],
        ["L1/2026-09/payment/0", "2026-10"], ["L1/2026-10/payment/0", "2026-10"], ["L3/2026-10/nil/0", "2026-10"],
        ["L1/2026-10/recovery/0", "2026-11"], ["L4/2026-10/payment/0", "2026-12"]]
    got = decided_periods(ledger, ["2026-08", "2026-09", "2026-10"], "2026-09")
    assert list(got.columns) == ["key", "case_id", "period", "run_month", "lease_id", "org_id", "unit_id", "payee",
                                 "table"]
    assert got[["key", "case_id", "period", "run_month", "table"]].values.tolist() == [
        ["L1", "K1", "2026-09", "2026-10", ENTITLEMENTS],   # held in its month, decided by October as a back month
        ["L1", "K1", "2026-10", "2026-10", PROVISIONAL],    # its own run; the later recovery under K9 is not it
        ["L3", "K3", "2026-10", "2026-10", PROVISIONAL],    # decided with nothing due
        ["L4", "K4", "2026-10", "2026-12", ENTITLEMENTS],
    ]
    # only the months asked for, from go-live on
    assert decided_periods(ledger, ["2026-09"], "2026-09")["period"].tolist() == ["2026-09"]
    assert decided_periods(ledger, ["2026-08"], "2026-09").empty
    assert decided_periods(ledger, ["2026-08"], "2026-08")["table"].tolist() == [PROVISIONAL]
    assert decided_periods(ledger, [], "2026-01").empty


def test_a_period_decided_by_an_urgent_run_has_its_calc_row_with_the_urgent_payouts():
    assert URGENT == "urgent_payouts"
    ledger = _run(empty_ledger(), "2026-10-14", due=[_row("K1", "2026-10", 30000)])  # mid-October, a day
    ledger = _run(ledger, "2026-11", due=[_row("K1", "2026-11", 50000)])
    got = decided_periods(ledger, ["2026-10", "2026-11"], "2026-01")
    assert got[["period", "run_month", "table"]].values.tolist() == [["2026-10", "2026-10-14", URGENT],
                                                                     ["2026-11", "2026-11", PROVISIONAL]]


def test_the_deciding_entry_is_the_first_booked_not_a_later_deduction_or_claim():
    ledger = _run(empty_ledger(), "2026-10", due=[_row("K1", "2026-10", 100000)])
    ledger = _run(ledger, "2026-11", once=[("hearing", _row("K1", "2026-10", -30000, reason=lb.REASON_HEARING))])
    ledger = _run(ledger, "2027-01", once=[("deduction", _row("K1", "2026-10", -20000, reason=lb.REASON_DEDUCTION)),
                                           ("claim", _row("K1", "2026-10", -10000, reason=lb.REASON_CLAIM))])
    assert ledger["entry_id"].tolist() == ["L1/2026-10/payment/0", "L1/2026-10/hearing/0", "L1/2026-10/claim/0",
                                           "L1/2026-10/deduction/0"]
    got = decided_periods(ledger, ["2026-10"], "2026-01")
    # the calc row is the October run's provisional allowance
    assert got[["run_month", "table"]].values.tolist() == [["2026-10", PROVISIONAL]]


# --- hearings falling due, and the deductions taken from this run's payment (RULES § 12.11) -----------


def _hearing(case: str, period: str, amount_ore: int, lease: str = "L1") -> tuple[str, dict]:
    return "hearing", _row(case, period, amount_ore, lease=lease, reason=lb.REASON_HEARING)


def _hearings_ledger() -> pd.DataFrame:
    ledger = _run(empty_ledger(), "2026-07", due=[_row("K1", "2026-07", 100000), _row("K2", "2026-07", 90000, "L2")])
    ledger = _run(ledger, "2026-09", once=[_hearing("K1", "2026-07", -5000)])  # due in November
    ledger = _run(ledger, "2026-10", once=[_hearing("K1", "2026-08", -30000)])  # due in December
    ledger = _run(ledger, "2026-11", once=[_hearing("K2", "2026-09", -10000, "L2"),  # due in January
                                           ("deduction", _row("K1", "2026-07", -5000, reason=lb.REASON_DEDUCTION))])
    return ledger


def test_hearings_due_are_those_booked_two_run_months_earlier():
    assert lb.rules_for("2026-12").deduction_delay_months == 2
    ledger = _hearings_ledger()
    got = hearings_due(ledger, "2026-12")
    assert list(got.columns) == list(lb.HEARING_COLUMNS)
    assert got[["case_id", "period", "lease_id", "amount_ore"]].values.tolist() == [["K1", "2026-08", "L1", -30000]]
    # November's hearing was applied by November's own run; January's is not due yet
    assert hearings_due(ledger, "2026-11").empty
    assert hearings_due(ledger, "2027-01")["case_id"].tolist() == ["K2"]


@pytest.mark.parametrize("kind", ["deduction", "claim"])
def test_a_hearing_applied_by_a_deduction_or_claim_of_this_run_month_is_not_due_again(kind):
    ledger = _hearings_ledger()
    applied = _run(ledger, "2026-12", once=[(kind, _row("K1", "2026-08", -30000))])
    assert hearings_due(applied, "2026-12").empty
    # applied for another lease, or by another run month: still due
    other_lease = _run(ledger, "2026-12", once=[(kind, _row("K1", "2026-08", -30000, lease="L7"))])
    assert hearings_due(other_lease, "2026-12")["period"].tolist() == ["2026-08"]
    later = _run(ledger, "2027-01", once=[(kind, _row("K1", "2026-08", -30000))])
    assert hearings_due(later, "2026-12")["period"].tolist() == ["2026-08"]


def test_payable_is_what_this_run_pays_each_case_never_negative():
    entries = _book(empty_ledger(), "2026-12",
                    due=[_row("K1", "2026-12", 50000), _row("K2", "2026-12", 40000, lease="L2"),
                         _row("K3", "2026-12", 0, lease="L3", reason=INCOME)],
                    once=[("supplement", _row("K1", "2026-10", 7000)), ("hearing", _row("K2", "2026-10", -9000, "L2")),
                          ("deduction", _row("K2", "2026-09", -4000, lease="L2"))])
    assert sorted(entries["kind"]) == ["deduction", "hearing", "nil", "payment", "payment", "supplement"]
    assert payable(entries).to_dict() == {"K1": 57000, "K2": 40000}  # hearings and deductions are not paid
    recovered = _book(pd.concat([empty_ledger(), entries], ignore_index=True), "2027-01",
                      due=[_row("K1", "2026-12", 20000)])
    assert recovered["kind"].tolist() == ["recovery"] and payable(recovered).to_dict() == {"K1": 0}
    # a recovery in the same run lowers what a deduction can be taken from
    both = pd.concat([entries[entries["case_id"] == "K1"], recovered], ignore_index=True)
    assert payable(both).to_dict() == {"K1": 57000 - 30000}
    negative = entries.assign(amount_ore=-entries["amount_ore"].abs())  # a payment can never take money back
    assert payable(negative).to_dict() == {"K1": 0, "K2": 0}
    assert payable(entries).dtype == "int64"


def _no_objections() -> pd.DataFrame:
    return pd.DataFrame({"case_id": pd.Series(dtype="str"), "period": pd.Series(dtype="str"),
                         "decision": pd.Series(dtype="str"), "accepted_income_ore": pd.Series(dtype="Int64"),
                         "decided_by": pd.Series(dtype="str"), "decided_at": pd.Series(dtype="datetime64[us, UTC]")})


def test_book_deductions_takes_the_hearing_from_this_runs_payment_and_claims_the_rest_once():
    ledger = _hearings_ledger()
    entries = _book(ledger, "2026-12", due=[_row("K1", "2026-12", 20000)])
    assert payable(entries).to_dict() == {"K1": 20000}
    empty_due = _frame([])
    taken = book_deductions("2026-12", ledger, entries, _no_objections(), pd.Series(dtype="int64"), empty_due)
    assert taken[["entry_id", "kind", "amount_ore", "reason_code"]].values.tolist() == [
        ["L1/2026-08/claim/0", "claim", -10000, lb.REASON_CLAIM],
        ["L1/2026-08/deduction/0", "deduction", -20000, lb.REASON_DEDUCTION]]
    booked = pd.concat([ledger, entries, taken], ignore_index=True)
    assert _ids_unique(booked)
    assert hearings_due(booked, "2026-12").empty
    assert claims_booked(booked, "2026-12").values.tolist() == [["K1", "2026-08", 10000]]
    # the rerun: nothing new is due, nothing is booked
    rerun = _book(booked, "2026-12", due=[_row("K1", "2026-12", 20000)])
    assert rerun.empty
    assert book_deductions("2026-12", booked, rerun, _no_objections(), pd.Series(dtype="int64"), empty_due).empty


# --- the claims of the lookback file and the collection file -----------------------------------------


def _claims_ledger() -> pd.DataFrame:
    ledger = _run(empty_ledger(), "2027-01", once=[("claim", _row("K1", "2026-10", -3000)),
                                                   ("claim", _row("K1", "2026-09", -1500)),
                                                   ("deduction", _row("K1", "2026-10", -9000)),
                                                   ("claim", _row("K2", "2026-10", -700, lease="L2"))])
    return _run(ledger, "2027-02", once=[("claim", _row("K3", "2026-11", -400, lease="L3"))])


def test_claims_booked_are_the_claims_of_the_months_runs_as_positive_ore():
    ledger = _claims_ledger()
    got = claims_booked(ledger, "2027-01")
    assert list(got.columns) == ["case_id", "period", "to_collection_ore"]
    assert got.values.tolist() == [["K1", "2026-09", 1500], ["K1", "2026-10", 3000], ["K2", "2026-10", 700]]
    assert claims_booked(ledger, "2027-02").values.tolist() == [["K3", "2026-11", 400]]
    assert claims_booked(ledger, "2026-12").empty


def _decisions(*rows: tuple) -> pd.DataFrame:
    """(case_id, period, decision, applied_in)."""
    return pd.DataFrame(rows, columns=["case_id", "period", "decision", "applied_in"])


def test_applied_in_shows_what_went_to_collection_for_deductions_only():
    ledger = _claims_ledger()
    decisions = _decisions(("K1", "2026-10", "deduction", "2027-01"), ("K1", "2026-09", "supplement", "2026-11"),
                           ("K2", "2026-10", "deduction", "2027-01"), ("K4", "2026-10", "deduction", "2027-01"),
                           ("K3", "2026-11", "below_threshold", ""))
    got = applied_in(ledger, decisions)
    assert got.drop(columns="to_collection_ore").equals(decisions)
    assert got["to_collection_ore"].tolist() == [3000, 0, 700, 0, 0]
    assert applied_in(empty_ledger(), decisions)["to_collection_ore"].tolist() == [0] * 5


def test_applied_in_counts_only_the_claim_of_the_decisions_own_deduction():
    # two lookbacks deducted from October (hearings in November and December), each partly claimed
    ledger = _run(empty_ledger(), "2027-01", once=[("claim", _row("K1", "2026-10", -3000))])
    ledger = _run(ledger, "2027-02", once=[("claim", _row("K1", "2026-10", -2000))])
    november = _decisions(("K1", "2026-10", "deduction", "2027-01"))
    assert applied_in(ledger, november)["to_collection_ore"].tolist() == [3000]
