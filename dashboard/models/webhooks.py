"""Webhook deliveries received from Debitura: every accepted event once, every refusal counted."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import Index, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from dashboard.models.base import Model, debitura_now, now_utc

# What happened to an accepted event when it was applied to the mirror.
APPLIED, STALE, UNKNOWN_TYPE, FAILED, RECORDED, TEST = "applied", "stale", "unknown_type", "failed", "recorded", "test"


class WebhookEvent(Model):
    __tablename__ = "webhook_events"

    id: Mapped[int] = mapped_column(primary_key=True)
    event_id: Mapped[str] = mapped_column(String(100), unique=True)  # dedupe key across workers
    event_type: Mapped[str] = mapped_column(String(100))
    occurred_at: Mapped[datetime | None]
    received_at: Mapped[datetime] = mapped_column(default=debitura_now)
    external_tenant_id: Mapped[str | None] = mapped_column(String(255))
    case_id: Mapped[str | None] = mapped_column(String(64))
    is_test: Mapped[bool] = mapped_column(default=False)
    payload: Mapped[str] = mapped_column(Text)  # the raw JSON body, kept for the timeline
    outcome: Mapped[str] = mapped_column(
        String(20), default="received"
    )  # applied|stale|unknown_type|failed|recorded|test
    error: Mapped[str | None] = mapped_column(Text)
    duplicates: Mapped[int] = mapped_column(default=0)
    last_duplicate_at: Mapped[datetime | None]

    __table_args__ = (
        Index("ix_webhook_events_tenant", "external_tenant_id", "received_at"),
        Index("ix_webhook_events_case", "case_id"),
        Index("ix_webhook_events_received_at", "received_at"),
    )


class WebhookRejection(Model):
    """Deliveries refused before they were read (forged, stale or malformed), counted per source and minute.

    A flood of forgeries adds to `count` instead of adding rows; rows older than
    UNAUTHENTICATED_RETENTION_DAYS are pruned.
    """

    __tablename__ = "webhook_rejections"

    id: Mapped[int] = mapped_column(primary_key=True)
    received_at: Mapped[datetime] = mapped_column(default=debitura_now)  # the start of the minute
    reason: Mapped[str] = mapped_column(String(40))  # missing_signature|bad_signature|stale|malformed|no_secret
    remote_addr: Mapped[str] = mapped_column(String(64), default="")  # "" when unknown
    count: Mapped[int] = mapped_column(default=1, server_default="1")
    last_at: Mapped[datetime | None]  # the newest refusal counted here

    __table_args__ = (
        Index("ix_webhook_rejections_received_at", "received_at"),
        Index("ux_webhook_rejections_minute_reason_addr", "received_at", "reason", "remote_addr", unique=True),
    )


class WebhookSecret(Model):
    """A signing secret of a subscription, encrypted; a replaced one stays valid until `grace_until`."""

    __tablename__ = "webhook_secrets"

    id: Mapped[int] = mapped_column(primary_key=True)
    ciphertext: Mapped[str] = mapped_column(Text)
    fingerprint: Mapped[str] = mapped_column(String(16))  # first hex digits of a SHA-256, to spot re-stores
    created_at: Mapped[datetime] = mapped_column(default=now_utc)
    retired_at: Mapped[datetime | None]  # None while it is the current secret
    grace_until: Mapped[datetime | None]
