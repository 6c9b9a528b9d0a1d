"""Demo data: a partner's first year with Debitura, the same every time it is loaded.

About 60 tenants cover every onboarding and link state the dashboard must show, about 400 cases
cover every lifecycle and close code, and a year of revenue transactions fills the seven revenue
stages. Everything comes from a fixed seed; dates are offsets from the sandbox clock at load time,
so "3 hours left to approve" stays true whenever the demo is loaded. No webhook fires: this is the
world as it was before the dashboard connected.

Tenant scenarios (`demo_tenants()` lists them with the payload each was created from):
  ready                   onboarded, signed the current SDCA (some non-attributed, linked after a 409)
  resign_needed           signed SDCA version 1; the demo publishes version 2, so POST /clients answers 202
  onboarding_not_started  created by the partner days ago, the customer never opened the URL
  onboarding_in_progress  stuck part-way (users, KYC or signing step) for days
  approval_pending        a 409 link request waiting for the customer, with 160 h down to 3 h left
  link_declined           the customer declined the link request
  link_expired            the link request ran out unanswered
  withdrawn               the partner withdrew the client before it signed
KYC states: tenants with UK debtors (routed to the KYC partner) are `pending` with nothing submitted,
`pending` with a submission under review, or `verified`; the rest are `not_required`.

Three more outcomes exist only as answers to a request: `DEMO_CONFLICT_PAYLOADS` are POST /clients
payloads that get a 409 AlreadyLinkedToAnotherPartner, InvalidClientType or AlreadyLinkedDifferentTenant
(see `DEMO_CONFLICT_TYPES`), plus the approval-pending tenants' own payloads, which get the same
ClientExistsNeedsLinking answer and URL every time. None of them changes the sandbox.

`grow()` adds bulk tenants and cases with executemany inserts, for volume tests.
"""

from __future__ import annotations

import random
import uuid
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time, timedelta
from decimal import Decimal
from typing import TYPE_CHECKING, Any

from sqlalchemy import delete, func, insert, select
from sqlalchemy.orm import Session

from dashboard.sandbox import clock, pricing, reference
from dashboard.sandbox.countries import US_STATES
from dashboard.sandbox.models import (
    Base,
    Case,
    ClientLink,
    ContractSignature,
    Creditor,
    CreditorUser,
    KycVerification,
    LinkRequest,
    Partner,
    RevenueTransaction,
    SandboxState,
    WebhookSubscription,
)
from dashboard.sandbox.wire import dumps

if TYPE_CHECKING:
    from dashboard.sandbox.core import Sandbox

SEED = 20240917
DEMO_SDCA_VERSION = 2
CURRENT_FEE = Decimal("50")
EARLIER_FEE = Decimal("40")  # links made over 300 days ago kept the older fee (snapshotted)
CHUNK = 5000
CENT = Decimal("0.01")
ZERO = Decimal("0.00")

SCENARIOS: tuple[tuple[str, int], ...] = (
    ("ready", 33),
    ("resign_needed", 4),
    ("onboarding_not_started", 4),
    ("onboarding_in_progress", 5),
    ("approval_pending", 5),
    ("link_declined", 3),
    ("link_expired", 3),
    ("withdrawn", 3),
)
APPROVAL_HOURS_LEFT = (160, 100, 47, 20, 3)
IN_PROGRESS_STEPS = ("users", "contract", "kyc", "users", "contract")

# country: (legal form, currency, cities)
PROFILES: dict[str, tuple[str, str, tuple[str, ...]]] = {
    "DK": ("ApS", "DKK", ("Copenhagen", "Aarhus", "Odense")),
    "SE": ("AB", "SEK", ("Stockholm", "Gothenburg", "Malmö")),
    "NO": ("AS", "NOK", ("Oslo", "Bergen", "Trondheim")),
    "DE": ("GmbH", "EUR", ("Berlin", "Hamburg", "Munich")),
    "NL": ("B.V.", "EUR", ("Amsterdam", "Rotterdam", "Utrecht")),
    "GB": ("Ltd", "GBP", ("London", "Manchester", "Leeds")),
    "FR": ("SAS", "EUR", ("Paris", "Lyon", "Nantes")),
    "US": ("Inc.", "USD", ("New York", "Austin", "Denver")),
    "ES": ("S.L.", "EUR", ("Madrid", "Valencia", "Seville")),
    "PL": ("Sp. z o.o.", "PLN", ("Warsaw", "Kraków", "Gdańsk")),
}
TENANT_COUNTRIES = ("DK", "DK", "SE", "DE", "GB", "NL", "NO", "FR", "GB", "US", "ES", "PL")
ROOTS = ("Nordlys", "Havblik", "Skovbryn", "Fjordsyn", "Lyngholm", "Klitgaard", "Bakkedal", "Solvang", "Egelund",
         "Rosenhøj", "Storm", "Birke")
TRADES = ("Digital", "Logistics", "Studio", "Consulting", "Trading", "Software", "Foods", "Design", "Systems", "Energy")
FIRST_NAMES = ("Anna", "Mads", "Sofie", "Lars", "Emma", "Jonas", "Ida", "Oliver", "Freja", "Noah", "Clara", "Elias",
               "Maja", "Lukas", "Ella", "William", "Alma", "Oscar", "Nora", "Viktor")
LAST_NAMES = ("Berg", "Holm", "Lund", "Dahl", "Winther", "Krogh", "Møller", "Schmidt", "Carter", "Novak", "Martin",
              "García", "Kowalski", "Jansen", "Fischer", "Evans")
