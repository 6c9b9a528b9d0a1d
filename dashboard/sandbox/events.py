"""Webhooks on Debitura's side: subscriptions, and the outbox every state change writes to.

`emit` stores the envelope once and one pending delivery per active subscription that
listens to the event and matches its data classification (test-mode subscriptions only
receive events about test data). The dispatcher (delivery.py) sends what is due.
"""

from __future__ import annotations

import base64
import secrets
from datetime import datetime
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from dashboard.sandbox import clock
from dashboard.sandbox.models import WebhookDelivery, WebhookEvent, WebhookSubscription, new_id
from dashboard.sandbox.validation import WebhookInput
from dashboard.sandbox.wire import iso

SPEC_VERSION = "1.0"


def _envelope(
    s: Session, event_type: str, data: dict[str, Any], links: dict[str, str] | None, at: datetime | None = None
) -> WebhookEvent:
    now = clock.now(s)
    event_id = new_id()
    envelope = {
        "id": event_id,
        "specVersion": SPEC_VERSION,
        "event": event_type,
        "timestamp": iso(at or now),  # when it happened; queued for delivery now
        "data": data,
        "links": links or {},
    }
    return WebhookEvent(id=event_id, event_type=event_type, envelope=envelope, created_at=now)


def _listeners(s: Session, event_type: str) -> list[WebhookSubscription]:
    active = s.scalars(select(WebhookSubscription).where(WebhookSubscription.is_active.is_(True)))
    return [subscription for subscription in active if event_type in subscription.events]


def emit(
    s: Session,
    event_type: str,
    data: dict[str, Any],
    links: dict[str, str] | None = None,
    *,
    is_test_data: bool = False,
    at: datetime | None = None,
) -> WebhookEvent:
    """Record an event (that happened `at`, default now) and queue it for every subscription that wants it."""
    event = _envelope(s, event_type, data, links, at)
    event.is_test_data = is_test_data
    s.add(event)
    for subscription in _listeners(s, event_type):
        if subscription.is_test_mode == is_test_data:
            s.add(WebhookDelivery(event=event, subscription=subscription, next_attempt_at=event.created_at))
    return event


def enqueue_test(s: Session, event_type: str, data: dict[str, Any], links: dict[str, str] | None = None) -> int:
    """A test event (POST /v1/Webhooks/test): real data, every listening subscription, marked as a test."""
    event = _envelope(s, event_type, data, links)
    s.add(event)
    listeners = _listeners(s, event_type)
    for subscription in listeners:
        s.add(WebhookDelivery(event=event, subscription=subscription, is_test=True, next_attempt_at=event.created_at))
    return len(listeners)


def new_secret() -> str:
    """A signing secret: base64 of 32 random bytes (receivers decode it to get the HMAC key)."""
    return base64.b64encode(secrets.token_bytes(32)).decode("ascii")


def create_subscription(s: Session, partner_id: str, request: WebhookInput) -> WebhookSubscription:
    now = clock.now(s)
    subscription = WebhookSubscription(
        partner_id=partner_id,
        url=request.url,
        events=request.events,
        is_test_mode=bool(request.is_test_mode),
        secret=new_secret(),
        created_utc=now,
        updated_utc=now,
    )
    s.add(subscription)
    s.flush()
    return subscription


def update_subscription(s: Session, subscription: WebhookSubscription, request: WebhookInput) -> bool:
    """Apply a PUT; True when the secret was regenerated (and so goes back in the answer)."""
    if request.url is not None:
        subscription.url = request.url
    if request.events is not None:
        subscription.events = request.events
    if request.is_test_mode is not None:
        subscription.is_test_mode = request.is_test_mode
    if request.is_active is not None:
        subscription.is_active = request.is_active
        if request.is_active:
            # Re-enabling after an automatic disable starts the failure count afresh.
            subscription.disabled_reason = None
            subscription.consecutive_failures = 0
    if request.regenerate_secret:
        subscription.secret = new_secret()
    subscription.updated_utc = clock.now(s)
    return request.regenerate_secret
