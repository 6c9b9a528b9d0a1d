"""Every body the client sends, as frozen dataclasses with one ``to_json()`` each.

Field names here are Python's; ``to_json()`` spells the spec's wire shape (camelCase, date-times,
exact amounts), so nothing outside this package writes a Debitura field name. Empty optional
fields are left out rather than sent as null. The two bodies the dashboard keeps and sends again
(a case, and a client with its first cases) also read back with ``from_json()``, so that what is
stored and what is sent again are the same body, byte for byte.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from typing import Any, Protocol

from ..fields import calendar_date, camel_keys, flag, money, objects, text


class WireRequest(Protocol):
    def to_json(self) -> dict[str, Any]: ...


def body_of(request: WireRequest) -> dict[str, Any]:
    """The body a typed request sends. A bare mapping is refused: no hand-built JSON reaches Debitura."""
    if isinstance(request, Mapping) or not callable(getattr(request, "to_json", None)):
        raise TypeError(
            f"Debitura's client sends typed requests (dashboard.debitura.types.requests), "
            f"not a {type(request).__name__}"
        )
    return request.to_json()


def wire_date(day: date) -> str:
    """Dates go out as the specs' date-time: midnight UTC of that calendar day."""
    return f"{day.isoformat()}T00:00:00Z"


def _present(values: Mapping[str, Any]) -> dict[str, Any]:
    return {name: value for name, value in values.items() if value not in (None, "")}


# ---------------------------------------------------------------- cases (Customer API, and inside POST /clients)


@dataclass(frozen=True)
class CaseDebtor:
    """DebtorDto. ``state`` is sent as ``stateAlpha2``, which Debitura reads for US debtors only."""

    type: str  # Company | Private
    name: str
    country: str  # ISO 3166-1 alpha-2
    state: str | None = None
    contact_person: str | None = None
    registration_number: str | None = None
    address: str | None = None
    zip_code: str | None = None
    city: str | None = None
    email: str | None = None
    phone: str | None = None

    def to_json(self) -> dict[str, Any]:
        return _present(
            {
                "type": self.type,
                "name": self.name,
                "contactPerson": self.contact_person,
                "companyRegistrationNumber": self.registration_number,
                "address": self.address,
                "zipCode": self.zip_code,
                "city": self.city,
                "countryAlpha2": self.country,
                "stateAlpha2": self.state if self.country == "US" else None,
                "email": self.email,
                "phone": self.phone,
            }
        )

    @classmethod
    def from_json(cls, data: Any) -> CaseDebtor:
        values = camel_keys(data)
        return cls(
            type=text(values.get("type")) or "",
            name=text(values.get("name")) or "",
            country=text(values.get("countryAlpha2")) or "",
            state=text(values.get("stateAlpha2")),
            contact_person=text(values.get("contactPerson")),
            registration_number=text(values.get("companyRegistrationNumber")),
            address=text(values.get("address")),
            zip_code=text(values.get("zipCode")),
            city=text(values.get("city")),
            email=text(values.get("email")),
            phone=text(values.get("phone")),
        )


@dataclass(frozen=True)
class CreateCaseRequest:
    """CreateCollectionCaseRequestApiViewModel: ``POST /cases`` (Customer API) and each of ``cases[]`` in POST /clients."""

    currency: str
    amount: Decimal
    invoice_date: date
    debtor: CaseDebtor
    due_date: date | None = None
    creditor_reference: str | None = None
    claim_description: str | None = None
    comments: str | None = None
    allow_pending_contracts: bool = True
    is_test: bool = False
    return_url: str | None = None

    def to_json(self) -> dict[str, Any]:
        return _present(
            {
                "currencyCode": self.currency,
                "amountToRecover": self.amount,
                "date": wire_date(self.invoice_date),
                "dueDate": wire_date(self.due_date) if self.due_date else None,
                "creditorReference": self.creditor_reference,
                "claimDescription": self.claim_description,
                "comments": self.comments,
                "debtor": self.debtor.to_json(),
                "allowPendingContracts": self.allow_pending_contracts,
                "isTest": self.is_test,
                "returnUrl": self.return_url,
            }
        )

    @classmethod
    def from_json(cls, data: Any) -> CreateCaseRequest:
        """Read a body this module wrote (a stored submission or first case); amounts may be stored as text."""
        values = camel_keys(data)
        invoice_date = calendar_date(values.get("date"))
        amount = money(values.get("amountToRecover"))
        if invoice_date is None or amount is None:
            raise ValueError("a stored case body needs its date and amountToRecover")
        allow = flag(values.get("allowPendingContracts"))
        return cls(
            currency=text(values.get("currencyCode")) or "",
            amount=amount,
            invoice_date=invoice_date,
            debtor=CaseDebtor.from_json(values.get("debtor")),
            due_date=calendar_date(values.get("dueDate")),
            creditor_reference=text(values.get("creditorReference")),
            claim_description=text(values.get("claimDescription")),
            comments=text(values.get("comments")),
            allow_pending_contracts=True if allow is None else allow,
            is_test=bool(flag(values.get("isTest"))),
            return_url=text(values.get("returnUrl")),
        )


