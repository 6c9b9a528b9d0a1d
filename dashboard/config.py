"""Settings read from the environment, once, by the app factory.

Every variable is documented in the README. Nothing here does I/O except
the sandbox secret key, which is generated once and kept under instance/.
"""

from __future__ import annotations

import os
import secrets
from collections.abc import Mapping
from pathlib import Path

ENVIRONMENTS = ("sandbox", "test", "production")

# Debitura's hosts per environment: Referral Partner API, Customer API, white-label UI.
DEBITURA_HOSTS = {
    "production": (
        "https://referral-api.debitura.com",
        "https://customer-api.debitura.com",
        "https://referral.debitura.com",
    ),
    "test": (
        "https://testreferral-api.debitura.com",
        "https://testcustomer-api.debitura.com",
        "https://testreferral.debitura.com",
    ),
}

SANDBOX_MOUNT = "/sandbox"
SANDBOX_API_KEY = "sandbox-key"


class ConfigurationError(RuntimeError):
    """The environment does not describe a dashboard that can start safely."""


def load_settings(instance_path: str, environ: Mapping[str, str] | None = None) -> dict:
    """Build the Flask config mapping from environment variables."""
    env = os.environ if environ is None else environ
    debitura_env = env.get("DEBITURA_ENV", "sandbox").strip().lower()
    if debitura_env not in ENVIRONMENTS:
        raise ConfigurationError(
            f"DEBITURA_ENV must be one of {', '.join(ENVIRONMENTS)}; got {debitura_env!r}."
        )
    host = env.get("DASHBOARD_HOST", "127.0.0.1")
    port = env.get("DASHBOARD_PORT", "5000")
    public_url = env.get("DASHBOARD_PUBLIC_URL", f"http://{host}:{port}").rstrip("/")

    settings: dict = {
        "DEBITURA_ENV": debitura_env,
        "DEBITURA_API_KEY": env.get("DEBITURA_API_KEY", ""),
        "DEBITURA_WEBHOOK_SECRET": env.get("DEBITURA_WEBHOOK_SECRET", ""),
        "DEBITURA_WEBHOOK_PREVIOUS_SECRET": env.get("DEBITURA_WEBHOOK_PREVIOUS_SECRET", ""),
        "DEBITURA_TIMEOUT": float(env.get("DEBITURA_TIMEOUT", "10")),
        "DASHBOARD_PUBLIC_URL": public_url,
        # The partner's link-request window (Debitura's ApprovalTtlDays, 1-30); deadlines are estimated from it
        # until a client.link_requested webhook states the real one.
        "DEBITURA_APPROVAL_TTL_DAYS": min(30, max(1, int(env.get("DEBITURA_APPROVAL_TTL_DAYS", "7")))),
        # How the ready-to-send customer notes name the partner's product.
        "PARTNER_PRODUCT_NAME": env.get("PARTNER_PRODUCT_NAME", "our platform"),
        "SQLALCHEMY_DATABASE_URI": env.get(
            "DATABASE_URL", f"sqlite:///{Path(instance_path) / 'dashboard.db'}"
        ),
        "SANDBOX_DATABASE_URL": env.get(
            "SANDBOX_DATABASE_URL", f"sqlite:///{Path(instance_path) / 'sandbox.db'}"
        ),
        "SANDBOX_AUTO_DELIVER": env.get("SANDBOX_AUTO_DELIVER", "1") != "0",
        "DASHBOARD_ADMIN_EMAIL": env.get("DASHBOARD_ADMIN_EMAIL", ""),
        "DASHBOARD_ADMIN_PASSWORD": env.get("DASHBOARD_ADMIN_PASSWORD", ""),
        "SECRET_KEY": env.get("SECRET_KEY", ""),
    }
    for name, key in (
        ("DEBITURA_REFERRAL_API_URL", "referral"),
        ("DEBITURA_CUSTOMER_API_URL", "customer"),
        ("DEBITURA_UI_URL", "ui"),
    ):
        if env.get(name):
            settings[name] = env[name].rstrip("/")
    return settings


def sqlalchemy_url(url: str) -> str:
    """Plain `postgresql://` URLs use the psycopg 3 driver the project installs."""
    for prefix in ("postgresql://", "postgres://"):
        if url.startswith(prefix):
            return "postgresql+psycopg://" + url[len(prefix):]
    return url


def finish_settings(config: dict, instance_path: str) -> None:
    """Fill derived values and refuse configurations that cannot work."""
    config["SQLALCHEMY_DATABASE_URI"] = sqlalchemy_url(config["SQLALCHEMY_DATABASE_URI"])
    config["SANDBOX_DATABASE_URL"] = sqlalchemy_url(config["SANDBOX_DATABASE_URL"])
    debitura_env = config.get("DEBITURA_ENV", "sandbox")
    if debitura_env not in ENVIRONMENTS:
        raise ConfigurationError(f"DEBITURA_ENV must be one of {', '.join(ENVIRONMENTS)}.")
    if debitura_env == "sandbox":
        public = config["DASHBOARD_PUBLIC_URL"].rstrip("/") + SANDBOX_MOUNT
        defaults = (f"{public}/referral-api", f"{public}/customer-api", f"{public}/ui")
        config.setdefault("DEBITURA_API_KEY", "")
        config["DEBITURA_API_KEY"] = config["DEBITURA_API_KEY"] or SANDBOX_API_KEY
        if not config.get("SECRET_KEY"):
            config["SECRET_KEY"] = _sandbox_secret_key(instance_path)
    else:
        defaults = DEBITURA_HOSTS[debitura_env]
        if not config.get("DEBITURA_API_KEY"):
            raise ConfigurationError(
                f"DEBITURA_API_KEY is required when DEBITURA_ENV={debitura_env}: "
                "the dashboard cannot reach Debitura without the partner's API key."
            )
        if not config.get("SECRET_KEY"):
            raise ConfigurationError(
                f"SECRET_KEY is required when DEBITURA_ENV={debitura_env}: "
                "it signs operator sessions and must be the same on every instance."
            )
    for key, default in zip(
        ("DEBITURA_REFERRAL_API_URL", "DEBITURA_CUSTOMER_API_URL", "DEBITURA_UI_URL"), defaults
    ):
        config.setdefault(key, default)


def _sandbox_secret_key(instance_path: str) -> str:
    """Generate the sandbox session key once and keep it, so restarts keep sessions."""
    path = Path(instance_path) / "secret_key"
    if path.exists():
        return path.read_text().strip()
    path.parent.mkdir(parents=True, exist_ok=True)
    key = secrets.token_hex(32)
    path.write_text(key)
    path.chmod(0o600)
    return key
