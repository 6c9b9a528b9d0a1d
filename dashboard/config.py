"""Settings read from the environment, once, by the app factory.

`Settings` names every variable of the README's Configuration table with its type and the
form it must take; a wrong value stops the start with a message naming the variable and that
form. The Flask config mapping is built from it, so `app.config[...]` keeps working. Nothing
here does I/O except the sandbox secret key, which is generated once and kept under instance/.
"""

from __future__ import annotations

import ipaddress
import os
import secrets
import time
from collections.abc import Mapping
from datetime import timedelta
from pathlib import Path
from typing import Annotated, Literal
from urllib.parse import urlsplit

from pydantic import AfterValidator, BaseModel, BeforeValidator, ConfigDict, Field, ValidationError
from pydantic.config import JsonDict
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


def parse_role_map(value: str) -> dict[str, str]:
    """`group=role,group=role` into {group: role}; every role must be one the dashboard knows."""
    from dashboard.models.operators import ROLES

    mapping = {}
    for pair in value.split(","):
        group, equals, role = (part.strip() for part in pair.partition("="))
        if not (group and equals and role.lower() in ROLES):
            raise ValueError(f"not a list of group=role pairs with a role of {', '.join(ROLES)}")
        mapping[group] = role.lower()
    return mapping


def _role_map(value: str) -> str:
    parse_role_map(value)
    return value


def _comma_list(value: object) -> object:
    if isinstance(value, str):
        return tuple(item.strip() for item in value.split(",") if item.strip())
    return value


def _fernet_keys(value: tuple[str, ...]) -> tuple[str, ...]:
    from cryptography.fernet import Fernet

    for key in value:
        try:
            Fernet(key)
        except (ValueError, TypeError) as error:
            raise ValueError("not a Fernet key") from error
    return value


WebAddress = Annotated[str, AfterValidator(_web_address)]
SecretList = Annotated[tuple[str, ...], BeforeValidator(_comma_list)]
KeyList = Annotated[tuple[str, ...], BeforeValidator(_comma_list), AfterValidator(_fernet_keys)]
EmailAddress = Annotated[str, AfterValidator(_email_address)]
DatabaseUrl = Annotated[str, AfterValidator(_database_url)]
RoleMap = Annotated[str, AfterValidator(_role_map)]
Lowercase = BeforeValidator(lambda value: value.strip().lower() if isinstance(value, str) else value)
SECRET: JsonDict = {"secret": True}  # the value never appears in an error message


