import pytest

from dashboard import create_app
from dashboard.config import ConfigurationError


@pytest.mark.parametrize("environment", ["test", "production"])
def test_the_app_refuses_to_start_without_an_api_key_outside_the_sandbox(monkeypatch, environment):
    monkeypatch.setenv("DEBITURA_ENV", environment)
    monkeypatch.delenv("DEBITURA_API_KEY", raising=False)
    monkeypatch.setenv("SECRET_KEY", "x" * 32)
    with pytest.raises(ConfigurationError, match="DEBITURA_API_KEY is required"):
        create_app()


def test_production_needs_a_session_key(monkeypatch):
    monkeypatch.setenv("DEBITURA_ENV", "production")
    monkeypatch.setenv("DEBITURA_API_KEY", "live-key")
    monkeypatch.delenv("SECRET_KEY", raising=False)
    with pytest.raises(ConfigurationError, match="SECRET_KEY is required"):
        create_app()


def test_an_unknown_environment_is_named_in_the_error(monkeypatch):
    monkeypatch.setenv("DEBITURA_ENV", "staging")
    with pytest.raises(ConfigurationError, match="staging"):
        create_app()


def test_base_urls_follow_the_environment_and_can_be_overridden_one_by_one(monkeypatch):
    monkeypatch.setenv("DEBITURA_ENV", "test")
    monkeypatch.setenv("DEBITURA_API_KEY", "test-key")
    monkeypatch.setenv("SECRET_KEY", "y" * 32)
    monkeypatch.setenv("DEBITURA_CUSTOMER_API_URL", "http://127.0.0.1:5001/customer-api/")
    app = create_app({"SQLALCHEMY_DATABASE_URI": "sqlite://"})
    assert app.config["DEBITURA_REFERRAL_API_URL"] == "https://testreferral-api.debitura.com"
    assert app.config["DEBITURA_CUSTOMER_API_URL"] == "http://127.0.0.1:5001/customer-api"
    assert app.config["DEBITURA_UI_URL"] == "https://testreferral.debitura.com"
    assert app.config["SESSION_COOKIE_SECURE"] is True
    assert "sandbox" not in app.extensions


def test_the_sandbox_keeps_a_generated_session_key_across_restarts(monkeypatch, tmp_path):
    monkeypatch.delenv("SECRET_KEY", raising=False)
    monkeypatch.delenv("DEBITURA_ENV", raising=False)
    from dashboard.config import finish_settings, load_settings

    first = load_settings(str(tmp_path), {})
    finish_settings(first, str(tmp_path))
    second = load_settings(str(tmp_path), {})
    finish_settings(second, str(tmp_path))
    assert first["SECRET_KEY"] == second["SECRET_KEY"]
    assert len(first["SECRET_KEY"]) == 64
    assert first["DEBITURA_API_KEY"] == "sandbox-key"
    assert first["DEBITURA_REFERRAL_API_URL"] == "http://127.0.0.1:5000/sandbox/referral-api"
    assert (tmp_path / "secret_key").stat().st_mode & 0o077 == 0


def test_postgres_urls_use_the_installed_driver():
    from dashboard.config import sqlalchemy_url

    assert sqlalchemy_url("postgresql://u@h/db") == "postgresql+psycopg://u@h/db"
    assert sqlalchemy_url("sqlite:///x.db") == "sqlite:///x.db"