DEBTOR_COUNTRIES = ("DK", "DK", "SE", "NO", "DE", "DE", "NL", "FR", "GB", "GB", "US", "ES", "PL", "AU", "IT", "FI")
DEBTOR_WORDS = ("Atlas", "Beacon", "Cobalt", "Delta", "Ember", "Falcon", "Granite", "Harbor", "Iris", "Juniper",
                "Kestrel", "Lumen", "Meridian", "Nimbus", "Orchid", "Pioneer", "Quartz", "Rowan", "Summit", "Tundra")

# Lifecycle weights for cases past contract signing (a year-old book is mostly closed or active).
LIFECYCLE_WEIGHTS: tuple[tuple[str, int], ...] = (
    ("Pending Verification Internal", 5),
    ("Pending Verification", 5),
    ("More Info Required", 5),
    ("Collecting Quotes", 4),
    ("Pending Quote Selection", 4),
    ("Active", 28),
    ("Paused", 7),
    ("Closed", 42),
)
PAID_CODES = ("Paid", "Partially paid")
NOT_STARTED = ("Pending contract signing", "Pending Verification Internal", "Pending Verification")


# --- the tenants (pure data, no database) ------------------------------------------------------


@dataclass(frozen=True)
class DemoTenant:
    external_tenant_id: str
    scenario: str
    company: str
    country: str
    city: str
    currency: str
    users: tuple[tuple[str, str], ...]  # (name, e-mail); the first one onboards
    attributed: bool = True
    kyc: str = "not_required"  # not_required | missing | submitted | verified
    age_days: int = 200
    hours_left: int | None = None  # approval_pending only
    step: str | None = None  # onboarding_in_progress only
    choice: bool = False  # the link request leads to the Choice page

    @property
    def has_active_link(self) -> bool:
        """Whether GET /clients lists it (a link request alone, or a withdrawn link, is not listed)."""
        return self.scenario not in ("approval_pending", "link_declined", "link_expired", "withdrawn")

    @property
    def support_email(self) -> str:
        domain_name = self.users[0][1].split("@", 1)[1]
        # Debitura matches accounts by any e-mail sent, support e-mail included: one shared address
        # would make every pre-existing customer match the first one's account.
        number = self.external_tenant_id.rsplit("-", 1)[-1]
        return f"billing.{number}@{domain_name}" if domain_name == "existing.example" else f"billing@{domain_name}"

    @property
    def payload(self) -> dict[str, Any]:
        """The POST /clients request this tenant was created (or requested) with."""
        return {
            "externalTenantId": self.external_tenant_id,
            "client": {
                "name": self.company,
                "registrationNumber": _registration_number(self),
                "country": self.country,
                "address": f"{self.company.split()[0]}vej 12" if self.country == "DK" else "12 High Street",
                "city": self.city,
                "zipCode": "2100" if self.country == "DK" else "10001",
                "supportEmail": self.support_email,
            },
            "users": [
                {"name": name, "email": email, "isOnboardingUser": index == 0}
                for index, (name, email) in enumerate(self.users)
            ],
        }


def _registration_number(tenant: DemoTenant) -> str:
    digits = sum(ord(char) for char in tenant.external_tenant_id) * 7919 % 90_000_000 + 10_000_000
    return f"{tenant.country}{digits}"


def _slug(company: str) -> str:
    return "".join(char for char in company.split()[0].lower() if char.isalnum() and char.isascii()) or "company"


def _people(rng: random.Random, domain_name: str, count: int, number: int, *, choice: bool = False
            ) -> tuple[tuple[str, str], ...]:
    """Users with e-mails unique across the demo (shared domains get the tenant number)."""
    people = []
    for index in range(count):
        first, last = rng.choice(FIRST_NAMES), rng.choice(LAST_NAMES)
        local = f"{first}.{last}".lower().replace("ø", "o").replace("í", "i")
        if domain_name == "existing.example":
            local = f"{local}.{number}"
        if choice and index == 0:
            local = f"choice.{local}"
        people.append((f"{first} {last}", f"{local}{index or ''}@{domain_name}"))
    return tuple(people)


def demo_tenants() -> list[DemoTenant]:
    """Every demo tenant, in a fixed order, with its scenario."""
    rng = random.Random(SEED)
    tenants: list[DemoTenant] = []
    number = 1001
    for scenario, count in SCENARIOS:
        for index in range(count):
            country = TENANT_COUNTRIES[(number - 1001) % len(TENANT_COUNTRIES)]
            legal, currency, cities = PROFILES[country]
            company = f"{ROOTS[number % len(ROOTS)]} {TRADES[(number // len(ROOTS)) % len(TRADES)]} {legal}"
            # Customers who already had a Debitura account (the 409 path) use @existing.example addresses.
            pre_existing = scenario in ("approval_pending", "link_declined", "link_expired") or (
                scenario == "ready" and index % 6 == 5
            )
            domain_name = "existing.example" if pre_existing else f"{_slug(company)}{number}.example"
            choice = scenario == "approval_pending" and index == 1
            tenants.append(
                DemoTenant(
                    external_tenant_id=f"demo-{number}",
                    scenario=scenario,
                    company=company,
                    country=country,
                    city=cities[number % len(cities)],
                    currency=currency,
                    users=_people(rng, domain_name, 1 + (number % 3 == 0), number, choice=choice),
                    attributed=not pre_existing,
                    kyc=_kyc_scenario(scenario, index),
                    age_days=_age_days(scenario, index, rng),
                    hours_left=APPROVAL_HOURS_LEFT[index] if scenario == "approval_pending" else None,
                    step=IN_PROGRESS_STEPS[index] if scenario == "onboarding_in_progress" else None,
                    choice=choice,
                )
            )
            number += 1
    return tenants


