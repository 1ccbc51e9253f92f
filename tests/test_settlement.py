"""The annual settlement's pure logic (boligstoette/settlement.py; RULES.md § 7.6, § 12.13; corrections.md)
on small hand-made frames, with the intermediate values asserted and the numbers worked by hand.

Amounts are øre. The running example is the C02 dwelling of tests/test_year_e2e.py: 40,716 kr paid over the
year; final 45,060 kr at 96,000 kr (+4,344 kr), 27,756 kr at 264,000 kr (-12,960 kr), 36,216 kr at 217,000 kr.
`decide` takes the final amounts as given, so they are only plausible numbers here, not the calc engine's.
"""

from datetime import date

import numpy as np
import pandas as pd
import pytest

from boligstoette import settlement as st
from boligstoette.payouts import LEDGER_COLUMNS, empty_ledger
from boligstoette.privacy import CPR_LIKE

YEAR = 2025
A, B, C, D = "010190-1111", "020285-2222", "030370-3333", "040465-4444"
P, Q = "150550-1020", "160645-1030"  # pensioners
MARCH = pd.Timestamp("2026-03-10T08:00:00+01:00").tz_convert("UTC")
APRIL = pd.Timestamp("2026-04-10T08:00:00+02:00").tz_convert("UTC")
PAID = 4_071_600  # 40,716 kr: twelve months of 3,393 kr


def kr(kroner: float) -> int:
    return round(kroner * 100)


# --- frames ---------------------------------------------------------------------------------------


def _adults(*rows: tuple) -> pd.DataFrame:
    """(case_id, cpr, period[, pension]) -> adults_by_period's shape."""
    return pd.DataFrame([dict(case_id=r[0], cpr=r[1], period=r[2], pension=r[3] if len(r) > 3 else "ingen")
                         for r in rows])


def _assessed(*rows: tuple) -> pd.DataFrame:
    """(cpr, personal øre, other øre[, appealed[, assessed_at]]) -> read_year_assessments' shape."""
    return pd.DataFrame([dict(cpr=r[0], year=YEAR, personal_income_ore=r[1], other_income_ore=r[2], wealth_ore=0,
                              assessed_at=r[4] if len(r) > 4 else MARCH, appealed=r[3] if len(r) > 3 else False)
                         for r in rows]).astype({"personal_income_ore": "int64", "other_income_ore": "int64"})


def _ledger(*rows: tuple) -> pd.DataFrame:
    """(run_month, period, case_id, kind, amount øre[, lease_id[, reason_code]]) in booking order; entry ids
    `key/period/kind/n` as payouts.with_entry_ids gives them."""
    seen: dict[str, int] = {}
    entries = []
    for r in rows:
        run_month, period, case_id, kind, amount = r[:5]
        lease = r[5] if len(r) > 5 else ""
        stem = f"{lease or 'case:' + case_id}/{period}/{kind}"
        seen[stem] = seen.get(stem, -1) + 1
        entries.append(dict(entry_id=f"{stem}/{seen[stem]}", run_month=run_month, period=period, case_id=case_id,
                            kind=kind, amount_ore=amount, payee="applicant" if kind.startswith("settlement") else
                            "organisation", org_id="", unit_id="", lease_id=lease,
                            reason_code=r[6] if len(r) > 6 else ""))
    return pd.concat([empty_ledger(), pd.DataFrame(entries)], ignore_index=True).astype(LEDGER_COLUMNS)


def _computed(**cases: dict) -> pd.DataFrame:
    """case_id -> its computed facts; the unnamed ones are a plain, ready case."""
    base = dict(final_ore=PAID, paid_ore=PAID, basis=f"{A}:19200000", appealed=False, waiting_pension=False,
                assessed_on=MARCH)
    frame = pd.DataFrame([base | facts for facts in cases.values()], index=pd.Index(list(cases), name="case_id"))
    return frame.astype({"final_ore": "int64", "paid_ore": "int64"})


