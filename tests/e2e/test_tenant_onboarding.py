"""In a real Chromium: triage to a stuck tenant, copy its URL, onboard as the customer, watch the page update itself."""

from __future__ import annotations

import re
from datetime import timedelta

import pytest
from playwright.sync_api import expect

from dashboard.services import sync as sync_service
from dashboard.services.tenant_state import debitura_now
from dashboard.services.webhook_setup import ensure_sandbox_subscription
from tests.e2e.conftest import sign_in
from tests.raw_body import app_client
from tests.tenant_data import add_tenant, create_client

pytestmark = pytest.mark.e2e

LIVE_UPDATE_MS = 15_000  # poll every 5 s + webhook delivery within a second, with room to spare


def test_a_stuck_tenant_is_found_copied_onboarded_and_shown_ready_without_a_reload(live_server, page):
    app = live_server.app
    debitura, sandbox = app.extensions["debitura"], app.extensions["sandbox"]
    with app.app_context():
        ensure_sandbox_subscription(app_client())
    create_client(debitura, "stuck-co", name="Stuck Co ApS")
    sandbox.advance_clock(4 * 86400)  # the customer opened onboarding four days ago and stopped
    with app.app_context():
        assert sync_service.run_sync(debitura=app_client()).status == "succeeded"
    sign_in(page, live_server.create_operator("operator"))

    page.goto("/triage/")
    queue = page.get_by_role("region", name=re.compile("Onboarding started more than 3 days ago"))
    expect(queue.get_by_text("Onboarding started 4 d ago and is not finished.")).to_be_visible()
    queue.get_by_role("link", name="Stuck Co ApS", exact=True).click()

    expect(page.get_by_role("heading", level=1)).to_contain_text("Stuck Co ApS")
    standing = page.get_by_role("region", name="Where this client stands")
    expect(standing.get_by_text("Onboarding in progress", exact=True)).to_be_visible()
    copy = standing.get_by_role("button", name="Copy onboarding URL")
    copy.click()
    expect(copy).to_have_text("Copied")
    copied = page.evaluate("navigator.clipboard.readText()")
    assert "/sandbox/ui/onboarding/companydetails/" in copied
    assert copied == standing.get_by_role("textbox", name="onboarding URL").input_value()

    customer = page.context.new_page()
    customer.goto(copied)
    customer.get_by_role("button", name="Continue").click()  # company details, as sent
    customer.get_by_role("button", name="Continue").click()  # users
    customer.get_by_label("Six-digit signing code").fill("123456")
    customer.get_by_role("button", name="Sign the agreement").click()
    expect(customer.get_by_role("heading", name="Onboarding complete")).to_be_visible()

    # The tenant page was left open: the webhook lands and the page refreshes itself.
    expect(standing.get_by_text("Ready", exact=True)).to_be_visible(timeout=LIVE_UPDATE_MS)
    expect(standing.get_by_role("button", name="Copy onboarding URL")).to_have_count(0)
    expect(page.get_by_role("region", name="Debitura events")).to_contain_text("Signed the agreement: onboarding complete")


def test_searching_and_filtering_keep_the_url_in_step_and_the_back_button_works(live_server, page):
    with live_server.app.app_context():
        now = debitura_now()
        add_tenant("alpha", company="Alpha ApS", onboarding_done=True)
        add_tenant("bravo", company="Bravo A/S", onboarding_done=False, onboarding_url="https://ui.example/onboarding/companydetails/b")
        add_tenant("charlie", company="Charlie Ltd", conflict_type="ClientExistsNeedsLinking", link_request_status="pending",
                   approval_url="https://ui.example/Approve?token=c", approval_expires_at=now + timedelta(days=2))
    sign_in(page, live_server.create_operator("viewer"))
    page.goto("/tenants/")
    table = page.get_by_role("table")
    expect(table.get_by_role("row")).to_have_count(4)

    page.get_by_label("Search tenants").fill("bra")
    expect(table.get_by_role("row")).to_have_count(2)
    expect(table).to_contain_text("Bravo A/S")
    expect(page).to_have_url(re.compile(r"/tenants/\?q=bra"))

    page.get_by_role("link", name=re.compile("Ready")).click()
    expect(page.get_by_text("No tenant matches “bra” in “Ready”.")).to_be_visible()
    expect(page).to_have_url(re.compile(r"state=ready"))

    page.get_by_role("link", name=re.compile("^All")).click()
    expect(page).not_to_have_url(re.compile(r"state=ready"))  # the chip's answer is in before the next search
    page.get_by_label("Search tenants").fill("")
    expect(page.get_by_role("table").get_by_role("row")).to_have_count(4)
    page.get_by_role("link", name=re.compile("Link approval pending")).click()
    expect(page.get_by_role("table")).to_contain_text("Charlie Ltd")
    expect(page.get_by_role("table").get_by_role("row")).to_have_count(2)

    page.go_back()
    expect(page).not_to_have_url(re.compile(r"state=approval_pending"))
    expect(page.get_by_role("table").get_by_role("row")).to_have_count(4)
