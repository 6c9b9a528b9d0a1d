"""Debtors, amounts and case payloads drawn for the demo's cases and its pending link requests."""

from __future__ import annotations

import random
from datetime import date, timedelta
from decimal import Decimal
from typing import Any

from dashboard.sandbox import reference
from dashboard.sandbox.demo.names import DEBTOR_COUNTRIES, DEBTOR_WORDS, FIRST_NAMES, LAST_NAMES, PROFILES, TRADES
from dashboard.sandbox.demo.tenants import DemoTenant

CENT = Decimal("0.01")
ZERO = Decimal("0.00")


def debtor_country(rng: random.Random, tenant: DemoTenant) -> str:
    """UK debtors (the KYC partner's) only for the tenants whose KYC matters.

    Their UK cases predate the partner's KYC requirement or came through a link approval, which
    does not enforce it (a limitation Debitura documents); new ones would need the KYC first.
    """
    if tenant.kyc != "not_required" and rng.random() < 0.6:
        return "GB"
    country = rng.choice(DEBTOR_COUNTRIES)
    return "DK" if country == "GB" else country


def random_debtor(rng: random.Random, country: str) -> dict[str, Any]:
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


def random_amount(rng: random.Random, currency: str) -> Decimal:
    usd = Decimal(rng.choice((180, 450, 900, 1500, 2400, 4800, 7500, 12_000, 26_000, 64_000)))
    local = usd / reference.USD_RATES[currency]
    return (local * Decimal(rng.randint(80, 120)) / 100).quantize(Decimal("1")) + Decimal(rng.randint(0, 99)) / 100


def case_payload(rng: random.Random, tenant: DemoTenant, index: int, today: date) -> dict[str, Any]:
    """A case as the partner sends it, for the payloads stored with pending link requests."""
    country = debtor_country(rng, tenant)
    debtor = {key: value for key, value in random_debtor(rng, country).items() if value is not None}
    invoice = today - timedelta(days=60 + 30 * index)
    return {
        "currencyCode": tenant.currency,
        "amountToRecover": random_amount(rng, tenant.currency),
        "date": invoice.isoformat(),
        "dueDate": (invoice + timedelta(days=30)).isoformat(),
        "creditorReference": f"INV-{tenant.external_tenant_id[-4:]}-{index + 1:03d}",
        "debtor": debtor,
    }
