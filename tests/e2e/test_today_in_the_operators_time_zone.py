"""An operator in Auckland, a day ahead of UTC in the afternoon, is told which day counts as today."""

from __future__ import annotations

from datetime import timedelta

import pytest
from playwright.sync_api import expect

from dashboard.debitura_day import long_date
from tests.cases_support import make_tenant
from tests.e2e.conftest import sign_in
from tests.integration.test_debitura_today import move_debitura_to

pytestmark = pytest.mark.e2e


@pytest.fixture
def browser_context_args(browser_context_args):
    return {**browser_context_args, "timezone_id": "Pacific/Auckland"}


def test_an_operator_in_auckland_sees_debituras_today_and_their_own(page, live_server):
    sign_in(page, live_server.create_operator("operator"))
    expect(page.get_by_role("navigation", name="Main")).to_be_visible()
    now = move_debitura_to(live_server.app.extensions["sandbox"], 13, 9)
    debitura_today, auckland_today = now.date(), now.date() + timedelta(days=1)
    tenant_id, _ = make_tenant(live_server.app, name="Harbour Ledger Ltd")

    page.goto(f"/tenants/{tenant_id}")
    page.get_by_text("Submit a case", exact=True).click()
    invoice_date = page.get_by_label("Invoice date")
    expect(page.locator("#field-invoice_date")).to_contain_text(
        f"Today counts as {long_date(debitura_today)}, Debitura's date in UTC; "
        f"in your time zone (Pacific/Auckland) it is already {long_date(auckland_today)}."
    )
    page.get_by_label("Amount to recover").fill("4200.00")
    page.get_by_label("Currency").select_option(label="EUR · Euro")
    invoice_date.fill(auckland_today.isoformat())
    page.get_by_label("Company", exact=True).check()
    page.get_by_label("Debtor name").fill("Bergen Maritime AS")
    page.get_by_label("Debtor country").select_option(label="Denmark (DK)")
    page.get_by_role("button", name="Preview pricing").click()

    expect(page.get_by_text(
        f"The invoice date cannot be in the future (today is allowed). Debitura counts days in UTC, where today is "
        f"{long_date(debitura_today)}; in your time zone (Pacific/Auckland) it is already {long_date(auckland_today)}."
    )).to_be_visible()
    expect(page.get_by_label("Debtor name")).to_have_value("Bergen Maritime AS")

    page.get_by_label("Invoice date").fill(debitura_today.isoformat())
    page.get_by_role("button", name="Preview pricing").click()
    expect(page.get_by_role("heading", name="Pricing preview of this case")).to_be_visible()
