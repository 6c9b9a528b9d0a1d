"""Which calls are retried, after how long, and that a retried write reuses its idempotency key."""

from __future__ import annotations

import io
import json
from decimal import Decimal

import pytest
import requests

from dashboard.debitura import (
    Conflict,
    DebituraConnectionError,
    RateLimited,
    ReferralApi,
    RetryPolicy,
    ServerError,
)
from tests.raw_body import raw

CLIENT_BODY = {"externalTenantId": "tenant-1", "onboardingDone": True}
TOKEN = "eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiJ0ZW5hbnQtMSJ9.c2lnbmF0dXJl"


def test_a_get_is_retried_after_a_503_and_then_succeeds(referral, http, sleeps):
    url = f"{referral.base_url}/clients/tenant-1"
    http.get(url, status=503, body=b"")
    http.get(url, json=CLIENT_BODY)

    client = referral.get_client("tenant-1")

    assert client.onboarding_done is True
    assert len(http.calls) == 2
    assert sleeps.delays == [0.5]


def test_a_get_gives_up_after_max_retries_and_raises_the_last_error(referral, http, sleeps):
    url = f"{referral.base_url}/clients/tenant-1"
    for _ in range(3):
        http.get(url, status=502, body=b"<html>bad gateway</html>")

    with pytest.raises(ServerError):
        referral.get_client("tenant-1")

    assert len(http.calls) == 3
    assert len(sleeps.delays) == 2


@pytest.mark.parametrize("status", [500, 502, 503, 504])
def test_every_transient_server_status_is_retried(referral, http, status):
    url = f"{referral.base_url}/me"
    http.get(url, status=status, json={"businessErrors": []})
    http.get(url, json={"id": "p-1", "companyName": "Chaser"})

    assert referral.me().company_name == "Chaser"


def test_a_501_is_not_retried(referral, http, sleeps):
    http.get(f"{referral.base_url}/me", status=501, body=b"")

    with pytest.raises(ServerError):
        referral.me()

    assert sleeps.delays == []


def test_a_post_without_an_idempotency_key_is_not_retried(referral, http, sleeps):
    http.post(f"{referral.base_url}/clients", status=503, body=b"")

    with pytest.raises(ServerError):
        referral.create_client(raw({"externalTenantId": "tenant-1"}))

    assert len(http.calls) == 1
    assert sleeps.delays == []


def test_a_post_with_an_idempotency_key_is_retried_with_the_same_key(customer, http, sleeps):
    url = f"{customer.base_url}/cases"
    http.post(url, status=503, body=b"")
    http.post(url, status=504, body=b"")
    http.post(url, json={"id": "case-1", "lifecycle": "Pending Verification"})

    case = customer.create_case(TOKEN, raw({"amountToRecover": Decimal("10.00")}), idempotency_key="form-key-1")

    assert case.id == "case-1"
    assert [call.request.headers["Idempotency-Key"] for call in http.calls] == ["form-key-1"] * 3
    assert len({call.request.body for call in http.calls}) == 1
    assert len(sleeps.delays) == 2


def test_a_conflict_is_a_business_answer_and_never_retried(referral, http, sleeps):
    http.get(f"{referral.base_url}/clients/tenant-1", status=409, json={"type": "ClientExistsNeedsLinking"})

    with pytest.raises(Conflict):
        referral.get_client("tenant-1")

    assert len(http.calls) == 1
    assert sleeps.delays == []


def test_a_429_with_a_short_retry_after_is_retried_after_exactly_that_wait(referral, http, sleeps):
    url = f"{referral.base_url}/clients/tenant-1"
    http.get(url, status=429, json={"error": "rate_limit_exceeded", "message": "Too many requests.", "retryAfter": 2.0})
    http.get(url, json=CLIENT_BODY)

    referral.get_client("tenant-1")

    assert sleeps.delays == [2.0]


def test_a_429_with_a_long_retry_after_raises_rate_limited_at_once(referral, http, sleeps):
    http.get(
        f"{referral.base_url}/clients/tenant-1", status=429, json={"error": "rate_limit_exceeded", "retryAfter": 60.0}
    )

    with pytest.raises(RateLimited) as caught:
        referral.get_client("tenant-1")

    assert caught.value.retry_after == 60.0
    assert len(http.calls) == 1
    assert sleeps.delays == []


def test_a_429_honours_the_retry_after_header_when_the_body_is_silent(referral, http, sleeps):
    url = f"{referral.base_url}/clients/tenant-1"
    http.get(url, status=429, body=b"", headers={"Retry-After": "3"})
    http.get(url, json=CLIENT_BODY)

    referral.get_client("tenant-1")

    assert sleeps.delays == [3.0]


