"""Webhook subscriptions at Debitura, managed from the dashboard, and the health of their deliveries.

Debitura shows a subscription's signing secret once, on creation and on rotation; it goes
straight to the receiver's secret store (`webhook_secrets.store_secret`) and nowhere else:
never into a page, a log line or the audit trail. After a rotation the previous secret is
still accepted for a grace period, so deliveries already signed with it are not lost.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any, TypeVar

from flask import current_app
from sqlalchemy import func, select

from dashboard.authz import Actor, ensure_role
from dashboard.debitura import (
    DebituraClient,
    DebituraError,
    TestWebhookRequest,
    Webhook,
    WebhookSubscription,
    WebhookUpdate,
)
from dashboard.durations import duration
from dashboard.extensions import db
from dashboard.models import WebhookEvent, WebhookRejection
from dashboard.models.base import debitura_now
from dashboard.services import audit
from dashboard.services.errors import WebhookAdminError
from dashboard.services.mirror_events import KNOWN_EVENTS
from dashboard.services.webhook_secrets import accepted_secrets, store_secret

__all__ = ["WebhookAdminError"]

# Every event the receiver knows how to apply (Debitura's newest documented list, DOMAIN.md).
EVENTS = KNOWN_EVENTS
# What POST /v1/Webhooks/test can send, and the id each one needs.
TEST_EVENTS = {
    "case.created": "case",
    "case.updated": "case",
    "case.closed": "case",
    "client.linked": "tenant",
    "client.link_declined": "tenant",
    "client.onboarding.poa_signed": "tenant",
    "client.onboarding.contract_signed": "tenant",
}
RECEIVER_PATH = "/webhooks/debitura"
HEALTH_WINDOW = timedelta(hours=24)

R = TypeVar("R")


def receiver_url() -> str:
    """Where Debitura should deliver: this dashboard's own receiver."""
    return current_app.config["DASHBOARD_PUBLIC_URL"].rstrip("/") + RECEIVER_PATH


def can_send_test_events() -> bool:
    """Debitura sends test events only in its test environment (403 in production); the sandbox mimics test."""
    return current_app.config["DEBITURA_ENV"] in ("test", "sandbox")


def rotation_grace_seconds() -> int:
    """How long a replaced signing secret stays accepted (WEBHOOK_ROTATION_GRACE_SECONDS)."""
    return int(current_app.config["WEBHOOK_ROTATION_GRACE_SECONDS"])


def rotation_grace_phrase() -> str:
    """What happens to the replaced secret, in words, for the confirmation and the flash."""
    grace = rotation_grace_seconds()
    if grace == 0:
        return "the old one is no longer accepted"
    return f"the old one is still accepted for {duration(grace)}"


def _store_secret(secret: str | None) -> bool:
    if not secret:
        return False
    store_secret(secret, grace_seconds=rotation_grace_seconds())
    return True


def _call(action: str, what: str, call: Callable[[DebituraClient], R], *, actor: Actor, debitura: DebituraClient) -> R:
    """One Debitura call for `actor`; a failure is recorded with Debitura's status, then propagates."""
    try:
        return call(debitura)
    except DebituraError as error:
        audit.record(
            action,
            outcome=audit.FAILED,
            summary=f"{what} failed: {error.user_message}",
            debitura_status=error.http_status,
            operator=actor,
        )
        raise


def _done(action: str, summary: str, *, actor: Actor, status: int = 200, outcome: str = audit.OK, **about) -> None:
    audit.record(action, outcome=outcome, summary=summary, debitura_status=status, operator=actor, **about)


def list_subscriptions(*, actor: Actor, debitura: DebituraClient) -> list[Webhook]:
    """Every subscription Debitura holds for the partner, active first (secrets are never listed)."""
    ensure_role("admin", actor)
    # A read changes nothing, so only a failure is recorded: opening the page leaves no trace.
    webhooks = _call(
        "webhook.list",
        "Listing subscriptions",
        lambda api: api.referral.list_webhooks(),
        actor=actor,
        debitura=debitura,
    )
    return sorted(webhooks, key=lambda webhook: (not webhook.is_active, webhook.url or ""))


def get_subscription(webhook_id: str, *, actor: Actor, debitura: DebituraClient) -> Webhook:
    ensure_role("admin", actor)
    return _call(
        "webhook.get",
        f"Reading subscription {webhook_id}",
        lambda api: api.referral.get_webhook(webhook_id),
        actor=actor,
        debitura=debitura,
    )


def create_subscription(
    url: str, events: Iterable[str], *, is_test_mode: bool = False, actor: Actor, debitura: DebituraClient
) -> Webhook:
    """Subscribe `url` to `events`; the secret Debitura returns is stored for the receiver."""
    ensure_role("admin", actor)
    events = _checked_events(events)
    mode = " (test mode)" if is_test_mode else ""
    webhook = _call(
        "webhook.create",
        f"Subscribing {url} to {len(events)} event(s){mode}",
        lambda api: api.referral.create_webhook(WebhookSubscription(url, tuple(events), is_test_mode)),
        actor=actor,
        debitura=debitura,
    )
    stored = _store_secret(webhook.secret)
    _done("webhook.create", f"Created subscription {webhook.id} for {url}{mode}; {_secret_note(stored)}", actor=actor)
    return webhook


def update_events(webhook_id: str, events: Iterable[str], *, actor: Actor, debitura: DebituraClient) -> Webhook:
    ensure_role("admin", actor)
    events = _checked_events(events)
    webhook = _call(
        "webhook.events",
        f"Changing the events of {webhook_id}",
        lambda api: api.referral.update_webhook(webhook_id, WebhookUpdate(events=tuple(events))),
        actor=actor,
        debitura=debitura,
    )
    _done("webhook.events", f"Subscription {webhook_id} now listens to: {', '.join(events)}", actor=actor)
    return webhook


