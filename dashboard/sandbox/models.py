"""The sandbox's own state, in its own tables (prefixed `sbx_`) and its own metadata.

Nothing here is shared with the dashboard's database models: the sandbox stands in
for Debitura, so it keeps Debitura's side of every fact.
"""

from __future__ import annotations

import uuid
from datetime import UTC, date, datetime
from decimal import Decimal
from typing import TYPE_CHECKING, ClassVar

from sqlalchemy import (
    JSON,
    Date,
    DateTime,
    ForeignKey,
    Index,
    LargeBinary,
    MetaData,
    Numeric,
    String,
    Table,
    Text,
    UniqueConstraint,
    text,
)
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column, relationship
from sqlalchemy.types import TypeDecorator

from dashboard.sandbox.reference import PENDING_SIGNING

NAMING_CONVENTION = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}
ACTIVE_LINK_STATUSES = ("onboarding", "ready")


def new_id() -> str:
    return str(uuid.uuid4())


class UtcDateTime(TypeDecorator):
    """Aware UTC datetimes on every backend (SQLite would hand back naive ones)."""

    impl = DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value, dialect):
        if value is not None:
            if value.tzinfo is None:
                raise ValueError("naive datetime given where UTC is required")
            value = value.astimezone(UTC)
        return value

    def process_result_value(self, value, dialect):
        if value is not None and value.tzinfo is None:
            value = value.replace(tzinfo=UTC)
        return value


Money = Numeric(19, 4)  # up to four decimals: ISO 4217 minor units go from 0 (JPY) to 4 (CLF)
Percentage = Numeric(9, 4)


class Base(DeclarativeBase):
    metadata = MetaData(naming_convention=NAMING_CONVENTION)
    type_annotation_map = {datetime: UtcDateTime()}
    if TYPE_CHECKING:
        __table__: ClassVar[Table]  # every model is mapped to one table (the default type says FromClause)


class SandboxState(Base):
    """The one row every process reads: clock offset, SDCA version, switches and the fault plan."""

    __tablename__ = "sbx_state"

    id: Mapped[int] = mapped_column(primary_key=True)
    clock_offset_seconds: Mapped[int] = mapped_column(default=0)
    sdca_version: Mapped[int] = mapped_column(default=1)
    approval_ttl_days: Mapped[int] = mapped_column(default=7)
    rate_limit_enabled: Mapped[bool] = mapped_column(default=False)
    rate_limit_per_minute: Mapped[int] = mapped_column(default=2000)
    rate_window_start: Mapped[datetime | None]
    rate_window_count: Mapped[int] = mapped_column(default=0)
    fault_plan: Mapped[dict] = mapped_column(JSON, default=dict)
    fault_version: Mapped[int] = mapped_column(default=0)


class Partner(Base):
    """The referral partner the sandbox serves (the dashboard's owner)."""

    __tablename__ = "sbx_partners"

    id: Mapped[str] = mapped_column(String(36), primary_key=True, default=new_id)
    company_name: Mapped[str] = mapped_column(String(200))
    short_name: Mapped[str] = mapped_column(String(50))
    contact_email: Mapped[str] = mapped_column(String(320))
    referral_fee_percentage: Mapped[Decimal] = mapped_column(Percentage)
    background_color: Mapped[str | None] = mapped_column(String(20))
    font_color: Mapped[str | None] = mapped_column(String(20))
    font_family: Mapped[str | None] = mapped_column(String(100))


