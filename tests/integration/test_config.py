import pytest

from dashboard import create_app
from dashboard.config import ConfigurationError
from tests.conftest import TEST_DATA_KEY

OTHER_DATA_KEY = "b3RoZXItZGF0YS1lbmNyeXB0aW9uLWtleS0wMTIzNDU="


@pytest.mark.parametrize("environment", ["test", "production"])
def test_the_app_refuses_to_start_without_an_api_key_outside_the_sandbox(monkeypatch, environment):
    monkeypatch.setenv("DEBITURA_ENV", environment)
    monkeypatch.delenv("DEBITURA_API_KEY", raising=False)
    monkeypatch.setenv("SECRET_KEY", "x" * 32)
    with pytest.raises(ConfigurationError, match="DEBITURA_API_KEY is required"):
        create_app()


def test_production_needs_a_session_key(monkeypatch):
    monkeypatch.setenv("DEBITURA_ENV", "production")
    monkeypatch.setenv("DEBITURA_API_KEY", "live-key")
    monkeypatch.delenv("SECRET_KEY", raising=False)
    with pytest.raises(ConfigurationError, match="SECRET_KEY is required"):
        create_app()


def test_an_unknown_environment_is_named_in_the_error(monkeypatch):
    monkeypatch.setenv("DEBITURA_ENV", "staging")
    with pytest.raises(ConfigurationError, match="staging"):
        create_app()


def test_base_urls_follow_the_environment_and_can_be_overridden_one_by_one(monkeypatch):
    monkeypatch.setenv("DEBITURA_ENV", "test")
    monkeypatch.setenv("DEBITURA_API_KEY", "test-key")
    monkeypatch.setenv("SECRET_KEY", "y" * 32)
    monkeypatch.setenv("DATA_ENCRYPTION_KEYS", TEST_DATA_KEY)
    monkeypatch.setenv("DEBITURA_CUSTOMER_API_URL", "http://127.0.0.1:5001/customer-api/")
    app = create_app({"SQLALCHEMY_DATABASE_URI": "sqlite://"})
    assert app.config["DEBITURA_REFERRAL_API_URL"] == "https://testreferral-api.debitura.com"
    assert app.config["DEBITURA_CUSTOMER_API_URL"] == "http://127.0.0.1:5001/customer-api"
    assert app.config["DEBITURA_UI_URL"] == "https://testreferral.debitura.com"
    assert app.config["SESSION_COOKIE_SECURE"] is True
    assert "sandbox" not in app.extensions


def test_the_sandbox_keeps_a_generated_session_key_across_restarts(monkeypatch, tmp_path):
    monkeypatch.delenv("SECRET_KEY", raising=False)
    monkeypatch.delenv("DEBITURA_ENV", raising=False)
    from dashboard.config import finish_settings, load_settings

    first = load_settings(str(tmp_path), {})
    finish_settings(first, str(tmp_path))
    second = load_settings(str(tmp_path), {})
    finish_settings(second, str(tmp_path))
    assert first["SECRET_KEY"] == second["SECRET_KEY"]
    assert len(first["SECRET_KEY"]) == 64
    assert first["DEBITURA_API_KEY"] == "sandbox-key"
    assert first["DEBITURA_REFERRAL_API_URL"] == "http://127.0.0.1:5000/sandbox/referral-api"
    assert (tmp_path / "secret_key").stat().st_mode & 0o077 == 0


def test_postgres_urls_use_the_installed_driver():
    from dashboard.config import sqlalchemy_url

    assert sqlalchemy_url("postgresql://u@h/db") == "postgresql+psycopg://u@h/db"
    assert sqlalchemy_url("sqlite:///x.db") == "sqlite:///x.db"


# ------------------------------------------------------------------ one typed settings object

import ast
import base64
import re
from datetime import timedelta
from pathlib import Path

from dashboard.config import Settings, load_settings
from dashboard.extensions import db
from dashboard.models.base import now_utc
from dashboard.services import login_throttle
from dashboard.services.webhook_secrets import accepted_secrets
from tests.conftest import PASSWORD, OperatorActions, make_config, prepare_databases

REPOSITORY = Path(__file__).resolve().parents[2]


