"""The demo's cases: which lifecycles and close codes a tenant's book holds, and each case row."""

from __future__ import annotations

import random
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import datetime, timedelta
from decimal import Decimal
from typing import Any

from dashboard.sandbox import reference
from dashboard.sandbox.countries import US_STATES
from dashboard.sandbox.demo.debtors import CENT, ZERO, debtor_country
from dashboard.sandbox.demo.draw import between, midnight, new_uuid, pick
from dashboard.sandbox.demo.names import DEBTOR_COUNTRIES
from dashboard.sandbox.demo.rows import Builder
from dashboard.sandbox.demo.tenants import DemoTenant

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


@dataclass(frozen=True)
class CasePlan:
    lifecycle: str
    close_code: str | None = None
    is_test: bool = False
    via_partner: bool = True


def ready_case_plans(rng: random.Random, count: int, coverage: Iterator[CasePlan]) -> list[CasePlan]:
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


def coverage_plans() -> Iterator[CasePlan]:
    for _, display in reference.LIFECYCLES[1:]:
        if display != "Closed":
            yield CasePlan(display)
    for code in reference.CLOSE_CODES:
        yield CasePlan("Closed", code)


def add_case(
    builder: Builder,
    tenant: DemoTenant,
    link_id: str,
    creditor_id: str,
    plan: CasePlan,
    *,
    created: datetime,
    country: str | None = None,
    number: int | None,
    case_reference: str | None = None,
) -> dict[str, Any]:
    """One case row; `number` makes its creditor reference (None leaves it out)."""
    rng = builder.rng
    country = country or debtor_country(rng, tenant)
    partner = reference.route(country)
    assert partner is not None  # demo debtors live only where a collection partner collects
    debtor = builder.debtor(country)
    amount = builder.amount(tenant.currency)
    invoice_day = (created - timedelta(days=between(rng, 45, 420))).date()
    due_day = invoice_day + timedelta(days=pick(rng, (14, 30, 30, 45)))
    base_fee, surcharge = builder.fee(amount, tenant.currency, country, due_day, created.date())
    # Collection starts days after creation, but never in the future: a recent case started soon after it was created.
    started = min(created + timedelta(days=between(rng, 2, 10)), max(created, builder.now - timedelta(hours=3)))
    moved_on = plan.lifecycle not in NOT_STARTED
    collecting = plan.lifecycle in ("Active", "Paused") or plan.close_code in PAID_CODES
    finished = None
    if plan.lifecycle == "Closed":
        finished = max(started, min(started + timedelta(days=between(rng, 10, 150)), builder.now - timedelta(hours=2)))
    remainder = amount
    if plan.close_code == "Paid":
        remainder = ZERO
    elif plan.close_code == "Partially paid" or (collecting and rng.random() < 0.4):
        remainder = (amount * between(rng, 20, 70) / 100).quantize(CENT)
    row = {
        "id": new_uuid(rng),
        "reference": case_reference or builder.new_reference(),
        "creditor_id": creditor_id,
        "link_id": link_id,
        "via_partner": plan.via_partner,
        "creditor_reference": f"INV-{created:%Y}-{number:04d}" if number is not None else None,
        "creditor_comments": None,
        "claim_description": f"Unpaid invoice for {pick(rng, ('services', 'goods', 'a subscription'))}",
        "claim_type": "Unpaid Invoice",
        "gross_amount": amount,
        "remainder": remainder,
        "interest_fees": ZERO,
        "reminder_fees": pick(rng, (ZERO, ZERO, Decimal("10.00"), Decimal("25.00"))),
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
        "date": midnight(invoice_day),
        "due_date": midnight(due_day),
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


def country_for_partner_outside(rng: random.Random, taken: set[str]) -> str:
    """A debtor country whose collection partner this creditor has not signed a PoA for yet."""
    for country in rng.sample(DEBTOR_COUNTRIES, len(DEBTOR_COUNTRIES)):
        partner = reference.route(country)
        if country != "GB" and partner is not None and partner.id not in taken:
            return country
    return "AU"
