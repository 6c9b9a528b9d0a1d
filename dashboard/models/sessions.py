"""Sign-in sessions: one row per sign-in, so a session can be listed, revoked and timed out on every worker.

The browser's cookie holds a random token; only its SHA-256 is stored, so a database dump signs nobody in.
"""

from __future__ import annotations

from datetime import datetime
from typing import TYPE_CHECKING

from sqlalchemy import ForeignKey, Index, String
from sqlalchemy.orm import Mapped, mapped_column, relationship

from dashboard.models.base import Model, now_utc

if TYPE_CHECKING:
    from dashboard.models.operators import Operator

PASSWORD, COMPANY = "password", "company"  # how the session was signed in


class OperatorSession(Model):
    __tablename__ = "operator_sessions"
    __table_args__ = (Index("ix_operator_sessions_operator_ended", "operator_id", "ended_at"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    operator_id: Mapped[int] = mapped_column(ForeignKey("operators.id", ondelete="CASCADE"))
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    method: Mapped[str] = mapped_column(String(20), default=PASSWORD)
    remembered: Mapped[bool] = mapped_column(default=False)  # "keep me signed in": no idle limit, a longer cap
    device: Mapped[str] = mapped_column(String(200), default="")  # a summary of the browser's User-Agent
    remote_addr: Mapped[str] = mapped_column(String(64), default="")
    created_at: Mapped[datetime] = mapped_column(default=now_utc)
    # Refreshed at most once a minute, so reading pages does not write on every request.
    last_seen_at: Mapped[datetime] = mapped_column(default=now_utc)
    expires_at: Mapped[datetime]
    ended_at: Mapped[datetime | None]
    end_reason: Mapped[str] = mapped_column(String(40), default="")
    # Loaded with the session in one query: every request reads both.
    operator: Mapped[Operator] = relationship(lazy="joined")
