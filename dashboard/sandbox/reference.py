"""Fixed tables the sandbox runs on: currencies, lifecycles, collection partners and pricing.

Routing (debtor country -> collection partner) and pricing are the sandbox's own,
documented here so operators and tests can predict every answer:

- Every country is covered except UNCOVERED_COUNTRIES (answer: NoPartnerAvailable).
- GB (and the Crown dependencies) route to Oriel Collections, the only partner that
  requires a KYC record before a case is accepted.
- DE and FR are carve-out jurisdictions: besides the PoA, the creditor signs a
  Jurisdiction Pricing Appendix (JPA), and pricing comes from the carve-out rate.
- Base fee = the partner's rate (or the carve-out rate) + the amount tier adjustment
  (by USD equivalent of the amount). Age surcharge, by how long the debt is overdue, as the
  spec's PricingPreviewDto describes it: 12-24 months +8 points, over 24 months +15; age
  buckets blend these weights over the amounts in each bucket (0-15).
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal

# USD value of one unit of each accepted ISO 4217 currency (a fixed, plausible table).
USD_RATES: dict[str, Decimal] = {
    "USD": Decimal("1"),
    "EUR": Decimal("1.08"),
    "GBP": Decimal("1.27"),
    "DKK": Decimal("0.145"),
    "SEK": Decimal("0.095"),
    "NOK": Decimal("0.094"),
    "ISK": Decimal("0.0072"),
    "CHF": Decimal("1.13"),
    "PLN": Decimal("0.25"),
    "CZK": Decimal("0.043"),
    "HUF": Decimal("0.0027"),
    "RON": Decimal("0.22"),
    "BGN": Decimal("0.55"),
    "CAD": Decimal("0.73"),
    "AUD": Decimal("0.66"),
    "NZD": Decimal("0.60"),
    "JPY": Decimal("0.0067"),
    "CNY": Decimal("0.14"),
    "HKD": Decimal("0.128"),
    "SGD": Decimal("0.74"),
    "INR": Decimal("0.012"),
    "ZAR": Decimal("0.054"),
    "BRL": Decimal("0.18"),
    "MXN": Decimal("0.055"),
    "AED": Decimal("0.272"),
    "SAR": Decimal("0.267"),
    "TRY": Decimal("0.03"),
    "ILS": Decimal("0.27"),
    "KRW": Decimal("0.00074"),
    "THB": Decimal("0.028"),
    "MYR": Decimal("0.21"),
    "PHP": Decimal("0.017"),
    "IDR": Decimal("0.000063"),
    "CLP": Decimal("0.0011"),
    "COP": Decimal("0.00025"),
    "UAH": Decimal("0.024"),
    "EGP": Decimal("0.02"),
    "NGN": Decimal("0.00065"),
    "KES": Decimal("0.0077"),
    "KWD": Decimal("3.25"),
    "BHD": Decimal("2.65"),
    "OMR": Decimal("2.60"),
    "JOD": Decimal("1.41"),
    "TND": Decimal("0.32"),
}

# (enum name, display string): the display string is what the APIs return.
LIFECYCLES: tuple[tuple[str, str], ...] = (
    ("PendingContractSigning", "Pending contract signing"),
    ("PendingVerificationInternal", "Pending Verification Internal"),
    ("PendingVerification", "Pending Verification"),
    ("NeedsAdditionalDetails", "More Info Required"),
    ("CollectingQuotes", "Collecting Quotes"),
    ("PendingQuoteSelection", "Pending Quote Selection"),
    ("Active", "Active"),
    ("Paused", "Paused"),
    ("Closed", "Closed"),
)
PENDING_SIGNING = "Pending contract signing"
FIRST_LIFECYCLE = "Pending Verification Internal"
SKIP_VERIFICATION_LIFECYCLE = "Pending Verification"
NEEDS_INFO = "More Info Required"
OPEN_FOR_CHAT = ("Active", "Paused", "More Info Required")
_LIFECYCLE_LOOKUP = {key.lower(): display for name, display in LIFECYCLES for key in (name, display)}

CLOSE_CODES: tuple[str, ...] = (
    "Paid",
    "Partially paid",
    "Case never started",
    "Invalid Case Data",
    "Debtor Insolvent/Bankrupt",
    "Debtor Untraceable",
    "Disputed – Legal Action Declined by Client",
    "Withdrawn by Client",
    "Pre-Legal Exhausted – No Payment",
    "Statute of Limitations Expired",
    "Settlement Rejected by Client",
    "Unresponsive Client",
    "Uneconomical to Pursue",
    "No Quotes Received",
    "Quotes Expired – Not Accepted",
    "Other",
    "CaseNeverStartedInternal",
)


def lifecycle_display(value: str | None) -> str | None:
    """The display string for an enum name or a display string (any case); None if unknown."""
    return _LIFECYCLE_LOOKUP.get((value or "").strip().lower())


def lifecycle_group(display: str) -> str:
    """The four summary groups Debitura's own dashboard uses."""
    return {"Active": "active", "Paused": "paused", "Closed": "closed"}.get(display, "pending")


