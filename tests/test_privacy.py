from boligstoette.privacy import FULL_CPR, cpr_leaks


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
