"""Request bodies to typed inputs, with Debitura's 400 rules and field-keyed messages.

Property names are matched case-insensitively (as Debitura's ASP.NET binder does), and
error keys are PascalCase paths such as `Cases[0].Debtor.CountryAlpha2`. Unlike Debitura,
the sandbox refuses properties the specs do not define: the specs forbid them, and a
client that sends them has drifted from the contract.
"""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass, field
from datetime import UTC, date, datetime
from decimal import ROUND_HALF_UP, Decimal
from typing import Any
from urllib.parse import urlsplit

from dashboard import money
from dashboard.sandbox import reference
from dashboard.sandbox.countries import alpha2_code, country_code, us_state_code
from dashboard.sandbox.errors import ValidationFailed

EMAIL = re.compile(r"^[^@\s]+@[^@\s.]+(\.[^@\s.]+)+$")
STORED_DECIMALS = Decimal("0.0001")  # amounts are stored with 19 digits, 4 of them decimals
MAX_AMOUNT = Decimal("1e15")


class Errors:
    """Collects field-keyed messages; raises them all at once."""

    def __init__(self) -> None:
        self.fields: dict[str, list[str]] = {}

    def add(self, key: str, message: str) -> None:
        self.fields.setdefault(key, []).append(message)

    def raise_if_any(self) -> None:
        if self.fields:
            raise ValidationFailed(self.fields)


def key(path: str, name: str) -> str:
    name = name[:1].upper() + name[1:]
    return f"{path}.{name}" if path else name


class Reader:
    """Typed access to one JSON object, recording every problem under its path."""

    def __init__(self, data: Any, path: str, errors: Errors, allowed: tuple[str, ...]) -> None:
        self.path = path
        self.errors = errors
        self.values: dict[str, Any] = {}
        if not isinstance(data, dict):
            return
        by_lower = {name.lower(): name for name in allowed}
        for raw_name, value in data.items():
            name = by_lower.get(str(raw_name).lower())
            if name is not None:  # unknown members are ignored, as ASP.NET's JSON binder does
                self.values[name] = value

    def present(self, name: str) -> bool:
        return self.values.get(name) is not None

    def raw(self, name: str) -> Any:
        return self.values.get(name)

    def string(self, name: str, *, required: bool = False, max_length: int | None = None) -> str | None:
        value = self.values.get(name)
        if value is None or (isinstance(value, str) and not value.strip() and required):
            if required:
                self.errors.add(key(self.path, name), f"The {key('', name)} field is required.")
            return None
        if not isinstance(value, str):
            self.errors.add(key(self.path, name), "Must be a string.")
            return None
        value = value.strip()
        if max_length is not None and len(value) > max_length:
            self.errors.add(key(self.path, name), f"Must be at most {max_length} characters.")
        return value or None

    def email(self, name: str, *, required: bool = False) -> str | None:
        value = self.string(name, required=required, max_length=320)
        if value is not None and not EMAIL.match(value):
            self.errors.add(key(self.path, name), f"The {key('', name)} field is not a valid e-mail address.")
            return None
        return value.lower() if value else None

    def boolean(self, name: str) -> bool | None:
        value = self.values.get(name)
        if value is None:
            return None
        if not isinstance(value, bool):
            self.errors.add(key(self.path, name), "Must be true or false.")
            return None
        return value

    def decimal(self, name: str, *, required: bool = False) -> Decimal | None:
        value = self.values.get(name)
        if value is None:
            if required:
                self.errors.add(key(self.path, name), f"The {key('', name)} field is required.")
            return None
        if isinstance(value, bool) or not isinstance(value, int | Decimal):
            self.errors.add(key(self.path, name), "Must be a number.")
            return None
        if not Decimal(value).is_finite() or abs(Decimal(value)) >= MAX_AMOUNT:
            self.errors.add(key(self.path, name), "Must be a number below 1,000,000,000,000,000.")
            return None
        return Decimal(value).quantize(STORED_DECIMALS, rounding=ROUND_HALF_UP)

    def day(self, name: str, *, required: bool = False) -> date | None:
        """A date, given as `2025-06-01` or as a date-time (its calendar day counts)."""
        value = self.values.get(name)
        if value is None:
            if required:
                self.errors.add(key(self.path, name), f"The {key('', name)} field is required.")
            return None
        parsed = parse_day(value)
        if parsed is None:
            self.errors.add(key(self.path, name), "Must be a date (YYYY-MM-DD).")
        return parsed

    def child(self, name: str, allowed: tuple[str, ...]) -> Reader:
        return Reader(self.values.get(name), key(self.path, name), self.errors, allowed)


