"""The in-process transport, fault injection, rate limiting and observers, seen from the real client."""

from __future__ import annotations

from dataclasses import replace

import pytest
import requests
from flask import Flask, jsonify
from sqlalchemy import func, select
from werkzeug.test import Client

from dashboard.debitura import (
    DebituraConnectionError,
    NotFound,
    RateLimited,
    ReferralApi,
    ServerError,
)
from dashboard.sandbox import Sandbox, SandboxConfig, WsgiTransport, clock
from dashboard.sandbox.models import ClientLink, SandboxState
from tests.raw_body import raw

CLIENTS = "/referral-api/clients"


def no_sleep(_seconds: float) -> None:
    """Retries without waiting."""


def links(sandbox) -> int:
    with sandbox.session() as s:
        return s.scalar(select(func.count()).select_from(ClientLink))


@pytest.fixture
def exchanges(sandbox) -> list[tuple[str, str, int]]:
    seen: list[tuple[str, str, int]] = []
    sandbox.observers.append(lambda request, response: seen.append((request.method, request.path_url, response.status_code)))
    return seen


def test_transient_5xx_answers_are_retried_by_the_client_for_reads(sandbox, referral, exchanges):
    sandbox.faults.fail_next(2, "http_503")

    assert referral.me().short_name == "Northwind"
    assert [status for _, _, status in exchanges] == [503, 503, 200]


def test_an_injected_500_does_no_work_and_an_unkeyed_post_is_not_retried(sandbox, referral, client_body, exchanges):
    sandbox.faults.fail_next(1, "http_500", path_prefix=CLIENTS)

    with pytest.raises(ServerError) as raised:
        referral.create_client(raw(client_body("acme")))

    assert raised.value.http_status == 500
    assert links(sandbox) == 0
    assert len(exchanges) == 1


def test_an_injected_429_has_debituras_body_and_retry_hint(sandbox, http):
    sandbox.faults.fail_next(1, "http_429", retry_after=42)

    response = http.get(f"{sandbox.urls.referral_api}/me", headers={"XApiKey": "sandbox-key"})

    assert response.status_code == 429
    assert response.headers["Retry-After"] == "42"
    assert response.json() == {
        "error": "rate_limit_exceeded",
        "message": "Too many requests. Please try again later or contact support if you need higher limits.",
        "retryAfter": 42,
    }


def test_the_client_gives_up_on_a_long_retry_after(sandbox, referral):
    sandbox.faults.fail_next(1, "http_429", retry_after=120)

    with pytest.raises(RateLimited) as raised:
        referral.me()

    assert raised.value.retry_after == 120


@pytest.mark.parametrize("kind", ["connection_reset", "timeout_before"])
def test_a_request_lost_before_arrival_changes_nothing(sandbox, http, client_body, kind):
    sandbox.faults.fail_next(1, kind, path_prefix=CLIENTS)
    expected = requests.exceptions.ReadTimeout if kind == "timeout_before" else requests.exceptions.ConnectionError

    with pytest.raises(expected):
        http.post(f"{sandbox.urls.base}{CLIENTS}", json=client_body("acme"), headers={"XApiKey": "sandbox-key"})

    assert links(sandbox) == 0


def test_a_timeout_after_the_work_leaves_the_work_done(sandbox, referral, client_body):
    sandbox.faults.fail_next(1, "timeout_after", path_prefix=CLIENTS)

    with pytest.raises(DebituraConnectionError):
        referral.create_client(raw(client_body("acme")))

    assert referral.get_client("acme").external_tenant_id == "acme"


def test_latency_within_the_timeout_only_slows_the_answer(sandbox, http):
    sandbox.faults.fail_next(1, "latency", latency_ms=1)

    response = http.get(f"{sandbox.urls.referral_api}/me", headers={"XApiKey": "sandbox-key"}, timeout=5)

    assert response.status_code == 200


def test_latency_beyond_the_read_timeout_times_out_after_the_work(sandbox, http, client_body):
    sandbox.faults.fail_next(1, "latency", latency_ms=60_000, path_prefix=CLIENTS)

    with pytest.raises(requests.exceptions.ReadTimeout):
        http.post(f"{sandbox.urls.base}{CLIENTS}", json=client_body("acme"), headers={"XApiKey": "sandbox-key"},
                  timeout=(1, 0.01))

    assert links(sandbox) == 1


def test_faults_scoped_to_a_path_leave_other_paths_alone(sandbox, referral, exchanges):
    sandbox.faults.fail_next(1, "http_500", path_prefix="/customer-api/cases")

    referral.me()

    assert exchanges[-1][2] == 200
    assert sandbox.faults.plan()["next"][0]["remaining"] == 1


def test_a_seeded_failure_ratio_fails_the_same_requests_every_time(sandbox, http):
    def pattern() -> list[int]:
        sandbox.faults.fail_ratio(0.3, ["http_503"], seed=7)
        return [
            http.get(f"{sandbox.urls.referral_api}/me", headers={"XApiKey": "sandbox-key"}).status_code
            for _ in range(20)
        ]

    first, second = pattern(), pattern()

    assert first == second
    assert 0 < first.count(503) < 20


