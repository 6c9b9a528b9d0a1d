"""One live server for a whole test module, and an operator signed in once through the real sign-in page.

Modules whose tests each make their own tenants share one app (and one sign-in) instead of paying
for a fresh one per test.
"""

from __future__ import annotations

import threading

from playwright.sync_api import expect
from werkzeug.serving import make_server

from dashboard import create_app
from tests.cases_support import without_backoff
from tests.conftest import PASSWORD, make_config, prepare_databases
from tests.e2e.conftest import LiveServer, _free_port, sign_in


def serve(tmp_path_factory, name: str, *, retry_pauses: bool = True, **overrides):
    """Generator for a module-scoped `live_server`: one app with CSRF on, shut down after the module.

    `retry_pauses=False` keeps the client's retries but not their waits, so a primed fault costs no time.
    """
    root = tmp_path_factory.mktemp(name)
    port = _free_port()
    settings = {"SANDBOX_AUTO_DELIVER": True, **overrides}
    config = make_config(
        f"sqlite:///{root / 'dashboard.db'}",
        root,
        DASHBOARD_PUBLIC_URL=f"http://127.0.0.1:{port}",
        WTF_CSRF_ENABLED=True,
        TESTING=False,
        **settings,
    )
    app = create_app(config)
    prepare_databases(app)
    if not retry_pauses:
        without_backoff(app)
    server = make_server("127.0.0.1", port, app, threaded=True)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield LiveServer(app, config["DASHBOARD_PUBLIC_URL"])
    server.shutdown()
    thread.join(timeout=5)
    app.extensions["sandbox"].close()


def signed_in_state(browser, live_server, role: str = "operator", email: str | None = None) -> dict:
    """Cookies of an operator signed in once through the real sign-in page."""
    email = live_server.create_operator(role, email)
    context = browser.new_context(base_url=live_server.url)
    page = context.new_page()
    sign_in(page, email, PASSWORD)
    expect(page.get_by_role("navigation", name="Main")).to_be_visible()
    state = context.storage_state()
    context.close()
    return state