@dataclass(frozen=True)
class AgeBuckets:
    """How much of the amount is overdue by more than 6, 12 and 24 months (each includes the older ones)."""

    over_12_months: Decimal
    over_24_months: Decimal
    over_6_months: Decimal | None = None


@dataclass(frozen=True)
class PreviewCaseRequest:
    """PreviewCaseRequestApiViewModel: ``POST /cases/preview`` on either API. Either a due date or the age buckets."""

    amount: Decimal
    currency: str
    debtor_type: str  # Company | Private
    country: str
    state: str | None = None  # US debtors only
    due_date: date | None = None
    buckets: AgeBuckets | None = None

    def __post_init__(self) -> None:
        if self.due_date is not None and self.buckets is not None:
            raise ValueError("Give either a due date or the age buckets, not both: Debitura accepts one or the other.")

    def to_json(self) -> dict[str, Any]:
        debtor: dict[str, Any] = {"type": self.debtor_type, "countryAlpha2": self.country}
        if self.country == "US" and self.state:
            debtor["stateAlpha2"] = self.state
        body: dict[str, Any] = {"amountToRecover": self.amount, "currencyCode": self.currency, "debtor": debtor}
        if self.due_date is not None:
            body["dueDate"] = wire_date(self.due_date)
        if self.buckets is not None:
            body["amountToRecoverOver12Months"] = self.buckets.over_12_months
            body["amountToRecoverOver24Months"] = self.buckets.over_24_months
            if self.buckets.over_6_months is not None:
                body["amountToRecoverOver6Months"] = self.buckets.over_6_months
        return body


# ---------------------------------------------------------------- clients (Referral API)


@dataclass(frozen=True)
class ClientDetails:
    """ClientDetailsDto."""

    name: str
    country: str
    support_email: str
    registration_number: str | None = None
    address: str | None = None
    zip_code: str | None = None
    city: str | None = None
    state: str | None = None
    support_phone: str | None = None

    def to_json(self) -> dict[str, Any]:
        return _present(
            {
                "name": self.name,
                "registrationNumber": self.registration_number,
                "address": self.address,
                "zipCode": self.zip_code,
                "city": self.city,
                "state": self.state,
                "country": self.country,
                "supportEmail": self.support_email,
                "supportPhone": self.support_phone,
            }
        )

    @classmethod
    def from_json(cls, data: Any) -> ClientDetails:
        values = camel_keys(data)
        return cls(
            name=text(values.get("name")) or "",
            country=text(values.get("country")) or "",
            support_email=text(values.get("supportEmail")) or "",
            registration_number=text(values.get("registrationNumber")),
            address=text(values.get("address")),
            zip_code=text(values.get("zipCode")),
            city=text(values.get("city")),
            state=text(values.get("state")),
            support_phone=text(values.get("supportPhone")),
        )


@dataclass(frozen=True)
class ClientUser:
    """ClientUserDto."""

    name: str
    email: str
    is_onboarding_user: bool = False

    def to_json(self) -> dict[str, Any]:
        return {"name": self.name, "email": self.email, "isOnboardingUser": self.is_onboarding_user}

    @classmethod
    def from_json(cls, data: Any) -> ClientUser:
        values = camel_keys(data)
        return cls(
            name=text(values.get("name")) or "",
            email=text(values.get("email")) or "",
            is_onboarding_user=bool(flag(values.get("isOnboardingUser"))),
        )


