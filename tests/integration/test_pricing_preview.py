"""The standalone pricing preview: Debitura's price for a case before any client or case exists."""

from __future__ import annotations

from datetime import date, timedelta
from decimal import Decimal
from urllib.parse import urlencode

import pytest
from sqlalchemy import select

from dashboard.extensions import db
from dashboard.models import AuditEntry
from dashboard.services.pricing import AgeBuckets, PricingInput
from tests.cases_support import module_env

TODAY = date.today()


@pytest.fixture(scope="module")
def env(tmp_path_factory):
    yield from module_env(tmp_path_factory, role="viewer")


def ask(env, headers=None, **params):
    query = {"amount": "5000.00", "currency": "EUR", "debtor_type": "Company", "country": "DK", "age_mode": "none", **params}
    return env.client.get(f"/pricing/?{urlencode({k: v for k, v in query.items() if v is not None})}", headers=headers or {})


def test_the_empty_page_offers_the_form_and_prices_nothing(env):
    response = env.client.get("/pricing/")

    html = response.get_data(as_text=True)
    assert response.status_code == 200
    assert "Amount to recover" in html and "Age of the debt" in html
    assert "Debitura&#39;s price" not in html


def test_a_viewer_gets_debituras_price_with_the_fee_in_the_case_currency(env):
    response = ask(env)

    html = response.get_data(as_text=True)
    assert response.status_code == 200
    assert "Eligible" in html and "Total success fee" in html and "Pricing source" in html
    assert "Fee if all is collected" in html and "EUR " in html
    assert "Not required" in html  # no KYC for a Danish debtor
    with env.app.app_context():
        entry = db.session.scalars(select(AuditEntry).where(AuditEntry.action == "pricing.preview")).all()[-1]
        assert entry.outcome == "ok" and "EUR 5000.00" in entry.summary


def test_an_old_due_date_adds_an_age_surcharge(env):
    fresh = ask(env, age_mode="due_date", due_date=(TODAY - timedelta(days=20)).isoformat()).get_data(as_text=True)
    aged = ask(env, age_mode="due_date", due_date=(TODAY - timedelta(days=500)).isoformat()).get_data(as_text=True)

    assert "<dt>Age surcharge</dt><dd>0 %</dd>" in fresh
    assert "<dt>Age surcharge</dt><dd>0 %</dd>" not in aged


def test_age_buckets_are_priced_as_an_alternative_to_the_due_date(env):
    response = ask(env, age_mode="buckets", over_6_months="3000", over_12_months="2000", over_24_months="500")

    assert response.status_code == 200
    assert "Total success fee" in response.get_data(as_text=True)


def test_a_uk_debtor_shows_the_kyc_requirement_and_the_signing_steps(env):
    html = ask(env, country="GB", currency="GBP").get_data(as_text=True)

    assert "the matched partner needs the director" in html
    assert "Submit the director&#39;s KYC" in html
    assert "Sign a power of attorney for the collection partner" in html


def test_an_uncovered_country_is_not_eligible_and_says_why(env):
    html = ask(env, country="KP").get_data(as_text=True)

    assert "Not eligible" in html and "pre-legal partner" in html


def test_a_us_debtor_needs_a_state(env):
    missing = ask(env, country="US", currency="USD")
    given = ask(env, country="US", currency="USD", state="NY")

    assert missing.status_code == 422 and "Choose the US state" in missing.get_data(as_text=True)
    assert given.status_code == 200 and "Eligible" in given.get_data(as_text=True)


@pytest.mark.parametrize(
    ("params", "message"),
    [
        ({"amount": "-5"}, "The amount must be more than 0."),
        ({"amount": "abc"}, "“abc” is not an amount. Type digits with a dot or a comma before the decimals"),
        ({"currency": "XYZ"}, "Choose the currency of the claim"),
        ({"debtor_type": None}, "company or a private person"),
        ({"age_mode": "due_date"}, "Enter the invoice&#39;s due date"),
        ({"age_mode": "due_date", "due_date": (TODAY + timedelta(days=1)).isoformat()}, "The due date cannot be in the future"),
        ({"age_mode": "due_date", "due_date": "2024-01-01", "over_12_months": "10"}, "not both"),
        ({"age_mode": "buckets", "over_12_months": "100"}, "together (0 is fine)"),
        ({"age_mode": "buckets", "over_12_months": "100", "over_24_months": "200"}, "cannot be larger"),
        ({"age_mode": "buckets", "over_6_months": "50", "over_12_months": "100", "over_24_months": "0"}, "cannot be smaller"),
        ({"age_mode": "buckets", "over_12_months": "9000", "over_24_months": "0"}, "larger than the amount to recover"),
        ({"age_mode": "sideways"}, "Choose how to describe the age"),
    ],
)
def test_each_rule_is_explained_and_the_input_kept(env, params, message):
    response = ask(env, **params)

    html = response.get_data(as_text=True)
    assert response.status_code == 422 and message in html
    assert "Debitura&#39;s price" not in html
    if "amount" not in params:
        assert 'value="5000.00"' in html


def test_debituras_own_refusal_of_a_value_lands_on_its_field(env):
    response = ask(env, currency="AFN")  # a real ISO 4217 code Debitura does not collect in

    html = response.get_data(as_text=True)
    assert response.status_code == 422
    assert '<p class="error" id="currency-error">Invalid currency code: AFN</p>' in html
    assert '<option selected value="AFN">' in html  # the choice is kept for correction


def test_htmx_swaps_only_the_pricing_panel(env):
    response = ask(env, headers={"HX-Request": "true", "HX-Target": "pricing-panel"})

    html = response.get_data(as_text=True)
    assert "<html" not in html and "Total success fee" in html
    assert "HX-Request" in response.headers["Vary"]


def test_the_preview_body_keeps_amounts_exact_and_sends_one_age_description():
    with_buckets = PricingInput(
        Decimal("1000.10"), "USD", "Private", "US", state="CA", buckets=AgeBuckets(Decimal("0.10"), Decimal("0"))
    ).to_json()
    with_due_date = PricingInput(Decimal("20"), "EUR", "Company", "DK", state="CA", due_date=date(2024, 5, 1)).to_json()

    assert with_buckets["amountToRecover"] == Decimal("1000.10") and isinstance(with_buckets["amountToRecover"], Decimal)
    assert with_buckets["debtor"] == {"type": "Private", "countryAlpha2": "US", "stateAlpha2": "CA"}
    assert "dueDate" not in with_buckets and "amountToRecoverOver6Months" not in with_buckets
    assert with_due_date["dueDate"] == "2024-05-01T00:00:00Z" and "stateAlpha2" not in with_due_date["debtor"]
    with pytest.raises(ValueError, match="not both"):
        PricingInput(Decimal("1"), "EUR", "Company", "DK", due_date=date(2024, 1, 1), buckets=AgeBuckets(Decimal("1"), Decimal("0")))
