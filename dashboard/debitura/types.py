"""Debitura's answers as frozen dataclasses, parsed once at the boundary.

Every ``from_json`` accepts camelCase, PascalCase or snake_case keys and ignores fields it does not know,
so a Debitura release that adds fields never breaks the dashboard. Money is ``Decimal``, calendar dates
are ``date`` and timestamps are aware UTC ``datetime``.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date, datetime
from decimal import Decimal
from typing import Any, Generic, TypeVar

from .fields import calendar_date, camel, camel_keys, flag, integer, moment, money, nested, strings, text

T = TypeVar("T")
KycStatus = str  # "not_required" | "pending" | "verified"

_KYC_STATUSES = {"notrequired": "not_required", "pending": "pending", "verified": "verified"}


def kyc_status(value: Any) -> KycStatus | None:
    """Normalise ``NotRequired`` / ``not_required`` / ``Not Required`` to ``not_required``; unknown values read as ``None``."""
    if not isinstance(value, str):
        return None
    return _KYC_STATUSES.get(re.sub(r"[^a-z]", "", value.lower()))


def _objects(value: Any) -> list[Any]:
    return [item for item in value if isinstance(item, dict)] if isinstance(value, list) else []


def _field_errors(value: Any) -> dict[str, list[str]]:
    return {str(key): list(strings(messages)) for key, messages in value.items()} if isinstance(value, dict) else {}


@dataclass(frozen=True)
class Company:
    """The creditor behind a client (``CreditorDto``)."""

    id: str | None = None
    company_name: str | None = None
    office_email: str | None = None
    office_phone: str | None = None
    country: str | None = None
    address: str | None = None
    city: str | None = None
    zip_code: str | None = None
    state: str | None = None
    company_registration_number: str | None = None

    @classmethod
    def from_json(cls, data: Any) -> Company:
        f = camel_keys(data)
        return cls(
            id=text(f.get("id")),
            company_name=text(f.get("companyName") or f.get("name")),
            office_email=text(f.get("officeEmail")),
            office_phone=text(f.get("officePhone")),
            country=text(f.get("country")),
            address=text(f.get("address")),
            city=text(f.get("city")),
            zip_code=text(f.get("zipCode")),
            state=text(f.get("state")),
            company_registration_number=text(f.get("companyRegistrationNumber") or f.get("registrationNumber")),
        )


@dataclass(frozen=True)
class User:
    id: int | None = None
    email: str | None = None
    first_name: str | None = None
    last_name: str | None = None

    @property
    def name(self) -> str:
        return " ".join(part for part in (self.first_name, self.last_name) if part)

    @classmethod
    def from_json(cls, data: Any) -> User:
        f = camel_keys(data)
        first_name = text(f.get("firstName"))
        if first_name is None and f.get("name"):
            first_name = text(f.get("name"))
        return cls(id=integer(f.get("id")), email=text(f.get("email")), first_name=first_name, last_name=text(f.get("lastName")))


@dataclass(frozen=True)
class CaseStats:
    cases_total: int = 0
    cases_closed: int = 0
    earnings_usd: Decimal = Decimal("0")

    @classmethod
    def from_json(cls, data: Any) -> CaseStats:
        f = camel_keys(data)
        return cls(
            cases_total=integer(f.get("casesTotal")) or 0,
            cases_closed=integer(f.get("casesClosed")) or 0,
            earnings_usd=money(f.get("earningsUsd")) or Decimal("0"),
        )


@dataclass(frozen=True)
class KycVerification:
    """The director identity submitted for a client; ``verification_status`` is Debitura's review state."""

    director_full_name: str | None = None
    director_home_address: str | None = None
    director_date_of_birth: date | None = None
    date_created: datetime | None = None
    verification_status: str | None = None
    verification_status_updated_at: datetime | None = None

    @classmethod
    def from_json(cls, data: Any) -> KycVerification:
        f = camel_keys(data)
        return cls(
            director_full_name=text(f.get("directorFullName")),
            director_home_address=text(f.get("directorHomeAddress")),
            director_date_of_birth=calendar_date(f.get("directorDateOfBirth")),
            date_created=moment(f.get("dateCreated")),
            verification_status=text(f.get("verificationStatus")),
            verification_status_updated_at=moment(f.get("verificationStatusUpdatedAt")),
        )


