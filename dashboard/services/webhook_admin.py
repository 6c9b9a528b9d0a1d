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
from typing import TypeVar

from flask import current_app
from sqlalchemy import func, select

from dashboard.authz import ensure_role
from dashboard.debitura import DebituraClient, DebituraError, Webhook
from dashboard.extensions import db
from dashboard.models import WebhookEvent, WebhookRejection
from dashboard.models.base import now_utc
from dashboard.services import audit

# Debitura's referral-partner events, newest documented list (DOMAIN.md).
EVENTS = (
    "client.onboarding.poa_signed",
    "client.onboarding.contract_signed",
    "client.linked",
    "client.link_declined",
    "client.link_requested",
    "client.link_expired",
    "case.created",
    "case.updated",
    "case.closed",
    "cases.replay_failed",
)
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
ROTATION_GRACE_SECONDS = 86400
HEALTH_WINDOW = timedelta(hours=24)

R = TypeVar("R")


class WebhookAdminError(ValueError):
    """A subscription change the dashboard refuses before asking Debitura."""


def _client(debitura: DebituraClient | None) -> DebituraClient:
    if debitura is not None:
        return debitura
    from dashboard.wiring import debitura as app_client

    return app_client()


def receiver_url() -> str:
    """Where Debitura should deliver: this dashboard's own receiver."""
    return current_app.config["DASHBOARD_PUBLIC_URL"].rstrip("/") + RECEIVER_PATH


def can_send_test_events() -> bool:
    """Debitura sends test events only in its test environment (403 in production); the sandbox mimics test."""
    return current_app.config["DEBITURA_ENV"] in ("test", "sandbox")


def _store_secret(secret: str | None) -> bool:
    if not secret:
        return False
    from dashboard.services.webhook_secrets import store_secret

    store_secret(secret, grace_seconds=int(current_app.config.get("WEBHOOK_ROTATION_GRACE_SECONDS", ROTATION_GRACE_SECONDS)))
    return True


def _audited(action: str, summary: str, call: Callable[[], R], *, actor) -> R:
    """Run one Debitura call; a refusal or failure is recorded with Debitura's status before it propagates."""
    try:
        return call()
    except DebituraError as error:
        audit.record(
            action,
            outcome=audit.FAILED,
            summary=f"{summary}: {error.user_message or type(error).__name__}",
            debitura_status=error.http_status,
            operator=actor,
        )
        raise


def list_subscriptions(*, actor, debitura: DebituraClient | None = None) -> list[Webhook]:
    """Every subscription Debitura holds for the partner (secrets are never listed)."""
    ensure_role("viewer", actor)
    webhooks = _audited("webhook.list", "Listing webhook subscriptions", _client(debitura).referral.list_webhooks, actor=actor)
    audit.record("webhook.list", outcome=audit.OK, summary=f"Listed {len(webhooks)} webhook subscription(s)", debitura_status=200, operator=actor)
    return sorted(webhooks, key=lambda webhook: (not webhook.is_active, webhook.url or ""))


def get_subscription(webhook_id: str, *, actor, debitura: DebituraClient | None = None) -> Webhook:
    ensure_role("viewer", actor)
    webhook = _audited(
        "webhook.get", f"Reading subscription {webhook_id}", lambda: _client(debitura).referral.get_webhook(webhook_id), actor=actor
    )
    audit.record("webhook.get", outcome=audit.OK, summary=f"Read subscription {webhook_id}", debitura_status=200, operator=actor)
    return webhook


def create_subscription(
    url: str, events: Iterable[str], *, is_test_mode: bool = False, actor, debitura: DebituraClient | None = None
) -> Webhook:
    """Subscribe `url` to `events`; the secret Debitura returns is stored for the receiver."""
    ensure_role("admin", actor)
    events = _checked_events(events)
    summary = f"Subscribing {url} to {len(events)} event(s){' (test mode)' if is_test_mode else ''}"
    webhook = _audited(
        "webhook.create",
        summary,
        lambda: _client(debitura).referral.create_webhook(url=url, events=events, is_test_mode=is_test_mode),
        actor=actor,
    )
    stored = _store_secret(webhook.secret)
    audit.record(
        "webhook.create",
        outcome=audit.OK,
        summary=f"Created subscription {webhook.id} for {url}; {_secret_note(stored)}",
        debitura_status=200,
        operator=actor,
    )
    return webhook


def update_events(webhook_id: str, events: Iterable[str], *, actor, debitura: DebituraClient | None = None) -> Webhook:
    ensure_role("admin", actor)
    events = _checked_events(events)
    webhook = _audited(
        "webhook.events",
        f"Changing the events of {webhook_id}",
        lambda: _client(debitura).referral.update_webhook(webhook_id, events=events),
        actor=actor,
    )
    audit.record(
        "webhook.events",
        outcome=audit.OK,
        summary=f"Subscription {webhook_id} now listens to: {', '.join(events)}",
        debitura_status=200,
        operator=actor,
    )
    return webhook


