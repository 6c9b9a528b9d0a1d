"""Onboarding and signing (SDCA, PoA/JPA, the combined chain) and KYC, as the hosted pages do them."""

from __future__ import annotations

from datetime import datetime
from urllib.parse import parse_qsl, urlencode, urlsplit, urlunsplit

from sqlalchemy import select
from sqlalchemy.orm import Session

from dashboard.sandbox import clock, reference, wire
from dashboard.sandbox.domain.cases import release_pending_cases
from dashboard.sandbox.domain.chats import post_system_message
from dashboard.sandbox.domain.lookups import has_signature, latest_kyc, link_by_id, require_link, sdca_current, state
from dashboard.sandbox.domain.notify import client_event
from dashboard.sandbox.errors import StepNotAvailable
from dashboard.sandbox.models import (
    ACTIVE_LINK_STATUSES,
    Case,
    ClientLink,
    ContractSignature,
    Creditor,
    KycVerification,
)
from dashboard.sandbox.reference import PENDING_SIGNING
from dashboard.sandbox.validation import KycInput


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
                s.add(
                    ContractSignature(
                        creditor_id=creditor.id, collection_partner_id=partner_id, kind=kind, signed_at=now
                    )
                )
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
    client_event(
        s,
        "client.onboarding.contract_signed",
        link.external_tenant_id,
        creditor,
        is_attributed=link.is_attributed,
        signedAt=wire.iso(now),
    )
    return True


def _poa_signed_event(s: Session, link: ClientLink, now: datetime) -> None:
    client_event(
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
    release_pending_cases(s, link.creditor)
    return link


def sign_contract_upgrade(s: Session, link_id: str) -> ClientLink:
    """The ContractUpgrade page: re-sign the SDCA at its current version."""
    link = link_by_id(s, link_id)
    if link.creditor.sdca_signed_version is None:
        raise StepNotAvailable("This client has not signed an SDCA yet: it needs the full onboarding.")
    _sign_sdca(s, link, clock.now(s))
    release_pending_cases(s, link.creditor)
    return link


def sign_power_of_attorney(s: Session, link_id: str, collection_partner_id: str) -> ClientLink:
    """The PowerOfAttorney page: sign the PoA (and JPA) for one collection partner."""
    link = link_by_id(s, link_id)
    if collection_partner_id not in reference.PARTNERS:
        raise StepNotAvailable("Unknown collection partner.")
    now = clock.now(s)
    if _sign_partner_contracts(s, link.creditor, [collection_partner_id], now):
        _poa_signed_event(s, link, now)
    release_pending_cases(s, link.creditor)
    return link


def publish_sdca_version(s: Session) -> int:
    """Debitura releases a new SDCA: ready clients must re-sign (201 turns into 202)."""
    current = state(s)
    current.sdca_version += 1
    s.flush()
    return current.sdca_version


def pending_signing_steps(s: Session, creditor_id: str) -> list[str]:
    """What the combined signing chain still has to walk: sdca, poa:<partner id>, kyc."""
    creditor = s.get_one(Creditor, creditor_id)
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
    return release_pending_cases(s, creditor)


def with_completed_flag(return_url: str) -> str:
    """Where a finished signing chain sends the customer: their returnUrl plus completed=true."""
    parts = urlsplit(return_url)
    query = parse_qsl(parts.query, keep_blank_values=True) + [("completed", "true")]
    return urlunsplit(parts._replace(query=urlencode(query)))


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
            post_system_message(
                s, case_id, "System message: KYC/AML information provided — find it under the 'KYC Status' section"
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