def readme_table(heading: str) -> set[str]:
    """The variable names in the first column of the table under `heading` in the README."""
    text = (REPOSITORY / "README.md").read_text()
    section = text.split(f"\n{heading}\n", 1)[1].split("\n#", 1)[0]
    names: set[str] = set()
    for row in section.splitlines():
        if row.startswith("| `"):
            names.update(re.findall(r"`([A-Z][A-Z0-9_]+)`", row.split("|")[1]))
    return names


def test_the_readme_table_and_the_settings_model_name_the_same_variables():
    documented = readme_table("## Configuration")
    modelled = set(Settings.model_fields)
    assert documented - modelled == set(), "in the README's Configuration table but never read"
    assert modelled - documented == set(), "read by the dashboard but not in the README's Configuration table"


def environment_reads(path: Path) -> set[str]:
    """Names read with os.environ[...], os.environ.get(...) or os.getenv(...) in one file (not WSGI environs)."""
    names: set[str] = set()
    for node in ast.walk(ast.parse(path.read_text())):
        if isinstance(node, ast.Subscript) and ast.unparse(node.value) == "os.environ":
            key = node.slice
        elif isinstance(node, ast.Call) and ast.unparse(node.func) in ("os.environ.get", "os.getenv"):
            key = node.args[0] if node.args else None
        else:
            continue
        if isinstance(key, ast.Constant) and isinstance(key.value, str) and key.value.isupper():
            names.add(key.value)
    return names


def test_every_variable_the_code_reads_is_documented_in_the_readme():
    sources = [REPOSITORY / "wsgi.py", *(REPOSITORY / "dashboard").rglob("*.py"), *(REPOSITORY / "benchmarks").rglob("*.py"),
               REPOSITORY / "tests" / "conftest.py"]
    read = {name: str(path.relative_to(REPOSITORY)) for path in sources for name in environment_reads(path)}
    makefile = (REPOSITORY / "Makefile").read_text()
    read.update({name: "Makefile" for name in re.findall(r"\b([A-Z][A-Z0-9_]+)=\$\(", makefile)})
    documented = readme_table("## Configuration") | readme_table("### Development and test variables")
    assert {"DEBITURA_API_KEY", "SANDBOX_DATABASE_URL", "DEBITURA_SPEC_DIR", "DASHBOARD_PORT"} <= set(read)
    assert {name: where for name, where in read.items() if name not in documented} == {}


def test_a_timeout_with_a_unit_is_refused_with_the_variable_and_the_form_it_must_take(monkeypatch):
    monkeypatch.setenv("DEBITURA_TIMEOUT", "10s")
    with pytest.raises(ConfigurationError) as refused:
        create_app()
    message = str(refused.value)
    assert message.startswith("DEBITURA_TIMEOUT must be a number of seconds")
    assert "got '10s'" in message


@pytest.mark.parametrize(
    ("name", "value", "form"),
    [
        ("DEBITURA_ENV", "staging", "one of sandbox, test or production"),
        ("DEBITURA_TIMEOUT", "0", "a number of seconds above 0 and at most 300, such as 10 or 2.5"),
        ("DEBITURA_TIMEOUT", "nan", "a number of seconds above 0 and at most 300, such as 10 or 2.5"),
        ("DEBITURA_REFERRAL_API_URL", "referral-api.debitura.com", "an http(s) address"),
        ("DEBITURA_CUSTOMER_API_URL", "ftp://customer.example", "an http(s) address"),
        ("DEBITURA_UI_URL", "//ui.example", "an http(s) address"),
        ("DASHBOARD_PUBLIC_URL", "dashboard.example", "an http(s) address such as https://dashboard.example"),
        ("DASHBOARD_ADMIN_EMAIL", "admin at partner", "an e-mail address such as admin@partner.example"),
        ("DASHBOARD_PORT", "50OO", "a port number from 1 to 65535"),
        ("DASHBOARD_PORT", "70000", "a port number from 1 to 65535"),
        ("SANDBOX_AUTO_DELIVER", "sometimes", "1 (deliver webhooks) or 0 (do not)"),
        ("DEBITURA_APPROVAL_TTL_DAYS", "45", "a whole number of days from 1 to 30"),
        ("DEBITURA_APPROVAL_TTL_DAYS", "7d", "a whole number of days from 1 to 30"),
        ("LOGIN_MAX_FAILURES_PER_ACCOUNT", "0", "a whole number of attempts from 1 to 1000"),
        ("LOGIN_MAX_FAILURES_PER_ADDRESS", "twenty", "a whole number of attempts from 1 to 100000"),
        ("LOGIN_THROTTLE_WINDOW_SECONDS", "15min", "a whole number of seconds from 1 to 604800"),
        ("WEBHOOK_ROTATION_GRACE_SECONDS", "-1", "a whole number of seconds from 0 to 2592000"),
        ("REQUIRE_2FA", "everyone", "one of admins, all or off"),
        ("SESSION_IDLE_MINUTES", "0", "a whole number of minutes from 1 to 1440"),
        ("SESSION_IDLE_MINUTES", "30m", "a whole number of minutes from 1 to 1440"),
        ("SESSION_MAX_HOURS", "200", "a whole number of hours from 1 to 168"),
        ("SESSION_REMEMBER_DAYS", "30", "a whole number of days from 1 to 14"),
    ],
)
def test_a_wrong_value_names_the_variable_the_form_and_what_was_given(name, value, form):
    with pytest.raises(ConfigurationError) as refused:
        load_settings("/nowhere", {name: value})
    assert str(refused.value) == f"{name} must be {form}; got {value!r}."