def test_a_connection_error_on_a_get_is_retried(referral, http, sleeps):
    url = f"{referral.base_url}/clients/tenant-1"
    http.get(url, body=requests.exceptions.ConnectionError("connection reset by peer"))
    http.get(url, json=CLIENT_BODY)

    assert referral.get_client("tenant-1").external_tenant_id == "tenant-1"
    assert sleeps.delays == [0.5]


def test_a_read_timeout_on_a_post_without_a_key_is_raised_and_not_repeated(referral, http, sleeps):
    http.post(f"{referral.base_url}/clients", body=requests.exceptions.ReadTimeout("read timed out"))

    with pytest.raises(DebituraConnectionError) as caught:
        referral.create_client(raw({"externalTenantId": "tenant-1"}))

    assert caught.value.should_retry is True
    assert "did not answer within 10 s" in caught.value.message
    assert len(http.calls) == 1
    assert sleeps.delays == []


def test_a_tls_failure_is_not_worth_retrying(referral, http, sleeps):
    http.get(f"{referral.base_url}/me", body=requests.exceptions.SSLError("certificate verify failed"))

    with pytest.raises(DebituraConnectionError) as caught:
        referral.me()

    assert caught.value.should_retry is False
    assert sleeps.delays == []


def test_minting_a_token_is_retried_because_it_has_no_side_effect(referral, http, sleeps):
    url = f"{referral.base_url}/oauth/token"
    http.post(url, body=requests.exceptions.ConnectTimeout("connect timed out"))
    http.post(url, json={"accessToken": TOKEN, "tokenType": "Bearer", "expiresIn": 1800})

    assert referral.mint_token("tenant-1").access_token == TOKEN
    assert sleeps.delays == [0.5]


def test_a_retried_upload_sends_the_whole_file_again(referral, http):
    url = f"{referral.base_url}/cases/case-1/files"
    http.post(url, status=503, body=b"")
    http.post(url, json={"id": "f-1", "fileName": "invoice.pdf", "dateCreated": "2025-06-01T12:00:00Z"})
    stream = io.BytesIO(b"%PDF-1.7 the whole invoice")

    uploaded = referral.upload_file("case-1", file_name="invoice.pdf", stream=stream, idempotency_key="upload-1")

    assert uploaded.id == "f-1"
    assert all(b"%PDF-1.7 the whole invoice" in call.request.body for call in http.calls)
    assert [call.request.headers["Idempotency-Key"] for call in http.calls] == ["upload-1", "upload-1"]


def test_every_call_carries_the_default_timeout(referral, http):
    http.get(f"{referral.base_url}/me", json={"id": "p-1"})

    referral.me()

    assert http.calls[0].request.req_kwargs["timeout"] == (3.05, 10.0)


def test_a_decimal_amount_is_sent_and_received_exactly(customer, http):
    http.post(
        f"{customer.base_url}/cases",
        body=b'{"id": "case-1", "grossAmount": 1234.10, "currency": "EUR"}',
        content_type="text/plain",
    )

    case = customer.create_case(TOKEN, raw({"amountToRecover": Decimal("1234.10"), "currencyCode": "EUR"}))

    sent = http.calls[0].request.body
    assert b'"amountToRecover": 1234.10' in sent
    assert json.loads(sent, parse_float=Decimal)["amountToRecover"] == Decimal("1234.10")
    assert case.gross_amount == Decimal("1234.10")
    assert str(case.gross_amount) == "1234.10"


@pytest.mark.parametrize(
    ("rand", "expected"),
    [
        (0.0, [0.5, 0.5, 1.0, 2.0, 2.5, 2.5]),
        (1.0, [0.5, 1.0, 2.0, 4.0, 5.0, 5.0]),
    ],
)
def test_backoff_grows_exponentially_from_half_a_second_with_jitter_and_caps_at_five(rand, expected):
    policy = RetryPolicy()

    assert [policy.backoff(number, lambda: rand) for number in range(1, 7)] == expected


def test_max_retries_is_configurable_down_to_zero(sleeps, http):
    api = ReferralApi("https://referral-api.debitura.invalid", "another-key-123456", max_retries=0, sleep=sleeps)
    http.get(f"{api.base_url}/me", status=503, body=b"")

    with pytest.raises(ServerError):
        api.me()

    assert sleeps.delays == []
    api.session.close()


def test_a_retry_after_given_as_an_http_date_far_ahead_raises_at_once(referral, http, sleeps):
    http.get(f"{referral.base_url}/me", status=429, body=b"", headers={"Retry-After": "Fri, 01 Jan 2100 00:00:00 GMT"})

    with pytest.raises(RateLimited) as caught:
        referral.me()

    assert caught.value.retry_after > 10
    assert sleeps.delays == []
