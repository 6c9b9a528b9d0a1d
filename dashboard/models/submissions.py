"""What operators send to Debitura by hand: case submissions and file uploads, one row per Idempotency-Key.

A submission row is created when its form is first shown, so the key exists before any click:
a double click, a browser retry or a retry after a timeout all carry the same key, and
Debitura replays its first answer instead of creating a second case.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import JSON, ForeignKey, Index, String, Text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from dashboard.models.base import Model, now_utc
from dashboard.models.tenants import Tenant

# draft: being filled in · sending: a request is in flight · created: Debitura created the case ·
# failed: no answer (timeout, outage): retry with the same key · rejected: Debitura refused it for good
# under this key (a business rule): a new attempt needs a fresh key.
SUBMISSION_STATUSES = ("draft", "sending", "created", "failed", "rejected")


class CaseSubmission(Model):
    __tablename__ = "case_submissions"

    id: Mapped[int] = mapped_column(primary_key=True)
    idempotency_key: Mapped[str] = mapped_column(String(255), unique=True)
    tenant_id: Mapped[int] = mapped_column(ForeignKey("tenants.id", ondelete="CASCADE"))
    external_tenant_id: Mapped[str] = mapped_column(String(255))
    operator_id: Mapped[int | None]
    status: Mapped[str] = mapped_column(String(20), default="draft")
    # The form as typed (field name -> text), so a failed submission shows its input intact.
    form_data: Mapped[dict] = mapped_column(JSON, default=dict)
    # The exact JSON body sent (and re-sent on retry: Debitura replays only an identical body).
    payload: Mapped[str | None] = mapped_column(Text)
    # The body last priced with POST /cases/preview; sending a different body asks for a new preview.
    previewed_payload: Mapped[str | None] = mapped_column(Text)
    # That preview's input and Debitura's answer (services.stored_quotes), shown again on a reload;
    # cleared whenever the typed input changes.
    previewed_quote: Mapped[dict | None] = mapped_column(JSON)
    attempts: Mapped[int] = mapped_column(default=0)
    sending_since: Mapped[datetime | None]

    case_id: Mapped[str | None] = mapped_column(String(64))
    case_reference: Mapped[str | None] = mapped_column(String(50))
    lifecycle: Mapped[str | None] = mapped_column(String(60))
    signing_url: Mapped[str | None] = mapped_column(Text)
    is_test: Mapped[bool] = mapped_column(default=False)

    last_error: Mapped[str | None] = mapped_column(Text)
    last_status: Mapped[int | None]  # Debitura's HTTP status for the last answer, when there was one
    # [{"type", "message", "solution_url"}] from a 422, each shown with its copyable solution URL.
    business_errors: Mapped[list] = mapped_column(JSON, default=list)
    retry_of: Mapped[str | None] = mapped_column(String(255))  # the key of the submission this one copies

    created_at: Mapped[datetime] = mapped_column(default=now_utc)
    updated_at: Mapped[datetime] = mapped_column(default=now_utc, onupdate=now_utc)

    tenant: Mapped[Tenant] = relationship(lazy="joined")

    __table_args__ = (
        Index("ix_case_submissions_tenant", "tenant_id", "created_at"),
        Index("ix_case_submissions_case", "case_id"),
        Index("ix_case_submissions_status", "status", "updated_at"),
    )

    @property
    def error_types(self) -> list[str]:
        return [error.get("type") for error in self.business_errors or [] if error.get("type")]

    def __repr__(self) -> str:
        return f"<CaseSubmission {self.idempotency_key} {self.status}>"


class CaseFileUpload(Model):
    """A file sent to a case; Debitura offers no file listing, so the dashboard keeps its own."""

    __tablename__ = "case_file_uploads"

    id: Mapped[int] = mapped_column(primary_key=True)
    idempotency_key: Mapped[str] = mapped_column(String(255), unique=True)
    case_id: Mapped[str] = mapped_column(String(64))
    file_name: Mapped[str] = mapped_column(String(255))
    size_bytes: Mapped[int] = mapped_column(default=0)
    send_chat_notification: Mapped[bool] = mapped_column(default=True)
    status: Mapped[str] = mapped_column(String(20), default="sending")  # sending|uploaded|failed
    debitura_file_id: Mapped[str | None] = mapped_column(String(64))
    last_error: Mapped[str | None] = mapped_column(Text)
    operator_id: Mapped[int | None]
    operator_email: Mapped[str | None] = mapped_column(String(320))
    created_at: Mapped[datetime] = mapped_column(default=now_utc)
    uploaded_at: Mapped[datetime | None]

    __table_args__ = (Index("ix_case_file_uploads_case", "case_id", "created_at"),)

    def __repr__(self) -> str:
        return f"<CaseFileUpload {self.file_name} {self.status}>"
