"""Second factors for password sign-in: an authenticator app's secret and one-time recovery codes."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import ForeignKey, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from dashboard.models.base import Model, now_utc


class SecondFactor(Model):
    """An operator's TOTP secret, encrypted with DATA_ENCRYPTION_KEYS (`flask rotate-keys` re-encrypts it)."""

    __tablename__ = "second_factors"

    operator_id: Mapped[int] = mapped_column(ForeignKey("operators.id", ondelete="CASCADE"), primary_key=True)
    ciphertext: Mapped[str] = mapped_column(Text)
    # The newest 30-second time step whose code was accepted: a code is never accepted twice.
    last_step: Mapped[int] = mapped_column(default=0)
    enabled_at: Mapped[datetime] = mapped_column(default=now_utc)


class RecoveryCode(Model):
    """One recovery code, stored as the SHA-256 of a random code (high entropy, so a plain hash suffices)."""

    __tablename__ = "recovery_codes"

    id: Mapped[int] = mapped_column(primary_key=True)
    operator_id: Mapped[int] = mapped_column(ForeignKey("operators.id", ondelete="CASCADE"), index=True)
    code_hash: Mapped[str] = mapped_column(String(64))
    created_at: Mapped[datetime] = mapped_column(default=now_utc)
    used_at: Mapped[datetime | None]
