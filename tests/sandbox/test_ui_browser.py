"""The hosted pages and the control panel in a real Chromium, driven by role and label as a person would use them."""

from __future__ import annotations

import re
from collections.abc import Iterator
from urllib.parse import quote

import pytest
from playwright.sync_api import Page, Route, expect

from dashboard.debitura import Conflict, ReferralApi
from dashboard.sandbox.__main__ import BackgroundServer, standalone_sandbox

# The offline Chromium set-up, and axe-core on every state the tests reach.
from tests.e2e.conftest import browser_type_launch_args, new_context  # noqa: F401
from tests.raw_body import raw
from tests.serving import free_port

pytestmark = pytest.mark.e2e

HOST = "127.0.0.1"
PARTNER_APP = "https://app.example/debitura/done?tenant=browser-1"


@pytest.fixture(scope="module")
def sandbox_url(tmp_path_factory) -> Iterator[str]:
    port = free_port(HOST)
    database = tmp_path_factory.mktemp("browser") / "sandbox.db"
    box = standalone_sandbox(HOST, port, database=f"sqlite:///{database}", auto_deliver=False)
    server = BackgroundServer(box, HOST, port)
    yield server.url
    server.stop()
    box.close()


@pytest.fixture
def partner_app(page: Page) -> list[str]:
    """The partner's own app, where customers are sent back: recorded, never reached over the network."""
    visits: list[str] = []

    def answer(route: Route) -> None:
        visits.append(route.request.url)
        body = "<!doctype html><html lang='en'><title>Partner app</title><main><h1>Back in the partner's app</h1></main></html>"
        route.fulfill(status=200, content_type="text/html", body=body)

    page.route("https://app.example/**", answer)
    return visits


def test_a_customer_approves_the_link_signs_everything_and_returns_to_the_partner(page, sandbox_url, partner_app):
    referral = ReferralApi(f"{sandbox_url}/referral-api", "sandbox-key")
    with pytest.raises(Conflict) as conflict:
        referral.create_client(raw({
            "externalTenantId": "browser-1",
            "client": {"name": "Browser Old Co GmbH", "country": "DE",
                       "supportEmail": "books.browser@existing.example"},
            "users": [{"name": "Jana Vogel", "email": "jana.browser@existing.example", "isOnboardingUser": True}],
            "cases": [{"currencyCode": "EUR", "amountToRecover": 2500, "date": "2024-03-01",
                       "debtor": {"type": "Company", "name": "Schuldner GmbH", "countryAlpha2": "DE"}}],
        }))

    page.goto(f"{conflict.value.approval_url}&returnUrl={quote(PARTNER_APP, safe='')}")
    heading = page.get_by_role("heading", level=1)
    expect(heading).to_have_text("Connect Northwind Invoicing ApS to your Debitura account")
    page.get_by_role("button", name="Approve").click()

    for button in ("Sign the agreement", "Sign the Power of Attorney", "Sign the pricing appendix"):
        page.get_by_label("Six-digit signing code").fill("246810")
        page.get_by_role("button", name=button).click()

    expect(page.get_by_role("heading", name="Back in the partner's app")).to_be_visible()
    assert partner_app == [f"{PARTNER_APP}&completed=true"]
    assert referral.get_client("browser-1").onboarding_done is True


def test_a_wrong_code_is_explained_next_to_the_field(page, sandbox_url):
    referral = ReferralApi(f"{sandbox_url}/referral-api", "sandbox-key")
    created = referral.create_client(raw({
        "externalTenantId": "browser-2",
        "client": {"name": "Browser New ApS", "country": "DK", "supportEmail": "books@browser-new.example"},
        "users": [{"name": "Ole Lund", "email": "ole@browser-new.example", "isOnboardingUser": True}],
    }))

    page.goto(created.client.onboarding_url)
    expect(page.get_by_label("Company name")).to_have_value("Browser New ApS")
    page.get_by_role("button", name="Continue").click()
    page.get_by_role("button", name="Continue").click()
    page.get_by_label("Six-digit signing code").fill("12")
    page.get_by_role("button", name="Sign the agreement").click()

    expect(page.get_by_text("Enter the six-digit code we sent you.")).to_be_visible()
    expect(page.get_by_label("Six-digit signing code")).to_have_attribute("aria-invalid", "true")


def test_the_control_panel_moves_time_and_resets_only_after_confirmation(page, sandbox_url):
    page.goto(f"{sandbox_url}/control/")
    page.get_by_role("button", name="Advance +1 day").click()
    expect(page.get_by_role("status")).to_contain_text("Sandbox time is now")
    expect(page.get_by_text(re.compile(r"1 day ahead of real time"))).to_be_visible()

    page.get_by_role("link", name="Reset the sandbox to the demo data").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Reset the sandbox?")
    page.get_by_role("button", name="Yes, reset").click()

    expect(page.get_by_role("status")).to_have_text("The sandbox was reset to the demo data.")
