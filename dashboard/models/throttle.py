"""Failed sign-ins, counted per account and per address and minute, so throttling holds across every worker.

One row per (scope, key, minute) with a count: a flood of attempts adds to a counter instead of
adding rows, and rows whose newest attempt has left the throttle window are pruned as new ones arrive.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import Index, String
from sqlalchemy.orm import Mapped, mapped_column

from dashboard.models.base import Model

ACCOUNT, ADDRESS = "account", "address"


class LoginFailure(Model):
    __tablename__ = "login_failures"

    id: Mapped[int] = mapped_column(primary_key=True)
    scope: Mapped[str] = mapped_column(String(10))  # account|address
    # A keyed hash of the e-mail typed or of the address: what people type into the
    # e-mail field (sometimes a password) is never stored in clear.
    key: Mapped[str] = mapped_column(String(64))
    minute: Mapped[datetime]  # the start of the minute the attempts fell in
    count: Mapped[int] = mapped_column(default=1)
    last_at: Mapped[datetime]  # the newest attempt counted here; the row counts until it leaves the window

    __table_args__ = (
        Index("ux_login_failures_scope_key_minute", "scope", "key", "minute", unique=True),
        Index("ix_login_failures_last_at", "last_at"),
    )
