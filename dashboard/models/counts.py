"""List counts remembered until the rows they count change."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import JSON, String
from sqlalchemy.orm import Mapped, mapped_column

from dashboard.models.base import Model, now_utc


class CountCache(Model):
    """Counts over a whole table (e.g. cases per lifecycle), valid while `marker` is the table's change marker.

    In the database, so every worker and instance shares one copy and a change seen by any of
    them is seen by all.
    """

    __tablename__ = "count_cache"

    key: Mapped[str] = mapped_column(String(100), primary_key=True)
    marker: Mapped[str] = mapped_column(String(100))
    counts: Mapped[dict] = mapped_column(JSON)
    computed_at: Mapped[datetime] = mapped_column(default=now_utc)
