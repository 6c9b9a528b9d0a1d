"""The case forms' code lists are pycountry's ISO data, narrowed to what Debitura takes."""

from __future__ import annotations

import pycountry

from dashboard.cases import reference


def test_currencies_are_iso_4217_from_pycountry_less_what_is_no_money():
    iso_4217 = {currency.alpha_3 for currency in pycountry.currencies}
    assert set(reference.CURRENCIES) == iso_4217 - reference.NOT_MONEY
    assert reference.NOT_MONEY <= iso_4217  # every exclusion names a real code
    assert reference.CURRENCIES["EUR"] == pycountry.currencies.get(alpha_3="EUR").name


def test_replaced_currencies_are_offered_under_their_new_codes_only():
    assert {"XCG", "ZWG"} <= set(reference.CURRENCIES)
    assert not {"ANG", "ZWL", "BGN"} & set(reference.CURRENCIES)
    assert not {"XAU", "XTS", "XXX", "USN"} & set(reference.CURRENCIES)


def test_currency_choices_put_the_common_ones_first_and_offer_every_currency():
    choices = reference.currency_choices()
    assert list(choices)[1 : 1 + len(reference.COMMON_CURRENCIES)] == list(reference.COMMON_CURRENCIES)
    assert set(choices) - {""} == set(reference.CURRENCIES)
    assert choices["XCG"] == "XCG · Caribbean Guilder"


def test_countries_are_every_iso_3166_1_alpha_2_code():
    assert set(reference.COUNTRIES) == {country.alpha_2 for country in pycountry.countries}
    assert "XK" not in reference.COUNTRIES  # user-assigned, not in ISO 3166-1
    assert reference.COUNTRIES["KR"] == "South Korea"  # the common name where ISO has one
    assert reference.COUNTRIES["DK"] == "Denmark"


def test_country_choices_sort_accented_names_among_their_letters():
    labels = list(reference.country_choices().values())[1:]
    assert labels.index("Åland Islands (AX)") < labels.index("Albania (AL)")
    assert labels.index("Côte d'Ivoire (CI)") < labels.index("Croatia (HR)")


def test_us_states_are_the_fifty_states_and_dc():
    states = {item.code.removeprefix("US-") for item in pycountry.subdivisions.get(country_code="US")}
    assert set(reference.US_STATES) <= states
    assert len(reference.US_STATES) == 51
    assert reference.US_STATES["DC"] == "District of Columbia"
    assert not {"PR", "GU", "VI"} & set(reference.US_STATES)  # territories have their own country codes