@dataclass(frozen=True)
class Debtor:
    type: str | None = None
    name: str | None = None
    contact_person: str | None = None
    company_registration_number: str | None = None
    address: str | None = None
    zip_code: str | None = None
    city: str | None = None
    state: str | None = None
    state_alpha2: str | None = None
    country_alpha2: str | None = None
    country: str | None = None
    email: str | None = None
    phone: str | None = None

    @classmethod
    def from_json(cls, data: Any) -> Debtor:
        f = camel_keys(data)
        return cls(
            type=text(f.get("type")),
            name=text(f.get("name")),
            contact_person=text(f.get("contactPerson")),
            company_registration_number=text(f.get("companyRegistrationNumber")),
            address=text(f.get("address")),
            zip_code=text(f.get("zipCode")),
            city=text(f.get("city")),
            state=text(f.get("state")),
            state_alpha2=text(f.get("stateAlpha2")),
            country_alpha2=text(f.get("countryAlpha2")),
            country=text(f.get("country")),
            email=text(f.get("email")),
            phone=text(f.get("phone")),
        )


@dataclass(frozen=True)
class ValidationItem:
    resolution_area: str | None = None
    description: str | None = None

    @classmethod
    def from_json(cls, data: Any) -> ValidationItem:
        f = camel_keys(data)
        return cls(resolution_area=text(f.get("resolutionArea")), description=text(f.get("description")))


@dataclass(frozen=True)
class CaseValidation:
    """Whether Debitura needs more information from the creditor, and what exactly."""

    needs_info: bool = False
    creditor_responded_at: datetime | None = None
    items: tuple[ValidationItem, ...] = ()

    @classmethod
    def from_json(cls, data: Any) -> CaseValidation:
        f = camel_keys(data)
        return cls(
            needs_info=bool(flag(f.get("needsInfo"))),
            creditor_responded_at=moment(f.get("creditorRespondedAt")),
            items=tuple(ValidationItem.from_json(item) for item in _objects(f.get("items"))),
        )