def parse_day(value: Any) -> date | None:
    if not isinstance(value, str):
        return None
    text = value.strip()
    try:
        if len(text) == 10:
            return date.fromisoformat(text)
        moment = datetime.fromisoformat(text.replace("Z", "+00:00"))
    except ValueError:
        return None
    if moment.tzinfo is not None:
        moment = moment.astimezone(UTC)
    return moment.date()


def clean_return_url(value: Any) -> str | None:
    """Keep an absolute http(s) URL of at most 2048 characters; silently drop anything else."""
    if not isinstance(value, str) or not value or len(value) > 2048:
        return None
    parts = urlsplit(value.strip())
    if parts.scheme not in ("http", "https") or not parts.netloc:
        return None
    return value.strip()


# --- cases -------------------------------------------------------------------------------------

CASE_FIELDS = (
    "currencyCode",
    "date",
    "dueDate",
    "comments",
    "claimDescription",
    "creditorReference",
    "debtor",
    "creditorDivisionId",
    "amountToRecover",
    "amountToRecoverOver6Months",
    "amountToRecoverOver12Months",
    "amountToRecoverOver24Months",
    "skipDebituraVerification",
    "skipCreationEmails",
    "allowPendingContracts",
    "isTest",
    "tag",
    "collectionPartnerId",
    "assignedUserEmail",
    "returnUrl",
)
DEBTOR_FIELDS = (
    "type",
    "name",
    "contactPerson",
    "companyRegistrationNumber",
    "address",
    "zipCode",
    "city",
    "state",
    "stateAlpha2",
    "countryAlpha2",
    "country",
    "email",
    "phone",
)


@dataclass
class DebtorInput:
    type: str
    name: str
    country: str
    state_alpha2: str | None = None
    contact_person: str | None = None
    registration_number: str | None = None
    address: str | None = None
    zip_code: str | None = None
    city: str | None = None
    state: str | None = None
    email: str | None = None
    phone: str | None = None


@dataclass
class AgeBuckets:
    over_12: Decimal
    over_24: Decimal
    over_6: Decimal | None = None


@dataclass
class CaseInput:
    currency: str
    amount: Decimal
    date: dt.date  # from here on, `date` in this class is the field, not the type
    due_date: dt.date | None
    debtor: DebtorInput
    buckets: AgeBuckets | None = None
    comments: str | None = None
    claim_description: str | None = None
    creditor_reference: str | None = None
    skip_verification: bool = False
    allow_pending_contracts: bool = False
    is_test: bool = False
    tag: str | None = None
    collection_partner_id: str | None = None
    assigned_user_email: str | None = None
    return_url: str | None = None


def _debtor_type(reader: Reader) -> str | None:
    value = reader.string("type", required=True)
    if value is None:
        return None
    # Case creation documents "Company" or "Person", the preview "Company" or "Private": both are
    # taken, and the debtor keeps the word it was sent with.
    normalised = {"company": "Company", "private": "Private", "person": "Person"}.get(value.lower())
    if normalised is None:
        reader.errors.add(key(reader.path, "type"), "Invalid debtor type: use Company or Private.")
    return normalised


def _debtor_country(reader: Reader) -> str | None:
    """countryAlpha2 wins over country (an English name); one of them is required."""
    alpha2 = reader.string("countryAlpha2")
    if alpha2 is not None:
        code = alpha2_code(alpha2)
        if code is None:
            message = f"Invalid country code: {alpha2}"
            if country_code(alpha2):
                message += f" (use countryAlpha2 {country_code(alpha2)})"
            reader.errors.add(key(reader.path, "countryAlpha2"), message)
        return code
    name = reader.string("country")
    if name is None:
        reader.errors.add(key(reader.path, "countryAlpha2"), "The CountryAlpha2 field is required.")
        return None
    code = country_code(name)
    if code is None:
        reader.errors.add(key(reader.path, "country"), f"Invalid country: {name}")
    return code


