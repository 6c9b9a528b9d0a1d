"""Success-fee pricing: base rate by partner (or carve-out) and amount tier, plus the age surcharge.

The tables and the rules in words are in `reference`; this module only applies them.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from typing import Any

from dashboard.sandbox import reference
from dashboard.sandbox.countries import COUNTRY_IDS, US_STATES, country_name
from dashboard.sandbox.validation import AgeBuckets

CENT = Decimal("0.01")
ZERO = Decimal("0")


@dataclass(frozen=True)
class Quote:
    partner: reference.CollectionPartner
    base: Decimal
    surcharge: Decimal
    source: str
    description: str

    @property
    def total(self) -> Decimal:
        return self.base + self.surcharge


def _months_overdue(due: date, today: date) -> int:
    months = (today.year - due.year) * 12 + today.month - due.month
    return months - 1 if today.day < due.day else months


def surcharge_for_due_date(due: date, today: date) -> Decimal:
    months = _months_overdue(due, today)
    if months >= 24:
        return reference.AGE_SURCHARGE_OVER_24
    if months >= 12:
        return reference.AGE_SURCHARGE_12_TO_24
    return ZERO


def surcharge_for_buckets(amount: Decimal, buckets: AgeBuckets) -> Decimal:
    """Each bucket's share of the amount, weighted by its surcharge.

    Over6 only sharpens carve-out tiers at Debitura; the sandbox's carve-outs have none, so it is
    validated but does not change the price.
    """
    weighted = (
        buckets.over_12 - buckets.over_24
    ) * reference.AGE_SURCHARGE_12_TO_24 + buckets.over_24 * reference.AGE_SURCHARGE_OVER_24
    return (weighted / amount).quantize(CENT)


def quote(
    amount: Decimal,
    currency: str,
    country: str,
    *,
    today: date,
    due_date: date | None = None,
    buckets: AgeBuckets | None = None,
    partner: reference.CollectionPartner | None = None,
) -> Quote | None:
    """The price of collecting `amount` from a debtor in `country`; None where no partner collects."""
    partner = partner or reference.route(country)
    if partner is None:
        return None
    adjustment, tier = reference.amount_tier(reference.to_usd(amount, currency))
    carve_out = reference.CARVE_OUT_FEES.get(country)
    rate = carve_out if carve_out is not None else partner.base_fee
    base = max(rate + adjustment, Decimal("1"))
    if buckets is not None:
        surcharge = surcharge_for_buckets(amount, buckets)
    elif due_date is not None:
        surcharge = surcharge_for_due_date(due_date, today)
    else:
        surcharge = ZERO
    source = "Jurisdiction custom pricing" if carve_out is not None else "Standard agreement"
    rates = "carve-out collection rates" if carve_out is not None else "collection rates"
    description = f"{_plain(base + surcharge)}% success fee — {partner.name} {rates} ({partner.zone} zone, {tier} tier)"
    return Quote(partner=partner, base=base, surcharge=surcharge, source=source, description=description)


def jurisdiction(country: str, state_alpha2: str | None) -> dict[str, Any]:
    """JurisdictionDto: US states are jurisdictions of their own."""
    if country == "US" and state_alpha2:
        return {
            "id": 1000 + list(US_STATES).index(state_alpha2),
            "name": f"United States - {US_STATES[state_alpha2]}",
            "countryAlpha2": "US",
            "stateAlpha2": state_alpha2,
        }
    return {"id": COUNTRY_IDS[country], "name": country_name(country), "countryAlpha2": country, "stateAlpha2": None}


def _plain(value: Decimal) -> str:
    return f"{value.normalize():f}"