@dataclass(frozen=True)
class Case:
    """A case as the Customer API returns it (``InvoiceDto``)."""

    id: str | None
    reference: str | None = None
    creditor_reference: str | None = None
    lifecycle: str | None = None
    close_code: str | None = None
    is_test_case: bool = False
    currency: str | None = None
    gross_amount: Decimal | None = None
    remainder: Decimal | None = None
    interest_fees: Decimal | None = None
    reminder_fees: Decimal | None = None
    collection_fees: Decimal | None = None
    total_added_fees: Decimal | None = None
    date: date | None = None
    due_date: date | None = None
    date_created: datetime | None = None
    date_updated: datetime | None = None
    date_finished: datetime | None = None
    date_collection_started: datetime | None = None
    current_engagement_phase: str | None = None
    claim_type: str | None = None
    claim_description: str | None = None
    dispute_status: str | None = None
    pre_legal_success_fee: Decimal | None = None
    debtor: Debtor | None = None
    creditor: Company | None = None
    collection_partner_name: str | None = None
    signing_handoff_url: str | None = None
    solution_url: str | None = None
    validation: CaseValidation = field(default_factory=CaseValidation)

    @property
    def validation_items(self) -> tuple[ValidationItem, ...]:
        return self.validation.items

    @classmethod
    def from_json(cls, data: Any) -> Case:
        f = camel_keys(data)
        return cls(
            id=text(f.get("id")),
            reference=text(f.get("reference")),
            creditor_reference=text(f.get("creditorReference")),
            lifecycle=text(f.get("lifecycle")),
            close_code=text(f.get("closeCode")),
            is_test_case=bool(flag(f.get("isTestCase", f.get("isTest")))),
            currency=text(f.get("currency") or f.get("currencyCode")),
            gross_amount=money(f.get("grossAmount")),
            remainder=money(f.get("remainder")),
            interest_fees=money(f.get("interestFees")),
            reminder_fees=money(f.get("reminderFees")),
            collection_fees=money(f.get("collectionFees")),
            total_added_fees=money(f.get("totalAddedFees")),
            date=calendar_date(f.get("date")),
            due_date=calendar_date(f.get("dueDate")),
            date_created=moment(f.get("dateCreated")),
            date_updated=moment(f.get("dateUpdated")),
            date_finished=moment(f.get("dateFinished")),
            date_collection_started=moment(f.get("dateCollectionStarted")),
            current_engagement_phase=text(f.get("currentEngagementPhase")),
            claim_type=text(f.get("claimType")),
            claim_description=text(f.get("claimDescription")),
            dispute_status=text(f.get("disputeStatus")),
            pre_legal_success_fee=money(f.get("preLegalSuccessFee")),
            debtor=Debtor.from_json(f["debtor"]) if isinstance(f.get("debtor"), dict) else None,
            creditor=Company.from_json(f["creditor"]) if isinstance(f.get("creditor"), dict) else None,
            collection_partner_name=text(nested(f, "collectionPartner", "name")),
            signing_handoff_url=text(nested(f, "signingHandoff", "combinedSigningUrl")),
            solution_url=text(f.get("solutionUrl")),
            validation=CaseValidation.from_json(f.get("validation")),
        )


@dataclass(frozen=True)
class CaseCreationFailure:
    """A case from a ``POST /clients`` payload that was not created (the client still was)."""

    case_index: int | None = None
    creditor_reference: str | None = None
    error_type: str | None = None
    error_message: str | None = None
    validation_errors: dict[str, list[str]] = field(default_factory=dict)
    signing_handoff_url: str | None = None

    @classmethod
    def from_json(cls, data: Any) -> CaseCreationFailure:
        f = camel_keys(data)
        return cls(
            case_index=integer(f.get("caseIndex")),
            creditor_reference=text(f.get("creditorReference")),
            error_type=text(f.get("errorType")),
            error_message=text(f.get("errorMessage")),
            validation_errors=_field_errors(f.get("validationErrors")),
            signing_handoff_url=text(nested(f, "signingHandoff", "combinedSigningUrl")),
        )


@dataclass(frozen=True)
class CaseResults:
    successful_cases: tuple[Case, ...] = ()
    failed_cases: tuple[CaseCreationFailure, ...] = ()

    @classmethod
    def from_json(cls, data: Any) -> CaseResults:
        f = camel_keys(data)
        return cls(
            successful_cases=tuple(Case.from_json(item) for item in _objects(f.get("successfulCases"))),
            failed_cases=tuple(CaseCreationFailure.from_json(item) for item in _objects(f.get("failedCases"))),
        )


