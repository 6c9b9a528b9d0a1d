"""Every state transition of the simulated Debitura, as plain functions over an ORM session.

The APIs, the hosted customer pages and the control panel all change state through
these functions, so each rule lives in one place. Functions flush but never commit:
the caller owns the transaction. Webhook events are written to the outbox as part of
the same transaction (see events.emit).

How POST /clients decides (the sandbox's matching rules, applied in this order):

1. The request is validated first; any invalid case aborts everything with 400.
2. Link requests past their TTL are expired (the "hourly job" also runs on each call).
3. An active link with this externalTenantId (case-sensitive) answers idempotently:
   201 when the current SDCA version is signed, else 202 with a fresh onboarding URL
   (or the ContractUpgrade URL when an older version was signed). Cases sent again are
   not created twice: they come back as IdempotencyViolation failures.
4. A pending link request for this externalTenantId answers the same 409 with the same URL.
5. The user and support e-mails are matched (exactly, case-insensitively):
   - any e-mail at `@other-partner.example`, or an account linked to another partner:
     409 AlreadyLinkedToAnotherPartner;
   - any e-mail at `@collector.example`, or a matched collection-partner account:
     409 InvalidClientType;
   - an e-mail of a client already linked to this partner under another externalTenantId:
     409 AlreadyLinkedDifferentTenant (data names the existing tenant id);
   - any e-mail at `@existing.example`, or any other existing, unlinked Debitura account:
     409 ClientExistsNeedsLinking with an approval URL `{ui}/ReferralPartner/Approve?token=…`,
     valid for the partner's approval TTL (default 7 days). When a user e-mail's local part
     starts with `choice` (e.g. `choice.anna@existing.example`) the URL is the Choice page
     `{ui}/ReferralPartner/Choice?token=…`. `client.link_requested` fires. The cases sent
     are stored and carried through on approval (as Pending contract signing while contracts
     are unsigned); after expiry or a decline, the same call issues a fresh URL.
6. Otherwise a new client is created (attributed, fee % snapshotted): 202 with
   `{ui}/onboarding/companydetails/{linkId}`. Its cases are created in Pending contract
   signing; a debtor in an uncovered country is reported in caseResults.failedCases.
"""

from __future__ import annotations

import secrets
import string
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from decimal import Decimal
from typing import Any
from urllib.parse import parse_qsl, urlencode, urlsplit, urlunsplit

from sqlalchemy import exists, select, update
from sqlalchemy.orm import Session

from dashboard.sandbox import clock, events, pricing, reference, validation, wire
from dashboard.sandbox.config import SandboxUrls
from dashboard.sandbox.errors import (
    ApiError,
    BusinessRuleViolation,
    ClientConflict,
    LinkRequestUnavailable,
    NotFound,
    StepNotAvailable,
    ValidationFailed,
    business_error,
)
from dashboard.sandbox.models import (
    ACTIVE_LINK_STATUSES,
    Case,
    CaseFile,
    CaseMessage,
    ClientLink,
    ContractSignature,
    Creditor,
    CreditorUser,
    KycVerification,
    LinkRequest,
    Partner,
    RevenueTransaction,
    SandboxState,
)
from dashboard.sandbox.reference import FIRST_LIFECYCLE, PENDING_SIGNING
from dashboard.sandbox.validation import CaseInput, ClientInput, KycInput

OTHER_PARTNER_DOMAIN = "other-partner.example"
COLLECTOR_DOMAIN = "collector.example"
EXISTING_DOMAIN = "existing.example"
CHOICE_PREFIX = "choice"
REFERENCE_ALPHABET = string.ascii_uppercase + string.digits
REVENUE_STATUSES = {
    "commission": ("Unpaid", "Paid", "Credited"),
    "platform": ("NotInvoiced", "InvoiceIssued", "PaymentReceived", "InvoiceCredited"),
    "referral": ("Pending", "Invoiced", "Paid", "Disputed"),
}


# --- context -----------------------------------------------------------------------------------


def urls(s: Session) -> SandboxUrls:
    return s.info["urls"]


def state(s: Session) -> SandboxState:
    return s.get(SandboxState, clock.STATE_ID)


def partner(s: Session) -> Partner:
    return s.scalars(select(Partner)).one()


# --- reading state -----------------------------------------------------------------------------


def active_link(s: Session, external_tenant_id: str) -> ClientLink | None:
    return s.scalars(
        select(ClientLink).where(
            ClientLink.external_tenant_id == external_tenant_id, ClientLink.status.in_(ACTIVE_LINK_STATUSES)
        )
    ).first()