def set_active(webhook_id: str, active: bool, *, actor, debitura: DebituraClient | None = None) -> Webhook:
    """Disable a subscription, or enable it again (this also re-enables one Debitura disabled)."""
    ensure_role("admin", actor)
    verb = "Enabled" if active else "Disabled"
    webhook = _audited(
        "webhook.enable" if active else "webhook.disable",
        f"{verb[:-1]}ing {webhook_id}",
        lambda: _client(debitura).referral.update_webhook(webhook_id, is_active=active),
        actor=actor,
    )
    audit.record(
        "webhook.enable" if active else "webhook.disable",
        outcome=audit.OK,
        summary=f"{verb} subscription {webhook_id}",
        debitura_status=200,
        operator=actor,
    )
    return webhook


def rotate_secret(webhook_id: str, *, actor, debitura: DebituraClient | None = None) -> Webhook:
    """A new signing secret, stored at once; the old one stays accepted for the grace period."""
    ensure_role("admin", actor)
    webhook = _audited(
        "webhook.rotate",
        f"Rotating the secret of {webhook_id}",
        lambda: _client(debitura).referral.update_webhook(webhook_id, regenerate_secret=True),
        actor=actor,
    )
    stored = _store_secret(webhook.secret)
    audit.record(
        "webhook.rotate",
        outcome=audit.OK if stored else audit.FAILED,
        summary=f"Rotated the secret of {webhook_id}; {_secret_note(stored)}",
        debitura_status=200,
        operator=actor,
    )
    return webhook


def delete_subscription(webhook_id: str, *, actor, debitura: DebituraClient | None = None) -> None:
    """Remove the subscription at Debitura (its delivery history there is lost)."""
    ensure_role("admin", actor)
    _audited(
        "webhook.delete",
        f"Deleting {webhook_id}",
        lambda: _client(debitura).referral.delete_webhook(webhook_id),
        actor=actor,
    )
    audit.record("webhook.delete", outcome=audit.OK, summary=f"Deleted subscription {webhook_id}", debitura_status=204, operator=actor)


def send_test_event(
    event_type: str,
    *,
    case_id: str | None = None,
    external_tenant_id: str | None = None,
    actor,
    debitura: DebituraClient | None = None,
) -> int:
    """Ask Debitura to deliver a test event about a real case or client; returns how many deliveries it queued."""
    ensure_role("admin", actor)
    if not can_send_test_events():
        raise WebhookAdminError("Debitura sends test events only in its test environment.")
    needs = TEST_EVENTS.get(event_type)
    if needs is None:
        raise WebhookAdminError(f"Debitura cannot send a test {event_type!r} event.")
    payload: dict[str, str] = {"eventType": event_type}
    if needs == "case":
        if not case_id:
            raise WebhookAdminError("A case event needs the id of one of your cases.")
        payload["caseId"] = case_id
    else:
        if not external_tenant_id:
            raise WebhookAdminError("A client event needs the tenant id of one of your linked clients.")
        payload["externalTenantId"] = external_tenant_id
    answer = _audited(
        "webhook.test",
        f"Test {event_type}",
        lambda: _client(debitura).referral.trigger_test_webhook(payload),
        actor=actor,
    )
    enqueued = int(answer.get("enqueuedCount") or 0)
    audit.record(
        "webhook.test",
        outcome=audit.OK,
        summary=f"Test {event_type} queued for {enqueued} subscription(s)",
        external_tenant_id=external_tenant_id if needs == "tenant" else None,
        case_id=case_id if needs == "case" else None,
        debitura_status=200,
        operator=actor,
    )
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
    accepted_secrets: int | None = None  # how many secrets the receiver accepts now (never which)

    @property
    def rejected_24h(self) -> int:
        return sum(self.rejections_24h.values())


def delivery_health(now: datetime | None = None) -> DeliveryHealth:
    """Three aggregate queries, whatever the volume."""
    now = now or now_utc()
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
            select(WebhookRejection.reason, func.count())
            .where(WebhookRejection.received_at > since)
            .group_by(WebhookRejection.reason)
        ).all()
    )
    last_rejection = db.session.scalar(select(func.max(WebhookRejection.received_at)))
    return DeliveryHealth(
        last_delivery_at=events[0],
        events_24h=events[1] or 0,
        failed_24h=events[2] or 0,
        last_failure_at=events[3],
        rejections_24h=rejections,
        last_rejection_at=last_rejection,
        accepted_secrets=_accepted_secret_count(now),
    )


def _accepted_secret_count(now: datetime) -> int | None:
    try:
        from dashboard.services.webhook_secrets import accepted_secrets
    except ImportError:  # the receiver's secret store is optional for this page
        return None
    return len(accepted_secrets(now))


def _checked_events(events: Iterable[str]) -> list[str]:
    chosen = [event for event in EVENTS if event in set(events)]
    if not chosen:
        raise WebhookAdminError("Choose at least one event.")
    return chosen


def _secret_note(stored: bool) -> str:
    return "signing secret stored" if stored else "Debitura returned no signing secret"
