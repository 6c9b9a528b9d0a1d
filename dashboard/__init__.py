"""The operator dashboard for a Debitura referral partner.

Only `create_app` creates an app; importing this package does no work.
"""

from __future__ import annotations

import logging
from collections.abc import Mapping
from pathlib import Path

from flask import Flask

ROOT = Path(__file__).resolve().parent.parent


def create_app(config: Mapping | None = None) -> Flask:
    """Build the dashboard. `config` overrides the environment (tests pass one)."""
    from dashboard.config import finish_settings, load_settings

    app = Flask(
        __name__,
        instance_path=str(ROOT / "instance"),
        template_folder=str(ROOT / "templates"),
        static_folder=str(ROOT / "static"),
    )
    app.config.from_mapping(load_settings(app.instance_path))
    explicit = dict(config or {})
    debitura_env = explicit.get("DEBITURA_ENV", app.config.get("DEBITURA_ENV", "sandbox"))
    # Flask ships its own defaults for these keys, so ours are set unless the caller chose.
    hardened = {
        "WTF_CSRF_TIME_LIMIT": None,  # tokens live as long as the session
        "MAX_CONTENT_LENGTH": 26 * 1024 * 1024,  # Debitura takes files up to 25 MB
        "SESSION_COOKIE_HTTPONLY": True,
        "SESSION_COOKIE_SAMESITE": "Lax",
        "REMEMBER_COOKIE_HTTPONLY": True,
        "REMEMBER_COOKIE_SAMESITE": "Lax",
        # Cookies travel over HTTPS outside the sandbox; the sandbox runs on plain http://127.0.0.1.
        "SESSION_COOKIE_SECURE": debitura_env != "sandbox",
        "REMEMBER_COOKIE_SECURE": debitura_env != "sandbox",
    }
    app.config.from_mapping(hardened)
    app.config.from_mapping(explicit)
    finish_settings(app.config, app.instance_path)

    register_logging(app)
    register_proxies(app)
    register_extensions(app)
    register_clients(app)
    register_routing(app)
    register_blueprints(app)
    register_errorhandlers(app)
    register_security(app)
    register_jinja(app)
    register_cli(app)
    return app


def register_logging(app: Flask) -> None:
    from dashboard.debitura import redaction

    for secret in (
        app.config["SECRET_KEY"],
        app.config["DEBITURA_API_KEY"],
        app.config["DEBITURA_WEBHOOK_SECRET"],
        app.config["DEBITURA_WEBHOOK_PREVIOUS_SECRET"],
        *app.config["DATA_ENCRYPTION_KEYS"],
        *app.config["SECRET_KEY_FALLBACKS"],
    ):
        redaction.register_secret(secret)
    if not app.debug and not app.testing:
        logging.basicConfig(level=logging.INFO, format="%(asctime)s %(levelname)s %(name)s: %(message)s")
        logging.getLogger("alembic").setLevel(logging.WARNING)
    # Logger filters do not apply to records propagated from child loggers,
    # so the filter goes on the loggers we own and on every handler that writes.
    for logger in (logging.getLogger("dashboard"), app.logger):
        redaction.install_redaction(logger)
    for handler in [*logging.getLogger().handlers, *app.logger.handlers]:
        if not any(isinstance(f, redaction.RedactSecrets) for f in handler.filters):
            handler.addFilter(redaction.RedactSecrets())


def register_proxies(app: Flask) -> None:
    from dashboard.proxies import register

    register(app)


def register_extensions(app: Flask) -> None:
    from dashboard import models  # noqa: F401  (every table known before migrate/create_all)
    from dashboard.extensions import csrf, db, login_manager, migrate

    db.init_app(app)
    migrate.init_app(app, db, directory=str(ROOT / "migrations"))
    csrf.init_app(app)
    login_manager.init_app(app)
    login_manager.login_view = "auth.login"
    login_manager.login_message = "Please sign in to continue."
    login_manager.login_message_category = "info"
    login_manager.session_protection = "basic"

    from dashboard.auth.loader import load_operator

    login_manager.user_loader(load_operator)

    from dashboard.database import configure_engine

    with app.app_context():
        configure_engine(db.engine)


def register_clients(app: Flask) -> None:
    from dashboard.wiring import wire_debitura

    wire_debitura(app)


def register_routing(app: Flask) -> None:
    from dashboard.routing import register

    register(app)


def register_blueprints(app: Flask) -> None:
    """One blueprint package per operator task."""
    from dashboard import (
        admin,
        audit,
        auth,
        cases,
        kyc,
        main,
        pricing,
        revenue,
        sync,
        tenants,
        triage,
        uploads,
        webhooks,
    )

    for feature in (auth, main, triage, tenants, webhooks, sync, cases, uploads, kyc, pricing, revenue, audit, admin):
        app.register_blueprint(feature.bp)


def register_errorhandlers(app: Flask) -> None:
    from dashboard.errors.handlers import register

    register(app)


def register_security(app: Flask) -> None:
    from dashboard.security import register

    register(app)


def register_jinja(app: Flask) -> None:
    from dashboard.jinja import register

    register(app)


def register_cli(app: Flask) -> None:
    from dashboard.cli import register

    register(app)
