"""Manual case submission: draft → preview → send, exactly once per Idempotency-Key.

The key is minted with the draft, before the operator can click anything. Sending claims the row
with one conditional UPDATE (draft/failed → sending), so a double click or a second worker finds
it taken and sends nothing; and whatever reaches Debitura carries the same key and the same body,
so Debitura replays its first answer instead of creating a second case.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import date, timedelta
from decimal import Decimal
from typing import Any

from flask_login import current_user
from sqlalchemy import ColumnElement, and_, delete, func, or_, select, update

from dashboard.authz import ensure_role
from dashboard.debitura import (
    BusinessRuleError,
    ClientLinkInvalid,
    ClientNotLinked,
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
from dashboard.services import audit, mirror, pricing
from dashboard.services.kyc import note_kyc_block
from dashboard.services.tenant_state import LINKED_STATES, debitura_now, derive_state
from dashboard.wiring import debitura as app_debitura

# A "sending" row older than this lost its worker (crash, restart): a retry may take it over.
STALE_SENDING = timedelta(seconds=90)
# Drafts nobody sent are kept a week, then cleared when new drafts are made.
DRAFT_RETENTION = timedelta(days=7)
MISSING_KYC = "MissingKycVerification"
NO_ACTIVE_LINK = "NoActiveClientLink"  # our name for "Debitura mints no token for this client"


class SubmissionNotFound(LookupError):
    """No submission has this key."""


class TenantCannotTakeCases(Exception):
    """The tenant has no active link at Debitura (declined, pending approval, another partner, …): no case can go."""


class PreviewRequired(Exception):
    """The values differ from the last preview: the operator confirms a price they have seen, never another."""


@dataclass(frozen=True)
class DebtorDraft:
    type: str  # Company | Private
    name: str
    country: str
    state: str | None = None
    contact_person: str | None = None
    registration_number: str | None = None
    address: str | None = None
    zip_code: str | None = None
    city: str | None = None
    email: str | None = None
    phone: str | None = None


@dataclass(frozen=True)
class CaseDraft:
    currency: str
    amount: Decimal
    invoice_date: date
    debtor: DebtorDraft
    due_date: date | None = None
    creditor_reference: str | None = None
    claim_description: str | None = None
    comments: str | None = None
    allow_pending_contracts: bool = True
    is_test: bool = False
    return_url: str | None = None

    def pricing_input(self) -> pricing.PricingInput:
        return pricing.PricingInput(
            amount=self.amount,
            currency=self.currency,
            debtor_type=self.debtor.type,
            country=self.debtor.country,
            state=self.debtor.state,
            due_date=self.due_date,
        )


def case_payload(draft: CaseDraft) -> dict[str, Any]:
    """The Customer API's CreateCollectionCase body; empty optional fields are left out."""
    debtor = {
        "type": draft.debtor.type,
        "name": draft.debtor.name,
        "contactPerson": draft.debtor.contact_person,
        "companyRegistrationNumber": draft.debtor.registration_number,
        "address": draft.debtor.address,
        "zipCode": draft.debtor.zip_code,
        "city": draft.debtor.city,
        "countryAlpha2": draft.debtor.country,
        "stateAlpha2": draft.debtor.state if draft.debtor.country == "US" else None,
        "email": draft.debtor.email,
        "phone": draft.debtor.phone,
    }
    payload: dict[str, Any] = {
        "currencyCode": draft.currency,
        "amountToRecover": draft.amount,
        "date": pricing.wire_date(draft.invoice_date),
        "dueDate": pricing.wire_date(draft.due_date) if draft.due_date else None,
        "creditorReference": draft.creditor_reference,
        "claimDescription": draft.claim_description,
        "comments": draft.comments,
        "debtor": {name: value for name, value in debtor.items() if value not in (None, "")},
        "allowPendingContracts": draft.allow_pending_contracts,
        "isTest": draft.is_test,
        "returnUrl": draft.return_url,
    }
    return {name: value for name, value in payload.items() if value not in (None, "")}


def _encode(draft: CaseDraft) -> str:
    return jsonwire.dumps(case_payload(draft))


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
    return list(db.session.scalars(
        select(Tenant).where(Tenant.state.in_(LINKED_STATES))
        .order_by(Tenant.company_name, Tenant.external_tenant_id).limit(limit)
    ))


def tenants_not_accepting_cases() -> int:
    return db.session.scalar(select(func.count()).select_from(Tenant).where(Tenant.state.not_in(LINKED_STATES))) or 0


def start(tenant_id: int, *, form_data: dict[str, str] | None = None, retry_of: str | None = None) -> CaseSubmission:
    """A fresh draft (and its Idempotency-Key) for one tenant that can take a case."""
    operator = _operator()
    tenant = db.session.get(Tenant, tenant_id)
    if tenant is None:
        raise LookupError(f"No tenant with id {tenant_id}")
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
        operator_id=operator.id,
        form_data=dict(form_data or {}),
        retry_of=retry_of,
    )
    db.session.add(submission)
    db.session.commit()
    return submission


def _operator():
    ensure_role("operator")
    return current_user


def reference_in_use(tenant_id: int, creditor_reference: str) -> str | None:
    """The reference of a known case of this tenant that already uses this creditor reference.

    Debitura keeps creditor references unique per creditor (DuplicateReference); checking the mirror
    first lets the form say so next to the field before anything is sent.
    """
    reference = (creditor_reference or "").strip()
    if not reference:
        return None
    row = db.session.execute(
        select(Case.reference, Case.id).where(Case.tenant_id == tenant_id, Case.creditor_reference == reference).limit(1)
    ).first()
    return (row.reference or row.id) if row is not None else None


