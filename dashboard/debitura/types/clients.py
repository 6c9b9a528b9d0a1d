"""Linked clients: onboarding and link state, KYC, case statistics, the outcome of ``POST /clients``."""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import date, datetime
from decimal import Decimal
from typing import Any

from ..fields import calendar_date, camel_keys, flag, integer, moment, money, nested, objects, string_lists, text
from .cases import Case
from .parties import Company, User

KycStatus = str  # "not_required" | "pending" | "verified"


_KYC_STATUSES = {"notrequired": "not_required", "pending": "pending", "verified": "verified"}


def kyc_status(value: Any) -> KycStatus | None:
    """Read ``NotRequired``, ``not_required`` or ``Not Required`` as ``not_required``; unknown values are ``None``."""
    if not isinstance(value, str):
        return None
    return _KYC_STATUSES.get(re.sub(r"[^a-z]", "", value.lower()))


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
            validation_errors=string_lists(f.get("validationErrors")),
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
            successful_cases=tuple(Case.from_json(item) for item in objects(f.get("successfulCases"))),
            failed_cases=tuple(CaseCreationFailure.from_json(item) for item in objects(f.get("failedCases"))),
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
            users=tuple(User.from_json(item) for item in objects(f.get("users"))),
            is_attributed_client=flag(f.get("isAttributedClient")),
            date_linked=moment(f.get("dateLinked")),
            case_stats=CaseStats.from_json(f["caseStats"]) if isinstance(f.get("caseStats"), dict) else None,
            kyc_status=kyc_status(f.get("kycStatus")),
            kyc_verification=KycVerification.from_json(f["kycVerification"])
            if isinstance(f.get("kycVerification"), dict)
            else None,
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