def _debtor(reader: Reader) -> DebtorInput | None:
    if not reader.values and reader.path:
        reader.errors.add(reader.path, "Debtor information is required")
        return None
    debtor_type = _debtor_type(reader)
    name = reader.string("name", required=True, max_length=300)
    country = _debtor_country(reader)
    state_alpha2 = None
    if country == "US":
        given = reader.string("stateAlpha2")
        if given is None:
            reader.errors.add(
                key(reader.path, "stateAlpha2"), "A state code (debtor.stateAlpha2) is required for US debtors"
            )
        else:
            state_alpha2 = us_state_code(given)
            if state_alpha2 is None:
                reader.errors.add(key(reader.path, "stateAlpha2"), f"Invalid US state: {given}")
    if debtor_type is None or name is None or country is None:
        reader.email("email")
        return None
    return DebtorInput(
        type=debtor_type,
        name=name,
        country=country,
        state_alpha2=state_alpha2,
        contact_person=reader.string("contactPerson", max_length=300),
        registration_number=reader.string("companyRegistrationNumber"),
        address=reader.string("address"),
        zip_code=reader.string("zipCode"),
        city=reader.string("city"),
        state=reader.string("state"),
        email=reader.email("email"),
        phone=reader.string("phone"),
    )


def _buckets(reader: Reader, amount: Decimal | None) -> AgeBuckets | None:
    over_6 = reader.decimal("amountToRecoverOver6Months")
    over_12 = reader.decimal("amountToRecoverOver12Months")
    over_24 = reader.decimal("amountToRecoverOver24Months")
    if over_12 is None and over_24 is None:
        if over_6 is not None:
            reader.errors.add(
                key(reader.path, "amountToRecoverOver6Months"),
                "AmountToRecoverOver6Months can only be provided alongside the 12 and 24 month amounts.",
            )
        return None
    if over_12 is None or over_24 is None:
        reader.errors.add(
            key(reader.path, "amountToRecoverOver12Months"),
            "AmountToRecoverOver12Months and AmountToRecoverOver24Months must be provided together.",
        )
        return None
    problems = []
    if over_24 < 0 or over_24 > over_12:
        problems.append(("amountToRecoverOver24Months", "Must be between 0 and AmountToRecoverOver12Months."))
    if amount is not None and over_12 > amount:
        problems.append(("amountToRecoverOver12Months", "Must not exceed AmountToRecover."))
    if over_6 is not None and (over_6 < over_12 or (amount is not None and over_6 > amount)):
        problems.append(
            ("amountToRecoverOver6Months", "Must be at least AmountToRecoverOver12Months and at most AmountToRecover.")
        )
    for name, message in problems:
        reader.errors.add(key(reader.path, name), message)
    return AgeBuckets(over_12=over_12, over_24=over_24, over_6=over_6) if not problems else None


def _currency(reader: Reader) -> str | None:
    value = reader.string("currencyCode", required=True)
    if value is None:
        return None
    if value.upper() not in reference.USD_RATES:
        reader.errors.add(key(reader.path, "currencyCode"), f"Invalid currency code: {value}")
        return None
    return value.upper()


def _positive_amount(reader: Reader, currency: str | None) -> Decimal | None:
    """The amount to recover, rounded to the currency's minor unit (JPY none, KWD three decimals)."""
    amount = reader.decimal("amountToRecover", required=True)
    if amount is not None and amount <= 0:
        reader.errors.add(key(reader.path, "amountToRecover"), "Case total must be a positive amount")
        return None
    return money.quantize(amount, currency) if amount is not None and currency else amount


