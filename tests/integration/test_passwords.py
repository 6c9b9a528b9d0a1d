"""Changing one's own password, the password rules, a password chosen by an admin changed at first sign-in,
and hashes upgraded when argon2's parameters change."""

from __future__ import annotations

import pytest
from argon2 import PasswordHasher
from sqlalchemy import select

from dashboard.extensions import db
from dashboard.models import AuditEntry, Operator
from dashboard.services import operators_admin
from dashboard.services.passwords import common_passwords, password_problem
from tests.conftest import PASSWORD

pytestmark = pytest.mark.postgres
NEW = "plums under the bridge"


def change(client, current=PASSWORD, new=NEW, confirm=None):
    return client.post("/auth/password", data={"current_password": current, "new_password": new,
                                               "confirm_password": new if confirm is None else confirm})


def test_the_rules_refuse_short_and_common_passwords():
    assert password_problem("eleven char") == "Passwords need at least 12 characters."
    assert "most common" in password_problem("Password1234")
    assert "most common" in password_problem("QWERTYUIOP123")
    assert len(common_passwords()) > 100 and all(len(entry) >= 12 for entry in common_passwords())
    assert password_problem(NEW) == ""


@pytest.mark.parametrize(("current", "new", "confirm", "message"), [
    ("not my password", NEW, None, "That is not your current password."),
    (PASSWORD, "too short", None, "Passwords need at least 12 characters."),
    (PASSWORD, "password1234", None, "one of the most common ones"),
    (PASSWORD, NEW, "plums under the bridgE", "The two new passwords differ."),
    (PASSWORD, PASSWORD, None, "must differ from the current one"),
])
def test_a_refused_change_says_why_and_changes_nothing(app, client, operators, current, new, confirm, message):
    email = operators.login("operator")
    answer = change(client, current, new, confirm)
    assert answer.status_code == 422 and message in answer.get_data(as_text=True)
    fresh = app.test_client()
    assert fresh.post("/auth/login", data={"email": email, "password": PASSWORD}).status_code == 303


def test_a_change_ends_other_sessions_keeps_this_browser_and_is_audited(app, client, operators):
    email = operators.login("operator")
    elsewhere = app.test_client()
    elsewhere.post("/auth/login", data={"email": email, "password": PASSWORD})
    answer = change(client)
    assert answer.status_code == 303
    assert client.get("/triage/").status_code == 200
    assert elsewhere.get("/triage/").status_code == 302
    again = app.test_client()
    assert again.post("/auth/login", data={"email": email, "password": PASSWORD}).status_code == 401
    assert again.post("/auth/login", data={"email": email, "password": NEW}).status_code == 303
    with app.app_context():
        summaries = db.session.scalars(select(AuditEntry.summary).where(AuditEntry.action == "auth.password_change")).all()
    assert summaries == ["Changed their password; every session ended"]
    assert all(NEW not in summary for summary in summaries)


def test_a_password_an_admin_chose_must_be_changed_before_anything_else(app, client, operators):
    with app.app_context():
        credentials = operators_admin.invite("new@partner.example", role="operator", actor=operators_admin.SHELL)
        issued = credentials.password
    assert client.post("/auth/login", data={"email": "new@partner.example", "password": issued}).status_code == 303
    held = client.get("/triage/")
    assert held.status_code == 303 and held.headers["Location"] == "/auth/password"
    htmx = client.get("/tenants/?q=a", headers={"HX-Request": "true"})
    assert htmx.headers["HX-Redirect"] == "/auth/password"
    page = client.get("/auth/password").get_data(as_text=True)
    assert "Your password was set by an administrator" in page
    assert change(client, issued, NEW).headers["Location"] == "/"
    assert client.get("/triage/").status_code == 200
    with app.app_context():
        assert db.session.scalar(select(Operator.must_change_password).where(Operator.email == "new@partner.example")) is False


def test_a_reset_password_must_be_changed_too(app, client, operators):
    operator_id, email = operators.create("viewer")
    with app.app_context():
        issued = operators_admin.reset_password(operator_id, actor=operators_admin.SHELL).password
    client.post("/auth/login", data={"email": email, "password": issued})
    assert client.get("/").headers["Location"] == "/auth/password"


def test_a_hash_made_with_other_argon2_parameters_is_upgraded_at_sign_in(app, client, operators):
    operator_id, email = operators.create("operator")
    old = PasswordHasher(time_cost=1, memory_cost=16, parallelism=1, hash_len=16, salt_len=8).hash(PASSWORD)
    with app.app_context():
        db.session.get(Operator, operator_id).password_hash = old
        db.session.commit()
    assert client.post("/auth/login", data={"email": email, "password": PASSWORD}).status_code == 303
    with app.app_context():
        operator = db.session.get(Operator, operator_id)
        assert operator.password_hash != old and not operator.password_needs_rehash()
        assert operator.check_password(PASSWORD)


def test_guesses_at_the_current_password_meet_the_sign_in_throttle(app, client, operators):
    operators.login("operator")
    statuses = [change(client, current=f"guess number {attempt}").status_code for attempt in range(6)]
    assert statuses[:5] == [422] * 5
    refused = change(client)  # even the right password now waits
    assert refused.status_code == 422 and "Too many sign-in attempts" in refused.get_data(as_text=True)
