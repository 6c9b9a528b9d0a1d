"""Sign-in throttling per account and per address, kept in the database so every worker agrees.

An account (the e-mail typed, whether or not an operator has it) is locked after a few
failures; an address after many more (one machine trying many accounts). Known and unknown
e-mails are counted and answered alike, so throttling reveals nothing about who exists.
Settings (dashboard.config): LOGIN_MAX_FAILURES_PER_ACCOUNT, LOGIN_MAX_FAILURES_PER_ADDRESS,
LOGIN_THROTTLE_WINDOW_SECONDS.
"""

from __future__ import annotations

import hashlib
import hmac
import math
from datetime import datetime, timedelta

from flask import current_app
from sqlalchemy import delete, func, select

from dashboard.extensions import db
from dashboard.models.base import now_utc
from dashboard.models.throttle import ACCOUNT, ADDRESS, LoginFailure

def _setting(name: str) -> int:
    return int(current_app.config[name])


def _window() -> timedelta:
    return timedelta(seconds=_setting("LOGIN_THROTTLE_WINDOW_SECONDS"))


def _key(scope: str, value: str) -> str:
    """A keyed hash, so the table never holds what was typed or who typed it."""
    secret = current_app.config["SECRET_KEY"].encode()
    normalised = value.strip().lower() if scope == ACCOUNT else value.strip()
    return hmac.new(secret, f"{scope}:{normalised}".encode(), hashlib.sha256).hexdigest()


def _keys(email: str, remote_addr: str) -> list[tuple[str, str, int]]:
    keys = [(ACCOUNT, _key(ACCOUNT, email), _setting("LOGIN_MAX_FAILURES_PER_ACCOUNT"))]
    if remote_addr:
        keys.append((ADDRESS, _key(ADDRESS, remote_addr), _setting("LOGIN_MAX_FAILURES_PER_ADDRESS")))
    return keys


def seconds_to_wait(email: str, remote_addr: str, *, now: datetime | None = None) -> int:
    """0 when a sign-in may be tried; otherwise how long until the oldest counted failure lapses."""
    now = now or now_utc()
    window = _window()
    since = now - window
    wait = 0.0
    for scope, key, limit in _keys(email, remote_addr):
        recent = (
            select(LoginFailure.at)
            .where(LoginFailure.scope == scope, LoginFailure.key == key, LoginFailure.at > since)
            .order_by(LoginFailure.at.desc())
            .limit(limit)
        )
        times = db.session.scalars(recent).all()
        if len(times) >= limit:
            # The lock lifts when the limit-th most recent failure leaves the window.
            wait = max(wait, (times[-1] + window - now).total_seconds())
    return math.ceil(wait)


def record_failure(email: str, remote_addr: str, *, now: datetime | None = None) -> None:
    """Count one failed sign-in against the account and the address; prune what has lapsed."""
    now = now or now_utc()
    db.session.execute(delete(LoginFailure).where(LoginFailure.at <= now - _window()))
    for scope, key, _ in _keys(email, remote_addr):
        db.session.add(LoginFailure(scope=scope, key=key, at=now))
    db.session.commit()


def clear_account(email: str) -> None:
    """A successful sign-in forgets the account's failures (never the address's)."""
    db.session.execute(
        delete(LoginFailure).where(LoginFailure.scope == ACCOUNT, LoginFailure.key == _key(ACCOUNT, email))
    )
    db.session.commit()


def failure_count(email: str = "", remote_addr: str = "", *, now: datetime | None = None) -> int:
    """Failures still counted in the window, for the account or the address given."""
    now = now or now_utc()
    scope, value = (ACCOUNT, email) if email else (ADDRESS, remote_addr)
    return db.session.scalar(
        select(func.count())
        .select_from(LoginFailure)
        .where(LoginFailure.scope == scope, LoginFailure.key == _key(scope, value), LoginFailure.at > now - _window())
    ) or 0


def wait_message(seconds: int) -> str:
    minutes = max(1, math.ceil(seconds / 60))
    unit = "minute" if minutes == 1 else "minutes"
    return f"Too many sign-in attempts. Wait {minutes} {unit} and try again."
