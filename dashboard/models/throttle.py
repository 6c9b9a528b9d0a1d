"""Failed sign-ins, counted per account and per address, so throttling holds across every worker."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import Index, String
from sqlalchemy.orm import Mapped, mapped_column

from dashboard.extensions import db
from dashboard.models.base import now_utc

ACCOUNT, ADDRESS = "account", "address"


class LoginFailure(db.Model):
    """One failed sign-in; rows older than the throttle window are pruned as new ones arrive."""

    __tablename__ = "login_failures"

    id: Mapped[int] = mapped_column(primary_key=True)
    scope: Mapped[str] = mapped_column(String(10))  # account|address
    # A keyed hash of the e-mail typed or of the address: what people type into the
    # e-mail field (sometimes a password) is never stored in clear.
    key: Mapped[str] = mapped_column(String(64))
    at: Mapped[datetime] = mapped_column(default=now_utc)

    __table_args__ = (
        Index("ix_login_failures_scope_key_at", "scope", "key", "at"),
        Index("ix_login_failures_at", "at"),
    )