def set_active(webhook_id: str, active: bool, *, actor: Actor, debitura: DebituraClient) -> Webhook:
    """Disable a subscription, or enable it again (this also re-enables one Debitura disabled)."""
    ensure_role("admin", actor)
    action, verb = ("webhook.enable", "Enabled") if active else ("webhook.disable", "Disabled")
    webhook = _call(
        action,
        f"{verb} {webhook_id}",
        lambda api: api.referral.update_webhook(webhook_id, WebhookUpdate(is_active=active)),
        actor=actor,
        debitura=debitura,
    )
    _done(action, f"{verb} subscription {webhook_id}", actor=actor)
    return webhook


def rotate_secret(webhook_id: str, *, actor: Actor, debitura: DebituraClient) -> Webhook:
    """A new signing secret, stored at once; the old one stays accepted for the grace period."""
    ensure_role("admin", actor)
    webhook = _call(
        "webhook.rotate",
        f"Rotating the secret of {webhook_id}",
        lambda api: api.referral.update_webhook(webhook_id, WebhookUpdate(regenerate_secret=True)),
        actor=actor,
        debitura=debitura,
    )
    stored = _store_secret(webhook.secret)
    _done(
        "webhook.rotate",
        f"Rotated the secret of {webhook_id}; {_secret_note(stored)}",
        actor=actor,
        outcome=audit.OK if stored else audit.FAILED,
    )
    return webhook


def delete_subscription(webhook_id: str, *, actor: Actor, debitura: DebituraClient) -> None:
    """Remove the subscription at Debitura (its delivery history there is lost)."""
    ensure_role("admin", actor)
    _call(
        "webhook.delete",
        f"Deleting {webhook_id}",
        lambda api: api.referral.delete_webhook(webhook_id),
        actor=actor,
        debitura=debitura,
    )
    _done("webhook.delete", f"Deleted subscription {webhook_id}", actor=actor, status=204)


def send_test_event(
    event_type: str,
    *,
    case_id: str | None = None,
    external_tenant_id: str | None = None,
    actor: Actor,
    debitura: DebituraClient,
) -> int:
    """Ask Debitura to deliver a test event about a real case or client; returns how many deliveries it queued."""
    ensure_role("admin", actor)
    if not can_send_test_events():
        raise WebhookAdminError("Debitura sends test events only in its test environment.")
    needs = TEST_EVENTS.get(event_type)
    if needs is None:
        raise WebhookAdminError(f"Debitura cannot send a test {event_type!r} event.")
    if needs == "case" and not case_id:
        raise WebhookAdminError("A case event needs the reference or id of one of your cases.")
    if needs == "tenant" and not external_tenant_id:
        raise WebhookAdminError("A client event needs the tenant id of one of your linked clients.")
    about: dict[str, Any]
    if needs == "case":
        request, about = TestWebhookRequest(event_type, case_id=case_id), {"case_id": case_id}
    else:
        request = TestWebhookRequest(event_type, external_tenant_id=external_tenant_id)
        about = {"external_tenant_id": external_tenant_id}
    answer = _call(
        "webhook.test",
        f"Test {event_type}",
        lambda api: api.referral.trigger_test_webhook(request),
        actor=actor,
        debitura=debitura,
    )
    enqueued = answer.enqueued_count
    _done("webhook.test", f"Test {event_type} queued for {enqueued} subscription(s)", actor=actor, **about)
    return enqueued


@dataclass(frozen=True)
class DeliveryHealth:
    """What the receiver saw over the last 24 hours, and the last delivery ever."""

    last_delivery_at: datetime | None
    events_24h: int
    failed_24h: int
    last_failure_at: datetime | None
    rejections_24h: dict[str, int] = field(default_factory=dict)
    last_rejection_at: datetime | None = None
    accepted_secrets: int = 0  # how many secrets the receiver accepts now (never which)

    @property
    def rejected_24h(self) -> int:
        return sum(self.rejections_24h.values())


def delivery_health(now: datetime | None = None) -> DeliveryHealth:
    """Three aggregate queries, whatever the volume."""
    now = now or debitura_now()
    since = now - HEALTH_WINDOW
    recent = WebhookEvent.received_at > since
    failed = WebhookEvent.outcome == "failed"
    events = db.session.execute(
        select(
            func.max(WebhookEvent.received_at),
            func.count().filter(recent),
            func.count().filter(recent, failed),
            func.max(WebhookEvent.received_at).filter(failed),
        )
    ).one()
    rejections = dict(
        db.session.execute(
            select(WebhookRejection.reason, func.sum(WebhookRejection.count))
            .where(WebhookRejection.received_at > since)
            .group_by(WebhookRejection.reason)
        ).all()
    )
    last_rejection = db.session.scalar(
        select(func.max(func.coalesce(WebhookRejection.last_at, WebhookRejection.received_at)))
    )
    return DeliveryHealth(
        last_delivery_at=events[0],
        events_24h=events[1] or 0,
        failed_24h=events[2] or 0,
        last_failure_at=events[3],
        rejections_24h=rejections,
        last_rejection_at=last_rejection,
        accepted_secrets=len(accepted_secrets(now)),
    )


def _checked_events(events: Iterable[str]) -> list[str]:
    chosen = [event for event in EVENTS if event in set(events)]
    if not chosen:
        raise WebhookAdminError("Choose at least one event.")
    return chosen


def _secret_note(stored: bool) -> str:
    return "signing secret stored" if stored else "Debitura returned no signing secret"