def _row(case_id: str, paid: int, final: int, decision: str, basis: str, booked_in: str = "2026-01",
         reopened: bool = False, assessed_on: str = "2026-03-10") -> dict:
    carried = decision in (st.PAY_OUT, st.CLAIM_BACK)
    return dict(case_id=case_id, year=YEAR, paid_ore=paid, final_ore=final, difference_ore=final - paid,
                decision=decision, reopened=reopened, applied_in=booked_in if carried else "", booked_in=booked_in,
                basis=basis, assessed_on=assessed_on)


def _rows(*rows: dict) -> pd.DataFrame:
    return pd.concat([st.empty_rows(), pd.DataFrame(list(rows))], ignore_index=True).astype(st.ROW_COLUMNS)


def _settled(ledger: pd.DataFrame) -> pd.DataFrame:
    return ledger[ledger["kind"].isin(st.SETTLEMENT_KINDS) & (ledger["period"] == str(YEAR))]


def _shown(rows: pd.DataFrame) -> list[list]:
    columns = ["case_id", "paid_ore", "final_ore", "difference_ore", "decision", "reopened", "applied_in",
               "booked_in", "book"]
    return rows[columns].values.tolist()


# --- the thresholds -------------------------------------------------------------------------------


def test_threshold_decision_250_kr_either_way_counts():
    difference = np.array([kr(249.99), kr(250), kr(-250), kr(-249.99), 0, kr(12_960), kr(-12_960)], dtype=np.int64)
    assert st.THRESHOLD_ORE == 25_000
    assert st.threshold_decision(difference).tolist() == [
        "below_threshold", "pay_out", "claim_back", "below_threshold", "below_threshold", "pay_out", "claim_back"]


@pytest.mark.parametrize("before, now, expected", [
    (f"{A}:19200000", f"{A}:21700000", True),  # +25,000.00 kr
    (f"{A}:19200000", f"{A}:21699999", False),  # +24,999.99 kr
    (f"{A}:21700000", f"{A}:19200000", True),  # -25,000.00 kr
    (f"{A}:21700000", f"{A}:19200001", False),  # -24,999.99 kr
    (f"{A}:19200000", f"{A}:19200000|{B}:3000000", True),  # an adult added with 30,000 kr
    (f"{A}:19200000", f"{A}:19200000|{B}:1000000", False),  # an adult added with 10,000 kr
    (f"{A}:19200000|{B}:3000000", f"{A}:19200000", True),  # an adult gone with 30,000 kr
    (f"{A}:10000000|{B}:10000000", f"{A}:11500000|{B}:11500000", False),  # +30,000 over two adults: per adult
    (f"{A}:10000000|{B}:10000000", f"{A}:12500000|{B}:7500000", True),  # household unchanged, each adult ±25,000
    (f"{A}:-500000", f"{A}:2000000", True),  # from a loss of 5,000 to 20,000 kr
    (f"{A}:19200000", f"{A}:19200000", False),
])
def test_reopens_per_adult_from_25000_kr(before, now, expected):
    assert st.REOPENING_ORE == 2_500_000
    assert st.reopens(before, now) is expected


# --- what the year gives and what it received ------------------------------------------------------


def test_period_incomes_sum_the_adults_and_tell_whether_all_are_assessed():
    adults = _adults(("C1", A, "2025-01"), ("C1", B, "2025-01"), ("C1", A, "2025-02"),
                     ("C2", C, "2025-01"),  # not assessed
                     ("C3", A, "2025-03"), ("C3", D, "2025-03"))  # one of two assessed
    assessed = _assessed((A, kr(100_000), kr(500.50)), (B, kr(50_000), 0), (D, kr(-2_000), kr(1_000)))
    incomes = st.period_incomes(adults, assessed)
    assert incomes.values.tolist() == [
        ["C1", "2025-01", kr(100_500.50) + kr(50_000), True],  # 150,500.50 kr: both adults
        ["C1", "2025-02", kr(100_500.50), True],  # B was not in the household in February
        ["C2", "2025-01", 0, False],
        ["C3", "2025-03", kr(100_500.50) + kr(-1_000), True],  # D: a loss of 2,000 less 1,000 outside eIndkomst
    ]
    missing = st.period_incomes(_adults(("C3", A, "2025-03"), ("C3", C, "2025-03")), assessed)
    assert missing.values.tolist() == [["C3", "2025-03", kr(100_500.50), False]]