@dataclass(frozen=True)
class Client:
    """A linked client (``ClientCreatedResponse``); Debitura has no single status field, so none is invented here."""

    external_tenant_id: str | None
    onboarding_done: bool = False
    onboarding_url: str | None = None
    company: Company | None = None
    users: tuple[User, ...] = ()
    is_attributed_client: bool | None = None
    date_linked: datetime | None = None
    case_stats: CaseStats | None = None
    kyc_status: KycStatus | None = None
    kyc_verification: KycVerification | None = None
    case_results: CaseResults | None = None
    referral_fee_percentage_snapshot: Decimal | None = None

    @classmethod
    def from_json(cls, data: Any) -> Client:
        f = camel_keys(data)
        company_data = f.get("client") if isinstance(f.get("client"), dict) else f.get("company")
        company = Company.from_json(company_data) if isinstance(company_data, dict) else None
        if company is None and f.get("clientId"):
            company = Company(id=text(f.get("clientId")))  # the oldest documented 202 shape
        return cls(
            external_tenant_id=text(f.get("externalTenantId")),
            onboarding_done=bool(flag(f.get("onboardingDone"))),
            onboarding_url=text(nested(f, "onboardingLinks", "url") or f.get("onboardingUrl")),
            company=company,
            users=tuple(User.from_json(item) for item in _objects(f.get("users"))),
            is_attributed_client=flag(f.get("isAttributedClient")),
            date_linked=moment(f.get("dateLinked")),
            case_stats=CaseStats.from_json(f["caseStats"]) if isinstance(f.get("caseStats"), dict) else None,
            kyc_status=kyc_status(f.get("kycStatus")),
            kyc_verification=KycVerification.from_json(f["kycVerification"]) if isinstance(f.get("kycVerification"), dict) else None,
            case_results=CaseResults.from_json(f["caseResults"]) if isinstance(f.get("caseResults"), dict) else None,
            referral_fee_percentage_snapshot=money(f.get("referralFeePercentageSnapshot")),
        )


@dataclass(frozen=True)
class ClientResult:
    """``POST /clients`` outcome: 201 means ready for cases, 202 means onboarding (or a contract re-sign) is pending."""

    status: int
    client: Client

    @property
    def ready(self) -> bool:
        return self.status == 201


@dataclass(frozen=True)
class AccessToken:
    """A Customer API bearer token for one client; its repr never shows the token."""

    access_token: str = field(repr=False)
    token_type: str = "Bearer"
    expires_in: int = 1800
    external_tenant_id: str | None = None
    creditor_id: str | None = None

    def __repr__(self) -> str:
        return (
            f"AccessToken(access_token='***', token_type={self.token_type!r}, expires_in={self.expires_in!r}, "
            f"external_tenant_id={self.external_tenant_id!r}, creditor_id={self.creditor_id!r})"
        )

    __str__ = __repr__

    @classmethod
    def from_json(cls, data: Any) -> AccessToken:
        f = camel_keys(data)
        return cls(
            access_token=text(f.get("accessToken")) or "",
            token_type=text(f.get("tokenType")) or "Bearer",
            # Debitura documents a fixed 30-minute lifetime; older answers omit the field.
            expires_in=integer(f.get("expiresIn")) or 1800,
            external_tenant_id=text(f.get("externalTenantId")),
            creditor_id=text(f.get("creditorId")),
        )


@dataclass(frozen=True)
class Page(Generic[T]):
    """One page of a listing plus Debitura's paging metadata (``PageData``)."""

    items: tuple[T, ...]
    total_results: int = 0
    current_page: int = 1
    total_pages: int = 0
    page_size: int = 0

    @classmethod
    def parse(cls, data: Any, items_key: str, parse_item: Callable[[Any], T]) -> Page[T]:
        """Read a ``{<items_key>: [...], page: PageData}`` listing."""
        f = camel_keys(data)
        return cls(items=tuple(parse_item(item) for item in _objects(f.get(items_key))), **cls.meta(f.get("page")))

    @staticmethod
    def meta(data: Any) -> dict[str, int]:
        """Paging metadata as keyword arguments for any ``Page`` subclass."""
        f = camel_keys(data)
        return {
            "total_results": integer(f.get("totalResults")) or 0,
            "current_page": integer(f.get("currentPage")) or 1,
            "total_pages": integer(f.get("totalPages")) or 0,
            "page_size": integer(f.get("pageSize")) or 0,
        }


