"""No API key, bearer token or webhook secret in logs, exception text or reprs, even when things fail."""

from __future__ import annotations

import ast
import logging
import re
from pathlib import Path

import pytest
import requests

from dashboard.debitura import (
    AuthenticationError,
    DebituraClient,
    DebituraConnectionError,
    InvalidRequest,
    MemoryTokenStore,
    RedactSecrets,
    TokenCache,
    redact,
    register_secret,
)
from dashboard.debitura.redaction import LOGGER_NAME, MASK
from tests.raw_body import raw

TOKEN = "eyJhbGciOiJIUzI1NiJ9.eyJ0ZW5hbnQiOiJ0ZW5hbnQtMSJ9.Zm9yZ2VkLXNpZ25hdHVyZQ"
PACKAGE = Path(__file__).resolve().parents[3] / "dashboard" / "debitura"


@pytest.fixture
def logs(caplog):
    caplog.set_level(logging.INFO, logger=LOGGER_NAME)
    return caplog


def test_each_call_is_logged_with_method_path_status_time_and_request_id(referral, http, logs):
    http.get(
        f"{referral.base_url}/clients/tenant-1",
        json={"externalTenantId": "tenant-1"},
        headers={"X-Request-Id": "req-77"},
    )

    referral.get_client("tenant-1")

    assert re.fullmatch(r"GET /clients/tenant-1 -> 200 in \d+ ms \(request id req-77\)", logs.records[-1].getMessage())


def test_a_retry_is_logged_with_its_reason(referral, http, logs):
    url = f"{referral.base_url}/me"
    http.get(url, status=503, body=b"")
    http.get(url, json={"id": "p-1"})

    referral.me()

    messages = [record.getMessage() for record in logs.records]
    assert "Retrying GET /me in 0.50 s after ServerError (retry 1 of 2)" in messages


def test_logs_never_show_the_api_key_or_a_token_even_when_calls_fail(referral, customer, http, logs, api_key, clock):
    http.post(f"{referral.base_url}/oauth/token", json={"accessToken": TOKEN, "expiresIn": 1800})
    http.post(f"{referral.base_url}/oauth/token", json={"accessToken": TOKEN, "expiresIn": 1800})
    http.post(f"{customer.base_url}/cases", status=401, body=b"")
    http.post(f"{customer.base_url}/cases", status=401, body=b"")
    debitura = DebituraClient(referral, customer, TokenCache(referral, MemoryTokenStore(), clock=clock))

    with pytest.raises(Exception) as caught:
        debitura.create_case("tenant-1", raw({"currencyCode": "EUR"}))
    logging.getLogger(LOGGER_NAME).exception("Case submission failed: %r", caught.value)

    assert logs.records
    assert api_key not in logs.text
    assert TOKEN not in logs.text
    for record in logs.records:
        assert api_key not in (record.exc_text or "")
        assert TOKEN not in (record.exc_text or "")


def test_an_error_body_that_echoes_the_key_is_masked_in_str_repr_and_user_message(referral, http, api_key):
    http.post(
        f"{referral.base_url}/clients",
        status=400,
        json={"message": f"Header XApiKey: {api_key} is malformed", "errors": {"token": [f"Bearer {TOKEN} rejected"]}},
    )

    with pytest.raises(InvalidRequest) as caught:
        referral.create_client(raw({}))

    error = caught.value
    for text in (str(error), repr(error), error.user_message, error.message):
        assert api_key not in text
        assert TOKEN not in text
        assert MASK in text


def test_a_transport_failure_never_quotes_requests_own_message(referral, http, api_key):
    http.get(
        f"{referral.base_url}/me", body=requests.exceptions.InvalidHeader(f"Invalid header value XApiKey {api_key}")
    )

    with pytest.raises(DebituraConnectionError) as caught:
        referral.me()

    assert api_key not in str(caught.value)
    assert caught.value.__cause__ is None
    assert caught.value.__suppress_context__ is True


def test_an_authentication_error_carries_no_credentials(customer, http):
    http.get(f"{customer.base_url}/cases/case-1", status=401, body=b"")

    with pytest.raises(AuthenticationError) as caught:
        customer.get_case(TOKEN, "case-1")

    assert TOKEN not in str(caught.value)
    assert TOKEN not in repr(caught.value)


def test_api_objects_install_the_filter_on_the_package_logger(referral):
    assert any(isinstance(item, RedactSecrets) for item in logging.getLogger(LOGGER_NAME).filters)


def test_the_filter_masks_registered_secrets_jwts_and_api_key_headers(logs):
    register_secret("whsec-0123456789abcdef")
    logger = logging.getLogger(LOGGER_NAME)

    logger.info("secret %s and %s", "whsec-0123456789abcdef", TOKEN)
    logger.info("headers: {'XApiKey': 'unregistered-key-value', 'Authorization': 'Bearer opaque.token.value'}")

    first, second = (record.getMessage() for record in logs.records)
    assert first == f"secret {MASK} and {MASK}"
    assert "unregistered-key-value" not in second
    assert "opaque.token.value" not in second
    assert "Authorization" in second


def test_the_filter_masks_secrets_inside_tracebacks(logs):
    register_secret("session-key-abcdef123456")
    try:
        raise RuntimeError("failed with session-key-abcdef123456")
    except RuntimeError:
        logging.getLogger(LOGGER_NAME).exception("boom")

    assert "session-key-abcdef123456" not in logs.text
    assert MASK in logs.records[-1].exc_text


@pytest.mark.parametrize("value", [None, "", "abc"])
def test_empty_or_very_short_values_are_not_registered(value):
    register_secret(value)

    assert redact("abc defined") == "abc defined"


def test_the_client_package_imports_neither_flask_nor_the_dashboard_app():
    imported: set[str] = set()
    for path in PACKAGE.glob("*.py"):
        for node in ast.walk(ast.parse(path.read_text())):
            if isinstance(node, ast.Import):
                imported.update(alias.name for alias in node.names)
            elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
                imported.add(node.module)

    assert not {name for name in imported if name.split(".")[0] in {"flask", "dashboard", "werkzeug", "sqlalchemy"}}


def test_api_objects_and_the_facade_show_no_key_in_their_repr(referral, customer, api_key):
    debitura = DebituraClient(referral, customer, TokenCache(referral, MemoryTokenStore()))

    assert api_key not in repr(referral)
    assert api_key not in repr(debitura)
    assert referral.base_url in repr(debitura)
