"""Cases: creation through the Customer API, lifecycle moves, release after signing, files."""

from __future__ import annotations

import secrets
import string
from datetime import UTC, date, datetime, time
from typing import Any

from sqlalchemy import exists, select
from sqlalchemy.orm import Session

from dashboard.sandbox import clock, pricing, reference, validation
from dashboard.sandbox.domain.chats import post_system_message
from dashboard.sandbox.domain.lookups import (
    latest_kyc,
    onboarding_url,
    partner_contracts_signed,
    sdca_current,
    urls,
)
from dashboard.sandbox.domain.notify import case_event
from dashboard.sandbox.domain.revenue import record_collection
from dashboard.sandbox.domain.tasks import open_task, solve_tasks
from dashboard.sandbox.errors import BusinessRuleViolation, NotFound, ValidationFailed, business_error
from dashboard.sandbox.models import Case, CaseFile, ClientLink, Creditor, ValidationItem
from dashboard.sandbox.reference import FIRST_LIFECYCLE, NEEDS_INFO, PENDING_SIGNING
from dashboard.sandbox.validation import CaseInput

REFERENCE_ALPHABET = string.ascii_uppercase + string.digits


def _midnight(day: date) -> datetime:
    return datetime.combine(day, time(0, 0), tzinfo=UTC)


def _new_reference(s: Session) -> str:
    while True:
        candidate = "".join(secrets.choice(REFERENCE_ALPHABET) for _ in range(8))
        if not s.scalar(select(exists().where(Case.reference == candidate))):
            return candidate


def route(case_input: CaseInput) -> reference.CollectionPartner | None:
    """The routed partner, or the requested one when it covers the debtor's country."""
    routed = reference.route(case_input.debtor.country)
    if case_input.collection_partner_id is None or routed is None:
        return routed
    chosen = reference.PARTNERS[case_input.collection_partner_id]
    if chosen not in (routed, reference.partner_by_name(reference.FALLBACK_PARTNER)):
        raise ValidationFailed.single("CollectionPartnerId", f"{chosen.name} does not cover the debtor's jurisdiction.")
    return chosen


def new_case(
    s: Session,
    link: ClientLink,
    case_input: CaseInput,
    collection_partner: reference.CollectionPartner,
    lifecycle: str,
    now: datetime,
    *,
    via_partner: bool = True,
) -> Case:
    debtor = case_input.debtor
    quote = pricing.quote(
        case_input.amount,
        case_input.currency,
        debtor.country,
        today=now.date(),
        due_date=case_input.due_date,
        buckets=case_input.buckets,
        partner=collection_partner,
    )
    assert quote is not None  # a partner was given, so there is a price
    buckets = case_input.buckets
    case = Case(
        reference=_new_reference(s),
        creditor_id=link.creditor_id,
        link=link,
        via_partner=via_partner,
        creditor_reference=case_input.creditor_reference,
        creditor_comments=case_input.comments,
        claim_description=case_input.claim_description,
        gross_amount=case_input.amount,
        remainder=case_input.amount,
        amount_over_6_months=buckets.over_6 if buckets else None,
        amount_over_12_months=buckets.over_12 if buckets else None,
        amount_over_24_months=buckets.over_24 if buckets else None,
        currency=case_input.currency,
        is_test=case_input.is_test,
        tag=case_input.tag,
        lifecycle=lifecycle,
        date=_midnight(case_input.date),
        due_date=_midnight(case_input.due_date or case_input.date),
        date_created=clock.now(s),  # per case, so cases sent together still sort by creation
        debtor_type=debtor.type,
        debtor_name=debtor.name,
        debtor_contact_person=debtor.contact_person,
        debtor_registration_number=debtor.registration_number,
        debtor_address=debtor.address,
        debtor_zip_code=debtor.zip_code,
        debtor_city=debtor.city,
        debtor_state=debtor.state,
        debtor_state_alpha2=debtor.state_alpha2,
        debtor_country=debtor.country,
        debtor_email=debtor.email,
        debtor_phone=debtor.phone,
        # Test cases are validated like real ones but never assigned to a collection partner.
        collection_partner_id=None if case_input.is_test else collection_partner.id,
        base_fee_percentage=quote.base,
        age_uplift_points=quote.surcharge,
        return_url=case_input.return_url,
        assigned_user_email=case_input.assigned_user_email,
    )
    if collection_partner.requires_kyc:
        link.creditor.kyc_required = True
    s.add(case)
    s.flush()
    case_event(s, "case.created", case)
    return case


