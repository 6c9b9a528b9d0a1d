"""The sandbox's Flask app factory: both APIs, the hosted customer pages and the control panel.

The app is given what it serves from (config and store) and the two actions the control panel
triggers; it never builds them itself.
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable

from flask import Flask

from dashboard.sandbox import errors
from dashboard.sandbox.api import customer, customer_lookups, quotes, referral, sandbox_clock, test_cases, workspace
from dashboard.sandbox.config import SandboxConfig
from dashboard.sandbox.context import AppParts, close_session
from dashboard.sandbox.pages import control, control_workspace, hosted
from dashboard.sandbox.store import Store

# Above the 25 MB file limit, so an oversized upload gets Debitura's own 413 answer.
MAX_CONTENT_LENGTH = 30 * 1024 * 1024


def create_sandbox_app(
    config: SandboxConfig, store: Store, *, deliver: Callable[[], int], reset: Callable[[], None]
) -> Flask:
    """The sandbox's own WSGI app, serving from `store`; `deliver` and `reset` back the control panel."""
    app = Flask("dashboard.sandbox")
    app.config["MAX_CONTENT_LENGTH"] = MAX_CONTENT_LENGTH
    app.secret_key = hashlib.sha256(f"{config.jwt_secret}:pages".encode()).hexdigest()
    # Embedded, the sandbox shares the dashboard's host: its own cookie name and path keep its flash
    # messages from replacing the dashboard's sign-in cookie.
    app.config["SESSION_COOKIE_NAME"] = "sandbox_session"
    app.config["SESSION_COOKIE_PATH"] = config.mount_prefix or "/"
    app.config["SESSION_COOKIE_SAMESITE"] = "Lax"
    app.extensions["sandbox"] = AppParts(config=config, store=store, deliver=deliver, reset=reset)
    app.register_blueprint(referral.bp, url_prefix="/referral-api")
    app.register_blueprint(sandbox_clock.bp, url_prefix="/referral-api")
    app.register_blueprint(customer.bp, url_prefix="/customer-api")
    app.register_blueprint(workspace.bp, url_prefix="/customer-api")
    app.register_blueprint(customer_lookups.bp, url_prefix="/customer-api")
    app.register_blueprint(quotes.bp, url_prefix="/customer-api")
    app.register_blueprint(test_cases.bp, url_prefix="/customer-api")
    app.register_blueprint(hosted.bp, url_prefix="/ui")
    app.register_blueprint(control.bp, url_prefix="/control")
    app.register_blueprint(control_workspace.bp, url_prefix="/control/workspace")
    app.teardown_appcontext(close_session)
    errors.register(app)
    return app
