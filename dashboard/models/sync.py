"""Sync runs, and the leases that keep work single-flight across processes."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import JSON, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from dashboard.extensions import db
from dashboard.models.base import now_utc


class SyncRun(db.Model):
    __tablename__ = "sync_runs"

    id: Mapped[int] = mapped_column(primary_key=True)
    status: Mapped[str] = mapped_column(String(20), default="running")  # running|succeeded|failed|interrupted
    trigger: Mapped[str] = mapped_column(String(20), default="cli")  # cli|admin|schedule
    operator_id: Mapped[int | None]
    phase: Mapped[str] = mapped_column(String(20), default="clients")  # clients|cases|done
    next_page: Mapped[int] = mapped_column(default=1)  # where a resumed run continues
    total_pages: Mapped[int | None]
    clients_seen: Mapped[int] = mapped_column(default=0)
    cases_seen: Mapped[int] = mapped_column(default=0)
    tenants_changed: Mapped[int] = mapped_column(default=0)
    cases_changed: Mapped[int] = mapped_column(default=0)
    calls_made: Mapped[int] = mapped_column(default=0)
    errors: Mapped[list] = mapped_column(JSON, default=list)
    message: Mapped[str | None] = mapped_column(Text)
    started_at: Mapped[datetime] = mapped_column(default=now_utc)
    heartbeat_at: Mapped[datetime] = mapped_column(default=now_utc)
    finished_at: Mapped[datetime | None]

    @property
    def duration_seconds(self) -> float | None:
        end = self.finished_at or self.heartbeat_at
        return (end - self.started_at).total_seconds() if end else None


class Lease(db.Model):
    """A named lock with an expiry; whoever holds an unexpired lease does the work."""

    __tablename__ = "leases"

    name: Mapped[str] = mapped_column(String(200), primary_key=True)
    holder: Mapped[str] = mapped_column(String(100))
    expires_at: Mapped[datetime]
