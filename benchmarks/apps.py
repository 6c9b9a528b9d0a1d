"""Dashboards for measuring: in-process apps, and the environment a gunicorn-served one reads.

Settings are production-like (no TESTING, CSRF on) with the embedded sandbox standing in for
Debitura. Every process of one run shares the SECRET_KEY, so a token or webhook secret one
process encrypted is readable by the others, as on a real deployment.
"""

from __future__ import annotations

import base64
from collections.abc import Mapping
from pathlib import Path

from flask import Flask

from dashboard import create_app
from dashboard.extensions import db

SECRET_KEY = "benchmark-session-key-0123456789abcdef0123456789"
# A webhook signing secret as Debitura issues them: base64 of 32 bytes.
WEBHOOK_SECRET = base64.b64encode(bytes(range(32))).decode()
DATA_ENCRYPTION_KEY = base64.urlsafe_b64encode(bytes(range(32, 64))).decode()  # a Fernet key
PUBLIC_URL = "http://127.0.0.1:5999"  # only used to build hosted-page URLs; nothing listens there


def settings(database_url: str, sandbox_url: str, *, public_url: str = PUBLIC_URL) -> dict[str, str]:
    """The environment variables of a dashboard process (gunicorn workers read exactly these)."""
    return {
        "DEBITURA_ENV": "sandbox",
        "DEBITURA_API_KEY": "sandbox-key",
        "DATABASE_URL": database_url,
        "SANDBOX_DATABASE_URL": sandbox_url,
        "SANDBOX_AUTO_DELIVER": "0",
        "SECRET_KEY": SECRET_KEY,
        "DATA_ENCRYPTION_KEYS": DATA_ENCRYPTION_KEY,
        "DASHBOARD_PUBLIC_URL": public_url,
        "DEBITURA_WEBHOOK_SECRET": WEBHOOK_SECRET,
    }


def config_from(env: Mapping[str, str], **overrides) -> dict:
    """The Flask config mapping equivalent to `env`, for an app built in this process."""
    config = {
        "DEBITURA_ENV": env["DEBITURA_ENV"],
        "DEBITURA_API_KEY": env["DEBITURA_API_KEY"],
        "SQLALCHEMY_DATABASE_URI": env["DATABASE_URL"],
        "SANDBOX_DATABASE_URL": env["SANDBOX_DATABASE_URL"],
        "SANDBOX_AUTO_DELIVER": env["SANDBOX_AUTO_DELIVER"] != "0",
        "SECRET_KEY": env["SECRET_KEY"],
        "DATA_ENCRYPTION_KEYS": [env["DATA_ENCRYPTION_KEYS"]],
        "DASHBOARD_PUBLIC_URL": env["DASHBOARD_PUBLIC_URL"],
        "DEBITURA_WEBHOOK_SECRET": env["DEBITURA_WEBHOOK_SECRET"],
    }
    config.update(overrides)
    return config


def build(database_url: str, sandbox_url: str, **overrides) -> Flask:
    return create_app(config_from(settings(database_url, sandbox_url), **overrides))


def prepare(app: Flask) -> None:
    """Create the dashboard's tables and the sandbox's (both idempotent)."""
    with app.app_context():
        db.create_all()
    app.extensions["sandbox"].create_schema()


def dispose(app: Flask) -> None:
    with app.app_context():
        db.session.remove()
        db.engine.dispose()
    app.extensions["sandbox"].close()


def workdir_sandbox_url(workdir: Path, name: str = "sandbox.db") -> str:
    return f"sqlite:///{workdir / name}"
