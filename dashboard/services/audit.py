"""Record every write and every Debitura call made on an operator's behalf.

Entries are append-only from the application's side: this module only inserts.
Summaries are plain text chosen by the caller and passed through the redactor,
so no key, token or secret can land here.
"""

from __future__ import annotations

from flask_login import current_user

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
    operator=None,
    commit: bool = True,
) -> AuditEntry:
    """Append one entry; `operator` defaults to whoever is signed in."""
    if operator is None and current_user and getattr(current_user, "is_authenticated", False):
        operator = current_user
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
