"""Sign-in throttling per account and per address, kept in the database so every worker agrees.

An account (the e-mail typed, whether or not an operator has it) is locked after a few
failures; an address after many more (one machine trying many accounts). Known and unknown
e-mails are counted and answered alike, so throttling reveals nothing about who exists.

Checking and counting are one step: an attempt is counted before its password is looked at,
and it is let through only if, counted, it stays within the limits. A burst of parallel
attempts therefore gets exactly as many password checks as the limit allows; a successful
sign-in gives its count back. Counts are kept per minute (dashboard.services.unauthenticated).
Settings (dashboard.config): LOGIN_MAX_FAILURES_PER_ACCOUNT, LOGIN_MAX_FAILURES_PER_ADDRESS,
LOGIN_THROTTLE_WINDOW_SECONDS.
"""

from __future__ import annotations

import hashlib
import hmac
import math
from dataclasses import dataclass
from datetime import datetime

from flask import current_app
from sqlalchemy import delete, func, select, update

from dashboard.extensions import db
from dashboard.models.base import now_utc
from dashboard.models.throttle import ACCOUNT, ADDRESS, LoginFailure
from dashboard.services import unauthenticated
from dashboard.services.unauthenticated import login_window as _window
from dashboard.services.unauthenticated import minute_of


def _setting(name: str) -> int:
    return int(current_app.config[name])


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


def _earlier_minutes(scope: str, key: str, now: datetime) -> int:
    """Attempts counted in the window before the current minute (whose rows no longer change)."""
    return (
        db.session.scalar(
            select(func.coalesce(func.sum(LoginFailure.count), 0)).where(
                LoginFailure.scope == scope,
                LoginFailure.key == key,
                LoginFailure.minute < minute_of(now),
                LoginFailure.last_at > now - _window(),
            )
        )
        or 0
    )


def _wait(scope: str, key: str, limit: int, now: datetime) -> float:
    """Seconds until fewer than `limit` counted attempts remain in the window (0 if that is already so).

    A minute's row counts until its newest attempt leaves the window.
    """
    rows = db.session.execute(
        select(LoginFailure.last_at, LoginFailure.count)
        .where(LoginFailure.scope == scope, LoginFailure.key == key, LoginFailure.last_at > now - _window())
        .order_by(LoginFailure.last_at.desc())
    ).all()
    total = 0
    for last_at, count in rows:
        total += count
        if total >= limit:
            return (last_at + _window() - now).total_seconds()
    return 0.0


def _count(email: str, remote_addr: str, now: datetime) -> None:
    for scope, key, _ in _keys(email, remote_addr):
        unauthenticated.count_in_minute(LoginFailure, "minute", {"scope": scope, "key": key}, now=now)
    unauthenticated.prune_login_failures(now)
    db.session.commit()


def seconds_to_wait(email: str, remote_addr: str, *, now: datetime | None = None) -> int:
    """0 when a sign-in may be tried; otherwise how long until the oldest counted failure lapses."""
    now = now or now_utc()
    wait = 0.0
    for scope, key, limit in _keys(email, remote_addr):
        wait = max(wait, _wait(scope, key, limit, now))
    return math.ceil(wait)


@dataclass(frozen=True)
class Claim:
    """A counted attempt: `wait_seconds` is 0 when its password may be checked."""

    email: str
    remote_addr: str
    at: datetime
    wait_seconds: int
    locked_now: bool  # this attempt is the one that went over a limit


def claim_attempt(email: str, remote_addr: str, *, now: datetime | None = None) -> Claim:
    """Count the attempt, then see whether, counted, it stays within every limit.

    The counter of the current minute is raised and read in one statement, so of N parallel
    attempts each learns its own place: exactly as many as the limit allows get through,
    the others are refused however they interleave. The address comes first: an address
    over its limit adds nothing to the accounts it tries, so one machine cycling through
    e-mails costs a counter, not a row per e-mail.
    """
    now = now or now_utc()
    unauthenticated.prune_login_failures(now)
    for scope, key, limit in reversed(_keys(email, remote_addr)):
        place = unauthenticated.count_in_minute(LoginFailure, "minute", {"scope": scope, "key": key}, now=now)
        db.session.commit()
        total = place + _earlier_minutes(scope, key, now)
        if total > limit:
            wait = max(_wait(scope, key, limit, now), 1.0)
            return Claim(email, remote_addr, now, math.ceil(wait), locked_now=total == limit + 1)
    return Claim(email, remote_addr, now, 0, locked_now=False)


def record_failure(email: str, remote_addr: str, *, now: datetime | None = None) -> None:
    """Count one failed sign-in against the account and the address; prune what has lapsed."""
    _count(email, remote_addr, now or now_utc())


def succeeded(claim: Claim) -> None:
    """A successful sign-in forgets the account's failures and gives the address its attempt back."""
    db.session.execute(
        delete(LoginFailure).where(LoginFailure.scope == ACCOUNT, LoginFailure.key == _key(ACCOUNT, claim.email))
    )
    if claim.remote_addr:
        db.session.execute(
            update(LoginFailure)
            .where(
                LoginFailure.scope == ADDRESS,
                LoginFailure.key == _key(ADDRESS, claim.remote_addr),
                LoginFailure.minute == minute_of(claim.at),
                LoginFailure.count > 0,
            )
            .values(count=LoginFailure.count - 1)
        )
    db.session.commit()


def failure_count(email: str = "", remote_addr: str = "", *, now: datetime | None = None) -> int:
    """Failures still counted in the window, for the account or the address given."""
    now = now or now_utc()
    scope, value = (ACCOUNT, email) if email else (ADDRESS, remote_addr)
    return (
        db.session.scalar(
            select(func.coalesce(func.sum(LoginFailure.count), 0)).where(
                LoginFailure.scope == scope,
                LoginFailure.key == _key(scope, value),
                LoginFailure.last_at > now - _window(),
            )
        )
        or 0
    )


def wait_message(seconds: int) -> str:
    minutes = max(1, math.ceil(seconds / 60))
    unit = "minute" if minutes == 1 else "minutes"
    return f"Too many sign-in attempts. Wait {minutes} {unit} and try again."