@dataclass(frozen=True)
class CollectionPartner:
    id: str
    name: str
    base_fee: Decimal
    zone: str
    office_email: str
    office_phone: str
    public_site: str
    requires_kyc: bool = False


PARTNERS: dict[str, CollectionPartner] = {
    partner.id: partner
    for partner in (
        CollectionPartner(
            "0b6f4e8a-1c1d-4b7e-9a51-5f2f3f0a1001",
            "Nordic Inkasso A/S",
            Decimal("9.5"),
            "Nordic",
            "cases@nordic-inkasso.example",
            "+45 70 20 30 40",
            "https://nordic-inkasso.example",
        ),
        CollectionPartner(
            "0b6f4e8a-1c1d-4b7e-9a51-5f2f3f0a1002",
            "Rhein Forderungsmanagement GmbH",
            Decimal("11"),
            "DACH & Benelux",
            "faelle@rhein-forderung.example",
            "+49 221 555 0100",
            "https://rhein-forderung.example",
        ),
        CollectionPartner(
            "0b6f4e8a-1c1d-4b7e-9a51-5f2f3f0a1003",
            "Iberia Cobros SL",
            Decimal("12"),
            "Southern Europe",
            "casos@iberia-cobros.example",
            "+34 910 555 010",
            "https://iberia-cobros.example",
        ),
        CollectionPartner(
            "0b6f4e8a-1c1d-4b7e-9a51-5f2f3f0a1004",
            "Lumiere Recouvrement SAS",
            Decimal("12"),
            "Southern Europe",
            "dossiers@lumiere-recouvrement.example",
            "+33 1 55 50 10 10",
            "https://lumiere-recouvrement.example",
        ),
        CollectionPartner(
            "0b6f4e8a-1c1d-4b7e-9a51-5f2f3f0a1005",
            "Vistula Windykacja Sp. z o.o.",
            Decimal("13"),
            "Central & Eastern Europe",
            "sprawy@vistula-windykacja.example",
            "+48 22 555 01 00",
            "https://vistula-windykacja.example",
        ),
        CollectionPartner(
            "0b6f4e8a-1c1d-4b7e-9a51-5f2f3f0a1006",
            "Oriel Collections",
            Decimal("14"),
            "UK",
            "cases@oriel-collections.example",
            "+44 20 7946 0100",
            "https://oriel-collections.example",
            requires_kyc=True,
        ),
        CollectionPartner(
            "0b6f4e8a-1c1d-4b7e-9a51-5f2f3f0a1007",
            "Liberty Recovery Group",
            Decimal("15"),
            "North America",
            "cases@liberty-recovery.example",
            "+1 212 555 0100",
            "https://liberty-recovery.example",
        ),
        CollectionPartner(
            "0b6f4e8a-1c1d-4b7e-9a51-5f2f3f0a1008",
            "Southern Cross Collections",
            Decimal("15"),
            "Oceania",
            "cases@southern-cross.example",
            "+61 2 5550 0100",
            "https://southern-cross.example",
        ),
        CollectionPartner(
            "0b6f4e8a-1c1d-4b7e-9a51-5f2f3f0a1009",
            "Global Recovery Network",
            Decimal("20"),
            "International",
            "cases@global-recovery.example",
            "+31 20 555 0100",
            "https://global-recovery.example",
        ),
    )
}
_BY_NAME = {partner.name: partner for partner in PARTNERS.values()}
_ROUTES: dict[str, str] = {
    **dict.fromkeys(("DK", "SE", "NO", "FI", "IS", "FO", "GL"), "Nordic Inkasso A/S"),
    **dict.fromkeys(("DE", "AT", "CH", "LI", "NL", "BE", "LU"), "Rhein Forderungsmanagement GmbH"),
    **dict.fromkeys(("ES", "PT", "AD"), "Iberia Cobros SL"),
    **dict.fromkeys(("FR", "MC", "IT", "SM", "VA", "MT"), "Lumiere Recouvrement SAS"),
    **dict.fromkeys(
        ("PL", "CZ", "SK", "HU", "RO", "BG", "LT", "LV", "EE", "HR", "SI"), "Vistula Windykacja Sp. z o.o."
    ),
    **dict.fromkeys(("GB", "GG", "JE", "IM"), "Oriel Collections"),
    **dict.fromkeys(("US", "CA"), "Liberty Recovery Group"),
    **dict.fromkeys(("AU", "NZ"), "Southern Cross Collections"),
}
FALLBACK_PARTNER = "Global Recovery Network"