def save_input(key: str, form_data: dict[str, str]) -> CaseSubmission:
    """Keep what the operator typed, so a reload or a failure shows it again."""
    submission = get(key)
    if submission.status == "draft":
        submission.form_data = dict(form_data)
        db.session.commit()
    return submission


def preview(key: str, draft: CaseDraft, form_data: dict[str, str], *, debitura: DebituraClient | None = None) -> pricing.PricingQuote:
    """Price exactly what would be sent, and remember that this body was seen by the operator."""
    _operator()
    submission = get(key)
    if submission.status == "draft":
        submission.form_data = dict(form_data)
        db.session.commit()
    quote = pricing.preview(draft.pricing_input(), debitura=debitura, external_tenant_id=submission.external_tenant_id,
                            as_client=True)
    if submission.status == "draft":
        submission.previewed_payload = _encode(draft)
        db.session.commit()
    return quote


def submit(key: str, draft: CaseDraft, form_data: dict[str, str], *, debitura: DebituraClient | None = None) -> CaseSubmission:
    """Send a draft the operator has previewed. A second call with the same key never sends twice.

    Raises PreviewRequired when the values changed since the preview, and InvalidRequest (400, field errors)
    after putting the row back to draft: Debitura does not store 400s, so the corrected form reuses the key.
    """
    _operator()
    submission = get(key)
    body = _encode(draft)
    if submission.status == "draft" and submission.previewed_payload != body:
        submission.form_data = dict(form_data)
        db.session.commit()
        raise PreviewRequired("The values changed since the last preview.")
    if not _claim(key, from_statuses=("draft",), values={"form_data": dict(form_data), "payload": body}):
        db.session.refresh(submission)
        return submission  # already sending, sent or refused: the page shows that state
    return _dispatch(key, debitura or app_debitura())


def retry(key: str, *, debitura: DebituraClient | None = None) -> CaseSubmission:
    """Send a failed (or abandoned) submission again: same key, byte-identical body."""
    _operator()
    submission = get(key)
    if not _claim(key, from_statuses=("failed",), values={}, take_over_stale=True):
        db.session.refresh(submission)
        return submission
    return _dispatch(key, debitura or app_debitura())


def copy_as_new(key: str) -> CaseSubmission:
    """A new draft with the same input and a fresh key (a refused submission cannot be replayed into a case)."""
    original = get(key)
    return start(original.tenant_id, form_data=original.form_data, retry_of=original.idempotency_key)


def _claim(key: str, *, from_statuses: tuple[str, ...], values: dict[str, Any], take_over_stale: bool = False) -> bool:
    """Atomically move the row to `sending`; False when another request holds it or it already finished."""
    now = debitura_now()  # shown as "on its way since …" beside Debitura's times
    claimable: ColumnElement[bool] = CaseSubmission.status.in_(from_statuses)
    if take_over_stale:
        claimable = or_(claimable, and_(CaseSubmission.status == "sending", CaseSubmission.sending_since < now - STALE_SENDING))
    result = db.session.execute(
        update(CaseSubmission)
        .where(CaseSubmission.idempotency_key == key, claimable)
        .values(status="sending", sending_since=now, attempts=CaseSubmission.attempts + 1, **values)
        .execution_options(synchronize_session=False)
    )
    db.session.commit()
    return rows_matched(result) == 1


def _dispatch(key: str, client: DebituraClient) -> CaseSubmission:
    submission = db.session.execute(
        select(CaseSubmission).where(CaseSubmission.idempotency_key == key).execution_options(populate_existing=True)
    ).scalar_one()
    assert submission.payload is not None  # a claimed submission carries what it sends
    payload = jsonwire.loads(submission.payload)
    as_of = debitura_now()  # when we asked: case.created is stamped while Debitura handles the call
    try:
        case = client.create_case(submission.external_tenant_id, payload, idempotency_key=key)
    except InvalidRequest as error:
        _finish_failed(submission, "draft", error)
        raise
    except BusinessRuleError as error:
        _finish_rejected(submission, error)
        return submission
    except (ClientNotLinked, ClientLinkInvalid) as error:
        # A definite answer, not a lost one: no token, or the token refused, so Debitura created nothing.
        _finish_not_linked(submission, error)
        return submission
    except DebituraError as error:
        _finish_failed(submission, "failed", error)
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
        submission, audit.OK, f"Case {case.reference or case.id} created ({case.lifecycle or 'lifecycle not given'})", 201,
        case_id=case.id,
    )
    return submission


def _record_outcome(
    submission: CaseSubmission, outcome: str, summary: str, status: int | None, *, case_id: str | None = None
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
        commit=False,
    )
    db.session.commit()


def _finish_failed(submission: CaseSubmission, status: str, error: DebituraError) -> None:
    submission.status = status
    submission.last_error = debitura_message(error)
    submission.last_status = error.http_status
    _record_outcome(submission, audit.FAILED, failure_summary(error), error.http_status)


def _finish_not_linked(submission: CaseSubmission, error: DebituraError) -> None:
    submission.status = "rejected"
    submission.last_status = error.http_status
    submission.last_error = error.user_message
    submission.signing_url = None
    submission.business_errors = [{"type": NO_ACTIVE_LINK, "message": error.user_message, "solution_url": None}]
    _record_outcome(submission, audit.REFUSED, f"Refused by Debitura: no active client link ({error.user_message})",
                    error.http_status)


def _finish_rejected(submission: CaseSubmission, error: BusinessRuleError) -> None:
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
        submission, audit.REFUSED, f"Refused by Debitura: {', '.join(error.types) or error.user_message}", error.http_status
    )