def contract_errors(
    s: Session, link: ClientLink, collection_partner: reference.CollectionPartner, country: str
) -> list[dict[str, Any]]:
    """The unsigned contracts (SDCA, PoA/JPA) in signing order, as business errors."""
    creditor = link.creditor
    errors = []
    if not sdca_current(s, creditor):
        message = (
            "The Standard Debt Collection Agreement must be signed before cases can be submitted."
            if creditor.sdca_signed_version is None
            else "A new version of the Standard Debt Collection Agreement must be signed."
        )
        errors.append(business_error("MissingDebtCollectionContract", message, onboarding_url(s, link)))
    if not partner_contracts_signed(s, creditor.id, collection_partner.id, country):
        errors.append(
            business_error(
                "MissingPowerOfAttorney",
                f"A Power of Attorney for {collection_partner.name} must be signed.",
                urls(s).power_of_attorney(link.id, collection_partner.id),
            )
        )
    return errors


def required_actions(
    s: Session, link: ClientLink, collection_partner: reference.CollectionPartner, country: str
) -> list[dict[str, Any]]:
    """Everything this client still owes this partner before a case goes ahead: contracts, then KYC."""
    errors = contract_errors(s, link, collection_partner, country)
    if collection_partner.requires_kyc and latest_kyc(s, link.creditor_id) is None:
        errors.append(
            business_error(
                "MissingKycVerification",
                f"{collection_partner.name} requires KYC verification of a director before accepting cases.",
                urls(s).kyc(link.id),
            )
        )
    return errors


def create_case(s: Session, link: ClientLink, payload: Any) -> tuple[Case, str | None]:
    """Customer API POST /cases with the partner's bearer token; returns the case and its signing URL."""
    now = clock.now(s)
    case_input = validation.parse_case(payload, now.date())
    creditor = link.creditor
    if case_input.creditor_reference is not None and s.scalar(
        select(
            exists().where(Case.creditor_id == creditor.id, Case.creditor_reference == case_input.creditor_reference)
        )
    ):
        raise ValidationFailed.single(
            "CreditorReference",
            f"DuplicateReference: a case with creditorReference '{case_input.creditor_reference}' already exists.",
        )
    if case_input.assigned_user_email and case_input.assigned_user_email not in {u.email for u in creditor.users}:
        raise ValidationFailed.single("AssignedUserEmail", "No active team member has this e-mail address.")
    collection_partner = route(case_input)
    if creditor.blocked:
        raise BusinessRuleViolation(
            [business_error("CreditorBlocked", "This creditor is blocked from submitting cases. Contact support.")]
        )
    if collection_partner is None:
        raise BusinessRuleViolation([business_error("NoPartnerAvailable", reference.NO_PARTNER_MESSAGE)])
    if collection_partner.requires_kyc:
        creditor.kyc_required = True
    errors = required_actions(s, link, collection_partner, case_input.debtor.country)
    kyc_missing = any(error["type"] == "MissingKycVerification" for error in errors)
    signing_url = urls(s).combined_signing(link.id, case_input.return_url) if errors else None
    # KYC is a hard block: allowPendingContracts only waives the SDCA and PoA.
    if errors and (kyc_missing or not case_input.allow_pending_contracts):
        raise BusinessRuleViolation(errors, signing_url)
    if errors:
        lifecycle = PENDING_SIGNING
    elif case_input.skip_verification:
        lifecycle = reference.SKIP_VERIFICATION_LIFECYCLE
    else:
        lifecycle = FIRST_LIFECYCLE
    return new_case(s, link, case_input, collection_partner, lifecycle, now), signing_url


def case_signing_url(s: Session, case: Case) -> str | None:
    """The combined signing URL while a case waits for contracts; None otherwise."""
    if case.lifecycle != PENDING_SIGNING:
        return None
    return urls(s).combined_signing(case.link_id, case.return_url)


