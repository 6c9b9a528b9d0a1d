"""Every body the client sends, checked against the request schema of the spec it is sent to.

Each schema in the specs declares `additionalProperties: false`, so a misspelled field name fails
here as surely as a missing required one.
"""

from __future__ import annotations

import json
from datetime import date
from decimal import Decimal

import pytest

from dashboard.debitura import (
    AccessTokenRequest,
    AgeBuckets,
    CaseDebtor,
    ClientDetails,
    ClientUser,
    CreateCaseRequest,
    CreateClientRequest,
    KycSubmission,
    PreviewCaseRequest,
    TestWebhookRequest,
    WebhookSubscription,
    WebhookUpdate,
    jsonwire,
)
from dashboard.debitura.types.requests import body_of
from dashboard.sandbox.contract import ApiSpec, default_spec_dir, documented_spec

SCHEMAS = "/components/schemas/"
CREATE_CASE = "Debitura.Web.ExternalApi.Contracts.V1.Cases.Requests.CreateCollectionCaseRequestApiViewModel"
PREVIEW = "Debitura.Web.ExternalApi.Contracts.V1.Cases.Requests.PreviewCaseRequestApiViewModel"
CREATE_CLIENT = "Debitura.Web.ReferralPartnerApi.Models.Clients.CreateClientRequest"
KYC = "Debitura.Web.ReferralPartnerApi.Models.Clients.SubmitKycVerificationRequest"
TOKEN = "Debitura.Web.ReferralPartnerApi.Models.AccessTokens.CreateAccessTokenRequest"
NEW_WEBHOOK = "Debitura.Domain.Model.Webhooks.Dtos.CreateWebhookRequest"
WEBHOOK_CHANGE = "Debitura.Domain.Model.Webhooks.Dtos.UpdateWebhookRequest"
TEST_WEBHOOK = "Debitura.Web.ReferralPartnerApi.Models.Webhooks.TriggerTestWebhookRequest"


@pytest.fixture(scope="module")
def specs():
    return {api: ApiSpec(api, documented_spec(api, default_spec_dir())) for api in ("referral-api", "customer-api")}


def problems(specs, api: str, schema: str, body) -> list[str]:
    """What the spec's validator finds wrong with `body` as it travels (encoded, then decoded)."""
    travelled = json.loads(jsonwire.dumps(body))
    validator = specs[api].validator(SCHEMAS + schema, direction="request")
    return [error.message for error in validator.iter_errors(travelled)]


def a_case(**changes) -> CreateCaseRequest:
    values = dict(
        currency="USD",
        amount=Decimal("1234.50"),
        invoice_date=date(2025, 1, 31),
        due_date=date(2025, 2, 28),
        debtor=CaseDebtor(type="Company", name="Pacific Trading LLC", country="US", state="CA",
                          contact_person="Pat Lee", registration_number="US-77", address="1 Main St",
                          zip_code="94105", city="San Francisco", email="ap@pacific.example", phone="+1 415 555 0100"),
        creditor_reference="INV-9",
        claim_description="Unpaid invoice",
        comments="Second reminder sent",
        allow_pending_contracts=True,
        is_test=True,
        return_url="https://app.example.com/done",
    )
    values.update(changes)
    return CreateCaseRequest(**values)


def a_client(**changes) -> CreateClientRequest:
    values = dict(
        external_tenant_id="tenant-1",
        client=ClientDetails(name="Acme ApS", country="DK", support_email="support@acme.example",
                             registration_number="DK12345678", address="Vej 1", zip_code="2100", city="København",
                             state="Hovedstaden", support_phone="+45 1234 5678"),
        users=(ClientUser("Anna Berg", "anna@acme.example", is_onboarding_user=True), ClientUser("Bo", "bo@acme.example")),
        cases=(a_case(),),
    )
    values.update(changes)
    return CreateClientRequest(**values)


