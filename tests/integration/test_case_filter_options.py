"""The cases list's country and collection partner filters, fed by GET /referral-partner/filter-options.

The ids go into links as Debitura takes them (CountryIds, CollectionPartnerIds); the list itself is the
mirror's, so the ids are matched there by the names Debitura gives them.
"""

from __future__ import annotations

import re
from datetime import date, timedelta
from decimal import Decimal

import pytest

from dashboard.debitura import CaseDebtor, CreateCaseRequest, FilterOptions
from dashboard.services import mirror
from tests.cases_support import make_tenant, module_env

HTMX = {"HX-Request": "true", "HX-Target": "case-results"}


@pytest.fixture(scope="module")
def env(tmp_path_factory):
    yield from module_env(tmp_path_factory, role="viewer")


def _case(env, tenant: str, country: str, reference: str):
    with env.app.test_request_context():
        created = env.debitura.create_case(
            tenant,
            CreateCaseRequest(
                currency="EUR",
                amount=Decimal("1500.00"),
                invoice_date=date.today() - timedelta(days=30),
                creditor_reference=reference,
                debtor=CaseDebtor(type="Company", name=f"Debtor {reference}", country=country),
            ),
        )
        listed = env.debitura.referral.get_case(created.id)
        mirror.upsert_case(listed, source="sync")
        return listed


@pytest.fixture(scope="module")
def seeded(env):
    """Two cases of one client: one against a Danish debtor, one against a German one (a carve-out country)."""
    _, tenant = make_tenant(env.app, name="Filter Options ApS", poa_for=("DK", "DE"))
    danish = _case(env, tenant, "DK", "FO-DK")
    german = _case(env, tenant, "DE", "FO-DE")
    with env.app.test_request_context():
        options = env.debitura.referral.filter_options()
    return {"danish": danish, "german": german, "options": options}


def _country(options: FilterOptions, name: str) -> int:
    return next(country.id for country in options.countries if country.name == name)


def test_the_client_reads_the_filter_options_as_typed_values(seeded):
    options = seeded["options"]

    assert isinstance(options, FilterOptions)
    assert {"Denmark", "Germany"} <= {country.name for country in options.countries}
    assert all(isinstance(country.id, int) for country in options.countries)
    assert seeded["german"].collection_partner in {partner.name for partner in options.carveout_partners}


def test_the_case_listing_takes_country_and_partner_ids_as_the_spec_names_them(env, seeded):
    options = seeded["options"]
    partner = next(p for p in options.carveout_partners if p.name == seeded["german"].collection_partner)
    with env.app.test_request_context():
        by_country = env.debitura.referral.list_cases(country_ids=[_country(options, "Denmark")])
        by_partner = env.debitura.referral.list_cases(collection_partner_ids=[partner.id])

    assert {item.id for item in by_country.items} == {seeded["danish"].id}
    assert {item.id for item in by_partner.items} == {seeded["german"].id}


def test_the_cases_page_offers_the_countries_and_partners_debitura_names(env, seeded):
    html = env.client.get("/cases/").get_data(as_text=True)

    form = re.search(r'<form id="case-filters".*?</form>', html, re.S).group(0)
    assert f'<option value="{_country(seeded["options"], "Germany")}">Germany</option>' in form
    assert f'>{seeded["german"].collection_partner}</option>' in form
    assert "FO-DK" in html and "FO-DE" in html


def test_a_country_filter_narrows_the_list_and_stays_in_its_links(env, seeded):
    germany = _country(seeded["options"], "Germany")

    response = env.client.get(f"/cases/?country={germany}", headers=HTMX)

    html = response.get_data(as_text=True)
    assert "FO-DE" in html and "FO-DK" not in html
    assert f"country={germany}" in re.search(r'class="chip" href="([^"]+)"', html).group(1)


def test_a_partner_filter_narrows_the_list(env, seeded):
    partner = next(p for p in seeded["options"].carveout_partners if p.name == seeded["german"].collection_partner)

    html = env.client.get(f"/cases/?partner={partner.id}").get_data(as_text=True)

    assert "FO-DE" in html and "FO-DK" not in html
    assert f'<option value="{partner.id}" selected>' in html


def test_while_debitura_does_not_answer_the_list_still_shows_and_says_the_filter_was_left_out(env, seeded):
    germany = _country(seeded["options"], "Germany")
    env.app.extensions.pop("filter_options", None)
    env.app.extensions["sandbox"].faults.fail_next(3, "connection_reset")

    html = env.client.get(f"/cases/?country={germany}", headers=HTMX).get_data(as_text=True)

    assert "FO-DE" in html and "FO-DK" in html
    assert "The country or collection partner filter was left out" in html
