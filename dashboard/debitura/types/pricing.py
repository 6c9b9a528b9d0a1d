"""The answers of ``POST /cases/preview``: eligibility, jurisdiction, success-fee pricing, and what must happen first.

The Referral API's preview knows no client, so its ``pendingActions`` are what the matched partner asks of
any client. The Customer API's preview, asked as one client, lists that client's own ``requiredActions``.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal
from typing import Any

from ..fields import camel_keys, flag, integer, moment, money, objects, text


@dataclass(frozen=True)
class Jurisdiction:
    id: int | None = None
    name: str | None = None
    country_alpha2: str | None = None
    state_alpha2: str | None = None

    @classmethod
    def from_json(cls, data: Any) -> Jurisdiction:
        f = camel_keys(data)
        return cls(
            id=integer(f.get("id")),
            name=text(f.get("name")),
            country_alpha2=text(f.get("countryAlpha2")),
            state_alpha2=text(f.get("stateAlpha2")),
        )


@dataclass(frozen=True)
class Pricing:
    """Success-fee percentages from a preview; ``total`` is base plus the age surcharge and is the definitive rate."""

    base: Decimal | None = None
    age_surcharge: Decimal | None = None
    total: Decimal | None = None
    currency: str | None = None
    source: str | None = None
    source_description: str | None = None

    @classmethod
    def from_json(cls, data: Any) -> Pricing:
        f = camel_keys(data)
        return cls(
            base=money(f.get("baseSuccessFeePercentage")),
            age_surcharge=money(f.get("ageSurchargePercentage")),
            total=money(f.get("totalSuccessFeePercentage")),
            currency=text(f.get("currencyCode")),
            source=text(f.get("pricingSource")),
            source_description=text(f.get("pricingSourceDescription")),
        )


@dataclass(frozen=True)
class PendingAction:
    """A step the creditor must take first: ``SdcaUpgrade``, ``PoA``, ``Jpa`` or ``Kyc`` (Debitura may add more)."""

    type: str | None = None
    collection_partner_id: str | None = None
    due_date: datetime | None = None

    @classmethod
    def from_json(cls, data: Any) -> PendingAction:
        f = camel_keys(data)
        return cls(
            type=text(f.get("type")),
            collection_partner_id=text(f.get("collectionPartnerId")),
            due_date=moment(f.get("dueDate")),
        )


@dataclass(frozen=True)
class RequiredAction:
    """What one client must still do before a case goes ahead (``MissingPowerOfAttorney``, …), with its URL."""

    type: str | None = None
    message: str | None = None
    solution_url: str | None = None
    is_blocking: bool = True

    @classmethod
    def from_json(cls, data: Any) -> RequiredAction:
        f = camel_keys(data)
        blocking = flag(f.get("isBlocking"))
        return cls(
            type=text(f.get("type")),
            message=text(f.get("message")),
            solution_url=text(f.get("solutionUrl")),
            is_blocking=True if blocking is None else bool(blocking),
        )


@dataclass(frozen=True)
class PreviewResult:
    is_eligible: bool = False
    ineligibility_reason: str | None = None
    jurisdiction: Jurisdiction | None = None
    pricing: Pricing | None = None
    requires_kyc_verification: bool = False
    pending_actions: tuple[PendingAction, ...] = ()
    # Set only by the Customer API's preview, which is asked as one client.
    for_client: bool = False
    required_actions: tuple[RequiredAction, ...] = ()
    has_kyc_on_file: bool | None = None
    partner_name: str | None = None
    combined_signing_url: str | None = None

    @classmethod
    def from_customer_json(cls, data: Any) -> PreviewResult:
        """The Customer API's ``{"result": PreviewResultDto}``."""
        f = camel_keys(camel_keys(data).get("result"))
        partner = camel_keys(f.get("partnerAssignment"))
        handoff = camel_keys(f.get("signingHandoff"))
        kyc_on_file = flag(f.get("hasKycOnFile"))
        return cls(
            is_eligible=bool(flag(f.get("isEligible"))),
            ineligibility_reason=text(f.get("ineligibilityReason")),
            jurisdiction=Jurisdiction.from_json(f["jurisdiction"]) if isinstance(f.get("jurisdiction"), dict) else None,
            pricing=Pricing.from_json(f["pricingPreview"]) if isinstance(f.get("pricingPreview"), dict) else None,
            requires_kyc_verification=bool(flag(f.get("requiresKycVerification"))),
            for_client=True,
            required_actions=tuple(RequiredAction.from_json(item) for item in objects(f.get("requiredActions"))),
            has_kyc_on_file=None if kyc_on_file is None else bool(kyc_on_file),
            partner_name=text(partner.get("partnerName")),
            combined_signing_url=text(handoff.get("combinedSigningUrl")),
        )

    @classmethod
    def from_json(cls, data: Any) -> PreviewResult:
        f = camel_keys(data)
        return cls(
            is_eligible=bool(flag(f.get("isEligible"))),
            ineligibility_reason=text(f.get("ineligibilityReason")),
            jurisdiction=Jurisdiction.from_json(f["jurisdiction"]) if isinstance(f.get("jurisdiction"), dict) else None,
            pricing=Pricing.from_json(f["pricingPreview"]) if isinstance(f.get("pricingPreview"), dict) else None,
            requires_kyc_verification=bool(flag(f.get("requiresKycVerification"))),
            pending_actions=tuple(PendingAction.from_json(item) for item in objects(f.get("pendingActions"))),
        )