def _kyc_scenario(scenario: str, index: int) -> str:
    if scenario == "ready":
        return {3: "missing", 8: "missing", 13: "submitted", 18: "submitted", 4: "verified", 9: "verified",
                14: "verified"}.get(index, "not_required")
    if scenario == "onboarding_in_progress" and IN_PROGRESS_STEPS[index] == "kyc":
        return "missing"
    return "not_required"


def _age_days(scenario: str, index: int, rng: random.Random) -> int:
    if scenario in ("ready", "resign_needed", "withdrawn"):
        return rng.randint(40, 640)  # some partners' clients go back well over a year
    if scenario == "onboarding_not_started":
        return (1, 4, 9, 21)[index]
    if scenario == "onboarding_in_progress":
        return (2, 5, 8, 12, 16)[index]
    return rng.randint(8, 40)


def _conflicts() -> tuple[list[dict[str, Any]], dict[str, str]]:
    known = demo_tenants()
    taken_email = next(tenant for tenant in known if tenant.scenario == "ready").users[0][1]
    specs = [
        ("demo-conflict-other-partner", "AlreadyLinkedToAnotherPartner", "Fjordline Freight AS", "NO",
         ("Ola Nordmann", "ola.nordmann@other-partner.example")),
        ("demo-conflict-collector", "InvalidClientType", "Kredit Inkasso AS", "NO",
         ("Kari Hansen", "kari.hansen@collector.example")),
        ("demo-conflict-different-tenant", "AlreadyLinkedDifferentTenant", "Nordlys Digital ApS", "DK",
         ("Nordlys Admin", taken_email)),
    ]
    payloads: list[dict[str, Any]] = []
    types: dict[str, str] = {}
    for tenant_id, conflict, company, country, (name, email) in specs:
        payloads.append(
            {
                "externalTenantId": tenant_id,
                "client": {"name": company, "country": country, "supportEmail": email},
                "users": [{"name": name, "email": email, "isOnboardingUser": True}],
            }
        )
        types[tenant_id] = conflict
    for tenant in known:
        if tenant.scenario == "approval_pending":
            payloads.append(tenant.payload)
            types[tenant.external_tenant_id] = "ClientExistsNeedsLinking"
    return payloads, types


DEMO_CONFLICT_PAYLOADS, DEMO_CONFLICT_TYPES = _conflicts()


# --- rows ----------------------------------------------------------------------------------------


@dataclass
class Rows:
    """Plain rows per table, inserted in foreign-key order with executemany."""

    creditors: list[dict[str, Any]] = field(default_factory=list)
    users: list[dict[str, Any]] = field(default_factory=list)
    links: list[dict[str, Any]] = field(default_factory=list)
    link_requests: list[dict[str, Any]] = field(default_factory=list)
    signatures: list[dict[str, Any]] = field(default_factory=list)
    kyc: list[dict[str, Any]] = field(default_factory=list)
    cases: list[dict[str, Any]] = field(default_factory=list)
    transactions: list[dict[str, Any]] = field(default_factory=list)

    def insert(self, s: Session) -> None:
        for model, rows in (
            (Creditor, self.creditors),
            (CreditorUser, self.users),
            (ClientLink, self.links),
            (LinkRequest, self.link_requests),
            (ContractSignature, self.signatures),
            (KycVerification, self.kyc),
            (Case, self.cases),
            (RevenueTransaction, self.transactions),
        ):
            # Core executemany on the table: one statement per chunk, no ORM bookkeeping per row.
            for start in range(0, len(rows), CHUNK):
                s.connection().execute(insert(model.__table__), rows[start : start + CHUNK])


def _uuid(rng: random.Random) -> str:
    return str(uuid.UUID(int=rng.getrandbits(128), version=4))


def _reference(rng: random.Random) -> str:
    alphabet = "ABCDEFGHJKLMNPQRSTUVWXYZ23456789"
    return "".join(rng.choice(alphabet) for _ in range(8))


def _midnight(day: date) -> datetime:
    return datetime.combine(day, time(0, 0), tzinfo=UTC)