def test_clearing_the_plan_stops_all_faults(sandbox, referral):
    sandbox.faults.fail_next(5, "http_500")
    sandbox.faults.fail_ratio(1.0, ["http_503"])

    sandbox.faults.clear()

    assert referral.me().short_name == "Northwind"
    assert sandbox.faults.plan() == {}


def test_webhook_faults_wait_for_the_dispatcher_and_never_hit_http(sandbox, referral):
    sandbox.faults.fail_next(1, "duplicate_webhook")

    referral.me()

    assert sandbox.faults.draw(None, channel="webhook").kind == "duplicate_webhook"
    assert sandbox.faults.draw(None, channel="webhook") is None


def test_an_unknown_fault_kind_is_refused(sandbox):
    with pytest.raises(ValueError):
        sandbox.faults.fail_next(1, "meteor_strike")


def test_a_fault_primed_by_another_process_applies_here(sandbox, referral, shared_sandbox):
    _, database, _ = shared_sandbox
    other = Sandbox(SandboxConfig(database_url=f"sqlite:///{database}", auto_deliver=False))
    try:
        other.faults.fail_next(1, "http_503")
    finally:
        other.close()

    with pytest.raises(ServerError):
        ReferralApi(sandbox.urls.referral_api, "sandbox-key", session=referral.session, max_retries=0).me()


def test_rate_limiting_answers_429_once_the_minute_is_used_up(sandbox, http):
    with sandbox.session() as s:
        settings = s.get(SandboxState, 1)
        settings.rate_limit_enabled, settings.rate_limit_per_minute = True, 3
    me = f"{sandbox.urls.referral_api}/me"

    answers = [http.get(me, headers={"XApiKey": "sandbox-key"}) for _ in range(4)]

    assert [answer.status_code for answer in answers] == [200, 200, 200, 429]
    assert answers[0].headers["X-RateLimit-Remaining"] == "2"
    assert answers[3].json()["error"] == "rate_limit_exceeded"
    assert 1 <= answers[3].json()["retryAfter"] <= 60
    sandbox.advance_clock(61)
    assert http.get(me, headers={"XApiKey": "sandbox-key"}).status_code == 200


def limit_calls(sandbox, per_minute: int) -> None:
    with sandbox.session() as s:
        settings = s.get(SandboxState, 1)
        settings.rate_limit_enabled, settings.rate_limit_per_minute = True, per_minute


@pytest.fixture
def impatient(sandbox, http) -> ReferralApi:
    """A client that does not wait and retry, so a 429 surfaces."""
    return ReferralApi(sandbox.urls.referral_api, "sandbox-key", session=http, max_retries=0)


def test_the_minute_limit_slides_rather_than_resetting(sandbox, impatient):
    limit_calls(sandbox, 3)
    impatient.me()
    impatient.me()
    sandbox.advance_clock(40)
    impatient.me()

    with pytest.raises(RateLimited) as limited:
        impatient.me()  # four calls in the last 60 s

    assert 1 <= limited.value.retry_after <= 20
    sandbox.advance_clock(21)  # the first two calls left the window; the one at +40 s has not
    impatient.me()
    impatient.me()
    with pytest.raises(RateLimited):
        impatient.me()  # a fixed window would have started counting afresh


def test_the_hourly_limit_is_ten_times_the_minute_limit(sandbox, impatient):
    limit_calls(sandbox, 2)
    for _ in range(10):
        impatient.me()
        impatient.me()
        sandbox.advance_clock(61, run_jobs=False)

    with pytest.raises(RateLimited) as limited:
        impatient.me()

    assert 60 < limited.value.retry_after <= 3600
    sandbox.advance_clock(3600, run_jobs=False)
    impatient.me()


def test_limits_are_counted_per_key_and_per_bearer_client(sandbox, impatient, ready_client, http):
    ready_client("acme")
    limit_calls(sandbox, 1)
    impatient.me()
    with pytest.raises(RateLimited):
        impatient.me()

    token = http.post(f"{sandbox.urls.referral_api}/oauth/token", json={"externalTenantId": "acme"},
                      headers={"XApiKey": "sandbox-key"})
    assert token.status_code == 429  # the partner key is spent

    sandbox.advance_clock(61, run_jobs=False)
    bearer = {"Authorization": f"Bearer {impatient.mint_token('acme').access_token}"}
    case_url = f"{sandbox.urls.customer_api}/cases/3fa85f64-5717-4562-b3fc-2c963f66afa6"
    assert http.get(case_url, headers=bearer).status_code == 404  # the client's token has a count of its own
    assert http.get(case_url, headers=bearer).status_code == 429


