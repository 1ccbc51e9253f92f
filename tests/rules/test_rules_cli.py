"""The calc / explain CLI (shared/contracts/calc.md): errors, defaults, atomic output."""

from __future__ import annotations

from pathlib import Path

import pytest

from boligstoette.cli import main

HEADER = "case_id;year;benefit;rent_monthly;area_m2;persons;household_income"
ROW_A = "A;2025;boligsikring;5000;50;1;150000"
ROW_B = "B;2025;boligydelse;6000;60;1;200000"


def write(path: Path, *lines: str, bom: bool = False, raw: bytes | None = None) -> Path:
    data = raw if raw is not None else ("\ufeff" if bom else "").encode() + ("\n".join(lines) + "\n").encode()
    path.write_bytes(data)
    return path


def run_calc(tmp_path, *lines, **kw):
    src = write(tmp_path / "in.csv", *lines, **kw)
    out = tmp_path / "out.csv"
    code = main(["calc", str(src), str(out)])
    return code, out


def read_out(out: Path) -> list[dict[str, str]]:
    lines = out.read_text(encoding="utf-8").splitlines()
    head = lines[0].split(";")
    return [dict(zip(head, line.split(";"), strict=True)) for line in lines[1:]]


def test_calc_writes_the_contract_columns(tmp_path):
    code, out = run_calc(tmp_path, HEADER, ROW_A, ROW_B)
    assert code == 0
    text = out.read_text(encoding="utf-8").splitlines()
    assert text[0] == ("case_id;year;benefit;housing_expense;eligible_expense;income_basis;formula_amount;"
                       "annual_benefit;monthly_benefit;binding_limit")
    assert text[1] == "A;2025;boligsikring;60000.00;60000.00;150000.00;36000.00;9000;750;cap_15pct"
    assert [r["case_id"] for r in read_out(out)] == ["A", "B"]


def test_bad_value_names_line_and_column_and_writes_nothing(tmp_path, capsys):
    code, out = run_calc(tmp_path, HEADER, ROW_A, "B;2025;boligsikring;5000,50;50;1;150000")
    assert code != 0
    err = capsys.readouterr().err
    assert "line 3, column rent_monthly" in err and "'5000,50'" in err
    assert not out.exists()
    assert list(tmp_path.iterdir()) == [tmp_path / "in.csv"]   # no temp file left behind


@pytest.mark.parametrize("column,value,message", [
    ("year", "2023", "no rates for year 2023"),
    ("year", "2027", "no rates for year 2027"),
    ("benefit", "boligstotte", "expected one of boligsikring, boligydelse"),
    ("area_m2", "0", "out of range"),
    ("area_m2", "50.125", "at most two decimals"),
    ("persons", "1.5", "whole number"),
    ("household_income", "1e5", "invalid value"),
    ("household_income", "", "missing value"),
    ("case_id", "", "missing value"),
    ("rent_monthly", "-100", "invalid value"),
])
def test_each_bad_value(tmp_path, capsys, column, value, message):
    cols = HEADER.split(";")
    vals = ROW_A.split(";")
    vals[cols.index(column)] = value
    code, out = run_calc(tmp_path, HEADER, ROW_A, ";".join(vals))
    err = capsys.readouterr().err
    assert code == 2 and not out.exists()
    assert f"line 3, column {column}: " in err and message in err


@pytest.mark.parametrize("column,value,message", [
    ("children", "3", "3 children but 1 persons"),
    ("young_couple", "true", "young_couple is true but the household has 1 adult(s)"),
    ("heating_paid_separately", "ja", "expected true or false"),
    ("maintenance_duty", "halv", "expected one of ingen, delvis, fuld"),
])
def test_bad_optional_values(tmp_path, capsys, column, value, message):
    code, out = run_calc(tmp_path, HEADER + f";{column}", ROW_A + f";{value}")
    err = capsys.readouterr().err
    assert code == 2 and not out.exists()
    assert f"line 2, column {column}: " in err and message in err


def test_missing_required_column(tmp_path, capsys):
    code, out = run_calc(tmp_path, "case_id;year;benefit;rent_monthly;persons;household_income",
                         "A;2025;boligsikring;5000;1;150000")
    err = capsys.readouterr().err
    assert code == 2 and not out.exists()
    assert "line 1, column area_m2: missing required column" in err


def test_existing_output_is_left_untouched_on_error(tmp_path):
    out = tmp_path / "out.csv"
    out.write_text("old", encoding="utf-8")
    src = write(tmp_path / "in.csv", HEADER, "A;2025;boligsikring;x;50;1;150000")
    assert main(["calc", str(src), str(out)]) == 2
    assert out.read_text(encoding="utf-8") == "old"


def test_unknown_column_ignored_and_any_column_order(tmp_path):
    code, out = run_calc(tmp_path, HEADER, ROW_A, ROW_B)
    base = read_out(out)
    cols, a, b = HEADER.split(";"), ROW_A.split(";"), ROW_B.split(";")
    order = list(reversed(range(len(cols))))
    lines = [";".join(["note"] + [cols[i] for i in order]),
             ";".join(["x;y"[:1]] + [a[i] for i in order]),
             ";".join(["z"] + [b[i] for i in order])]
    code, out = run_calc(tmp_path, *lines)
    assert code == 0 and read_out(out) == base


