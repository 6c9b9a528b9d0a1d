"""Manual case submission: draft → preview → send, exactly once per Idempotency-Key.

The key is minted with the draft, before the operator can click anything. Sending claims the row
with one conditional UPDATE (draft/failed → sending), so a double click or a second worker finds
it taken and sends nothing; and whatever reaches Debitura carries the same key and the same body,
so Debitura replays its first answer instead of creating a second case.
"""

from __future__ import annotations

import uuid
from datetime import timedelta
from typing import Any

from sqlalchemy import ColumnElement, and_, delete, func, or_, select, update

from dashboard.authz import Actor, ensure_role
from dashboard.debitura import (
    BusinessRuleError,
    CaseDebtor,
    ClientLinkInvalid,
    ClientNotLinked,
    CreateCaseRequest,
    DebituraClient,
    DebituraError,
    InvalidRequest,
    jsonwire,
)
from dashboard.errors.messages import debitura_message, failure_summary
from dashboard.extensions import db
from dashboard.models import Case, CaseSubmission, Tenant
from dashboard.models.base import now_utc
from dashboard.orm import rows_matched
from dashboard.services import audit, mirror, pricing, stored_quotes
from dashboard.services.errors import (
    PreviewRequired,
    SubmissionNotFound,
    TenantCannotTakeCases,
    TenantNotFound,
)
from dashboard.services.kyc import note_kyc_block
from dashboard.services.tenant_state import LINKED_STATES, debitura_now, derive_state

# A "sending" row older than this lost its worker (crash, restart): a retry may take it over.
STALE_SENDING = timedelta(seconds=90)
# Drafts nobody sent are kept a week, then cleared when new drafts are made.
DRAFT_RETENTION = timedelta(days=7)
MISSING_KYC = "MissingKycVerification"
NO_ACTIVE_LINK = "NoActiveClientLink"  # our name for "Debitura mints no token for this client"


# A draft is the case exactly as it would be sent: the operator's input in the Customer API's request.
CaseDraft = CreateCaseRequest
DebtorDraft = CaseDebtor
__all__ = ["CaseDraft", "DebtorDraft", "PreviewRequired", "SubmissionNotFound", "TenantCannotTakeCases"]


def pricing_input(draft: CaseDraft) -> pricing.PricingInput:
    """What the draft would cost is asked with its amount, debtor and due date."""
    return pricing.PricingInput(
        amount=draft.amount,
        currency=draft.currency,
        debtor_type=draft.debtor.type,
        country=draft.debtor.country,
        state=draft.debtor.state,
        due_date=draft.due_date,
    )


def _encode(draft: CaseDraft) -> str:
    return jsonwire.dumps(draft.to_json())


KEY_MAX_LENGTH = 255  # the column's length


def find(key: str) -> CaseSubmission | None:
    # A value no key can have (from a tampered URL or form) is simply unknown, and never reaches the database.
    if not key or len(key) > KEY_MAX_LENGTH or "\x00" in key:
        return None
    return db.session.scalar(select(CaseSubmission).where(CaseSubmission.idempotency_key == key))


def get(key: str) -> CaseSubmission:
    submission = find(key)
    if submission is None:
        raise SubmissionNotFound(key)
    return submission


def new_key() -> str:
    return f"case-{uuid.uuid4()}"


def accepts_cases(tenant: Tenant) -> bool:
    """Whether Debitura takes a case for this tenant: it issues the client's token only for an active link."""
    return derive_state(tenant).code in LINKED_STATES


def tenants_accepting_cases(limit: int = 2000) -> list[Tenant]:
    """The tenants a case can be started for (stored state: an active link), by company name."""
    return list(
        db.session.scalars(
            select(Tenant)
            .where(Tenant.state.in_(LINKED_STATES))
            .order_by(Tenant.company_name, Tenant.external_tenant_id)
            .limit(limit)
        )
    )


def tenants_not_accepting_cases() -> int:
    return db.session.scalar(select(func.count()).select_from(Tenant).where(Tenant.state.not_in(LINKED_STATES))) or 0