class Settings(BaseModel):
    """Every setting the dashboard reads; a field's description is the form its value must take."""

    model_config = ConfigDict(extra="ignore", frozen=True, str_strip_whitespace=True)

    # Unset means sandbox, but only where the sandbox cannot be mistaken for a deployment (see finish_settings).
    DEBITURA_ENV: Annotated[Literal["sandbox", "test", "production"], Lowercase] | None = Field(
        None, description="one of sandbox, test or production"
    )
    DEBITURA_API_KEY: str = Field("", description="the partner's API key", json_schema_extra=SECRET)
    DEBITURA_REFERRAL_API_URL: WebAddress | None = Field(None, description="an http(s) address")
    DEBITURA_CUSTOMER_API_URL: WebAddress | None = Field(None, description="an http(s) address")
    DEBITURA_UI_URL: WebAddress | None = Field(None, description="an http(s) address")
    DEBITURA_TIMEOUT: float = Field(
        10.0,
        gt=0,
        le=300,
        allow_inf_nan=False,
        description="a number of seconds above 0 and at most 300, such as 10 or 2.5",
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
    DASHBOARD_ADMIN_EMAIL: EmailAddress | None = Field(
        None, description="an e-mail address such as admin@partner.example"
    )
    DASHBOARD_ADMIN_PASSWORD: str = Field("", description="a password", json_schema_extra=SECRET)
    DASHBOARD_HOST: str = Field("127.0.0.1", min_length=1, description="a host name or address")
    DASHBOARD_PORT: int = Field(5000, ge=1, le=65535, description="a port number from 1 to 65535")
    DASHBOARD_PUBLIC_URL: WebAddress | None = Field(
        None, description="an http(s) address such as https://dashboard.example"
    )
    DEBITURA_APPROVAL_TTL_DAYS: int = Field(7, ge=1, le=30, description="a whole number of days from 1 to 30")
    PARTNER_PRODUCT_NAME: str = Field("our platform", min_length=1, description="a product name")
    LOGIN_MAX_FAILURES_PER_ACCOUNT: int = Field(
        5, ge=1, le=1000, description="a whole number of attempts from 1 to 1000"
    )
    LOGIN_MAX_FAILURES_PER_ADDRESS: int = Field(
        20, ge=1, le=100000, description="a whole number of attempts from 1 to 100000"
    )
    LOGIN_THROTTLE_WINDOW_SECONDS: int = Field(
        900, ge=1, le=86400 * 7, description="a whole number of seconds from 1 to 604800"
    )
    WEBHOOK_ROTATION_GRACE_SECONDS: int = Field(
        86400, ge=0, le=86400 * 30, description="a whole number of seconds from 0 to 2592000"
    )
    # Company sign-in (OpenID Connect); off while OIDC_ISSUER is empty.
    OIDC_ISSUER: WebAddress | None = Field(None, description="an http(s) address such as https://login.partner.example")
    OIDC_CLIENT_ID: str = Field("", description="the client ID the identity provider issued")
    OIDC_CLIENT_SECRET: str = Field("", description="the client secret", json_schema_extra=SECRET)
    OIDC_PROVIDER_NAME: str = Field("", description="a name such as Okta")
    OIDC_ROLE_CLAIM: str = Field("groups", min_length=1, description="the name of an ID token claim such as groups")
    OIDC_ROLE_MAP: RoleMap = Field(
        "",
        description="group=role pairs separated by commas, each role one of viewer, operator or admin, "
        "such as desk-admins=admin,desk-agents=operator",
    )
    PASSWORD_LOGIN: bool = Field(True, description="on or off")
    REQUIRE_2FA: Annotated[Literal["admins", "all", "off"], Lowercase] = Field(
        "admins", description="one of admins, all or off"
    )
    SESSION_IDLE_MINUTES: int = Field(30, ge=1, le=1440, description="a whole number of minutes from 1 to 1440")
    SESSION_MAX_HOURS: int = Field(12, ge=1, le=168, description="a whole number of hours from 1 to 168")
    SESSION_REMEMBER_DAYS: int = Field(14, ge=1, le=14, description="a whole number of days from 1 to 14")
    TRUSTED_PROXY_HOPS: int = Field(0, ge=0, le=10, description="a whole number of proxies from 0 to 10")
    DATA_ENCRYPTION_KEYS: KeyList = Field(
        (),
        description="Fernet keys separated by commas",
        json_schema_extra=SECRET,
    )
    SECRET_KEY_FALLBACKS: SecretList = Field(
        (), description="secret strings separated by commas", json_schema_extra=SECRET
    )
    UNAUTHENTICATED_RETENTION_DAYS: int = Field(30, ge=1, le=366, description="a whole number of days from 1 to 366")

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
        config = self.model_dump(exclude={"DATABASE_URL", "DASHBOARD_PORT"}, exclude_none=True)
        config["DATA_ENCRYPTION_KEYS"] = list(self.DATA_ENCRYPTION_KEYS)
        config["SECRET_KEY_FALLBACKS"] = list(self.SECRET_KEY_FALLBACKS)
        config["DASHBOARD_ADMIN_EMAIL"] = self.DASHBOARD_ADMIN_EMAIL or ""
        config["DASHBOARD_PUBLIC_URL"] = (
            self.DASHBOARD_PUBLIC_URL or f"http://{self.DASHBOARD_HOST}:{self.DASHBOARD_PORT}"
        )
        config["SQLALCHEMY_DATABASE_URI"] = self.DATABASE_URL or f"sqlite:///{instance / 'dashboard.db'}"
        config["SANDBOX_DATABASE_URL"] = self.SANDBOX_DATABASE_URL or f"sqlite:///{instance / 'sandbox.db'}"
        return config


def _explain(error: ValidationError, given: Mapping[str, str]) -> str:
    lines = []
    for problem in error.errors():
        name = str(problem["loc"][0])
        field = Settings.model_fields[name]
        extra = field.json_schema_extra
        shown = "" if isinstance(extra, dict) and extra.get("secret") else f"; got {given.get(name, '')!r}"
        lines.append(f"{name} must be {field.description}{shown}.")
    return " ".join(dict.fromkeys(lines))


def load_settings(instance_path: str, environ: Mapping[str, str] | None = None) -> dict:
    """Build the Flask config mapping from environment variables."""
    return Settings.from_environ(environ).flask_config(instance_path)


def sqlalchemy_url(url: str) -> str:
    """Plain `postgresql://` URLs use the psycopg 3 driver the project installs."""
    for prefix in ("postgresql://", "postgres://"):
        if url.startswith(prefix):
            return "postgresql+psycopg://" + url[len(prefix) :]
    return url


def finish_settings(config: dict, instance_path: str) -> None:
    """Fill derived values and refuse configurations that cannot work."""
    config["SQLALCHEMY_DATABASE_URI"] = sqlalchemy_url(config["SQLALCHEMY_DATABASE_URI"])
    config["SANDBOX_DATABASE_URL"] = sqlalchemy_url(config["SANDBOX_DATABASE_URL"])
    debitura_env = config.get("DEBITURA_ENV")
    if debitura_env is None:
        _refuse_an_implicit_sandbox(config)
        debitura_env = config["DEBITURA_ENV"] = "sandbox"
    if debitura_env not in ENVIRONMENTS:
        raise ConfigurationError(f"DEBITURA_ENV must be one of {', '.join(ENVIRONMENTS)}.")
    config.setdefault("DATA_ENCRYPTION_KEYS", [])
    config.setdefault("SECRET_KEY_FALLBACKS", [])
    if debitura_env == "sandbox":
        public = config["DASHBOARD_PUBLIC_URL"].rstrip("/") + SANDBOX_MOUNT
        defaults = (f"{public}/referral-api", f"{public}/customer-api", f"{public}/ui")
        config.setdefault("DEBITURA_API_KEY", "")
        config["DEBITURA_API_KEY"] = config["DEBITURA_API_KEY"] or SANDBOX_API_KEY
        if not config.get("SECRET_KEY"):
            config["SECRET_KEY"] = _sandbox_secret_key(instance_path)
        if not config["DATA_ENCRYPTION_KEYS"]:
            config["DATA_ENCRYPTION_KEYS"] = [_sandbox_data_key(instance_path)]
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
        if not config["DATA_ENCRYPTION_KEYS"]:
            raise ConfigurationError(
                f"DATA_ENCRYPTION_KEYS is required when DEBITURA_ENV={debitura_env}: it encrypts the stored bearer "
                'tokens and webhook secrets. Generate one with `python -c "from cryptography.fernet import Fernet; '
                'print(Fernet.generate_key().decode())"`; what was stored before '
                "(under SECRET_KEY) stays readable, and `flask rotate-keys` moves it to the new key."
            )
    _check_sign_in(config)
    # A "keep me signed in" cookie outlives the browser for as long as its session record may.
    config["PERMANENT_SESSION_LIFETIME"] = timedelta(days=int(config.get("SESSION_REMEMBER_DAYS", 14)))
    for key, default in zip(
        ("DEBITURA_REFERRAL_API_URL", "DEBITURA_CUSTOMER_API_URL", "DEBITURA_UI_URL"), defaults, strict=True
    ):
        config.setdefault(key, default)


def _check_sign_in(config: dict) -> None:
    """Company sign-in needs its client and a role map; password sign-in may only be off when it is on."""
    if config.get("OIDC_ISSUER"):
        for name in ("OIDC_CLIENT_ID", "OIDC_CLIENT_SECRET", "OIDC_ROLE_MAP"):
            if not config.get(name):
                raise ConfigurationError(f"{name} is required when OIDC_ISSUER is set.")
        try:
            parse_role_map(config["OIDC_ROLE_MAP"])
        except ValueError:
            form = Settings.model_fields["OIDC_ROLE_MAP"].description
            raise ConfigurationError(f"OIDC_ROLE_MAP must be {form}; got {config['OIDC_ROLE_MAP']!r}.") from None
    elif not config.get("PASSWORD_LOGIN", True):
        raise ConfigurationError("PASSWORD_LOGIN=off needs OIDC_ISSUER: without company sign-in nobody could sign in.")


LOOPBACK_NAMES = ("localhost", "localhost.localdomain", "ip6-localhost")


def _is_loopback(host: str) -> bool:
    host = host.strip().strip("[]").lower()
    if host in LOOPBACK_NAMES:
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


def _refuse_an_implicit_sandbox(config: Mapping) -> None:
    """Without DEBITURA_ENV the sandbox runs, but never where it looks like a deployment.

    The sandbox's API answers to a published key; bound to a public address or writing to a
    shared database, a forgotten setting would put that in front of real people.
    """
    host = config.get("DASHBOARD_HOST", "127.0.0.1")
    if not _is_loopback(host):
        raise ConfigurationError(
            f"DEBITURA_ENV is not set and DASHBOARD_HOST={host} is not a loopback address: set DEBITURA_ENV "
            "to production or test, or to sandbox if the sandbox is really meant to be reachable there."
        )
    if str(config.get("SQLALCHEMY_DATABASE_URI", "")).startswith("postgres"):
        raise ConfigurationError(
            "DEBITURA_ENV is not set and DATABASE_URL is a PostgreSQL database: set DEBITURA_ENV to production "
            "or test, or to sandbox if the sandbox is really meant to use that database."
        )


def _sandbox_secret_key(instance_path: str) -> str:
    """Generate the sandbox session key once and keep it, so restarts keep sessions."""
    return _kept_under_instance(instance_path, "secret_key", lambda: secrets.token_hex(32))


def _sandbox_data_key(instance_path: str) -> str:
    """Generate the sandbox's data encryption key once and keep it, so restarts read what was stored."""
    from cryptography.fernet import Fernet

    return _kept_under_instance(instance_path, "data_encryption_key", lambda: Fernet.generate_key().decode())


def _kept_under_instance(instance_path: str, name: str, generate) -> str:
    """The key in instance/<name>, generated by whichever worker comes first (the others read it)."""
    path = Path(instance_path) / name
    path.parent.mkdir(parents=True, exist_ok=True)
    key = generate()
    try:
        descriptor = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    except FileExistsError:
        for _ in range(100):  # another worker may be between creating and writing it
            if kept := path.read_text().strip():
                return kept
            time.sleep(0.01)
        raise ConfigurationError(f"{path} is empty; delete it and start again.") from None
    with os.fdopen(descriptor, "w") as file:
        file.write(key)
    return key
