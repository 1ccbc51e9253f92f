"""The contract reader on small hand-written deliveries: exact values, and precise errors."""

import pytest

from boligstoette import contracts
from boligstoette.contracts import ContractError

HEADER = "cpr;month;income_type;amount;reported_at"


def _write(tmp_path, text: str | bytes, name="eindkomst_202611.csv"):
    path = tmp_path / name
    (path.write_bytes if isinstance(text, bytes) else path.write_text)(text)
    return path


def _read(tmp_path, text, contract=contracts.EINDKOMST):
    return contracts.read_csv(_write(tmp_path, text), contract)


def test_money_is_parsed_exactly_to_ore(tmp_path):
    rows = [f"010190-1234;2026-11;loen;{a};2026-12-10T08:00:00+01:00"
            for a in ("0.1", "0.10", "12345.67", "-12.05", "7", "0.07", "99999999.99", "-10000000.00")]
    frame = _read(tmp_path, "\n".join([HEADER, *rows]) + "\n")
    assert frame["amount_ore"].tolist() == [10, 10, 1234567, -1205, 700, 7, 9999999999, -1000000000]
    assert str(frame["amount_ore"].dtype) == "int64"


def test_bom_crlf_column_order_and_unknown_columns_are_accepted(tmp_path):
    text = ("\ufeffmonth;extra;cpr;amount;income_type;reported_at\r\n"
            "2026-11;x;010190-1234;10.5;su;2026-12-10T08:00:00Z\r\n")
    frame = _read(tmp_path, text)
    assert list(frame["amount_ore"]) == [1050]
    assert "extra" not in frame.columns
    assert str(frame["reported_at"].iloc[0]) == "2026-12-10 08:00:00+00:00"


def test_timestamp_offset_is_converted_to_utc(tmp_path):
    frame = _read(tmp_path, f"{HEADER}\n010190-1234;2026-11;su;1;2026-07-01T00:30:00+02:00\n")
    assert str(frame["reported_at"].iloc[0]) == "2026-06-30 22:30:00+00:00"


@pytest.mark.parametrize(
    "row, column, fragment",
    [
        ("010190-1234;2026-11;loen;12,50;2026-12-10T08:00:00Z", "amount", "two decimals"),
        ("010190-1234;2026-11;loen;1.234;2026-12-10T08:00:00Z", "amount", "two decimals"),
        ("010190-1234;2026-11;bonus;1;2026-12-10T08:00:00Z", "income_type", "one of"),
        ("010190-1234;2026-13;loen;1;2026-12-10T08:00:00Z", "month", "a month"),
        ("010190-1234;2026-11;loen;1;2026-12-10 08:00", "reported_at", "timestamp"),
        ("0101901234;2026-11;loen;1;2026-12-10T08:00:00Z", "cpr", "CPR"),
        (";2026-11;loen;1;2026-12-10T08:00:00Z", "cpr", "required"),
    ],
)
def test_bad_value_names_line_and_column(tmp_path, row, column, fragment):
    good = "010190-1234;2026-11;loen;1;2026-12-10T08:00:00Z"
    with pytest.raises(ContractError) as err:
        _read(tmp_path, "\n".join([HEADER, good, good, row, good]) + "\n")
    assert err.value.line == 4
    assert err.value.column == column
    assert fragment in str(err.value)
    assert "eindkomst_202611.csv" in str(err.value)


def test_errors_never_quote_a_cpr_number(tmp_path):
    # A CPR in the wrong column (fields shifted) must not be echoed back.
    with pytest.raises(ContractError) as err:
        _read(tmp_path, f"{HEADER}\n010190-1234;2026-11;111111-2222;1;2026-12-10T08:00:00Z\n")
    assert "111111-2222" not in str(err.value)
    with pytest.raises(ContractError) as err:
        _read(tmp_path, f"{HEADER}\n310299-1234x;2026-11;loen;1;2026-12-10T08:00:00Z\n")
    assert "310299" not in str(err.value)


def test_extra_field_and_blank_line_are_errors_at_their_line(tmp_path):
    good = "010190-1234;2026-11;loen;1;2026-12-10T08:00:00Z"
    with pytest.raises(ContractError) as err:
        _read(tmp_path, "\n".join([HEADER, good, good + ";x", good]) + "\n")
    assert err.value.line == 3 and "expected 5 fields, found 6" in str(err.value)
    with pytest.raises(ContractError) as err:
        _read(tmp_path, "\n".join([HEADER, good, "", good]) + "\n")
    assert err.value.line == 3


def test_quoted_separator_is_one_field(tmp_path):
    frame = _read(tmp_path, f'{HEADER}\n"010190-1234";2026-11;loen;"1";2026-12-10T08:00:00Z\n')
    assert frame["amount_ore"].tolist() == [100]


def test_empty_file_and_duplicate_header(tmp_path):
    with pytest.raises(ContractError, match="empty"):
        _read(tmp_path, "")
    with pytest.raises(ContractError) as err:
        _read(tmp_path, "cpr;cpr;month;income_type;amount;reported_at\n")
    assert err.value.line == 1 and err.value.column == "cpr"


def test_optional_column_may_be_absent_only_where_the_contract_says(tmp_path):
    forskud = "cpr;year;other_income;wealth;assessed_at\n010190-1234;2026;100.00;0;2026-01-05T00:00:00Z\n"
    frame = contracts.read_csv(_write(tmp_path, forskud, "forskud_2026.csv"), contracts.FORSKUD)
    assert frame["personal_income_ore"].isna().all()
    with pytest.raises(ContractError) as err:
        contracts.read_csv(_write(tmp_path, forskud, "aarsopgoerelse_2025.csv"), contracts.AARSOPGOERELSE)
    assert err.value.column == "personal_income"


def test_change_notification_errors_name_the_jsonl_line(tmp_path):
    good = ('{"event_id":"e1","registered_at":"2026-11-02T10:00:00+01:00","org_id":"O","unit_id":"U",'
            '"lease_id":"L","kind":"rent_changed","effective_date":"2026-12-01","old":{},"new":{}}')
    lines = [good, "", good.replace("rent_changed", "rent_raised")]
    path = _write(tmp_path, "\n".join(lines) + "\n", "changes_x.jsonl")
    with pytest.raises(ContractError) as err:
        contracts.read_change_notifications(path)
    assert err.value.line == 3 and err.value.column == "kind"
    path = _write(tmp_path, good + "\n{not json\n", "changes_y.jsonl")
    with pytest.raises(ContractError) as err:
        contracts.read_change_notifications(path)
    assert err.value.line == 2