class Creditor(Base):
    """A Debitura account: a creditor, or (kind) an account that cannot become a client."""

    __tablename__ = "sbx_creditors"

    id: Mapped[str] = mapped_column(String(36), primary_key=True, default=new_id)
    kind: Mapped[str] = mapped_column(String(20), default="creditor")  # creditor | collection_partner
    company_name: Mapped[str] = mapped_column(String(300))
    registration_number: Mapped[str | None] = mapped_column(String())  # no limit in the spec
    country: Mapped[str] = mapped_column(String(2))
    address: Mapped[str | None] = mapped_column(String(500))
    city: Mapped[str | None] = mapped_column(String(100))
    zip_code: Mapped[str | None] = mapped_column(String(20))
    state: Mapped[str | None] = mapped_column(String(100))
    office_email: Mapped[str | None] = mapped_column(String(320), index=True)
    office_phone: Mapped[str | None] = mapped_column(String())
    # Linked to some other referral partner (the "AlreadyLinkedToAnotherPartner" case).
    other_partner_name: Mapped[str | None] = mapped_column(String(200))
    sdca_signed_version: Mapped[int | None]
    sdca_signed_at: Mapped[datetime | None]
    # Set once a case of this creditor routes to a partner that needs KYC.
    kyc_required: Mapped[bool] = mapped_column(default=False)
    blocked: Mapped[bool] = mapped_column(default=False)
    created_at: Mapped[datetime]
    deleted_at: Mapped[datetime | None]

    users: Mapped[list[CreditorUser]] = relationship(
        back_populates="creditor", order_by="CreditorUser.id", cascade="all, delete-orphan"
    )


class CreditorUser(Base):
    __tablename__ = "sbx_creditor_users"

    id: Mapped[int] = mapped_column(primary_key=True)
    creditor_id: Mapped[str] = mapped_column(ForeignKey("sbx_creditors.id", ondelete="CASCADE"), index=True)
    email: Mapped[str] = mapped_column(String(320), index=True)  # stored lower-case
    name: Mapped[str] = mapped_column(String(300))
    is_onboarding_user: Mapped[bool] = mapped_column(default=False)

    creditor: Mapped[Creditor] = relationship(back_populates="users")

    @property
    def public_id(self) -> str:
        """The user's id as the Customer API shows it (a GUID), stable for the row."""
        return str(uuid.uuid5(uuid.NAMESPACE_URL, f"sbx-user:{self.creditor_id}:{self.id}"))

    @property
    def first_name(self) -> str:
        return self.name.split(" ", 1)[0]

    @property
    def last_name(self) -> str:
        parts = self.name.split(" ", 1)
        return parts[1] if len(parts) > 1 else ""


class ClientLink(Base):
    """The partner's link to a creditor, named by the partner's externalTenantId (case-sensitive)."""

    __tablename__ = "sbx_client_links"
    __table_args__ = (
        # One active link per tenant id; withdrawn/archived links free the id for re-use.
        Index(
            "uq_sbx_client_links_active_tenant",
            "partner_id",
            "external_tenant_id",
            unique=True,
            sqlite_where=text("status IN ('onboarding', 'ready')"),
            postgresql_where=text("status IN ('onboarding', 'ready')"),
        ),
    )

    id: Mapped[str] = mapped_column(String(36), primary_key=True, default=new_id)
    partner_id: Mapped[str] = mapped_column(ForeignKey("sbx_partners.id"))
    external_tenant_id: Mapped[str] = mapped_column(String(255))
    creditor_id: Mapped[str] = mapped_column(ForeignKey("sbx_creditors.id"), index=True)
    is_attributed: Mapped[bool]
    fee_percentage_snapshot: Mapped[Decimal] = mapped_column(Percentage)
    date_linked: Mapped[datetime]
    status: Mapped[str] = mapped_column(String(20), default="onboarding")  # onboarding|ready|withdrawn|archived
    # Hosted onboarding progress: companydetails -> users -> contract -> done.
    onboarding_step: Mapped[str] = mapped_column(String(20), default="companydetails")
    cases_replayed: Mapped[bool] = mapped_column(default=False)

    creditor: Mapped[Creditor] = relationship(lazy="joined")

    @property
    def is_active(self) -> bool:
        return self.status in ACTIVE_LINK_STATUSES


