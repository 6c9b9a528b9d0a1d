"""The webhook dispatcher: signed deliveries, Debitura's retry schedule in sandbox time, auto-disable, faults."""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import threading
import time
from dataclasses import dataclass, field
from datetime import timedelta

import pytest
import requests
from requests.adapters import BaseAdapter
from sqlalchemy import select
from werkzeug.wrappers import Request

from dashboard.debitura import WebhookSubscription, WebhookUpdate
from dashboard.sandbox import delivery, events
from dashboard.sandbox.models import WebhookDelivery
from dashboard.sandbox.models import WebhookSubscription as SubscriptionRow
from dashboard.sandbox.transport import WsgiTransport
from tests.raw_body import raw

RECEIVER = "https://receiver.test/hooks"
SCHEDULE_MINUTES = (1, 2, 4, 8, 16, 30, 30)


@dataclass
class Receiver:
    """An in-process webhook endpoint: records each delivery and answers with the queued statuses."""

    answers: list[int | str] = field(default_factory=list)
    received: list[tuple[dict[str, str], bytes]] = field(default_factory=list)
    on_arrival: threading.Event | None = None
    hold: threading.Event | None = None

    def __call__(self, environ, start_response):
        request = Request(environ)
        self.received.append((dict(request.headers), request.get_data()))
        if self.on_arrival is not None:
            self.on_arrival.set()
        if self.hold is not None:
            self.hold.wait(10)
        answer = self.answers.pop(0) if self.answers else 200
        if answer == "crash":
            raise RuntimeError("the receiver fell over")
        start_response(f"{answer} Answer", [("Content-Type", "text/plain")])
        return [b"ok"]

    def envelopes(self) -> list[dict]:
        return [json.loads(body) for _, body in self.received]


class TimingOut(BaseAdapter):
    def send(self, request, **kwargs):
        raise requests.exceptions.ReadTimeout("no answer", request=request)

    def close(self) -> None:
        """Nothing to release."""


@pytest.fixture
def receiver(sandbox) -> Receiver:
    endpoint = Receiver()
    sandbox.delivery_session.mount("https://receiver.test/", WsgiTransport(endpoint))
    return endpoint


@pytest.fixture
def subscription(referral, receiver):
    return referral.create_webhook(WebhookSubscription(url=RECEIVER, events=["case.created", "case.updated", "client.linked"]))


def emit(sandbox, count: int = 1, event_type: str = "case.created") -> list[str]:
    with sandbox.session() as s:
        return [
            events.emit(s, event_type, {"caseId": f"case-{index}", "reference": f"REF{index:05d}",
                                        "externalTenantId": "tenant-1", "lifecycle": "Active"}).id
            for index in range(count)
        ]


def deliveries(sandbox) -> list[WebhookDelivery]:
    with sandbox.session() as s:
        return list(s.scalars(select(WebhookDelivery).order_by(WebhookDelivery.id)))


def subscription_row(sandbox, subscription_id: str) -> SubscriptionRow:
    with sandbox.session() as s:
        return s.get(SubscriptionRow, subscription_id)


def test_a_delivery_is_signed_with_the_decoded_secret_and_carries_the_documented_headers(
    sandbox, receiver, subscription, ready_client
):
    ready_client("signed-1")  # fires client.onboarding.contract_signed: not subscribed, so not sent
    event_id = emit(sandbox)[0]

    assert sandbox.dispatch_pending() == 1

    headers, body = receiver.received[0]
    timestamp, signature = (part.split("=", 1)[1] for part in headers["X-Debitura-Signature"].split(","))
    key = base64.b64decode(subscription.secret)
    assert hmac.compare_digest(signature, hmac.new(key, f"{timestamp}.".encode() + body, hashlib.sha256).hexdigest())
    assert headers["Content-Type"] == "application/json"
    assert headers["X-Debitura-Event"] == "case.created"
    assert headers["X-Debitura-Timestamp"] == timestamp
    assert abs(int(timestamp) - time.time()) < 60  # real time, so receivers' ±300 s window works
    assert "X-Debitura-Test" not in headers
    envelope = json.loads(body)
    assert envelope["id"] == event_id
    assert envelope["specVersion"] == "1.0"
    assert envelope["event"] == "case.created"
    assert set(envelope) == {"id", "specVersion", "event", "timestamp", "data", "links"}
    assert deliveries(sandbox)[0].status == "delivered"


def test_a_test_delivery_says_so_in_a_header(sandbox, referral, receiver, subscription, ready_client):
    ready_client("test-hook-1")

    referral.trigger_test_webhook(raw({"eventType": "client.linked", "externalTenantId": "test-hook-1"}))
    sandbox.dispatch_pending()

    headers, _ = receiver.received[0]
    assert headers["X-Debitura-Test"] == "true"
    assert headers["X-Debitura-Event"] == "client.linked"


def test_a_failing_endpoint_is_retried_on_the_documented_schedule_then_disabled(
    sandbox, referral, receiver, subscription
):
    receiver.answers = [500] * 8
    emit(sandbox)
    moment = sandbox.now()

    for attempt, minutes in enumerate(SCHEDULE_MINUTES, start=1):
        assert sandbox.dispatch_pending(moment) == 1
        row = deliveries(sandbox)[0]
        assert row.attempt_count == attempt
        assert row.last_error == "HTTP 500: Answer"
        waited = row.next_attempt_at - moment
        assert timedelta(minutes=minutes * 0.9) <= waited <= timedelta(minutes=minutes * 1.1)
        assert sandbox.dispatch_pending(moment + waited - timedelta(seconds=1)) == 0  # not due yet
        moment = row.next_attempt_at

    assert sandbox.dispatch_pending(moment) == 1
    assert len(receiver.received) == 8
    assert deliveries(sandbox)[0].status == "failed"
    disabled = referral.get_webhook(subscription.id)
    assert disabled.is_active is False
    assert disabled.disabled_reason == "Exceeded maximum retry attempts (8 failures)"