def test_a_wrong_database_url_is_named_without_showing_its_password():
    with pytest.raises(ConfigurationError) as refused:
        load_settings("/nowhere", {"DATABASE_URL": "postgres//admin:hunter2@db/dashboard"})
    assert str(refused.value) == "DATABASE_URL must be an SQLAlchemy database URL such as postgresql://user@host/db."
    assert "hunter2" not in str(refused.value)


def test_several_wrong_values_are_all_named_at_once():
    with pytest.raises(ConfigurationError) as refused:
        load_settings("/nowhere", {"DEBITURA_TIMEOUT": "fast", "DASHBOARD_PORT": "http"})
    assert "DEBITURA_TIMEOUT must be" in str(refused.value) and "DASHBOARD_PORT must be" in str(refused.value)


def test_every_documented_variable_reaches_the_flask_config():
    environ = {
        "DEBITURA_ENV": " Test ",
        "DEBITURA_API_KEY": "partner-key",
        "DEBITURA_REFERRAL_API_URL": "https://referral.example/",
        "DEBITURA_CUSTOMER_API_URL": "https://customer.example",
        "DEBITURA_UI_URL": "https://ui.example",
        "DEBITURA_TIMEOUT": "2.5",
        "DEBITURA_WEBHOOK_SECRET": "c2VjcmV0",
        "DEBITURA_WEBHOOK_PREVIOUS_SECRET": "b2xk",
        "DATABASE_URL": "postgresql://dash@db/dashboard",
        "SANDBOX_DATABASE_URL": "sqlite:///elsewhere.db",
        "SANDBOX_AUTO_DELIVER": "0",
        "SECRET_KEY": "k" * 32,
        "DASHBOARD_ADMIN_EMAIL": "admin@partner.example",
        "DASHBOARD_ADMIN_PASSWORD": "first password",
        "DASHBOARD_HOST": "0.0.0.0",
        "DASHBOARD_PORT": "8000",
        "DEBITURA_APPROVAL_TTL_DAYS": "14",
        "PARTNER_PRODUCT_NAME": "Ledgerly",
        "LOGIN_MAX_FAILURES_PER_ACCOUNT": "3",
        "LOGIN_MAX_FAILURES_PER_ADDRESS": "9",
        "LOGIN_THROTTLE_WINDOW_SECONDS": "60",
        "WEBHOOK_ROTATION_GRACE_SECONDS": "600",
        "OIDC_ISSUER": "https://login.partner.example/",
        "OIDC_CLIENT_ID": "desk",
        "OIDC_CLIENT_SECRET": "client-secret",
        "OIDC_PROVIDER_NAME": "Okta",
        "OIDC_ROLE_CLAIM": "roles",
        "OIDC_ROLE_MAP": "desk-admins=admin, desk-agents=operator",
        "PASSWORD_LOGIN": "off",
        "TRUSTED_PROXY_HOPS": "1",
        "DATA_ENCRYPTION_KEYS": f"{TEST_DATA_KEY}, {OTHER_DATA_KEY}",
        "SECRET_KEY_FALLBACKS": "old-key-1,old-key-2",
        "UNAUTHENTICATED_RETENTION_DAYS": "3",
        "REQUIRE_2FA": " All ",
        "SESSION_IDLE_MINUTES": "15",
        "SESSION_MAX_HOURS": "8",
        "SESSION_REMEMBER_DAYS": "7",
    }
    assert set(environ) | {"DASHBOARD_PUBLIC_URL"} == set(Settings.model_fields)
    config = load_settings("/srv/dashboard/instance", environ)
    assert config == {
        "DEBITURA_ENV": "test",
        "DEBITURA_API_KEY": "partner-key",
        "DEBITURA_REFERRAL_API_URL": "https://referral.example",
        "DEBITURA_CUSTOMER_API_URL": "https://customer.example",
        "DEBITURA_UI_URL": "https://ui.example",
        "DEBITURA_TIMEOUT": 2.5,
        "DEBITURA_WEBHOOK_SECRET": "c2VjcmV0",
        "DEBITURA_WEBHOOK_PREVIOUS_SECRET": "b2xk",
        "SQLALCHEMY_DATABASE_URI": "postgresql://dash@db/dashboard",
        "SANDBOX_DATABASE_URL": "sqlite:///elsewhere.db",
        "SANDBOX_AUTO_DELIVER": False,
        "SECRET_KEY": "k" * 32,
        "DASHBOARD_ADMIN_EMAIL": "admin@partner.example",
        "DASHBOARD_ADMIN_PASSWORD": "first password",
        "DASHBOARD_HOST": "0.0.0.0",
        "DASHBOARD_PUBLIC_URL": "http://0.0.0.0:8000",
        "DEBITURA_APPROVAL_TTL_DAYS": 14,
        "PARTNER_PRODUCT_NAME": "Ledgerly",
        "LOGIN_MAX_FAILURES_PER_ACCOUNT": 3,
        "LOGIN_MAX_FAILURES_PER_ADDRESS": 9,
        "LOGIN_THROTTLE_WINDOW_SECONDS": 60,
        "WEBHOOK_ROTATION_GRACE_SECONDS": 600,
        "OIDC_ISSUER": "https://login.partner.example",
        "OIDC_CLIENT_ID": "desk",
        "OIDC_CLIENT_SECRET": "client-secret",
        "OIDC_PROVIDER_NAME": "Okta",
        "OIDC_ROLE_CLAIM": "roles",
        "OIDC_ROLE_MAP": "desk-admins=admin, desk-agents=operator",
        "PASSWORD_LOGIN": False,
        "TRUSTED_PROXY_HOPS": 1,
        "DATA_ENCRYPTION_KEYS": [TEST_DATA_KEY, OTHER_DATA_KEY],
        "SECRET_KEY_FALLBACKS": ["old-key-1", "old-key-2"],
        "UNAUTHENTICATED_RETENTION_DAYS": 3,
        "REQUIRE_2FA": "all",
        "SESSION_IDLE_MINUTES": 15,
        "SESSION_MAX_HOURS": 8,
        "SESSION_REMEMBER_DAYS": 7,
    }


