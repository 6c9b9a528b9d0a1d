"""Sessions live in the database: they time out, end at sign-out (a replayed cookie is refused),
can be listed and revoked, and end when the operator is deactivated or their password changes."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import select, update

from dashboard.extensions import db
from dashboard.models import Operator, OperatorSession
from dashboard.models.base import now_utc
from dashboard.services import operators_admin
from tests.conftest import PASSWORD, OperatorActions

pytestmark = pytest.mark.postgres


def signed_in(client) -> bool:
    response = client.get("/triage/")
    return response.status_code == 200


def open_records(app, email: str) -> list[OperatorSession]:
    with app.app_context():
        operator_id = db.session.scalar(select(Operator.id).where(Operator.email == email))
        records = db.session.scalars(select(OperatorSession).where(OperatorSession.operator_id == operator_id,
                                                                   OperatorSession.ended_at.is_(None))).all()
        db.session.expunge_all()
        return records


def age_sessions(app, **ago) -> None:
    """Time passes for every session: "last seen" (and, with `created`, sign-in) moves into the past."""
    with app.app_context():
        values = {"last_seen_at": now_utc() - timedelta(**ago)}
        db.session.execute(update(OperatorSession).values(**values))
        db.session.commit()


def test_each_sign_in_gets_its_own_record_and_a_token_stored_only_as_a_hash(app, client, operators):
    email = operators.login("operator")
    cookie = client.get_cookie("session").value
    records = open_records(app, email)
    assert len(records) == 1
    record = records[0]
    assert record.method == "password" and not record.remembered and record.remote_addr == "127.0.0.1"
    assert len(record.token_hash) == 64 and record.token_hash not in cookie
    assert timedelta(hours=11, minutes=59) < record.expires_at - record.created_at <= timedelta(hours=12)


def test_signing_out_ends_the_record_and_a_replayed_cookie_is_refused(app, client, operators):
    email = operators.login("operator")
    cookie = client.get_cookie("session").value
    assert client.post("/auth/logout").status_code == 303
    assert open_records(app, email) == []
    replay = app.test_client()
    replay.set_cookie("session", cookie)
    answer = replay.get("/triage/")
    assert answer.status_code == 302 and answer.headers["Location"].startswith("/auth/login")


def test_an_idle_session_ends_with_a_message_on_the_sign_in_page(app, client, operators):
    operators.login("operator")
    age_sessions(app, minutes=29)  # within SESSION_IDLE_MINUTES (30), allowing for last-seen's one-minute steps
    assert signed_in(client)
    age_sessions(app, minutes=32)
    answer = client.get("/triage/", follow_redirects=True)
    assert answer.request.path == "/auth/login"
    assert "You were signed out after 30 minutes without activity." in answer.get_data(as_text=True)
    age_sessions(app, minutes=0)
    assert not signed_in(client)  # ended, not only lapsed: coming back later does not revive it


def test_an_htmx_request_after_the_idle_timeout_goes_to_the_sign_in_page_as_a_whole_page(app, client, operators):
    operators.login("operator")
    age_sessions(app, minutes=45)
    answer = client.get("/tenants/?q=acme", headers={"HX-Request": "true", "HX-Current-URL": "http://dashboard.test/tenants/"})
    assert answer.status_code == 401
    assert answer.headers["HX-Redirect"].startswith("/auth/login?next=")
    page = client.get(answer.headers["HX-Redirect"]).get_data(as_text=True)
    assert "You were signed out after 30 minutes without activity." in page


def test_last_seen_is_written_at_most_once_a_minute(app, client, operators):
    email = operators.login("operator")
    first = open_records(app, email)[0].last_seen_at
    assert signed_in(client)
    assert open_records(app, email)[0].last_seen_at == first
    age_sessions(app, minutes=2)
    assert signed_in(client)
    assert open_records(app, email)[0].last_seen_at >= first  # moved back two minutes, then refreshed to now


def test_a_session_ends_at_its_maximum_age_however_active(app, client, operators):
    email = operators.login("operator")
    with app.app_context():
        db.session.execute(update(OperatorSession).values(expires_at=now_utc() - timedelta(seconds=1)))
        db.session.commit()
    answer = client.get("/triage/", follow_redirects=True)
    assert "Your session reached its time limit" in answer.get_data(as_text=True)
    assert open_records(app, email) == []


def test_keep_me_signed_in_makes_a_lasting_cookie_and_a_record_without_idle_limit(app, client, operators):
    _, email = operators.create("operator")
    client.post("/auth/login", data={"email": email, "password": PASSWORD, "remember": "y"})
    record = open_records(app, email)[0]
    assert record.remembered
    assert timedelta(days=13, hours=23) < record.expires_at - record.created_at <= timedelta(days=14)
    cookie = client.get_cookie("session")
    assert cookie.expires is not None  # outlives the browser
    assert client.get_cookie("remember_token") is None  # never Flask-Login's own remember cookie
    age_sessions(app, hours=5)
    assert signed_in(client)


def test_the_session_id_is_renewed_at_sign_in(app, client, operators):
    _, email = operators.create("operator")
    client.get("/auth/login")
    with client.session_transaction() as before:
        before["planted"] = "by someone else"
    client.post("/auth/login", data={"email": email, "password": PASSWORD})
    with client.session_transaction() as after:
        assert "planted" not in after
        assert after["_user_id"] != email


def test_your_sessions_lists_them_and_revokes_one(app, client, operators):
    email = operators.login("operator")
    other = app.test_client()
    other.post("/auth/login", data={"email": email, "password": PASSWORD},
               headers={"User-Agent": "Mozilla/5.0 (Windows NT 10.0) Gecko/20100101 Firefox/140.0"})
    page = client.get("/auth/sessions").get_data(as_text=True)
    assert "Firefox on Windows" in page and "this browser" in page
    firefox = next(record for record in open_records(app, email) if record.device == "Firefox on Windows")
    assert client.post(f"/auth/sessions/{firefox.id}/revoke").status_code == 303
    assert not signed_in(other)
    assert signed_in(client)


def test_nobody_revokes_another_operators_session(app, client, operators):
    operators.login("operator")
    victim = app.test_client()
    victim_email = OperatorActions(app, victim).login("viewer")
    record = open_records(app, victim_email)[0]
    answer = client.post(f"/auth/sessions/{record.id}/revoke", follow_redirects=True)
    assert "That session had already ended." in answer.get_data(as_text=True)
    assert signed_in(victim)


def test_deactivating_and_resetting_a_password_end_every_session(app, client, operators):
    email = operators.login("operator")
    second = app.test_client()
    second.post("/auth/login", data={"email": email, "password": PASSWORD})
    with app.app_context():
        operator_id = db.session.scalar(select(Operator.id).where(Operator.email == email))
        operators_admin.reset_password(operator_id, actor=operators_admin.SHELL)
    assert not signed_in(client) and not signed_in(second)
    with app.app_context():
        record = db.session.scalars(select(OperatorSession).where(OperatorSession.operator_id == operator_id)).first()
        assert record.end_reason == "password reset"