def test_received_by_case_nets_the_periods_by_lease_and_adds_the_years_earlier_settlements():
    rows = pd.DataFrame({"case_id": ["C1", "C1", "C1", "C2"], "period": ["2025-01", "2025-02", "2025-03", "2025-01"],
                         "lease_id": ["L1", "L1", "L1", ""]})
    ledger = _ledger(
        ("2025-01", "2025-01", "C1", "payment", 339_300, "L1"),
        ("2025-02", "2025-02", "C1", "payment", 339_300, "L1"),
        ("2025-03", "2025-02", "C1", "recovery", -50_000, "L1"),
        ("2025-03", "2025-02", "C1", "supplement", 10_000, "L1"),
        ("2025-04", "2025-02", "C1", "deduction", -20_000, "L1"),
        ("2025-04", "2025-02", "C1", "claim", -5_000, "L1"),
        ("2025-02", "2025-02", "C1", "hearing", -20_000, "L1"),  # not money
        ("2025-03", "2025-03", "C0", "payment", 339_300, "L1"),  # the lease's March, booked under an older case id
        ("2025-04", "2025-04", "C1", "payment", 339_300, "L1"),  # not one of the rows' periods
        ("2025-01", "2025-01", "C2", "hold", 100_000),  # not money
        ("2025-02", "2025-01", "C2", "payment", 100_000),  # no lease: the case's key
        ("2026-01", "2025", "C1", "settlement_payout", 434_400, "", "pay_out"),  # the year's earlier settlement
        ("2026-01", "2025", "C2", "settlement_nil", 0, "", "below_threshold"),
        ("2025-02", "2024", "C1", "settlement_claim", -700_000, "", "claim_back"),  # another year's
        ("2026-01", "2025", "C9", "settlement_claim", -300_000, "", "claim_back"),  # a case without rows here
    )
    received = st.received_by_case(rows, ledger, YEAR)
    january, february, march = 339_300, 339_300 - 50_000 + 10_000 - 20_000 - 5_000, 339_300
    assert february == 274_300
    assert received.to_dict() == {"C1": january + february + march + 434_400, "C2": 100_000, "C9": -300_000}
    assert received["C1"] == 1_387_300 and received.dtype == np.int64


def test_case_facts_basis_appeal_pension_and_latest_assessment():
    adults = _adults(("C1", B, "2025-02"), ("C1", A, "2025-01"), ("C1", B, "2025-01"),  # order and repeats differ
                     ("C2", C, "2025-01"), ("C2", D, "2025-01"),
                     ("C3", P, "2025-01", "folkepension"),
                     ("C4", Q, "2025-01", "foertidspension_efter_2003"), ("C4", A, "2025-01"),
                     ("C5", D, "2025-01"))
    assessed = _assessed((A, kr(100_000), kr(500.50)), (B, kr(50_000), 0, False, APRIL), (C, kr(96_000), 0, True),
                         (D, kr(-2_000), 0), (P, kr(144_000), 0), (Q, kr(120_000), 0))
    facts = st.case_facts(adults, assessed, pd.Series([P, D], name="cpr"))
    assert facts.index.tolist() == ["C1", "C2", "C3", "C4", "C5"]
    assert facts["basis"].tolist() == [f"{A}:10050050|{B}:5000000", f"{C}:9600000|{D}:-200000", f"{P}:14400000",
                                       f"{A}:10050050|{Q}:12000000", f"{D}:-200000"]
    assert facts["appealed"].tolist() == [False, True, False, False, False]
    assert facts["waiting_pension"].tolist() == [False, False, False, True, False]  # D: settled but no pensioner
    assert facts["assessed_on"].tolist() == [APRIL, MARCH, MARCH, MARCH, MARCH]
    shuffled = st.case_facts(adults.iloc[::-1], assessed.iloc[::-1], pd.Series([P, D]))
    pd.testing.assert_series_equal(shuffled["basis"], facts["basis"])


def test_an_adult_who_became_a_pensioner_during_the_year_waits_for_the_pension_settlement():
    adults = _adults(("C1", P, "2025-01", "ingen"), ("C1", P, "2025-07", "folkepension"))
    assessed = _assessed((P, kr(144_000), 0))
    nobody = pd.Series([], dtype="str")
    assert st.case_facts(adults.iloc[::-1], assessed, nobody)["waiting_pension"].tolist() == [True]
    assert st.case_facts(adults, assessed, nobody)["waiting_pension"].tolist() == [True]


