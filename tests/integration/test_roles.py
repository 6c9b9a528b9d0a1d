"""Roles: viewer reads everything and changes nothing; operator works cases and clients; admin also manages
operators, webhooks and sync. Enforced in views and in services, not only by hiding buttons."""

from __future__ import annotations

from types import SimpleNamespace

import pytest

from dashboard.authz import NotAllowed, ensure_role
from dashboard.extensions import db
from dashboard.models import Operator
from dashboard.services import connection, operators_admin, webhook_admin

READ_PAGES = ["/admin/", "/admin/operators", "/admin/connection", "/audit/", "/audit/export.csv"]
ADMIN_WRITES = [
    ("/admin/operators/invite", {"email": "someone@partner.example", "role": "viewer"}),
    ("/admin/operators/{other}/role", {"role": "admin"}),
    ("/admin/operators/{other}/deactivate", {}),
    ("/admin/operators/{other}/reactivate", {}),
    ("/admin/operators/{other}/password", {}),
    ("/admin/webhooks/new", {"url": "https://hooks.partner.example/debitura", "events": ["case.created"]}),
    ("/admin/webhooks/test", {"event_type": "client.linked", "external_tenant_id": "acme-1"}),
]


def test_roles_are_ordered_viewer_operator_admin():
    def holder(role):
        return Operator(email="x@partner.example", role=role)

    assert holder("admin").can("operator") and holder("admin").can("viewer")
    assert holder("operator").can("viewer") and not holder("operator").can("admin")
    assert not holder("viewer").can("operator")


@pytest.mark.parametrize("role", ["viewer", "operator", "admin"])
def test_every_role_reads_every_admin_and_audit_page(client, operators, role):
    operators.login(role)
    for path in READ_PAGES:
        assert client.get(path).status_code == 200, path


@pytest.mark.parametrize(("role", "allowed"), [("viewer", False), ("operator", False), ("admin", True)])
def test_admin_writes_need_the_admin_role(client, operators, role, allowed):
    other, _ = operators.create("viewer")
    operators.login(role)
    for path, data in ADMIN_WRITES:
        response = client.post(path.format(other=other), data=data)
        assert (response.status_code != 403) is allowed, f"{role} {path}: {response.status_code}"
        if not allowed:
            assert "Your role does not allow that action." in response.get_data(as_text=True)


def test_a_refused_write_changes_nothing(app, client, operators):
    other, email = operators.create("viewer")
    operators.login("operator")
    client.post(f"/admin/operators/{other}/role", data={"role": "admin"})
    client.post("/admin/operators/invite", data={"email": "sneaky@partner.example", "role": "admin"})
    with app.app_context():
        assert db.session.get(Operator, other).role == "viewer"
        assert db.session.query(Operator).filter_by(email="sneaky@partner.example").count() == 0


@pytest.mark.parametrize("role", ["viewer", "operator"])
def test_services_refuse_non_admins_whatever_calls_them(app, operators, role):
    actor_id, _ = operators.create(role)
    target_id, _ = operators.create("viewer")
    with app.test_request_context("/"):
        actor = db.session.get(Operator, actor_id)
        calls = [
            lambda: operators_admin.invite("x@partner.example", role="admin", actor=actor),
            lambda: operators_admin.change_role(target_id, "admin", actor=actor),
            lambda: operators_admin.deactivate(target_id, actor=actor),
            lambda: operators_admin.reset_password(target_id, actor=actor),
            lambda: webhook_admin.create_subscription("https://x.example/h", ["case.created"], actor=actor),
            lambda: webhook_admin.rotate_secret("some-id", actor=actor),
            lambda: webhook_admin.set_active("some-id", False, actor=actor),
            lambda: webhook_admin.delete_subscription("some-id", actor=actor),
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
            connection.check_api_key(actor=anonymous)
        with pytest.raises(NotAllowed):
            webhook_admin.list_subscriptions(actor=anonymous)


def test_the_shell_holds_every_role(app):
    with app.app_context():
        ensure_role("admin", operators_admin.SHELL)


@pytest.mark.parametrize(("role", "sees"), [("viewer", False), ("operator", False), ("admin", True)])
def test_admin_buttons_show_only_to_admins(client, operators, role, sees):
    operators.login(role)
    page = client.get("/admin/webhooks").get_data(as_text=True)
    assert ("Create subscription" in page) is sees
    assert ("Send test event" in page) is sees
