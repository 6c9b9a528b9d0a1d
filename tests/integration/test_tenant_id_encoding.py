"""Tenant ids are the partner's own: `/`, `?`, `#`, `&`, `%` and spaces travel as one path segment, end to end."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from dashboard.extensions import db
from dashboard.models import AuditEntry, Tenant
from tests.raw_body import raw

pytestmark = pytest.mark.shared_app

AWKWARD_IDS = ["qa/slash?#&154", "100%;x=1", "a b/withdraw", "..", "ünï/cøde?x#y"]


def form(tenant_id: str, email: str) -> dict[str, str]:
    return {
        "external_tenant_id": tenant_id,
        "name": "Slash & Co ApS",
        "country": "DK",
        "support_email": email,
        "users-0-name": "Anna Berg",
        "users-0-email": email,
        "onboarding_user": "0",
    }


@pytest.mark.parametrize("tenant_id", AWKWARD_IDS)
def test_the_client_reads_and_withdraws_any_tenant_id_as_one_path_segment(debitura, tenant_id):
    created = debitura.referral.create_client(raw({
        "externalTenantId": tenant_id,
        "client": {"name": "Slash & Co ApS", "country": "DK", "supportEmail": "slash@acme.example"},
        "users": [{"name": "Anna", "email": "slash@acme.example", "isOnboardingUser": True}],
    }))
    assert created.client.external_tenant_id == tenant_id

    assert debitura.referral.get_client(tenant_id).external_tenant_id == tenant_id
    debitura.referral.withdraw_client(tenant_id)


def test_create_read_again_and_withdraw_round_trip_for_an_id_with_slash_query_and_fragment(app, client, operators):
    tenant_id = "qa/slash?#&154"
    operators.login("admin")

    created = client.post("/tenants/new", data=form(tenant_id, "slash@acme.example"))
    assert created.status_code == 303
    with app.app_context():
        row = db.session.scalar(select(Tenant).where(Tenant.external_tenant_id == tenant_id))
        assert row.state == "onboarding"
        detail_url = f"/tenants/{row.id}"
    assert created.headers["Location"].endswith(detail_url)

    again = client.post(f"{detail_url}/refresh", follow_redirects=True)
    assert again.status_code == 200
    assert "Read from Debitura just now." in again.get_data(as_text=True)

    withdrawn = client.post(f"{detail_url}/withdraw", data={"confirm": "yes"}, follow_redirects=True)
    assert withdrawn.status_code == 200
    assert "The link is withdrawn at Debitura." in withdrawn.get_data(as_text=True)
    with app.app_context():
        row = db.session.scalar(select(Tenant).where(Tenant.external_tenant_id == tenant_id))
        assert row.state == "withdrawn"
        actions = db.session.scalars(
            select(AuditEntry.action).where(AuditEntry.external_tenant_id == tenant_id).order_by(AuditEntry.id)
        ).all()
    assert actions == ["client.create", "client.refresh", "client.withdraw"]
