"""The demo's tenants as plain data (no database): who each one is, its scenario, and the POST /clients
payload it was created (or requested) with.

Tenant scenarios:
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
"""

from __future__ import annotations

import random
from dataclasses import dataclass
from typing import Any

from dashboard.sandbox.demo.names import FIRST_NAMES, LAST_NAMES, PROFILES, ROOTS, TENANT_COUNTRIES, TRADES

SEED = 20240917
DEMO_SDCA_VERSION = 2

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


def _people(
    rng: random.Random, domain_name: str, count: int, number: int, *, choice: bool = False
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
        return {
            3: "missing",
            8: "missing",
            13: "submitted",
            18: "submitted",
            4: "verified",
            9: "verified",
            14: "verified",
        }.get(index, "not_required")
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
