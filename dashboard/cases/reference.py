"""Code lists the case forms offer: ISO 4217 currencies, ISO 3166-1 countries, US states.

They come from pycountry (its ISO data, updated with each release: ANG gave way to XCG, ZWL to ZWG,
BGN to the euro), narrowed to what Debitura takes: `currencyCode` is an ISO 4217 code and
`debtor.countryAlpha2` an ISO 3166-1 alpha-2 code; `debtor.stateAlpha2` a US state.
"""

from __future__ import annotations

import unicodedata

import pycountry

# Currencies most partners invoice in come first in pickers; the rest follow alphabetically.
COMMON_CURRENCIES = ("EUR", "USD", "GBP", "DKK", "SEK", "NOK", "CHF", "PLN")

# ISO 4217 codes that are no money a claim is invoiced in: funds and indexed units (BOV … UYW),
# precious metals, bond-market and accounting units, SDR, and the codes for testing and "no currency".
NOT_MONEY = frozenset(
    {
        *("BOV", "CHE", "CHW", "CLF", "COU", "MXV", "USN", "UYI", "UYW"),
        *("XAG", "XAU", "XPD", "XPT"),
        *("XBA", "XBB", "XBC", "XBD", "XAD", "XDR", "XSU", "XUA"),
        *("XTS", "XXX"),
    }
)


def _country_name(country) -> str:
    """The short name people use ("Bolivia", "South Korea"), else the ISO name."""
    return getattr(country, "common_name", None) or country.name


CURRENCIES: dict[str, str] = {
    currency.alpha_3: currency.name
    for currency in sorted(pycountry.currencies, key=lambda currency: currency.alpha_3)
    if currency.alpha_3 not in NOT_MONEY
}

COUNTRIES: dict[str, str] = {
    country.alpha_2: _country_name(country)
    for country in sorted(pycountry.countries, key=lambda country: country.alpha_2)
}

# The fifty states and the District of Columbia: the territories have country codes of their own.
US_STATES: dict[str, str] = {
    subdivision.code.removeprefix("US-"): subdivision.name
    for subdivision in sorted(pycountry.subdivisions.get(country_code="US"), key=lambda item: item.code)
    if subdivision.type in ("State", "District")
}

DEBTOR_TYPES = {"Company": "Company", "Private": "Private person"}

# Choices are {value: label} mappings, in display order.


def currency_choices() -> dict[str, str]:
    codes = [*COMMON_CURRENCIES, *(code for code in CURRENCIES if code not in COMMON_CURRENCIES)]
    return {"": "Choose a currency…", **{code: f"{code} · {CURRENCIES[code]}" for code in codes}}


def _sort_key(name: str) -> str:
    """Alphabetical as a reader expects: "Åland Islands" among the A's, "Côte d'Ivoire" among the C's."""
    return unicodedata.normalize("NFKD", name).encode("ascii", "ignore").decode().casefold()


def country_choices() -> dict[str, str]:
    ordered = sorted(COUNTRIES.items(), key=lambda item: _sort_key(item[1]))
    return {"": "Choose a country…", **{code: f"{name} ({code})" for code, name in ordered}}


def state_choices() -> dict[str, str]:
    ordered = sorted(US_STATES.items(), key=lambda item: item[1])
    return {"": "Not a US debtor / choose a state…", **{code: f"{name} ({code})" for code, name in ordered}}
