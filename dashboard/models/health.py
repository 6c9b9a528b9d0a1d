"""Whether Debitura answered lately, shared by every worker: the outage banner reads it."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import String
from sqlalchemy.orm import Mapped, mapped_column

from dashboard.models.base import Model


class DebituraHealth(Model):
    __tablename__ = "debitura_health"

    id: Mapped[int] = mapped_column(primary_key=True)  # a single row, id 1
    unreachable_since: Mapped[datetime | None]
    last_ok_at: Mapped[datetime | None]
    last_error: Mapped[str | None] = mapped_column(String(200))