def read_case(reader: Reader, today: date) -> CaseInput | None:
    """One CreateCollectionCaseRequestApiViewModel; None when it had errors (they are in reader.errors)."""
    before = sum(len(messages) for messages in reader.errors.fields.values())
    currency = _currency(reader)
    amount = _positive_amount(reader, currency)
    invoice_date = reader.day("date", required=True)
    if invoice_date is not None and invoice_date > today:
        reader.errors.add(key(reader.path, "date"), "Case date cannot be in the future")
    due_date = reader.day("dueDate")
    if due_date is not None:
        if due_date > today:
            reader.errors.add(key(reader.path, "dueDate"), "Due date cannot be in the future")
        elif invoice_date is not None and due_date < invoice_date:
            reader.errors.add(key(reader.path, "dueDate"), "Due date cannot be earlier than the case date")
    if reader.raw("debtor") is None:
        reader.errors.add(key(reader.path, "debtor"), "Debtor information is required")
        debtor = None
    else:
        debtor = _debtor(reader.child("debtor", DEBTOR_FIELDS))
    buckets = _buckets(reader, amount)
    comments = reader.string("comments", max_length=4000)
    claim = reader.string("claimDescription", max_length=4000)
    reference_ = reader.string("creditorReference", max_length=50)
    tag = reader.string("tag", max_length=100)
    partner_id = reader.string("collectionPartnerId")
    if partner_id is not None and partner_id not in reference.PARTNERS:
        reader.errors.add(key(reader.path, "collectionPartnerId"), "Collection partner not found or not active.")
    assigned = reader.email("assignedUserEmail")
    reader.string("creditorDivisionId")
    flags = {
        name: reader.boolean(name)
        for name in ("skipDebituraVerification", "skipCreationEmails", "allowPendingContracts", "isTest")
    }
    return_url = clean_return_url(reader.raw("returnUrl"))
    after = sum(len(messages) for messages in reader.errors.fields.values())
    if after > before or currency is None or amount is None or invoice_date is None or debtor is None:
        return None
    return CaseInput(
        currency=currency,
        amount=amount,
        date=invoice_date,
        due_date=due_date,
        debtor=debtor,
        buckets=buckets,
        comments=comments,
        claim_description=claim,
        creditor_reference=reference_,
        skip_verification=bool(flags["skipDebituraVerification"]),
        allow_pending_contracts=bool(flags["allowPendingContracts"]),
        is_test=bool(flags["isTest"]),
        tag=tag,
        collection_partner_id=partner_id,
        assigned_user_email=assigned,
        return_url=return_url,
    )


def parse_case(payload: Any, today: date) -> CaseInput:
    """The Customer API's POST /cases body."""
    errors = Errors()
    if not isinstance(payload, dict):
        raise ValidationFailed.single("Request", "Request cannot be null")
    case = read_case(Reader(payload, "", errors, CASE_FIELDS), today)
    errors.raise_if_any()
    assert case is not None
    return case


# --- clients -----------------------------------------------------------------------------------

CLIENT_REQUEST_FIELDS = ("externalTenantId", "client", "users", "cases")
CLIENT_FIELDS = (
    "name",
    "registrationNumber",
    "address",
    "zipCode",
    "city",
    "state",
    "country",
    "supportEmail",
    "supportPhone",
)
USER_FIELDS = ("name", "email", "isOnboardingUser")


@dataclass
class UserInput:
    name: str
    email: str
    is_onboarding_user: bool


@dataclass
class ClientInput:
    external_tenant_id: str
    name: str
    country: str
    support_email: str
    users: list[UserInput]
    registration_number: str | None = None
    address: str | None = None
    zip_code: str | None = None
    city: str | None = None
    state: str | None = None
    support_phone: str | None = None
    cases: list[CaseInput] = field(default_factory=list)
    # The cases exactly as sent, kept for a link request to replay after approval.
    raw_cases: list[dict[str, Any]] = field(default_factory=list)

    @property
    def emails(self) -> list[str]:
        return [user.email for user in self.users] + [self.support_email]


def _users(request: Reader) -> list[UserInput]:
    raw = request.raw("users")
    if raw is None or (isinstance(raw, list) and not raw):
        request.errors.add("Users", "At least one user is required")
        return []
    if not isinstance(raw, list):
        request.errors.add("Users", "Must be a list of users.")
        return []
    users = []
    seen: set[str] = set()
    for index, item in enumerate(raw):
        reader = Reader(item, f"Users[{index}]", request.errors, USER_FIELDS)
        name = reader.string("name", required=True, max_length=300)
        email = reader.email("email", required=True)
        flag = reader.boolean("isOnboardingUser")
        if email is not None and email in seen:
            request.errors.add(f"Users[{index}].Email", "The same e-mail is given for two users.")
        if name is not None and email is not None:
            seen.add(email)
            users.append(UserInput(name=name, email=email, is_onboarding_user=bool(flag)))
    if len(raw) > 1:
        marked = sum(
            1
            for item in raw
            if isinstance(item, dict)
            and any(str(k).lower() == "isonboardinguser" and v is True for k, v in item.items())
        )
        if marked == 0:
            request.errors.add("Users", "When multiple users provided, exactly one must have IsOnboardingUser=true")
        elif marked > 1:
            request.errors.add("Users", "Only one user can be marked as IsOnboardingUser")
    elif len(users) == 1:
        users[0].is_onboarding_user = True  # a single user is the onboarding user
    return users


