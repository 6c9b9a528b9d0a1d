"""Sessions in a real Chromium: the embedded control panel leaves the dashboard signed in, and an ended sign-in
takes the whole page to the sign-in form (never a sign-in form inside a region), then back to where it was."""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import Page, expect

from dashboard.models import Operator
from dashboard.services import operators_admin
from tests.cases_support import make_tenant
from tests.conftest import PASSWORD
from tests.e2e.conftest import sign_in
from tests.e2e.faults import serve
from tests.e2e.live import signed_in_state

pytestmark = pytest.mark.e2e

POLL_MS = 15_000  # the tenant page polls every 5 s; room to spare on a loaded machine


@pytest.fixture(scope="module")
def live_server(tmp_path_factory):
    yield from serve(tmp_path_factory)


def _panel_says(panel: Page, text: str) -> None:
    expect(panel.get_by_role("status").filter(has_text=text)).to_be_visible()


def test_five_control_panel_actions_in_a_row_leave_the_admin_signed_in_to_the_dashboard(browser, live_server):
    tenant_id, _ = make_tenant(live_server.app, name="Still Signed In ApS")
    context = browser.new_context(base_url=live_server.url, storage_state=signed_in_state(browser, live_server, "admin"))
    page = context.new_page()
    page.goto("/tenants/")
    page.get_by_role("link", name="Sandbox control panel").click()
    expect(page.get_by_role("heading", name="Faults")).to_be_visible()

    page.get_by_role("button", name="Advance +1 hour").click()
    _panel_says(page, "Sandbox time is now")
    page.get_by_label("Fault", exact=True).select_option(label="HTTP 503 unavailable")
    page.get_by_label("Number of calls").fill("2")
    page.get_by_role("button", name="Switch the fault on").click()
    _panel_says(page, "HTTP 503 unavailable on the next 2 call(s).")
    page.get_by_role("button", name="Clear all faults").click()
    _panel_says(page, "All faults cleared.")
    page.get_by_label("Rate limiting on").check()
    page.get_by_role("button", name="Save rate limiting").click()
    _panel_says(page, "Rate limiting on")
    page.get_by_label("Rate limiting on").uncheck()
    page.get_by_role("button", name="Save rate limiting").click()
    _panel_says(page, "Rate limiting off")
    expect(page).to_have_url(re.compile(r"/sandbox/control/$"))

    page.goto(f"/tenants/{tenant_id}")
    expect(page.get_by_role("heading", level=1)).to_contain_text("Still Signed In ApS")
    expect(page.get_by_role("banner")).to_contain_text("Admin Tester")
    page.get_by_role("button", name="Read again from Debitura").click()
    expect(page.get_by_role("status").filter(has_text="Read from Debitura just now.")).to_be_visible()
    context.close()


def _operator(app, email: str) -> Operator:
    with app.app_context():
        return Operator.query.filter_by(email=email).one()


def test_when_the_sign_in_ends_the_next_poll_takes_the_whole_page_to_sign_in_and_back(browser, live_server):
    app = live_server.app
    tenant_id, _ = make_tenant(app, name="Session Ends ApS")
    email = live_server.create_operator("operator", "leaving@partner.example")
    context = browser.new_context(base_url=live_server.url)
    page = context.new_page()
    sign_in(page, email)
    page.goto(f"/tenants/{tenant_id}")
    expect(page.get_by_role("banner")).to_contain_text("Operator Tester")
    admin = _operator(app, live_server.create_operator("admin", "boss@partner.example"))
    with app.app_context():
        operators_admin.deactivate(_operator(app, email).id, actor=admin)

    # No click: the page's own 5-second poll finds the sign-in gone.
    expect(page).to_have_url(re.compile(rf"/auth/login\?next=%2Ftenants%2F{tenant_id}"), timeout=POLL_MS)
    expect(page.get_by_role("button", name="Sign in")).to_have_count(1)
    expect(page.get_by_role("banner")).to_have_count(0)  # the old name is gone with the old page
    expect(page.get_by_role("heading", name="Where this client stands")).to_have_count(0)

    with app.app_context():
        operators_admin.reactivate(_operator(app, email).id, actor=admin)
    page.get_by_label("E-mail").fill(email)
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Sign in").click()
    expect(page).to_have_url(re.compile(rf"/tenants/{tenant_id}"))
    expect(page.get_by_role("heading", level=1)).to_contain_text("Session Ends ApS")
    context.close()


def test_an_action_pressed_after_the_sign_in_ended_opens_the_sign_in_page_for_that_page(browser, live_server):
    app = live_server.app
    tenant_id, _ = make_tenant(app, name="Pressed Late ApS")
    email = live_server.create_operator("operator", "late@partner.example")
    context = browser.new_context(base_url=live_server.url)
    page = context.new_page()
    sign_in(page, email)
    page.goto(f"/tenants/{tenant_id}")
    context.clear_cookies()  # the sign-in cookie expired

    page.get_by_role("button", name="Read again from Debitura").click()

    expect(page).to_have_url(re.compile(rf"/auth/login\?next=%2Ftenants%2F{tenant_id}$"))
    expect(page.get_by_role("button", name="Sign in")).to_be_visible()
    expect(page.get_by_role("status").filter(has_text="Your sign-in has ended")).to_be_visible()
    context.close()
