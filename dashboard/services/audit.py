"""Record every write and every Debitura call made on an operator's behalf.

Entries are append-only from the application's side: this module only inserts.
Summaries are plain text chosen by the caller and passed through the redactor,
so no key, token or secret can land here.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta

from sqlalchemy import Select, func, or_, select

from dashboard.debitura.redaction import redact
from dashboard.extensions import db
from dashboard.models import AuditEntry

OK, FAILED, REFUSED = "ok", "failed", "refused"


def record(
    action: str,
    *,
    outcome: str,
    summary: str = "",
    external_tenant_id: str | None = None,
    case_id: str | None = None,
    debitura_status: int | None = None,
    idempotency_key: str | None = None,
    operator,
    commit: bool = True,
) -> AuditEntry:
    """Append one entry on behalf of `operator` (`None` for the system: a sync, a command, an anonymous caller)."""
    if not getattr(operator, "is_authenticated", True):
        operator = None  # an anonymous user has no id or e-mail to record
    entry = AuditEntry(
        action=action,
        outcome=outcome,
        summary=redact(summary)[:2000],
        external_tenant_id=external_tenant_id,
        case_id=case_id,
        debitura_status=debitura_status,
        idempotency_key=idempotency_key,
        operator_id=getattr(operator, "id", None),
        operator_email=getattr(operator, "email", None),
    )
    db.session.add(entry)
    if commit:
        db.session.commit()
    return entry


# Reading the trail: the audit page, tenant and case histories, CSV export.

OUTCOMES = (OK, FAILED, REFUSED)
# The actions in words, for histories support staff read; the audit page and its CSV keep the codes.
ACTION_LABELS = {
    "auth.login": "Sign-in",
    "auth.logout": "Sign-out",
    "auth.sso": "Company sign-in",
    "auth.two_factor": "Second sign-in step",
    "auth.two_factor_enable": "Two-factor set up",
    "auth.recovery_codes": "New recovery codes",
    "auth.password_change": "Password changed",
    "auth.session_revoke": "Session ended",
    "operator.reset_two_factor": "Two-factor reset",
    "client.create": "New client",
    "client.reissue_url": "Re-issue URL",
    "client.refresh": "Read again",
    "client.withdraw": "Withdraw link",
    "case.submit": "Case submitted",
    "file.upload": "File upload",
    "kyc.submit": "KYC submitted",
    "pricing.preview": "Pricing preview",
    "connection.check": "Connection check",
    "sync.start": "Sync started",
    "sync.run": "Sync",
}


def action_label(action: str) -> str:
    return ACTION_LABELS.get(action, action)


CSV_COLUMNS = (
    "at",
    "operator",
    "action",
    "external_tenant_id",
    "case_id",
    "outcome",
    "debitura_status",
    "idempotency_key",
    "summary",
)


@dataclass(frozen=True)
class AuditFilter:
    """What the audit page searches for; empty fields do not filter."""

    text: str = ""  # words in the summary, action, tenant, case or operator
    operator: str = ""  # part of the operator's e-mail
    action: str = ""  # exact action, or a prefix ending in "." (e.g. "webhook.")
    outcome: str = ""
    tenant: str = ""  # exact externalTenantId (case-sensitive, as Debitura treats it)
    case: str = ""
    since: date | None = None  # UTC day, inclusive
    until: date | None = None  # UTC day, inclusive

    @property
    def active(self) -> bool:
        return any(getattr(self, name) for name in self.__dataclass_fields__)


def filtered(audit_filter: AuditFilter) -> Select:
    """The newest entries first, narrowed by the filter."""
    query = select(AuditEntry)
    f = audit_filter
    if f.text:
        for word in f.text.split()[:8]:
            pattern = f"%{_escape_like(word.lower())}%"
            query = query.where(or_(*(func.lower(column).like(pattern, escape="\\") for column in _SEARCHED_COLUMNS)))
    if f.operator:
        query = query.where(
            func.lower(AuditEntry.operator_email).like(f"%{_escape_like(f.operator.lower())}%", escape="\\")
        )
    if f.action:
        if f.action.endswith("."):
            query = query.where(AuditEntry.action.like(f"{_escape_like(f.action)}%", escape="\\"))
        else:
            query = query.where(AuditEntry.action == f.action)
    if f.outcome:
        query = query.where(AuditEntry.outcome == f.outcome)
    if f.tenant:
        query = query.where(AuditEntry.external_tenant_id == f.tenant)
    if f.case:
        query = query.where(AuditEntry.case_id == f.case)
    if f.since:
        query = query.where(AuditEntry.at >= _day_start(f.since))
    if f.until:
        query = query.where(AuditEntry.at < _day_start(f.until) + timedelta(days=1))
    return query.order_by(AuditEntry.at.desc(), AuditEntry.id.desc())


def search(audit_filter: AuditFilter, *, page: int = 1, per_page: int = 50):
    """One page of matching entries (a Flask-SQLAlchemy Pagination)."""
    return db.paginate(filtered(audit_filter), page=page, per_page=per_page, max_per_page=200, error_out=False)


def history_for(external_tenant_id: str | None = None, case_id: str | None = None, limit: int = 50) -> list[AuditEntry]:
    """The newest entries about a tenant or a case, for their pages' history block.

    Pass one of the two; given both, entries about either are returned.
    """
    conditions = []
    if external_tenant_id:
        conditions.append(AuditEntry.external_tenant_id == external_tenant_id)
    if case_id:
        conditions.append(AuditEntry.case_id == case_id)
    if not conditions:
        return []
    query = select(AuditEntry).where(or_(*conditions)).order_by(AuditEntry.at.desc(), AuditEntry.id.desc()).limit(limit)
    return list(db.session.scalars(query))


def known_actions() -> list[str]:
    """Every action recorded so far, for the filter's choices."""
    return list(db.session.scalars(select(AuditEntry.action).distinct().order_by(AuditEntry.action)))


def csv_rows(audit_filter: AuditFilter, *, batch: int = 500) -> Iterator[tuple]:
    """The filtered entries as CSV rows (CSV_COLUMNS), read in batches so exports of any size stream."""
    query = filtered(audit_filter).execution_options(yield_per=batch)
    for entry in db.session.scalars(query):
        yield (
            entry.at,
            entry.operator_email or "",
            entry.action,
            entry.external_tenant_id or "",
            entry.case_id or "",
            entry.outcome,
            "" if entry.debitura_status is None else entry.debitura_status,
            entry.idempotency_key or "",
            entry.summary,
        )


_SEARCHED_COLUMNS = (
    AuditEntry.summary,
    AuditEntry.action,
    AuditEntry.external_tenant_id,
    AuditEntry.case_id,
    AuditEntry.operator_email,
)


def _escape_like(value: str) -> str:
    return value.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")


def _day_start(day: date) -> datetime:
    return datetime(day.year, day.month, day.day, tzinfo=UTC)
