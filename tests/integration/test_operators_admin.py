"""Operator management from the admin pages: invite, role changes, deactivation, password resets."""

from __future__ import annotations

import re
from contextlib import contextmanager
from types import SimpleNamespace

import pytest
from sqlalchemy import event, select

from dashboard.extensions import db
from dashboard.models import AuditEntry, Operator
from tests.conftest import PASSWORD



@pytest.fixture
def count_queries(app):
    """`with count_queries() as counted:` ... `counted.count` SQL statements ran."""

    @contextmanager
    def counting():
        counted = SimpleNamespace(count=0)

        def count(*_):
            counted.count += 1

        with app.app_context():
            engine = db.engine
        event.listen(engine, "before_cursor_execute", count)
        try:
            yield counted
        finally:
            event.remove(engine, "before_cursor_execute", count)

    return counting


def sign_in(app, email: str, password: str = PASSWORD):
    """A second browser: its own cookie jar, signed in through the form."""
    other = app.test_client()
    response = other.post("/auth/login", data={"email": email, "password": password})
    assert response.status_code == 303, response.get_data(as_text=True)
    return other


def operator_row(app, email: str) -> Operator | None:
    with app.app_context():
        operator = db.session.scalar(select(Operator).where(Operator.email == email))
        if operator is not None:
            db.session.expunge(operator)
        return operator


def audit_actions(app) -> list[tuple[str, str, str | None, str]]:
    with app.app_context():
        entries = db.session.scalars(select(AuditEntry).order_by(AuditEntry.id)).all()
        return [(entry.action, entry.outcome, entry.operator_email, entry.summary) for entry in entries]


def test_an_admin_adds_an_operator_and_sees_a_generated_password_once(app, client, operators):
    admin = operators.login("admin")
    response = client.post(
        "/admin/operators/invite", data={"email": "New.Person@Partner.example", "name": "New Person", "role": "operator"}
    )
    assert response.status_code == 200
    page = response.get_data(as_text=True)
    assert "Sign-in details for new.person@partner.example" in page
    password = re.search(r'<code id="one-time-password">([^<]+)</code>', page).group(1)
    assert len(password) >= 16
    assert response.headers["Cache-Control"] == "no-store"

    newcomer = sign_in(app, "new.person@partner.example", password)
    assert "New Person" in newcomer.get("/", follow_redirects=True).get_data(as_text=True)
    assert ("operator.invite", "ok", admin, "Created new.person@partner.example as operator") in audit_actions(app)
    assert password not in client.get("/admin/operators").get_data(as_text=True)


def test_an_admin_may_choose_the_first_password_instead(app, client, operators):
    operators.login("admin")
    response = client.post(
        "/admin/operators/invite",
        data={"email": "chosen@partner.example", "role": "viewer", "password": "a chosen long password"},
    )
    assert response.status_code == 303
    page = client.get(response.headers["Location"]).get_data(as_text=True)
    assert "chosen@partner.example can now sign in as viewer." in page
    assert "a chosen long password" not in page
    sign_in(app, "chosen@partner.example", "a chosen long password")
    assert operator_row(app, "chosen@partner.example").role == "viewer"


INVALID_INVITATIONS = [
    ({"email": "not-an-email", "role": "operator"}, "Invalid email address."),
    ({"email": "short@partner.example", "role": "operator", "password": "short"}, "Passwords need at least 12 characters"),
    ({"email": "x@partner.example", "role": "superuser"}, "Not a valid choice"),
]


def test_an_invalid_invitation_is_refused_with_the_input_kept(app, client, operators):
    operators.login("admin")
    for data, message in INVALID_INVITATIONS:
        response = client.post("/admin/operators/invite", data=data)
        assert response.status_code == 422, data
        page = response.get_data(as_text=True)
        assert message in page, data
        assert f'value="{data["email"]}"' in page, data
        assert operator_row(app, data["email"]) is None


def test_a_second_operator_with_the_same_email_is_refused(app, client, operators):
    operators.login("admin")
    _, existing = operators.create("viewer")
    response = client.post("/admin/operators/invite", data={"email": existing.upper(), "role": "admin"})
    assert response.status_code == 422
    assert "An operator with that e-mail already exists." in response.get_data(as_text=True)
    assert operator_row(app, existing).role == "viewer"
    assert any(action == "operator.invite" and outcome == "refused" for action, outcome, _, _ in audit_actions(app))


