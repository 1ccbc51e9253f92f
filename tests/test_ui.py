"""The Dagster UI, as an operator sees it, in headless Debian chromium (never a downloaded browser)."""

import json
import os
import re
import signal
import socket
import subprocess
import sys
import time
import urllib.request
from contextlib import contextmanager, suppress
from datetime import datetime
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest

from tests.conftest import SAMPLE_MONTH, boligstoette

REPO = Path(__file__).resolve().parents[1]
CHROMIUM = "/usr/bin/chromium"
ASSETS = ["applications", "bbr_units", "case_eligibility", "eindkomst", "household_members", "matched_tenants",
          "organisation_error_lists", "payouts", "previous_register_snapshot", "provisional_allowances",
          "register_changes", "register_quality", "register_snapshot", "tax_assessments", "tenant_review_queue"]
UI_TIMEOUT = 60_000  # ms a person would wait for the UI to show something before calling it broken
STARTUP_SECONDS = 180  # dagster dev up and the code location loaded (pandas, Great Expectations: slow on 2 cores)
# Blueprint's dialog/popover backdrop: while one is on screen it takes every click meant for the page
BACKDROP = ".bp5-overlay-backdrop"
# The yearly schedules (orchestration/jobs.py) and the day of the year each ticks, 06:00 in Copenhagen
YEARLY_SCHEDULES = {"annual_settlement_in_spring": (5, 1), "january_recalculation_in_december": (12, 10)}
LOCATION_STATUS = "{ workspaceOrError { __typename ... on Workspace { locationEntries { name loadStatus " \
                  "locationOrLoadError { __typename ... on PythonError { message } } } } } }"


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _location_status(url: str) -> list[dict] | None:
    """The workspace's code locations as the webserver's GraphQL reports them; None while it is not answering."""
    request = urllib.request.Request(f"{url}/graphql", data=json.dumps({"query": LOCATION_STATUS}).encode(),
                                     headers={"Content-Type": "application/json"})
    try:
        with urllib.request.urlopen(request, timeout=5) as response:
            workspace = json.load(response)["data"]["workspaceOrError"]
    except (OSError, ValueError, KeyError, TypeError):
        return None
    return workspace.get("locationEntries")


def _wait_until_loaded(proc: subprocess.Popen, url: str) -> None:
    """Until the webserver answers and every code location is loaded (what the UI waits for before it shows
    assets): a test never races the loading screen."""
    deadline = time.monotonic() + STARTUP_SECONDS
    while True:
        entries = _location_status(url)
        if entries and all(e["loadStatus"] == "LOADED" for e in entries):
            errors = [e for e in entries if e["locationOrLoadError"]["__typename"] == "PythonError"]
            assert not errors, f"code location failed to load: {errors}"
            return
        assert proc.poll() is None, f"dagster dev exited with {proc.returncode} before its code location loaded"
        assert time.monotonic() < deadline, f"dagster dev not loaded within {STARTUP_SECONDS} s: {entries}"
        time.sleep(1)


@pytest.fixture
def dagster_dev(tmp_path):
    """`dagster dev -w workspace.yaml` as the README starts it, on a free local port, over the
    instance in tmp_path/home (a test may run the job there first)."""
    port = _free_port()
    env = {**os.environ, "DAGSTER_HOME": str(tmp_path / "home"), "BOLIGSTOETTE_OUT": str(tmp_path / "out"),
           "BOLIGSTOETTE_LANDING": str(tmp_path / "landing")}
    (tmp_path / "home").mkdir(exist_ok=True)
    proc = subprocess.Popen(
        [str(Path(sys.executable).with_name("dagster")), "dev", "-w", "workspace.yaml", "-h", "127.0.0.1",
         "-p", str(port)],
        cwd=REPO, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, start_new_session=True,
    )
    url = f"http://127.0.0.1:{port}"
    try:
        _wait_until_loaded(proc, url)
        yield url
    finally:
        os.killpg(proc.pid, signal.SIGTERM)
        try:
            proc.wait(timeout=30)
        except subprocess.TimeoutExpired:
            os.killpg(proc.pid, signal.SIGKILL)


@contextmanager
def _browser_page(shot: Path):
    """A page in headless Debian chromium; on any failure, a screenshot of what the page showed goes to `shot`."""
    if not Path(CHROMIUM).exists():
        pytest.fail(f"{CHROMIUM} missing: install Debian's chromium (make test does)")
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        browser = p.chromium.launch(
            executable_path=CHROMIUM,
            args=["--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update",
                  "--disable-sync", "--no-first-run", "--disable-quic"],
        )
        try:
            page = browser.new_page(viewport={"width": 1600, "height": 1200})
            page.set_default_timeout(UI_TIMEOUT)
            page.set_default_navigation_timeout(UI_TIMEOUT)
            _skip_the_community_dialog(page)
            try:
                yield page
            except BaseException:
                with suppress(Exception):  # the test's own error is the one to report
                    page.screenshot(path=str(shot), full_page=True)
                raise
        finally:
            browser.close()


def _skip_the_community_dialog(page) -> None:
    """Dagster's first-visit "Join the Dagster community" dialog opens one second after its query answers, so at
    any moment, not just after a page load: whenever it is on screen before an action or an assertion, Playwright
    first presses its Skip button, as a person would, and waits until the dialog is gone."""
    dialog = page.get_by_role("dialog").filter(has_text="Join the Dagster community")
    page.add_locator_handler(dialog, lambda d: d.get_by_role("button", name="Skip").click())


