import pytest

from dashboard import create_app
from tests.conftest import PASSWORD, make_config

pytestmark = pytest.mark.postgres


def signed_in(client) -> bool:
    response = client.get("/", follow_redirects=True)
    return response.status_code == 200 and response.request.path != "/auth/login"


def test_the_home_page_sends_an_anonymous_visitor_to_sign_in(client):
    response = client.get("/")
    assert response.status_code == 302
    assert response.headers["Location"].startswith("/auth/login")


def test_health_check_needs_no_login_and_reports_the_database(client):
    response = client.get("/healthz")
    assert response.status_code == 200
    assert response.get_json() == {"status": "ok", "database": "ok"}


def test_an_operator_signs_in_with_the_right_password(client, operators):
    operators.login("operator")
    response = client.get("/", follow_redirects=True)
    assert response.status_code == 200
    assert "Operator Tester" in response.get_data(as_text=True)


def test_a_wrong_password_and_an_unknown_email_get_the_same_answer(client, operators):
    _, email = operators.create("viewer")
    wrong = client.post("/auth/login", data={"email": email, "password": "wrong password!"})
    unknown = client.post("/auth/login", data={"email": "ghost@partner.example", "password": "wrong password!"})
    assert wrong.status_code == unknown.status_code == 401
    message = "That e-mail and password do not match an active operator."
    assert message in wrong.get_data(as_text=True)
    assert message in unknown.get_data(as_text=True)
    assert email in wrong.get_data(as_text=True)  # the input is kept


def test_a_deactivated_operator_loses_the_session_at_once(app, client, operators):
    from dashboard.extensions import db
    from dashboard.models import Operator

    email = operators.login("operator")
    assert signed_in(client)
    with app.app_context():
        operator = db.session.query(Operator).filter_by(email=email).one()
        operator.active = False
        operator.end_sessions()
        db.session.commit()
    assert not signed_in(client)


def test_login_refuses_to_follow_a_next_link_off_site(client, operators):
    _, email = operators.create("operator")
    response = client.post(
        "/auth/login?next=//evil.example/phish", data={"email": email, "password": PASSWORD}
    )
    assert response.status_code == 303
    assert response.headers["Location"] == "/"


def test_passwords_are_stored_as_argon2_hashes(app, operators):
    from dashboard.extensions import db
    from dashboard.models import Operator

    _, email = operators.create("admin")
    with app.app_context():
        stored = db.session.query(Operator).filter_by(email=email).one().password_hash
    assert stored.startswith("$argon2id$")
    assert PASSWORD not in stored


def test_every_page_carries_a_strict_content_security_policy(client):
    response = client.get("/auth/login")
    policy = response.headers["Content-Security-Policy"]
    assert "script-src 'self'" in policy
    assert "unsafe-inline" not in policy
    assert response.headers["X-Frame-Options"] == "DENY"
    assert response.headers["X-Content-Type-Options"] == "nosniff"
    body = response.get_data(as_text=True)
    assert "<script>" not in body and "<script " not in body.replace('<script src="', "")


def test_a_post_without_a_csrf_token_is_refused(database_url, tmp_path):
    app = create_app(make_config(database_url, tmp_path, WTF_CSRF_ENABLED=True))
    from tests.conftest import prepare_databases

    prepare_databases(app)
    response = app.test_client().post("/auth/login", data={"email": "a@b.example", "password": "x" * 12})
    assert response.status_code == 400
    assert "The form had expired" in response.get_data(as_text=True)


def test_session_cookies_are_http_only_and_lax(client, operators):
    operators.create("operator", email="cookie@partner.example")
    response = client.post("/auth/login", data={"email": "cookie@partner.example", "password": PASSWORD})
    cookie = response.headers["Set-Cookie"]
    assert "HttpOnly" in cookie
    assert "SameSite=Lax" in cookie
