"""Browser tests: the app served from a thread (sharing the test's databases) and a real Chromium."""

from __future__ import annotations

import shutil
import threading

import pytest
from werkzeug.serving import make_server

from dashboard import create_app
from tests.conftest import PASSWORD, make_config, prepare_databases, watch_contract
from tests.e2e.accessibility import TOTALS, AccessibilityCheck
from tests.serving import free_port

CHROMIUM = shutil.which("chromium") or shutil.which("chromium-browser")


def _free_port() -> int:
    return free_port()


@pytest.fixture(scope="session")
def browser_type_launch_args(browser_type_launch_args):
    args = dict(browser_type_launch_args)
    if CHROMIUM:
        args["executable_path"] = CHROMIUM
    # Offline machines: keep Chromium from reaching out at start.
    args["args"] = [
        "--no-sandbox",
        "--disable-gpu",
        "--disable-background-networking",
        "--disable-component-update",
        "--disable-sync",
        "--no-first-run",
    ]
    return args


@pytest.fixture
def browser_context_args(browser_context_args, live_server):
    return {
        **browser_context_args,
        "base_url": live_server.url,
        "permissions": ["clipboard-read", "clipboard-write"],
    }


@pytest.fixture
def new_context(new_context):
    """Every browser context a test opens is checked with axe-core in each state it reaches (see accessibility.py)."""
    check = AccessibilityCheck()

    def watched_context(**kwargs):
        context = new_context(**kwargs)
        check.watch(context)
        return context

    watched_context.accessibility = check
    yield watched_context
    fail_on_violations(check)


def fail_on_violations(check: AccessibilityCheck) -> None:
    check.check_final_states()
    report = check.report()
    if report:
        pytest.fail(report, pytrace=False)


@pytest.hookimpl(wrapper=True)
def pytest_runtest_call(item):
    """Violations fail the test itself (not its teardown) once its body has passed."""
    result = yield
    check = getattr(item.funcargs.get("new_context"), "accessibility", None)
    if check is not None:
        fail_on_violations(check)
    return result


def pytest_sessionfinish(session):
    """An xdist worker hands its accessibility totals to the controller, which writes the summary."""
    if hasattr(session.config, "workeroutput"):
        session.config.workeroutput["accessibility"] = (TOTALS.checks, TOTALS.axe_runs, TOTALS.seconds)


class LiveServer:
    def __init__(self, app, url):
        self.app = app
        self.url = url

    def create_operator(self, role: str = "operator", email: str | None = None) -> str:
        from dashboard.services import operators

        email = email or f"{role}@partner.example"
        with self.app.app_context():
            operators.create_operator(email, PASSWORD, name=f"{role.title()} Tester", role=role)
        return email


@pytest.fixture
def live_app_config(tmp_path):
    port = _free_port()
    return make_config(
        f"sqlite:///{tmp_path / 'dashboard.db'}",
        tmp_path,
        DASHBOARD_PUBLIC_URL=f"http://127.0.0.1:{port}",
        SANDBOX_AUTO_DELIVER=True,
        WTF_CSRF_ENABLED=True,
        TESTING=False,
        LIVE_PORT=port,
    )


@pytest.fixture
def live_server(live_app_config, contract):
    app = create_app(live_app_config)
    prepare_databases(app, demo=live_app_config.get("LOAD_DEMO", False))
    watch_contract(app, contract)
    server = make_server("127.0.0.1", live_app_config["LIVE_PORT"], app, threaded=True)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield LiveServer(app, live_app_config["DASHBOARD_PUBLIC_URL"])
    server.shutdown()
    thread.join(timeout=5)
    sandbox = app.extensions.get("sandbox")
    if sandbox is not None and hasattr(sandbox, "close"):
        sandbox.close()


def sign_in(page, email: str, password: str = PASSWORD) -> None:
    page.goto("/auth/login")
    page.get_by_label("E-mail").fill(email)
    page.get_by_label("Password").fill(password)
    page.get_by_role("button", name="Sign in").click()