# --- deciding -------------------------------------------------------------------------------------


def test_a_fresh_year_is_decided_by_the_threshold_and_booked_waiting_cases_are_not():
    computed = _computed(
        C1=dict(final_ore=4_506_000),  # +4,344 kr
        C2=dict(final_ore=2_775_600),  # -12,960 kr
        C3=dict(final_ore=PAID - 24_999),  # -249.99 kr
        C4=dict(final_ore=4_506_000, appealed=True),
        C5=dict(final_ore=2_775_600, waiting_pension=True),
        C6=dict(appealed=True, waiting_pension=True),  # first match: the appeal
        C7=dict(final_ore=PAID + 25_000, assessed_on=pd.Timestamp("2026-03-09T23:30:00Z")),  # 10 March in Denmark
    )
    rows = st.decide(YEAR, computed, st.empty_rows(), _settled(empty_ledger()))
    assert _shown(rows) == [
        ["C1", PAID, 4_506_000, 434_400, "pay_out", False, "", "", True],
        ["C2", PAID, 2_775_600, -1_296_000, "claim_back", False, "", "", True],
        ["C3", PAID, PAID - 24_999, -24_999, "below_threshold", False, "", "", True],
        ["C4", PAID, 4_506_000, 434_400, "waiting_appeal", False, "", "", False],
        ["C5", PAID, 2_775_600, -1_296_000, "waiting_pension_settlement", False, "", "", False],
        ["C6", PAID, PAID, 0, "waiting_appeal", False, "", "", False],
        ["C7", PAID, PAID + 25_000, 25_000, "pay_out", False, "", "", True],
    ]
    assert rows["basis"].eq(f"{A}:19200000").all() and rows["year"].eq(YEAR).all()
    assert rows["assessed_on"].tolist() == ["2026-03-10"] * 7


def test_a_settled_case_is_kept_as_decided_while_its_basis_moves_less_than_25000_kr():
    previous = _rows(_row("C1", PAID, 4_506_000, "pay_out", f"{A}:9600000"),
                     _row("C2", PAID, PAID, "below_threshold", f"{A}:19200000"),
                     _row("C3", PAID, PAID, "waiting_appeal", f"{A}:9600000", booked_in=""))
    ledger = _ledger(("2026-01", "2025", "C1", "settlement_payout", 434_400, "", "pay_out"),
                     ("2026-01", "2025", "C2", "settlement_nil", 0, "", "below_threshold"))
    computed = _computed(
        C1=dict(final_ore=4_400_000, paid_ore=4_506_000, basis=f"{A}:11699999"),  # +24,999.99 kr: kept
        C2=dict(final_ore=PAID - 90_000, basis=f"{A}:19200000", assessed_on=APRIL),  # same income: kept
        C3=dict(final_ore=4_506_000, basis=f"{A}:9600000"),  # the appeal decided: settled now
    )
    rows = st.decide(YEAR, computed, previous, _settled(ledger))
    assert _shown(rows) == [
        ["C1", PAID, 4_506_000, 434_400, "pay_out", False, "2026-01", "2026-01", False],
        ["C2", PAID, PAID, 0, "below_threshold", False, "", "2026-01", False],
        ["C3", PAID, 4_506_000, 434_400, "pay_out", False, "", "", True],
    ]
    assert rows["basis"].tolist() == [f"{A}:9600000", f"{A}:19200000", f"{A}:9600000"]
    assert rows["assessed_on"].tolist() == ["2026-03-10"] * 3