def test_a_role_change_takes_effect_on_the_operators_next_request(app, client, operators):
    operators.login("admin")
    operator_id, email = operators.create("operator")
    other = sign_in(app, email)
    assert other.get("/admin/operators").status_code == 403
    assert other.post(f"/admin/operators/{operator_id}/role", data={"role": "admin"}).status_code == 403

    assert client.post(f"/admin/operators/{operator_id}/role", data={"role": "admin"}).status_code == 303
    assert other.get("/admin/operators").status_code == 200
    response = client.post(f"/admin/operators/{operator_id}/role", data={"role": "viewer"})
    assert response.status_code == 303
    assert operator_row(app, email).role == "viewer"
    assert other.post("/admin/operators/invite", data={"email": "y@partner.example"}).status_code == 403
    assert any(action == "operator.role" and summary == f"{email}: admin → viewer" for action, _, _, summary in audit_actions(app))


def test_deactivating_an_operator_ends_their_sessions_and_sign_in(app, client, operators):
    operators.login("admin")
    operator_id, email = operators.create("operator")
    other = sign_in(app, email)
    assert other.get("/").status_code in (200, 302)
    assert other.get("/tenants/").status_code == 200

    response = client.post(f"/admin/operators/{operator_id}/deactivate")
    assert response.status_code == 303
    assert other.get("/tenants/").headers["Location"].startswith("/auth/login")
    again = app.test_client().post("/auth/login", data={"email": email, "password": PASSWORD})
    assert again.status_code == 401
    assert "That e-mail and password do not match an active operator." in again.get_data(as_text=True)
    assert "deactivated" in client.get("/admin/operators").get_data(as_text=True)

    assert client.post(f"/admin/operators/{operator_id}/reactivate").status_code == 303
    sign_in(app, email)
    actions = [action for action, *_ in audit_actions(app)]
    assert "operator.deactivate" in actions and "operator.reactivate" in actions


def test_a_password_reset_ends_sessions_and_only_the_new_password_works(app, client, operators):
    operators.login("admin")
    operator_id, email = operators.create("viewer")
    other = sign_in(app, email)
    response = client.post(f"/admin/operators/{operator_id}/password")
    assert response.status_code == 200
    password = re.search(r'<code id="one-time-password">([^<]+)</code>', response.get_data(as_text=True)).group(1)

    assert other.get("/admin/operators").status_code == 302
    assert app.test_client().post("/auth/login", data={"email": email, "password": PASSWORD}).status_code == 401
    sign_in(app, email, password)
    assert any(action == "operator.reset_password" for action, *_ in audit_actions(app))
    assert all(password not in summary for *_, summary in audit_actions(app))


def test_an_admin_cannot_deactivate_themselves_or_demote_the_last_admin(app, client, operators):
    email = operators.login("admin")
    me = operator_row(app, email)
    response = client.post(f"/admin/operators/{me.id}/deactivate", follow_redirects=True)
    assert "You cannot deactivate yourself" in response.get_data(as_text=True)
    response = client.post(f"/admin/operators/{me.id}/role", data={"role": "viewer"}, follow_redirects=True)
    assert "You cannot demote the last active administrator." in response.get_data(as_text=True)
    assert operator_row(app, email).role == "admin"
    assert operator_row(app, email).active


def test_actions_on_an_unknown_operator_say_so(client, operators):
    operators.login("admin")
    response = client.post("/admin/operators/9999/deactivate", follow_redirects=True)
    assert response.status_code == 200
    assert "No such operator." in response.get_data(as_text=True)


def test_only_admins_see_the_operator_list_and_its_controls(app, operators):
    operators.create("viewer", email="colleague@partner.example")
    controls = ("Add operator", "Change role", "Deactivate colleague@partner.example", "Reset password")
    for role in ("viewer", "operator"):
        _, email = operators.create(role)
        response = sign_in(app, email).get("/admin/operators")
        assert response.status_code == 403, role
        assert "colleague@partner.example" not in response.get_data(as_text=True), role
    _, email = operators.create("admin")
    page = sign_in(app, email).get("/admin/operators").get_data(as_text=True)
    assert "colleague@partner.example" in page
    for control in controls:
        assert control in page, control


def test_the_operators_page_loads_with_a_fixed_number_of_queries(app, client, operators, count_queries):
    operators.login("admin")
    for number in range(3):
        operators.create("viewer", email=f"few{number}@partner.example")
    with count_queries() as few:
        assert client.get("/admin/operators").status_code == 200
    for number in range(12):
        operators.create("operator", email=f"many{number}@partner.example")
    with count_queries() as many:
        assert client.get("/admin/operators").status_code == 200
    assert many.count == few.count