def _no_overlay(page) -> None:
    """Wait until no dialog/popover backdrop covers the page (a closing one fades out before it is removed)."""
    from playwright.sync_api import expect

    expect(page.locator(BACKDROP)).to_have_count(0, timeout=UI_TIMEOUT)


def _click(locator) -> None:
    """Click as a person does: nothing covering the page, the element visible and enabled, then the click
    (Playwright's click itself waits for the element to be stable and to receive the pointer)."""
    from playwright.sync_api import expect

    _no_overlay(locator.page)
    expect(locator).to_be_visible(timeout=UI_TIMEOUT)
    expect(locator).to_be_enabled(timeout=UI_TIMEOUT)
    locator.click(timeout=UI_TIMEOUT)


def _open(page, url):
    """Navigate, wait for the navigation to finish and for nothing to cover the page; what the page then shows
    is waited for by the assertions (the UI fills in from GraphQL after the load)."""
    page.goto(url, wait_until="load")
    _no_overlay(page)


def _shows(page, text: str | re.Pattern) -> None:
    """The page shows `text` (an assertion: fails after UI_TIMEOUT)."""
    from playwright.sync_api import expect

    expect(page.get_by_text(text).first).to_be_visible(timeout=UI_TIMEOUT)


@pytest.fixture
def failed_month(landing, tmp_path):
    """The job run for the sample month on a delivery with a duplicate lease_id (a blocking error)."""
    snapshot = landing / "register" / "huslejeregister_20261115.csv"
    lines = snapshot.read_text(encoding="utf-8").splitlines()
    snapshot.write_text("\n".join([*lines, lines[3]]) + "\n", encoding="utf-8")
    (tmp_path / "home").mkdir()
    proc = boligstoette("run", "--landing", str(landing), "--out", str(tmp_path / "out"), "--month", SAMPLE_MONTH,
                        env={"DAGSTER_HOME": str(tmp_path / "home"), "BOLIGSTOETTE_WAREHOUSE_URL": ""}, check=False)
    assert proc.returncode == 1
    assert not (tmp_path / "out" / "payouts").exists()
    return lines[3].split(";")[lines[0].split(";").index("lease_id")]


@pytest.mark.browser
def test_a_failed_blocking_check_and_its_reason_show_in_the_ui(failed_month, dagster_dev, tmp_path):
    with _browser_page(tmp_path / "failure.png") as page:
        _open(page, f"{dagster_dev}/assets/register_snapshot?view=checks")
        _shows(page, "register_snapshot_suite")
        _shows(page, "Failed")
        _click(page.get_by_text("register_snapshot_suite").first)
        _shows(page, failed_month)  # the duplicate lease_id: the reason
        _shows(page, "This is a blocking asset check")
        page.screenshot(path=str(tmp_path / "failed_check.png"), full_page=True)
        _open(page, f"{dagster_dev}/assets/payouts")
        _shows(page, "Failed in")  # payouts were not made
        _shows(page, "No metadata found")


@pytest.mark.browser
def test_every_asset_is_visible_in_the_ui(dagster_dev, tmp_path):
    from playwright.sync_api import expect

    with _browser_page(tmp_path / "failure.png") as page:
        _open(page, f"{dagster_dev}/assets")
        for name in ASSETS:
            # the catalogue row's link reads "name name" (a visible and a hidden copy)
            link = page.get_by_role("link", name=re.compile(rf"^{re.escape(name)}(\s|$)")).first
            expect(link).to_be_visible(timeout=UI_TIMEOUT)
        page.screenshot(path=str(tmp_path / "assets.png"), full_page=True)
        _open(page, f"{dagster_dev}/jobs/monthly_benefit_job")
        _shows(page, "monthly_benefit_job")


def _next_tick(month: int, day: int) -> re.Pattern:
    """The next (month, day) 06:00 Copenhagen after now, as the schedule page shows it: "May 1, 2027, 6:00:00 AM",
    without the year when it is this year ("Dec 10, 6:00:00 AM")."""
    now = datetime.now(ZoneInfo("Europe/Copenhagen"))
    tick = datetime(now.year, month, day, 6, tzinfo=now.tzinfo)
    tick = tick if tick > now else tick.replace(year=now.year + 1)
    year = "" if tick.year == now.year else f" {tick.year},"
    return re.compile(rf"^{tick:%b} {tick.day},{year} 6:00:00\sAM")


@pytest.mark.browser
def test_the_yearly_schedules_show_with_their_next_tick_in_the_ui(dagster_dev, tmp_path):
    """The automation overview lists the yearly schedules; each one's page shows when it next runs (Dagster shows
    a next tick only for a running schedule: they run by default)."""
    with _browser_page(tmp_path / "failure.png") as page:
        for name, (month, day) in YEARLY_SCHEDULES.items():
            _open(page, f"{dagster_dev}/automation")
            _shows(page, "annual_settlement_in_spring")
            _shows(page, "january_recalculation_in_december")
            _click(page.get_by_text(name, exact=True).first)
            page.wait_for_url(re.compile(rf"/schedules/{name}$"), timeout=UI_TIMEOUT)
            _shows(page, "Next tick")
            _shows(page, _next_tick(month, day))
        page.screenshot(path=str(tmp_path / "yearly_schedule.png"), full_page=True)