def test_a_change_of_25000_kr_reopens_and_settles_only_the_rest_of_what_was_paid():
    """C1 was paid out 4,344 kr on 96,000 kr; assessed again at 121,000 kr (+25,000) the year is due 43,000 kr
    (a plausible figure): paid 40,716 + 4,344 = 45,060, so 2,060 kr is claimed back, not 2,284 paid out."""
    previous = _rows(_row("C1", PAID, 4_506_000, "pay_out", f"{A}:9600000"),
                     _row("C2", PAID, PAID, "below_threshold", f"{A}:19200000"))
    ledger = _ledger(*((f"2025-{m:02d}", f"2025-{m:02d}", "C1", "payment", 339_300, "L1") for m in range(1, 13)),
                     ("2026-01", "2025", "C1", "settlement_payout", 434_400, "", "pay_out"),
                     ("2026-01", "2025", "C2", "settlement_nil", 0, "", "below_threshold"))
    periods = pd.DataFrame({"case_id": "C1", "period": [f"2025-{m:02d}" for m in range(1, 13)], "lease_id": "L1"})
    paid = st.received_by_case(periods, ledger, YEAR)
    assert paid.to_dict() == {"C1": 12 * 339_300 + 434_400, "C2": 0}
    computed = _computed(C1=dict(final_ore=4_300_000, paid_ore=paid["C1"], basis=f"{A}:12100000", assessed_on=APRIL),
                         C2=dict(final_ore=3_621_600, basis=f"{A}:21700000", assessed_on=APRIL))
    rows = st.decide(YEAR, computed, previous, _settled(ledger))
    assert _shown(rows) == [
        ["C1", PAID, 4_506_000, 434_400, "pay_out", False, "2026-01", "2026-01", False],
        ["C1", 4_506_000, 4_300_000, -206_000, "claim_back", True, "", "", True],
        ["C2", PAID, PAID, 0, "below_threshold", False, "", "2026-01", False],
        ["C2", PAID, 3_621_600, -450_000, "claim_back", True, "", "", True],
    ]
    assert rows["basis"].tolist() == [f"{A}:9600000", f"{A}:12100000", f"{A}:19200000", f"{A}:21700000"]
    assert rows["assessed_on"].tolist() == ["2026-03-10", "2026-04-10", "2026-03-10", "2026-04-10"]


def test_a_reopening_compares_with_the_latest_settlement_and_waits_for_an_appeal():
    previous = _rows(_row("C1", PAID, PAID, "below_threshold", f"{A}:19200000"),
                     _row("C1", PAID, 3_621_600, "claim_back", f"{A}:21700000", "2026-02", True, "2026-04-10"),
                     _row("C2", PAID, PAID, "below_threshold", f"{A}:19200000"))
    ledger = _ledger(("2026-01", "2025", "C1", "settlement_nil", 0, "", "below_threshold"),
                     ("2026-01", "2025", "C2", "settlement_nil", 0, "", "below_threshold"),
                     ("2026-02", "2025", "C1", "settlement_claim", -450_000, "", "claim_back"))
    computed = _computed(
        C1=dict(final_ore=3_500_000, paid_ore=3_621_600, basis=f"{A}:22000000"),  # +3,000 on the reopened 217,000
        C2=dict(final_ore=3_400_000, basis=f"{A}:22200000", appealed=True),  # +30,000 but under appeal
    )
    rows = st.decide(YEAR, computed, previous, _settled(ledger))
    assert _shown(rows) == [
        ["C1", PAID, PAID, 0, "below_threshold", False, "", "2026-01", False],
        ["C1", PAID, 3_621_600, -450_000, "claim_back", True, "2026-02", "2026-02", False],
        ["C2", PAID, PAID, 0, "below_threshold", False, "", "2026-01", False],
    ]


def test_a_settled_case_whose_row_was_lost_is_shown_from_the_ledger_and_never_booked_again():
    ledger = _ledger(("2026-01", "2025", "C1", "settlement_payout", 434_400, "", "pay_out"),
                     ("2026-01", "2025", "C2", "settlement_nil", 0, "", "below_threshold"))
    computed = _computed(C1=dict(final_ore=4_506_000, paid_ore=4_506_000),  # paid includes the payout
                         C2=dict(final_ore=PAID - 12_000, basis=f"{A}:21700000"))  # a reopening would, had it a row
    rows = st.decide(YEAR, computed, st.empty_rows(), _settled(ledger))
    assert _shown(rows) == [
        ["C1", PAID, 4_506_000, 434_400, "pay_out", False, "2026-01", "2026-01", False],
        ["C2", PAID, PAID - 12_000, -12_000, "below_threshold", False, "", "2026-01", False],
    ]