def _cases(request: Reader, today: date) -> tuple[list[CaseInput], list[dict[str, Any]]]:
    raw = request.raw("cases")
    if raw is None:
        return [], []
    if not isinstance(raw, list):
        request.errors.add("Cases", "Must be a list of cases.")
        return [], []
    cases = []
    references: dict[str, int] = {}
    for index, item in enumerate(raw):
        path = f"Cases[{index}]"
        if not isinstance(item, dict):
            request.errors.add(path, "Must be a case object.")
            continue
        case = read_case(Reader(item, path, request.errors, CASE_FIELDS), today)
        if case is None:
            continue
        if case.creditor_reference is not None:
            if case.creditor_reference in references:
                request.errors.add(
                    f"{path}.CreditorReference",
                    f"DuplicateReference: creditorReference '{case.creditor_reference}' is used twice in this request.",
                )
            references[case.creditor_reference] = index
        cases.append(case)
    return cases, raw


def parse_client(payload: Any, today: date) -> ClientInput:
    """The Referral API's POST /clients body (CreateClientRequest)."""
    if not isinstance(payload, dict):
        raise ValidationFailed.single("Request", "Request cannot be null")
    errors = Errors()
    request = Reader(payload, "", errors, CLIENT_REQUEST_FIELDS)
    tenant = request.string("externalTenantId", required=True, max_length=255)
    client_given = request.raw("client") is not None
    if not client_given:
        errors.add("Client", "The Client field is required.")
    client = request.child("client", CLIENT_FIELDS)
    name = client.string("name", required=client_given, max_length=300)
    country_text = client.string("country", required=client_given)
    country = country_code(country_text)
    if country_text is not None and country is None:
        errors.add("Client.Country", f"Unknown country: {country_text}")
    support_email = client.email("supportEmail", required=client_given)
    details = {
        "registration_number": client.string("registrationNumber"),
        "address": client.string("address", max_length=500),
        "zip_code": client.string("zipCode", max_length=20),
        "city": client.string("city", max_length=100),
        "state": client.string("state", max_length=100),
        "support_phone": client.string("supportPhone"),
    }
    users = _users(request)
    cases, raw_cases = _cases(request, today)
    if any(key_.startswith("Cases[") for key_ in errors.fields):
        errors.fields.setdefault("Cases", []).insert(0, "Case validation failed")
    errors.raise_if_any()
    assert tenant is not None and name is not None and country is not None and support_email is not None
    return ClientInput(
        external_tenant_id=tenant,
        name=name,
        country=country,
        support_email=support_email,
        users=users,
        cases=cases,
        raw_cases=raw_cases,
        **details,
    )


# --- preview, KYC, tokens, webhooks ------------------------------------------------------------

PREVIEW_FIELDS = (
    "amountToRecover",
    "currencyCode",
    "debtor",
    "amountToRecoverOver6Months",
    "amountToRecoverOver12Months",
    "amountToRecoverOver24Months",
    "dueDate",
    "returnUrl",
)
PREVIEW_DEBTOR_FIELDS = ("type", "countryAlpha2", "stateAlpha2")


@dataclass
class PreviewInput:
    amount: Decimal
    currency: str
    debtor_type: str
    country: str
    state_alpha2: str | None
    due_date: date | None
    buckets: AgeBuckets | None


def parse_preview(payload: Any, today: date) -> PreviewInput:
    if not isinstance(payload, dict):
        raise ValidationFailed.single("Request", "Request cannot be null")
    errors = Errors()
    request = Reader(payload, "", errors, PREVIEW_FIELDS)
    currency = _currency(request)
    amount = _positive_amount(request, currency)
    debtor_type = country = state = None
    if request.raw("debtor") is None:
        errors.add("Debtor", "Debtor information is required")
    else:
        debtor = request.child("debtor", PREVIEW_DEBTOR_FIELDS)
        debtor_type = _debtor_type(debtor)
        alpha2 = debtor.string("countryAlpha2", required=True)
        country = alpha2_code(alpha2)
        if alpha2 is not None and country is None:
            errors.add("Debtor.CountryAlpha2", f"Invalid country code: {alpha2}")
        if country == "US":
            given = debtor.string("stateAlpha2")
            state = us_state_code(given)
            if state is None:
                errors.add("Debtor.StateAlpha2", "A state code (debtor.stateAlpha2) is required for US debtors")
    due_date = request.day("dueDate")
    if due_date is not None and due_date > today:
        errors.add("DueDate", "Due date cannot be in the future")
    buckets = _buckets(request, amount)
    if due_date is not None and (buckets is not None or request.present("amountToRecoverOver12Months")):
        errors.add("DueDate", "Provide either dueDate or the age buckets, not both.")
    clean_return_url(request.raw("returnUrl"))
    errors.raise_if_any()
    assert amount is not None and currency is not None and debtor_type is not None and country is not None
    return PreviewInput(amount, currency, debtor_type, country, state, due_date, buckets)


