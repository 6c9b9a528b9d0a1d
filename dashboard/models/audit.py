"""The audit trail: who did what, when, on which tenant or case, and how it ended.

Append-only from the application's side: the ORM refuses to update or delete an entry,
whether through a loaded object or a bulk UPDATE/DELETE statement.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import Index, String, Text, event
from sqlalchemy.orm import Mapped, Session, mapped_column

from dashboard.models.base import Model, debitura_now


class AuditTrailIsAppendOnly(RuntimeError):
    """Something tried to change or remove a recorded audit entry."""


class AuditEntry(Model):
    __tablename__ = "audit_entries"

    id: Mapped[int] = mapped_column(primary_key=True)
    at: Mapped[datetime] = mapped_column(default=debitura_now)
    operator_id: Mapped[int | None]
    operator_email: Mapped[str | None] = mapped_column(String(320))
    action: Mapped[str] = mapped_column(String(80))  # e.g. client.create, case.submit, file.upload
    external_tenant_id: Mapped[str | None] = mapped_column(String(255))
    case_id: Mapped[str | None] = mapped_column(String(64))
    outcome: Mapped[str] = mapped_column(String(20))  # ok|failed|refused
    debitura_status: Mapped[int | None]
    idempotency_key: Mapped[str | None] = mapped_column(String(255))
    summary: Mapped[str] = mapped_column(Text, default="")  # plain text, never a secret

    __table_args__ = (
        Index("ix_audit_entries_at", "at"),
        Index("ix_audit_entries_tenant", "external_tenant_id", "at"),
        Index("ix_audit_entries_case", "case_id", "at"),
        Index("ix_audit_entries_operator", "operator_id", "at"),
        Index("ix_audit_entries_action", "action", "at"),
    )


@event.listens_for(AuditEntry, "before_update")
def _refuse_update(mapper, connection, target) -> None:
    raise AuditTrailIsAppendOnly("Audit entries cannot be changed once recorded.")


@event.listens_for(AuditEntry, "before_delete")
def _refuse_delete(mapper, connection, target) -> None:
    raise AuditTrailIsAppendOnly("Audit entries cannot be removed.")


@event.listens_for(Session, "do_orm_execute")
def _refuse_bulk_changes(state) -> None:
    table = getattr(state.statement, "table", None)
    if (state.is_update or state.is_delete) and getattr(table, "name", None) == AuditEntry.__tablename__:
        raise AuditTrailIsAppendOnly("Audit entries cannot be changed or removed.")
