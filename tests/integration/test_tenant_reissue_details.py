"""Re-issuing a URL re-sends POST /clients: the mirror keeps what that needs, however the tenant reached it,
and says in words what is missing when it never learned it."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from dashboard.extensions import db
from dashboard.models import AuditEntry, Tenant
from dashboard.sandbox.demo import demo_tenants
from dashboard.services import mirror_events
from dashboard.services import tenants as tenant_service
from dashboard.services.tenant_state import debitura_now
from dashboard.services.webhook_setup import ensure_sandbox_subscription
from dashboard.sync.cli import first_sandbox_sync
from tests.raw_body import app_client
from tests.tenant_data import create_client

pytestmark = pytest.mark.shared_app


def tenant(app, external_tenant_id: str) -> Tenant:
    with app.app_context():
        row = db.session.scalar(select(Tenant).where(Tenant.external_tenant_id == external_tenant_id))
        db.session.expunge(row)
        return row


def declined_by_webhook_only(app, debitura, external_tenant_id: str = "declined-1") -> int:
    """A link request made outside the dashboard, which the mirror knows from its webhook alone."""
    create_client(debitura, external_tenant_id, "ops@existing.example", name="Existing Co ApS")
    with app.app_context():
        mirror_events.apply_event(
            "client.link_declined",
            {"externalTenantId": external_tenant_id, "creditor": {"id": "c-1", "companyName": "Existing Co ApS"}},
            occurred_at=debitura_now(),
        )
        db.session.commit()
        return db.session.scalar(select(Tenant.id).where(Tenant.external_tenant_id == external_tenant_id))


def test_a_tenant_known_only_from_a_webhook_says_in_words_what_reissuing_needs(app, client, operators, debitura):
    tenant_id = declined_by_webhook_only(app, debitura)
    operators.login("operator")

    page = client.get(f"/tenants/{tenant_id}").get_data(as_text=True)
    assert "Link declined" in page
    assert ("To issue a fresh URL Debitura needs the client's country, support e-mail and a user with an e-mail "
            "address") in page
    assert f'href="/tenants/new?tenant={tenant_id}"' in page

    answer = client.post(f"/tenants/{tenant_id}/reissue", follow_redirects=True).get_data(as_text=True)

    assert "Nothing was sent: to issue a fresh URL Debitura needs the client&#39;s country, support e-mail" in answer
    assert "client.country" not in answer and "field is required" not in answer
    with app.app_context():
        assert db.session.scalar(select(AuditEntry).where(AuditEntry.external_tenant_id == "declined-1")) is None
    assert tenant(app, "declined-1").state == "declined"


def test_the_completed_details_reissue_the_approval_url_for_the_same_tenant(app, client, operators, debitura):
    tenant_id = declined_by_webhook_only(app, debitura)
    operators.login("operator")

    prefilled = client.get(f"/tenants/new?tenant={tenant_id}").get_data(as_text=True)
    assert 'value="declined-1"' in prefilled and 'value="Existing Co ApS"' in prefilled
    assert "Tenant id declined-1 already exists" in prefilled
    assert 'checked id="for_existing"' in prefilled or 'id="for_existing" checked' in prefilled

    response = client.post("/tenants/new", data={
        "external_tenant_id": "declined-1", "name": "Existing Co ApS", "country": "DK",
        "support_email": "ops@existing.example", "users-0-name": "Olga Ops", "users-0-email": "ops@existing.example",
        "onboarding_user": "0", "for_existing": "y",
    })

    assert response.status_code == 303 and response.headers["Location"].endswith(f"/tenants/{tenant_id}")
    row = tenant(app, "declined-1")
    assert row.state == "approval_pending" and row.approval_url
    assert (row.country, row.support_email) == ("DK", "ops@existing.example")
    with app.app_context():
        assert tenant_service.missing_for_reissue(db.session.get(Tenant, tenant_id)) == []


def test_a_refusal_of_stored_details_is_said_in_words_not_as_debituras_field_paths(app, client, operators, debitura):
    tenant_id = declined_by_webhook_only(app, debitura)
    with app.app_context():
        row = db.session.get(Tenant, tenant_id)
        row.country, row.support_email = "XX", "ops@existing.example"
        row.users = [{"email": "ops@existing.example", "name": "Olga", "isOnboardingUser": True}]
        db.session.commit()
    operators.login("operator")

    answer = client.post(f"/tenants/{tenant_id}/reissue", follow_redirects=True).get_data(as_text=True)

    assert "Debitura refused the stored details: the client&#39;s country is missing or invalid." in answer
    assert "client.country" not in answer


def test_every_demo_tenant_the_setup_mirrors_can_have_its_url_reissued(app, client, operators, sandbox):
    sandbox.load_demo()
    with app.app_context():
        ensure_sandbox_subscription(app_client())
        first_sandbox_sync()
        rows = db.session.scalars(select(Tenant)).all()
        waiting = {row.external_tenant_id: row.id for row in rows if row.state in ("expired", "declined")}
        assert {row.external_tenant_id: tenant_service.missing_for_reissue(row) for row in rows} == {
            row.external_tenant_id: [] for row in rows}
    scenarios = {demo.external_tenant_id: demo.scenario for demo in demo_tenants()}
    assert {scenarios[tenant_id] for tenant_id in waiting} == {"link_declined", "link_expired"}
    operators.login("operator")

    for tenant_id, row_id in waiting.items():
        answer = client.post(f"/tenants/{row_id}/reissue", follow_redirects=True).get_data(as_text=True)
        assert "Debitura refused" not in answer and "Nothing was sent" not in answer, tenant_id
        assert tenant(app, tenant_id).state == "approval_pending", tenant_id
