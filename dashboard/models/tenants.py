"""The local mirror of Debitura's clients (tenants), as last seen from the API or a webhook."""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal

from sqlalchemy import JSON, Index, Numeric, String, Text, and_, case, func, not_, or_
from sqlalchemy.ext.hybrid import hybrid_method
from sqlalchemy.orm import Mapped, mapped_column
from sqlalchemy.sql.elements import ColumnElement

from dashboard.models.base import Model, now_utc


class Tenant(Model):
    __tablename__ = "tenants"

    id: Mapped[int] = mapped_column(primary_key=True)
    # The partner's own id for the client; case-sensitive, as Debitura treats it.
    external_tenant_id: Mapped[str] = mapped_column(String(255), unique=True)
    creditor_id: Mapped[str | None] = mapped_column(String(64))
    company_name: Mapped[str] = mapped_column(String(500), default="")
    registration_number: Mapped[str | None] = mapped_column(String(100))
    country: Mapped[str | None] = mapped_column(String(100))
    address: Mapped[str | None] = mapped_column(String(500))
    city: Mapped[str | None] = mapped_column(String(100))
    zip_code: Mapped[str | None] = mapped_column(String(20))
    region: Mapped[str | None] = mapped_column(String(100))  # client.state in POST /clients
    support_email: Mapped[str | None] = mapped_column(String(320))
    support_phone: Mapped[str | None] = mapped_column(String(50))
    # [{"email", "name", "isOnboardingUser"}], as sent or as Debitura reports them.
    users: Mapped[list] = mapped_column(JSON, default=list)
    search_text: Mapped[str] = mapped_column(Text, default="")  # lower-cased company, id, e-mails, reg. no.

    is_attributed: Mapped[bool | None]
    fee_percentage_snapshot: Mapped[Decimal | None] = mapped_column(Numeric(9, 4))
    date_linked: Mapped[datetime | None]

    onboarding_done: Mapped[bool | None]
    onboarding_url: Mapped[str | None] = mapped_column(Text)
    onboarding_started_at: Mapped[datetime | None]

    # Set from POST /clients answers (409 type) and client.link_* webhooks.
    conflict_type: Mapped[str | None] = mapped_column(String(64))
    conflict_message: Mapped[str | None] = mapped_column(Text)
    link_request_status: Mapped[str | None] = mapped_column(String(20))  # pending|approved|declined|expired
    approval_url: Mapped[str | None] = mapped_column(Text)
    approval_requested_at: Mapped[datetime | None]
    approval_expires_at: Mapped[datetime | None]
    # True when Debitura did not say the deadline and we counted ApprovalTtlDays from first sight.
    approval_deadline_estimated: Mapped[bool] = mapped_column(default=False)
    withdrawn_at: Mapped[datetime | None]
    missing_since: Mapped[datetime | None]  # GET said 404: withdrawn or archived at Debitura

    kyc_status: Mapped[str | None] = mapped_column(String(20))  # not_required|pending|verified
    kyc_submitted_at: Mapped[datetime | None]
    # Debitura's review of the latest submission: Processing (under review) or Completed; None until reviewed.
    kyc_review_status: Mapped[str | None] = mapped_column(String(20))
    kyc_blocked_cases: Mapped[int] = mapped_column(default=0)  # submissions refused with MissingKycVerification

    # The cases sent with POST /clients, each with what became of it (services.first_cases), so a
    # re-issue sends the same cases and the tenant page can say which were created, failed or wait.
    first_cases: Mapped[list] = mapped_column(JSON, default=list)
    # Cases waiting on the 409 path whose debtor is in the UK, where the partner requires KYC: the
    # carry-through does not enforce it, so the next submission is refused until KYC is sent.
    carried_kyc_cases: Mapped[int] = mapped_column(default=0)

    cases_total: Mapped[int] = mapped_column(default=0)
    cases_closed: Mapped[int] = mapped_column(default=0)
    earnings_usd: Mapped[Decimal] = mapped_column(Numeric(18, 2), default=Decimal("0"))
    # When (Debitura's clock) the three figures above were last read from Debitura's caseStats;
    # None until a client read reports them (webhooks never do).
    case_stats_as_of: Mapped[datetime | None]

    # The derived state (services.tenant_state), stored so lists can filter and count in SQL.
    state: Mapped[str] = mapped_column(String(40), default="onboarding")
    state_changed_at: Mapped[datetime] = mapped_column(default=now_utc)

    # Webhooks arrive in any order, and an API answer can be older than a webhook already applied.
    # Each facet keeps the time (Debitura's clock) of the newest fact applied to it, event or answer,
    # so older news never overwrites newer news.
    link_as_of: Mapped[datetime | None]
    onboarding_as_of: Mapped[datetime | None]

    sync_seen_run: Mapped[int | None]  # the last sync run that found this tenant in GET /clients
    last_seen_at: Mapped[datetime | None]
    last_seen_source: Mapped[str | None] = mapped_column(String(20))  # sync|webhook|api|operator
    created_at: Mapped[datetime] = mapped_column(default=now_utc)
    updated_at: Mapped[datetime] = mapped_column(default=now_utc, onupdate=now_utc)

    __table_args__ = (
        Index("ix_tenants_state", "state"),
        Index("ix_tenants_company_name", "company_name"),
        Index("ix_tenants_updated_at", "updated_at"),
        Index("ix_tenants_creditor_id", "creditor_id"),
    )

    # A link request whose deadline has passed is expired from that moment, whether or not a webhook
    # or a sync has said so yet: pages derive it when they read, in Python and in SQL alike, and
    # never write it (the sync and the webhooks store it).
    @hybrid_method
    def overdue_at(self, now: datetime) -> bool:
        return (
            self.state == "approval_pending"
            and self.approval_expires_at is not None
            and self.approval_expires_at <= now
        )

    @overdue_at.expression
    @classmethod
    def _overdue_at_expression(cls, now: datetime) -> ColumnElement:
        return and_(
            cls.state == "approval_pending", cls.approval_expires_at.is_not(None), cls.approval_expires_at <= now
        )

    @hybrid_method
    def state_at(self, now: datetime) -> str:
        """The state as of `now` (Debitura's clock)."""
        return "expired" if self.overdue_at(now) else self.state

    @state_at.expression
    @classmethod
    def _state_at_expression(cls, now: datetime) -> ColumnElement:
        return case((cls.overdue_at(now), "expired"), else_=cls.state)

    @classmethod
    def in_state_at(cls, code: str, now: datetime):
        """`state_at(now) == code`, written so the state index still serves it."""
        if code == "expired":
            return or_(cls.state == "expired", cls.overdue_at(now))
        if code == "approval_pending":
            return and_(cls.state == "approval_pending", not_(cls.overdue_at(now)))
        return cls.state == code

    def _began(self, now: datetime) -> datetime | None:
        """When the state as of `now` began, by a dated fact; None when only its noticing is known."""
        state = self.state_at(now)
        if self.overdue_at(now):
            return self.approval_expires_at
        if state == "onboarding":
            return self.onboarding_started_at
        if state == "approval_pending":
            return self.approval_requested_at
        if state in ("declined", "expired"):
            return self.link_as_of  # the moment of the event that said so
        if state == "withdrawn":
            return self.withdrawn_at or self.missing_since
        return None

    @hybrid_method
    def state_since_at(self, now: datetime) -> datetime:
        """Since when the state as of `now` holds (Debitura's clock): the fact that began it, else its noticing."""
        return self._began(now) or self.state_changed_at

    @state_since_at.expression
    @classmethod
    def _state_since_at_expression(cls, now: datetime) -> ColumnElement:
        return case(
            (cls.overdue_at(now), cls.approval_expires_at),
            (cls.state == "onboarding", func.coalesce(cls.onboarding_started_at, cls.state_changed_at)),
            (cls.state == "approval_pending", func.coalesce(cls.approval_requested_at, cls.state_changed_at)),
            (cls.state.in_(("declined", "expired")), func.coalesce(cls.link_as_of, cls.state_changed_at)),
            (cls.state == "withdrawn", func.coalesce(cls.withdrawn_at, cls.missing_since, cls.state_changed_at)),
            else_=cls.state_changed_at,
        )

    def state_since_noticed(self, now: datetime) -> bool:
        """True when the state's start is not dated by Debitura: the time is when it was noticed."""
        return self._began(now) is None

    @property
    def customer_url(self) -> str | None:
        """The one URL the customer needs next, by the stored state."""
        return self._customer_url(self.state)

    def customer_url_at(self, now: datetime) -> str | None:
        """The one URL the customer needs next as of `now`: none once a link request's deadline passed."""
        return self._customer_url(self.state_at(now))

    def _customer_url(self, state: str) -> str | None:
        if state == "approval_pending" and self.approval_url:
            return self.approval_url
        if state in ("onboarding", "resign_needed"):
            return self.onboarding_url
        return None

    def __repr__(self) -> str:
        return f"<Tenant {self.external_tenant_id!r} {self.state}>"
