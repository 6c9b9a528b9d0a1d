"""Rows to the exact JSON shapes of the two OpenAPI specs, and JSON in and out without floats.

The specs set `additionalProperties: false`. An absent nested object travels as `null`, as
ASP.NET writes it and seed 003 says of `signingHandoff` ("when everything is already signed,
signingHandoff is null"); the specs declare these as plain `$ref`s, which `contract.documented_spec()`
marks nullable.
"""

from __future__ import annotations

import json
import uuid
from datetime import UTC, date, datetime
from decimal import Decimal
from typing import Any

import simplejson
from flask import Response

from dashboard.money import step as minor_unit
from dashboard.sandbox import reference
from dashboard.sandbox.countries import COUNTRY_IDS, country_name
from dashboard.sandbox.models import (
    Case,
    ClientLink,
    Creditor,
    CreditorUser,
    KycVerification,
    Partner,
    RevenueTransaction,
    WebhookSubscription,
)

CENT = Decimal("0.01")


def loads(raw: bytes | str) -> Any:
    """Parse a request body; every non-integer number becomes a Decimal."""
    return json.loads(raw, parse_float=Decimal)


def dumps(body: Any) -> str:
    return simplejson.dumps(body, use_decimal=True, ensure_ascii=False)


def json_response(status: int, body: Any, headers: dict[str, str] | None = None) -> Response:
    response = Response(dumps(body), status=status, mimetype="application/json")
    response.headers["X-Request-Id"] = str(uuid.uuid4())
    for name, value in (headers or {}).items():
        response.headers[name] = value
    return response


def iso(moment: datetime | None) -> str | None:
    if moment is None:
        return None
    return moment.astimezone(UTC).isoformat().replace("+00:00", "Z")


def iso_date(day: date | None) -> str | None:
    return day.isoformat() if day is not None else None


def money(amount: Decimal | None, currency: str | None = None) -> Decimal | None:
    """The amount with its currency's decimals (JPY none, KWD three); two without a currency."""
    if amount is None:
        return None
    return amount.quantize(minor_unit(currency) if currency else CENT)


def pricing_preview(quote: Any, currency: str) -> dict[str, Any]:
    """PricingPreviewDto of a sandbox pricing quote (both APIs' previews answer it)."""
    return {
        "baseSuccessFeePercentage": percentage(quote.base),
        "ageSurchargePercentage": percentage(quote.surcharge),
        "totalSuccessFeePercentage": percentage(quote.total),
        "currencyCode": currency,
        "pricingSource": quote.source,
        "pricingSourceDescription": quote.description,
    }


def percentage(value: Decimal | None) -> Decimal | None:
    """`9.5000` -> `9.5`, `40.0000` -> `40`: exact, without exponent notation."""
    if value is None:
        return None
    if value == value.to_integral_value():
        return value.quantize(Decimal(1))
    return value.normalize()


# --- clients -----------------------------------------------------------------------------------


def creditor_dto(creditor: Creditor) -> dict[str, Any]:
    return {
        "id": creditor.id,
        "companyName": creditor.company_name,
        "officeEmail": creditor.office_email,
        "country": country_name(creditor.country),
        "address": creditor.address,
        "city": creditor.city,
        "zipCode": creditor.zip_code,
        "companyRegistrationNumber": creditor.registration_number,
    }


def user_dto(user: CreditorUser) -> dict[str, Any]:
    return {"id": user.id, "email": user.email, "firstName": user.first_name, "lastName": user.last_name}


def kyc_dto(kyc: KycVerification) -> dict[str, Any]:
    return {
        "directorFullName": kyc.director_full_name,
        "directorHomeAddress": kyc.director_home_address,
        "directorDateOfBirth": iso_date(kyc.director_date_of_birth),
        "dateCreated": iso(kyc.date_created),
        "verificationStatus": kyc.verification_status,
        "verificationStatusUpdatedAt": iso(kyc.verification_status_updated_at),
    }


