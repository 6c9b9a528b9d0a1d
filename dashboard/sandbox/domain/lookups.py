"""Reading sandbox state: the session's context, links, signing state and KYC status."""

from __future__ import annotations

from sqlalchemy import exists, select
from sqlalchemy.orm import Session

from dashboard.sandbox import clock, reference
from dashboard.sandbox.config import SandboxUrls
from dashboard.sandbox.errors import NotFound, StepNotAvailable
from dashboard.sandbox.models import (
    ACTIVE_LINK_STATUSES,
    Case,
    ClientLink,
    ContractSignature,
    Creditor,
    KycVerification,
    Partner,
    SandboxState,
)


def urls(s: Session) -> SandboxUrls:
    return s.info["urls"]


def state(s: Session) -> SandboxState:
    return s.get_one(SandboxState, clock.STATE_ID)


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
        return urls(s).onboarding(link.id)
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
    return s.scalars(
        select(
            exists().where(
                ContractSignature.creditor_id == creditor_id,
                ContractSignature.collection_partner_id == collection_partner_id,
                ContractSignature.kind == kind,
            )
        )
    ).one()


def partner_contracts_signed(s: Session, creditor_id: str, partner_id: str, country: str) -> bool:
    if not has_signature(s, creditor_id, partner_id, "poa"):
        return False
    return not reference.needs_jpa(country) or has_signature(s, creditor_id, partner_id, "jpa")
