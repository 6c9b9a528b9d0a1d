"""Shared fixtures: the app on SQLite (and PostgreSQL when it answers), the sandbox, operators.

Every test gets a fresh database and a fresh sandbox. Tests marked `postgres` run once
per available backend; the first line of the run says whether PostgreSQL took part.
"""

from __future__ import annotations

import os
import sys
import uuid

import pytest
from sqlalchemy import create_engine, text

from dashboard import create_app
from dashboard.config import sqlalchemy_url
from dashboard.extensions import db
from tests.compiled_templates import share_compiled_templates
from tests.tenant_data import app_for, build_app, dispose

TEST_DATABASE_URL = os.environ.get("TEST_DATABASE_URL", "postgresql://postgres@127.0.0.1:5432/test")
TEST_SECRET_KEY = "test-session-key-0123456789abcdef"
TEST_DATA_KEY = "ZGF0YS1lbmNyeXB0aW9uLWtleS1mb3ItdGVzdHMtMDE="  # a Fernet key (32 bytes, base64)
PASSWORD = "correct horse battery"

share_compiled_templates()


def _postgres_answers() -> bool:
    try:
        engine = create_engine(sqlalchemy_url(TEST_DATABASE_URL), connect_args={"connect_timeout": 3})
        with engine.connect() as connection:
            connection.execute(text("SELECT 1"))
        engine.dispose()
        return True
    except Exception:
        return False


POSTGRES = _postgres_answers()
BACKENDS = ("sqlite", "postgresql") if POSTGRES else ("sqlite",)
_ran_on_postgres: list[str] = []


def pytest_report_header(config):
    if POSTGRES:
        return f"PostgreSQL answers at {TEST_DATABASE_URL}: database-facing tests run on SQLite AND PostgreSQL."
    return f"PostgreSQL does not answer at {TEST_DATABASE_URL}: database-facing tests run on SQLite only."


def pytest_sessionfinish(session):
    """An xdist worker hands its count to the controller, which writes the summary."""
    if hasattr(session.config, "workeroutput"):
        session.config.workeroutput["postgres_runs"] = len(_ran_on_postgres)


@pytest.hookimpl(optionalhook=True)
def pytest_testnodedown(node, error):
    """The controller of an xdist run adds up what its workers counted."""
    output = getattr(node, "workeroutput", {})
    _ran_on_postgres.extend([node.gateway.id] * output.get("postgres_runs", 0))
    if output.get("accessibility"):
        from tests.e2e.accessibility import TOTALS

        checks, axe_runs, seconds = output["accessibility"]
        TOTALS.checks += checks
        TOTALS.axe_runs += axe_runs
        TOTALS.seconds += seconds


def pytest_terminal_summary(terminalreporter):
    accessibility = sys.modules.get("tests.e2e.accessibility")
    if accessibility is not None and accessibility.TOTALS.checks:
        terminalreporter.write_line(accessibility.TOTALS.summary())
    if _ran_on_postgres:
        terminalreporter.write_line(
            f"Databases: SQLite and PostgreSQL ({len(_ran_on_postgres)} test runs on PostgreSQL at {TEST_DATABASE_URL})."
        )
    else:
        terminalreporter.write_line("Databases: SQLite only (PostgreSQL did not answer or no test asked for it).")


def pytest_generate_tests(metafunc):
    """Tests marked `postgres` run once per available backend."""
    if "backend" in metafunc.fixturenames and metafunc.definition.get_closest_marker("postgres"):
        metafunc.parametrize("backend", BACKENDS, indirect=True)


@pytest.fixture
def backend(request):
    name = getattr(request, "param", "sqlite")
    if name == "postgresql":
        _ran_on_postgres.append(request.node.nodeid)
    return name


@pytest.fixture(scope="session")
def postgres_schema():
    """One private schema per test session (per xdist worker), so parallel runs never collide."""
    if not POSTGRES:
        yield None
        return
    worker = os.environ.get("PYTEST_XDIST_WORKER", "main")
    name = f"t_{worker}_{os.getpid()}_{uuid.uuid4().hex[:6]}"
    engine = create_engine(sqlalchemy_url(TEST_DATABASE_URL))
    with engine.begin() as connection:
        connection.execute(text(f'CREATE SCHEMA "{name}"'))
    yield name
    with engine.begin() as connection:
        connection.execute(text(f'DROP SCHEMA "{name}" CASCADE'))
    engine.dispose()