def test_a_lost_reopened_case_is_shown_from_its_last_settlement():
    """C1: nil in January's run (0 kr), reopened and claimed back 4,500 kr in February's; the rows were lost."""
    ledger = _ledger(("2026-01", "2025", "C1", "settlement_nil", 0, "", "below_threshold"),
                     ("2026-02", "2025", "C1", "settlement_claim", -450_000, "", "claim_back"))
    computed = _computed(C1=dict(final_ore=3_621_600, paid_ore=PAID - 450_000, basis=f"{A}:21700000"))
    rows = st.decide(YEAR, computed, st.empty_rows(), _settled(ledger))
    assert _shown(rows) == [["C1", PAID, 3_621_600, -450_000, "claim_back", True, "2026-02", "2026-02", False]]


# --- booking --------------------------------------------------------------------------------------

BOOKING_LEDGER = (
    ("2025-12", "2025-12", "C1", "payment", 339_300, "L1"),
    ("2026-01", "2026-01", "C1", "payment", 339_300, "L1"),
    ("2026-02-03", "2026-02", "C5", "payment", 339_300, "L5"),  # an urgent run (a day): not a month run
    ("2026-01", "2025", "C3", "settlement_nil", 0, "", "below_threshold"),  # C3 settled before
    ("2026-03", "2024", "C1", "settlement_nil", 0, "", "below_threshold"),  # settlements do not count as runs
)


def test_carrying_month_is_the_one_after_the_latest_month_run():
    assert st.carrying_month(_ledger(*BOOKING_LEDGER)) == "2026-02"
    assert st.carrying_month(_ledger(("2025-12", "2025-12", "C1", "payment", 1, "L1"))) == "2026-01"
    with pytest.raises(ValueError, match="no benefit month has been run"):
        st.carrying_month(empty_ledger())
    with pytest.raises(ValueError, match="no benefit month has been run"):
        st.carrying_month(_ledger(*BOOKING_LEDGER[2:]))


def _booked_year() -> tuple[pd.DataFrame, pd.DataFrame, pd.DataFrame]:
    """Rows decided now (C1 pay_out, C2 claim_back, C3 reopened below_threshold, C4 waiting), ledger, entries."""
    ledger = _ledger(*BOOKING_LEDGER)
    previous = _rows(_row("C3", PAID, PAID, "below_threshold", f"{A}:19200000"))
    computed = _computed(C1=dict(final_ore=4_506_000), C2=dict(final_ore=2_775_600),
                         C3=dict(final_ore=PAID - 12_000, basis=f"{A}:21700000", assessed_on=APRIL),
                         C4=dict(appealed=True))
    rows = st.decide(YEAR, computed, previous, _settled(ledger))
    return rows, ledger, st.entries(rows, ledger)


def test_entries_book_payout_claim_and_nil_for_the_year_in_the_carrying_month():
    rows, ledger, entries = _booked_year()
    assert rows["book"].tolist() == [True, True, False, True, False]
    assert entries.columns.tolist() == list(LEDGER_COLUMNS)
    assert entries[["entry_id", "run_month", "period", "case_id", "kind", "amount_ore", "payee", "lease_id",
                    "reason_code"]].values.tolist() == [
        ["case:C1/2025/settlement/0", "2026-02", "2025", "C1", "settlement_payout", 434_400, "applicant", "",
         "pay_out"],
        ["case:C2/2025/settlement/0", "2026-02", "2025", "C2", "settlement_claim", -1_296_000, "applicant", "",
         "claim_back"],
        ["case:C3/2025/settlement/1", "2026-02", "2025", "C3", "settlement_nil", 0, "applicant", "",
         "below_threshold"],  # -120 kr below the threshold: nothing moves
    ]
    assert not entries["entry_id"].isin(ledger["entry_id"]).any() and entries["entry_id"].is_unique
    pd.testing.assert_frame_equal(st.entries(rows, ledger), entries)


