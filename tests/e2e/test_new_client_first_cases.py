"""In a real Chromium: a new client with its first cases, through every answer Debitura gives."""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta

import pytest
from playwright.sync_api import expect

from dashboard.services.webhook_setup import ensure_sandbox_subscription
from tests.e2e.conftest import sign_in
from tests.raw_body import app_client

pytestmark = pytest.mark.e2e

LIVE_UPDATE_MS = 15_000  # the tenant page polls every 5 s; webhook delivery within a second, with room to spare
TODAY = datetime.now(UTC).date()


def fill_client(page, tenant_id: str, email: str) -> None:
    page.get_by_label("Tenant id (externalTenantId)").fill(tenant_id)
    page.get_by_label("Company name").fill("Harbour Foods ApS")
    page.get_by_label("Country", exact=True).fill("DK")
    page.get_by_label("Support e-mail").fill(email)
    page.get_by_label("User 1 name").fill("Mette Holm")
    page.get_by_label("User 1 e-mail").fill(email)


def add_case(page, number: int, *, debtor: str, country: str, reference: str):
    page.get_by_role("button", name=re.compile(r"^Add (a first|another) case$")).click()
    case = page.get_by_role("group", name=f"Case {number}", exact=True)
    case.get_by_label("Amount to recover").fill("1250,50")
    case.get_by_label("Currency").select_option(label="EUR · Euro")
    case.get_by_label("Invoice date").fill((TODAY - timedelta(days=60)).isoformat())
    case.get_by_label("Creditor reference").fill(reference)
    case.get_by_label("Company", exact=True).check()
    case.get_by_label("Debtor name").fill(debtor)
    case.get_by_label("Debtor country").select_option(label=country)
    return case


def test_a_client_with_a_covered_and_an_uncovered_case_shows_the_created_one_and_explains_the_failed_one(live_server, page):
    sign_in(page, live_server.create_operator("operator"))
    page.goto("/tenants/new")
    fill_client(page, "harbour-1", "mette@harbour.example")
    first = add_case(page, 1, debtor="Nordhavn Trading A/S", country="Denmark (DK)", reference="INV-101")
    add_case(page, 2, debtor="Kumgang Imports", country="North Korea (KP)", reference="INV-102")
    expect(first.get_by_label("Debtor name")).to_have_value("Nordhavn Trading A/S")  # adding one kept the first

    page.get_by_role("button", name="Preview pricing of the cases").click()
    expect(page.get_by_role("region", name="Pricing preview of case 1")).to_contain_text("Eligible")
    expect(page.get_by_role("region", name="Pricing preview of case 2")).to_contain_text("Not eligible")

    page.get_by_role("button", name="Create client with its cases").click()

    expect(page.get_by_role("heading", level=1)).to_contain_text("Harbour Foods ApS")
    expect(page.get_by_text("1 of 2 first cases was created")).to_be_visible()
    failed = page.get_by_role("list", name="First cases not created")
    expect(failed).to_contain_text("INV-102")
    expect(failed).to_contain_text("No collection partner covers the debtor's country")
    expect(failed.get_by_role("button", name="Change the debtor and submit it")).to_be_visible()
    expect(failed.get_by_role("button", name="Drop this case")).to_be_visible()
    cases = page.get_by_role("region", name=re.compile("^Cases"))
    expect(cases.get_by_role("row")).to_have_count(2)
    expect(cases).to_contain_text("Nordhavn Trading A/S")

    failed.get_by_role("button", name="Drop this case").click()
    expect(page.get_by_role("list", name="First cases not created")).to_have_count(0)


def test_a_carried_case_appears_pending_signing_on_the_open_tenant_page_once_the_customer_approves(live_server, page):
    with live_server.app.app_context():
        ensure_sandbox_subscription(app_client())
    sign_in(page, live_server.create_operator("operator"))
    page.goto("/tenants/new")
    fill_client(page, "harbour-2", "mette@existing.example")
    add_case(page, 1, debtor="Aarhus Logistics A/S", country="Denmark (DK)", reference="INV-201")
    page.get_by_role("button", name="Create client with its cases").click()

    note = page.get_by_text("1 case will be created when the customer approves the link.")
    expect(note).to_be_visible()
    expect(page.locator("#carried-cases-note")).to_contain_text("Aarhus Logistics A/S (DK), reference INV-201")
    approval_url = page.get_by_role("textbox", name="approval URL").input_value()

    customer = page.context.new_page()
    customer.goto(approval_url)
    customer.get_by_role("button", name="Approve").click()

    cases = page.get_by_role("region", name=re.compile("^Cases"))
    expect(cases.get_by_role("row").filter(has_text="Aarhus Logistics A/S")).to_contain_text(
        "Pending contract signing", timeout=LIVE_UPDATE_MS)
    expect(cases.get_by_role("button", name=re.compile("^Copy signing URL for"))).to_be_visible(timeout=LIVE_UPDATE_MS)
    expect(note).to_have_count(0)


def test_a_refusal_of_the_second_case_keeps_everything_typed_and_marks_its_field(live_server, page):
    sign_in(page, live_server.create_operator("operator"))
    page.goto("/tenants/new")
    fill_client(page, "harbour-3", "mette@harbour3.example")
    add_case(page, 1, debtor="First Debtor A/S", country="Denmark (DK)", reference="INV-SAME")
    add_case(page, 2, debtor="Second Debtor A/S", country="Sweden (SE)", reference="INV-SAME")

    page.get_by_role("button", name="Create client with its cases").click()

    second = page.get_by_role("group", name="Case 2", exact=True)
    reference = second.get_by_label("Creditor reference")
    expect(reference).to_have_attribute("aria-invalid", "true")
    expect(second).to_contain_text("DuplicateReference")
    expect(page.get_by_text("nothing was created")).to_be_visible()
    expect(second.get_by_label("Debtor name")).to_have_value("Second Debtor A/S")
    expect(page.get_by_role("group", name="Case 1", exact=True).get_by_label("Debtor name")).to_have_value("First Debtor A/S")
    expect(page.get_by_role("group", name="Case 1", exact=True).get_by_label("Amount to recover")).to_have_value("1250,50")
    expect(page.get_by_label("Company name")).to_have_value("Harbour Foods ApS")