def client_response(
    link: ClientLink,
    *,
    onboarding_done: bool,
    onboarding_url: str | None,
    kyc_status: str,
    kyc: KycVerification | None,
    cases_total: int,
    cases_closed: int,
    earnings_usd: Decimal,
    case_results: dict[str, Any] | None = None,
) -> dict[str, Any]:
    """A ClientCreatedResponse (also the item shape of GET /clients)."""
    creditor = link.creditor
    return {
        "externalTenantId": link.external_tenant_id,
        "onboardingDone": onboarding_done,
        "onboardingLinks": {"url": onboarding_url},
        "client": creditor_dto(creditor),
        "users": [user_dto(user) for user in creditor.users],
        "isAttributedClient": link.is_attributed,
        "dateLinked": iso(link.date_linked),
        "caseStats": {"casesTotal": cases_total, "casesClosed": cases_closed, "earningsUsd": money(earnings_usd)},
        "kycStatus": kyc_status,
        "kycVerification": kyc_dto(kyc) if kyc is not None else None,
        "caseResults": case_results,
    }


def creditor_event_data(link_or_creditor: ClientLink | Creditor, *, is_attributed: bool | None) -> dict[str, Any]:
    """The `creditor` object of client.* webhook events (no isAttributed on link_declined)."""
    creditor = link_or_creditor.creditor if isinstance(link_or_creditor, ClientLink) else link_or_creditor
    data: dict[str, Any] = {
        "id": creditor.id,
        "companyName": creditor.company_name,
        "registrationNumber": creditor.registration_number,
        "countryId": COUNTRY_IDS.get(creditor.country),
    }
    if is_attributed is not None:
        data["isAttributed"] = is_attributed
    return data


# --- cases -------------------------------------------------------------------------------------


def _collection_partner(case: Case) -> reference.CollectionPartner | None:
    if case.collection_partner_id is None:
        return None
    return reference.PARTNERS[case.collection_partner_id]


def invoice_dto(case: Case, *, combined_signing_url: str | None) -> dict[str, Any]:
    """The Customer API's InvoiceDto (also the successfulCases items of POST /clients)."""
    creditor = case.link.creditor
    partner = _collection_partner(case)
    fees = case.interest_fees + case.reminder_fees + case.collection_fees
    return {
        "id": case.id,
        "dateCreated": iso(case.date_created),
        "dateUpdated": iso(case.date_updated),
        "reference": case.reference,
        "creditorReference": case.creditor_reference,
        "creditorComments": case.creditor_comments,
        "claimDescription": case.claim_description,
        "grossAmount": money(case.gross_amount, case.currency),
        "remainder": money(case.remainder, case.currency),
        "interestFees": money(case.interest_fees, case.currency),
        "reminderFees": money(case.reminder_fees, case.currency),
        "collectionFees": money(case.collection_fees, case.currency),
        "totalAddedFees": money(fees, case.currency),
        "currency": case.currency,
        "isTestCase": case.is_test,
        "lifecycle": case.lifecycle,
        "dueDate": iso(case.due_date),
        "date": iso(case.date),
        "dateFinished": iso(case.date_finished),
        "dateCollectionStarted": iso(case.date_collection_started),
        "closeCode": case.close_code,
        "currentEngagementPhase": case.current_engagement_phase,
        "claimType": case.claim_type,
        "creditorDivisionId": None,
        "debtor": debtor_dto(case),
        "collectionPartner": (
            {
                "name": partner.name,
                "officeEmail": partner.office_email,
                "officePhone": partner.office_phone,
                "publicSite": partner.public_site,
                "surveyCadenceMode": 0,
            }
            if partner is not None
            else None
        ),
        "creditor": {
            "id": creditor.id,
            "companyName": creditor.company_name,
            "companyRegistrationNumber": creditor.registration_number,
            "officeEmail": creditor.office_email,
            "officePhone": creditor.office_phone,
            "address": creditor.address,
            "city": creditor.city,
            "zipCode": creditor.zip_code,
            "state": creditor.state,
            "country": country_name(creditor.country),
        },
        "blendedAgeUpliftPoints": (
            percentage(case.age_uplift_points) if case.amount_over_12_months is not None else None
        ),
        "preLegalSuccessFee": percentage(case.success_fee_percentage),
        "solutionUrl": combined_signing_url,
        "signingHandoff": {"combinedSigningUrl": combined_signing_url} if combined_signing_url else None,
        "exclusivePeriodEndDate": None,
        "disputeStatus": None,
        "validation": {"needsInfo": case.lifecycle == "More Info Required"},
        "assignedUser": _assigned_user(case),
        "allocationOutstanding": {
            "principal": money(case.remainder, case.currency),
            "interest": money(case.interest_fees, case.currency),
            "reminderFees": money(case.reminder_fees, case.currency),
            "collectionFees": money(case.collection_fees, case.currency),
        },
    }