def test_optional_columns_default(tmp_path):
    code, out = run_calc(tmp_path, HEADER, ROW_A)
    minimal = read_out(out)
    full_header = HEADER + (";children;young_couple;wealth;heating_in_rent;hot_water_in_rent;electricity_in_rent;"
                            "heating_paid_separately;water_paid_separately;drainage_paid_separately;"
                            "maintenance_duty;mobility_impaired;round_the_clock_help;"
                            "disability_or_senior_pension;no_maximum_dwelling;first_computation")
    code, out = run_calc(tmp_path, full_header, ROW_A + ";0;false;0;false;false;false;false;false;false;"
                                                        "ingen;false;false;false;false;false")
    assert code == 0 and read_out(out) == minimal
    # empty optional fields default too
    code, out = run_calc(tmp_path, full_header, ROW_A + ";;;;;;;;;;;;;;;")
    assert code == 0 and read_out(out) == minimal


def test_bom_blank_lines_and_line_numbers(tmp_path, capsys):
    code, out = run_calc(tmp_path, HEADER, ROW_A, "", ROW_B, bom=True)
    assert code == 0 and [r["case_id"] for r in read_out(out)] == ["A", "B"]
    code, out = run_calc(tmp_path, HEADER, ROW_A, "", "", "C;2025;boligsikring;5000;x;1;150000")
    assert code == 2 and "line 5, column area_m2" in capsys.readouterr().err


def test_quoted_case_id_round_trips(tmp_path):
    code, out = run_calc(tmp_path, HEADER, '"A;1";2025;boligsikring;5000;50;1;150000', ROW_B)
    assert code == 0
    assert out.read_text(encoding="utf-8").splitlines()[1].startswith('"A;1";2025;')


def test_quoted_line_break_keeps_line_numbers(tmp_path, capsys):
    code, out = run_calc(tmp_path, HEADER, '"A\nmore";2025;boligsikring;5000;50;1;150000',
                         "B;2025;boligsikring;5000;50;1;bad")
    assert code == 2 and "line 4, column household_income" in capsys.readouterr().err


def test_wrong_number_of_fields(tmp_path, capsys):
    code, out = run_calc(tmp_path, HEADER, ROW_A, "B;2025;boligsikring;5000;50;1")
    assert code == 2 and not out.exists()
    assert "line 3: expected 7 fields" in capsys.readouterr().err


def test_invalid_utf8(tmp_path, capsys):
    raw = (HEADER + "\n" + ROW_A + "\n").encode() + b"\xff\xfe;2025;boligsikring;5000;50;1;1\n"
    code, out = run_calc(tmp_path, raw=raw)
    assert code == 2 and "line 3: not valid UTF-8" in capsys.readouterr().err


def test_empty_file_and_header_only(tmp_path, capsys):
    code, out = run_calc(tmp_path, raw=b"")
    assert code == 2 and "empty" in capsys.readouterr().err
    code, out = run_calc(tmp_path, HEADER)
    assert code == 0 and out.read_text(encoding="utf-8").count("\n") == 1


def test_capitalised_booleans_are_accepted(tmp_path):
    code, out = run_calc(tmp_path, HEADER + ";disability_or_senior_pension", ROW_A + ";TRUE")
    assert code == 0 and read_out(out)[0]["binding_limit"] == "own_payment"


def test_explain_prints_the_trail(tmp_path, capsys):
    src = write(tmp_path / "in.csv", HEADER, ROW_A, ROW_B)
    assert main(["explain", str(src), "B"]) == 0
    text = capsys.readouterr().out
    assert "Case B: boligydelse 2025" in text
    assert "required_own_payment" in text and "[§ 21 stk. 2]" in text
    assert "binding_limit" in text and "own_payment" in text
    assert "rate min_own_payment = 20300 kr/year" in text


def test_explain_unknown_case_and_bad_row(tmp_path, capsys):
    src = write(tmp_path / "in.csv", HEADER, ROW_A, "B;2025;boligsikring;x;50;1;1")
    assert main(["explain", str(src), "NOPE"]) == 2
    assert "case 'NOPE'" in capsys.readouterr().err
    assert main(["explain", str(src), "B"]) == 2
    assert "line 3, column rent_monthly" in capsys.readouterr().err
    assert main(["explain", str(src), "A"]) == 0   # a bad other row does not matter


def test_explain_case_with_several_years(tmp_path, capsys):
    src = write(tmp_path / "in.csv", HEADER, ROW_A, ROW_A.replace("2025", "2024"))
    assert main(["explain", str(src), "A"]) == 0
    out = capsys.readouterr().out
    assert "boligsikring 2025" in out and "boligsikring 2024" in out
    assert main(["explain", str(src), "A", "--year", "2024"]) == 0
    out = capsys.readouterr().out
    assert "2024" in out and "boligsikring 2025" not in out
