"""Nothing runs by accident: a forgotten DEBITURA_ENV never puts the sandbox where people can reach it."""

from __future__ import annotations

import pytest

from dashboard import create_app
from dashboard.config import ConfigurationError
from tests.conftest import TEST_DATA_KEY, TEST_SECRET_KEY


@pytest.fixture
def environment(monkeypatch, tmp_path):
    for name in ("DEBITURA_ENV", "DASHBOARD_HOST", "DATABASE_URL", "DATA_ENCRYPTION_KEYS", "DEBITURA_API_KEY"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("SECRET_KEY", TEST_SECRET_KEY)
    monkeypatch.setenv("DATA_ENCRYPTION_KEYS", TEST_DATA_KEY)
    monkeypatch.setenv("SANDBOX_DATABASE_URL", f"sqlite:///{tmp_path / 'sandbox.db'}")
    monkeypatch.setenv("DATABASE_URL", f"sqlite:///{tmp_path / 'dashboard.db'}")
    return monkeypatch


@pytest.mark.parametrize("host", ["0.0.0.0", "10.0.4.17", "dashboard.internal", "::"])
def test_an_unset_environment_on_a_reachable_address_refuses_to_start(environment, host):
    environment.setenv("DASHBOARD_HOST", host)
    with pytest.raises(ConfigurationError, match=f"DEBITURA_ENV is not set and DASHBOARD_HOST={host} is not a loopback"):
        create_app()


def test_an_unset_environment_with_a_postgresql_database_refuses_to_start(environment):
    environment.setenv("DATABASE_URL", "postgresql://dash@db.internal/dashboard")
    with pytest.raises(ConfigurationError, match="DEBITURA_ENV is not set and DATABASE_URL is a PostgreSQL database"):
        create_app()


@pytest.mark.parametrize("host", ["127.0.0.1", "localhost", "::1", "127.0.0.2"])
def test_an_unset_environment_on_loopback_is_the_sandbox(environment, host):
    environment.setenv("DASHBOARD_HOST", host)
    app = create_app()
    assert app.config["DEBITURA_ENV"] == "sandbox"
    assert "sandbox" in app.extensions


def test_the_sandbox_set_explicitly_may_listen_anywhere(environment):
    environment.setenv("DASHBOARD_HOST", "0.0.0.0")
    environment.setenv("DEBITURA_ENV", "sandbox")
    assert create_app().config["DEBITURA_ENV"] == "sandbox"


@pytest.mark.parametrize("environment_name", ["test", "production"])
def test_outside_the_sandbox_a_data_encryption_key_is_required(environment, environment_name):
    environment.setenv("DEBITURA_ENV", environment_name)
    environment.setenv("DEBITURA_API_KEY", "partner-key")
    environment.delenv("DATA_ENCRYPTION_KEYS")
    with pytest.raises(ConfigurationError, match="DATA_ENCRYPTION_KEYS is required") as refused:
        create_app()
    assert "stays readable" in str(refused.value)


def test_a_data_encryption_key_that_is_not_a_fernet_key_is_named_without_its_value(environment):
    environment.setenv("DATA_ENCRYPTION_KEYS", "my-secret-passphrase")
    with pytest.raises(ConfigurationError, match="DATA_ENCRYPTION_KEYS must be Fernet keys") as refused:
        create_app()
    assert "my-secret-passphrase" not in str(refused.value)


def test_the_sandbox_generates_its_data_key_once_and_keeps_it(tmp_path):
    from dashboard.config import finish_settings, load_settings

    first = load_settings(str(tmp_path), {})
    finish_settings(first, str(tmp_path))
    second = load_settings(str(tmp_path), {})
    finish_settings(second, str(tmp_path))
    assert first["DATA_ENCRYPTION_KEYS"] == second["DATA_ENCRYPTION_KEYS"] and len(first["DATA_ENCRYPTION_KEYS"]) == 1
    assert (tmp_path / "data_encryption_key").stat().st_mode & 0o077 == 0