@dataclass(frozen=True)
class ContactUser:
    email: str | None = None
    name: str | None = None

    @classmethod
    def from_json(cls, data: Any) -> ContactUser:
        f = camel_keys(data)
        return cls(email=text(f.get("email")), name=text(f.get("name")))


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
            onboarding_user=ContactUser.from_json(contacts["onboardingUser"]) if isinstance(contacts.get("onboardingUser"), dict) else None,
            other_users=tuple(ContactUser.from_json(item) for item in _objects(contacts.get("otherUsers"))),
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
        return cls(**_case_item_fields(f), potential_revenue=PotentialRevenue.from_json(revenue) if isinstance(revenue, dict) else None)


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
        items = tuple(CaseItem.from_json(item) for item in _objects(f.get("cases")))
        return cls(items=items, summary=CasesSummary.from_json(f.get("summary")), **Page.meta(f.get("page")))


@dataclass(frozen=True)
class ContractItem:
    signed: bool = False
    requires_resigning: bool = False
    solution_url: str | None = None

    @classmethod
    def from_json(cls, data: Any) -> ContractItem:
        f = camel_keys(data)
        return cls(
            signed=bool(flag(f.get("signed"))),
            requires_resigning=bool(flag(f.get("requiresResigning"))),
            solution_url=text(f.get("solutionUrl")),
        )


@dataclass(frozen=True)
class ContractStatus:
    """Signing state for one case (SDCA, power of attorney, pricing appendix), each with a URL to fix it."""

    sdca: ContractItem | None = None
    poa: ContractItem | None = None
    pricing_appendix: ContractItem | None = None
    collection_partner_name: str | None = None
    needs_poa_signing: bool = False

    @classmethod
    def from_json(cls, data: Any) -> ContractStatus:
        f = camel_keys(data)

        def item(key: str) -> ContractItem | None:
            return ContractItem.from_json(f[key]) if isinstance(f.get(key), dict) else None

        return cls(
            sdca=item("sdca"),
            poa=item("poa"),
            pricing_appendix=item("pricingAppendix"),
            collection_partner_name=text(f.get("collectionPartnerName")),
            needs_poa_signing=bool(flag(f.get("needsPoaSigning"))),
        )


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
    """A step the creditor must take for the matched partner: ``SdcaUpgrade``, ``PoA``, ``Jpa`` or ``Kyc`` (more may come)."""

    type: str | None = None
    collection_partner_id: str | None = None
    due_date: datetime | None = None

    @classmethod
    def from_json(cls, data: Any) -> PendingAction:
        f = camel_keys(data)
        return cls(type=text(f.get("type")), collection_partner_id=text(f.get("collectionPartnerId")), due_date=moment(f.get("dueDate")))


@dataclass(frozen=True)
class PreviewResult:
    is_eligible: bool = False
    ineligibility_reason: str | None = None
    jurisdiction: Jurisdiction | None = None
    pricing: Pricing | None = None
    requires_kyc_verification: bool = False
    pending_actions: tuple[PendingAction, ...] = ()

    @classmethod
    def from_json(cls, data: Any) -> PreviewResult:
        f = camel_keys(data)
        return cls(
            is_eligible=bool(flag(f.get("isEligible"))),
            ineligibility_reason=text(f.get("ineligibilityReason")),
            jurisdiction=Jurisdiction.from_json(f["jurisdiction"]) if isinstance(f.get("jurisdiction"), dict) else None,
            pricing=Pricing.from_json(f["pricingPreview"]) if isinstance(f.get("pricingPreview"), dict) else None,
            requires_kyc_verification=bool(flag(f.get("requiresKycVerification"))),
            pending_actions=tuple(PendingAction.from_json(item) for item in _objects(f.get("pendingActions"))),
        )


@dataclass(frozen=True)
class UploadedFile:
    id: str | None = None
    file_name: str | None = None
    date_created: datetime | None = None

    @classmethod
    def from_json(cls, data: Any) -> UploadedFile:
        f = camel_keys(data)
        return cls(id=text(f.get("id")), file_name=text(f.get("fileName")), date_created=moment(f.get("dateCreated")))