class LinkRequest(Base):
    """A 409 ClientExistsNeedsLinking: waiting for the existing customer to approve."""

    __tablename__ = "sbx_link_requests"
    __table_args__ = (Index("ix_sbx_link_requests_tenant_status", "partner_id", "external_tenant_id", "status"),)

    id: Mapped[str] = mapped_column(String(36), primary_key=True, default=new_id)
    token: Mapped[str] = mapped_column(String(64), unique=True)
    partner_id: Mapped[str] = mapped_column(ForeignKey("sbx_partners.id"))
    external_tenant_id: Mapped[str] = mapped_column(String(255))
    creditor_id: Mapped[str] = mapped_column(ForeignKey("sbx_creditors.id"))
    status: Mapped[str] = mapped_column(String(20), default="pending")  # pending|approved|declined|expired|used
    is_choice: Mapped[bool] = mapped_column(default=False)
    # The original request (company, users, cases) as JSON text, carried through on approval;
    # text rather than a JSON column because the amounts are Decimals.
    payload: Mapped[str] = mapped_column(Text)
    created_at: Mapped[datetime]
    expires_at: Mapped[datetime] = mapped_column(index=True)
    decided_at: Mapped[datetime | None]
    link_id: Mapped[str | None] = mapped_column(ForeignKey("sbx_client_links.id"))

    creditor: Mapped[Creditor] = relationship(lazy="joined")