@pytest.fixture
def database_url(request, backend, tmp_path):
    if backend == "postgresql":
        schema = request.getfixturevalue("postgres_schema")
        separator = "&" if "?" in TEST_DATABASE_URL else "?"
        return f"{sqlalchemy_url(TEST_DATABASE_URL)}{separator}options=-csearch_path%3D{schema}"
    return f"sqlite:///{tmp_path / 'dashboard.db'}"


def make_config(database_url: str, tmp_path, **overrides) -> dict:
    config = {
        "TESTING": True,
        "DEBITURA_ENV": "sandbox",
        "DEBITURA_API_KEY": "sandbox-key",
        "SECRET_KEY": TEST_SECRET_KEY,
        "DATA_ENCRYPTION_KEYS": [TEST_DATA_KEY],
        "SQLALCHEMY_DATABASE_URI": database_url,
        "SANDBOX_DATABASE_URL": f"sqlite:///{tmp_path / 'sandbox.db'}",
        "SANDBOX_AUTO_DELIVER": False,
        "DASHBOARD_PUBLIC_URL": "http://dashboard.test",
        "DEBITURA_WEBHOOK_SECRET": "",
        "WTF_CSRF_ENABLED": False,
        # Tests sign admins in with a password alone; the two-factor tests turn this back to "admins" or "all".
        "REQUIRE_2FA": "off",
    }
    config.update(overrides)
    return config


def prepare_databases(app, *, demo: bool = False) -> None:
    with app.app_context():
        db.drop_all()
        db.create_all()
        sandbox = app.extensions.get("sandbox")
        if sandbox is not None:
            sandbox.create_schema()
            if demo:
                sandbox.ensure_demo()


@pytest.fixture
def app_config(database_url, tmp_path):
    """Override keys here (via indirect use) before the app is built."""
    return make_config(database_url, tmp_path)


@pytest.fixture
def contract():
    """Every exchange with the sandbox during a test is checked against the official specs."""
    from dashboard.sandbox.contract import ContractChecker

    checker = ContractChecker()
    yield checker
    checker.assert_clean()


def watch_contract(app, checker) -> None:
    sandbox = app.extensions.get("sandbox")
    if sandbox is not None:
        sandbox.observers.append(checker)


@pytest.fixture(scope="module")
def shared_app(request, tmp_path_factory):
    """One SQLite app for a module marked `shared_app`: building an app costs more than most tests.

    The marker's keyword arguments are settings for it: `pytest.mark.shared_app(DEBITURA_WEBHOOK_SECRET=...)`.
    """
    marker = request.node.get_closest_marker("shared_app")
    app = build_app(tmp_path_factory.mktemp("shared-app"), **(marker.kwargs if marker else {}))
    yield app
    dispose(app)


@pytest.fixture
def app(request, app_config, contract):
    """A fresh app per test; in a module marked `shared_app`, that module's app wiped (a `postgres` test
    still gets a fresh app on its backend)."""
    if request.node.get_closest_marker("shared_app") is not None:
        yield from app_for(request, request.getfixturevalue("shared_app"))
        return
    app = create_app(app_config)
    prepare_databases(app)
    watch_contract(app, contract)
    yield app
    with app.app_context():
        db.session.remove()
        if app.config["SQLALCHEMY_DATABASE_URI"].startswith("postgresql"):
            db.drop_all()
        db.engine.dispose()


@pytest.fixture
def client(app):
    return app.test_client()


@pytest.fixture
def sandbox(app):
    return app.extensions["sandbox"]


@pytest.fixture
def debitura(app):
    return app.extensions["debitura"]


class OperatorActions:
    """Create operators and sign them in through the real login form."""

    def __init__(self, app, client):
        self._app = app
        self._client = client

    def create(self, role: str = "operator", email: str | None = None, password: str = PASSWORD):
        from dashboard.services import operators

        email = email or f"{role}-{uuid.uuid4().hex[:6]}@partner.example"
        with self._app.app_context():
            operator = operators.create_operator(email, password, name=f"{role.title()} Tester", role=role)
            return operator.id, email

    def login(self, role: str = "operator", email: str | None = None, password: str = PASSWORD):
        if email is None:
            _, email = self.create(role)
        response = self._client.post("/auth/login", data={"email": email, "password": password})
        assert response.status_code == 303, response.get_data(as_text=True)
        return email

    def logout(self):
        return self._client.post("/auth/logout")


@pytest.fixture
def operators(app, client):
    return OperatorActions(app, client)