def start(
    tenant_id: int, *, actor: Actor, form_data: dict[str, str] | None = None, retry_of: str | None = None
) -> CaseSubmission:
    """A fresh draft (and its Idempotency-Key) for one tenant that can take a case."""
    ensure_role("operator", actor)
    tenant = db.session.get(Tenant, tenant_id)
    if tenant is None:
        raise TenantNotFound(f"No tenant with id {tenant_id}")
    if not accepts_cases(tenant):
        state = derive_state(tenant)
        raise TenantCannotTakeCases(f"{state.label}: {state.explanation}")
    db.session.execute(
        delete(CaseSubmission).where(
            CaseSubmission.status == "draft",
            CaseSubmission.attempts == 0,
            CaseSubmission.updated_at < now_utc() - DRAFT_RETENTION,
        )
    )
    submission = CaseSubmission(
        idempotency_key=new_key(),
        tenant_id=tenant.id,
        external_tenant_id=tenant.external_tenant_id,
        operator_id=actor.id,
        form_data=dict(form_data or {}),
        retry_of=retry_of,
    )
    db.session.add(submission)
    db.session.commit()
    return submission


def reference_in_use(tenant_id: int, creditor_reference: str) -> str | None:
    """The reference of a known case of this tenant that already uses this creditor reference.

    Debitura keeps creditor references unique per creditor (DuplicateReference); checking the mirror
    first lets the form say so next to the field before anything is sent.
    """
    reference = (creditor_reference or "").strip()
    if not reference:
        return None
    row = db.session.execute(
        select(Case.reference, Case.id)
        .where(Case.tenant_id == tenant_id, Case.creditor_reference == reference)
        .limit(1)
    ).first()
    return (row.reference or row.id) if row is not None else None


def save_input(key: str, form_data: dict[str, str]) -> CaseSubmission:
    """Keep what the operator typed, so a reload or a failure shows it again."""
    submission = get(key)
    if submission.status == "draft":
        submission.form_data = dict(form_data)
        submission.previewed_quote = None
        db.session.commit()
    return submission


def preview(
    key: str, draft: CaseDraft, form_data: dict[str, str], *, actor: Actor, debitura: DebituraClient
) -> pricing.PricingQuote:
    """Price exactly what would be sent, and remember that this body was seen by the operator."""
    ensure_role("operator", actor)
    submission = get(key)
    if submission.status == "draft":
        submission.form_data = dict(form_data)
        submission.previewed_quote = None
        db.session.commit()
    quote = pricing.preview(
        pricing_input(draft),
        actor=actor,
        debitura=debitura,
        external_tenant_id=submission.external_tenant_id,
        as_client=True,
    )
    if submission.status == "draft":
        submission.previewed_payload = _encode(draft)
        submission.previewed_quote = stored_quotes.to_stored(quote)
        db.session.commit()
    return quote


def last_preview(submission: CaseSubmission) -> pricing.PricingQuote | None:
    """The preview of the draft's current input, as stored when it was asked (a read: nothing is called or written)."""
    if submission.status != "draft" or not submission.previewed_quote:
        return None
    return stored_quotes.from_stored(submission.previewed_quote)


def submit(
    key: str, draft: CaseDraft, form_data: dict[str, str], *, actor: Actor, debitura: DebituraClient
) -> CaseSubmission:
    """Send a draft the operator has previewed. A second call with the same key never sends twice.

    Raises PreviewRequired when the values changed since the preview, and InvalidRequest (400, field errors)
    after putting the row back to draft: Debitura does not store 400s, so the corrected form reuses the key.
    """
    ensure_role("operator", actor)
    submission = get(key)
    body = _encode(draft)
    if submission.status == "draft" and submission.previewed_payload != body:
        submission.form_data = dict(form_data)
        db.session.commit()
        raise PreviewRequired("The values changed since the last preview.")
    if not _claim(key, from_statuses=("draft",), values={"form_data": dict(form_data), "payload": body}):
        db.session.refresh(submission)
        return submission  # already sending, sent or refused: the page shows that state
    return _dispatch(key, debitura, actor)


def retry(key: str, *, actor: Actor, debitura: DebituraClient) -> CaseSubmission:
    """Send a failed (or abandoned) submission again: same key, byte-identical body."""
    ensure_role("operator", actor)
    submission = get(key)
    if not _claim(key, from_statuses=("failed",), values={}, take_over_stale=True):
        db.session.refresh(submission)
        return submission
    return _dispatch(key, debitura, actor)


def copy_as_new(key: str, *, actor: Actor) -> CaseSubmission:
    """A new draft with the same input and a fresh key (a refused submission cannot be replayed into a case)."""
    original = get(key)
    return start(original.tenant_id, actor=actor, form_data=original.form_data, retry_of=original.idempotency_key)