class ContractSignature(Base):
    """A creditor's Power of Attorney (or Jurisdiction Pricing Appendix) for one collection partner."""

    __tablename__ = "sbx_contract_signatures"
    __table_args__ = (UniqueConstraint("creditor_id", "collection_partner_id", "kind"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    creditor_id: Mapped[str] = mapped_column(ForeignKey("sbx_creditors.id", ondelete="CASCADE"))
    collection_partner_id: Mapped[str] = mapped_column(String(36))
    kind: Mapped[str] = mapped_column(String(10))  # poa | jpa
    signed_at: Mapped[datetime]


class KycVerification(Base):
    """A director's identity submitted for a creditor; the latest one counts."""

    __tablename__ = "sbx_kyc_verifications"

    id: Mapped[int] = mapped_column(primary_key=True)
    creditor_id: Mapped[str] = mapped_column(ForeignKey("sbx_creditors.id", ondelete="CASCADE"), index=True)
    director_full_name: Mapped[str] = mapped_column(String(500))
    director_home_address: Mapped[str] = mapped_column(String(1000))
    director_date_of_birth: Mapped[date] = mapped_column(Date)
    date_created: Mapped[datetime]
    verification_status: Mapped[str | None] = mapped_column(String(20))  # None | Processing | Completed
    verification_status_updated_at: Mapped[datetime | None]
    send_chat_notification: Mapped[bool] = mapped_column(default=True)


class Case(Base):
    """A collection case with every field the two APIs expose."""

    __tablename__ = "sbx_cases"
    __table_args__ = (
        Index(
            "uq_sbx_cases_creditor_reference",
            "creditor_id",
            "creditor_reference",
            unique=True,
            sqlite_where=text("creditor_reference IS NOT NULL"),
            postgresql_where=text("creditor_reference IS NOT NULL"),
        ),
        # The partner's case list at 100,000 cases: each sort walks its own index (the id breaks ties),
        # the summary counts from the lifecycle index, one tenant's cases come from its link. The
        # partner never sees test cases, so each index leads with is_test and the filter costs nothing.
        # link_id rides along so that paging by date (the sync's order) never leaves the index.
        Index("ix_sbx_cases_created", "is_test", "date_created", "id", "link_id"),
        Index("ix_sbx_cases_gross", "is_test", "gross_amount", "id"),
        Index("ix_sbx_cases_due", "is_test", "due_date", "id"),
        Index("ix_sbx_cases_lifecycle", "is_test", "lifecycle"),
        Index("ix_sbx_cases_link_created", "link_id", "date_created"),
        # Per-client case counts (the clients list) read this index alone, test cases skipped in it.
        Index("ix_sbx_cases_link_lifecycle", "link_id", "is_test", "lifecycle"),
        Index("ix_sbx_cases_creditor_lifecycle", "creditor_id", "lifecycle"),
    )

    id: Mapped[str] = mapped_column(String(36), primary_key=True, default=new_id)
    reference: Mapped[str] = mapped_column(String(8), unique=True)
    creditor_id: Mapped[str] = mapped_column(ForeignKey("sbx_creditors.id"))
    # The partner link the case belongs to (cases of withdrawn links disappear with them).
    link_id: Mapped[str] = mapped_column(ForeignKey("sbx_client_links.id"))
    # Submitted with the partner's token or carried through a link request: earns for non-attributed links.
    via_partner: Mapped[bool] = mapped_column(default=True)
    creditor_reference: Mapped[str | None] = mapped_column(String(50))
    creditor_comments: Mapped[str | None] = mapped_column(Text)
    claim_description: Mapped[str | None] = mapped_column(Text)
    claim_type: Mapped[str | None] = mapped_column(String(50), default="Unpaid Invoice")
    gross_amount: Mapped[Decimal] = mapped_column(Money)
    remainder: Mapped[Decimal] = mapped_column(Money)
    interest_fees: Mapped[Decimal] = mapped_column(Money, default=Decimal("0"))
    reminder_fees: Mapped[Decimal] = mapped_column(Money, default=Decimal("0"))
    collection_fees: Mapped[Decimal] = mapped_column(Money, default=Decimal("0"))
    amount_over_6_months: Mapped[Decimal | None] = mapped_column(Money)
    amount_over_12_months: Mapped[Decimal | None] = mapped_column(Money)
    amount_over_24_months: Mapped[Decimal | None] = mapped_column(Money)
    currency: Mapped[str] = mapped_column(String(3))
    is_test: Mapped[bool] = mapped_column(default=False)
    tag: Mapped[str | None] = mapped_column(String(100))
    lifecycle: Mapped[str] = mapped_column(String(40), default=PENDING_SIGNING)  # display string
    close_code: Mapped[str | None] = mapped_column(String(60))
    close_comment: Mapped[str | None] = mapped_column(Text)
    current_engagement_phase: Mapped[str | None] = mapped_column(String(20))
    date: Mapped[datetime]
    due_date: Mapped[datetime]
    date_created: Mapped[datetime]
    date_updated: Mapped[datetime | None]
    date_finished: Mapped[datetime | None]
    date_collection_started: Mapped[datetime | None]
    debtor_type: Mapped[str] = mapped_column(String(10))  # Company | Private | Person
    debtor_name: Mapped[str] = mapped_column(String(300))
    debtor_contact_person: Mapped[str | None] = mapped_column(String(300))
    # The spec sets no length on the debtor's details.
    debtor_registration_number: Mapped[str | None] = mapped_column(String())
    debtor_address: Mapped[str | None] = mapped_column(String())
    debtor_zip_code: Mapped[str | None] = mapped_column(String())
    debtor_city: Mapped[str | None] = mapped_column(String())
    debtor_state: Mapped[str | None] = mapped_column(String())
    debtor_state_alpha2: Mapped[str | None] = mapped_column(String(2))
    debtor_country: Mapped[str] = mapped_column(String(2))
    debtor_email: Mapped[str | None] = mapped_column(String(320))
    debtor_phone: Mapped[str | None] = mapped_column(String())
    collection_partner_id: Mapped[str | None] = mapped_column(String(36))
    base_fee_percentage: Mapped[Decimal | None] = mapped_column(Percentage)
    age_uplift_points: Mapped[Decimal | None] = mapped_column(Percentage)
    return_url: Mapped[str | None] = mapped_column(String(2048))
    assigned_user_email: Mapped[str | None] = mapped_column(String(320))

    link: Mapped[ClientLink] = relationship(lazy="joined")

    @property
    def success_fee_percentage(self) -> Decimal | None:
        if self.base_fee_percentage is None:
            return None
        return self.base_fee_percentage + (self.age_uplift_points or Decimal("0"))


class CaseFile(Base):
    __tablename__ = "sbx_case_files"

    id: Mapped[str] = mapped_column(String(36), primary_key=True, default=new_id)
    case_id: Mapped[str] = mapped_column(ForeignKey("sbx_cases.id", ondelete="CASCADE"), index=True)
    file_name: Mapped[str] = mapped_column(String(255))
    content_type: Mapped[str | None] = mapped_column(String(100))
    size: Mapped[int]
    content: Mapped[bytes] = mapped_column(LargeBinary)
    send_chat_notification: Mapped[bool]
    date_created: Mapped[datetime]

    label: Mapped[CaseFileLabel | None] = relationship(lazy="joined", cascade="all, delete-orphan")


class CaseFileLabel(Base):
    """What a file uploaded through the Customer API says it is (that API takes a type and a description)."""

    __tablename__ = "sbx_case_file_labels"

    file_id: Mapped[str] = mapped_column(ForeignKey("sbx_case_files.id", ondelete="CASCADE"), primary_key=True)
    document_type: Mapped[str] = mapped_column(String(40))
    description: Mapped[str | None] = mapped_column(Text)


class ChatMessage(Base):
    """A message in a case's chat: from one of the creditor's users, the collection partner, or the system."""

    __tablename__ = "sbx_case_chats"
    __table_args__ = (Index("ix_sbx_case_chats_case_created", "case_id", "date_created"),)

    id: Mapped[str] = mapped_column(String(36), primary_key=True, default=new_id)
    case_id: Mapped[str] = mapped_column(ForeignKey("sbx_cases.id", ondelete="CASCADE"))
    role: Mapped[str] = mapped_column(String(20))  # creditor | partner | system
    message: Mapped[str] = mapped_column(Text)
    user_id: Mapped[int | None] = mapped_column(ForeignKey("sbx_creditor_users.id", ondelete="SET NULL"))
    # The collection partner's case handler (partner messages have no creditor user).
    author_name: Mapped[str | None] = mapped_column(String(300))
    author_email: Mapped[str | None] = mapped_column(String(320))
    is_seen: Mapped[bool] = mapped_column(default=False)
    date_created: Mapped[datetime]

    user: Mapped[CreditorUser | None] = relationship(lazy="joined")


class CaseTask(Base):
    """One item of a creditor's work queue: open until its condition clears, then solved."""

    __tablename__ = "sbx_tasks"
    __table_args__ = (
        Index("ix_sbx_tasks_creditor_status", "creditor_id", "status", "date_created"),
        Index("ix_sbx_tasks_case_status", "case_id", "status"),
    )

    id: Mapped[str] = mapped_column(String(36), primary_key=True, default=new_id)
    creditor_id: Mapped[str] = mapped_column(ForeignKey("sbx_creditors.id", ondelete="CASCADE"))
    case_id: Mapped[str | None] = mapped_column(ForeignKey("sbx_cases.id", ondelete="CASCADE"))
    lead_id: Mapped[str | None] = mapped_column(String(36))
    type: Mapped[str] = mapped_column(String(40))
    title: Mapped[str] = mapped_column(String(300))
    description: Mapped[str | None] = mapped_column(Text)
    status: Mapped[str] = mapped_column(String(10), default="Open")  # Open | Solved
    deadline: Mapped[datetime | None]
    date_created: Mapped[datetime]
    date_solved: Mapped[datetime | None]

    case: Mapped[Case | None] = relationship(lazy="joined")


class CasePayment(Base):
    """Money the debtor paid on a case, as the collection partner recorded it."""

    __tablename__ = "sbx_case_payments"

    id: Mapped[str] = mapped_column(String(36), primary_key=True, default=new_id)
    case_id: Mapped[str] = mapped_column(ForeignKey("sbx_cases.id", ondelete="CASCADE"), index=True)
    date: Mapped[datetime]
    gross_amount: Mapped[Decimal] = mapped_column(Money)
    currency: Mapped[str] = mapped_column(String(3))
    recipient: Mapped[str] = mapped_column(String(40))  # CollectionPartner | Creditor
    method: Mapped[str] = mapped_column(String(40))  # BankTransfer | Card | Cash
    date_created: Mapped[datetime]


class ValidationItem(Base):
    """Something the creditor must supply before a "More Info Required" case moves on."""

    __tablename__ = "sbx_validation_items"

    id: Mapped[int] = mapped_column(primary_key=True)
    case_id: Mapped[str] = mapped_column(ForeignKey("sbx_cases.id", ondelete="CASCADE"), index=True)
    resolution_area: Mapped[str] = mapped_column(String(60))  # e.g. Documents, DebtorDetails
    description: Mapped[str] = mapped_column(Text)
    date_created: Mapped[datetime]
    date_resolved: Mapped[datetime | None]


class QuoteRequest(Base):
    """A lead: Debitura asks collection partners to quote for the next phase of a case (legal, enforcement)."""

    __tablename__ = "sbx_quote_requests"

    id: Mapped[str] = mapped_column(String(36), primary_key=True, default=new_id)
    case_id: Mapped[str] = mapped_column(ForeignKey("sbx_cases.id", ondelete="CASCADE"), index=True)
    status: Mapped[str] = mapped_column(String(20), default="Open")  # Open | Closed
    lead_flow_status: Mapped[str] = mapped_column(String(40), default="CollectingQuotes")
    quote_type: Mapped[str] = mapped_column(String(20), default="Legal")
    purpose: Mapped[str] = mapped_column(String(20), default="PhaseChange")  # PhaseChange | AdditionalService
    max_quotes: Mapped[int] = mapped_column(default=3)
    request: Mapped[str | None] = mapped_column(Text)
    outcome: Mapped[str | None] = mapped_column(String(40))
    date_created: Mapped[datetime]
    date_outcome_selected: Mapped[datetime | None]

    quotes: Mapped[list[Quote]] = relationship(back_populates="quote_request", order_by="Quote.date_created")


class Quote(Base):
    """One collection partner's offer on a quote request."""

    __tablename__ = "sbx_quotes"

    id: Mapped[str] = mapped_column(String(36), primary_key=True, default=new_id)
    quote_request_id: Mapped[str] = mapped_column(ForeignKey("sbx_quote_requests.id", ondelete="CASCADE"), index=True)
    partner_id: Mapped[str] = mapped_column(String(36))
    partner_name: Mapped[str] = mapped_column(String(200))
    status: Mapped[str] = mapped_column(String(20), default="Pending")  # Pending | Accepted | Rejected
    agreement_type: Mapped[str] = mapped_column(String(20), default="SuccessFee")
    success_fee: Mapped[Decimal | None] = mapped_column(Percentage)
    flat_fee_estimate: Mapped[Decimal | None] = mapped_column(Money)
    currency: Mapped[str] = mapped_column(String(3))
    phase: Mapped[str | None] = mapped_column(String(20))
    proposed_solution: Mapped[str | None] = mapped_column(Text)
    why_us: Mapped[str | None] = mapped_column(Text)
    date_created: Mapped[datetime]

    quote_request: Mapped[QuoteRequest] = relationship(back_populates="quotes")


class IdempotencyRecord(Base):
    """The first terminal response to an Idempotency-Key, replayed verbatim on a retry."""

    __tablename__ = "sbx_idempotency"
    __table_args__ = (UniqueConstraint("scope", "endpoint", "key"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    scope: Mapped[str] = mapped_column(String(100))  # API key or bearer subject
    endpoint: Mapped[str] = mapped_column(String(100))
    key: Mapped[str] = mapped_column(String(255))
    fingerprint: Mapped[str] = mapped_column(String(64))
    status_code: Mapped[int]
    body: Mapped[str | None] = mapped_column(Text)
    created_at: Mapped[datetime]


class WebhookSubscription(Base):
    __tablename__ = "sbx_webhook_subscriptions"

    id: Mapped[str] = mapped_column(String(36), primary_key=True, default=new_id)
    partner_id: Mapped[str] = mapped_column(ForeignKey("sbx_partners.id"))
    url: Mapped[str] = mapped_column(String(1024))
    events: Mapped[list] = mapped_column(JSON)
    is_active: Mapped[bool] = mapped_column(default=True)
    is_test_mode: Mapped[bool] = mapped_column(default=False)
    disabled_reason: Mapped[str | None] = mapped_column(String(200))
    secret: Mapped[str] = mapped_column(String(100))  # base64 of 32 random bytes
    consecutive_failures: Mapped[int] = mapped_column(default=0)
    created_utc: Mapped[datetime]
    updated_utc: Mapped[datetime]


class WebhookEvent(Base):
    """The outbox: one row per event, with the exact envelope every delivery sends."""

    __tablename__ = "sbx_webhook_events"

    id: Mapped[str] = mapped_column(String(36), primary_key=True, default=new_id)
    event_type: Mapped[str] = mapped_column(String(60))
    envelope: Mapped[dict] = mapped_column(JSON)
    is_test_data: Mapped[bool] = mapped_column(default=False)
    created_at: Mapped[datetime] = mapped_column(index=True)


class WebhookDelivery(Base):
    """One event for one subscription: attempts, schedule and outcome."""

    __tablename__ = "sbx_webhook_deliveries"
    __table_args__ = (Index("ix_sbx_webhook_deliveries_due", "delivered_at", "next_attempt_at"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    event_id: Mapped[str] = mapped_column(ForeignKey("sbx_webhook_events.id", ondelete="CASCADE"), index=True)
    subscription_id: Mapped[str] = mapped_column(
        ForeignKey("sbx_webhook_subscriptions.id", ondelete="CASCADE"), index=True
    )
    is_test: Mapped[bool] = mapped_column(default=False)  # sent with X-Debitura-Test: true
    status: Mapped[str] = mapped_column(String(20), default="pending")  # pending | delivered | failed
    attempt_count: Mapped[int] = mapped_column(default=0)
    next_attempt_at: Mapped[datetime | None]
    last_status: Mapped[int | None]
    last_error: Mapped[str | None] = mapped_column(String(500))
    delivered_at: Mapped[datetime | None]

    event: Mapped[WebhookEvent] = relationship(lazy="joined")
    subscription: Mapped[WebhookSubscription] = relationship(lazy="joined")


class RevenueTransaction(Base):
    """A collection on a case and the referral fee it earns, moving through the revenue stages."""

    __tablename__ = "sbx_revenue_transactions"

    id: Mapped[str] = mapped_column(String(36), primary_key=True, default=new_id)
    case_id: Mapped[str] = mapped_column(ForeignKey("sbx_cases.id", ondelete="CASCADE"), index=True)
    link_id: Mapped[str] = mapped_column(ForeignKey("sbx_client_links.id"), index=True)
    date: Mapped[datetime] = mapped_column(index=True)
    payment_amount: Mapped[Decimal] = mapped_column(Money)
    currency: Mapped[str] = mapped_column(String(3))
    debitura_revenue: Mapped[Decimal] = mapped_column(Money)
    referral_fee_percentage: Mapped[Decimal] = mapped_column(Percentage)
    commission_payment_status: Mapped[str] = mapped_column(String(20), default="Unpaid")
    platform_invoicing_status: Mapped[str] = mapped_column(String(20), default="NotInvoiced")
    referral_invoicing_status: Mapped[str | None] = mapped_column(String(20), default="Pending")

    case: Mapped[Case] = relationship(lazy="joined")
    link: Mapped[ClientLink] = relationship(lazy="joined")


class RateBucket(Base):
    """Calls of one API key (or bearer client) in one second or one minute, for the sliding rate limits."""

    __tablename__ = "sbx_rate_buckets"

    scope: Mapped[str] = mapped_column(String(64), primary_key=True)
    resolution: Mapped[int] = mapped_column(primary_key=True)  # 1 (seconds) or 60 (minutes)
    start: Mapped[int] = mapped_column(primary_key=True)  # unix time of the bucket's start
    count: Mapped[int] = mapped_column(default=0)
