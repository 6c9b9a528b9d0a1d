"""Starting a signed-in session, and the sign-in that waits for its second step.

Every sign-in (password or company account) gets a new session record and a clean cookie: nothing
from before the sign-in is carried over, so a session id planted beforehand is worthless.
"""

from __future__ import annotations

import time

from flask import current_app, g, request, session
from flask_login import login_user

from dashboard.models import Operator
from dashboard.services import sessions

_PENDING_KEY = "sign_in_pending"
PENDING_SECONDS = 300  # the second step must follow the password within five minutes


def begin(operator: Operator, *, method: str, remembered: bool = False) -> None:
    """Sign the browser in as `operator` with a fresh session record and cookie."""
    session.clear()
    token = sessions.start(
        operator,
        method=method,
        remembered=remembered,
        user_agent=request.headers.get("User-Agent", ""),
        remote_addr=request.remote_addr or "",
    )
    operator.session_token = token
    login_user(operator, remember=False)  # never Flask-Login's remember cookie: it would outlive revocation
    session.permanent = remembered
    g.operator_session = sessions.resolve(token).record


def await_second_step(operator: Operator, *, remembered: bool, next_path: str) -> None:
    """The password was right: keep who it was (signed, in the cookie) until the code follows."""
    session.clear()
    session[_PENDING_KEY] = {"operator": operator.id, "remember": remembered, "next": next_path, "at": int(time.time())}


def pending() -> dict | None:
    """The sign-in waiting for its second step, or None (also once it is older than five minutes)."""
    waiting = session.get(_PENDING_KEY)
    if not isinstance(waiting, dict) or time.time() - int(waiting.get("at", 0)) > PENDING_SECONDS:
        return None
    return waiting


def forget_pending() -> None:
    session.pop(_PENDING_KEY, None)


def ended_message() -> str:
    """What the sign-in page says when a request arrives with a session that has ended."""
    reason = g.get("session_ended", "")
    if reason == sessions.IDLE:
        minutes = int(current_app.config["SESSION_IDLE_MINUTES"])
        unit = "minute" if minutes == 1 else "minutes"
        return f"You were signed out after {minutes} {unit} without activity. Sign in again to continue."
    if reason == sessions.EXPIRED:
        return "Your session reached its time limit, so you were signed out. Sign in again to continue."
    if reason:
        return "Your session has ended. Sign in again to continue."
    return "Please sign in to continue."
