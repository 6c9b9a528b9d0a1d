"""POST /clients and withdrawal: creating, resuming, refusing or linking a client.

How POST /clients decides (the sandbox's matching rules, applied in this order):

1. The request is validated first; any invalid case aborts everything with 400.
2. Link requests past their TTL are expired (the "hourly job" also runs on each call).
3. An active link with this externalTenantId (case-sensitive) answers idempotently:
   201 when the current SDCA version is signed, else 202 with a fresh onboarding URL
   (or the ContractUpgrade URL when an older version was signed). Cases sent again are
   not created twice: they come back as IdempotencyViolation failures.
4. A pending link request for this externalTenantId answers the same 409 with the same URL.
5. The user and support e-mails are matched (exactly, case-insensitively):
   - any e-mail at `@other-partner.example`: 409 AlreadyLinkedToAnotherPartner (the spelling of
     the API reference and seed 000); an account linked to another partner (see
     `link_email_to_other_partner`): 409 ClientAlreadyLinkedToAnotherPartner (the spelling of seed
     004 and the spec's ConflictResponse);
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

from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from dashboard.sandbox import clock, reference, validation, wire
from dashboard.sandbox.domain.cases import move_case, new_case, route
from dashboard.sandbox.domain.linking import (
    create_link_request,
    expire_link_requests,
    needs_linking,
    new_link,
    pending_request,
)
from dashboard.sandbox.domain.lookups import active_link, require_link, sdca_current, urls
from dashboard.sandbox.errors import ApiError, ClientConflict
from dashboard.sandbox.models import ACTIVE_LINK_STATUSES, Case, ClientLink, Creditor, CreditorUser
from dashboard.sandbox.reference import PENDING_SIGNING
from dashboard.sandbox.validation import CaseInput, ClientInput

OTHER_PARTNER_DOMAIN = "other-partner.example"
COLLECTOR_DOMAIN = "collector.example"
EXISTING_DOMAIN = "existing.example"


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
    pending = pending_request(s, request.external_tenant_id)
    if pending is not None:
        raise needs_linking(s, pending)
    matched = _matched_creditors(s, request.emails)
    # A concurrent call may have created this very tenant since the first look (its creditor and
    # link commit together, so a creditor seen here means its link is visible too): then this is
    # that call's repeat, not a conflict with it.
    link = active_link(s, request.external_tenant_id)
    if link is not None:
        return ClientOutcome(_ready_status(s, link), link, _repeated_cases(request))
    _refuse_conflicts(s, request, matched)
    existing = _existing_account(s, request, matched, now)
    if existing is not None:
        raise needs_linking(s, create_link_request(s, request, existing, now))
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
    spelling = None
    if any(creditor.other_partner_name for creditor in matched):
        spelling = "ClientAlreadyLinkedToAnotherPartner"
    elif OTHER_PARTNER_DOMAIN in domains:
        spelling = "AlreadyLinkedToAnotherPartner"
    if spelling is not None:
        raise ClientConflict(
            spelling,
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
            select(ClientLink).where(ClientLink.creditor_id == creditor.id, ClientLink.status.in_(ACTIVE_LINK_STATUSES))
        ).first()
        if other is not None:
            raise ClientConflict(
                "AlreadyLinkedDifferentTenant",
                f"This client is already linked to you under externalTenantId '{other.external_tenant_id}'.",
                {"externalTenantId": tenant, "existingExternalTenantId": other.external_tenant_id},
            )


def _company(request: ClientInput) -> dict[str, Any]:
    """The company as the request names it, for a new creditor."""
    return {
        "company_name": request.name,
        "registration_number": request.registration_number,
        "country": request.country,
        "address": request.address,
        "city": request.city,
        "zip_code": request.zip_code,
    }


def _existing_account(s: Session, request: ClientInput, matched: list[Creditor], now: datetime) -> Creditor | None:
    """The pre-existing Debitura account the request matches; `@existing.example` ones are conjured."""
    if matched:
        return matched[0]
    existing_emails = [email for email in request.emails if email.endswith("@" + EXISTING_DOMAIN)]
    if not existing_emails:
        return None
    users = {user.email: user.name for user in request.users}
    creditor = Creditor(
        **_company(request),
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


def _new_client(s: Session, request: ClientInput, now: datetime) -> ClientLink:
    creditor = Creditor(
        **_company(request),
        state=request.state,
        office_email=request.support_email,
        office_phone=request.support_phone,
        created_at=now,
        users=[
            CreditorUser(email=user.email, name=user.name, is_onboarding_user=user.is_onboarding_user)
            for user in request.users
        ],
    )
    return new_link(s, creditor, request.external_tenant_id, attributed=True, now=now)


def _create_initial_cases(s: Session, link: ClientLink, cases: list[CaseInput], now: datetime) -> dict[str, Any]:
    successful, failed = [], []
    for index, case_input in enumerate(cases):
        collection_partner = route(case_input)
        if collection_partner is None:
            failed.append(_failure(index, case_input, "NoPartnerAvailable", reference.NO_PARTNER_MESSAGE))
            continue
        case = new_case(s, link, case_input, collection_partner, PENDING_SIGNING, now)
        signing_url = urls(s).combined_signing(link.id, case.return_url)
        successful.append(wire.invoice_dto(case, combined_signing_url=signing_url))
    return {"successfulCases": successful, "failedCases": failed}


def link_email_to_other_partner(s: Session, email: str, partner_name: str = "Another referral partner") -> Creditor:
    """Give `email` a Debitura account linked to another referral partner.

    POST /clients naming that e-mail (as a user or the support e-mail) then answers 409
    ClientAlreadyLinkedToAnotherPartner. An account that already has the e-mail is marked instead.
    """
    address = (email or "").strip().lower()
    if not validation.EMAIL.match(address):
        raise ValueError("Enter a valid e-mail address.")
    matched = _matched_creditors(s, [address])
    for creditor in matched:
        creditor.other_partner_name = partner_name
    if matched:
        return matched[0]
    local = address.split("@", 1)[0]
    creditor = Creditor(
        company_name=f"{local.title()} (linked to {partner_name})",
        country="DK",
        office_email=address,
        other_partner_name=partner_name,
        created_at=clock.now(s) - timedelta(days=200),
        users=[CreditorUser(email=address, name=local.title(), is_onboarding_user=True)],
    )
    s.add(creditor)
    s.flush()
    return creditor


def set_creditor_blocked(s: Session, external_tenant_id: str, blocked: bool = True) -> Creditor:
    """Debitura blocks (or unblocks) a client's creditor account: its new cases answer 422 CreditorBlocked."""
    creditor = require_link(s, external_tenant_id).creditor
    creditor.blocked = blocked
    return creditor


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
