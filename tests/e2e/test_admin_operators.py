"""In a real browser: an admin adds an operator, who signs in, creates a client, and finds it in the audit trail."""

import re

import pytest
from playwright.sync_api import expect

from tests.e2e.conftest import sign_in

pytestmark = pytest.mark.e2e


def test_an_admin_adds_an_operator_whose_first_submission_shows_in_the_audit_trail(page, live_server):
    admin = live_server.create_operator("admin")
    sign_in(page, admin)

    page.get_by_role("navigation", name="Main").get_by_role("link", name="Admin").click()
    page.get_by_role("navigation", name="Admin sections").get_by_role("link", name="Operators").click()
    page.get_by_label("E-mail", exact=True).fill("dana@partner.example")
    page.get_by_label("Name", exact=True).fill("Dana Support")
    page.get_by_label("Role", exact=True).select_option("operator")
    page.get_by_role("button", name="Add operator").click()

    expect(page.get_by_role("heading", name="Sign-in details for dana@partner.example")).to_be_visible()
    page.get_by_role("button", name="Copy password").click()
    expect(page.get_by_role("button", name="Copied")).to_be_visible()
    password = page.evaluate("navigator.clipboard.readText()")
    assert len(password) >= 16
    page.get_by_role("button", name="Sign out").click()

    sign_in(page, "dana@partner.example", password)
    # A password an admin handed over is replaced by one of Dana's own before anything else.
    expect(page.get_by_role("heading", name="Change your password")).to_be_visible()
    page.get_by_label("Current password").fill(password)
    page.get_by_label("New password", exact=True).fill("dana keeps her own secrets")
    page.get_by_label("New password again").fill("dana keeps her own secrets")
    page.get_by_role("button", name="Change password").click()
    expect(page.get_by_text("Your password is changed.")).to_be_visible()
    expect(page.get_by_text("Dana Support")).to_be_visible()
    page.goto("/tenants/new")
    page.get_by_label("Tenant id (externalTenantId)").fill("dana-first-client")
    page.get_by_label("Company name").fill("Dana First ApS")
    page.get_by_label("Country").fill("DK")
    page.get_by_label("Support e-mail").fill("support@dana-first.example")
    page.get_by_label("User 1 name").fill("Anna Berg")
    page.get_by_label("User 1 e-mail").fill("anna@dana-first.example")
    page.get_by_role("button", name="Create client").click()
    expect(page).to_have_url(re.compile(r"/tenants/\d+$"))

    page.get_by_role("navigation", name="Main").get_by_role("link", name="Audit trail").click()
    page.get_by_label("Operator e-mail").fill("dana@")
    page.get_by_role("button", name="Filter").click()
    row = page.get_by_role("row").filter(has_text="client.create")
    expect(row).to_have_count(1)
    expect(row).to_contain_text("dana@partner.example")
    expect(row).to_contain_text("dana-first-client")
    expect(row).to_contain_text("HTTP 202")
    expect(page).to_have_url(re.compile(r"/audit/\?.*operator=dana%40"))

    # The admin's invitation is there too, attributed to the admin.
    page.get_by_label("Operator e-mail").fill("")
    page.get_by_label("Action").select_option("operator.invite")
    expect(page.get_by_role("row").filter(has_text="Created dana@partner.example as operator")).to_contain_text(admin)


def test_a_viewer_sees_no_admin_link_and_is_refused_the_operator_list(page, live_server):
    live_server.create_operator("admin", "anna.admin@partner.example")
    sign_in(page, live_server.create_operator("viewer"))
    navigation = page.get_by_role("navigation", name="Main")
    expect(navigation.get_by_role("link", name="Tenants")).to_be_visible()
    expect(navigation.get_by_role("link", name="Admin")).to_have_count(0)

    page.goto("/admin/operators")
    expect(page.get_by_text("Your role does not allow that action.")).to_be_visible()
    expect(page.get_by_text("anna.admin@partner.example")).to_have_count(0)
