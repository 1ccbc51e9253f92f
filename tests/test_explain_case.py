"""`boligstoette explain-case`: the explanation trail of one case, read back from the storage a month's run wrote.

The warehouse is built the way tests/test_payouts.py builds it (its hand-made landing folder of worked examples),
with K3's spouse not consenting to the income look-up (held), and a second month in which K1's lease turns out
to have ended (June recovered)."""

import io
import re
import shutil

import pandas as pd
import pytest

from boligstoette.privacy import FULL_CPR_PATTERN
from orchestration.explain_case import CaseTrail, explain_case, print_table, render_plain
from orchestration.warehouse import Warehouse
from tests.conftest import boligstoette, materialize_month
from tests.test_payouts import _landing

JUNE, JULY = "2025-06", "2025-07"
FULL_CPR = re.compile(FULL_CPR_PATTERN)
NO_ENV_STORAGE = {"BOLIGSTOETTE_WAREHOUSE_URL": "", "BOLIGSTOETTE_WAREHOUSE_SCHEMA": ""}  # --out decides


@pytest.fixture(scope="module")
def out(tmp_path_factory):
    """An output folder whose warehouse.sqlite holds the runs of June and July 2025."""
    root = tmp_path_factory.mktemp("explain")
    landing = _landing(root / "landing")
    members = landing / "cases" / "household_members_20250518.csv"
    consenting = members.read_text(encoding="utf-8")
    refused = consenting.replace("050552-5555;Jørgen Møller-Hansen;1952-05-05;aegtefaelle;true",
                                 "050552-5555;Jørgen Møller-Hansen;1952-05-05;aegtefaelle;false")
    assert refused != consenting
    members.write_text(refused, encoding="utf-8")
    out = root / "out"  # materialize_month writes its files to landing.parent / "out"
    out.mkdir()
    url = f"sqlite:///{out / 'warehouse.sqlite'}"
    assert materialize_month(landing, url, month=JUNE).success
    later = _landing(root / "later", lease_end={"L1": "2025-05-31"})
    for p in (later / "register").iterdir():
        shutil.move(p, landing / "register" / p.name.replace("20250515", "20250615").replace("20250415", "20250514"))
    assert materialize_month(landing, url, month=JULY).success
    return out


def _explain(out, case_id: str, month: str, check: bool = True):
    proc = boligstoette("explain-case", "--out", str(out), "--month", month, case_id, env=NO_ENV_STORAGE, check=check)
    assert not FULL_CPR.search(proc.stdout + proc.stderr), "a full CPR number was printed"
    return proc


def _period(stdout: str, period: str) -> str:
    """The block of one period in the plain output."""
    return stdout.split(f"\nperiod {period}\n", 1)[1].split("\n\n", 1)[0]


def test_a_paid_case_shows_the_amount_payee_and_binding_rule(out):
    stdout = _explain(out, "K1", JUNE).stdout
    june = _period(stdout, JUNE)
    assert re.search(r"^  2025-06  decided: computed +849\.00  organisation 900  boligsikring 2025: 849 kr a month; "
                     r"binding limit cap_15pct \(§ 22 stk\. 3: ", june, re.M)
    assert re.search(r"^  2025-06  payment +849\.00  organisation 900$", june, re.M)
    assert "household income 180000.00 kr a year, rent 5500.00 kr a month" in june
    assert "net received for 2025-06: 849.00 kr" in june
    assert "recovery" not in stdout, "July's run is not part of the trail as it stood after June"
    assert stdout.rstrip().endswith("net received by case K1 up to 2025-06: 849.00 kr")


def test_a_case_paid_to_the_applicant(out):
    june = _period(_explain(out, "K2", JUNE).stdout, JUNE)
    assert re.search(r"decided: computed +3273\.00  applicant  .*binding limit formula \(§ 22 stk\. 1: ", june)
    assert re.search(r"^  2025-06  payment +3273\.00  applicant$", june, re.M)


def test_a_later_month_shows_the_recovery_of_a_period_already_paid(out):
    stdout = _explain(out, "K1", JULY).stdout
    june, july = _period(stdout, JUNE), _period(stdout, JULY)
    assert re.search(r"^  2025-06  payment +849\.00  organisation 900$", june, re.M)
    assert re.search(r"^  2025-07  recovery +-849\.00  organisation 900  the period had received more than", june, re.M)
    assert "net received for 2025-06: 0.00 kr" in june
    assert "decided: no_payout" in july and "LEASE_ENDED: The matched lease ended" in july
    assert stdout.rstrip().endswith("net received by case K1 up to 2025-07: 0.00 kr")


def test_a_held_case_shows_its_reason_code_and_meaning(out):
    stdout = _explain(out, "K3", JULY).stdout
    for month in (JUNE, JULY):
        block = _period(stdout, month)
        assert re.search(r"decided: held +—  organisation 900  INCOME_CONSENT_MISSING: A household member", block)
        assert re.search(r"^  \d{4}-\d{2}  hold +—  organisation 900  INCOME_CONSENT_MISSING$", block, re.M)
        assert "payment" not in block and f"net received for {month}: 0.00 kr" in block


@pytest.mark.parametrize(("case_id", "month", "message"), [
    ("K99", JUNE, "case K99 is in no benefit month up to 2025-06"),
    ("K1", "2025-09", "benefit month 2025-09 is not materialised in this storage (materialised: 2025-06, 2025-07)"),
    ("K1", "2025-13", "month must be YYYY-MM"),
])
def test_an_unknown_case_or_month_exits_2(out, case_id, month, message):
    proc = _explain(out, case_id, month, check=False)
    assert proc.returncode == 2 and proc.stdout == ""
    assert message in proc.stderr


def test_no_storage_exits_2_and_creates_none(tmp_path):
    proc = _explain(tmp_path, "K1", JUNE, check=False)
    assert proc.returncode == 2 and "no asset storage at" in proc.stderr
    assert not (tmp_path / "warehouse.sqlite").exists()


def test_the_terminal_table_says_the_same(out):
    from rich.console import Console

    trail = explain_case(Warehouse(f"sqlite:///{out / 'warehouse.sqlite'}"), "K1", JULY)
    console = Console(file=io.StringIO(), width=400, color_system=None)
    print_table(console, trail)
    text = console.file.getvalue()
    assert "period 2025-06" in text and "cap_15pct" in text and "-849.00" in text
    assert "net received by case K1 up to 2025-07: 0.00 kr" in text
    assert render_plain(trail) == render_plain(explain_case(Warehouse(f"sqlite:///{out / 'warehouse.sqlite'}"),
                                                            "K1", JULY)), "deterministic"


class _Storage:
    """A warehouse of one held case whose free-text detail carries a CPR number."""

    def __init__(self):
        self.allowances = pd.DataFrame({
            "case_id": ["K7"], "status": ["held"], "reason_code": ["CALC_INPUT_REJECTED"],
            "detail": ["member 050552-5555 has an income the calculation cannot take"], "payee": ["applicant"],
            "org_id": ["900"], "lease_id": ["L7"], "period": [JUNE], "amount_ore": [0]})

    def partition_keys(self, table):
        return [JUNE] if table == "provisional_allowances" else []

    def read_partitions(self, table, keys):
        return self.allowances

    def read_table(self, table):
        return None


def test_a_cpr_number_in_stored_text_is_masked():
    trail = explain_case(_Storage(), "K7", JUNE)
    assert isinstance(trail, CaseTrail)
    text = render_plain(trail)
    assert "CALC_INPUT_REJECTED" in text and "member <cpr> has an income" in text
    assert not re.search(r"\d{6}-?\d{4}", text)