def _assigned_user(case: Case) -> dict[str, Any] | None:
    if case.assigned_user_email is None:
        return None
    user = next((user for user in case.link.creditor.users if user.email == case.assigned_user_email), None)
    return {"email": case.assigned_user_email, "name": user.name if user is not None else None}


def debtor_dto(case: Case) -> dict[str, Any]:
    return {
        "type": case.debtor_type,
        "name": case.debtor_name,
        "contactPerson": case.debtor_contact_person,
        "companyRegistrationNumber": case.debtor_registration_number,
        "address": case.debtor_address,
        "zipCode": case.debtor_zip_code,
        "city": case.debtor_city,
        "state": case.debtor_state,
        "stateAlpha2": case.debtor_state_alpha2,
        "countryAlpha2": case.debtor_country,
        "country": country_name(case.debtor_country),
        "email": case.debtor_email,
        "phone": case.debtor_phone,
    }


def _contact(user: CreditorUser) -> dict[str, Any]:
    return {"email": user.email, "name": user.name}


def case_item(case: Case) -> dict[str, Any]:
    """The Referral API's CaseItem."""
    link = case.link
    creditor = link.creditor
    partner = _collection_partner(case)
    onboarding_user = next((user for user in creditor.users if user.is_onboarding_user), None)
    others = [user for user in creditor.users if user is not onboarding_user]
    needs_info = case.lifecycle == "More Info Required"
    contacts = {
        "onboardingUser": _contact(onboarding_user) if onboarding_user is not None else None,
        "officeEmail": creditor.office_email,
        "otherUsers": [_contact(user) for user in others],
    }
    return {
        "id": case.id,
        "reference": case.reference,
        "creditorReference": case.creditor_reference,
        "client": {
            "externalTenantId": link.external_tenant_id,
            "creditorId": creditor.id,
            "companyName": creditor.company_name,
            "contacts": contacts,
        },
        "debtor": {"name": case.debtor_name, "country": country_name(case.debtor_country)},
        "grossAmount": money(case.gross_amount, case.currency),
        "remainder": money(case.remainder, case.currency),
        "currency": case.currency,
        "lifecycle": case.lifecycle,
        "closeCode": case.close_code,
        "currentEngagementPhase": case.current_engagement_phase,
        "dateCreated": iso(case.date_created),
        "dueDate": iso(case.due_date),
        "dateCollectionStarted": iso(case.date_collection_started),
        "dateFinished": iso(case.date_finished),
        "validation": {
            "needsInfo": needs_info,
            "creditorRespondedAt": None,
            "items": (
                [{"resolutionArea": "ProvideDocuments", "description": "Upload the invoice and any reminders sent."}]
                if needs_info
                else []
            ),
        },
        "collectionPartner": partner.name if partner is not None else None,
        "expectedReferralRatePercentage": (percentage(link.fee_percentage_snapshot) if partner is not None else None),
    }