def test_empty_values_count_as_unset_and_give_the_documented_defaults():
    config = load_settings("/srv/instance", {name: "" for name in Settings.model_fields})
    assert config["DEBITURA_TIMEOUT"] == 10.0
    assert config["DASHBOARD_PUBLIC_URL"] == "http://127.0.0.1:5000"
    assert config["SQLALCHEMY_DATABASE_URI"] == "sqlite:////srv/instance/dashboard.db"
    assert (config["LOGIN_MAX_FAILURES_PER_ACCOUNT"], config["LOGIN_MAX_FAILURES_PER_ADDRESS"]) == (5, 20)
    assert (config["LOGIN_THROTTLE_WINDOW_SECONDS"], config["WEBHOOK_ROTATION_GRACE_SECONDS"]) == (900, 86400)
    assert config["SANDBOX_AUTO_DELIVER"] is True and config["DEBITURA_APPROVAL_TTL_DAYS"] == 7
    assert config["REQUIRE_2FA"] == "admins"
    assert (config["SESSION_IDLE_MINUTES"], config["SESSION_MAX_HOURS"], config["SESSION_REMEMBER_DAYS"]) == (30, 12, 14)


# ------------------------------------------------------------------ the documented values change behaviour


@pytest.fixture
def app_from_environment(monkeypatch, database_url, tmp_path, contract):
    """An app whose throttling and grace settings come only from the environment, as in production."""
    built = []

    def build(**environment):
        for name, value in environment.items():
            monkeypatch.setenv(name, value)
        app = create_app(make_config(database_url, tmp_path))
        prepare_databases(app)
        built.append(app)
        return app

    yield build
    for app in built:
        with app.app_context():
            db.session.remove()
            if app.config["SQLALCHEMY_DATABASE_URI"].startswith("postgresql"):
                db.drop_all()
            db.engine.dispose()


