"""Sandbox time: real UTC now plus an offset kept in the state row, so every process agrees.

Advancing the clock is how tests and the control panel make link requests expire,
tokens lapse and cases age without waiting.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from sqlalchemy import update
from sqlalchemy.orm import Session

from dashboard.sandbox.models import SandboxState

STATE_ID = 1


def real_now() -> datetime:
    return datetime.now(UTC)


def offset(s: Session) -> int:
    return s.get_one(SandboxState, STATE_ID).clock_offset_seconds


def now(s: Session) -> datetime:
    """The sandbox's current time (aware UTC)."""
    return real_now() + timedelta(seconds=offset(s))


def advance(s: Session, seconds: int) -> datetime:
    """Move sandbox time forward (never backwards: expiries must not un-happen)."""
    if seconds < 0:
        raise ValueError("the sandbox clock only moves forward")
    # An in-database increment, so two processes advancing at once both count.
    s.execute(
        update(SandboxState)
        .where(SandboxState.id == STATE_ID)
        .values(clock_offset_seconds=SandboxState.clock_offset_seconds + int(seconds))
        .execution_options(synchronize_session=False)
    )
    s.refresh(s.get(SandboxState, STATE_ID))
    return now(s)
