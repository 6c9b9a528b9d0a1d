"""Named leases in the database: single-flight work across workers and instances.

Each call runs in its own short transaction on its own connection, so a lease is
visible to every process at once and never rides on a caller's open transaction.
"""

from __future__ import annotations

import time
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import timedelta

from sqlalchemy import delete, insert, or_, update
from sqlalchemy.exc import IntegrityError

from dashboard.extensions import db
from dashboard.models import Lease
from dashboard.models.base import now_utc

_table = Lease.__table__


def acquire(name: str, holder: str, ttl_seconds: float) -> bool:
    """Take the lease if it is free, expired, or already ours."""
    now = now_utc()
    until = now + timedelta(seconds=ttl_seconds)
    with db.engine.begin() as connection:
        taken = connection.execute(
            update(_table)
            .where(_table.c.name == name, or_(_table.c.expires_at < now, _table.c.holder == holder))
            .values(holder=holder, expires_at=until)
        )
        if taken.rowcount == 1:
            return True
    try:
        with db.engine.begin() as connection:
            connection.execute(insert(_table).values(name=name, holder=holder, expires_at=until))
        return True
    except IntegrityError:
        return False


def renew(name: str, holder: str, ttl_seconds: float) -> bool:
    """Extend our lease; False means somebody else took it over (ours had expired)."""
    with db.engine.begin() as connection:
        result = connection.execute(
            update(_table)
            .where(_table.c.name == name, _table.c.holder == holder)
            .values(expires_at=now_utc() + timedelta(seconds=ttl_seconds))
        )
        return result.rowcount == 1


def release(name: str, holder: str) -> None:
    with db.engine.begin() as connection:
        connection.execute(delete(_table).where(_table.c.name == name, _table.c.holder == holder))


@contextmanager
def held(
    name: str, holder: str, *, ttl_seconds: float = 30, wait_seconds: float = 15, poll: float = 0.02
) -> Iterator[bool]:
    """Wait up to `wait_seconds` for the lease; yields whether it was obtained."""
    deadline = time.monotonic() + wait_seconds
    obtained = acquire(name, holder, ttl_seconds)
    while not obtained and time.monotonic() < deadline:
        time.sleep(poll)
        obtained = acquire(name, holder, ttl_seconds)
    try:
        yield obtained
    finally:
        if obtained:
            release(name, holder)
