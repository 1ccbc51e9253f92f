"""The Dagster UI, as an operator sees it, in headless Debian chromium (never a downloaded browser)."""

import os
import re
import signal
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

import pytest

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
    """`dagster dev -w workspace.yaml` as the README starts it, on a free local port."""
    port = _free_port()
    env = {**os.environ, "DAGSTER_HOME": str(tmp_path / "home"), "BOLIGSTOETTE_OUT": str(tmp_path / "out"),
           "BOLIGSTOETTE_LANDING": str(tmp_path / "landing")}
    (tmp_path / "home").mkdir()
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


@pytest.mark.browser
def test_every_asset_is_visible_in_the_ui(dagster_dev, tmp_path):
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
            page.goto(f"{dagster_dev}/assets", wait_until="networkidle")
            skip = page.get_by_role("button", name="Skip")  # Dagster's first-visit newsletter dialog
            if skip.count():
                skip.click()
            for name in ASSETS:
                # the catalogue row's link reads "name name" (a visible and a hidden copy)
                page.get_by_role("link", name=re.compile(rf"^{re.escape(name)}(\s|$)")).first.wait_for(timeout=60_000)
            page.screenshot(path=str(tmp_path / "assets.png"), full_page=True)
            page.goto(f"{dagster_dev}/jobs/monthly_benefit_job", wait_until="networkidle")
            page.get_by_text("monthly_benefit_job").first.wait_for(timeout=60_000)
        finally:
            browser.close()