def attempt(client, email: str, password: str = "not the password", address: str = "203.0.113.7"):
    return client.post("/auth/login", data={"email": email, "password": password}, environ_base={"REMOTE_ADDR": address})


@pytest.mark.parametrize("limit", ["2", "4"])
def test_login_max_failures_per_account_sets_when_an_account_locks(app_from_environment, limit):
    app = app_from_environment(LOGIN_MAX_FAILURES_PER_ACCOUNT=limit)
    client = app.test_client()
    _, email = OperatorActions(app, client).create("operator")
    for number in range(int(limit)):
        assert attempt(client, email, address=f"203.0.113.{number}").status_code == 401
    assert attempt(client, email, PASSWORD, address="198.51.100.1").status_code == 429


@pytest.mark.parametrize("limit", ["3", "6"])
def test_login_max_failures_per_address_sets_when_an_address_locks(app_from_environment, limit):
    app = app_from_environment(LOGIN_MAX_FAILURES_PER_ADDRESS=limit)
    client = app.test_client()
    _, email = OperatorActions(app, client).create("operator")
    for number in range(int(limit) - 1):
        assert attempt(client, f"guess{number}@partner.example").status_code == 401
    assert attempt(client, "one-more@partner.example").status_code == 401
    assert attempt(client, email, PASSWORD).status_code == 429
    assert attempt(client, email, PASSWORD, address="198.51.100.9").status_code == 303


def test_login_throttle_window_seconds_sets_how_long_failures_count(app_from_environment):
    app = app_from_environment(LOGIN_MAX_FAILURES_PER_ACCOUNT="2", LOGIN_THROTTLE_WINDOW_SECONDS="120")
    client = app.test_client()
    _, email = OperatorActions(app, client).create("operator")
    for _ in range(2):
        attempt(client, email)
    locked = attempt(client, email, PASSWORD)
    assert locked.status_code == 429 and 100 < int(locked.headers["Retry-After"]) <= 120
    assert "Wait 2 minutes" in locked.get_data(as_text=True)
    with app.test_request_context():
        assert login_throttle.seconds_to_wait(email, "203.0.113.7", now=now_utc() + timedelta(seconds=119)) > 0
        assert login_throttle.seconds_to_wait(email, "203.0.113.7", now=now_utc() + timedelta(seconds=121)) == 0


@pytest.mark.parametrize(("grace", "phrase"), [("600", "still accepted for 10 min"), ("0", "no longer accepted")])
def test_webhook_rotation_grace_seconds_sets_how_long_the_old_secret_is_accepted(app_from_environment, grace, phrase):
    app = app_from_environment(WEBHOOK_ROTATION_GRACE_SECONDS=grace)
    client = app.test_client()
    OperatorActions(app, client).login("admin")
    from dashboard.services import webhook_admin

    page = client.post(
        "/admin/webhooks/new", data={"url": "http://dashboard.test/webhooks/debitura", "events": list(webhook_admin.EVENTS)}
    )
    assert page.status_code == 303
    sandbox = app.extensions["sandbox"]
    [old] = sandbox_subscriptions(sandbox)
    assert client.post(f"/admin/webhooks/{old.id}/rotate").status_code == 303
    assert f"the old one is {phrase}" in client.get("/admin/webhooks").get_data(as_text=True)
    old_key, still_accepted = base64.b64decode(old.secret), grace != "0"
    with app.app_context():
        assert (old_key in accepted_secrets(now_utc() + timedelta(seconds=1))) is still_accepted
        assert (old_key in accepted_secrets(now_utc() + timedelta(seconds=599))) is still_accepted
        assert old_key not in accepted_secrets(now_utc() + timedelta(seconds=601))


def sandbox_subscriptions(sandbox):
    from sqlalchemy import select

    from dashboard.sandbox.models import WebhookSubscription

    with sandbox.session() as s:
        rows = s.scalars(select(WebhookSubscription)).all()
        s.expunge_all()
        return rows