def move_case(
    s: Session,
    case_id: str,
    lifecycle: str,
    close_code: str | None = None,
    close_comment: str | None = None,
    *,
    collect_remainder: bool = True,
) -> Case:
    """Move a case to a lifecycle (enum name or display string); fires case.updated, and case.closed."""
    case = s.get(Case, case_id)
    if case is None:
        raise NotFound("Case not found.")
    display = reference.lifecycle_display(lifecycle)
    if display is None:
        raise ValueError(f"Unknown lifecycle: {lifecycle}")
    old = case.lifecycle
    if display == old and display != "Closed":
        return case
    now = clock.now(s)
    case.lifecycle = display
    if old == NEEDS_INFO:
        _information_supplied(s, case)
    case.date_updated = now
    if display == "Active" and case.date_collection_started is None:
        case.date_collection_started = now
        case.current_engagement_phase = "Pre-legal"
    if display != "Closed":
        case.close_code = case.close_comment = case.date_finished = None
        case_event(s, "case.updated", case, oldLifecycle=old)
        return case
    code = close_code or "Paid"
    if code not in reference.CLOSE_CODES:
        raise ValueError(f"Unknown close code: {code}")
    case.close_code, case.close_comment, case.date_finished = code, close_comment, now
    solve_tasks(s, case.creditor_id, case_id=case.id)
    if code == "Paid" and collect_remainder and case.remainder > 0:
        record_collection(s, case.id, case.remainder, at=now)
    case_event(s, "case.updated", case, oldLifecycle=old)
    case_event(s, "case.closed", case, closeCode=code, closeComment=close_comment)
    return case


def release_pending_cases(s: Session, creditor: Creditor) -> list[Case]:
    """Cases waiting in Pending contract signing whose contracts are now all signed move on."""
    if not sdca_current(s, creditor):
        return []
    waiting = s.scalars(
        select(Case)
        .where(Case.creditor_id == creditor.id, Case.lifecycle == PENDING_SIGNING)
        .order_by(Case.date_created)
    ).all()
    released = []
    for case in waiting:
        if case.collection_partner_id and not partner_contracts_signed(
            s, creditor.id, case.collection_partner_id, case.debtor_country
        ):
            continue
        released.append(move_case(s, case.id, FIRST_LIFECYCLE))
    return released


def upload_file(
    s: Session, case: Case, file_name: str, content: bytes, content_type: str | None, *, send_chat_notification: bool
) -> CaseFile:
    now = clock.now(s)
    stored = CaseFile(
        case_id=case.id,
        file_name=file_name,
        content_type=content_type,
        size=len(content),
        content=content,
        send_chat_notification=send_chat_notification,
        date_created=now,
    )
    s.add(stored)
    if send_chat_notification:
        post_system_message(s, case.id, f"System message: New file uploaded under 'Files': {file_name}")
    s.flush()
    return stored


def open_validation_items(s: Session, case_id: str) -> list[ValidationItem]:
    return list(
        s.scalars(
            select(ValidationItem)
            .where(ValidationItem.case_id == case_id, ValidationItem.date_resolved.is_(None))
            .order_by(ValidationItem.id)
        )
    )


def request_information(s: Session, case_id: str, description: str, area: str = "Documents") -> ValidationItem:
    """The collection partner asks for something (a document, by default): the case needs info until supplied."""
    case = s.get(Case, case_id)
    if case is None:
        raise NotFound("Case not found.")
    if case.lifecycle == "Closed":
        raise ValueError("A closed case cannot ask for more information.")
    item = ValidationItem(case_id=case.id, resolution_area=area, description=description, date_created=clock.now(s))
    s.add(item)
    move_case(s, case.id, NEEDS_INFO)
    open_task(s, case.creditor_id, "MoreInfoNeeded", case=case, description=description)
    s.flush()
    return item


def _information_supplied(s: Session, case: Case) -> None:
    """Leaving "More Info Required": the requested items count as supplied and the task solves itself."""
    now = clock.now(s)
    for item in open_validation_items(s, case.id):
        item.date_resolved = now
    solve_tasks(s, case.creditor_id, case_id=case.id, types=("MoreInfoNeeded",))