def _claim(key: str, *, from_statuses: tuple[str, ...], values: dict[str, Any], take_over_stale: bool = False) -> bool:
    """Atomically move the row to `sending`; False when another request holds it or it already finished."""
    now = debitura_now()  # shown as "on its way since …" beside Debitura's times
    claimable: ColumnElement[bool] = CaseSubmission.status.in_(from_statuses)
    if take_over_stale:
        claimable = or_(
            claimable, and_(CaseSubmission.status == "sending", CaseSubmission.sending_since < now - STALE_SENDING)
        )
    result = db.session.execute(
        update(CaseSubmission)
        .where(CaseSubmission.idempotency_key == key, claimable)
        .values(status="sending", sending_since=now, attempts=CaseSubmission.attempts + 1, **values)
        .execution_options(synchronize_session=False)
    )
    db.session.commit()
    return rows_matched(result) == 1


def _dispatch(key: str, client: DebituraClient, actor: Actor) -> CaseSubmission:
    submission = db.session.execute(
        select(CaseSubmission).where(CaseSubmission.idempotency_key == key).execution_options(populate_existing=True)
    ).scalar_one()
    assert submission.payload is not None  # a claimed submission carries what it sends
    # The stored body read back: it encodes to the same bytes, so a retry is the request Debitura saw.
    request = CreateCaseRequest.from_json(jsonwire.loads(submission.payload))
    as_of = debitura_now()  # when we asked: case.created is stamped while Debitura handles the call
    try:
        case = client.create_case(submission.external_tenant_id, request, idempotency_key=key)
    except InvalidRequest as error:
        _finish_failed(submission, "draft", error, actor)
        raise
    except BusinessRuleError as error:
        _finish_rejected(submission, error, actor)
        return submission
    except (ClientNotLinked, ClientLinkInvalid) as error:
        # A definite answer, not a lost one: no token, or the token refused, so Debitura created nothing.
        _finish_not_linked(submission, error, actor)
        return submission
    except DebituraError as error:
        _finish_failed(submission, "failed", error, actor)
        return submission
    submission.status = "created"
    submission.case_id = case.id
    submission.case_reference = case.reference
    submission.lifecycle = case.lifecycle
    submission.signing_url = case.signing_handoff_url
    submission.is_test = case.is_test_case
    submission.last_error = None
    submission.last_status = 201
    submission.business_errors = []
    mirror.upsert_case(case, source="api", external_tenant_id=submission.external_tenant_id, as_of=as_of, commit=False)
    _record_outcome(
        submission,
        actor,
        audit.OK,
        f"Case {case.reference or case.id} created ({case.lifecycle or 'lifecycle not given'})",
        201,
        case_id=case.id,
    )
    return submission


def _record_outcome(
    submission: CaseSubmission,
    actor: Actor,
    outcome: str,
    summary: str,
    status: int | None,
    *,
    case_id: str | None = None,
) -> None:
    """The audit entry of one answer to a submission, committed with the submission's new state."""
    audit.record(
        "case.submit",
        outcome=outcome,
        summary=summary,
        external_tenant_id=submission.external_tenant_id,
        case_id=case_id,
        debitura_status=status,
        idempotency_key=submission.idempotency_key,
        operator=actor,
        commit=False,
    )
    db.session.commit()


def _finish_failed(submission: CaseSubmission, status: str, error: DebituraError, actor: Actor) -> None:
    submission.status = status
    submission.last_error = debitura_message(error)
    submission.last_status = error.http_status
    _record_outcome(submission, actor, audit.FAILED, failure_summary(error), error.http_status)


def _finish_not_linked(submission: CaseSubmission, error: DebituraError, actor: Actor) -> None:
    submission.status = "rejected"
    submission.last_status = error.http_status
    submission.last_error = error.user_message
    submission.signing_url = None
    submission.business_errors = [{"type": NO_ACTIVE_LINK, "message": error.user_message, "solution_url": None}]
    _record_outcome(
        submission,
        actor,
        audit.REFUSED,
        f"Refused by Debitura: no active client link ({error.user_message})",
        error.http_status,
    )


def _finish_rejected(submission: CaseSubmission, error: BusinessRuleError, actor: Actor) -> None:
    submission.status = "rejected"
    submission.last_status = error.http_status
    submission.last_error = error.user_message
    submission.signing_url = error.signing_handoff_url
    submission.business_errors = [
        {"type": item.type, "message": item.message, "solution_url": item.solution_url} for item in error.errors
    ] or [{"type": error.code, "message": error.user_message, "solution_url": None}]
    if MISSING_KYC in error.types:
        note_kyc_block(submission.tenant)
    _record_outcome(
        submission,
        actor,
        audit.REFUSED,
        f"Refused by Debitura: {', '.join(error.types) or error.user_message}",
        error.http_status,
    )
