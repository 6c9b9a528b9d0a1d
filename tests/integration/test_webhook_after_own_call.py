"""The webhooks our own calls fire are news, not old news: an answer counts from the moment we asked."""

from __future__ import annotations

from datetime import UTC, timedelta

import pytest
from sqlalchemy import select

from dashboard.debitura import CreateClientRequest
from dashboard.debitura.errors import Conflict
from dashboard.extensions import db
from dashboard.models import Tenant, WebhookEvent
from dashboard.models.webhooks import APPLIED
from dashboard.sandbox import models as sandbox_models
from dashboard.services import mirror
from dashboard.services.webhook_setup import ensure_sandbox_subscription
from tests.cases_support import case_form, make_tenant
from tests.raw_body import app_client, raw
from tests.tenant_data import client_payload

pytestmark = [pytest.mark.postgres, pytest.mark.shared_app]


@pytest.fixture
def subscribed(app):
    with app.app_context():
        ensure_sandbox_subscription(app_client())


def outcomes(app, event_type: str) -> list[str]:
    with app.app_context():
        return db.session.scalars(select(WebhookEvent.outcome).where(WebhookEvent.event_type == event_type)).all()


def new_client_form(tenant_id: str, email: str) -> dict[str, str]:
    return {"external_tenant_id": tenant_id, "name": "Known Co ApS", "country": "DK", "support_email": email,
            "users-0-name": "Ola", "users-0-email": email, "onboarding_user": "0"}


def test_the_link_request_webhook_of_a_client_created_here_is_applied_and_its_deadline_replaces_the_estimate(
    app, client, operators, sandbox, subscribed
):
    operators.login("operator")
    client.post("/tenants/new", data=new_client_form("known-1", "ops@existing.example"))
    with app.app_context():
        row = mirror.find_tenant("known-1")
        assert row.state == "approval_pending" and row.approval_deadline_estimated is True
    with sandbox.session() as s:
        stated = s.scalar(select(sandbox_models.LinkRequest.expires_at).where(
            sandbox_models.LinkRequest.external_tenant_id == "known-1"))

    assert sandbox.dispatch_pending() >= 1

    assert outcomes(app, "client.link_requested") == [APPLIED]
    with app.app_context():
        row = mirror.find_tenant("known-1")
        assert row.approval_deadline_estimated is False
        assert row.approval_expires_at.replace(tzinfo=UTC) == stated.replace(tzinfo=UTC)
        assert row.approval_url and row.state == "approval_pending"


def test_a_link_request_webhook_that_arrives_before_the_answer_keeps_its_deadline_and_gains_the_url(
    app, debitura, sandbox, subscribed
):
    payload = client_payload("known-2", "ops2@existing.example")
    with app.app_context():
        try:
            debitura.referral.create_client(raw(payload))
        except Conflict as conflict:
            answer = conflict
        assert sandbox.dispatch_pending() >= 1  # the webhook first, as a fast delivery can
        before = mirror.find_tenant("known-2")
        deadline = before.approval_expires_at
        assert before.approval_deadline_estimated is False and before.approval_url is None

        asked_at = before.link_as_of - timedelta(seconds=1)  # we asked before Debitura fired the event
        mirror.record_conflict("known-2", answer, request=CreateClientRequest.from_json(payload), as_of=asked_at)
        row = db.session.scalar(select(Tenant).where(Tenant.external_tenant_id == "known-2"))
        assert row.approval_url == answer.approval_url
        assert (row.approval_expires_at, row.approval_deadline_estimated) == (deadline, False)


def test_the_case_created_webhook_of_a_case_submitted_here_is_applied(app, client, operators, sandbox, subscribed):
    operators.login("operator")
    tenant_id, _ = make_tenant(app)
    sandbox.dispatch_pending()  # the onboarding events of the tenant's set-up
    start = client.post(f"/cases/new/{tenant_id}")
    key = start.headers["Location"].rsplit("/", 1)[-1]
    form = case_form()
    client.post(f"/cases/submissions/{key}", data={**form, "action": "preview"})
    submitted = client.post(f"/cases/submissions/{key}", data={**form, "action": "submit"})
    assert submitted.status_code == 303

    assert sandbox.dispatch_pending() >= 1

    assert outcomes(app, "case.created") == [APPLIED]
