"""The payout date and the ledger's booking rule, on their own."""

from datetime import date

import pandas as pd
import pytest

from boligstoette.payouts import book, empty_ledger, payout_date


@pytest.mark.parametrize("month, expected", [
    ("2026-12", date(2026, 12, 1)),   # a Tuesday
    ("2027-01", date(2027, 1, 4)),    # New Year's Day is a Friday, then the weekend
    ("2025-06", date(2025, 6, 2)),    # 1 June is a Sunday
    ("2026-05", date(2026, 5, 1)),    # 1 May is not a bank holiday in Denmark
    ("2024-05", date(2024, 5, 1)),
    ("2027-05", date(2027, 5, 3)),    # a Saturday and Sunday
])
def test_payout_date_is_the_first_danish_bank_day(month, expected):
    assert payout_date(month) == expected


def test_the_day_after_ascension_is_a_bank_holiday():
    from boligstoette.payouts import bank_holidays

    assert date(2026, 5, 15) in bank_holidays(2026)  # Ascension Day 2026 is Thursday 14 May
    assert date(2026, 6, 5) in bank_holidays(2026) and date(2026, 12, 24) in bank_holidays(2026)


def _due(amount_ore, period="2026-12", case="K1"):
    return pd.DataFrame([dict(case_id=case, period=period, amount_ore=amount_ore, payee="organisation",
                              org_id="900", unit_id="U1", lease_id="L1")])


NO_HOLDS = pd.DataFrame(columns=["case_id", "period", "amount_ore", "payee", "org_id", "unit_id", "lease_id",
                                 "reason_code"])


def test_booking_is_the_difference_from_the_ledger():
    first = book("2026-12", _due(84900), NO_HOLDS, empty_ledger())
    assert first[["entry_id", "kind", "amount_ore"]].values.tolist() == [
        ["2026-12/K1/2026-12/payment/0", "payment", 84900]]
    assert book("2026-12", _due(84900), NO_HOLDS, first).empty  # same due: nothing
    less = book("2026-12", _due(80000), NO_HOLDS, first)
    assert less[["kind", "amount_ore"]].values.tolist() == [["recovery", -4900]]
    more = book("2026-12", _due(90000), NO_HOLDS, pd.concat([first, less]))
    assert more[["entry_id", "kind", "amount_ore"]].values.tolist() == [
        ["2026-12/K1/2026-12/payment/1", "payment", 10000]]


def test_a_hold_is_booked_once_per_case_period_and_reason():
    held = pd.DataFrame([dict(case_id="K2", period="2026-12", amount_ore=0, payee="applicant", org_id="900",
                              unit_id="U2", lease_id="L2", reason_code="DQ_RENT_DROP")])
    first = book("2026-12", _due(0).iloc[:0], held, empty_ledger())
    assert first[["kind", "reason_code"]].values.tolist() == [["hold", "DQ_RENT_DROP"]]
    assert book("2026-12", _due(0).iloc[:0], held, first).empty
