"""The Dagster UI, as an operator sees it, in headless Debian chromium (never a downloaded browser)."""

import os
import re
import signal
import socket
import subprocess
import sys
import time
import urllib.request
from contextlib import contextmanager
from pathlib import Path

import pytest

from tests.conftest import SAMPLE_MONTH, boligstoette

REPO = Path(__file__).resolve().parents[1]
CHROMIUM = "/usr/bin/chromium"
ASSETS = ["applications", "bbr_units", "case_eligibility", "eindkomst", "household_members", "matched_tenants",
          "organisation_error_lists", "payouts", "previous_register_snapshot", "provisional_allowances", "register_changes", "register_quality", "register_snapshot", "tax_assessments",
          "tenant_review_queue"]


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.fixture
def dagster_dev(tmp_path):
    """`dagster dev -w workspace.yaml` as the README starts it, on a free local port, over the
    instance in tmp_path/home (a test may run the job there first)."""
    port = _free_port()
    env = {**os.environ, "DAGSTER_HOME": str(tmp_path / "home"), "BOLIGSTOETTE_OUT": str(tmp_path / "out"),
           "BOLIGSTOETTE_LANDING": str(tmp_path / "landing")}
    (tmp_path / "home").mkdir(exist_ok=True)
    proc = subprocess.Popen(
        [str(Path(sys.executable).with_name("dagster")), "dev", "-w", "workspace.yaml", "-h", "127.0.0.1", "-p", str(port)],
        cwd=REPO, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, start_new_session=True,
    )
    url = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 120
        while True:
            try:
                urllib.request.urlopen(f"{url}/server_info", timeout=2)
                break
            except OSError:
                if proc.poll() is not None or time.monotonic() > deadline:
                    raise AssertionError("dagster dev did not come up within 120 s")
                time.sleep(1)
        yield url
    finally:
        os.killpg(proc.pid, signal.SIGTERM)
        try:
            proc.wait(timeout=30)
        except subprocess.TimeoutExpired:
            os.killpg(proc.pid, signal.SIGKILL)


@contextmanager
def _browser_page():
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
            yield browser.new_page(viewport={"width": 1600, "height": 1200})
        finally:
            browser.close()


def _open(page, url):
    page.goto(url, wait_until="networkidle")
    skip = page.get_by_role("button", name="Skip")  # Dagster's first-visit newsletter dialog
    if skip.count():
        skip.click()


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
    with _browser_page() as page:
        _open(page, f"{dagster_dev}/assets/register_snapshot?view=checks")
        page.get_by_text("register_snapshot_suite").first.wait_for(timeout=60_000)
        page.get_by_text("Failed").first.wait_for(timeout=60_000)
        page.get_by_text("register_snapshot_suite").first.click()
        page.get_by_text(failed_month).first.wait_for(timeout=60_000)  # the duplicate lease_id: the reason
        page.get_by_text("This is a blocking asset check").first.wait_for(timeout=60_000)
        page.screenshot(path=str(tmp_path / "failed_check.png"), full_page=True)
        _open(page, f"{dagster_dev}/assets/payouts")
        page.get_by_text("Failed in").first.wait_for(timeout=60_000)  # payouts were not made
        page.get_by_text("No metadata found").first.wait_for(timeout=60_000)


@pytest.mark.browser
def test_every_asset_is_visible_in_the_ui(dagster_dev, tmp_path):
    with _browser_page() as page:
        try:
            _open(page, f"{dagster_dev}/assets")
            for name in ASSETS:
                # the catalogue row's link reads "name name" (a visible and a hidden copy)
                page.get_by_role("link", name=re.compile(rf"^{re.escape(name)}(\s|$)")).first.wait_for(timeout=60_000)
            page.screenshot(path=str(tmp_path / "assets.png"), full_page=True)
            page.goto(f"{dagster_dev}/jobs/monthly_benefit_job", wait_until="networkidle")
            page.get_by_text("monthly_benefit_job").first.wait_for(timeout=60_000)
        finally:
            page.screenshot(path=str(tmp_path / "assets.png"), full_page=True)
