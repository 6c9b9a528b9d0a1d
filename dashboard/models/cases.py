"""The local mirror of cases across all tenants."""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal

from sqlalchemy import JSON, Date, ForeignKey, Index, Numeric, String, Text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from dashboard.models.base import Model, now_utc
from dashboard.models.tenants import Tenant

# Debitura's lifecycle display strings, grouped as Debitura's own dashboard groups them.
LIFECYCLE_GROUPS = {
    "Pending": (
        "Pending contract signing",
        "Pending Verification Internal",
        "Pending Verification",
        "More Info Required",
        "Collecting Quotes",
        "Pending Quote Selection",
    ),
    "Active": ("Active",),
    "Paused": ("Paused",),
    "Closed": ("Closed",),
}
PENDING_SIGNING = "Pending contract signing"


class Case(Model):
    __tablename__ = "cases"

    id: Mapped[str] = mapped_column(String(64), primary_key=True)  # Debitura's case UUID
    tenant_id: Mapped[int | None] = mapped_column(ForeignKey("tenants.id", ondelete="SET NULL"))
    external_tenant_id: Mapped[str | None] = mapped_column(String(255))
    client_name: Mapped[str | None] = mapped_column(String(500))
    reference: Mapped[str | None] = mapped_column(String(50))
    creditor_reference: Mapped[str | None] = mapped_column(String(100))
    debtor_name: Mapped[str | None] = mapped_column(String(500))
    debtor_country: Mapped[str | None] = mapped_column(String(100))
    # Four decimals hold every currency's minor units (KWD has 3); dashboard.money rounds for display.
    gross_amount: Mapped[Decimal | None] = mapped_column(Numeric(19, 4))
    remainder: Mapped[Decimal | None] = mapped_column(Numeric(19, 4))
    currency: Mapped[str | None] = mapped_column(String(3))
    lifecycle: Mapped[str | None] = mapped_column(String(60))
    close_code: Mapped[str | None] = mapped_column(String(100))
    engagement_phase: Mapped[str | None] = mapped_column(String(30))
    collection_partner: Mapped[str | None] = mapped_column(String(200))
    is_test: Mapped[bool] = mapped_column(default=False)
    date_created: Mapped[datetime | None]
    due_date: Mapped[date | None] = mapped_column(Date)
    date_collection_started: Mapped[datetime | None]
    date_finished: Mapped[datetime | None]
    expected_referral_rate: Mapped[Decimal | None] = mapped_column(Numeric(9, 4))
    needs_info: Mapped[bool] = mapped_column(default=False)
    validation_items: Mapped[list] = mapped_column(JSON, default=list)
    # signingHandoff.combinedSigningUrl, and the solutionUrls of business errors that block it.
    signing_url: Mapped[str | None] = mapped_column(Text)
    solution_urls: Mapped[list] = mapped_column(JSON, default=list)
    search_text: Mapped[str] = mapped_column(Text, default="")  # lower-cased references, debtor, client

    # As on Tenant: the time (Debitura's clock) of the newest lifecycle fact applied, so a late or
    # replayed webhook never moves a case backwards.
    lifecycle_as_of: Mapped[datetime | None]

    last_seen_at: Mapped[datetime | None]
    last_seen_source: Mapped[str | None] = mapped_column(String(20))
    updated_at: Mapped[datetime] = mapped_column(default=now_utc, onupdate=now_utc)

    tenant: Mapped[Tenant | None] = relationship(lazy="joined")

    __table_args__ = (
        Index("ix_cases_lifecycle_date", "lifecycle", "date_created"),
        Index("ix_cases_tenant_date", "tenant_id", "date_created"),
        Index("ix_cases_date_created", "date_created"),
        Index("ix_cases_is_test", "is_test"),
        Index("ix_cases_updated_at", "updated_at"),
        Index("ix_cases_external_tenant_id", "external_tenant_id"),
    )

    @property
    def is_closed(self) -> bool:
        """Finished at Debitura: nothing more is collected, so no files and no revenue estimate."""
        return self.lifecycle in LIFECYCLE_GROUPS["Closed"]

    def __repr__(self) -> str:
        return f"<Case {self.reference or self.id} {self.lifecycle}>"


# The case list's default order (newest first, undated last) straight from an index. PostgreSQL
# only: SQLite cannot index NULLS LAST, and its own date index already serves that order.
Index("ix_cases_newest_first", Case.date_created.desc().nulls_last(), Case.id).ddl_if(dialect="postgresql")
