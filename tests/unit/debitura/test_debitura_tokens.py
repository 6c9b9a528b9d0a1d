"""The bearer-token cache: one mint per burst, a new mint before expiry, and retry-on-401 in the facade."""

from __future__ import annotations

import threading
from datetime import datetime, timedelta, timezone

import pytest

from dashboard.debitura import (
    ClientLinkInvalid,
    DebituraClient,
    MemoryTokenStore,
    NotFound,
    TokenCache,
)
from tests.raw_body import raw


def _token(number: int) -> str:
    return f"eyJhbGciOiJIUzI1NiJ9.eyJuIjo{number}fQ.sig{number}"


def _stub_mints(http, referral, *tokens: str) -> None:
    for token in tokens:
        http.post(
            f"{referral.base_url}/oauth/token", json={"accessToken": token, "tokenType": "Bearer", "expiresIn": 1800}
        )


@pytest.fixture
def store() -> MemoryTokenStore:
    return MemoryTokenStore()


@pytest.fixture
def tokens(referral, store, clock) -> TokenCache:
    return TokenCache(referral, store, clock=clock)


@pytest.fixture
def debitura(referral, customer, tokens) -> DebituraClient:
    return DebituraClient(referral, customer, tokens)


def test_a_burst_of_fifty_threads_for_one_tenant_mints_exactly_once(http, referral, tokens):
    _stub_mints(http, referral, _token(1))
    start = threading.Barrier(50)
    results: list[str] = []

    def work() -> None:
        start.wait()
        results.append(tokens.token_for("tenant-1"))

    threads = [threading.Thread(target=work) for _ in range(50)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()

    assert len(http.calls) == 1
    assert results == [_token(1)] * 50


def test_a_cached_token_is_reused_until_expiry_minus_the_safety_margin(http, referral, tokens, clock):
    _stub_mints(http, referral, _token(1), _token(2))

    first = tokens.token_for("tenant-1")
    clock.advance(1800 - 120 - 1)
    still_first = tokens.token_for("tenant-1")
    clock.advance(1)
    second = tokens.token_for("tenant-1")

    assert (first, still_first, second) == (_token(1), _token(1), _token(2))
    assert len(http.calls) == 2


def test_each_tenant_has_its_own_token(http, referral, tokens):
    _stub_mints(http, referral, _token(1), _token(2))

    assert tokens.token_for("tenant-1") == _token(1)
    assert tokens.token_for("tenant-2") == _token(2)
    assert tokens.token_for("tenant-1") == _token(1)


def test_invalidating_with_a_stale_token_keeps_a_newer_one(http, referral, tokens):
    _stub_mints(http, referral, _token(1))
    current = tokens.token_for("tenant-1")

    tokens.invalidate("tenant-1", "some-older-token-value")

    assert tokens.token_for("tenant-1") == current
    assert len(http.calls) == 1


def test_a_mint_for_a_tenant_without_a_link_raises_not_found(http, referral, tokens):
    http.post(f"{referral.base_url}/oauth/token", status=404, json={"message": "No active client link"})

    with pytest.raises(NotFound):
        tokens.token_for("tenant-unknown")


def test_the_safety_margin_accepts_plain_seconds(http, referral, clock):
    cache = TokenCache(referral, MemoryTokenStore(), safety_margin=1700, clock=clock)
    _stub_mints(http, referral, _token(1), _token(2))

    cache.token_for("tenant-1")
    clock.advance(100)

    assert cache.token_for("tenant-1") == _token(2)


def test_a_cached_token_never_shows_in_its_repr(store):
    store.put("tenant-1", _token(1), expires_at=datetime(2030, 1, 1, tzinfo=timezone.utc))

    assert "eyJ" not in repr(store.get("tenant-1"))
    assert "eyJ" not in str(store.get("tenant-1"))


def test_the_facade_reuses_one_token_across_calls(http, referral, customer, debitura):
    _stub_mints(http, referral, _token(1))
    http.get(f"{customer.base_url}/cases/case-1", json={"id": "case-1"})
    http.get(f"{customer.base_url}/cases/case-1/contract-status", json={"sdca": {"signed": True}})

    debitura.get_customer_case("tenant-1", "case-1")
    debitura.contract_status("tenant-1", "case-1")

    bearer = [
        call.request.headers.get("Authorization")
        for call in http.calls
        if call.request.url.startswith(customer.base_url)
    ]
    assert bearer == [f"Bearer {_token(1)}"] * 2


def test_a_401_invalidates_re_mints_and_retries_once(http, referral, customer, debitura):
    _stub_mints(http, referral, _token(1), _token(2))
    http.post(f"{customer.base_url}/cases", status=401, body=b"")
    http.post(f"{customer.base_url}/cases", json={"id": "case-1", "lifecycle": "Pending Verification"})

    case = debitura.create_case("tenant-1", raw({"currencyCode": "EUR"}), idempotency_key="form-1")

    case_calls = [call for call in http.calls if call.request.url == f"{customer.base_url}/cases"]
    assert case.id == "case-1"
    assert [call.request.headers["Authorization"] for call in case_calls] == [
        f"Bearer {_token(1)}",
        f"Bearer {_token(2)}",
    ]
    assert [call.request.headers["Idempotency-Key"] for call in case_calls] == ["form-1", "form-1"]


def test_a_second_401_with_a_fresh_token_means_the_client_link_is_invalid(http, referral, customer, debitura, store):
    _stub_mints(http, referral, _token(1), _token(2))
    http.get(f"{customer.base_url}/cases/case-1", status=401, body=b"", headers={"Request-Id": "req-9"})
    http.get(f"{customer.base_url}/cases/case-1", status=401, body=b"", headers={"Request-Id": "req-10"})

    with pytest.raises(ClientLinkInvalid) as caught:
        debitura.get_customer_case("tenant-1", "case-1")

    assert str(caught.value).startswith("Request req-10: The client link is invalid")
    assert caught.value.user_message.startswith("The client link is invalid")
    assert caught.value.http_status == 401
    assert len(http.calls) == 4
    # The rejected token is forgotten, so the next attempt starts with a fresh mint.
    assert store.get("tenant-1") is None


def test_a_token_expiring_soon_is_replaced_before_the_customer_call(http, referral, customer, debitura, clock):
    _stub_mints(http, referral, _token(1), _token(2))
    http.get(f"{customer.base_url}/cases/case-1", json={"id": "case-1"})
    http.get(f"{customer.base_url}/cases/case-1", json={"id": "case-1"})

    debitura.get_customer_case("tenant-1", "case-1")
    clock.advance(timedelta(minutes=29).total_seconds())
    debitura.get_customer_case("tenant-1", "case-1")

    bearer = [call.request.headers.get("Authorization") for call in http.calls if "/cases/" in call.request.url]
    assert bearer == [f"Bearer {_token(1)}", f"Bearer {_token(2)}"]


def test_without_a_clock_path_debituras_clock_is_the_wall_clock():
    from datetime import UTC, datetime, timedelta

    from dashboard.debitura import (
        CustomerApi,
        DebituraClient,
        MemoryTokenStore,
        ReferralApi,
        TokenCache,
    )

    referral = ReferralApi("https://referral.example", "key-1")
    clock = DebituraClient(referral, CustomerApi("https://customer.example"), TokenCache(referral, MemoryTokenStore()))

    assert abs(clock.now() - datetime.now(UTC)) < timedelta(seconds=2)  # and nothing is sent