# No collection partner works here (sanctioned or without a legal framework for collection).
UNCOVERED_COUNTRIES = frozenset(
    {
        "KP",
        "IR",
        "SY",
        "CU",
        "RU",
        "BY",
        "AF",
        "SS",
        "YE",
        "MM",
        "VE",
        "SD",
        "AQ",
        "BV",
        "HM",
        "TF",
        "GS",
        "IO",
        "PN",
        "UM",
    }
)
NO_PARTNER_MESSAGE = "We don't have an exclusive pre-legal partner in the provided jurisdiction"

# Carve-out jurisdictions: a JPA must be signed, and pricing comes from the carve-out rate.
CARVE_OUT_FEES: dict[str, Decimal] = {"DE": Decimal("9.5"), "FR": Decimal("10.5")}

# Debitura's share of the collection partner's success fee; the referral fee is a share of that.
PLATFORM_SHARE_PERCENTAGE = Decimal("40")

# (upper bound in USD, exclusive; adjustment in points; label) — the amount tiers.
AMOUNT_TIERS: tuple[tuple[Decimal | None, Decimal, str], ...] = (
    (Decimal("1000"), Decimal("5"), "$0–$999"),
    (Decimal("10000"), Decimal("0"), "$1,000–$9,999"),
    (Decimal("50000"), Decimal("-2"), "$10,000–$49,999"),
    (None, Decimal("-4"), "$50,000+"),
)
AGE_SURCHARGE_12_TO_24 = Decimal("8")
AGE_SURCHARGE_OVER_24 = Decimal("15")


def partner_by_name(name: str) -> CollectionPartner:
    return _BY_NAME[name]


def route(country: str) -> CollectionPartner | None:
    """The collection partner for a debtor country; None where nobody collects."""
    if country in UNCOVERED_COUNTRIES:
        return None
    return _BY_NAME[_ROUTES.get(country, FALLBACK_PARTNER)]


def needs_jpa(country: str) -> bool:
    return country in CARVE_OUT_FEES


def to_usd(amount: Decimal, currency: str) -> Decimal:
    return (amount * USD_RATES[currency]).quantize(Decimal("0.01"))


def amount_tier(amount_usd: Decimal) -> tuple[Decimal, str]:
    for bound, adjustment, label in AMOUNT_TIERS:
        if bound is None or amount_usd < bound:
            return adjustment, label
    raise AssertionError("the last tier is open-ended")


def signs_jpa(partner: CollectionPartner) -> bool:
    """Partners with a carve-out jurisdiction take the JPA together with the PoA (one signature)."""
    return any(route(country) == partner for country in CARVE_OUT_FEES)
