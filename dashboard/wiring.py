"""Connect the app to Debitura: the real client, aimed at Debitura or at the embedded sandbox.

In sandbox mode the sandbox is mounted at /sandbox of the dashboard itself (its hosted
customer pages must open in a browser), and the client's sessions reach its APIs
in-process, so the demo runs with one command and no network.
"""

from __future__ import annotations

from datetime import datetime
from urllib.parse import quote

from flask import Flask, current_app, g, has_app_context, has_request_context, render_template
from werkzeug.middleware.dispatcher import DispatcherMiddleware

from dashboard.config import SANDBOX_MOUNT
from dashboard.debitura import CustomerApi, DebituraClient, ReferralApi, TokenCache


def wire_debitura(app: Flask) -> None:
    config = app.config
    from dashboard.services.debitura_health import HealthTrackingSession

    referral_session = HealthTrackingSession(app)
    customer_session = HealthTrackingSession(app)
    clock_path = None
    if config["DEBITURA_ENV"] == "sandbox":
        from dashboard.sandbox.api.sandbox_clock import CLOCK_PATH

        sandbox = _embed_sandbox(app)
        sandbox.mount(referral_session)
        sandbox.mount(customer_session)
        clock_path = referral_session.clock_path = CLOCK_PATH
    timeout = (3.05, config["DEBITURA_TIMEOUT"])
    referral = ReferralApi(
        config["DEBITURA_REFERRAL_API_URL"], config["DEBITURA_API_KEY"], session=referral_session, timeout=timeout
    )
    customer = CustomerApi(config["DEBITURA_CUSTOMER_API_URL"], session=customer_session, timeout=timeout)
    from dashboard.services.token_store import DatabaseTokenStore

    tokens = TokenCache(referral, DatabaseTokenStore(app))
    app.extensions["debitura"] = DebituraClient(referral, customer, tokens, clock_path=clock_path)


def _embed_sandbox(app: Flask):
    from dashboard.sandbox import Sandbox, SandboxConfig, WsgiTransport

    config = app.config
    sandbox = Sandbox(
        SandboxConfig(
            database_url=config["SANDBOX_DATABASE_URL"],
            api_key=config["DEBITURA_API_KEY"],
            public_url=config["DASHBOARD_PUBLIC_URL"],
            mount_prefix=SANDBOX_MOUNT,
            jwt_secret=config["SECRET_KEY"] + ":sandbox-jwt",
            approval_ttl_days=config["DEBITURA_APPROVAL_TTL_DAYS"],
            auto_deliver=False,
        )
    )
    if config["SANDBOX_AUTO_DELIVER"]:
        # Deliveries start with the first request, not at import or in CLI commands
        # (`flask setup` creates the sandbox's tables only after the app exists).
        app.before_request(sandbox.start_delivery)
    # Webhook deliveries to this dashboard's own receiver stay in-process too.
    own_app = app.wsgi_app
    sandbox.delivery_session.mount(config["DASHBOARD_PUBLIC_URL"] + "/", WsgiTransport(own_app))
    app.wsgi_app = DispatcherMiddleware(  # type: ignore[method-assign]  # Flask's documented way to wrap its WSGI app
        app.wsgi_app, {SANDBOX_MOUNT: _admins_only_control(app, sandbox.wsgi_app)}
    )
    config.setdefault("SANDBOX_CONTROL_URL", f"{config['DASHBOARD_PUBLIC_URL']}{SANDBOX_MOUNT}/control/")
    app.extensions["sandbox"] = sandbox
    return sandbox


def _admins_only_control(app: Flask, sandbox_app):
    """Embedded, the control panel can reset everything: only signed-in admins reach it.

    The hosted customer pages stay open, since they play the customer, who has no login.
    """

    def guarded(environ, start_response):
        if not environ.get("PATH_INFO", "").startswith("/control"):
            return sandbox_app(environ, start_response)
        with app.request_context(environ):
            from flask_login import current_user

            allowed = current_user.is_authenticated and current_user.can("admin")
            if current_user.is_authenticated and not allowed:
                # Signed in without the role: say so, rather than a sign-in page that would only loop.
                return _control_panel_refused(app, current_user.role)(environ, start_response)
        if allowed:
            return sandbox_app(environ, start_response)
        target = f"{environ.get('SCRIPT_NAME', '')}{environ.get('PATH_INFO', '')}"
        location = f"/auth/login?next={quote(target)}"
        start_response("302 Found", [("Location", location), ("Content-Length", "0")])
        return [b""]

    return guarded


def _control_panel_refused(app: Flask, role: str):
    reason = f"The sandbox control panel needs the admin role; you are signed in as {role}."
    response = app.make_response((render_template("errors/403.html", reason=reason), 403))
    return app.process_response(response)


def debitura() -> DebituraClient:
    """The app's Debitura client. Views and commands hand it to the services they call; services never fetch it."""
    return current_app.extensions["debitura"]


def debitura_now() -> datetime:
    """Debitura's now, asked of the client: once per request (one page, one moment), else on every call.

    Outside a request (a sync run, a command) time must move between two reads, so nothing is kept.
    """
    if not has_app_context() or "debitura" not in current_app.extensions:
        from dashboard.orm import now_utc

        return now_utc()
    if not has_request_context():
        return debitura().now()
    if "debitura_now" not in g:
        g.debitura_now = debitura().now()
    return g.debitura_now
