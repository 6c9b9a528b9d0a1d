"""Director KYC for a tenant: what the KYC-requiring collection partners (today the UK one) need once per client.

Debitura refuses cases routed to such a partner with 422 MissingKycVerification until a KYC record
exists, and never creates them as pending. The mirror counts those refusals per tenant, so the
dashboard can show where KYC is what blocks cases, and clears the count once KYC is submitted.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import date

from sqlalchemy import or_, select

from dashboard.authz import Actor, ensure_role
from dashboard.debitura import (
    DebituraClient,
    DebituraError,
    KycSubmission,
    KycVerification,
)
from dashboard.extensions import db
from dashboard.models import Tenant
from dashboard.models.base import now_utc
from dashboard.services import audit, tenant_state
from dashboard.services.errors import TenantNotFound


@dataclass(frozen=True)
class KycInput:
    director_full_name: str
    director_home_address: str
    director_date_of_birth: date
    send_chat_notification: bool = True

    def submission(self) -> KycSubmission:
        return KycSubmission(self.director_full_name, self.director_home_address, self.director_date_of_birth)


@dataclass(frozen=True)
class KycOutcome:
    tenant: Tenant
    verification: KycVerification


def new_key() -> str:
    return f"kyc-{uuid.uuid4()}"


def note_kyc_block(tenant: Tenant) -> None:
    """A case for this tenant was refused for missing KYC: count it (the caller commits)."""
    tenant.kyc_blocked_cases = (tenant.kyc_blocked_cases or 0) + 1
    if tenant.kyc_status != "verified":
        tenant.kyc_status = "pending"
    tenant_state.refresh_state(tenant)


def tenants_needing_kyc(limit: int = 200) -> list[Tenant]:
    """Tenants whose cases were refused for missing KYC, or whose KYC Debitura reports as pending."""
    return list(
        db.session.scalars(
            select(Tenant)
            .where(or_(Tenant.kyc_blocked_cases > 0, Tenant.kyc_status == "pending"))
            .order_by(Tenant.kyc_blocked_cases.desc(), Tenant.company_name)
            .limit(limit)
        )
    )


def submit(
    tenant_id: int, data: KycInput, *, idempotency_key: str, actor: Actor, debitura: DebituraClient
) -> KycOutcome:
    """Send the director's identity to Debitura and record the new KYC state on the tenant."""
    ensure_role("operator", actor)
    tenant = db.session.get(Tenant, tenant_id)
    if tenant is None:
        raise TenantNotFound(f"No tenant with id {tenant_id}")
    try:
        verification = debitura.referral.submit_kyc(
            tenant.external_tenant_id,
            data.submission(),
            send_chat_notification=data.send_chat_notification,
            idempotency_key=idempotency_key,
        )
    except DebituraError as error:
        audit.record(
            "kyc.submit",
            outcome=audit.FAILED,
            summary=f"KYC not accepted: {error.user_message}",
            external_tenant_id=tenant.external_tenant_id,
            debitura_status=error.http_status,
            idempotency_key=idempotency_key,
            operator=actor,
        )
        raise
    tenant.kyc_submitted_at = verification.date_created or now_utc()
    tenant.kyc_review_status = verification.verification_status  # a fresh submission starts unreviewed
    tenant.kyc_status = "verified" if (verification.verification_status or "").lower() == "completed" else "pending"
    # Debitura accepts cases once a KYC record exists, so earlier refusals no longer block anything.
    tenant.kyc_blocked_cases = 0
    tenant_state.refresh_state(tenant)
    chat = "with" if data.send_chat_notification else "without"
    audit.record(
        "kyc.submit",
        outcome=audit.OK,
        summary=f"Director KYC submitted ({chat} chat notification)",  # no personal data in the trail
        external_tenant_id=tenant.external_tenant_id,
        debitura_status=201,
        idempotency_key=idempotency_key,
        operator=actor,
        commit=False,
    )
    db.session.commit()
    return KycOutcome(tenant, verification)
