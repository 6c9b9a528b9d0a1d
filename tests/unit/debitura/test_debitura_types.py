"""Parsing at the boundary: any key casing, unknown fields ignored, Decimal money, dates and aware UTC times."""

from __future__ import annotations

from datetime import date, datetime, timezone
from decimal import Decimal

import pytest

from dashboard.debitura import (
    AccessToken,
    Case,
    CaseDetail,
    CasesPage,
    Client,
    ContractStatus,
    PreviewResult,
    TransactionsPage,
    Webhook,
)
from dashboard.debitura.jsonwire import dumps, loads

CLIENT_CAMEL = {
    "externalTenantId": "tenant-1",
    "onboardingDone": False,
    "onboardingLinks": {"url": "https://testreferral.debitura.com/onboarding/companydetails/abc123"},
    "client": {
        "id": "3fa85f64-5717-4562-b3fc-2c963f66afa6",
        "companyName": "Acme Corp",
        "country": "Portugal",
        "officeEmail": "billing@acme.test",
    },
    "users": [{"id": 7, "email": "jane@acme.test", "firstName": "Jane", "lastName": "Smith"}],
    "isAttributedClient": True,
    "dateLinked": "2025-05-30T08:15:00Z",
    "caseStats": {"casesTotal": 4, "casesClosed": 1, "earningsUsd": 1234.10},
    "kycStatus": "pending",
    "kycVerification": {
        "directorFullName": "Jane Smith",
        "directorHomeAddress": "1 High Street",
        "directorDateOfBirth": "1980-02-29",
        "dateCreated": "2025-05-31T10:00:00+02:00",
        "verificationStatus": None,
    },
    "caseResults": {
        "successfulCases": [{"id": "case-1", "lifecycle": "Pending contract signing", "grossAmount": 500.00}],
        "failedCases": [
            {"caseIndex": 1, "errorType": "NoPartnerAvailable", "errorMessage": "No partner", "validationErrors": None}
        ],
    },
    "referralFeePercentageSnapshot": 0.5,
    "someFieldAddedNextYear": {"anything": True},
}


def _pascal(value):
    if isinstance(value, dict):
        return {key[:1].upper() + key[1:]: _pascal(item) for key, item in value.items()}
    if isinstance(value, list):
        return [_pascal(item) for item in value]
    return value


def _wire(value):
    """What the transport hands to parsers: JSON decoded with Decimal numbers."""
    return loads(dumps(value))


def test_a_client_reads_the_same_from_camel_case_and_pascal_case():
    assert Client.from_json(_wire(CLIENT_CAMEL)) == Client.from_json(_wire(_pascal(CLIENT_CAMEL)))


def test_a_client_exposes_every_documented_field():
    client = Client.from_json(_wire(CLIENT_CAMEL))

    assert client.external_tenant_id == "tenant-1"
    assert client.onboarding_done is False
    assert client.onboarding_url.endswith("/onboarding/companydetails/abc123")
    assert client.company.company_name == "Acme Corp"
    assert client.users[0].name == "Jane Smith"
    assert client.is_attributed_client is True
    assert client.date_linked == datetime(2025, 5, 30, 8, 15, tzinfo=timezone.utc)
    assert client.case_stats.earnings_usd == Decimal("1234.10")
    assert client.kyc_status == "pending"
    assert client.kyc_verification.director_date_of_birth == date(1980, 2, 29)
    assert client.kyc_verification.date_created == datetime(2025, 5, 31, 8, 0, tzinfo=timezone.utc)
    assert client.case_results.successful_cases[0].gross_amount == Decimal("500.00")
    assert client.case_results.failed_cases[0].error_type == "NoPartnerAvailable"
    assert client.referral_fee_percentage_snapshot == Decimal("0.5")


@pytest.mark.parametrize(
    ("wire", "expected"),
    [
        ("not_required", "not_required"),
        ("NotRequired", "not_required"),
        ("Pending", "pending"),
        ("pending", "pending"),
        ("Verified", "verified"),
        ("VERIFIED", "verified"),
        ("Something new", None),
        (None, None),
    ],
)
def test_kyc_status_accepts_the_enum_name_and_the_snake_case_wire_form(wire, expected):
    assert Client.from_json({"externalTenantId": "t", "kycStatus": wire}).kyc_status == expected


def test_the_oldest_documented_202_shape_still_yields_the_onboarding_url_and_id():
    client = Client.from_json(
        {
            "clientId": "abc123",
            "onboardingLinks": {"url": "https://referral.debitura.com/onboarding/companydetails/abc123"},
        }
    )

    assert client.company.id == "abc123"
    assert client.onboarding_url == "https://referral.debitura.com/onboarding/companydetails/abc123"