def test_advancing_the_sandbox_clock_makes_a_retry_come_due(sandbox, receiver, subscription):
    receiver.answers = [503]
    emit(sandbox)
    sandbox.dispatch_pending()

    assert sandbox.dispatch_pending() == 0
    sandbox.advance_clock(70)
    assert sandbox.dispatch_pending() == 1
    assert deliveries(sandbox)[0].status == "delivered"


def test_a_410_disables_the_subscription_at_once(sandbox, referral, receiver, subscription):
    receiver.answers = [410]
    emit(sandbox, 2)

    sandbox.dispatch_pending()

    assert len(receiver.received) == 1  # the second delivery is not sent to a disabled subscription
    assert referral.get_webhook(subscription.id).disabled_reason == "Endpoint returned 410 Gone"
    assert deliveries(sandbox)[0].status == "failed"


def test_a_success_resets_the_failure_count(sandbox, receiver, subscription):
    receiver.answers = [500, 502]
    emit(sandbox)
    moment = sandbox.now()
    for _ in range(2):
        sandbox.dispatch_pending(moment)
        moment = deliveries(sandbox)[0].next_attempt_at
    assert subscription_row(sandbox, subscription.id).consecutive_failures == 2

    sandbox.dispatch_pending(moment)

    assert subscription_row(sandbox, subscription.id).consecutive_failures == 0
    assert deliveries(sandbox)[0].delivered_at == moment


def test_re_enabling_a_disabled_subscription_delivers_what_waited(sandbox, referral, receiver, subscription):
    receiver.answers = [410]
    emit(sandbox, 2)
    sandbox.dispatch_pending()

    referral.update_webhook(subscription.id, WebhookUpdate(is_active=True))
    sandbox.dispatch_pending()

    assert len(receiver.received) == 2
    assert [row.status for row in deliveries(sandbox)] == ["failed", "delivered"]


@pytest.mark.parametrize(
    ("failure", "reason"),
    [("crash", "Unexpected error: RuntimeError"), ("timeout", "Request timed out after 10 seconds")],
)
def test_a_broken_endpoint_is_recorded_and_the_dispatcher_goes_on(sandbox, referral, receiver, failure, reason):
    broken = referral.create_webhook(WebhookSubscription(url="https://broken.test/hooks", events=["case.created"]))
    if failure == "crash":
        sandbox.delivery_session.mount("https://broken.test/", WsgiTransport(Receiver(answers=["crash"])))
    else:
        sandbox.delivery_session.mount("https://broken.test/", TimingOut())
    referral.create_webhook(WebhookSubscription(url=RECEIVER, events=["case.created"]))
    emit(sandbox)

    assert sandbox.dispatch_pending() == 2

    by_subscription = {row.subscription_id: row for row in deliveries(sandbox)}
    assert by_subscription[broken.id].last_error == reason
    assert by_subscription[broken.id].last_status is None
    assert len(receiver.received) == 1


def test_the_duplicate_fault_sends_the_same_event_twice(sandbox, receiver, subscription):
    sandbox.faults.fail_next(1, "duplicate_webhook")
    emit(sandbox)

    assert sandbox.dispatch_pending() == 1

    ids = [envelope["id"] for envelope in receiver.envelopes()]
    assert len(ids) == 2 and ids[0] == ids[1]


def test_the_reorder_fault_sends_a_batch_backwards(sandbox, receiver, subscription):
    emitted = emit(sandbox, 3)
    sandbox.faults.fail_next(1, "reorder_webhooks")

    sandbox.dispatch_pending()

    assert [envelope["id"] for envelope in receiver.envelopes()] == emitted[::-1]


def test_without_faults_a_batch_goes_out_in_the_order_it_happened(sandbox, receiver, subscription):
    emitted = emit(sandbox, 3)

    sandbox.dispatch_pending()

    assert [envelope["id"] for envelope in receiver.envelopes()] == emitted


def test_a_delivery_being_sent_is_never_claimed_by_a_second_dispatcher(sandbox, receiver, subscription):
    receiver.on_arrival, receiver.hold = threading.Event(), threading.Event()
    emit(sandbox)
    first = threading.Thread(target=sandbox.dispatch_pending)
    first.start()
    try:
        assert receiver.on_arrival.wait(10)
        assert sandbox.dispatch_pending() == 0  # claimed by the first dispatcher, mid-send
    finally:
        receiver.hold.set()
        first.join(10)

    assert len(receiver.received) == 1
    assert deliveries(sandbox)[0].status == "delivered"


def test_the_signature_can_be_recomputed_from_its_parts():
    secret = base64.b64encode(b"k" * 32).decode()
    body = b'{"id":"1"}'

    header = delivery.sign(secret, 1700000000, body)

    expected = hmac.new(b"k" * 32, b"1700000000." + body, hashlib.sha256).hexdigest()
    assert header == f"t=1700000000,v1={expected}"
