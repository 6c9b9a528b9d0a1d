"""What unauthenticated traffic leaves in the database: counters per source and minute, pruned.

Refused webhook deliveries and failed sign-ins come from anyone who can reach the dashboard,
so each adds to the counter of its (source, minute) instead of adding a row: a flood costs
one row per source and minute, and rows are pruned as new ones arrive (and by `flask prune`).
"""

from __future__ import annotations

from datetime import datetime, timedelta

from flask import current_app
from sqlalchemy import delete

from dashboard.database import insert_for
from dashboard.extensions import db
from dashboard.models import LoginFailure, WebhookRejection
from dashboard.models.base import now_utc
from dashboard.orm import rows_matched


def minute_of(moment: datetime) -> datetime:
    return moment.replace(second=0, microsecond=0)


def count_in_minute(model, minute_column: str, keys: dict, *, now: datetime) -> int:
    """Add one to the row of `keys` for the minute of `now` (creating it); the row's new count.

    One statement, so parallel workers add up instead of overwriting each other.
    """
    table = model.__table__
    columns = [*keys, minute_column]
    statement = (
        insert_for(db.engine, model)
        .values(**keys, **{minute_column: minute_of(now)}, count=1, last_at=now)
        .on_conflict_do_update(index_elements=columns, set_={"count": table.c.count + 1, "last_at": now})
        .returning(table.c.count)
    )
    return db.session.execute(statement).scalar_one()


def retention() -> timedelta:
    return timedelta(days=int(current_app.config["UNAUTHENTICATED_RETENTION_DAYS"]))


def login_window() -> timedelta:
    return timedelta(seconds=int(current_app.config["LOGIN_THROTTLE_WINDOW_SECONDS"]))


def prune_rejections(now: datetime) -> int:
    return rows_matched(
        db.session.execute(delete(WebhookRejection).where(WebhookRejection.received_at < now - retention()))
    )


def prune_login_failures(now: datetime) -> int:
    """A failure counts only within the throttle window; past it, it is of no use to anyone."""
    return rows_matched(db.session.execute(delete(LoginFailure).where(LoginFailure.last_at <= now - login_window())))


def prune(now: datetime | None = None) -> int:
    """Delete what has outlived its use; how many rows went."""
    now = now or now_utc()
    removed = prune_rejections(now) + prune_login_failures(now)
    db.session.commit()
    return removed
