import numpy as np
import pandas as pd
from hypothesis import given, settings
from hypothesis import strategies as st
from stdnum.dk import cpr as stdnum_cpr

from boligstoette.privacy import (
    CPR_FORMAT,
    FULL_CPR,
    cpr_birth_dates,
    cpr_leaks,
    for_organisation,
    mask_text,
    mask_values,
)


def test_cpr_pattern_finds_cpr_numbers_but_not_masked_ones_or_uuid_digit_runs():
    assert FULL_CPR.findall(b"K1;010170-1111;x") == [b"010170-1111"]
    assert FULL_CPR.search(b'"991299-1234"')  # not a valid date, still written like a CPR: never shown
    assert not FULL_CPR.search(b"010170-0000")  # masked for housing organisations
    assert not FULL_CPR.search(b"run 0a120190-1234-4abc-9def-123456789012")  # a UUID
    assert not FULL_CPR.search(b"12345678-1234-5678")


def test_cpr_leaks_scans_files_except_the_allowed(tmp_path):
    (tmp_path / "org_1.csv").write_text("case;cpr_masked\nK1;010170-0000\n")
    (tmp_path / "individuals.csv").write_text("case;payee_cpr\nK1;010170-1111\n")
    (tmp_path / "log.txt").write_text("paid K1 010170-1111 and 020280-2222\n")
    assert cpr_leaks([tmp_path], allowed={tmp_path / "individuals.csv"}) == {str(tmp_path / "log.txt"): 2}



# --- the birth date in a CPR number: one vectorised decoder, held to python-stdnum -------------------





def _reference(number: str):
    try:
        return np.datetime64(stdnum_cpr.get_birth_date(number), "D")
    except Exception:
        return np.datetime64("NaT")


@settings(max_examples=300, deadline=None, derandomize=True)
@given(st.lists(st.tuples(st.integers(0, 32), st.integers(0, 13), st.integers(0, 99), st.integers(0, 9999)),
                min_size=1, max_size=40))
def test_birth_date_follows_the_century_rule_of_python_stdnum(parts):
    numbers = [f"{d:02d}{m:02d}{y:02d}-{s:04d}" for d, m, y, s in parts]
    expected = np.array([_reference(n) for n in numbers], dtype="datetime64[D]")
    np.testing.assert_array_equal(cpr_birth_dates(pd.Series(numbers)), expected)


def test_every_century_cell_of_the_table():
    # 7th digit x YY band -> century (module docstring); 29 February only in leap years
    cases = {"010136-4000": "2036-01-01", "010137-4000": "1937-01-01", "010157-5000": "2057-01-01",
             "010158-5000": "1858-01-01", "010199-3000": "1999-01-01", "010100-9000": "2000-01-01",
             "290200-4000": "2000-02-29", "290200-3000": "1900-02-29"}
    got = cpr_birth_dates(pd.Series(list(cases)))
    assert [str(d) for d in got[:7]] == list(cases.values())[:7]
    assert np.isnat(got[7])  # 1900 was not a leap year


def test_missing_and_misshapen_values_have_no_birth_date():
    got = cpr_birth_dates(pd.Series(["", None, "0101701234", "010170-12345", "x10170-1234", "320170-1234"]))
    assert np.isnat(got).all()


def test_masking_never_lets_a_cpr_through():
    assert mask_text("lease L1 of 010170-1234 and 0101701234") == "lease L1 of <cpr> and <cpr>"
    assert mask_values(pd.Series(["by 010170-1234", "ok"])).tolist() == ["by <cpr>", "ok"]
    assert for_organisation(pd.Series(["010170-1234"])).tolist() == ["010170-0000"]


def test_the_register_suite_checks_the_contracts_cpr_format():
    import json
    from pathlib import Path

    suite = json.loads((Path(__file__).parents[1] / "expectations/suites/register_snapshot.json").read_text())
    (regex,) = [e["kwargs"]["regex"] for e in suite["expectations"] if e["kwargs"].get("column") == "tenant_cpr"
                and e["type"] == "expect_column_values_to_match_regex"]
    assert regex.replace("[0-9]", r"\d") == f"^{CPR_FORMAT}$"
