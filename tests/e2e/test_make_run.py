"""`make run` as a new user runs it: it sets everything up, prints the first operator once, and serves a login page."""

from __future__ import annotations

import os
import re
import signal
import subprocess
import time
from pathlib import Path

import pyotp
import pytest
import requests
from playwright.sync_api import expect

from tests.e2e.conftest import _free_port

pytestmark = pytest.mark.e2e

ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture
def make_run(tmp_path):
    tmp_path = tmp_path / "make-run"  # the page fixture's live server keeps its own files in tmp_path
    tmp_path.mkdir()
    port = _free_port()
    env = {
        **os.environ,
        "DATABASE_URL": f"sqlite:///{tmp_path / 'dashboard.db'}",
        "SANDBOX_DATABASE_URL": f"sqlite:///{tmp_path / 'sandbox.db'}",
        "SECRET_KEY": "make-run-test-session-key-0123456789",
        "DEBITURA_ENV": "sandbox",
    }
    for name in ("DASHBOARD_ADMIN_EMAIL", "DASHBOARD_ADMIN_PASSWORD", "DASHBOARD_PUBLIC_URL"):
        env.pop(name, None)
    log = tmp_path / "make-run.log"
    with log.open("w") as output:
        process = subprocess.Popen(
            ["make", "--no-print-directory", "run", f"PORT={port}", "WORKERS=2"],
            cwd=ROOT, env=env, stdout=output, stderr=subprocess.STDOUT, start_new_session=True,
        )
    url = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 120
        while time.monotonic() < deadline:
            assert process.poll() is None, log.read_text()
            try:
                if requests.get(f"{url}/healthz", timeout=5).status_code == 200:
                    break
            except requests.RequestException:
                time.sleep(0.25)  # polling a starting server, not waiting on the page under test
        else:
            pytest.fail(f"make run did not serve within 120 s:\n{log.read_text()}")
        yield url, log.read_text()
    finally:
        os.killpg(process.pid, signal.SIGTERM)
        process.wait(timeout=30)


def test_make_run_prints_the_first_operator_once_and_serves_a_login_that_works(page, make_run):
    url, output = make_run
    email = re.search(r"e-mail:\s+(\S+)", output).group(1)
    password = re.search(r"password:\s+(\S+)", output).group(1)
    assert "Sandbox demo data loaded." in output, output
    assert output.count(password) == 1  # shown once, and never again in the server's own log lines

    page.goto(f"{url}/auth/login")
    expect(page.get_by_role("status", name="Environment")).to_contain_text("SANDBOX")
    page.get_by_label("E-mail").fill(email)
    page.get_by_label("Password").fill(password)
    page.get_by_role("button", name="Sign in").click()
    expect(page.get_by_role("navigation", name="Main")).to_be_visible()
    # The first operator is an admin, and admins sign in with two factors by default (REQUIRE_2FA=admins).
    expect(page.get_by_role("heading", name="Set up two-factor sign-in")).to_be_visible()
    app = pyotp.TOTP(page.locator("#totp-key").inner_text().replace(" ", ""))
    page.get_by_label("Code from your app").fill(app.now())
    page.get_by_role("button", name="Turn on two-factor sign-in").click()
    page.get_by_role("link", name="I have saved them, continue").click()
    expect(page.get_by_role("heading", name="Triage")).to_be_visible()
