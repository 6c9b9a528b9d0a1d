"""Debitura's rate limits, when switched on: per API key 2,000 calls a minute, 20,000 an hour and
100,000 a day, each over a sliding window.

Calls are counted in one-second buckets (for the minute) and one-minute buckets (for the hour and
the day) in the database, so every process sharing it sees the same counts. The control panel sets
the per-minute limit; the hourly and daily limits keep Debitura's ratio to it (x10, x50).
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import delete, func, select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from dashboard.orm import rows_matched
from dashboard.sandbox.models import RateBucket

# (window in seconds, bucket resolution in seconds, limit as a multiple of the per-minute limit)
WINDOWS = ((60, 1, 1), (3600, 60, 10), (86400, 60, 50))


@dataclass(frozen=True)
class Verdict:
    limit: int  # the per-minute limit, reported in X-RateLimit-Limit
    remaining: int  # calls left in the tightest window
    retry_after: int | None  # seconds until a call is allowed again; None while allowed


def _count(s: Session, scope: str, resolution: int, start: int) -> None:
    bumped = s.execute(
        update(RateBucket)
        .where(RateBucket.scope == scope, RateBucket.resolution == resolution, RateBucket.start == start)
        .values(count=RateBucket.count + 1)
        .execution_options(synchronize_session=False)
    )
    if rows_matched(bumped) == 0:
        try:
            with s.begin_nested():
                s.add(RateBucket(scope=scope, resolution=resolution, start=start, count=1))
        except IntegrityError:  # another process created the bucket first
            _count(s, scope, resolution, start)


def record_call(s: Session, scope: str, now: datetime, per_minute: int) -> Verdict:
    """Admit one call of `scope` unless a window is full; a refused call is not counted."""
    moment = math.floor(now.timestamp())
    minute = moment - moment % 60
    s.execute(
        delete(RateBucket).where(
            RateBucket.scope == scope,
            ((RateBucket.resolution == 1) & (RateBucket.start <= moment - 60))
            | ((RateBucket.resolution == 60) & (RateBucket.start <= minute - 86400)),
        )
    )
    remaining = per_minute
    waits = []
    for window, resolution, factor in WINDOWS:
        limit = per_minute * factor
        edge = (moment if resolution == 1 else minute) - window
        in_window = (RateBucket.scope == scope, RateBucket.resolution == resolution, RateBucket.start > edge)
        used = s.scalars(select(func.coalesce(func.sum(RateBucket.count), 0)).where(*in_window)).one()
        remaining = min(remaining, max(limit - used - 1, 0))
        if used >= limit:
            oldest = s.scalars(select(func.min(RateBucket.start)).where(*in_window)).one()
            waits.append(max(1, oldest + window - moment))  # when the oldest counted bucket leaves
    if waits:
        return Verdict(per_minute, 0, max(waits))
    _count(s, scope, 1, moment)
    _count(s, scope, 60, minute)
    return Verdict(per_minute, remaining, None)