KYC_FIELDS = ("directorFullName", "directorHomeAddress", "directorDateOfBirth")


@dataclass
class KycInput:
    full_name: str
    home_address: str
    date_of_birth: date


def parse_kyc(payload: Any, today: date) -> KycInput:
    if not isinstance(payload, dict):
        raise ValidationFailed.single("Request", "Request cannot be null")
    errors = Errors()
    request = Reader(payload, "", errors, KYC_FIELDS)
    name = request.string("directorFullName", required=True, max_length=500)
    address = request.string("directorHomeAddress", required=True, max_length=1000)
    born = request.day("directorDateOfBirth", required=True)
    if born is not None and born >= today:
        errors.add("DirectorDateOfBirth", "The date of birth must be in the past.")
    errors.raise_if_any()
    assert name is not None and address is not None and born is not None
    return KycInput(name, address, born)


def parse_token_request(payload: Any) -> str:
    errors = Errors()
    request = Reader(payload if isinstance(payload, dict) else {}, "", errors, ("externalTenantId",))
    tenant = request.string("externalTenantId", required=True, max_length=255)
    errors.raise_if_any()
    assert tenant is not None
    return tenant


WEBHOOK_EVENTS = (
    "client.onboarding.poa_signed",
    "client.onboarding.contract_signed",
    "client.linked",
    "client.link_declined",
    "client.link_requested",
    "client.link_expired",
    "case.created",
    "case.updated",
    "case.closed",
    "cases.replay_failed",
)
LOOPBACK_HOSTS = ("127.0.0.1", "localhost", "[::1]", "::1")


@dataclass
class WebhookInput:
    url: str | None = None
    events: list[str] | None = None
    is_test_mode: bool | None = None
    is_active: bool | None = None
    regenerate_secret: bool = False


def _webhook_url(reader: Reader, *, required: bool, http_hosts: tuple[str, ...]) -> str | None:
    """HTTPS only; plain http:// is accepted for loopback hosts and the dashboard's own address."""
    url = reader.string("url", required=required, max_length=1024)
    if url is None:
        return None
    parts = urlsplit(url)
    if parts.scheme not in ("http", "https") or not parts.hostname:
        reader.errors.add("Url", "Url must be an absolute HTTPS URL.")
        return None
    if parts.scheme == "http" and parts.hostname not in LOOPBACK_HOSTS and parts.netloc not in http_hosts:
        reader.errors.add("Url", "Url must use HTTPS.")
        return None
    return url


def _webhook_events(reader: Reader, *, required: bool) -> list[str] | None:
    raw = reader.raw("events")
    if raw is None:
        if required:
            reader.errors.add("Events", "At least one event is required.")
        return None
    if not isinstance(raw, list) or not raw or not all(isinstance(item, str) for item in raw):
        reader.errors.add("Events", "At least one event is required.")
        return None
    unknown = [item for item in raw if item not in WEBHOOK_EVENTS]
    if unknown:
        reader.errors.add("Events", f"Unknown event type(s): {', '.join(unknown)}")
        return None
    return list(dict.fromkeys(raw))


def parse_webhook(payload: Any, *, creating: bool, http_hosts: tuple[str, ...]) -> WebhookInput:
    """CreateWebhookRequest (creating) or UpdateWebhookRequest."""
    if not isinstance(payload, dict):
        raise ValidationFailed.single("Request", "Request cannot be null")
    errors = Errors()
    allowed = (
        ("url", "events", "isTestMode") if creating else ("url", "events", "isActive", "regenerateSecret", "isTestMode")
    )
    request = Reader(payload, "", errors, allowed)
    result = WebhookInput(
        url=_webhook_url(request, required=creating, http_hosts=http_hosts),
        events=_webhook_events(request, required=creating),
        is_test_mode=request.boolean("isTestMode"),
        is_active=None if creating else request.boolean("isActive"),
        regenerate_secret=False if creating else bool(request.boolean("regenerateSecret")),
    )
    errors.raise_if_any()
    return result