@dataclass(frozen=True)
class Transaction:
    """One revenue transaction (``TransactionItem``), flattened to what a revenue table shows."""

    transaction_id: str | None = None
    date: datetime | None = None
    external_tenant_id: str | None = None
    creditor_id: str | None = None
    company_name: str | None = None
    case_id: str | None = None
    case_reference: str | None = None
    debtor_name: str | None = None
    original_amount: Decimal | None = None
    original_currency: str | None = None
    payment_amount: Decimal | None = None
    payment_currency: str | None = None
    payment_date: datetime | None = None
    earnings_currency: str | None = None
    debitura_revenue: Decimal | None = None
    debitura_revenue_usd: Decimal | None = None
    referral_fee_percentage: Decimal | None = None
    referral_fee_amount: Decimal | None = None
    referral_fee_amount_usd: Decimal | None = None
    is_estimate: bool = False
    is_recognized: bool = False
    referral_fee_recognized_usd: Decimal | None = None
    commission_payment_status: str | None = None
    platform_invoicing_status: str | None = None
    referral_invoicing_status: str | None = None

    @classmethod
    def from_json(cls, data: Any) -> Transaction:
        f = camel_keys(data)
        client, case, payment = camel_keys(f.get("client")), camel_keys(f.get("case")), camel_keys(f.get("payment"))
        earnings, recognition, status = camel_keys(f.get("earnings")), camel_keys(f.get("recognition")), camel_keys(f.get("status"))
        return cls(
            transaction_id=text(f.get("transactionId")),
            date=moment(f.get("date")),
            external_tenant_id=text(client.get("externalTenantId")),
            creditor_id=text(client.get("creditorId")),
            company_name=text(client.get("companyName")),
            case_id=text(case.get("invoiceId")),
            case_reference=text(case.get("caseReference")),
            debtor_name=text(case.get("debtorName")),
            original_amount=money(case.get("originalAmount")),
            original_currency=text(case.get("currency")),
            payment_amount=money(payment.get("amount")),
            payment_currency=text(payment.get("currency")),
            payment_date=moment(payment.get("paymentDate")),
            earnings_currency=text(earnings.get("currency")),
            debitura_revenue=money(earnings.get("debituraRevenue")),
            debitura_revenue_usd=money(earnings.get("debituraRevenueUsd")),
            referral_fee_percentage=money(earnings.get("referralFeePercentage")),
            referral_fee_amount=money(earnings.get("referralFeeAmount")),
            referral_fee_amount_usd=money(earnings.get("referralFeeAmountUsd")),
            is_estimate=bool(flag(earnings.get("isEstimate"))),
            is_recognized=bool(flag(recognition.get("isRecognized"))),
            referral_fee_recognized_usd=money(recognition.get("referralFeeRecognizedUsd")),
            commission_payment_status=text(status.get("commissionPaymentStatus")),
            platform_invoicing_status=text(status.get("platformInvoicingStatus")),
            referral_invoicing_status=text(status.get("referralInvoicingStatus")),
        )


@dataclass(frozen=True)
class RevenueBucket:
    fee: Decimal = Decimal("0")
    count: int = 0


REVENUE_STAGES = (
    "pending",
    "confirmed_pending_invoice",
    "awaiting_collection_partner_payment",
    "ready_to_invoice_debitura",
    "awaiting_debitura_payment",
    "paid",
    "disputed",
)