def test_with_applied_in_gives_the_carrying_month_to_the_rows_just_booked():
    rows, _, entries = _booked_year()
    applied = st.with_applied_in(rows, entries)
    assert applied[["case_id", "decision", "reopened", "applied_in", "booked_in"]].values.tolist() == [
        ["C1", "pay_out", False, "2026-02", "2026-02"],
        ["C2", "claim_back", False, "2026-02", "2026-02"],
        ["C3", "below_threshold", False, "", "2026-01"],  # kept as decided
        ["C3", "below_threshold", True, "", "2026-02"],  # nothing to pay or claim: no applied_in
        ["C4", "waiting_appeal", False, "", ""],
    ]
    nothing = st.with_applied_in(rows[~rows["book"]], empty_ledger())
    assert nothing[["applied_in", "booked_in"]].values.tolist() == [["", "2026-01"], ["", ""]]


def test_settlement_file_in_whole_kroner_sorted_by_case():
    rows, _, entries = _booked_year()
    text = st.settlement_file(st.with_applied_in(rows, entries).iloc[[4, 2, 3, 1, 0]]).decode()
    assert text == (
        "case_id;year;paid;final;difference;decision;reopened;applied_in\n"
        "C1;2025;40716;45060;4344;pay_out;false;2026-02\n"
        "C2;2025;40716;27756;-12960;claim_back;false;2026-02\n"
        "C3;2025;40716;40716;0;below_threshold;false;\n"
        "C3;2025;40716;40596;-120;below_threshold;true;\n"
        "C4;2025;40716;40716;0;waiting_appeal;false;\n")
    with pytest.raises(ValueError, match="whole kroner"):
        st.settlement_file(rows.assign(final_ore=rows["final_ore"] + 50))


# --- letters and claims ---------------------------------------------------------------------------

APPLICANT = pd.Series({"C1": A, "C2": B, "C3": C, "C6": D})
LETTER_DAY = date(2025, 12, 21)


def _carried_in_january() -> tuple[pd.DataFrame, pd.DataFrame]:
    booked = _ledger(("2025-12", "2025-12", "C1", "payment", 339_300, "L1"),
                     ("2026-01", "2026-01", "C1", "payment", 339_300, "L1"),  # not a settlement
                     ("2026-01", "2025", "C1", "settlement_payout", 434_400, "", "pay_out"),
                     ("2026-01", "2025", "C2", "settlement_claim", -1_296_000, "", "claim_back"),
                     ("2026-01", "2025", "C3", "settlement_nil", 0, "", "below_threshold"),
                     ("2026-02", "2025", "C6", "settlement_nil", 0, "", "below_threshold"))  # another month's
    rows = _rows(_row("C1", PAID, 4_506_000, "pay_out", f"{A}:9600000"),
                 _row("C2", PAID, 2_775_600, "claim_back", f"{B}:26400000"),
                 _row("C3", PAID, PAID - 12_000, "below_threshold", f"{C}:19270000"),
                 _row("C6", PAID, PAID, "below_threshold", f"{D}:19200000", booked_in="2026-02"))
    return booked, rows


def test_month_letters_one_per_settlement_carried_with_21_days_to_object():
    booked, rows = _carried_in_january()
    letters = st.month_letters("2026-01", booked, rows, APPLICANT, LETTER_DAY)
    assert letters[["letter_id", "case_id", "recipient_cpr", "kind", "period"]].values.tolist() == [
        ["2026-01/settlement/C1/2025/0", "C1", A, "settlement", "2025"],
        ["2026-01/settlement/C2/2025/0", "C2", B, "settlement", "2025"],
        ["2026-01/settlement/C3/2025/0", "C3", C, "settlement", "2025"],
    ]
    assert letters["amount_ore"].tolist() == [434_400, -1_296_000, pd.NA]
    assert letters["respond_by"].tolist() == [pd.Timestamp("2026-01-11")] * 3
    assert letters["body"].tolist() == [
        "Vi har gjort din boligstøtte for 2025 op ud fra årsopgørelsen fra Skattestyrelsen. Du skulle have haft "
        "45.060 kr., og du har fået 40.716 kr. Du får derfor 4.344 kr. udbetalt. Mener du, at opgørelsen ikke er "
        "rigtig, skal du give os besked senest 11.1.2026.",
        "Vi har gjort din boligstøtte for 2025 op ud fra årsopgørelsen fra Skattestyrelsen. Du skulle have haft "
        "27.756 kr., og du har fået 40.716 kr. Du har derfor fået 12.960 kr. for meget, som sendes til opkrævning "
        "hos Gældsstyrelsen. Mener du, at opgørelsen ikke er rigtig, skal du give os besked senest 11.1.2026.",
        "Vi har gjort din boligstøtte for 2025 op ud fra årsopgørelsen fra Skattestyrelsen. Du skulle have haft "
        "40.596 kr., og du har fået 40.716 kr. Forskellen er under 250 kr., så du hverken får penge eller skal "
        "betale tilbage. Mener du, at opgørelsen ikke er rigtig, skal du give os besked senest 11.1.2026.",
    ]
    assert not letters["body"].str.contains(CPR_LIKE).any()
    assert not any(case in body for case in ("C1", "C2", "C3") for body in letters["body"])
    with pytest.raises(ValueError, match="no recipient CPR"):
        st.month_letters("2026-01", booked, rows, APPLICANT.drop("C2"), LETTER_DAY)


