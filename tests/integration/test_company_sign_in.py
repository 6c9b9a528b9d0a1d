"""Company sign-in settings, PASSWORD_LOGIN=off, and how the provider's claims become an operator."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from dashboard import create_app
from dashboard.config import ConfigurationError, load_settings
from dashboard.debitura.redaction import redact
from dashboard.extensions import db
from dashboard.models import AuditEntry, Operator
from dashboard.services import company_sign_in, sessions
from tests.conftest import PASSWORD, make_config

ISSUER = "https://login.partner.example"
ROLE_MAP = "desk-admins=admin,desk-agents=operator,desk-readers=viewer"
SECRET = "oidc-client-secret-never-shown"
SSO = {
    "OIDC_ISSUER": ISSUER,
    "OIDC_CLIENT_ID": "partner-desk",
    "OIDC_CLIENT_SECRET": SECRET,
    "OIDC_PROVIDER_NAME": "Partner ID",
    "OIDC_ROLE_MAP": ROLE_MAP,
}
ROLE_MAP_FORM = (
    "group=role pairs separated by commas, each role one of viewer, operator or admin, "
    "such as desk-admins=admin,desk-agents=operator"
)


# ------------------------------------------------------------------ settings


@pytest.mark.parametrize(
    "value", ["desk-admins=superuser", "desk-admins", "=admin", "desk-admins=admin,,desk-agents=operator"]
)
def test_a_role_map_with_an_unknown_role_or_a_broken_pair_is_refused_by_name(value):
    with pytest.raises(ConfigurationError) as refused:
        load_settings("/nowhere", {"OIDC_ROLE_MAP": value})
    assert str(refused.value) == f"OIDC_ROLE_MAP must be {ROLE_MAP_FORM}; got {value!r}."


def test_a_role_map_given_to_the_app_directly_is_checked_too(tmp_path):
    with pytest.raises(ConfigurationError, match="OIDC_ROLE_MAP must be group=role pairs"):
        create_app(make_config("sqlite://", tmp_path, **{**SSO, "OIDC_ROLE_MAP": "desk-admins=root"}))


def test_password_login_takes_on_or_off():
    assert load_settings("/nowhere", {"PASSWORD_LOGIN": "off"})["PASSWORD_LOGIN"] is False
    assert load_settings("/nowhere", {"PASSWORD_LOGIN": "ON"})["PASSWORD_LOGIN"] is True
    with pytest.raises(ConfigurationError) as refused:
        load_settings("/nowhere", {"PASSWORD_LOGIN": "maybe"})
    assert str(refused.value) == "PASSWORD_LOGIN must be on or off; got 'maybe'."


def test_company_sign_in_is_off_by_default_and_reads_the_groups_claim():
    config = load_settings("/nowhere", {})
    assert config.get("OIDC_ISSUER") is None
    assert config["OIDC_ROLE_CLAIM"] == "groups"
    assert config["PASSWORD_LOGIN"] is True


@pytest.mark.parametrize("missing", ["OIDC_CLIENT_ID", "OIDC_CLIENT_SECRET", "OIDC_ROLE_MAP"])
def test_an_issuer_without_its_client_or_role_map_stops_the_start(monkeypatch, missing):
    for name, value in SSO.items():
        monkeypatch.setenv(name, value)
    monkeypatch.delenv(missing)
    with pytest.raises(ConfigurationError) as refused:
        create_app({"SQLALCHEMY_DATABASE_URI": "sqlite://"})
    assert str(refused.value) == f"{missing} is required when OIDC_ISSUER is set."
    assert SECRET not in str(refused.value)


def test_password_login_cannot_be_off_without_company_sign_in(monkeypatch):
    monkeypatch.setenv("PASSWORD_LOGIN", "off")
    with pytest.raises(ConfigurationError, match="PASSWORD_LOGIN=off needs OIDC_ISSUER"):
        create_app({"SQLALCHEMY_DATABASE_URI": "sqlite://"})


# ------------------------------------------------------------------ the sign-in page


def test_without_an_issuer_the_page_offers_only_the_password_form(client):
    page = client.get("/auth/login").get_data(as_text=True)
    assert "Sign in with" not in page
    assert 'name="password"' in page
    assert client.get("/auth/sso/start").status_code == 404
    assert client.get("/auth/sso/callback?code=x&state=y").status_code == 404


@pytest.fixture
def sso_app(database_url, tmp_path, contract):
    from tests.conftest import prepare_databases

    def build(**overrides):
        app = create_app(make_config(database_url, tmp_path, **{**SSO, **overrides}))
        prepare_databases(app)
        return app

    built = []
    yield lambda **overrides: built.append(build(**overrides)) or built[-1]
    for app in built:
        with app.app_context():
            db.session.remove()
            if app.config["SQLALCHEMY_DATABASE_URI"].startswith("postgresql"):
                db.drop_all()
            db.engine.dispose()


def _create_operator(app, email="anna@partner.example", role="operator"):
    from dashboard.services import operators

    with app.app_context():
        return operators.create_operator(email, PASSWORD, name="Anna", role=role).id


@pytest.mark.postgres
def test_with_an_issuer_the_page_offers_the_provider_and_never_shows_the_secret(sso_app):
    client = sso_app().test_client()
    page = client.get("/auth/login?next=/cases").get_data(as_text=True)
    assert "Sign in with Partner ID" in page
    assert "/auth/sso/start?next=/cases" in page or "/auth/sso/start?next=%2Fcases" in page
    assert 'name="password"' in page
    assert SECRET not in page
    assert SECRET not in redact(f"client_secret={SECRET}")


@pytest.mark.postgres
def test_with_password_login_off_the_form_is_gone_and_a_posted_password_is_refused(sso_app):
    app = sso_app(PASSWORD_LOGIN=False)
    operator_id = _create_operator(app, role="admin")
    client = app.test_client()

    page = client.get("/auth/login").get_data(as_text=True)
    assert "Sign in with Partner ID" in page
    assert 'name="password"' not in page and "<form" not in page.split('<main id="main">')[1]

    refused = client.post("/auth/login", data={"email": "anna@partner.example", "password": PASSWORD})
    assert refused.status_code == 403
    assert "Password sign-in is turned off here: sign in with your company account." in refused.get_data(as_text=True)
    assert client.get("/").status_code == 302
    with app.app_context():
        assert db.session.get(Operator, operator_id).last_login_at is None
        assert db.session.scalars(select(AuditEntry).where(AuditEntry.outcome == "ok")).all() == []


@pytest.mark.postgres
def test_the_shell_still_creates_a_break_glass_admin_with_password_login_off(sso_app):
    app = sso_app(PASSWORD_LOGIN=False)
    result = app.test_cli_runner().invoke(args=["users", "create", "breakglass@partner.example", "--role", "admin"])
    assert result.exit_code == 0, result.output
    assert "Created breakglass@partner.example (admin)." in result.output
    with app.app_context():
        assert db.session.scalar(select(Operator.role).where(Operator.email == "breakglass@partner.example")) == "admin"


def test_an_unreachable_provider_gets_a_clear_page_not_an_error(sso_app):
    import socket

    with socket.socket() as sock:  # a loopback port nobody listens on
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    app = sso_app(OIDC_ISSUER=f"http://127.0.0.1:{port}")
    response = app.test_client().get("/auth/sso/start")
    assert response.status_code == 503
    page = response.get_data(as_text=True)
    assert "Partner ID cannot be reached right now. Try again in a minute." in page
    assert SECRET not in page


def test_a_callback_the_browser_never_started_is_refused_and_audited(sso_app):
    app = sso_app()
    response = app.test_client().get("/auth/sso/callback?code=stolen-code&state=guessed")
    assert response.status_code == 400
    assert "did not match the sign-in this browser started" in response.get_data(as_text=True)
    with app.app_context():
        summaries = db.session.scalars(select(AuditEntry.summary).where(AuditEntry.action == "auth.sso")).all()
    assert summaries == ["Company sign-in refused: mismatching state"]
    assert "stolen-code" not in summaries[0]


def test_a_provider_that_says_no_is_refused_with_its_error_code_only(sso_app):
    app = sso_app()
    client = app.test_client()
    response = client.get("/auth/sso/callback?error=access_denied&error_description=%3Cscript%3E")
    assert response.status_code == 400
    assert "<script>" not in response.get_data(as_text=True)
    with app.app_context():
        assert db.session.scalar(select(AuditEntry.summary)) == "Company sign-in refused: access denied"


# ------------------------------------------------------------------ claims into an operator


def claims(sub="anna-1", email="anna@partner.example", groups=("desk-agents",), **extra):
    return {"iss": ISSUER, "sub": sub, "email": email, "name": "Anna Agent", "groups": list(groups), **extra}


@pytest.mark.postgres
def test_the_strongest_mapped_group_wins_and_a_single_string_claim_counts(sso_app):
    app = sso_app()
    with app.test_request_context():
        assert company_sign_in.role_for(claims(groups=["desk-readers", "staff", "desk-admins"])) == "admin"
        assert company_sign_in.role_for({"groups": "desk-readers"}) == "viewer"
        assert company_sign_in.role_for({"groups": ["staff"]}) is None
        assert company_sign_in.role_for({"groups": [{"nested": "desk-admins"}]}) is None
        assert company_sign_in.role_for({}) is None


@pytest.mark.postgres
def test_the_role_claim_is_configurable(sso_app):
    app = sso_app(OIDC_ROLE_CLAIM="roles")
    with app.test_request_context():
        assert company_sign_in.role_for({"groups": ["desk-admins"], "roles": ["desk-readers"]}) == "viewer"


@pytest.mark.postgres
def test_an_existing_password_account_is_linked_by_email_and_takes_the_provider_role(sso_app):
    app = sso_app()
    operator_id = _create_operator(app, role="viewer")
    with app.test_request_context():
        outcome = company_sign_in.sign_in(claims(groups=["desk-admins"]))
        assert outcome.operator.id == operator_id
        assert (outcome.operator.role, outcome.operator.oidc_subject) == ("admin", "anna-1")
        assert db.session.scalar(select(AuditEntry.summary).where(AuditEntry.action == "auth.sso")) == (
            "Signed in through the company identity provider; role changed from viewer to admin"
        )


@pytest.mark.postgres
def test_a_person_removed_from_every_group_is_refused_and_their_sessions_end(sso_app):
    app = sso_app()
    with app.test_request_context():
        operator = company_sign_in.sign_in(claims()).operator
        token = sessions.start(operator, method="company", remembered=False)
        assert sessions.resolve(token).record is not None
        refused = company_sign_in.sign_in(claims(groups=[]))
        assert refused.operator is None and "not in any group" in refused.refusal
        db.session.refresh(operator)
        assert sessions.resolve(token).record is None
        assert operator.role == "operator"  # unchanged, and unreachable through company sign-in


@pytest.mark.postgres
def test_a_deactivated_account_stays_refused(sso_app):
    app = sso_app()
    with app.test_request_context():
        operator = company_sign_in.sign_in(claims()).operator
        operator.active = False
        db.session.commit()
        refused = company_sign_in.sign_in(claims())
        assert refused.operator is None and "deactivated" in refused.refusal


@pytest.mark.postgres
def test_an_email_linked_to_another_identity_or_missing_creates_no_account(sso_app):
    app = sso_app()
    with app.test_request_context():
        company_sign_in.sign_in(claims(sub="anna-1"))
        other = company_sign_in.sign_in(claims(sub="someone-else"))
        assert other.operator is None and "linked to a different company identity" in other.refusal
        nameless = company_sign_in.sign_in(claims(sub="no-mail", email=None))
        assert nameless.operator is None and "did not share your e-mail address" in nameless.refusal
        unverified = company_sign_in.sign_in(claims(sub="unverified", email="anna@partner.example", email_verified=False))
        assert unverified.operator is None
        too_long = company_sign_in.sign_in(claims(sub="s" * 256, email="long@partner.example"))
        assert too_long.operator is None and "no usable account" in too_long.refusal
        assert db.session.scalars(select(Operator.oidc_subject)).all() == ["anna-1"]


@pytest.mark.postgres
def test_the_same_subject_at_another_issuer_is_another_person(sso_app):
    app = sso_app()
    with app.test_request_context():
        first = company_sign_in.sign_in(claims(sub="anna-1", email="anna@partner.example")).operator
        second = company_sign_in.sign_in({**claims(sub="anna-1", email="anna@other.example"), "iss": "https://other"}).operator
        assert first.id != second.id