def test_the_retry_after_header_can_be_left_out(sandbox, http, monkeypatch):
    limit_calls(sandbox, 1)
    me = f"{sandbox.urls.referral_api}/me"
    http.get(me, headers={"XApiKey": "sandbox-key"})
    assert "Retry-After" in http.get(me, headers={"XApiKey": "sandbox-key"}).headers
    # The sandbox app reads its config from the parts it was built with.
    parts = sandbox.wsgi_app.extensions["sandbox"]
    monkeypatch.setitem(sandbox.wsgi_app.extensions, "sandbox",
                        replace(parts, config=replace(parts.config, rate_limit_retry_after_header=False)))

    answer = http.get(me, headers={"XApiKey": "sandbox-key"})

    assert answer.status_code == 429
    assert "Retry-After" not in answer.headers
    assert answer.json()["retryAfter"] >= 1


def test_observers_see_every_exchange_with_real_bodies(sandbox, referral, client_body, exchanges):
    referral.create_client(raw(client_body("acme")))
    referral.get_client("acme")

    assert exchanges == [("POST", CLIENTS, 202), ("GET", f"{CLIENTS}/acme", 200)]


def test_unknown_api_paths_answer_in_debituras_error_shape(sandbox, http):
    missing = http.get(f"{sandbox.urls.referral_api}/nothing-here", headers={"XApiKey": "sandbox-key"})
    wrong_method = http.delete(f"{sandbox.urls.referral_api}/me", headers={"XApiKey": "sandbox-key"})

    assert missing.status_code == 404 and missing.json()["error"] == "NotFound"
    assert wrong_method.status_code == 405 and set(wrong_method.json()) == {"error", "message", "businessErrors"}


def test_malformed_json_is_a_400(sandbox, http):
    response = http.post(
        f"{sandbox.urls.base}{CLIENTS}", data=b"{not json", headers={"XApiKey": "sandbox-key",
                                                                    "Content-Type": "application/json"}
    )

    assert response.status_code == 400
    assert response.json() == {"$": ["The request body is not valid JSON."]}


def test_a_sandbox_mounted_under_a_prefix_serves_and_links_under_it(tmp_path, client_body):
    embedded = Sandbox(SandboxConfig(database_url=f"sqlite:///{tmp_path / 'embedded.db'}", auto_deliver=False,
                                     public_url="http://dashboard.test", mount_prefix="/sandbox"))
    try:
        embedded.create_schema()
        session = embedded.mount(requests.Session())
        referral = ReferralApi(embedded.urls.referral_api, "sandbox-key", session=session, sleep=no_sleep)

        created = referral.create_client(raw(client_body("acme")))

        assert embedded.urls.referral_api == "http://dashboard.test/sandbox/referral-api"
        assert created.client.onboarding_url.startswith("http://dashboard.test/sandbox/ui/onboarding/companydetails/")
        with pytest.raises(NotFound):
            referral.get_client("nobody")
    finally:
        embedded.close()


def test_the_fault_middleware_applies_faults_to_real_http_serving(sandbox):
    browser = Client(sandbox.http_app)
    sandbox.faults.fail_next(1, "http_503", path_prefix="/referral-api/me")

    failed = browser.get("/referral-api/me", headers={"XApiKey": "sandbox-key"})
    served = browser.get("/referral-api/me", headers={"XApiKey": "sandbox-key"})

    assert (failed.status_code, served.status_code) == (503, 200)
    assert served.json["shortName"] == "Northwind"


def test_the_generic_wsgi_transport_serves_any_app_and_keeps_its_cookies():
    app = Flask("receiver")

    @app.post("/webhooks/debitura")
    def receive():
        response = jsonify(received=True)
        response.set_cookie("seen", "yes")
        return response

    session = requests.Session()
    session.mount("http://dashboard.test/", WsgiTransport(app))

    response = session.post("http://dashboard.test/webhooks/debitura", json={"id": "evt"})

    assert (response.status_code, response.json()) == (200, {"received": True})
    assert session.cookies.get("seen") == "yes"


def test_the_sandbox_clock_moves_forward_only(sandbox):
    before = sandbox.now()

    after = sandbox.advance_clock(3600)

    assert 3600 <= (after - before).total_seconds() < 3660
    with pytest.raises(ValueError), sandbox.session() as s:
        clock.advance(s, -1)


def test_starting_delivery_from_many_requests_starts_one_thread(tmp_path):
    import threading

    box = Sandbox(SandboxConfig(database_url=f"sqlite:///{tmp_path / 'delivery.db'}", auto_deliver=False))
    try:
        box.create_schema()
        barrier = threading.Barrier(6)

        def start() -> None:
            barrier.wait()
            box.start_delivery()

        starters = [threading.Thread(target=start) for _ in range(6)]
        for starter in starters:
            starter.start()
        for starter in starters:
            starter.join()

        assert [thread.name for thread in threading.enumerate()].count("sandbox-webhooks") == 1
    finally:
        box.close()
    assert "sandbox-webhooks" not in [thread.name for thread in threading.enumerate()]