def require_link(s: Session, external_tenant_id: str) -> ClientLink:
    link = active_link(s, external_tenant_id)
    if link is None:
        raise NotFound("No active client link found for this externalTenantId.")
    return link


def link_by_id(s: Session, link_id: str) -> ClientLink:
    """The link a hosted page works on; it must still be active."""
    link = s.get(ClientLink, link_id)
    if link is None or not link.is_active:
        raise StepNotAvailable("This link is no longer active.")
    return link


def visible_case(s: Session, case_id: str) -> Case | None:
    """A case the partner can see: it belongs to one of the partner's active links."""
    case = s.get(Case, case_id)
    if case is None or not case.link.is_active:
        return None
    return case


def sdca_current(s: Session, creditor: Creditor) -> bool:
    return creditor.sdca_signed_version == state(s).sdca_version


def onboarding_url(s: Session, link: ClientLink) -> str | None:
    """Where the client finishes onboarding: full onboarding, the SDCA re-sign page, or nothing."""
    creditor = link.creditor
    if creditor.sdca_signed_version is None:
        return urls(s).onboarding(link.id, secrets.token_urlsafe(8))
    if not sdca_current(s, creditor):
        return urls(s).contract_upgrade(link.id)
    return None


def latest_kyc(s: Session, creditor_id: str) -> KycVerification | None:
    return s.scalars(
        select(KycVerification)
        .where(KycVerification.creditor_id == creditor_id)
        .order_by(KycVerification.date_created.desc(), KycVerification.id.desc())
    ).first()


def kyc_status(creditor: Creditor, kyc: KycVerification | None) -> str:
    """`verified` once reviewed; `pending` with exposure to a KYC partner or a submission under review."""
    if kyc is not None and kyc.verification_status == "Completed":
        return "verified"
    if creditor.kyc_required or kyc is not None:
        return "pending"
    return "not_required"


def has_signature(s: Session, creditor_id: str, collection_partner_id: str, kind: str) -> bool:
    return s.scalar(
        select(
            exists().where(
                ContractSignature.creditor_id == creditor_id,
                ContractSignature.collection_partner_id == collection_partner_id,
                ContractSignature.kind == kind,
            )
        )
    )


def partner_contracts_signed(s: Session, creditor_id: str, partner_id: str, country: str) -> bool:
    if not has_signature(s, creditor_id, partner_id, "poa"):
        return False
    return not reference.needs_jpa(country) or has_signature(s, creditor_id, partner_id, "jpa")


# --- events ------------------------------------------------------------------------------------


def _client_event(
    s: Session,
    event_type: str,
    external_tenant_id: str,
    creditor: Creditor,
    *,
    is_attributed: bool | None,
    **extra: Any,
) -> None:
    data = {
        "externalTenantId": external_tenant_id,
        "creditor": wire.creditor_event_data(creditor, is_attributed=is_attributed),
        **extra,
    }
    events.emit(s, event_type, data, {"client": urls(s).client(external_tenant_id)})


def case_event_payload(s: Session, case: Case, **extra: Any) -> tuple[dict[str, Any], dict[str, str]]:
    data = {
        "caseId": case.id,
        "reference": case.reference,
        "externalTenantId": case.link.external_tenant_id,
        "lifecycle": case.lifecycle,
        **extra,
    }
    links = {
        "case": f"{urls(s).referral_api}/cases/{case.id}",
        "client": urls(s).client(case.link.external_tenant_id),
    }
    return data, links


def client_event_payload(s: Session, link: ClientLink, **extra: Any) -> tuple[dict[str, Any], dict[str, str]]:
    data = {
        "externalTenantId": link.external_tenant_id,
        "creditor": wire.creditor_event_data(link, is_attributed=link.is_attributed),
        **extra,
    }
    return data, {"client": urls(s).client(link.external_tenant_id)}


def _case_event(s: Session, event_type: str, case: Case, **extra: Any) -> None:
    data, links = case_event_payload(s, case, **extra)
    events.emit(s, event_type, data, links, is_test_data=case.is_test)


# --- POST /clients -----------------------------------------------------------------------------


@dataclass
class ClientOutcome:
    """A 201 or 202 answer to POST /clients (409s are raised as ClientConflict)."""

    status: int
    link: ClientLink
    case_results: dict[str, Any] | None = None


