"""Cases as the Referral API lists them across all clients, with revenue potential and a summary."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime
from decimal import Decimal
from typing import Any

from ..fields import calendar_date, camel_keys, integer, moment, money, nested, objects, text
from .cases import CaseValidation
from .page import Page
from .parties import ContactUser


@dataclass(frozen=True)
class CaseClient:
    """The client a referral-side case belongs to, with the contacts support staff need."""

    external_tenant_id: str | None = None
    creditor_id: str | None = None
    company_name: str | None = None
    office_email: str | None = None
    onboarding_user: ContactUser | None = None
    other_users: tuple[ContactUser, ...] = ()

    @classmethod
    def from_json(cls, data: Any) -> CaseClient:
        f = camel_keys(data)
        contacts = camel_keys(f.get("contacts"))
        return cls(
            external_tenant_id=text(f.get("externalTenantId")),
            creditor_id=text(f.get("creditorId")),
            company_name=text(f.get("companyName")),
            office_email=text(contacts.get("officeEmail")),
            onboarding_user=ContactUser.from_json(contacts["onboardingUser"])
            if isinstance(contacts.get("onboardingUser"), dict)
            else None,
            other_users=tuple(ContactUser.from_json(item) for item in objects(contacts.get("otherUsers"))),
        )


def _partner_name(value: Any) -> str | None:
    """The referral API sends the partner's display name; tolerate the Customer API's object form too."""
    return text(camel_keys(value).get("name")) if isinstance(value, dict) else text(value)


def _case_item_fields(f: dict[str, Any]) -> dict[str, Any]:
    """Fields shared by the referral ``CaseItem`` and ``GetCaseDetailResponse``."""
    return {
        "id": text(f.get("id")),
        "reference": text(f.get("reference")),
        "creditor_reference": text(f.get("creditorReference")),
        "client": CaseClient.from_json(f["client"]) if isinstance(f.get("client"), dict) else None,
        "debtor_name": text(nested(f, "debtor", "name")),
        "debtor_country": text(nested(f, "debtor", "country")),
        "gross_amount": money(f.get("grossAmount")),
        "remainder": money(f.get("remainder")),
        "currency": text(f.get("currency")),
        "lifecycle": text(f.get("lifecycle")),
        "close_code": text(f.get("closeCode")),
        "current_engagement_phase": text(f.get("currentEngagementPhase")),
        "date_created": moment(f.get("dateCreated")),
        "due_date": calendar_date(f.get("dueDate")),
        "date_collection_started": moment(f.get("dateCollectionStarted")),
        "date_finished": moment(f.get("dateFinished")),
        "validation": CaseValidation.from_json(f.get("validation")),
        "collection_partner": _partner_name(f.get("collectionPartner")),
        "expected_referral_rate_percentage": money(f.get("expectedReferralRatePercentage")),
    }


@dataclass(frozen=True)
class CaseItem:
    """One row of the Referral API's ``GET /cases`` (cases across all clients)."""

    id: str | None
    reference: str | None = None
    creditor_reference: str | None = None
    client: CaseClient | None = None
    debtor_name: str | None = None
    debtor_country: str | None = None
    gross_amount: Decimal | None = None
    remainder: Decimal | None = None
    currency: str | None = None
    lifecycle: str | None = None
    close_code: str | None = None
    current_engagement_phase: str | None = None
    date_created: datetime | None = None
    due_date: date | None = None
    date_collection_started: datetime | None = None
    date_finished: datetime | None = None
    validation: CaseValidation = field(default_factory=CaseValidation)
    collection_partner: str | None = None
    expected_referral_rate_percentage: Decimal | None = None

    @classmethod
    def from_json(cls, data: Any) -> CaseItem:
        return cls(**_case_item_fields(camel_keys(data)))


@dataclass(frozen=True)
class PotentialRevenue:
    """What the partner would earn if the whole case amount were collected (USD; percentages as whole numbers)."""

    gross_amount_usd: Decimal | None = None
    success_fee_percentage: Decimal | None = None
    collection_partner_revenue_usd: Decimal | None = None
    platform_revenue_share_percentage: Decimal | None = None
    platform_revenue_usd: Decimal | None = None
    referral_fee_percentage: Decimal | None = None
    referral_revenue_usd: Decimal | None = None

    @classmethod
    def from_json(cls, data: Any) -> PotentialRevenue:
        f = camel_keys(data)
        return cls(
            gross_amount_usd=money(f.get("grossAmountUsd")),
            success_fee_percentage=money(f.get("successFeePercentage")),
            collection_partner_revenue_usd=money(f.get("collectionPartnerRevenueUsd")),
            platform_revenue_share_percentage=money(f.get("platformRevenueSharePercentage")),
            platform_revenue_usd=money(f.get("platformRevenueUsd")),
            referral_fee_percentage=money(f.get("referralFeePercentage")),
            referral_revenue_usd=money(f.get("referralRevenueUsd")),
        )


@dataclass(frozen=True)
class CaseDetail(CaseItem):
    """The Referral API's ``GET /cases/{id}``: a case row plus its potential revenue."""

    potential_revenue: PotentialRevenue | None = None

    @classmethod
    def from_json(cls, data: Any) -> CaseDetail:
        f = camel_keys(data)
        revenue = f.get("potentialRevenue")
        return cls(
            **_case_item_fields(f),
            potential_revenue=PotentialRevenue.from_json(revenue) if isinstance(revenue, dict) else None,
        )


@dataclass(frozen=True)
class CasesSummary:
    total_cases: int = 0
    cases_this_month: int = 0
    active: int = 0
    pending: int = 0
    closed: int = 0
    paused: int = 0

    @classmethod
    def from_json(cls, data: Any) -> CasesSummary:
        f = camel_keys(data)
        lifecycle = camel_keys(f.get("byLifecycle"))
        return cls(
            total_cases=integer(f.get("totalCases")) or 0,
            cases_this_month=integer(f.get("casesThisMonth")) or 0,
            **{name: integer(lifecycle.get(name)) or 0 for name in ("active", "pending", "closed", "paused")},
        )


@dataclass(frozen=True)
class CasesPage(Page[CaseItem]):
    summary: CasesSummary = field(default_factory=CasesSummary)

    @classmethod
    def from_json(cls, data: Any) -> CasesPage:
        f = camel_keys(data)
        items = tuple(CaseItem.from_json(item) for item in objects(f.get("cases")))
        return cls(items=items, summary=CasesSummary.from_json(f.get("summary")), **Page.meta(f.get("page")))
