"""Client links, and the link requests of the 409 path: created, approved, declined or expired."""

from __future__ import annotations

import secrets
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import exists, select, update
from sqlalchemy.orm import Session

from dashboard.orm import rows_matched
from dashboard.sandbox import clock, reference, validation, wire
from dashboard.sandbox.domain.cases import contract_errors, new_case, route
from dashboard.sandbox.domain.lookups import partner, sdca_current, state, urls
from dashboard.sandbox.domain.notify import client_event
from dashboard.sandbox.errors import ClientConflict, LinkRequestUnavailable, ValidationFailed
from dashboard.sandbox.models import Case, ClientLink, Creditor, CreditorUser, LinkRequest
from dashboard.sandbox.reference import FIRST_LIFECYCLE, PENDING_SIGNING
from dashboard.sandbox.validation import ClientInput

CHOICE_PREFIX = "choice"


def pending_request(s: Session, external_tenant_id: str) -> LinkRequest | None:
    return s.scalars(
        select(LinkRequest).where(LinkRequest.external_tenant_id == external_tenant_id, LinkRequest.status == "pending")
    ).first()


def needs_linking(s: Session, request: LinkRequest) -> ClientConflict:
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


def create_link_request(s: Session, request: ClientInput, creditor: Creditor, now: datetime) -> LinkRequest:
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
    client_event(
        s,
        "client.link_requested",
        request.external_tenant_id,
        creditor,
        is_attributed=False,
        expiresAt=wire.iso(link_request.expires_at),
    )
    return link_request


def new_link(s: Session, creditor: Creditor, external_tenant_id: str, *, attributed: bool, now: datetime) -> ClientLink:
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
    if rows_matched(result) != 1:
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
    link = new_link(s, creditor, link_request.external_tenant_id, attributed=False, now=now)
    if sdca_current(s, creditor):
        link.status, link.onboarding_step = "ready", "done"
    else:
        link.onboarding_step = "contract"
    link_request.link_id = link.id
    client_event(s, "client.linked", link.external_tenant_id, creditor, is_attributed=False)
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
            collection_partner = route(case_input)
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
        missing = contract_errors(s, link, collection_partner, case_input.debtor.country)
        new_case(s, link, case_input, collection_partner, PENDING_SIGNING if missing else FIRST_LIFECYCLE, now)
    link.cases_replayed = True


def _replay_failed(s: Session, link: ClientLink, index: int, error_type: str, message: str) -> None:
    client_event(
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
    client_event(s, "client.link_declined", link_request.external_tenant_id, link_request.creditor, is_attributed=None)
    return link_request


def expire_link_requests(s: Session) -> int:
    """The hourly job: pending requests past their TTL expire and fire client.link_expired."""
    now = clock.now(s)
    due = s.scalars(select(LinkRequest).where(LinkRequest.status == "pending", LinkRequest.expires_at <= now)).all()
    expired = 0
    for link_request in due:
        result = s.execute(
            update(LinkRequest)
            .where(LinkRequest.id == link_request.id, LinkRequest.status == "pending")
            .values(status="expired", decided_at=now)
            .execution_options(synchronize_session=False)
        )
        if rows_matched(result) == 1:
            s.refresh(link_request)
            expired += 1
            client_event(
                s,
                "client.link_expired",
                link_request.external_tenant_id,
                link_request.creditor,
                is_attributed=False,
                expiredAt=wire.iso(now),
            )
    return expired