@dataclass
class Builder:
    """Turns tenant scenarios into rows, all dates counted back from `now`."""

    now: datetime
    partner_id: str
    rng: random.Random
    rows: Rows = field(default_factory=Rows)
    references: set[str] = field(default_factory=set)
    # Pools drawn from for every case, so bulk growth does not invent each debtor from scratch.
    debtor_pool: dict[str, list[dict[str, Any]]] = field(default_factory=dict)
    amount_pool: dict[str, list[Decimal]] = field(default_factory=dict)
    base_fees: dict[tuple[Decimal, str, str], Decimal] = field(default_factory=dict)

    def ago(self, days: float = 0, hours: float = 0) -> datetime:
        return self.now - timedelta(days=days, hours=hours)

    def debtor(self, country: str) -> dict[str, Any]:
        if country not in self.debtor_pool:
            self.debtor_pool[country] = [_debtor(self.rng, country) for _ in range(40)]
        return _pick(self.rng, self.debtor_pool[country])

    def amount(self, currency: str) -> Decimal:
        if currency not in self.amount_pool:
            self.amount_pool[currency] = [_amount(self.rng, currency) for _ in range(60)]
        return _pick(self.rng, self.amount_pool[currency])

    def fee(self, amount: Decimal, currency: str, country: str, due_day: date, today: date) -> tuple[Decimal, Decimal]:
        """(base fee, age surcharge) as the pricing rules give them; the base depends on neither date."""
        key = (amount, currency, country)
        if key not in self.base_fees:
            quote = pricing.quote(amount, currency, country, today=today)
            assert quote is not None, f"demo debtors live where a partner collects, not in {country}"
            self.base_fees[key] = quote.base
        return self.base_fees[key], pricing.surcharge_for_due_date(due_day, today)

    def creditor(self, tenant: DemoTenant, *, signed: int | None, kyc_required: bool, deleted: bool = False) -> str:
        creditor_id = _uuid(self.rng)
        client = tenant.payload["client"]
        created = self.ago(days=tenant.age_days + (420 if not tenant.attributed else 0))
        self.rows.creditors.append(
            {
                "id": creditor_id,
                "kind": "creditor",
                "company_name": tenant.company,
                "registration_number": client["registrationNumber"],
                "country": tenant.country,
                "address": client["address"],
                "city": tenant.city,
                "zip_code": client["zipCode"],
                "state": None,
                "office_email": tenant.support_email,
                "office_phone": "+45 70 10 20 30",
                "other_partner_name": None,
                "sdca_signed_version": signed,
                "sdca_signed_at": created + timedelta(days=1) if signed else None,
                "kyc_required": kyc_required,
                "blocked": False,
                "created_at": created,
                "deleted_at": self.ago(days=tenant.age_days // 2) if deleted else None,
            }
        )
        for index, (name, email) in enumerate(tenant.users):
            self.rows.users.append(
                {"creditor_id": creditor_id, "email": email, "name": name, "is_onboarding_user": index == 0}
            )
        return creditor_id

    def link(self, tenant: DemoTenant, creditor_id: str, *, status: str, step: str) -> str:
        link_id = _uuid(self.rng)
        self.rows.links.append(
            {
                "id": link_id,
                "partner_id": self.partner_id,
                "external_tenant_id": tenant.external_tenant_id,
                "creditor_id": creditor_id,
                "is_attributed": tenant.attributed,
                "fee_percentage_snapshot": EARLIER_FEE if tenant.age_days > 300 else CURRENT_FEE,
                "date_linked": self.ago(days=tenant.age_days),
                "status": status,
                "onboarding_step": step,
                "cases_replayed": not tenant.attributed,
            }
        )
        return link_id

    def link_request(self, tenant: DemoTenant, creditor_id: str, *, status: str, link_id: str | None = None,
                     ttl_days: int) -> None:
        if status == "pending":
            expires = self.now + timedelta(hours=tenant.hours_left or 1)
            created = expires - timedelta(days=ttl_days)
        else:
            # An approved request was decided (20 hours after it was made) when the link was made.
            created = self.ago(days=tenant.age_days, hours=20 if status == "approved" else 0)
            expires = created + timedelta(days=ttl_days)
        decided = {
            "pending": None,
            "approved": created + timedelta(hours=20),
            "declined": created + timedelta(days=2),
            "expired": expires + timedelta(minutes=35),  # the hourly job caught it
        }[status]
        today = self.now.date()
        cases = [_case_payload(self.rng, tenant, index, today) for index in range(2)] if status == "pending" else []
        payload = {**tenant.payload, "cases": cases}
        payload["client"] = {**payload["client"], "state": None, "supportPhone": None}
        del payload["externalTenantId"]
        self.rows.link_requests.append(
            {
                "id": _uuid(self.rng),
                "token": f"demo{self.rng.getrandbits(160):040x}",
                "partner_id": self.partner_id,
                "external_tenant_id": tenant.external_tenant_id,
                "creditor_id": creditor_id,
                "status": status,
                "is_choice": tenant.choice,
                "payload": dumps(payload),
                "created_at": created,
                "expires_at": expires,
                "decided_at": decided,
                "link_id": link_id,
            }
        )

    def kyc(self, tenant: DemoTenant, creditor_id: str) -> None:
        if tenant.kyc not in ("submitted", "verified"):
            return
        submitted = self.ago(days=min(tenant.age_days - 5, 30))
        name, _ = tenant.users[0]
        self.rows.kyc.append(
            {
                "creditor_id": creditor_id,
                "director_full_name": name,
                "director_home_address": f"7 {self.rng.choice(DEBTOR_WORDS)} Road, {tenant.city}",
                "director_date_of_birth": date(1960 + self.rng.randint(0, 35), self.rng.randint(1, 12),
                                               self.rng.randint(1, 28)),
                "date_created": submitted,
                "verification_status": "Completed" if tenant.kyc == "verified" else None,
                "verification_status_updated_at": submitted + timedelta(days=1) if tenant.kyc == "verified" else None,
                "send_chat_notification": True,
            }
        )

    def sign(self, creditor_id: str, partner_ids: Iterable[str], signed_at: datetime) -> None:
        for partner_id in sorted(set(partner_ids)):
            kinds = ["poa", "jpa"] if reference.signs_jpa(reference.PARTNERS[partner_id]) else ["poa"]
            for kind in kinds:
                self.rows.signatures.append(
                    {"creditor_id": creditor_id, "collection_partner_id": partner_id, "kind": kind,
                     "signed_at": signed_at}
                )

    def new_reference(self) -> str:
        while (candidate := _reference(self.rng)) in self.references:
            continue
        self.references.add(candidate)
        return candidate


# --- cases -------------------------------------------------------------------------------------


def _debtor_country(rng: random.Random, tenant: DemoTenant) -> str:
    """UK debtors (the KYC partner's) only for the tenants whose KYC matters.

    Their UK cases predate the partner's KYC requirement or came through a link approval, which
    does not enforce it (a limitation Debitura documents); new ones would need the KYC first.
    """
    if tenant.kyc != "not_required" and rng.random() < 0.6:
        return "GB"
    country = rng.choice(DEBTOR_COUNTRIES)
    return "DK" if country == "GB" else country


def _pick(rng: random.Random, items: tuple | list) -> Any:
    return items[int(rng.random() * len(items))]  # rng.choice, without its overhead on hot paths


def _between(rng: random.Random, low: int, high: int) -> int:
    return low + int(rng.random() * (high - low + 1))  # rng.randint, likewise


def _debtor(rng: random.Random, country: str) -> dict[str, Any]:
    company = rng.random() < 0.8
    if company:
        legal = PROFILES.get(country, ("Ltd", "", ()))[0]
        name = f"{rng.choice(DEBTOR_WORDS)} {rng.choice(TRADES)} {legal}"
    else:
        name = f"{rng.choice(FIRST_NAMES)} {rng.choice(LAST_NAMES)}"
    state = rng.choice(("NY", "CA", "TX", "CO")) if country == "US" else None
    return {
        "type": "Company" if company else "Private",
        "name": name,
        "countryAlpha2": country,
        "stateAlpha2": state,
        "city": PROFILES.get(country, ("", "", ("Capital City",)))[2][0],
        "email": f"accounts@{name.split()[0].lower()}.example",
        "address": f"{rng.randint(1, 99)} {rng.choice(DEBTOR_WORDS)} Street",
        "zipCode": f"{rng.randint(1000, 9999)}",
    }


def _amount(rng: random.Random, currency: str) -> Decimal:
    usd = Decimal(rng.choice((180, 450, 900, 1500, 2400, 4800, 7500, 12_000, 26_000, 64_000)))
    local = usd / reference.USD_RATES[currency]
    return (local * Decimal(rng.randint(80, 120)) / 100).quantize(Decimal("1")) + Decimal(rng.randint(0, 99)) / 100


def _case_payload(rng: random.Random, tenant: DemoTenant, index: int, today: date) -> dict[str, Any]:
    """A case as the partner sends it, for the payloads stored with pending link requests."""
    country = _debtor_country(rng, tenant)
    debtor = {key: value for key, value in _debtor(rng, country).items() if value is not None}
    invoice = today - timedelta(days=60 + 30 * index)
    return {
        "currencyCode": tenant.currency,
        "amountToRecover": _amount(rng, tenant.currency),
        "date": invoice.isoformat(),
        "dueDate": (invoice + timedelta(days=30)).isoformat(),
        "creditorReference": f"INV-{tenant.external_tenant_id[-4:]}-{index + 1:03d}",
        "debtor": debtor,
    }


@dataclass(frozen=True)
class CasePlan:
    lifecycle: str
    close_code: str | None = None
    is_test: bool = False
    via_partner: bool = True


def _ready_case_plans(rng: random.Random, count: int, coverage: Iterator[CasePlan]) -> list[CasePlan]:
    """A book of cases: the first ones guarantee every lifecycle and close code appears somewhere."""
    plans = []
    for _ in range(count):
        plan = next(coverage, None)
        if plan is None:
            lifecycle = rng.choices([name for name, _ in LIFECYCLE_WEIGHTS], [w for _, w in LIFECYCLE_WEIGHTS])[0]
            close_code = None
            if lifecycle == "Closed":
                close_code = rng.choice(PAID_CODES * 4 + reference.CLOSE_CODES[2:-1])
            plan = CasePlan(lifecycle, close_code)
        plans.append(plan)
    return plans


def _coverage() -> Iterator[CasePlan]:
    for _, display in reference.LIFECYCLES[1:]:
        if display != "Closed":
            yield CasePlan(display)
    for code in reference.CLOSE_CODES:
        yield CasePlan("Closed", code)


def _add_case(builder: Builder, tenant: DemoTenant, link_id: str, creditor_id: str, plan: CasePlan,
              *, created: datetime, country: str | None = None, number: int | None,
              case_reference: str | None = None) -> dict[str, Any]:
    """One case row; `number` makes its creditor reference (None leaves it out)."""
    rng = builder.rng
    country = country or _debtor_country(rng, tenant)
    partner = reference.route(country)
    assert partner is not None, f"demo debtors live where a partner collects, not in {country}"
    debtor = builder.debtor(country)
    amount = builder.amount(tenant.currency)
    invoice_day = (created - timedelta(days=_between(rng, 45, 420))).date()
    due_day = invoice_day + timedelta(days=_pick(rng, (14, 30, 30, 45)))
    base_fee, surcharge = builder.fee(amount, tenant.currency, country, due_day, created.date())
    # Collection starts days after creation, but never in the future: a recent case started soon after it was created.
    started = min(created + timedelta(days=_between(rng, 2, 10)), max(created, builder.now - timedelta(hours=3)))
    moved_on = plan.lifecycle not in NOT_STARTED
    collecting = plan.lifecycle in ("Active", "Paused") or plan.close_code in PAID_CODES
    finished = None
    if plan.lifecycle == "Closed":
        finished = max(started, min(started + timedelta(days=_between(rng, 10, 150)), builder.now - timedelta(hours=2)))
    remainder = amount
    if plan.close_code == "Paid":
        remainder = ZERO
    elif plan.close_code == "Partially paid" or (collecting and rng.random() < 0.4):
        remainder = (amount * _between(rng, 20, 70) / 100).quantize(CENT)
    row = {
        "id": _uuid(rng),
        "reference": case_reference or builder.new_reference(),
        "creditor_id": creditor_id,
        "link_id": link_id,
        "via_partner": plan.via_partner,
        "creditor_reference": f"INV-{created:%Y}-{number:04d}" if number is not None else None,
        "creditor_comments": None,
        "claim_description": f"Unpaid invoice for {_pick(rng, ('services', 'goods', 'a subscription'))}",
        "claim_type": "Unpaid Invoice",
        "gross_amount": amount,
        "remainder": remainder,
        "interest_fees": ZERO,
        "reminder_fees": _pick(rng, (ZERO, ZERO, Decimal("10.00"), Decimal("25.00"))),
        "collection_fees": ZERO,
        "amount_over_6_months": None,
        "amount_over_12_months": None,
        "amount_over_24_months": None,
        "currency": tenant.currency,
        "is_test": plan.is_test,
        "tag": "demo-test" if plan.is_test else None,
        "lifecycle": plan.lifecycle,
        "close_code": plan.close_code,
        "close_comment": None,
        "current_engagement_phase": ("Legal" if rng.random() < 0.15 else "Pre-legal") if collecting else None,
        "date": _midnight(invoice_day),
        "due_date": _midnight(due_day),
        "date_created": created,
        "date_updated": (finished or started) if moved_on else None,
        "date_finished": finished,
        "date_collection_started": started if collecting else None,
        "debtor_type": debtor["type"],
        "debtor_name": debtor["name"],
        "debtor_contact_person": None,
        "debtor_registration_number": None,
        "debtor_address": debtor["address"],
        "debtor_zip_code": debtor["zipCode"],
        "debtor_city": debtor["city"],
        "debtor_state": US_STATES[debtor["stateAlpha2"]] if debtor["stateAlpha2"] else None,
        "debtor_state_alpha2": debtor["stateAlpha2"],
        "debtor_country": country,
        "debtor_email": debtor["email"],
        "debtor_phone": None,
        "collection_partner_id": None if plan.is_test else partner.id,
        "base_fee_percentage": base_fee,
        "age_uplift_points": surcharge,
        "return_url": None,
        "assigned_user_email": None,
    }
    builder.rows.cases.append(row)
    return row


def _country_for_partner_outside(rng: random.Random, taken: set[str]) -> str:
    """A debtor country whose collection partner this creditor has not signed a PoA for yet."""
    for country in rng.sample(DEBTOR_COUNTRIES, len(DEBTOR_COUNTRIES)):
        partner = reference.route(country)
        if country != "GB" and partner is not None and partner.id not in taken:
            return country
    return "AU"


# --- revenue -----------------------------------------------------------------------------------

STAGE_STATUSES: tuple[tuple[str, str, str], ...] = (
    # (commission payment, platform invoicing, referral invoicing), in RevenueBreakdown order
    ("Unpaid", "NotInvoiced", "Pending"),
    ("Paid", "NotInvoiced", "Pending"),
    ("Paid", "InvoiceIssued", "Pending"),
    ("Paid", "PaymentReceived", "Pending"),
    ("Paid", "PaymentReceived", "Invoiced"),
    ("Paid", "PaymentReceived", "Paid"),
    ("Paid", "PaymentReceived", "Disputed"),
)


def _stage_for_age(rng: random.Random, days: int) -> int:
    if days > 120:
        return 6 if rng.random() < 0.08 else 5
    if days > 75:
        return rng.choice((4, 5))
    if days > 45:
        return rng.choice((3, 4))
    if days > 20:
        return rng.choice((1, 2))
    return 0


def _transactions(builder: Builder, cases: list[dict[str, Any]], fees: dict[str, Decimal]) -> None:
    rng = builder.rng
    for row in cases:
        collected = row["gross_amount"] - row["remainder"]
        if row["is_test"] or collected <= 0 or not row["via_partner"] or row["date_collection_started"] is None:
            continue
        parts = 1 if row["close_code"] == "Paid" and rng.random() < 0.6 else 2
        last_day = row["date_finished"] or builder.now - timedelta(days=1)
        span = max((last_day - row["date_collection_started"]).days, 1)
        fee = row["base_fee_percentage"] + row["age_uplift_points"]
        share = (collected / parts).quantize(CENT)
        for part in range(parts):
            # The last payment takes the rounding remainder, so the payments add up to what was collected.
            amount = share if part < parts - 1 else collected - share * (parts - 1)
            paid_on = row["date_collection_started"] + timedelta(days=span * (part + 1) / parts)
            if paid_on > builder.now - timedelta(hours=1) or paid_on < builder.now - timedelta(days=365):
                continue
            stage = _stage_for_age(rng, (builder.now - paid_on).days)
            commission, platform, referral = STAGE_STATUSES[stage]
            builder.rows.transactions.append(
                {
                    "id": _uuid(rng),
                    "case_id": row["id"],
                    "link_id": row["link_id"],
                    "date": paid_on,
                    "payment_amount": amount,
                    "currency": row["currency"],
                    "debitura_revenue": (amount * fee / 100 * reference.PLATFORM_SHARE_PERCENTAGE / 100).quantize(CENT),
                    "referral_fee_percentage": fees[row["link_id"]],
                    "commission_payment_status": commission,
                    "platform_invoicing_status": platform,
                    "referral_invoicing_status": referral,
                }
            )
    _cover_every_stage(builder.rows.transactions)


def _cover_every_stage(transactions: list[dict[str, Any]]) -> None:
    """Make sure each of the seven stages holds at least one transaction (the demo shows every bucket)."""
    def stage_of(row: dict[str, Any]) -> int:
        return STAGE_STATUSES.index(
            (row["commission_payment_status"], row["platform_invoicing_status"], row["referral_invoicing_status"])
        )

    present = {stage_of(row) for row in transactions}
    spare = sorted(transactions, key=lambda row: row["date"])
    for stage in range(len(STAGE_STATUSES)):
        if stage in present or not spare:
            continue
        row = spare.pop(len(spare) // 2)
        row["commission_payment_status"], row["platform_invoicing_status"], row["referral_invoicing_status"] = (
            STAGE_STATUSES[stage]
        )
        present.add(stage)


# --- loading -----------------------------------------------------------------------------------


def build_demo(now: datetime, partner_id: str, ttl_days: int) -> Rows:
    """Every demo row, from the fixed seed, dated back from `now`."""
    builder = Builder(now=now.replace(microsecond=0), partner_id=partner_id, rng=random.Random(SEED + 1))
    coverage = _coverage()
    fees: dict[str, Decimal] = {}
    case_number = 1
    for tenant in demo_tenants():
        rng = builder.rng
        scenario = tenant.scenario
        if scenario in ("approval_pending", "link_declined", "link_expired"):
            creditor_id = builder.creditor(tenant, signed=rng.choice((1, 2)), kyc_required=False)
            status = {"approval_pending": "pending", "link_declined": "declined", "link_expired": "expired"}[scenario]
            builder.link_request(tenant, creditor_id, status=status, ttl_days=ttl_days)
            continue
        ready = scenario in ("ready", "resign_needed")
        signed = DEMO_SDCA_VERSION if scenario == "ready" else 1 if scenario == "resign_needed" else None
        creditor_id = builder.creditor(tenant, signed=signed, kyc_required=tenant.kyc != "not_required",
                                       deleted=scenario == "withdrawn")
        status = "ready" if ready else "withdrawn" if scenario == "withdrawn" else "onboarding"
        step = "done" if ready else tenant.step or "companydetails"
        link_id = builder.link(tenant, creditor_id, status=status, step=step)
        fees[link_id] = builder.rows.links[-1]["fee_percentage_snapshot"]
        if not tenant.attributed:
            builder.link_request(tenant, creditor_id, status="approved", link_id=link_id, ttl_days=ttl_days)
        builder.kyc(tenant, creditor_id)
        linked = builder.ago(days=tenant.age_days)
        if ready:
            count = rng.randint(7, 12)
            plans = _ready_case_plans(rng, count, coverage)
            if not tenant.attributed:
                # Cases the customer filed directly in Debitura earn the partner nothing.
                plans = [
                    CasePlan(plan.lifecycle, plan.close_code, via_partner=index % 3 != 2)
                    for index, plan in enumerate(plans)
                ]
            rows = []
            for plan in plans:
                created = linked + timedelta(days=rng.uniform(3, max(tenant.age_days - 3, 4)))
                rows.append(_add_case(builder, tenant, link_id, creditor_id, plan, created=created, number=case_number))
                case_number += 1
            partners = {row["collection_partner_id"] for row in rows if row["collection_partner_id"]}
            builder.sign(creditor_id, partners, linked + timedelta(days=2))
            if scenario == "resign_needed" or rng.random() < 0.12:
                # Sent with allowPendingContracts after the new SDCA (or for a new collection partner).
                country = _country_for_partner_outside(rng, partners)
                _add_case(builder, tenant, link_id, creditor_id, CasePlan("Pending contract signing"),
                          created=builder.ago(days=rng.uniform(0.5, 6)), country=country, number=case_number)
                case_number += 1
        elif scenario in ("onboarding_not_started", "onboarding_in_progress", "withdrawn"):
            # Sent with the client: waiting for the contracts to be signed.
            for _ in range(rng.randint(1, 3)):
                plan = CasePlan("Closed", "CaseNeverStartedInternal") if scenario == "withdrawn" else CasePlan(
                    "Pending contract signing")
                _add_case(builder, tenant, link_id, creditor_id, plan,
                          created=linked + timedelta(minutes=5), number=case_number)
                case_number += 1
    _test_cases(builder, fees)
    _transactions(builder, builder.rows.cases, fees)
    return builder.rows


def _test_cases(builder: Builder, fees: dict[str, Decimal]) -> None:
    """A handful of isTest cases on one ready tenant, as an integration's CI run would leave them.

    The client reads them through the Customer API; the partner's GET /cases and counts never show them.
    """
    tenant = next(tenant for tenant in demo_tenants() if tenant.scenario == "ready")
    link = next(row for row in builder.rows.links if row["external_tenant_id"] == tenant.external_tenant_id)
    for index in range(6):
        _add_case(builder, tenant, link["id"], link["creditor_id"],
                  CasePlan(("Pending Verification Internal", "Active", "Closed")[index % 3],
                           "Paid" if index % 3 == 2 else None, is_test=True),
                  created=builder.ago(days=index * 9 + 1), number=9000 + index)


KEPT_TABLES = (SandboxState.__tablename__, Partner.__tablename__, WebhookSubscription.__tablename__)


def clear(s: Session) -> None:
    """Delete the sandbox's data; the state row, the partner and its webhook subscriptions (configuration,
    not data) stay. The demo replaces what was there, it never adds to it."""
    for table in reversed(Base.metadata.sorted_tables):
        if table.name not in KEPT_TABLES:
            s.execute(delete(table))


def load_demo(sandbox: Sandbox) -> None:
    """Replace the sandbox's data with the demo data (the clock and the partner stay)."""
    with sandbox.session() as s:
        clear(s)
        state = s.get_one(SandboxState, clock.STATE_ID)
        state.sdca_version = DEMO_SDCA_VERSION
        partner = s.scalars(select(Partner)).one()
        build_demo(clock.now(s), partner.id, state.approval_ttl_days).insert(s)


# --- volume ------------------------------------------------------------------------------------


def grow(sandbox: Sandbox, tenants: int, cases: int, *, seed: int = SEED) -> None:
    """Add `tenants` ready tenants and `cases` cases spread over them, with bulk inserts."""
    if tenants < 1 and cases > 0:
        raise ValueError("cases need tenants to belong to")
    with sandbox.session() as s:
        now = clock.now(s).replace(microsecond=0)
        partner_id = s.scalars(select(Partner.id)).one()
        version = s.get_one(SandboxState, clock.STATE_ID).sdca_version
        start = s.scalar(select(func.count()).select_from(ClientLink)) or 0
        case_start = s.scalar(select(func.count()).select_from(Case)) or 0
        rng = random.Random(seed + start)
        builder = Builder(now=now, partner_id=partner_id, rng=rng)
        links: list[tuple[DemoTenant, str, str]] = []
        for number in range(start, start + tenants):
            country = TENANT_COUNTRIES[number % len(TENANT_COUNTRIES)]
            legal, currency, cities = PROFILES[country]
            tenant = DemoTenant(
                external_tenant_id=f"bulk-{number:06d}",
                scenario="ready",
                company=f"{ROOTS[number % len(ROOTS)]} {TRADES[number // len(ROOTS) % len(TRADES)]} {number} {legal}",
                country=country,
                city=cities[number % len(cities)],
                currency=currency,
                users=((f"Bulk User {number}", f"owner{number}@bulk{number}.example"),),
                age_days=rng.randint(30, 700),
            )
            creditor_id = builder.creditor(tenant, signed=version, kyc_required=False)
            links.append((tenant, creditor_id, builder.link(tenant, creditor_id, status="ready", step="done")))
        signed: set[tuple[str, str]] = set()
        plans = [CasePlan(name) for name, weight in LIFECYCLE_WEIGHTS for _ in range(weight) if name != "Closed"]
        closed_weight = dict(LIFECYCLE_WEIGHTS)["Closed"]
        plans += [CasePlan("Closed", _pick(rng, reference.CLOSE_CODES[:-1])) for _ in range(closed_weight)]
        for index in range(cases):
            tenant, creditor_id, link_id = _pick(rng, links)
            plan = _pick(rng, plans)
            created = now - timedelta(days=rng.random() * tenant.age_days)
            # Bulk references contain a 0, which demo references never do, so the two never collide.
            row = _add_case(builder, tenant, link_id, creditor_id, plan, created=created, number=None,
                            case_reference=f"G{_base36(case_start + index):>07}")
            if row["collection_partner_id"]:
                signed.add((creditor_id, row["collection_partner_id"]))
        for creditor_id, partner_id_signed in sorted(signed):
            builder.sign(creditor_id, [partner_id_signed], now - timedelta(days=700))
        builder.rows.insert(s)


def _base36(number: int) -> str:
    digits = "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZ"
    text = ""
    while True:
        number, rest = divmod(number, 36)
        text = digits[rest] + text
        if number == 0:
            return text


__all__ = [
    "DEMO_CONFLICT_PAYLOADS",
    "DEMO_CONFLICT_TYPES",
    "DEMO_SDCA_VERSION",
    "DemoTenant",
    "build_demo",
    "clear",
    "demo_tenants",
    "grow",
    "load_demo",
]


def announce_link_requests(sandbox: Sandbox) -> int:
    """Fire the webhooks the demo's link requests fired before anyone subscribed.

    The demo is loaded before the dashboard subscribes, so without this a fresh dashboard
    would never hear of the pending, declined and expired requests. A declined or expired request's
    event is dated when that happened, as it was when it fired. Returns how many events.
    """
    from dashboard.sandbox import wire
    from dashboard.sandbox.domain.notify import client_event
    from dashboard.sandbox.models import LinkRequest

    announced = 0
    with sandbox.session() as s:
        requests = s.scalars(
            select(LinkRequest).where(LinkRequest.status.in_(("pending", "declined", "expired"))).order_by(LinkRequest.id)
        ).all()
        for link_request in requests:
            tenant, creditor = link_request.external_tenant_id, link_request.creditor
            if link_request.status == "pending":
                client_event(s, "client.link_requested", tenant, creditor, is_attributed=False,
                             expiresAt=wire.iso(link_request.expires_at))
            elif link_request.status == "declined":
                client_event(s, "client.link_declined", tenant, creditor, is_attributed=None, at=link_request.decided_at)
            else:
                expired_at = link_request.decided_at or link_request.expires_at
                client_event(s, "client.link_expired", tenant, creditor, is_attributed=False, at=expired_at,
                             expiredAt=wire.iso(expired_at))
            announced += 1
    return announced
