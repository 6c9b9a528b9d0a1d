"""Sync runs, and the leases that keep work single-flight across processes."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import JSON, Float, Index, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from dashboard.models.base import Model, debitura_now

RUNNING, SUCCEEDED, FAILED, INTERRUPTED = "running", "succeeded", "failed", "interrupted"
# Phases in order; a resumed run continues at `phase` / `next_page`.
PHASES = ("clients", "missing", "cases", "done")


class SyncRun(Model):
    __tablename__ = "sync_runs"

    id: Mapped[int] = mapped_column(primary_key=True)
    status: Mapped[str] = mapped_column(String(20), default=RUNNING)  # running|succeeded|failed|interrupted
    trigger: Mapped[str] = mapped_column(String(20), default="cli")  # cli|admin|schedule
    operator_id: Mapped[int | None]
    holder: Mapped[str | None] = mapped_column(String(100))  # lease holder doing the work
    phase: Mapped[str] = mapped_column(String(20), default="clients")  # clients|missing|cases|done
    next_page: Mapped[int] = mapped_column(default=1)  # where a resumed run continues
    total_pages: Mapped[int | None]  # of the current phase
    # Pages after `next_page` already applied (pages arrive out of order); a resumed run skips them.
    pages_done: Mapped[list] = mapped_column(JSON, default=list)
    resumed: Mapped[int] = mapped_column(default=0)
    clients_seen: Mapped[int] = mapped_column(default=0)
    cases_seen: Mapped[int] = mapped_column(default=0)
    tenants_changed: Mapped[int] = mapped_column(default=0)
    tenants_missing: Mapped[int] = mapped_column(default=0)
    cases_changed: Mapped[int] = mapped_column(default=0)
    calls_made: Mapped[int] = mapped_column(default=0)
    errors: Mapped[list] = mapped_column(JSON, default=list)
    message: Mapped[str | None] = mapped_column(Text)
    started_at: Mapped[datetime] = mapped_column(default=debitura_now)
    heartbeat_at: Mapped[datetime] = mapped_column(default=debitura_now)
    finished_at: Mapped[datetime | None]
    # A resumed run works in stretches: the time worked before the latest resumption, and when that
    # resumption began, so the idle time between a failure and its resumption is not counted.
    worked_seconds: Mapped[float] = mapped_column(Float, default=0.0, server_default="0")
    resumed_at: Mapped[datetime | None]

    __table_args__ = (Index("ix_sync_runs_started_at", "started_at"),)

    @property
    def duration_seconds(self) -> float | None:
        """Time spent working: every stretch of a resumed run, not the pauses between them."""
        end = self.finished_at or self.heartbeat_at
        if end is None:
            return None
        return (self.worked_seconds or 0.0) + (end - (self.resumed_at or self.started_at)).total_seconds()

    @property
    def last_worked_at(self) -> datetime:
        """When the run last did anything: its end once finished, else its latest heartbeat."""
        return self.finished_at or self.heartbeat_at or self.started_at

    @property
    def finished(self) -> bool:
        return self.status != RUNNING

    @property
    def progress_percent(self) -> int:
        """A rough share of the work done, for the progress bar: clients 0-45, missing 45-50, cases 50-100."""
        if self.phase == "done":
            return 100
        share = 0.0
        if self.total_pages:
            share = min(1.0, (self.next_page - 1 + len(self.pages_done or [])) / self.total_pages)
        start, width = {"clients": (0, 45), "missing": (45, 5), "cases": (50, 50)}.get(self.phase, (0, 0))
        return int(start + width * share)


class Lease(Model):
    """A named lock with an expiry; whoever holds an unexpired lease does the work."""

    __tablename__ = "leases"

    name: Mapped[str] = mapped_column(String(200), primary_key=True)
    holder: Mapped[str] = mapped_column(String(100))
    expires_at: Mapped[datetime]
