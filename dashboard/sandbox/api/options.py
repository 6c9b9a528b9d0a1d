"""The Referral API's reference lists: where Debitura collects (`GET /coverage`) and the ids the case
and earnings filters take (`GET /referral-partner/filter-options`)."""

from __future__ import annotations

from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from dashboard.sandbox import pricing, reference
from dashboard.sandbox.countries import COUNTRIES, COUNTRY_IDS, US_STATES, country_name
from dashboard.sandbox.models import ACTIVE_LINK_STATUSES, Case, ClientLink


def filter_options(s: Session) -> dict[str, Any]:
    """Debtor countries of the partner's visible cases (test cases are hidden), and the carve-out partners."""
    codes = s.scalars(
        select(Case.debtor_country)
        .join(ClientLink, Case.link_id == ClientLink.id)
        .where(ClientLink.status.in_(ACTIVE_LINK_STATUSES), Case.is_test.is_(False))
        .distinct()
    ).all()
    countries = sorted(
        ({"id": COUNTRY_IDS[code], "name": country_name(code)} for code in codes if code in COUNTRY_IDS),
        key=lambda country: str(country["name"]),
    )
    carve_outs = {partner.id: partner for partner in map(reference.route, reference.CARVE_OUT_FEES) if partner}
    partners = sorted(
        ({"id": partner.id, "name": partner.name} for partner in carve_outs.values()),
        key=lambda partner: partner["name"],
    )
    return {"countries": countries, "carveoutPartners": partners}


def coverage() -> list[dict[str, Any]]:
    """Every covered jurisdiction (US states each on their own) with the one partner that collects there."""
    items = []
    for code in COUNTRIES:
        partner = reference.route(code)
        if partner is None:
            continue
        states = list(US_STATES) if code == "US" else [None]
        for state in states:
            place = pricing.jurisdiction(code, state)
            items.append(
                {
                    "jurisdictionId": place["id"],
                    "jurisdiction": place["name"],
                    "country": country_name(code),
                    "countryId": COUNTRY_IDS[code],
                    "countryAlpha2": code,
                    "usStateAlpha2": state,
                    "partners": [
                        {"partnerId": partner.id, "partnerName": partner.name, "conditions": _conditions(code, partner)}
                    ],
                }
            )
    return sorted(items, key=lambda item: item["jurisdiction"])


def _conditions(country: str, partner: reference.CollectionPartner) -> str:
    if reference.needs_jpa(country):
        return "All cases; a Jurisdiction Pricing Appendix is signed with the Power of Attorney"
    if partner.requires_kyc:
        return "All cases; a director's KYC verification is required"
    return "All cases"