def test_a_naive_timestamp_is_taken_as_utc_and_a_seven_digit_fraction_is_accepted():
    case = Case.from_json(
        {"id": "c", "dateCreated": "2025-06-01T12:00:00.1234567", "dateUpdated": "2025-06-01T14:00:00+02:00"}
    )

    assert case.date_created == datetime(2025, 6, 1, 12, 0, 0, 123456, tzinfo=timezone.utc)
    assert case.date_updated == datetime(2025, 6, 1, 12, 0, tzinfo=timezone.utc)


def test_a_customer_case_reads_lifecycle_test_flag_signing_url_validation_and_dates():
    case = Case.from_json(
        _wire(
            {
                "id": "9b2e",
                "reference": "Q8OAXF3W",
                "lifecycle": "Pending contract signing",
                "isTestCase": True,
                "closeCode": None,
                "grossAmount": 1234.10,
                "currency": "EUR",
                "date": "2025-06-01T00:00:00",
                "dueDate": "2025-07-01T00:00:00Z",
                "debtor": {"type": "Company", "name": "Debtor GmbH", "countryAlpha2": "DE"},
                "collectionPartner": {"name": "Oriel Collections"},
                "signingHandoff": {
                    "combinedSigningUrl": "https://app.debitura.com/Signing/PendingContracts?returnUrl=x"
                },
                "validation": {
                    "needsInfo": True,
                    "items": [{"resolutionArea": "Invoice", "description": "Upload the invoice"}],
                },
            }
        )
    )

    assert case.lifecycle == "Pending contract signing"
    assert case.is_test_case is True
    assert case.gross_amount == Decimal("1234.10")
    assert case.date == date(2025, 6, 1)
    assert case.due_date == date(2025, 7, 1)
    assert case.debtor.country_alpha2 == "DE"
    assert case.collection_partner_name == "Oriel Collections"
    assert case.signing_handoff_url.startswith("https://app.debitura.com/Signing/PendingContracts")
    assert case.validation.needs_info is True
    assert case.validation_items[0].description == "Upload the invoice"


def test_a_closed_case_keeps_its_close_code_and_has_no_signing_url():
    case = Case.from_json({"id": "c", "lifecycle": "Closed", "closeCode": "Partially paid", "signingHandoff": None})

    assert case.close_code == "Partially paid"
    assert case.signing_handoff_url is None


def test_a_cases_page_reads_items_paging_and_the_lifecycle_summary():
    page = CasesPage.from_json(
        _wire(
            {
                "page": {"totalResults": 237, "pageSize": 100, "currentPage": 2, "responseCount": 100, "totalPages": 3},
                "cases": [
                    {
                        "id": "c1",
                        "client": {
                            "externalTenantId": "tenant-1",
                            "companyName": "Acme",
                            "contacts": {
                                "officeEmail": "o@acme.test",
                                "onboardingUser": {"email": "j@acme.test", "name": "Jane"},
                            },
                        },
                        "debtor": {"name": "Debtor GmbH", "country": "Germany"},
                        "grossAmount": 99.99,
                        "collectionPartner": "Oriel Collections",
                        "expectedReferralRatePercentage": 70.0,
                    }
                ],
                "summary": {
                    "totalCases": 237,
                    "casesThisMonth": 12,
                    "byLifecycle": {"active": 100, "pending": 37, "closed": 90, "paused": 10},
                },
            }
        )
    )

    assert (page.total_results, page.current_page, page.total_pages, page.page_size) == (237, 2, 3, 100)
    item = page.items[0]
    assert item.client.external_tenant_id == "tenant-1"
    assert item.client.onboarding_user.email == "j@acme.test"
    assert (item.debtor_name, item.debtor_country) == ("Debtor GmbH", "Germany")
    assert item.gross_amount == Decimal("99.99")
    assert item.collection_partner == "Oriel Collections"
    assert page.summary.pending == 37
    assert page.summary.cases_this_month == 12


def test_a_case_detail_adds_the_potential_revenue_breakdown():
    detail = CaseDetail.from_json(
        _wire(
            {
                "id": "c1",
                "lifecycle": "Active",
                "potentialRevenue": {
                    "grossAmountUsd": 1000.00,
                    "successFeePercentage": 9.5,
                    "referralRevenueUsd": 19.00,
                },
            }
        )
    )

    assert detail.lifecycle == "Active"
    assert detail.potential_revenue.success_fee_percentage == Decimal("9.5")
    assert detail.potential_revenue.referral_revenue_usd == Decimal("19.00")


