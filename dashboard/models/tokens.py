"""Bearer tokens minted per tenant, shared by every worker and instance, stored encrypted."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import String, Text
from sqlalchemy.orm import Mapped, mapped_column

from dashboard.models.base import Model, now_utc


class BearerToken(Model):
    __tablename__ = "bearer_tokens"

    external_tenant_id: Mapped[str] = mapped_column(String(255), primary_key=True)
    ciphertext: Mapped[str] = mapped_column(Text)
    expires_at: Mapped[datetime]
    minted_at: Mapped[datetime] = mapped_column(default=now_utc)
