"""Sign-in is throttled per account and per address, alike for known and unknown e-mails."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import select

from dashboard.extensions import db
from dashboard.models import AuditEntry, LoginFailure
from dashboard.models.base import now_utc
from dashboard.services import login_throttle
from tests.conftest import PASSWORD, make_config

pytestmark = pytest.mark.postgres

ACCOUNT_LIMIT = 3
ADDRESS_LIMIT = 5


@pytest.fixture
def app_config(database_url, tmp_path):
    return make_config(
        database_url,
        tmp_path,
        LOGIN_MAX_FAILURES_PER_ACCOUNT=ACCOUNT_LIMIT,
        LOGIN_MAX_FAILURES_PER_ADDRESS=ADDRESS_LIMIT,
        LOGIN_THROTTLE_WINDOW_SECONDS=900,
    )


def attempt(client, email: str, password: str = "not the password", address: str = "203.0.113.7"):
    return client.post(
        "/auth/login", data={"email": email, "password": password}, environ_base={"REMOTE_ADDR": address}
    )


def test_an_account_is_locked_after_repeated_failures_even_for_the_right_password(client, operators):
    _, email = operators.create("operator")
    for _ in range(ACCOUNT_LIMIT):
        assert attempt(client, email).status_code == 401
    locked = attempt(client, email, PASSWORD)
    assert locked.status_code == 429
    assert "Too many sign-in attempts. Wait 15 minutes and try again." in locked.get_data(as_text=True)
    assert 840 < int(locked.headers["Retry-After"]) <= 900
    assert attempt(client, email, PASSWORD, address="198.51.100.2").status_code == 429  # the account, from anywhere


def test_known_and_unknown_emails_are_throttled_with_the_same_answer(client, operators):
    _, known = operators.create("viewer")
    unknown = "nobody@partner.example"
    answers = {}
    for email, address in ((known, "203.0.113.1"), (unknown, "203.0.113.2")):
        for _ in range(ACCOUNT_LIMIT):
            attempt(client, email, address=address)
        response = attempt(client, email, address=address)
        main = response.get_data(as_text=True).split('<main id="main">')[1]  # the page's own content
        answers[email] = (response.status_code, main.replace(email, "EMAIL"))
    assert answers[known] == answers[unknown]
    assert answers[known][0] == 429


def test_an_address_is_locked_after_failures_across_many_accounts(client, operators):
    _, email = operators.create("operator")
    for number in range(ADDRESS_LIMIT):
        assert attempt(client, f"guess{number}@partner.example").status_code == 401
    assert attempt(client, email, PASSWORD).status_code == 429
    # The same operator signs in from another machine.
    assert attempt(client, email, PASSWORD, address="198.51.100.9").status_code == 303


def test_a_successful_sign_in_forgets_the_accounts_failures(app, client, operators):
    _, email = operators.create("operator")
    for _ in range(ACCOUNT_LIMIT - 1):
        attempt(client, email)
    assert attempt(client, email, PASSWORD).status_code == 303
    operators.logout()
    with app.app_context():
        assert login_throttle.failure_count(email=email) == 0
        assert login_throttle.failure_count(remote_addr="203.0.113.7") == ACCOUNT_LIMIT - 1
    for _ in range(ACCOUNT_LIMIT - 1):
        assert attempt(client, email).status_code == 401


def test_the_lock_lifts_when_the_window_has_passed(app):
    with app.app_context():
        start = now_utc()
        for _ in range(ACCOUNT_LIMIT):
            login_throttle.record_failure("someone@partner.example", "203.0.113.7", now=start)
        assert login_throttle.seconds_to_wait("someone@partner.example", "", now=start) == 900
        assert login_throttle.seconds_to_wait("someone@partner.example", "", now=start + timedelta(seconds=600)) == 300
        assert login_throttle.seconds_to_wait("someone@partner.example", "", now=start + timedelta(seconds=901)) == 0


def test_lapsed_failures_are_pruned_and_nothing_typed_is_stored(app, client):
    attempt(client, "typo-in-password-field@partner.example")
    with app.app_context():
        rows = db.session.scalars(select(LoginFailure)).all()
        assert {row.scope for row in rows} == {"account", "address"}
        assert all("@" not in row.key and "203.0.113.7" not in row.key and len(row.key) == 64 for row in rows)
        login_throttle.record_failure("later@partner.example", "", now=now_utc() + timedelta(hours=1))
        assert db.session.scalar(select(LoginFailure.id).where(LoginFailure.last_at < now_utc())) is None


def test_sign_ins_are_recorded_in_the_audit_trail_without_what_was_typed(app, client, operators):
    _, email = operators.create("operator")
    attempt(client, email)
    attempt(client, "stranger@partner.example", password="hunter2hunter2")
    attempt(client, email, PASSWORD)
    with app.app_context():
        entries = db.session.scalars(select(AuditEntry).order_by(AuditEntry.id)).all()
        recorded = [(entry.action, entry.outcome, entry.operator_email, entry.summary) for entry in entries]
    assert recorded == [
        ("auth.login", "failed", email, "Sign-in failed"),
        ("auth.login", "failed", None, "Sign-in failed (unknown e-mail)"),
        ("auth.login", "ok", email, "Signed in"),
    ]
    assert "stranger" not in str(recorded) and "hunter2" not in str(recorded)
