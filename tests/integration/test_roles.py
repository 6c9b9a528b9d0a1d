"""Roles: viewer reads the work and changes nothing; operator works cases and clients; admin also manages
operators, webhooks, the connection and sync. Enforced in views and in services, not only by hiding links."""

from __future__ import annotations

from types import SimpleNamespace

import pytest
from sqlalchemy import func, select

from dashboard.authz import NotAllowed, ensure_role
from dashboard.extensions import db
from dashboard.models import AuditEntry, Operator
from dashboard.services import connection, operators_admin, webhook_admin
from tests.conftest import PASSWORD
from tests.raw_body import app_client

READ_PAGES = ["/audit/", "/audit/export.csv"]
ADMIN_PAGES = ["/admin/", "/admin/operators", "/admin/webhooks", "/admin/connection", "/admin/connection/check"]
ADMIN_WRITES = [
    ("/admin/operators/invite", {"email": "someone@partner.example", "role": "viewer"}),
    ("/admin/operators/{other}/role", {"role": "admin"}),
    ("/admin/operators/{other}/deactivate", {}),
    ("/admin/operators/{other}/reactivate", {}),
    ("/admin/operators/{other}/password", {}),
    ("/admin/webhooks/new", {"url": "https://hooks.partner.example/debitura", "events": ["case.created"]}),
    ("/admin/webhooks/test", {"event_type": "client.linked", "external_tenant_id": "acme-1"}),
]


def signed_in(app, email: str):
    browser = app.test_client()
    assert browser.post("/auth/login", data={"email": email, "password": PASSWORD}).status_code == 303
    return browser


def test_roles_are_ordered_viewer_operator_admin():
    def holder(role):
        return Operator(email="x@partner.example", role=role)

    assert holder("admin").can("operator") and holder("admin").can("viewer")
    assert holder("operator").can("viewer") and not holder("operator").can("admin")
    assert not holder("viewer").can("operator")


def test_every_role_reads_the_audit_trail(app, operators):
    for role in ("viewer", "operator", "admin"):
        _, email = operators.create(role)
        browser = signed_in(app, email)
        for path in READ_PAGES:
            assert browser.get(path).status_code == 200, (role, path)


def test_admin_pages_open_for_admins_only_and_nothing_is_called_or_audited_for_others(app, operators):
    for role in ("viewer", "operator"):
        _, email = operators.create(role)
        browser = signed_in(app, email)
        for path in ADMIN_PAGES:
            response = browser.get(path)
            assert response.status_code == 403, (role, path)
            assert "@partner.example" not in response.get_data(as_text=True).replace(email, ""), (role, path)
    with app.app_context():
        assert db.session.scalar(select(func.count()).select_from(AuditEntry).where(
            AuditEntry.action.in_(("connection.check", "webhook.list")))) == 0
    _, email = operators.create("admin")
    browser = signed_in(app, email)
    for path in ADMIN_PAGES:
        assert browser.get(path).status_code == 200, path
    page = browser.get("/admin/webhooks").get_data(as_text=True)
    assert "Create subscription" in page and "Send test event" in page


def test_the_navigation_links_the_admin_pages_for_admins_only(app, operators):
    for role in ("viewer", "operator", "admin"):
        _, email = operators.create(role)
        page = signed_in(app, email).get("/tenants/").get_data(as_text=True)
        assert ('href="/admin/"' in page) is (role == "admin"), role
        assert 'href="/audit/"' in page and 'href="/tenants/"' in page, role


def test_admin_writes_need_the_admin_role(app, operators):
    other, _ = operators.create("viewer")
    for role in ("viewer", "operator", "admin"):
        _, email = operators.create(role)
        browser = signed_in(app, email)
        for path, data in ADMIN_WRITES:
            response = browser.post(path.format(other=other), data=data)
            assert (response.status_code != 403) is (role == "admin"), f"{role} {path}: {response.status_code}"
            if role != "admin":
                assert "Your role does not allow that action." in response.get_data(as_text=True)


def test_a_refused_write_changes_nothing(app, client, operators):
    other, email = operators.create("viewer")
    operators.login("operator")
    client.post(f"/admin/operators/{other}/role", data={"role": "admin"})
    client.post("/admin/operators/invite", data={"email": "sneaky@partner.example", "role": "admin"})
    with app.app_context():
        assert db.session.get(Operator, other).role == "viewer"
        assert db.session.query(Operator).filter_by(email="sneaky@partner.example").count() == 0


def test_services_refuse_non_admins_whatever_calls_them(app, operators):
    target_id, _ = operators.create("viewer")
    for role in ("viewer", "operator"):
        actor_id, _ = operators.create(role)
        assert_admin_services_refuse(app, actor_id, target_id)


def assert_admin_services_refuse(app, actor_id: int, target_id: int) -> None:
    with app.test_request_context("/"):
        actor = db.session.get(Operator, actor_id)
        calls = [
            lambda: operators_admin.invite("x@partner.example", role="admin", actor=actor),
            lambda: operators_admin.change_role(target_id, "admin", actor=actor),
            lambda: operators_admin.deactivate(target_id, actor=actor),
            lambda: operators_admin.reset_password(target_id, actor=actor),
            lambda: webhook_admin.create_subscription("https://x.example/h", ["case.created"], actor=actor, debitura=app_client()),
            lambda: webhook_admin.rotate_secret("some-id", actor=actor, debitura=app_client()),
            lambda: webhook_admin.set_active("some-id", False, actor=actor, debitura=app_client()),
            lambda: webhook_admin.delete_subscription("some-id", actor=actor, debitura=app_client()),
        ]
        for call in calls:
            with pytest.raises(NotAllowed):
                call()
        assert db.session.get(Operator, target_id).role == "viewer"


def test_services_refuse_an_anonymous_caller(app):
    anonymous = SimpleNamespace(is_authenticated=False)
    with app.test_request_context("/"):
        with pytest.raises(NotAllowed):
            ensure_role("viewer", anonymous)
        with pytest.raises(NotAllowed):
            connection.check_api_key(actor=anonymous, debitura=app_client())
        with pytest.raises(NotAllowed):
            webhook_admin.list_subscriptions(actor=anonymous, debitura=app_client())


def test_reading_the_connection_and_subscriptions_needs_the_admin_role_in_the_services_too(app, operators):
    for role in ("viewer", "operator"):
        actor_id, _ = operators.create(role)
        with app.test_request_context("/"):
            actor = db.session.get(Operator, actor_id)
            with pytest.raises(NotAllowed):
                connection.check_api_key(actor=actor, debitura=app_client())
            with pytest.raises(NotAllowed):
                webhook_admin.list_subscriptions(actor=actor, debitura=app_client())
            with pytest.raises(NotAllowed):
                webhook_admin.get_subscription("some-id", actor=actor, debitura=app_client())


def test_the_shell_holds_every_role(app):
    with app.app_context():
        ensure_role("admin", operators_admin.SHELL)