@dataclass(frozen=True)
class CreateClientRequest:
    """CreateClientRequest: ``POST /clients``, optionally carrying the client's first cases."""

    external_tenant_id: str
    client: ClientDetails
    users: tuple[ClientUser, ...] = ()
    cases: tuple[CreateCaseRequest, ...] = ()

    def to_json(self) -> dict[str, Any]:
        body: dict[str, Any] = {
            "externalTenantId": self.external_tenant_id,
            "client": self.client.to_json(),
            "users": [user.to_json() for user in self.users],
        }
        if self.cases:
            body["cases"] = [case.to_json() for case in self.cases]
        return body

    @classmethod
    def from_json(cls, data: Any) -> CreateClientRequest:
        values = camel_keys(data)
        return cls(
            external_tenant_id=text(values.get("externalTenantId")) or "",
            client=ClientDetails.from_json(values.get("client")),
            users=tuple(ClientUser.from_json(user) for user in objects(values.get("users"))),
            cases=tuple(CreateCaseRequest.from_json(case) for case in objects(values.get("cases"))),
        )


@dataclass(frozen=True)
class AccessTokenRequest:
    """CreateAccessTokenRequest: ``POST /oauth/token``."""

    external_tenant_id: str

    def to_json(self) -> dict[str, Any]:
        return {"externalTenantId": self.external_tenant_id}


@dataclass(frozen=True)
class KycSubmission:
    """SubmitKycVerificationRequest: ``POST /clients/{id}/kyc-verification`` (the chat flag is a query parameter)."""

    director_full_name: str
    director_home_address: str
    director_date_of_birth: date

    def to_json(self) -> dict[str, Any]:
        return {
            "directorFullName": self.director_full_name,
            "directorHomeAddress": self.director_home_address,
            "directorDateOfBirth": self.director_date_of_birth.isoformat(),
        }


# ---------------------------------------------------------------- webhooks (Referral API)


@dataclass(frozen=True)
class WebhookSubscription:
    """CreateWebhookRequest: ``POST /v1/Webhooks``."""

    url: str
    events: tuple[str, ...]
    is_test_mode: bool = False

    def to_json(self) -> dict[str, Any]:
        return {"url": self.url, "events": list(self.events), "isTestMode": self.is_test_mode}


@dataclass(frozen=True)
class WebhookUpdate:
    """UpdateWebhookRequest: ``PUT /v1/Webhooks/{id}``; only the settings given change."""

    url: str | None = None
    events: tuple[str, ...] | None = None
    is_active: bool | None = None
    regenerate_secret: bool = False
    is_test_mode: bool | None = None

    def to_json(self) -> dict[str, Any]:
        body: dict[str, Any] = {"regenerateSecret": self.regenerate_secret}
        if self.url is not None:
            body["url"] = self.url
        if self.events is not None:
            body["events"] = list(self.events)
        if self.is_active is not None:
            body["isActive"] = self.is_active
        if self.is_test_mode is not None:
            body["isTestMode"] = self.is_test_mode
        return body


@dataclass(frozen=True)
class TestWebhookRequest:
    """TriggerTestWebhookRequest: ``POST /v1/Webhooks/test`` (test environment only)."""

    __test__ = False  # not a pytest test class, whatever its name

    event_type: str
    case_id: str | None = None
    external_tenant_id: str | None = None
    old_lifecycle: str | None = None
    new_lifecycle: str | None = None
    close_code: str | None = None
    close_comment: str | None = None

    def to_json(self) -> dict[str, Any]:
        return _present(
            {
                "eventType": self.event_type,
                "caseId": self.case_id,
                "externalTenantId": self.external_tenant_id,
                "oldLifecycle": self.old_lifecycle,
                "newLifecycle": self.new_lifecycle,
                "closeCode": self.close_code,
                "closeComment": self.close_comment,
            }
        )