def test_month_claims_hand_the_settlement_claims_to_collection():
    booked, rows = _carried_in_january()
    claims = st.month_claims("2026-01", booked, rows, APPLICANT)
    assert claims.values.tolist() == [["aarsopgoerelse/2025/C2/2026-01/0", "C2", B, "aarsopgoerelse", "2025-01",
                                       "2025-12", 1_296_000, pd.Timestamp("2026-03-10")]]
    assert claims.columns.tolist() == ["claim_id", "case_id", "debtor_cpr", "claim_type", "period_from", "period_to",
                                       "amount_ore", "due_date"]
    assert st.month_claims("2026-02", booked, rows, APPLICANT).empty


def _twice_in_one_month() -> tuple[pd.DataFrame, pd.DataFrame]:
    """C6 settled at 0 kr and, before January's run, reopened and claimed back 4,500 kr: both carried by January."""
    booked = _ledger(("2025-12", "2025-12", "C6", "payment", 339_300, "L6"),
                     ("2026-01", "2025", "C6", "settlement_nil", 0, "", "below_threshold"),
                     ("2026-01", "2025", "C6", "settlement_claim", -450_000, "", "claim_back"))
    rows = _rows(_row("C6", PAID, PAID, "below_threshold", f"{D}:19200000"),
                 _row("C6", PAID, 3_621_600, "claim_back", f"{D}:21700000", reopened=True, assessed_on="2026-04-10"))
    return booked, rows


def test_two_settlements_of_a_case_in_one_month_get_two_letters():
    booked, rows = _twice_in_one_month()
    letters = st.month_letters("2026-01", booked, rows, APPLICANT, LETTER_DAY)
    assert letters["letter_id"].is_unique and len(letters) == 2
    assert sorted(letters["amount_ore"].tolist(), key=str) == [-450_000, pd.NA]


def test_two_settlements_of_a_case_in_one_month_each_tell_their_own_figures():
    booked, rows = _twice_in_one_month()
    letters = st.month_letters("2026-01", booked, rows, APPLICANT, LETTER_DAY).set_index("amount_ore")
    claim = letters.loc[-450_000, "body"]
    assert "Du skulle have haft 36.216 kr., og du har fået 40.716 kr." in claim
    claims = st.month_claims("2026-01", booked, rows, APPLICANT)
    assert claims["due_date"].tolist() == [pd.Timestamp("2026-04-10")]


def test_a_period_without_an_adult_leaves_the_case_unsettled():
    rows = pd.DataFrame({"case_id": ["C1", "C1", "C2"], "period": ["2025-01", "2025-02", "2025-01"]})
    incomes = pd.DataFrame({"case_id": ["C1", "C2"], "period": ["2025-01", "2025-01"], "income_ore": [1, 2],
                            "complete": [True, True]})
    assert st.complete_cases(rows, incomes).tolist() == ["C2"], "C1's February counted no adult: not guessed at"
    incomes.loc[1, "complete"] = False
    assert st.complete_cases(rows, incomes).tolist() == []


def test_no_hearing_is_pending_in_a_ledger_without_months():
    assert st.pending_hearings(empty_ledger(), 2025).empty
