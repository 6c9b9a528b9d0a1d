"""Webhook subscriptions, the outbox every event lands in, test deliveries, and GET /me."""

from __future__ import annotations

import base64
from decimal import Decimal

import pytest
from sqlalchemy import func, select

from dashboard.debitura import (
    InvalidRequest,
    NotFound,
    WebhookSubscription,
    WebhookUpdate,
)
from dashboard.sandbox import domain
from dashboard.sandbox.countries import COUNTRY_IDS
from dashboard.sandbox.models import WebhookDelivery, WebhookEvent
from dashboard.sandbox.models import WebhookSubscription as SubscriptionRow
from tests.raw_body import raw

ALL_CASE_EVENTS = ["case.created", "case.updated", "case.closed"]


def deliveries(sandbox, subscription_id: str) -> list[tuple[str, bool]]:
    with sandbox.session() as s:
        rows = s.scalars(
            select(WebhookDelivery).where(WebhookDelivery.subscription_id == subscription_id).order_by(WebhookDelivery.id)
        )
        return [(row.event.event_type, row.is_test) for row in rows]


def test_a_subscription_shows_its_secret_once(referral):
    created = referral.create_webhook(WebhookSubscription(url="https://partner.example/hooks", events=["case.created"]))

    assert len(base64.b64decode(created.secret)) == 32
    assert created.is_active is True and created.is_test_mode is False
    assert referral.get_webhook(created.id).secret is None
    assert [hook.secret for hook in referral.list_webhooks()] == [None]


@pytest.mark.parametrize(
    "url",
    ["http://127.0.0.1:8000/hooks", "http://localhost/hooks", "http://[::1]:5000/hooks", "http://sandbox.test/webhooks"],
)
def test_plain_http_is_accepted_only_for_loopback_and_our_own_address(referral, url):
    assert referral.create_webhook(WebhookSubscription(url=url, events=["case.created"])).url == url


@pytest.mark.parametrize(
    ("url", "events"),
    [
        ("http://partner.example/hooks", ["case.created"]),
        ("ftp://partner.example/hooks", ["case.created"]),
        ("not a url", ["case.created"]),
        ("https://partner.example/" + "x" * 1024, ["case.created"]),
        ("https://partner.example/hooks", []),
        ("https://partner.example/hooks", ["case.exploded"]),
    ],
)
def test_invalid_subscriptions_are_400(referral, url, events):
    with pytest.raises(InvalidRequest):
        referral.create_webhook(WebhookSubscription(url=url, events=events))


def test_a_subscription_can_be_changed_and_its_secret_regenerated(referral):
    created = referral.create_webhook(WebhookSubscription(url="https://partner.example/hooks", events=["case.created"]))

    changed = referral.update_webhook(created.id, WebhookUpdate(url="https://partner.example/v2", events=ALL_CASE_EVENTS))
    rotated = referral.update_webhook(created.id, WebhookUpdate(regenerate_secret=True))

    assert (changed.url, changed.events, changed.secret) == ("https://partner.example/v2", tuple(ALL_CASE_EVENTS), None)
    assert rotated.secret is not None and rotated.secret != created.secret


def test_re_enabling_clears_an_automatic_disable(sandbox, referral):
    created = referral.create_webhook(WebhookSubscription(url="https://partner.example/hooks", events=["case.created"]))
    with sandbox.session() as s:
        subscription = s.get(SubscriptionRow, created.id)
        subscription.is_active, subscription.consecutive_failures = False, 8
        subscription.disabled_reason = "Exceeded maximum retry attempts (8 failures)"
    assert referral.get_webhook(created.id).disabled_reason == "Exceeded maximum retry attempts (8 failures)"

    enabled = referral.update_webhook(created.id, WebhookUpdate(is_active=True))

    assert (enabled.is_active, enabled.disabled_reason) == (True, None)
    with sandbox.session() as s:
        assert s.get(SubscriptionRow, created.id).consecutive_failures == 0


def test_deleting_a_subscription_drops_its_deliveries(sandbox, referral, client_body, case_body):
    created = referral.create_webhook(WebhookSubscription(url="https://partner.example/hooks", events=["case.created"]))
    referral.create_client(raw(client_body("acme", cases=[case_body()])))

    referral.delete_webhook(created.id)

    with pytest.raises(NotFound):
        referral.get_webhook(created.id)
    with sandbox.session() as s:
        assert s.scalar(select(func.count()).select_from(WebhookDelivery)) == 0
        assert s.scalar(select(func.count()).select_from(WebhookEvent)) == 1


def test_an_unknown_subscription_is_not_found(referral):
    with pytest.raises(NotFound):
        referral.update_webhook("00000000-0000-0000-0000-000000000000", WebhookUpdate(is_active=False))