@pytest.mark.parametrize(
    ("api", "schema", "request_body"),
    [
        ("customer-api", CREATE_CASE, a_case()),
        ("customer-api", CREATE_CASE, a_case(due_date=None, creditor_reference=None, return_url=None,
                                             debtor=CaseDebtor(type="Private", name="Jo Bloggs", country="GB"))),
        ("customer-api", PREVIEW, PreviewCaseRequest(Decimal("20"), "EUR", "Company", "DK", due_date=date(2024, 5, 1))),
        ("referral-api", PREVIEW, PreviewCaseRequest(Decimal("1000.10"), "USD", "Private", "US", state="CA",
                                                     buckets=AgeBuckets(Decimal("900"), Decimal("100"), Decimal("950")))),
        ("referral-api", CREATE_CLIENT, a_client()),
        ("referral-api", CREATE_CLIENT, a_client(users=(ClientUser("Anna", "anna@acme.example"),), cases=(),
                                                 client=ClientDetails("Acme ApS", "DK", "support@acme.example"))),
        ("referral-api", KYC, KycSubmission("Ada Moss", "4 Park Rd, Bath", date(1971, 3, 4))),
        ("referral-api", TOKEN, AccessTokenRequest("tenant-1")),
        ("referral-api", NEW_WEBHOOK, WebhookSubscription("https://hooks.example/debitura", ("case.created",), True)),
        ("referral-api", WEBHOOK_CHANGE, WebhookUpdate(url="https://hooks.example/v2", events=("case.closed",),
                                                       is_active=True, regenerate_secret=True, is_test_mode=False)),
        ("referral-api", WEBHOOK_CHANGE, WebhookUpdate(is_active=False)),
        ("referral-api", TEST_WEBHOOK, TestWebhookRequest("case.updated", case_id="3f2c1a9e-8d6b-4c1e-9a57-2b8e0d4f6a11",
                                                          old_lifecycle="Pending", new_lifecycle="Active")),
        ("referral-api", TEST_WEBHOOK, TestWebhookRequest("client.linked", external_tenant_id="tenant-1")),
    ],
    ids=lambda value: type(value).__name__ if not isinstance(value, str) else None,
)
def test_every_request_body_matches_the_schema_of_its_spec(specs, api, schema, request_body):
    assert problems(specs, api, schema, request_body.to_json()) == []


def test_a_misspelled_field_would_fail_the_schema(specs):
    # The check above can fail: the schemas refuse a field they do not declare.
    body = {**KycSubmission("Ada Moss", "4 Park Rd, Bath", date(1971, 3, 4)).to_json(), "directorName": "Ada"}
    assert problems(specs, "referral-api", KYC, body)


def test_a_case_goes_out_in_the_customer_apis_names_with_exact_amounts_and_nothing_empty():
    body = a_case(debtor=CaseDebtor(type="Company", name="Pacific Trading LLC", country="US", state="CA"),
                  claim_description=None, comments=None).to_json()

    assert body == {
        "currencyCode": "USD",
        "amountToRecover": Decimal("1234.50"),
        "date": "2025-01-31T00:00:00Z",
        "dueDate": "2025-02-28T00:00:00Z",
        "creditorReference": "INV-9",
        "debtor": {"type": "Company", "name": "Pacific Trading LLC", "countryAlpha2": "US", "stateAlpha2": "CA"},
        "allowPendingContracts": True,
        "isTest": True,
        "returnUrl": "https://app.example.com/done",
    }
    assert '"amountToRecover": 1234.50' in jsonwire.dumps(body)  # never through a float


def test_a_state_goes_only_with_a_us_debtor():
    outside_us = CaseDebtor(type="Private", name="Jo Bloggs", country="GB", state="CA")
    assert a_case(debtor=outside_us).to_json()["debtor"] == {"type": "Private", "name": "Jo Bloggs", "countryAlpha2": "GB"}
    preview = PreviewCaseRequest(Decimal("20"), "EUR", "Company", "DK", state="CA", due_date=date(2024, 5, 1)).to_json()
    assert preview["debtor"] == {"type": "Company", "countryAlpha2": "DK"}


def test_a_preview_sends_either_a_due_date_or_the_age_buckets():
    with_buckets = PreviewCaseRequest(Decimal("1000.10"), "USD", "Private", "US", state="CA",
                                      buckets=AgeBuckets(Decimal("0.10"), Decimal("0"))).to_json()
    assert with_buckets["amountToRecover"] == Decimal("1000.10")
    assert "dueDate" not in with_buckets and "amountToRecoverOver6Months" not in with_buckets
    assert with_buckets["amountToRecoverOver12Months"] == Decimal("0.10")
    with pytest.raises(ValueError, match="not both"):
        PreviewCaseRequest(Decimal("1"), "EUR", "Company", "DK", due_date=date(2024, 1, 1),
                           buckets=AgeBuckets(Decimal("1"), Decimal("0")))


def test_a_stored_case_reads_back_to_the_same_bytes():
    # A retry re-sends the stored body: Debitura replays an Idempotency-Key only for an identical one.
    for case in (a_case(), a_case(amount=Decimal("100"), due_date=None, is_test=False, allow_pending_contracts=False)):
        sent = jsonwire.dumps(case.to_json())
        assert jsonwire.dumps(CreateCaseRequest.from_json(jsonwire.loads(sent)).to_json()) == sent
        stored = jsonwire.storable(case.to_json())  # as a JSON column keeps it: amounts as text
        assert CreateCaseRequest.from_json(stored) == case


def test_a_client_with_its_cases_reads_back_as_it_was_sent():
    request = a_client()
    assert CreateClientRequest.from_json(jsonwire.loads(jsonwire.dumps(request.to_json()))) == request


def test_the_client_refuses_a_hand_built_body():
    with pytest.raises(TypeError, match="typed requests"):
        body_of({"externalTenantId": "tenant-1"})
