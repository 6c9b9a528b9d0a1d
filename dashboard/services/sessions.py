"""Sign-in sessions kept in the database: started at sign-in, checked on every request, ended or revoked.

A session ends after SESSION_IDLE_MINUTES without a request, SESSION_MAX_HOURS after sign-in
("keep me signed in": SESSION_REMEMBER_DAYS after sign-in, with no idle limit), when its owner
signs out or revokes it, and when the operator is deactivated or their password changes.
"""

from __future__ import annotations

import hashlib
import logging
import secrets
from dataclasses import dataclass
from datetime import datetime, timedelta

from flask import current_app
from sqlalchemy import select, update
from sqlalchemy.exc import SQLAlchemyError

from dashboard.authz import Actor
from dashboard.extensions import db
from dashboard.models import Operator, OperatorSession
from dashboard.models.base import now_utc
from dashboard.orm import rows_matched
from dashboard.services import audit

log = logging.getLogger(__name__)

# "last seen" is written at most this often; the idle limit allows for it, so an active operator never lapses.
LAST_SEEN_GRANULARITY = timedelta(minutes=1)

IDLE, EXPIRED, SIGNED_OUT, REVOKED = "idle", "expired", "signed out", "revoked"
DEACTIVATED, PASSWORD_CHANGED, PASSWORD_RESET = "deactivated", "password changed", "password reset"
SECOND_FACTOR_RESET = "two-factor reset"


def _hash(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def _idle_limit() -> timedelta:
    return timedelta(minutes=int(current_app.config["SESSION_IDLE_MINUTES"]))


def _lifetime(remembered: bool) -> timedelta:
    if remembered:
        return timedelta(days=int(current_app.config["SESSION_REMEMBER_DAYS"]))
    return timedelta(hours=int(current_app.config["SESSION_MAX_HOURS"]))


def describe_device(user_agent: str) -> str:
    """A short name for the browser and system, from the User-Agent header (what the sessions page shows)."""
    agent = user_agent or ""
    browser = next(
        (
            name
            for key, name in (("Edg/", "Edge"), ("Firefox/", "Firefox"), ("Chrome/", "Chrome"), ("Safari/", "Safari"))
            if key in agent
        ),
        "",
    )
    system = next(
        (
            name
            for key, name in (
                ("Windows", "Windows"),
                ("Android", "Android"),
                ("iPhone", "iPhone"),
                ("iPad", "iPad"),
                ("Mac OS X", "macOS"),
                ("Linux", "Linux"),
            )
            if key in agent
        ),
        "",
    )
    if browser or system:
        return " on ".join(part for part in (browser, system) if part)
    return agent[:80] or "Unknown browser"


def start(
    operator: Operator,
    *,
    method: str,
    remembered: bool,
    user_agent: str = "",
    remote_addr: str = "",
    now: datetime | None = None,
) -> str:
    """A new session for `operator`; returns the token for the cookie (shown nowhere else)."""
    now = now or now_utc()
    token = secrets.token_urlsafe(32)
    db.session.add(
        OperatorSession(
            operator_id=operator.id,
            token_hash=_hash(token),
            method=method,
            remembered=remembered,
            device=describe_device(user_agent)[:200],
            remote_addr=(remote_addr or "")[:64],
            created_at=now,
            last_seen_at=now,
            expires_at=now + _lifetime(remembered),
        )
    )
    db.session.commit()
    return token


@dataclass(frozen=True)
class Resolved:
    """What a cookie's token turned out to be: a live session, or why it no longer is one."""

    record: OperatorSession | None
    ended_because: str = ""


def resolve(token: str, *, now: datetime | None = None) -> Resolved:
    """The live session for this token, refreshing "last seen" at most once a minute; a lapsed one is ended."""
    now = now or now_utc()
    record = db.session.scalar(select(OperatorSession).where(OperatorSession.token_hash == _hash(token)))
    if record is None:
        return Resolved(None)
    if record.ended_at is not None:
        return Resolved(None, record.end_reason)
    lapsed = _lapsed(record, now)
    if lapsed:
        _end(record.id, lapsed, now)
        return Resolved(None, lapsed)
    if now - record.last_seen_at >= LAST_SEEN_GRANULARITY:
        _touch(record, now)
    return Resolved(record)


def _touch(record: OperatorSession, now: datetime) -> None:
    """Note the request; if the database is busy, the page is still served (the next request tries again)."""
    try:
        db.session.execute(update(OperatorSession).where(OperatorSession.id == record.id).values(last_seen_at=now))
        db.session.commit()
    except SQLAlchemyError as error:
        db.session.rollback()
        log.warning("Could not note a session's last request: %s", type(error).__name__)


def _lapsed(record: OperatorSession, now: datetime) -> str:
    if now >= record.expires_at:
        return EXPIRED
    if not record.remembered and now - record.last_seen_at >= _idle_limit() + LAST_SEEN_GRANULARITY:
        return IDLE
    return ""


def _end(session_id: int, reason: str, now: datetime | None = None) -> bool:
    ended = rows_matched(
        db.session.execute(
            update(OperatorSession)
            .where(OperatorSession.id == session_id, OperatorSession.ended_at.is_(None))
            .values(ended_at=now or now_utc(), end_reason=reason)
        )
    )
    db.session.commit()
    return bool(ended)


def sign_out(record: OperatorSession, *, actor: Actor) -> None:
    """The owner signs out: this session ends, so its cookie is refused if replayed."""
    _end(record.id, SIGNED_OUT)
    audit.record("auth.logout", outcome=audit.OK, summary="Signed out", operator=actor)


def open_sessions(operator_id: int, *, now: datetime | None = None) -> list[OperatorSession]:
    """The operator's sessions that still let someone in, newest first."""
    now = now or now_utc()
    records = db.session.scalars(
        select(OperatorSession)
        .where(OperatorSession.operator_id == operator_id, OperatorSession.ended_at.is_(None))
        .order_by(OperatorSession.created_at.desc(), OperatorSession.id.desc())
    )
    return [record for record in records if not _lapsed(record, now)]


def revoke(session_id: int, *, actor: Actor) -> OperatorSession | None:
    """End one of the actor's own sessions; None when it is not theirs or already ended."""
    record = db.session.get(OperatorSession, session_id)
    if record is None or record.operator_id != actor.id or record.ended_at is not None:
        return None
    _end(record.id, REVOKED)
    audit.record(
        "auth.session_revoke",
        outcome=audit.OK,
        summary=f"Ended a session ({record.device}, from {record.remote_addr or 'an unknown address'})",
        operator=actor,
    )
    return record


def idle_minutes() -> int:
    return int(current_app.config["SESSION_IDLE_MINUTES"])
