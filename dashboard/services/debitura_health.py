"""Notice when Debitura stops answering and when it answers again, for every worker at once.

Every call to Debitura passes through `HealthTrackingSession`; a connection failure, a
timeout or a 502/503/504 marks Debitura unreachable in the database, the next answer
clears it. Pages then show a banner and say how old the mirror's data is. Writes are
rare (on a change of state, or at most every few seconds) and never wait on a lock:
this is advice for the banner, not a record that must be complete.
"""

from __future__ import annotations

import threading
import time
from dataclasses import dataclass
from datetime import datetime

import requests
from flask import Flask, current_app
from sqlalchemy import func, insert, select, update

from dashboard.extensions import db
from dashboard.models import DebituraHealth, SyncRun, WebhookEvent
from dashboard.models.base import now_utc
from dashboard.models.sync import SUCCEEDED

OUTAGE_STATUSES = frozenset({502, 503, 504})
WRITE_EVERY_SECONDS = 10.0
READ_CACHE_SECONDS = 2.0
_ROW = 1
_table = DebituraHealth.__table__


@dataclass(frozen=True)
class Outage:
    since: datetime
    last_ok_at: datetime | None
    error: str | None
    # When the mirror last took in news from Debitura (a finished sync or an applied webhook): what
    # pages show is that old, whenever the outage began.
    mirror_as_of: datetime | None = None


class _ProcessMemo:
    """What this process last wrote, so a burst of calls writes once."""

    def __init__(self) -> None:
        self.lock = threading.Lock()
        self.unreachable = False
        self.written_at = 0.0
        self.read_at = 0.0
        self.outage: Outage | None = None


def _memo_for(app: Flask) -> _ProcessMemo:
    """One memo per app in this process (tests build many apps; each has its own database)."""
    return app.extensions.setdefault("debitura_health_memo", _ProcessMemo())


class HealthTrackingSession(requests.Session):
    """A requests.Session that reports Debitura's reachability after every exchange."""

    def __init__(self, app: Flask) -> None:
        super().__init__()
        self._app = app
        self.clock_path: str | None = None  # the sandbox's clock: its answer says nothing of the APIs' health

    def send(self, request, **kwargs):
        if self.clock_path and request.path_url.endswith(self.clock_path):
            return super().send(request, **kwargs)
        try:
            response = super().send(request, **kwargs)
        except (requests.ConnectionError, requests.Timeout) as error:
            record_failure(self._app, type(error).__name__)
            raise
        if response.status_code in OUTAGE_STATUSES:
            record_failure(self._app, f"HTTP {response.status_code}")
        else:
            record_success(self._app)
        return response


def record_failure(app: Flask, error: str) -> None:
    _memo = _memo_for(app)
    with _memo.lock:
        if _memo.unreachable and time.monotonic() - _memo.written_at < WRITE_EVERY_SECONDS:
            return
        _memo.unreachable = True
        _memo.written_at = time.monotonic()
    now = now_utc()
    _write(app, {"last_error": error[:200]}, unreachable_since=now)
    _forget_cached_read(_memo)


def record_success(app: Flask) -> None:
    _memo = _memo_for(app)
    with _memo.lock:
        if not _memo.unreachable and time.monotonic() - _memo.written_at < WRITE_EVERY_SECONDS:
            return
        _memo.unreachable = False
        _memo.written_at = time.monotonic()
    _write(app, {"last_ok_at": now_utc(), "unreachable_since": None, "last_error": None})
    _forget_cached_read(_memo)


def _forget_cached_read(memo: _ProcessMemo) -> None:
    """The banner on the answer to the very request that saw the change must show it."""
    with memo.lock:
        memo.read_at = 0.0


def _write(app: Flask, values: dict, *, unreachable_since: datetime | None = None) -> None:
    with app.app_context():
        try:
            with db.engine.begin() as connection:
                if db.engine.dialect.name == "sqlite":
                    # Never queue behind a caller's open write transaction: skip instead.
                    connection.exec_driver_sql("PRAGMA busy_timeout=200")
                row = connection.execute(select(_table.c.unreachable_since).where(_table.c.id == _ROW)).first()
                if unreachable_since is not None:
                    values = {
                        **values,
                        "unreachable_since": (
                            row.unreachable_since if row and row.unreachable_since else unreachable_since
                        ),
                    }
                if row is None:
                    connection.execute(insert(_table).values(id=_ROW, **values))
                else:
                    connection.execute(update(_table).where(_table.c.id == _ROW).values(**values))
                if db.engine.dialect.name == "sqlite":
                    connection.exec_driver_sql("PRAGMA busy_timeout=15000")
        except Exception:  # advisory state: a lost write only delays the banner
            current_app.logger.warning("Could not record Debitura's reachability", exc_info=True)


def current_outage() -> Outage | None:
    """The outage in progress, if any (cached for a moment per process outside tests)."""
    cache_seconds = 0.0 if current_app.testing else READ_CACHE_SECONDS
    _memo = _memo_for(current_app)
    with _memo.lock:
        if cache_seconds and time.monotonic() - _memo.read_at < cache_seconds:
            return _memo.outage
    row = db.session.get(DebituraHealth, _ROW)
    outage = None
    if row is not None and row.unreachable_since is not None:
        outage = Outage(
            since=row.unreachable_since,
            last_ok_at=row.last_ok_at,
            error=row.last_error,
            mirror_as_of=mirror_refreshed_at(),
        )
    with _memo.lock:
        _memo.outage, _memo.read_at = outage, time.monotonic()
    return outage


def mirror_refreshed_at() -> datetime | None:
    """The newest of the last successful sync's end and the last webhook applied to the mirror."""
    synced = db.session.scalar(select(func.max(SyncRun.finished_at)).where(SyncRun.status == SUCCEEDED))
    notified = db.session.scalar(select(func.max(WebhookEvent.received_at)).where(WebhookEvent.outcome == "applied"))
    known = [moment for moment in (synced, notified) if moment is not None]
    return max(known) if known else None
