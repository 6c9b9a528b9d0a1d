"""Lists past their last page, sorted by state as a person reads it, and by amount across currencies."""

from __future__ import annotations

import re
from types import SimpleNamespace
from datetime import UTC, datetime, timedelta
from decimal import Decimal

import pytest

from dashboard.extensions import db
from dashboard.models import Case
from tests.cases_support import module_env
from tests.conftest import OperatorActions
from tests.tenant_data import add_tenant, wipe


@pytest.fixture(scope="module")
def shared(tmp_path_factory):
    yield from module_env(tmp_path_factory, role="viewer")


@pytest.fixture
def env(shared):
    wipe(shared.app)
    OperatorActions(shared.app, shared.client).login("viewer")
    yield shared


@pytest.fixture
def on_both(app, client, operators):
    """A fresh app on the test's backend (SQLite, and PostgreSQL when it answers), a viewer signed in."""
    operators.login("viewer")
    return SimpleNamespace(app=app, client=client)


def add_case(ref: str, amount: str, currency: str, days: int = 0) -> None:
    db.session.add(Case(
        id=f"case-{ref.lower()}", reference=ref, gross_amount=Decimal(amount), currency=currency, lifecycle="Active",
        date_created=datetime(2025, 3, 1, tzinfo=UTC) + timedelta(days=days), is_test=False, needs_info=False,
        validation_items=[], solution_urls=[], search_text=ref.lower(),
    ))


def html_of(env, url: str, **headers) -> str:
    response = env.client.get(url, headers=headers)
    assert response.status_code == 200
    return re.sub(r"\s+", " ", response.get_data(as_text=True))


def test_a_tenant_page_past_the_end_shows_the_last_page_and_says_so(env):
    with env.app.app_context():
        for number in range(30):
            add_tenant(f"t-{number:02d}", company=f"Company {number:02d}", onboarding_done=True)

    for headers in ({}, {"HX-Request": "true", "HX-Target": "tenant-results"}):
        html = html_of(env, "/tenants/?page=99", **headers)
        assert "No tenant matches" not in html
        assert "There is no page 99: these 30 tenants fill 2 pages, so this is the last one." in html
        assert "Company 29" in html and "page 2 of 2" in html
        assert 'rel="prev"' in html and "page=99" not in html  # the live refresh and the links ask for a real page


@pytest.mark.postgres
def test_sorting_tenants_by_state_follows_the_chips_not_the_internal_codes(on_both):
    env = on_both
    with env.app.app_context():
        now = datetime.now(UTC)
        add_tenant("declined-1", company="Declined Co", conflict_type="ClientExistsNeedsLinking", link_request_status="declined")
        add_tenant("pending-1", company="Pending Co", conflict_type="ClientExistsNeedsLinking", link_request_status="pending",
                   approval_expires_at=now + timedelta(days=3))
        add_tenant("ready-1", company="Ready Co", onboarding_done=True)
        add_tenant("onboarding-1", company="Onboarding Co", onboarding_done=False)

    ascending = re.findall(r"<code>([^<]+)</code>", html_of(env, "/tenants/?sort=state"))
    descending = re.findall(r"<code>([^<]+)</code>", html_of(env, "/tenants/?sort=-state"))

    assert ascending == ["ready-1", "onboarding-1", "pending-1", "declined-1"]
    assert descending == list(reversed(ascending))


def test_a_case_page_past_the_end_shows_the_last_page_and_says_so(env):
    with env.app.app_context():
        for number in range(60):
            add_case(f"REF{number:05d}", "100.00", "EUR", days=number)
        db.session.commit()

    html = html_of(env, "/cases/?page=99")

    assert "No case matches these filters" not in html
    assert "There is no page 99: these 60 cases fill 2 pages, so this is the last one." in html
    assert "Page 2 of 2" in html and "REF00000" in html and "page=99" not in html


@pytest.mark.postgres
def test_sorting_cases_by_amount_compares_currencies_by_their_usd_equivalent_and_says_so(on_both):
    env = on_both
    with env.app.app_context():
        add_case("GBP59969", "59969.00", "GBP")
        add_case("NOK99000", "99000.00", "NOK")
        add_case("EUR12000", "12000.00", "EUR")
        add_case("XXX50000", "50000.00", "XXX")  # no rate known: after the rest
        db.session.commit()

    largest_first = html_of(env, "/cases/?sort=amount&direction=desc")
    smallest_first = html_of(env, "/cases/?sort=amount&direction=asc")

    order = lambda html: re.findall(r">([A-Z]{3}\d{5})</a>", html)  # noqa: E731
    # USD 76,760 > USD 13,080 > USD 9,207: GBP first although the NOK number is larger.
    assert order(largest_first) == ["GBP59969", "EUR12000", "NOK99000", "XXX50000"]
    assert order(smallest_first) == ["NOK99000", "EUR12000", "GBP59969", "XXX50000"]
    assert "ordered by their approximate USD equivalent" in largest_first