def test_events_go_to_the_active_subscriptions_that_listen_for_them(sandbox, referral, client_body, case_body):
    cases = referral.create_webhook(WebhookSubscription(url="https://partner.example/cases", events=ALL_CASE_EVENTS))
    clients = referral.create_webhook(WebhookSubscription(url="https://partner.example/clients", events=["client.linked"]))
    paused = referral.create_webhook(WebhookSubscription(url="https://partner.example/paused", events=ALL_CASE_EVENTS))
    referral.update_webhook(paused.id, WebhookUpdate(is_active=False))

    created = referral.create_client(raw(client_body("acme", cases=[case_body()])))
    with sandbox.session() as s:
        domain.move_case(s, created.client.case_results.successful_cases[0].id, "Closed", close_code="Paid")

    assert deliveries(sandbox, cases.id) == [("case.created", False), ("case.updated", False), ("case.closed", False)]
    assert deliveries(sandbox, clients.id) == deliveries(sandbox, paused.id) == []


def test_test_mode_subscriptions_only_hear_about_test_cases(sandbox, ready_client, poa_signed, debitura, referral, case_body):
    ready_client("acme")
    poa_signed("acme", "Nordic Inkasso A/S")
    live = referral.create_webhook(WebhookSubscription(url="https://partner.example/live", events=["case.created"]))
    test = referral.create_webhook(WebhookSubscription(url="https://partner.example/test", events=["case.created"], is_test_mode=True))

    debitura.create_case("acme", raw(case_body()))
    debitura.create_case("acme", raw(case_body(isTest=True)))

    assert deliveries(sandbox, live.id) == [("case.created", False)]
    assert deliveries(sandbox, test.id) == [("case.created", False)]
    with sandbox.session() as s:
        created = select(WebhookEvent).where(WebhookEvent.event_type == "case.created").order_by(WebhookEvent.created_at)
        flags = [row.is_test_data for row in s.scalars(created)]
    assert flags == [False, True]


def test_client_events_carry_the_tenant_and_creditor(sandbox, ready_client):
    ready_client("acme")

    with sandbox.session() as s:
        event = s.scalars(
            select(WebhookEvent).where(WebhookEvent.event_type == "client.onboarding.contract_signed")
        ).one()
        creditor_id = domain.active_link(s, "acme").creditor_id
    envelope = event.envelope
    assert set(envelope) == {"id", "specVersion", "event", "timestamp", "data", "links"}
    assert envelope["id"] == event.id and envelope["timestamp"].endswith("Z")
    assert envelope["data"]["externalTenantId"] == "acme"
    assert envelope["data"]["creditor"] == {
        "id": creditor_id, "companyName": "Acme Ltd", "registrationNumber": None, "countryId": COUNTRY_IDS["DK"], "isAttributed": True,
    }
    assert envelope["links"] == {"client": "http://sandbox.test/referral-api/clients/acme"}


def test_a_test_trigger_queues_a_marked_delivery_built_from_real_data(sandbox, referral, client_body, case_body):
    hook = referral.create_webhook(WebhookSubscription(url="https://partner.example/hooks", events=["case.updated"]))
    referral.create_webhook(WebhookSubscription(url="https://partner.example/other", events=["case.created"]))
    case_id = referral.create_client(raw(client_body("acme", cases=[case_body()]))).client.case_results.successful_cases[0].id

    answer = referral.trigger_test_webhook(raw({"eventType": "case.updated", "caseId": case_id, "newLifecycle": "Active"}))

    assert answer.enqueued_count == 1
    assert deliveries(sandbox, hook.id) == [("case.updated", True)]
    with sandbox.session() as s:
        event = s.scalars(select(WebhookEvent).where(WebhookEvent.event_type == "case.updated")).one()
    assert event.envelope["data"]["oldLifecycle"] == "Pending contract signing"
    assert event.envelope["data"]["lifecycle"] == "Active"


def test_a_client_test_event_needs_an_active_link(referral):
    referral.create_webhook(WebhookSubscription(url="https://partner.example/hooks", events=["client.linked"]))

    with pytest.raises(NotFound):
        referral.trigger_test_webhook(raw({"eventType": "client.linked", "externalTenantId": "nobody"}))


@pytest.mark.parametrize(
    "payload", [{"eventType": "case.updated"}, {"eventType": "case.exploded", "caseId": "x"}, {}]
)
def test_an_incomplete_test_trigger_is_400(referral, payload):
    with pytest.raises(InvalidRequest):
        referral.trigger_test_webhook(raw(payload))


def test_webhook_endpoints_answer_401_without_a_key(sandbox, http):
    response = http.get(f"{sandbox.urls.referral_api}/v1/Webhooks")

    assert (response.status_code, response.content) == (401, b"")


def test_me_describes_the_partner(referral):
    partner = referral.me()

    assert partner.company_name == "Northwind Invoicing ApS"
    assert partner.referral_fee_percentage == Decimal("50")
    assert partner.is_active is True
    assert partner.invoicing_trigger_mode == "PayWhenPaid"