@dataclass(frozen=True)
class RevenueBreakdown:
    """The seven revenue stages, in Debitura's order; fees are the partner's referral fee in USD."""

    pending: RevenueBucket = field(default_factory=RevenueBucket)
    confirmed_pending_invoice: RevenueBucket = field(default_factory=RevenueBucket)
    awaiting_collection_partner_payment: RevenueBucket = field(default_factory=RevenueBucket)
    ready_to_invoice_debitura: RevenueBucket = field(default_factory=RevenueBucket)
    awaiting_debitura_payment: RevenueBucket = field(default_factory=RevenueBucket)
    paid: RevenueBucket = field(default_factory=RevenueBucket)
    disputed: RevenueBucket = field(default_factory=RevenueBucket)

    @classmethod
    def from_json(cls, data: Any) -> RevenueBreakdown:
        f = camel_keys(data)
        buckets = {}
        for stage in REVENUE_STAGES:
            prefix = camel(stage)
            buckets[stage] = RevenueBucket(
                fee=money(f.get(f"{prefix}ReferralFeeUsd")) or Decimal("0"),
                count=integer(f.get(f"{prefix}Count")) or 0,
            )
        return cls(**buckets)


@dataclass(frozen=True)
class TransactionsPage(Page[Transaction]):
    revenue: RevenueBreakdown = field(default_factory=RevenueBreakdown)
    total_debitura_revenue_usd: Decimal = Decimal("0")

    @property
    def transactions(self) -> tuple[Transaction, ...]:
        return self.items

    @classmethod
    def from_json(cls, data: Any) -> TransactionsPage:
        f = camel_keys(data)
        summary = camel_keys(f.get("summary"))
        return cls(
            items=tuple(Transaction.from_json(item) for item in _objects(f.get("data"))),
            revenue=RevenueBreakdown.from_json(summary.get("revenue")),
            total_debitura_revenue_usd=money(summary.get("totalDebituraRevenueUsd")) or Decimal("0"),
            **Page.meta(f.get("page")),
        )


@dataclass(frozen=True)
class Webhook:
    """A webhook subscription; ``secret`` is only present right after creation or regeneration and never in repr."""

    id: str | None
    url: str | None = None
    events: tuple[str, ...] = ()
    is_active: bool = False
    is_test_mode: bool = False
    disabled_reason: str | None = None
    created_utc: datetime | None = None
    updated_utc: datetime | None = None
    secret: str | None = field(default=None, repr=False)

    @classmethod
    def from_json(cls, data: Any) -> Webhook:
        f = camel_keys(data)
        return cls(
            id=text(f.get("id")),
            url=text(f.get("url")),
            events=strings(f.get("events")),
            is_active=bool(flag(f.get("isActive"))),
            is_test_mode=bool(flag(f.get("isTestMode"))),
            disabled_reason=text(f.get("disabledReason")),
            created_utc=moment(f.get("createdUtc")),
            updated_utc=moment(f.get("updatedUtc")),
            secret=text(f.get("secret")),
        )


@dataclass(frozen=True)
class Partner:
    """The referral partner behind the API key (``GET /me``)."""

    id: str | None
    company_name: str | None = None
    short_name: str | None = None
    contact_email: str | None = None
    external_system_id: str | None = None
    referral_fee_percentage: Decimal | None = None
    is_active: bool = False
    is_public_demo: bool = False
    logo_url: str | None = None
    background_color_code: str | None = None
    font_color: str | None = None
    font_family: str | None = None
    invoicing_trigger_mode: str | None = None

    @classmethod
    def from_json(cls, data: Any) -> Partner:
        f = camel_keys(data)
        return cls(
            id=text(f.get("id")),
            company_name=text(f.get("companyName")),
            short_name=text(f.get("shortName")),
            contact_email=text(f.get("contactEmail")),
            external_system_id=text(f.get("externalSystemId")),
            referral_fee_percentage=money(f.get("referralFeePercentage")),
            is_active=bool(flag(f.get("isActive"))),
            is_public_demo=bool(flag(f.get("isPublicDemo"))),
            logo_url=text(f.get("logoUrl")),
            background_color_code=text(f.get("backgroundColorCode")),
            font_color=text(f.get("fontColor")),
            font_family=text(f.get("fontFamily")),
            invoicing_trigger_mode=text(f.get("invoicingTriggerMode")),
        )