def create_or_link_client(s: Session, payload: Any) -> ClientOutcome:
    """POST /clients: create, resume or link a client; see the module docstring for the rules."""
    now = clock.now(s)
    request = validation.parse_client(payload, now.date())
    expire_link_requests(s)
    link = active_link(s, request.external_tenant_id)
    if link is not None:
        return ClientOutcome(_ready_status(s, link), link, _repeated_cases(request))
    pending = _pending_request(s, request.external_tenant_id)
    if pending is not None:
        raise _needs_linking(s, pending)
    matched = _matched_creditors(s, request.emails)
    _refuse_conflicts(s, request, matched)
    existing = _existing_account(s, request, matched, now)
    if existing is not None:
        raise _needs_linking(s, _create_link_request(s, request, existing, now))
    link = _new_client(s, request, now)
    results = _create_initial_cases(s, link, request.cases, now) if request.cases else None
    return ClientOutcome(202, link, results)


def _ready_status(s: Session, link: ClientLink) -> int:
    return 201 if sdca_current(s, link.creditor) else 202


def _failure(index: int, case: CaseInput | None, error_type: str, message: str) -> dict[str, Any]:
    return {
        "caseIndex": index,
        "creditorReference": case.creditor_reference if case is not None else None,
        "errorType": error_type,
        "errorMessage": message,
        "validationErrors": None,
    }


def _repeated_cases(request: ClientInput) -> dict[str, Any] | None:
    if not request.cases:
        return None
    message = "The client already exists; cases are only created on the first call."
    return {
        "successfulCases": [],
        "failedCases": [_failure(i, case, "IdempotencyViolation", message) for i, case in enumerate(request.cases)],
    }


def _pending_request(s: Session, external_tenant_id: str) -> LinkRequest | None:
    return s.scalars(
        select(LinkRequest).where(
            LinkRequest.external_tenant_id == external_tenant_id, LinkRequest.status == "pending"
        )
    ).first()


def _needs_linking(s: Session, request: LinkRequest) -> ClientConflict:
    url = urls(s).choice(request.token) if request.is_choice else urls(s).approve(request.token)
    return ClientConflict(
        "ClientExistsNeedsLinking",
        "Client already exists in Debitura. Approval required to link to referral partner.",
        {
            "externalTenantId": request.external_tenant_id,
            "onboardingLinks": {"url": url},
            "isAttributedClient": False,
        },
    )


def _matched_creditors(s: Session, emails: list[str]) -> list[Creditor]:
    by_user = select(CreditorUser.creditor_id).where(CreditorUser.email.in_(emails))
    return list(
        s.scalars(
            select(Creditor).where(
                Creditor.deleted_at.is_(None),
                (Creditor.office_email.in_(emails)) | (Creditor.id.in_(by_user)),
            )
        ).unique()
    )


def _domains(emails: list[str]) -> set[str]:
    return {email.rsplit("@", 1)[1] for email in emails}


def _refuse_conflicts(s: Session, request: ClientInput, matched: list[Creditor]) -> None:
    domains = _domains(request.emails)
    tenant = request.external_tenant_id
    if OTHER_PARTNER_DOMAIN in domains or any(creditor.other_partner_name for creditor in matched):
        raise ClientConflict(
            "AlreadyLinkedToAnotherPartner",
            "This client is already linked to another referral partner. Contact Debitura support.",
            {"externalTenantId": tenant},
        )
    if COLLECTOR_DOMAIN in domains or any(creditor.kind != "creditor" for creditor in matched):
        raise ClientConflict(
            "InvalidClientType",
            "The matching Debitura account is not a creditor account; the customer needs a separate creditor account.",
        )
    for creditor in matched:
        other = s.scalars(
            select(ClientLink).where(
                ClientLink.creditor_id == creditor.id, ClientLink.status.in_(ACTIVE_LINK_STATUSES)
            )
        ).first()
        if other is not None:
            raise ClientConflict(
                "AlreadyLinkedDifferentTenant",
                f"This client is already linked to you under externalTenantId '{other.external_tenant_id}'.",
                {"externalTenantId": tenant, "existingExternalTenantId": other.external_tenant_id},
            )


def _existing_account(s: Session, request: ClientInput, matched: list[Creditor], now: datetime) -> Creditor | None:
    """The pre-existing Debitura account the request matches; `@existing.example` ones are conjured."""
    if matched:
        return matched[0]
    existing_emails = [email for email in request.emails if email.endswith("@" + EXISTING_DOMAIN)]
    if not existing_emails:
        return None
    users = {user.email: user.name for user in request.users}
    creditor = Creditor(
        company_name=request.name,
        registration_number=request.registration_number,
        country=request.country,
        address=request.address,
        city=request.city,
        zip_code=request.zip_code,
        office_email=request.support_email if request.support_email in existing_emails else None,
        created_at=now - timedelta(days=400),
        users=[
            CreditorUser(email=email, name=users[email], is_onboarding_user=index == 0)
            for index, email in enumerate(email for email in existing_emails if email in users)
        ],
    )
    s.add(creditor)
    s.flush()
    return creditor


