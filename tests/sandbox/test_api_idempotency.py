"""Idempotency-Key on case creation, file uploads and KYC: replay, conflict, what is stored."""

from __future__ import annotations

import io
import threading
from datetime import date

import pytest
from sqlalchemy import func, select

from dashboard.debitura import (
    BusinessRuleError,
    IdempotencyConflict,
    InvalidRequest,
    KycSubmission,
)
from dashboard.sandbox import clock, idempotency
from dashboard.sandbox.models import Case, IdempotencyRecord, KycVerification
from dashboard.sandbox.wire import json_response
from tests.raw_body import raw

NORDIC = "Nordic Inkasso A/S"


@pytest.fixture
def ready(ready_client, poa_signed):
    ready_client("acme")
    poa_signed("acme", NORDIC)


def case_count(sandbox) -> int:
    with sandbox.session() as s:
        return s.scalar(select(func.count()).select_from(Case))


def test_the_same_key_and_body_replays_the_first_answer(ready, sandbox, debitura, case_body):
    payload = case_body(creditorReference="INV-1")

    first = debitura.create_case("acme", raw(payload), idempotency_key="key-1")
    second = debitura.create_case("acme", raw(payload), idempotency_key="key-1")

    assert second == first
    assert case_count(sandbox) == 1


def test_a_timeout_after_the_case_was_created_is_healed_by_the_retry(ready, sandbox, debitura, case_body):
    sandbox.faults.fail_next(1, "timeout_after", path_prefix="/customer-api/cases")

    case = debitura.create_case("acme", raw(case_body(creditorReference="INV-1")), idempotency_key="key-1")

    assert case.creditor_reference == "INV-1"
    assert case_count(sandbox) == 1


def test_without_a_key_a_lost_answer_is_not_retried(ready, sandbox, debitura, case_body):
    from dashboard.debitura import DebituraConnectionError

    sandbox.faults.fail_next(1, "timeout_after", path_prefix="/customer-api/cases")

    with pytest.raises(DebituraConnectionError):
        debitura.create_case("acme", raw(case_body()))
    assert case_count(sandbox) == 1  # created, but the caller cannot know


def test_the_same_key_with_another_body_is_an_idempotency_conflict(ready, debitura, case_body):
    debitura.create_case("acme", raw(case_body(amountToRecover=100)), idempotency_key="key-1")

    with pytest.raises(IdempotencyConflict) as raised:
        debitura.create_case("acme", raw(case_body(amountToRecover=200)), idempotency_key="key-1")

    assert raised.value.http_status == 422
    assert raised.value.types == ["IdempotencyConflict"]


def test_a_field_error_is_not_stored_so_the_corrected_request_may_reuse_the_key(ready, sandbox, debitura, case_body):
    with pytest.raises(InvalidRequest):
        debitura.create_case("acme", raw(case_body(currencyCode="XYZ")), idempotency_key="key-1")

    case = debitura.create_case("acme", raw(case_body()), idempotency_key="key-1")

    assert case.currency == "EUR"
    assert case_count(sandbox) == 1


def test_a_business_error_is_terminal_and_replayed_even_after_the_cause_is_fixed(
    sandbox, ready_client, poa_signed, debitura, case_body
):
    ready_client("acme")
    with pytest.raises(BusinessRuleError) as first:
        debitura.create_case("acme", raw(case_body()), idempotency_key="key-1")
    poa_signed("acme", NORDIC)

    with pytest.raises(BusinessRuleError) as again:
        debitura.create_case("acme", raw(case_body()), idempotency_key="key-1")

    assert again.value.types == first.value.types == ["MissingPowerOfAttorney"]
    assert case_count(sandbox) == 0
    assert debitura.create_case("acme", raw(case_body()), idempotency_key="key-2").lifecycle == "Pending Verification Internal"


def test_keys_are_scoped_per_client(ready, ready_client, poa_signed, debitura, case_body):
    ready_client("other")
    poa_signed("other", NORDIC)

    first = debitura.create_case("acme", raw(case_body()), idempotency_key="shared-key")
    second = debitura.create_case("other", raw(case_body()), idempotency_key="shared-key")

    assert first.id != second.id