def test_a_preview_reads_eligibility_jurisdiction_pricing_and_pending_actions():
    preview = PreviewResult.from_json(
        _wire(
            {
                "isEligible": True,
                "ineligibilityReason": None,
                "jurisdiction": {"id": 42, "name": "United Kingdom", "countryAlpha2": "GB", "stateAlpha2": None},
                "pricingPreview": {
                    "baseSuccessFeePercentage": 18.0,
                    "ageSurchargePercentage": 2.5,
                    "totalSuccessFeePercentage": 20.5,
                    "currencyCode": "GBP",
                    "pricingSource": "Standard agreement",
                    "pricingSourceDescription": "18% success fee",
                },
                "requiresKycVerification": True,
                "pendingActions": [{"type": "Kyc", "collectionPartnerId": "cp-1", "dueDate": None}, {"type": "PoA"}],
                "combinedSigningUrl": None,
            }
        )
    )

    assert preview.is_eligible is True
    assert preview.jurisdiction.country_alpha2 == "GB"
    assert (preview.pricing.base, preview.pricing.age_surcharge, preview.pricing.total) == (
        Decimal("18.0"),
        Decimal("2.5"),
        Decimal("20.5"),
    )
    assert (preview.pricing.currency, preview.pricing.source) == ("GBP", "Standard agreement")
    assert preview.requires_kyc_verification is True
    assert [action.type for action in preview.pending_actions] == ["Kyc", "PoA"]


def test_contract_status_reads_each_contract_and_its_solution_url():
    status = ContractStatus.from_json(
        {
            "sdca": {"signed": True, "requiresResigning": False, "solutionUrl": None},
            "poa": {
                "signed": False,
                "requiresResigning": False,
                "solutionUrl": "https://referral.debitura.com/PowerOfAttorney/Sign/1",
            },
            "collectionPartnerName": "Oriel Collections",
            "needsPoaSigning": True,
        }
    )

    assert status.sdca.signed is True
    assert status.poa.solution_url.endswith("/PowerOfAttorney/Sign/1")
    assert status.pricing_appendix is None
    assert status.needs_poa_signing is True


def test_a_transactions_page_reads_all_seven_revenue_buckets_as_decimal():
    stages = [
        "pending",
        "confirmedPendingInvoice",
        "awaitingCollectionPartnerPayment",
        "readyToInvoiceDebitura",
        "awaitingDebituraPayment",
        "paid",
        "disputed",
    ]
    revenue = {}
    for index, stage in enumerate(stages, start=1):
        revenue[f"{stage}ReferralFeeUsd"] = Decimal(f"{index}0.0{index}")
        revenue[f"{stage}Count"] = index
    page = TransactionsPage.from_json(
        _wire(
            {
                "data": [
                    {
                        "transactionId": "tx-1",
                        "date": "2025-05-01T00:00:00Z",
                        "client": {"externalTenantId": "tenant-1", "companyName": "Acme"},
                        "case": {
                            "invoiceId": "c1",
                            "caseReference": "Q8OAXF3W",
                            "originalAmount": 1234.10,
                            "currency": "EUR",
                        },
                        "earnings": {"referralFeeAmountUsd": 12.34, "isEstimate": True},
                        "status": {"referralInvoicingStatus": "Pending"},
                    }
                ],
                "page": {"totalResults": 1, "pageSize": 100, "currentPage": 1, "totalPages": 1},
                "summary": {"revenue": revenue, "totalDebituraRevenueUsd": 999.99},
            }
        )
    )

    assert page.transactions[0].original_amount == Decimal("1234.10")
    assert page.transactions[0].referral_fee_amount_usd == Decimal("12.34")
    assert page.transactions[0].is_estimate is True
    assert page.revenue.pending.fee == Decimal("10.01")
    assert page.revenue.disputed.fee == Decimal("70.07")
    assert page.revenue.awaiting_debitura_payment.count == 5
    assert page.total_debitura_revenue_usd == Decimal("999.99")


def test_an_access_token_repr_and_str_never_show_the_token():
    token = AccessToken.from_json(
        {
            "accessToken": "eyJhbGciOiJIUzI1NiJ9.payload.signature",
            "tokenType": "Bearer",
            "expiresIn": 1800,
            "externalTenantId": "t",
        }
    )

    assert token.access_token == "eyJhbGciOiJIUzI1NiJ9.payload.signature"
    assert "eyJ" not in repr(token)
    assert "eyJ" not in str(token)
    assert "external_tenant_id='t'" in repr(token)


def test_a_webhook_repr_never_shows_its_secret():
    webhook = Webhook.from_json(
        {
            "Id": "w1",
            "Url": "https://hooks.example/debitura",
            "Events": ["case.created"],
            "IsActive": True,
            "Secret": "c2VjcmV0LXNlY3JldC1zZWNyZXQ=",
        }
    )

    assert webhook.secret == "c2VjcmV0LXNlY3JldC1zZWNyZXQ="
    assert "c2VjcmV0" not in repr(webhook)
    assert webhook.events == ("case.created",)
    assert webhook.is_active is True


def test_a_decimal_is_encoded_as_an_exact_json_number_and_decoded_back_unchanged():
    encoded = dumps({"amountToRecover": Decimal("1234.10"), "date": date(2025, 6, 1)})

    assert encoded == '{"amountToRecover": 1234.10, "date": "2025-06-01"}'
    assert loads(encoded)["amountToRecover"] == Decimal("1234.10")
    assert str(loads(encoded)["amountToRecover"]) == "1234.10"
