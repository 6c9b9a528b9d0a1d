"""POST /cases/preview: eligibility, jurisdiction, the pricing table and the pending actions."""

from __future__ import annotations

from datetime import date, timedelta
from decimal import Decimal

import pytest

from dashboard.debitura import InvalidRequest
from dashboard.sandbox import domain, reference
from dashboard.sandbox.countries import COUNTRY_IDS
from tests.raw_body import raw


def preview(referral, amount=4000, currency="EUR", country="DK", **extra):
    debtor = {"type": "Company", "countryAlpha2": country}
    if "stateAlpha2" in extra:
        debtor["stateAlpha2"] = extra.pop("stateAlpha2")
    return referral.preview_case(raw({"amountToRecover": amount, "currencyCode": currency, "debtor": debtor, **extra}))


def months_ago(months: int) -> str:
    return (date.today() - timedelta(days=round(months * 30.5))).isoformat()


def test_a_covered_country_is_priced_at_the_partners_standard_rate(referral):
    result = preview(referral)

    assert result.is_eligible is True
    assert result.jurisdiction.name == "Denmark"
    assert result.jurisdiction.id == COUNTRY_IDS["DK"]
    assert (result.pricing.base, result.pricing.age_surcharge, result.pricing.total) == (
        Decimal("9.5"), Decimal("0"), Decimal("9.5"))
    assert result.pricing.currency == "EUR"
    assert result.pricing.source == "Standard agreement"
    assert result.pricing.source_description == (
        "9.5% success fee — Nordic Inkasso A/S collection rates (Nordic zone, $1,000–$9,999 tier)"
    )
    assert [(a.type, a.collection_partner_id) for a in result.pending_actions] == [
        ("PoA", reference.partner_by_name("Nordic Inkasso A/S").id)
    ]
    assert result.requires_kyc_verification is False


def test_the_uk_partner_requires_kyc(referral):
    result = preview(referral, country="GB", currency="GBP")

    assert result.requires_kyc_verification is True
    assert [action.type for action in result.pending_actions] == ["PoA", "Kyc"]
    assert result.jurisdiction.name == "United Kingdom"


def test_a_carve_out_country_needs_a_jpa_and_uses_its_custom_pricing(referral):
    result = preview(referral, country="DE")

    assert [action.type for action in result.pending_actions] == ["PoA", "Jpa"]
    assert result.pricing.source == "Jurisdiction custom pricing"
    assert result.pricing.base == Decimal("9.5")


def test_us_debtors_are_priced_per_state(referral):
    result = preview(referral, country="US", currency="USD", stateAlpha2="CA")

    assert result.jurisdiction.name == "United States - California"
    assert result.jurisdiction.state_alpha2 == "CA"


@pytest.mark.parametrize("country", ["KP", "IR", "SY", "CU"])
def test_an_uncovered_country_is_not_eligible(referral, country):
    result = preview(referral, country=country)

    assert result.is_eligible is False
    assert result.ineligibility_reason == reference.NO_PARTNER_MESSAGE
    assert result.pricing is None
    assert result.pending_actions == ()


@pytest.mark.parametrize(
    ("amount", "currency", "base"),
    [(500, "USD", "14.5"), (999.99, "USD", "14.5"), (1000, "USD", "9.5"), (10000, "USD", "7.5"),
     (50000, "EUR", "5.5"), (400000, "DKK", "5.5")],
)
def test_the_base_fee_follows_the_usd_amount_tiers(referral, amount, currency, base):
    assert preview(referral, amount=Decimal(str(amount)), currency=currency).pricing.base == Decimal(base)


@pytest.mark.parametrize(("months", "surcharge"), [(3, "0"), (7, "0"), (11, "0"), (13, "8"), (18, "8"), (30, "15")])
def test_the_age_surcharge_follows_the_due_date(referral, months, surcharge):
    result = preview(referral, dueDate=months_ago(months))

    assert result.pricing.age_surcharge == Decimal(surcharge)
    assert result.pricing.total == Decimal("9.5") + Decimal(surcharge)


@pytest.mark.parametrize(
    ("buckets", "surcharge"),
    [
        ({"amountToRecoverOver12Months": 4000, "amountToRecoverOver24Months": 1000}, "3.9"),
        ({"amountToRecoverOver6Months": 6000, "amountToRecoverOver12Months": 4000,
          "amountToRecoverOver24Months": 1000}, "3.9"),
        ({"amountToRecoverOver12Months": 10000, "amountToRecoverOver24Months": 10000}, "15"),
    ],
)
def test_age_buckets_blend_the_surcharge_over_the_amount(referral, buckets, surcharge):
    assert preview(referral, amount=10000, **buckets).pricing.age_surcharge == Decimal(surcharge)


@pytest.mark.parametrize(
    ("extra", "field"),
    [
        ({"dueDate": months_ago(13), "amountToRecoverOver12Months": 100, "amountToRecoverOver24Months": 0}, "dueDate"),
        ({"amountToRecoverOver12Months": 100}, "amountToRecoverOver12Months"),
        ({"amountToRecoverOver6Months": 100}, "amountToRecoverOver6Months"),
        ({"amountToRecoverOver12Months": 100, "amountToRecoverOver24Months": 200}, "amountToRecoverOver24Months"),
        ({"amountToRecoverOver12Months": 5000, "amountToRecoverOver24Months": 0}, "amountToRecoverOver12Months"),
        ({"dueDate": (date.today() + timedelta(days=1)).isoformat()}, "dueDate"),
        ({"amountToRecover": 0}, "amountToRecover"),
        ({"currencyCode": "EURO"}, "currencyCode"),
    ],
)
def test_invalid_previews_are_400(referral, extra, field):
    body = {"amountToRecover": 4000, "currencyCode": "EUR", "debtor": {"type": "Company", "countryAlpha2": "DK"}}

    with pytest.raises(InvalidRequest) as raised:
        referral.preview_case(raw({**body, **extra}))

    assert field in raised.value.field_errors


@pytest.mark.parametrize(
    ("debtor", "field"),
    [
        ({"type": "Company", "countryAlpha2": "US"}, "debtor.stateAlpha2"),
        ({"type": "Company", "countryAlpha2": "Denmark"}, "debtor.countryAlpha2"),
        ({"type": "Robot", "countryAlpha2": "DK"}, "debtor.type"),
    ],
)
def test_the_preview_debtor_is_validated(referral, debtor, field):
    with pytest.raises(InvalidRequest) as raised:
        referral.preview_case(raw({"amountToRecover": 4000, "currencyCode": "EUR", "debtor": debtor}))

    assert field in raised.value.field_errors


def test_a_new_sdca_version_is_not_listed_by_the_preview_that_knows_no_client(sandbox, referral):
    with sandbox.session() as s:
        domain.publish_sdca_version(s)

    # Only creditor context (the Customer API's preview) can say whether a client must re-sign.
    assert [action.type for action in preview(referral).pending_actions] == ["PoA"]


def test_the_preview_never_has_a_combined_signing_url(sandbox, http):
    body = http.post(
        f"{sandbox.urls.referral_api}/cases/preview",
        json={"amountToRecover": 10, "currencyCode": "EUR", "debtor": {"type": "Private", "countryAlpha2": "FR"},
              "returnUrl": "https://app.example/back"},
        headers={"XApiKey": "sandbox-key"},
    ).json()

    assert body["combinedSigningUrl"] is None
    assert all(action["dueDate"] is None for action in body["pendingActions"])