def potential_revenue(case: Case) -> dict[str, Any] | None:
    """What the partner earns if the whole amount is collected (USD, percentages as whole numbers)."""
    fee = case.success_fee_percentage
    if fee is None:
        return None
    gross_usd = reference.to_usd(case.gross_amount, case.currency)
    partner_revenue = (gross_usd * fee / 100).quantize(CENT)
    platform_share = reference.PLATFORM_SHARE_PERCENTAGE
    platform_revenue = (partner_revenue * platform_share / 100).quantize(CENT)
    referral_fee = case.link.fee_percentage_snapshot
    return {
        "grossAmountUsd": gross_usd,
        "successFeePercentage": percentage(fee),
        "collectionPartnerRevenueUsd": partner_revenue,
        "platformRevenueSharePercentage": percentage(platform_share),
        "platformRevenueUsd": platform_revenue,
        "referralFeePercentage": percentage(referral_fee),
        "referralRevenueUsd": (platform_revenue * referral_fee / 100).quantize(CENT),
    }


def case_detail(case: Case) -> dict[str, Any]:
    """GetCaseDetailResponse: a CaseItem plus the potential revenue breakdown."""
    return {**case_item(case), "potentialRevenue": potential_revenue(case)}


# --- partner, webhooks, revenue ----------------------------------------------------------------


def partner_dto(partner: Partner) -> dict[str, Any]:
    return {
        "id": partner.id,
        "companyName": partner.company_name,
        "shortName": partner.short_name,
        "contactEmail": partner.contact_email,
        "externalSystemId": None,
        "referralFeePercentage": percentage(partner.referral_fee_percentage),
        "isActive": True,
        "isPublicDemo": False,
        "logoUrl": None,
        "backgroundColorCode": partner.background_color,
        "fontColor": partner.font_color,
        "fontFamily": partner.font_family,
        "invoicingTriggerMode": "PayWhenPaid",
    }


def webhook_dto(subscription: WebhookSubscription, *, with_secret: bool = False) -> dict[str, Any]:
    return {
        "id": subscription.id,
        "url": subscription.url,
        "events": list(subscription.events),
        "isActive": subscription.is_active,
        "createdUtc": iso(subscription.created_utc),
        "updatedUtc": iso(subscription.updated_utc),
        "disabledReason": subscription.disabled_reason,
        "secret": subscription.secret if with_secret else None,
        "isTestMode": subscription.is_test_mode,
    }


def transaction_item(txn: RevenueTransaction) -> dict[str, Any]:
    """A TransactionItem; revenue counts as recognised once the collection partner has paid Debitura."""
    recognized = txn.platform_invoicing_status == "PaymentReceived"
    case = txn.case
    link = txn.link
    revenue_usd = reference.to_usd(txn.debitura_revenue, txn.currency)
    fee = (txn.debitura_revenue * txn.referral_fee_percentage / 100).quantize(CENT)
    fee_usd = (revenue_usd * txn.referral_fee_percentage / 100).quantize(CENT)
    return {
        "transactionId": txn.id,
        "date": iso(txn.date),
        "client": {
            "externalTenantId": link.external_tenant_id,
            "creditorId": link.creditor_id,
            "companyName": link.creditor.company_name,
        },
        "case": {
            "invoiceId": case.id,
            "caseReference": case.reference,
            "debtorName": case.debtor_name,
            "originalAmount": money(case.gross_amount, case.currency),
            "currency": case.currency,
        },
        "payment": {
            "amount": money(txn.payment_amount, txn.currency),
            "currency": txn.currency,
            "paymentDate": iso(txn.date),
        },
        "earnings": {
            "currency": txn.currency,
            "debituraRevenue": money(txn.debitura_revenue, txn.currency),
            "debituraRevenueUsd": revenue_usd,
            "referralFeePercentage": percentage(txn.referral_fee_percentage),
            "referralFeeAmount": fee,
            "referralFeeAmountUsd": fee_usd,
            "isEstimate": txn.commission_payment_status != "Paid",
        },
        "recognition": {"isRecognized": recognized, "referralFeeRecognizedUsd": fee_usd if recognized else CENT * 0},
        "status": {
            "commissionPaymentStatus": txn.commission_payment_status,
            "platformInvoicingStatus": txn.platform_invoicing_status,
            "referralInvoicingStatus": txn.referral_invoicing_status,
        },
    }
