"""Settings read from the environment, once, by the app factory.

`Settings` names every variable of the README's Configuration table with its type and the
form it must take; a wrong value stops the start with a message naming the variable and that
form. The Flask config mapping is built from it, so `app.config[...]` keeps working. Nothing
here does I/O except the sandbox secret key, which is generated once and kept under instance/.
"""

from __future__ import annotations

import os
import secrets
from collections.abc import Mapping
from pathlib import Path
from typing import Annotated, Literal
from urllib.parse import urlsplit

from pydantic import AfterValidator, BaseModel, BeforeValidator, ConfigDict, Field, ValidationError
from sqlalchemy.engine import make_url
from sqlalchemy.exc import ArgumentError

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


def _web_address(value: str) -> str:
    parts = urlsplit(value)
    if parts.scheme not in ("http", "https") or not parts.netloc:
        raise ValueError("not an http(s) address")
    return value.rstrip("/")


def _email_address(value: str) -> str:
    local, at, domain = value.partition("@")
    if not (local and at and "." in domain) or any(character.isspace() for character in value):
        raise ValueError("not an e-mail address")
    return value


def _database_url(value: str) -> str:
    try:
        make_url(value)
    except ArgumentError as error:
        raise ValueError("not a database URL") from error
    return value


WebAddress = Annotated[str, AfterValidator(_web_address)]
EmailAddress = Annotated[str, AfterValidator(_email_address)]
DatabaseUrl = Annotated[str, AfterValidator(_database_url)]
Lowercase = BeforeValidator(lambda value: value.strip().lower() if isinstance(value, str) else value)
SECRET = {"secret": True}  # the value never appears in an error message


class Settings(BaseModel):
    """Every setting the dashboard reads; a field's description is the form its value must take."""

    model_config = ConfigDict(extra="ignore", frozen=True, str_strip_whitespace=True)

    DEBITURA_ENV: Annotated[Literal["sandbox", "test", "production"], Lowercase] = Field(
        "sandbox", description="one of sandbox, test or production"
    )
    DEBITURA_API_KEY: str = Field("", description="the partner's API key", json_schema_extra=SECRET)
    DEBITURA_REFERRAL_API_URL: WebAddress | None = Field(None, description="an http(s) address")
    DEBITURA_CUSTOMER_API_URL: WebAddress | None = Field(None, description="an http(s) address")
    DEBITURA_UI_URL: WebAddress | None = Field(None, description="an http(s) address")
    DEBITURA_TIMEOUT: float = Field(
        10.0, gt=0, le=300, allow_inf_nan=False, description="a number of seconds above 0 and at most 300, such as 10 or 2.5"
    )
    DEBITURA_WEBHOOK_SECRET: str = Field("", description="the webhook secret", json_schema_extra=SECRET)
    DEBITURA_WEBHOOK_PREVIOUS_SECRET: str = Field("", description="the webhook secret", json_schema_extra=SECRET)
    DATABASE_URL: DatabaseUrl | None = Field(
        None, description="an SQLAlchemy database URL such as postgresql://user@host/db", json_schema_extra=SECRET
    )
    SANDBOX_DATABASE_URL: DatabaseUrl | None = Field(
        None, description="an SQLAlchemy database URL such as sqlite:///instance/sandbox.db", json_schema_extra=SECRET
    )
    SANDBOX_AUTO_DELIVER: bool = Field(True, description="1 (deliver webhooks) or 0 (do not)")
    SECRET_KEY: str = Field("", description="a secret string", json_schema_extra=SECRET)
    DASHBOARD_ADMIN_EMAIL: EmailAddress | None = Field(None, description="an e-mail address such as admin@partner.example")
    DASHBOARD_ADMIN_PASSWORD: str = Field("", description="a password", json_schema_extra=SECRET)
    DASHBOARD_HOST: str = Field("127.0.0.1", min_length=1, description="a host name or address")
    DASHBOARD_PORT: int = Field(5000, ge=1, le=65535, description="a port number from 1 to 65535")
    DASHBOARD_PUBLIC_URL: WebAddress | None = Field(None, description="an http(s) address such as https://dashboard.example")
    DEBITURA_APPROVAL_TTL_DAYS: int = Field(7, ge=1, le=30, description="a whole number of days from 1 to 30")
    PARTNER_PRODUCT_NAME: str = Field("our platform", min_length=1, description="a product name")
    LOGIN_MAX_FAILURES_PER_ACCOUNT: int = Field(5, ge=1, le=1000, description="a whole number of attempts from 1 to 1000")
    LOGIN_MAX_FAILURES_PER_ADDRESS: int = Field(20, ge=1, le=100000, description="a whole number of attempts from 1 to 100000")
    LOGIN_THROTTLE_WINDOW_SECONDS: int = Field(
        900, ge=1, le=86400 * 7, description="a whole number of seconds from 1 to 604800"
    )
    WEBHOOK_ROTATION_GRACE_SECONDS: int = Field(
        86400, ge=0, le=86400 * 30, description="a whole number of seconds from 0 to 2592000"
    )

    @classmethod
    def from_environ(cls, environ: Mapping[str, str] | None = None) -> Settings:
        """Read the documented variables; an empty value counts as unset."""
        env = os.environ if environ is None else environ
        given = {name: env[name] for name in cls.model_fields if env.get(name, "").strip()}
        try:
            return cls.model_validate(given)
        except ValidationError as error:
            raise ConfigurationError(_explain(error, given)) from None

    def flask_config(self, instance_path: str) -> dict:
        """The Flask config mapping the rest of the code reads."""
        instance = Path(instance_path)
        config = self.model_dump(exclude={"DATABASE_URL", "DASHBOARD_HOST", "DASHBOARD_PORT"}, exclude_none=True)
        config["DASHBOARD_ADMIN_EMAIL"] = self.DASHBOARD_ADMIN_EMAIL or ""
        config["DASHBOARD_PUBLIC_URL"] = self.DASHBOARD_PUBLIC_URL or f"http://{self.DASHBOARD_HOST}:{self.DASHBOARD_PORT}"
        config["SQLALCHEMY_DATABASE_URI"] = self.DATABASE_URL or f"sqlite:///{instance / 'dashboard.db'}"
        config["SANDBOX_DATABASE_URL"] = self.SANDBOX_DATABASE_URL or f"sqlite:///{instance / 'sandbox.db'}"
        return config


def _explain(error: ValidationError, given: Mapping[str, str]) -> str:
    lines = []
    for problem in error.errors():
        name = str(problem["loc"][0])
        field = Settings.model_fields[name]
        shown = "" if (field.json_schema_extra or {}).get("secret") else f"; got {given.get(name, '')!r}"
        lines.append(f"{name} must be {field.description}{shown}.")
    return " ".join(dict.fromkeys(lines))


def load_settings(instance_path: str, environ: Mapping[str, str] | None = None) -> dict:
    """Build the Flask config mapping from environment variables."""
    return Settings.from_environ(environ).flask_config(instance_path)


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