def _create_link_request(s: Session, request: ClientInput, creditor: Creditor, now: datetime) -> LinkRequest:
    payload = {
        "client": {
            "name": request.name,
            "registrationNumber": request.registration_number,
            "country": request.country,
            "address": request.address,
            "zipCode": request.zip_code,
            "city": request.city,
            "state": request.state,
            "supportEmail": request.support_email,
            "supportPhone": request.support_phone,
        },
        "users": [
            {"name": user.name, "email": user.email, "isOnboardingUser": user.is_onboarding_user}
            for user in request.users
        ],
        "cases": request.raw_cases,
    }
    link_request = LinkRequest(
        token=secrets.token_urlsafe(24),
        partner_id=partner(s).id,
        external_tenant_id=request.external_tenant_id,
        creditor=creditor,
        is_choice=any(user.email.startswith(CHOICE_PREFIX) for user in request.users),
        payload=wire.dumps(payload),
        created_at=now,
        expires_at=now + timedelta(days=state(s).approval_ttl_days),
    )
    s.add(link_request)
    s.flush()
    _client_event(
        s,
        "client.link_requested",
        request.external_tenant_id,
        creditor,
        is_attributed=False,
        expiresAt=wire.iso(link_request.expires_at),
    )
    return link_request


def _new_client(s: Session, request: ClientInput, now: datetime) -> ClientLink:
    creditor = Creditor(
        company_name=request.name,
        registration_number=request.registration_number,
        country=request.country,
        address=request.address,
        city=request.city,
        zip_code=request.zip_code,
        state=request.state,
        office_email=request.support_email,
        office_phone=request.support_phone,
        created_at=now,
        users=[
            CreditorUser(email=user.email, name=user.name, is_onboarding_user=user.is_onboarding_user)
            for user in request.users
        ],
    )
    return _link(s, creditor, request.external_tenant_id, attributed=True, now=now)


def _link(s: Session, creditor: Creditor, external_tenant_id: str, *, attributed: bool, now: datetime) -> ClientLink:
    owner = partner(s)
    link = ClientLink(
        partner_id=owner.id,
        external_tenant_id=external_tenant_id,
        creditor=creditor,
        is_attributed=attributed,
        fee_percentage_snapshot=owner.referral_fee_percentage,
        date_linked=now,
    )
    s.add(link)
    s.flush()
    return link


def _create_initial_cases(s: Session, link: ClientLink, cases: list[CaseInput], now: datetime) -> dict[str, Any]:
    successful, failed = [], []
    for index, case_input in enumerate(cases):
        collection_partner = _route(case_input)
        if collection_partner is None:
            failed.append(_failure(index, case_input, "NoPartnerAvailable", reference.NO_PARTNER_MESSAGE))
            continue
        case = _new_case(s, link, case_input, collection_partner, PENDING_SIGNING, now)
        signing_url = urls(s).combined_signing(link.id, case.return_url)
        successful.append(wire.invoice_dto(case, combined_signing_url=signing_url))
    return {"successfulCases": successful, "failedCases": failed}


# --- cases -------------------------------------------------------------------------------------


def _midnight(day: date) -> datetime:
    return datetime.combine(day, time(0, 0), tzinfo=UTC)


def _new_reference(s: Session) -> str:
    while True:
        candidate = "".join(secrets.choice(REFERENCE_ALPHABET) for _ in range(8))
        if not s.scalar(select(exists().where(Case.reference == candidate))):
            return candidate


def _route(case_input: CaseInput) -> reference.CollectionPartner | None:
    """The routed partner, or the requested one when it covers the debtor's country."""
    routed = reference.route(case_input.debtor.country)
    if case_input.collection_partner_id is None or routed is None:
        return routed
    chosen = reference.PARTNERS[case_input.collection_partner_id]
    if chosen not in (routed, reference.partner_by_name(reference.FALLBACK_PARTNER)):
        raise ValidationFailed.single(
            "CollectionPartnerId", f"{chosen.name} does not cover the debtor's jurisdiction."
        )
    return chosen


