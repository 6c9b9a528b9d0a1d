"""In a real Chromium: what the dashboard knows of a tenant survives refusals, awkward ids and webhook-only tenants."""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import expect

from dashboard.extensions import db
from dashboard.services import mirror, mirror_events
from dashboard.services.tenant_state import debitura_now
from tests.e2e.conftest import sign_in
from tests.tenant_data import add_tenant, create_client

pytestmark = pytest.mark.e2e


def fill_new_client(page, tenant_id: str, email: str, *, company: str = "Slash & Co ApS") -> None:
    page.get_by_label("Tenant id (externalTenantId)").fill(tenant_id)
    page.get_by_label("Company name").fill(company)
    page.get_by_label("Country").fill("DK")
    page.get_by_label("Support e-mail").fill(email)
    page.get_by_label("User 1 name").fill("Anna Berg")
    page.get_by_label("User 1 e-mail").fill(email)


def test_a_tenant_id_with_slash_query_and_fragment_is_created_read_again_and_withdrawn(live_server, page):
    sign_in(page, live_server.create_operator("admin"))
    page.goto("/tenants/new")
    fill_new_client(page, "qa/slash?#&154", "slash@acme.example")
    page.get_by_role("button", name="Create client").click()

    expect(page.get_by_role("heading", level=1)).to_contain_text("Slash & Co ApS")
    expect(page.get_by_text("qa/slash?#&154").first).to_be_visible()
    page.get_by_role("button", name="Read again from Debitura").click()
    expect(page.get_by_text("Read from Debitura just now.")).to_be_visible()

    page.get_by_role("link", name="Withdraw the link…").click()
    page.get_by_role("button", name="Yes, withdraw the link").click()
    expect(page.get_by_text("The link is withdrawn at Debitura.")).to_be_visible()
    standing = page.get_by_role("region", name="Where this client stands")
    expect(standing.get_by_text("Withdrawn / archived", exact=True)).to_be_visible()


def test_a_refused_new_client_for_an_existing_tenant_id_leaves_that_tenant_as_it_was(live_server, page):
    app = live_server.app
    create_client(app.extensions["debitura"], "linked-one", "shared@acme.example")
    with app.app_context():
        mirror.upsert_tenant_from_client(app.extensions["debitura"].referral.get_client("linked-one"), source="sync")
        late = add_tenant("late", company="Late Co ApS", country="DK", support_email="billing@late.example",
                          users=[{"email": "lo@late.example", "name": "Lo Late", "isOnboardingUser": True}],
                          conflict_type="ClientExistsNeedsLinking", link_request_status="expired").id
    sign_in(page, live_server.create_operator("operator"))

    page.goto("/tenants/new")
    fill_new_client(page, "late", "shared@acme.example", company="Nordlys Digital ApS")
    page.get_by_role("button", name="Create client").click()
    expect(page.get_by_text("This tenant id already exists in the dashboard.")).to_be_visible()
    expect(page.get_by_role("heading", name="Tenant id late already exists")).to_be_visible()
    page.get_by_label("Send these details for the existing tenant").check()
    page.get_by_role("button", name="Send for the existing tenant").click()

    alert = page.get_by_role("alert").filter(has_text="Debitura answered")
    expect(alert).to_contain_text("Tenant id conflict")
    expect(alert).to_contain_text("Nothing about the existing tenant was changed")
    alert.get_by_role("link", name="linked-one").click()
    expect(page.get_by_role("heading", level=1)).to_contain_text("Linked-One ApS")

    page.goto(f"/tenants/{late}")
    standing = page.get_by_role("region", name="Where this client stands")
    expect(standing.get_by_text("Link expired", exact=True)).to_be_visible()
    expect(standing.get_by_role("button", name="Re-issue the approval URL")).to_be_visible()
    expect(page.get_by_text("billing@late.example")).to_be_visible()


def test_a_tenant_known_only_from_a_webhook_says_what_is_missing_and_is_completed_to_a_fresh_url(live_server, page):
    app = live_server.app
    create_client(app.extensions["debitura"], "declined-1", "ops@existing.example", name="Existing Co ApS")
    with app.app_context():
        mirror_events.apply_event(
            "client.link_declined",
            {"externalTenantId": "declined-1", "creditor": {"id": "c-1", "companyName": "Existing Co ApS"}},
            occurred_at=debitura_now(),
        )
        db.session.commit()
        tenant_id = mirror.find_tenant("declined-1").id
    sign_in(page, live_server.create_operator("operator"))

    page.goto(f"/tenants/{tenant_id}")
    standing = page.get_by_role("region", name="Where this client stands")
    expect(standing).to_contain_text(
        "To issue a fresh URL Debitura needs the client's country, support e-mail and a user with an e-mail address")
    standing.get_by_role("link", name="Complete the details and send them").click()

    expect(page.get_by_label("Tenant id (externalTenantId)")).to_have_value("declined-1")
    expect(page.get_by_label("Company name")).to_have_value("Existing Co ApS")
    expect(page.get_by_label("Send these details for the existing tenant")).to_be_checked()
    page.get_by_label("Country").fill("DK")
    page.get_by_label("Support e-mail").fill("ops@existing.example")
    page.get_by_label("User 1 name").fill("Olga Ops")
    page.get_by_label("User 1 e-mail").fill("ops@existing.example")
    page.get_by_role("button", name="Send for the existing tenant").click()

    expect(page).to_have_url(re.compile(f"/tenants/{tenant_id}$"))
    expect(standing.get_by_text("Link approval pending", exact=True)).to_be_visible()
    expect(standing.get_by_role("textbox", name="approval URL")).to_have_value(re.compile("/ReferralPartner/Approve"))