def test_a_key_longer_than_255_characters_is_a_400(ready, sandbox, http, referral, case_body):
    token = referral.mint_token("acme").access_token

    response = http.post(
        f"{sandbox.urls.customer_api}/cases",
        json={**case_body(), "amountToRecover": 10},
        headers={"Authorization": f"Bearer {token}", "Idempotency-Key": "k" * 256},
    )

    assert response.status_code == 400
    assert response.json()["error"] == "InvalidIdempotencyKey"
    assert case_count(sandbox) == 0


def test_a_replay_is_marked_and_verbatim(ready, sandbox, http, referral, case_body):
    token = referral.mint_token("acme").access_token
    headers = {"Authorization": f"Bearer {token}", "Idempotency-Key": "key-1"}
    body = {**case_body(), "amountToRecover": 10}

    first = http.post(f"{sandbox.urls.customer_api}/cases", json=body, headers=headers)
    second = http.post(f"{sandbox.urls.customer_api}/cases", json=body, headers=headers)

    assert (first.status_code, second.status_code) == (200, 200)
    assert second.content == first.content
    assert second.headers["Idempotent-Replayed"] == "true"
    assert "Idempotent-Replayed" not in first.headers


def test_concurrent_identical_requests_create_one_case(ready, sandbox, referral, customer, case_body):
    token = referral.mint_token("acme").access_token
    barrier = threading.Barrier(4)
    results: list[str] = []

    def submit() -> None:
        barrier.wait()
        results.append(customer.create_case(token, raw(case_body(creditorReference="INV-1")), idempotency_key="k").id)

    threads = [threading.Thread(target=submit) for _ in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()

    assert len(results) == 4 and len(set(results)) == 1
    assert case_count(sandbox) == 1


def test_a_request_that_loses_the_race_for_its_key_replays_the_winner(sandbox, monkeypatch):
    """The unique-constraint path: the winner commits between our lookup and our claim of the key."""
    winner_body = '{"winner": true}'
    with sandbox.session() as other:
        other.add(IdempotencyRecord(scope="s", endpoint="POST /x", key="k", fingerprint="f", status_code=200,
                                    body=winner_body, created_at=clock.now(other)))
    lookups = iter([None])
    real_lookup = idempotency._stored
    monkeypatch.setattr(idempotency, "_stored", lambda *args: next(lookups, None) or real_lookup(*args))
    handled = []

    ours = sandbox.new_session()
    try:
        with sandbox.wsgi_app.test_request_context():
            response = idempotency.run(
                ours, scope="s", endpoint="POST /x", key="k", request_fingerprint="f",
                handler=lambda: handled.append(True) or json_response(201, {"loser": True}),
            )
    finally:
        ours.close()

    assert (response.status_code, response.get_data(as_text=True)) == (200, winner_body)
    assert handled == []


def test_an_upload_with_the_same_key_is_stored_once(ready, sandbox, referral, debitura, case_body):
    case = debitura.create_case("acme", raw(case_body()))

    first = referral.upload_file(case.id, file_name="invoice.pdf", stream=io.BytesIO(b"%PDF-1"), idempotency_key="u1")
    second = referral.upload_file(case.id, file_name="invoice.pdf", stream=io.BytesIO(b"%PDF-1"), idempotency_key="u1")

    assert first.id == second.id
    with pytest.raises(IdempotencyConflict):
        referral.upload_file(case.id, file_name="other.pdf", stream=io.BytesIO(b"%PDF-2"), idempotency_key="u1")


def test_a_kyc_submission_with_the_same_key_is_stored_once(ready, sandbox, referral):
    details = {"director_full_name": "Anna Jensen", "director_home_address": "1 High St",
               "director_date_of_birth": date(1980, 5, 1)}

    first = referral.submit_kyc("acme", KycSubmission(**details), idempotency_key="kyc-1")
    second = referral.submit_kyc("acme", KycSubmission(**details), idempotency_key="kyc-1")

    assert first == second
    with sandbox.session() as s:
        assert s.scalar(select(func.count()).select_from(KycVerification)) == 1


def test_mounted_sessions_reach_the_sandbox_in_process(sandbox, http):
    from dashboard.sandbox import SandboxTransport

    assert isinstance(http.get_adapter(f"{sandbox.urls.referral_api}/me"), SandboxTransport)
    assert http.get(f"{sandbox.urls.referral_api}/me", headers={"XApiKey": "sandbox-key"}).status_code == 200