def _new_case(
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
    _case_event(s, "case.created", case)
    return case


def _contract_errors(s: Session, link: ClientLink, collection_partner: reference.CollectionPartner, country: str):
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
    collection_partner = _route(case_input)
    if creditor.blocked:
        raise BusinessRuleViolation(
            [business_error("CreditorBlocked", "This creditor is blocked from submitting cases. Contact support.")]
        )
    if collection_partner is None:
        raise BusinessRuleViolation([business_error("NoPartnerAvailable", reference.NO_PARTNER_MESSAGE)])
    errors = _contract_errors(s, link, collection_partner, case_input.debtor.country)
    kyc_missing = False
    if collection_partner.requires_kyc:
        creditor.kyc_required = True
        if latest_kyc(s, creditor.id) is None:
            kyc_missing = True
            errors.append(
                business_error(
                    "MissingKycVerification",
                    f"{collection_partner.name} requires KYC verification of a director before accepting cases.",
                    urls(s).kyc(link.id),
                )
            )
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
    return _new_case(s, link, case_input, collection_partner, lifecycle, now), signing_url


def case_signing_url(s: Session, case: Case) -> str | None:
    """The combined signing URL while a case waits for contracts; None otherwise."""
    if case.lifecycle != PENDING_SIGNING:
        return None
    return urls(s).combined_signing(case.link_id, case.return_url)


def move_case(
    s: Session, case_id: str, lifecycle: str, close_code: str | None = None, close_comment: str | None = None
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
    case.date_updated = now
    if display == "Active" and case.date_collection_started is None:
        case.date_collection_started = now
        case.current_engagement_phase = "Pre-legal"
    if display != "Closed":
        case.close_code = case.close_comment = case.date_finished = None
        _case_event(s, "case.updated", case, oldLifecycle=old)
        return case
    code = close_code or "Paid"
    if code not in reference.CLOSE_CODES:
        raise ValueError(f"Unknown close code: {code}")
    case.close_code, case.close_comment, case.date_finished = code, close_comment, now
    if code == "Paid" and case.remainder > 0:
        record_collection(s, case.id, case.remainder)
    _case_event(s, "case.updated", case, oldLifecycle=old)
    _case_event(s, "case.closed", case, closeCode=code, closeComment=close_comment)
    return case


def _release_pending_cases(s: Session, creditor: Creditor) -> list[Case]:
    """Cases waiting in Pending contract signing whose contracts are now all signed move on."""
    if not sdca_current(s, creditor):
        return []
    waiting = s.scalars(
        select(Case).where(Case.creditor_id == creditor.id, Case.lifecycle == PENDING_SIGNING).order_by(Case.date_created)
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
        s.add(
            CaseMessage(
                case_id=case.id, body=f"System message: New file uploaded under 'Files': {file_name}", created_at=now
            )
        )
    s.flush()
    return stored


# --- onboarding and signing --------------------------------------------------------------------


def record_onboarding_step(s: Session, link_id: str, step: str) -> ClientLink:
    """Remember how far the hosted onboarding got (companydetails, users, kyc, contract)."""
    link = link_by_id(s, link_id)
    if link.onboarding_step != "done":
        link.onboarding_step = step
    return link


def _pending_case_partners(s: Session, creditor_id: str) -> list[str]:
    return list(
        s.scalars(
            select(Case.collection_partner_id)
            .where(
                Case.creditor_id == creditor_id,
                Case.lifecycle == PENDING_SIGNING,
                Case.collection_partner_id.is_not(None),
            )
            .distinct()
        )
    )


def _sign_partner_contracts(s: Session, creditor: Creditor, partner_ids: list[str], now: datetime) -> bool:
    """Sign the PoA (and, where the partner has a carve-out, the JPA with it); True if anything was new."""
    signed = False
    for partner_id in partner_ids:
        kinds = ["poa"] + (["jpa"] if reference.signs_jpa(reference.PARTNERS[partner_id]) else [])
        for kind in kinds:
            if not has_signature(s, creditor.id, partner_id, kind):
                s.add(ContractSignature(creditor_id=creditor.id, collection_partner_id=partner_id, kind=kind, signed_at=now))
                signed = True
    s.flush()
    return signed


def _sign_sdca(s: Session, link: ClientLink, now: datetime) -> bool:
    creditor = link.creditor
    if sdca_current(s, creditor):
        return False
    creditor.sdca_signed_version = state(s).sdca_version
    creditor.sdca_signed_at = now
    link.status = "ready"
    link.onboarding_step = "done"
    _client_event(
        s,
        "client.onboarding.contract_signed",
        link.external_tenant_id,
        creditor,
        is_attributed=link.is_attributed,
        signedAt=wire.iso(now),
    )
    return True


def _poa_signed_event(s: Session, link: ClientLink, now: datetime) -> None:
    _client_event(
        s,
        "client.onboarding.poa_signed",
        link.external_tenant_id,
        link.creditor,
        is_attributed=link.is_attributed,
        signedAt=wire.iso(now),
    )


def complete_onboarding(s: Session, link_id: str) -> ClientLink:
    """The hosted onboarding's last step: company details and users saved, PoAs and the SDCA signed."""
    link = link_by_id(s, link_id)
    now = clock.now(s)
    if _sign_partner_contracts(s, link.creditor, _pending_case_partners(s, link.creditor_id), now):
        _poa_signed_event(s, link, now)  # fires before contract_signed, as in Debitura's flow
    _sign_sdca(s, link, now)
    link.status, link.onboarding_step = "ready", "done"
    _release_pending_cases(s, link.creditor)
    return link


def sign_contract_upgrade(s: Session, link_id: str) -> ClientLink:
    """The ContractUpgrade page: re-sign the SDCA at its current version."""
    link = link_by_id(s, link_id)
    if link.creditor.sdca_signed_version is None:
        raise StepNotAvailable("This client has not signed an SDCA yet: it needs the full onboarding.")
    _sign_sdca(s, link, clock.now(s))
    _release_pending_cases(s, link.creditor)
    return link


def sign_power_of_attorney(s: Session, link_id: str, collection_partner_id: str) -> ClientLink:
    """The PowerOfAttorney page: sign the PoA (and JPA) for one collection partner."""
    link = link_by_id(s, link_id)
    if collection_partner_id not in reference.PARTNERS:
        raise StepNotAvailable("Unknown collection partner.")
    now = clock.now(s)
    if _sign_partner_contracts(s, link.creditor, [collection_partner_id], now):
        _poa_signed_event(s, link, now)
    _release_pending_cases(s, link.creditor)
    return link


def publish_sdca_version(s: Session) -> int:
    """Debitura releases a new SDCA: ready clients must re-sign (201 turns into 202)."""
    current = state(s)
    current.sdca_version += 1
    s.flush()
    return current.sdca_version


def pending_signing_steps(s: Session, creditor_id: str) -> list[str]:
    """What the combined signing chain still has to walk: sdca, poa:<partner id>, kyc."""
    creditor = s.get(Creditor, creditor_id)
    steps = [] if sdca_current(s, creditor) else ["sdca"]
    for partner_id in _pending_case_partners(s, creditor_id):
        if not has_signature(s, creditor_id, partner_id, "poa"):
            steps.append(f"poa:{partner_id}")
    if creditor.kyc_required and latest_kyc(s, creditor_id) is None:
        steps.append("kyc")
    return steps


def complete_combined_signing(s: Session, creditor_id: str, *, kyc: KycInput | None = None) -> list[Case]:
    """The combined signing chain (SDCA upgrade → PoA → JPA → KYC); returns the cases that moved on."""
    creditor = s.get(Creditor, creditor_id)
    link = s.scalars(
        select(ClientLink).where(ClientLink.creditor_id == creditor_id, ClientLink.status.in_(ACTIVE_LINK_STATUSES))
    ).first()
    if creditor is None or link is None:
        raise StepNotAvailable("This client has no active link.")
    now = clock.now(s)
    _sign_sdca(s, link, now)
    if _sign_partner_contracts(s, creditor, _pending_case_partners(s, creditor_id), now):
        _poa_signed_event(s, link, now)
    if kyc is not None:
        submit_kyc(s, link, kyc, send_chat_notification=True)
    return _release_pending_cases(s, creditor)


def with_completed_flag(return_url: str) -> str:
    """Where a finished signing chain sends the customer: their returnUrl plus completed=true."""
    parts = urlsplit(return_url)
    query = parse_qsl(parts.query, keep_blank_values=True) + [("completed", "true")]
    return urlunsplit(parts._replace(query=urlencode(query)))


# --- link requests (409 path) ------------------------------------------------------------------


def link_request_by_token(s: Session, token: str) -> LinkRequest:
    found = s.scalars(select(LinkRequest).where(LinkRequest.token == token)).first()
    if found is None:
        raise LinkRequestUnavailable("unknown")
    return found


def _claim(s: Session, link_request: LinkRequest, status: str, now: datetime) -> None:
    """Atomically move a pending request on; a concurrent second click finds it already used."""
    if link_request.status == "pending" and link_request.expires_at <= now:
        raise LinkRequestUnavailable("expired")
    result = s.execute(
        update(LinkRequest)
        .where(LinkRequest.id == link_request.id, LinkRequest.status == "pending")
        .values(status=status, decided_at=now)
        .execution_options(synchronize_session=False)
    )
    s.refresh(link_request)
    if result.rowcount != 1:
        raise LinkRequestUnavailable("used" if link_request.status in ("approved", "used") else link_request.status)


def approve_link_request(s: Session, token: str, choice: str | None = None) -> ClientLink:
    """The customer approves: a non-attributed link, stored cases carried through, client.linked.

    `choice` comes from the Choice page: "existing" links the matched account, "new"
    creates a new creditor for the same people instead.
    """
    if choice not in (None, "existing", "new"):
        raise ValueError(f"Unknown choice: {choice}")
    now = clock.now(s)
    link_request = link_request_by_token(s, token)
    _claim(s, link_request, "used" if choice == "new" else "approved", now)
    payload = wire.loads(link_request.payload)
    creditor = link_request.creditor if choice != "new" else _creditor_from_payload(payload, now)
    link = _link(s, creditor, link_request.external_tenant_id, attributed=False, now=now)
    if sdca_current(s, creditor):
        link.status, link.onboarding_step = "ready", "done"
    else:
        link.onboarding_step = "contract"
    link_request.link_id = link.id
    _client_event(s, "client.linked", link.external_tenant_id, creditor, is_attributed=False)
    _replay_cases(s, link, payload.get("cases") or [], now)
    return link


def _creditor_from_payload(payload: dict[str, Any], now: datetime) -> Creditor:
    company = payload["client"]
    return Creditor(
        company_name=company["name"],
        registration_number=company.get("registrationNumber"),
        country=company["country"],
        address=company.get("address"),
        city=company.get("city"),
        zip_code=company.get("zipCode"),
        state=company.get("state"),
        office_email=company.get("supportEmail"),
        office_phone=company.get("supportPhone"),
        created_at=now,
        users=[
            CreditorUser(email=user["email"], name=user["name"], is_onboarding_user=user["isOnboardingUser"])
            for user in payload["users"]
        ],
    )


def _replay_cases(s: Session, link: ClientLink, raw_cases: list[dict[str, Any]], now: datetime) -> None:
    """Carry the original request's cases through (allowPendingContracts forced; KYC is not enforced here)."""
    for index, raw in enumerate(raw_cases):
        try:
            case_input = validation.parse_case(raw, now.date())
            collection_partner = _route(case_input)
        except ValidationFailed as failure:
            _replay_failed(s, link, index, "ValidationError", str(failure))
            continue
        if collection_partner is None:
            _replay_failed(s, link, index, "NoPartnerAvailable", reference.NO_PARTNER_MESSAGE)
            continue
        if case_input.creditor_reference and s.scalar(
            select(
                exists().where(
                    Case.creditor_id == link.creditor_id, Case.creditor_reference == case_input.creditor_reference
                )
            )
        ):
            _replay_failed(s, link, index, "DuplicateReference", "The creditor reference is already in use.")
            continue
        missing = _contract_errors(s, link, collection_partner, case_input.debtor.country)
        _new_case(s, link, case_input, collection_partner, PENDING_SIGNING if missing else FIRST_LIFECYCLE, now)
    link.cases_replayed = True


def _replay_failed(s: Session, link: ClientLink, index: int, error_type: str, message: str) -> None:
    _client_event(
        s,
        "cases.replay_failed",
        link.external_tenant_id,
        link.creditor,
        is_attributed=False,
        caseIndex=index,
        errorType=error_type,
        errorMessage=message,
    )


def decline_link_request(s: Session, token: str) -> LinkRequest:
    now = clock.now(s)
    link_request = link_request_by_token(s, token)
    _claim(s, link_request, "declined", now)
    _client_event(
        s, "client.link_declined", link_request.external_tenant_id, link_request.creditor, is_attributed=None
    )
    return link_request


def expire_link_requests(s: Session) -> int:
    """The hourly job: pending requests past their TTL expire and fire client.link_expired."""
    now = clock.now(s)
    due = s.scalars(
        select(LinkRequest).where(LinkRequest.status == "pending", LinkRequest.expires_at <= now)
    ).all()
    expired = 0
    for link_request in due:
        result = s.execute(
            update(LinkRequest)
            .where(LinkRequest.id == link_request.id, LinkRequest.status == "pending")
            .values(status="expired", decided_at=now)
            .execution_options(synchronize_session=False)
        )
        if result.rowcount == 1:
            s.refresh(link_request)
            expired += 1
            _client_event(
                s,
                "client.link_expired",
                link_request.external_tenant_id,
                link_request.creditor,
                is_attributed=False,
                expiredAt=wire.iso(now),
            )
    return expired


# --- KYC, withdrawal ---------------------------------------------------------------------------


def submit_kyc(s: Session, link: ClientLink, kyc: KycInput, *, send_chat_notification: bool) -> KycVerification:
    """Store a director's identity (the latest counts); optionally tell the open cases of KYC partners."""
    now = clock.now(s)
    record = KycVerification(
        creditor_id=link.creditor_id,
        director_full_name=kyc.full_name,
        director_home_address=kyc.home_address,
        director_date_of_birth=kyc.date_of_birth,
        date_created=now,
        send_chat_notification=send_chat_notification,
    )
    s.add(record)
    if send_chat_notification:
        kyc_partners = [p.id for p in reference.PARTNERS.values() if p.requires_kyc]
        open_cases = s.scalars(
            select(Case.id).where(
                Case.creditor_id == link.creditor_id,
                Case.lifecycle.in_(reference.OPEN_FOR_CHAT),
                Case.collection_partner_id.in_(kyc_partners),
            )
        )
        for case_id in open_cases:
            s.add(
                CaseMessage(
                    case_id=case_id,
                    body="System message: KYC/AML information provided — find it under the 'KYC Status' section",
                    created_at=now,
                )
            )
    s.flush()
    return record


def review_kyc(s: Session, external_tenant_id: str, status: str = "Completed") -> KycVerification:
    """Debitura staff review the latest KYC record: Completed turns the client's kycStatus to verified."""
    if status not in ("Processing", "Completed"):
        raise ValueError(f"Unknown KYC review status: {status}")
    link = require_link(s, external_tenant_id)
    record = latest_kyc(s, link.creditor_id)
    if record is None:
        raise StepNotAvailable("No KYC has been submitted for this client.")
    record.verification_status = status
    record.verification_status_updated_at = clock.now(s)
    return record


def withdraw(s: Session, external_tenant_id: str) -> None:
    """Archive an attributed client that never got going; its pending cases close as never started."""
    link = require_link(s, external_tenant_id)
    if not link.is_attributed:
        raise ApiError(409, "ClientNotAttributed", "Only attributed clients can be withdrawn.")
    cases = s.scalars(select(Case).where(Case.link_id == link.id)).all()
    if any(case.lifecycle != PENDING_SIGNING for case in cases):
        raise ApiError(
            409, "CasesInProgress", "The client cannot be withdrawn: a case has moved past Pending contract signing."
        )
    for case in cases:
        move_case(s, case.id, "Closed", close_code="CaseNeverStartedInternal")
    link.status = "withdrawn"
    # The account is soft-deleted, so the same e-mails can create a new client later.
    link.creditor.deleted_at = clock.now(s)


# --- revenue -----------------------------------------------------------------------------------


def record_collection(s: Session, case_id: str, amount: Decimal) -> RevenueTransaction | None:
    """Money collected on a case; a revenue transaction when the partner earns on it."""
    case = s.get(Case, case_id)
    if case is None:
        raise NotFound("Case not found.")
    case.remainder = max(case.remainder - amount, Decimal("0.00"))
    link = case.link
    fee = case.success_fee_percentage
    # Attributed links earn on every case; non-attributed ones only on cases sent with the partner's token.
    if case.is_test or fee is None or not (link.is_attributed or case.via_partner):
        return None
    revenue = (amount * fee / 100 * reference.PLATFORM_SHARE_PERCENTAGE / 100).quantize(Decimal("0.01"))
    transaction = RevenueTransaction(
        case_id=case.id,
        link_id=link.id,
        date=clock.now(s),
        payment_amount=amount,
        currency=case.currency,
        debitura_revenue=revenue,
        referral_fee_percentage=link.fee_percentage_snapshot,
    )
    s.add(transaction)
    s.flush()
    return transaction


def set_transaction_status(
    s: Session,
    transaction_id: str,
    *,
    commission: str | None = None,
    platform: str | None = None,
    referral: str | None = None,
) -> RevenueTransaction:
    """Move a revenue transaction through the stages (Debitura's back office, in the control panel)."""
    transaction = s.get(RevenueTransaction, transaction_id)
    if transaction is None:
        raise NotFound("Transaction not found.")
    for kind, value in (("commission", commission), ("platform", platform), ("referral", referral)):
        if value is not None and value not in REVENUE_STATUSES[kind]:
            raise ValueError(f"Unknown {kind} status: {value}")
    if commission is not None:
        transaction.commission_payment_status = commission
    if platform is not None:
        transaction.platform_invoicing_status = platform
    if referral is not None:
        transaction.referral_invoicing_status = referral
    return transaction
