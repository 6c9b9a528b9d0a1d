"""The Referral Partner API: paths, PascalCase query names, bodies and headers as the spec has them."""

from __future__ import annotations

import io
import json
from datetime import date, datetime, timezone
from decimal import Decimal

import pytest
from responses import matchers

from dashboard.debitura import (
    ClientResult,
    DebituraError,
    KycSubmission,
    ReferralApi,
    WebhookSubscription,
    WebhookUpdate,
)
from tests.raw_body import raw

CLIENT_PAYLOAD = {
    "externalTenantId": "tenant-1",
    "client": {"name": "Acme Corp", "country": "PT", "supportEmail": "billing@acme.test"},
    "users": [{"name": "Jane Smith", "email": "jane@acme.test", "isOnboardingUser": True}],
}


def _page(items_key, items, *, page, total_pages, page_size=100):
    return {
        items_key: items,
        "page": {
            "totalResults": 237,
            "pageSize": page_size,
            "currentPage": page,
            "responseCount": len(items),
            "totalPages": total_pages,
        },
    }


def test_every_call_authenticates_with_the_xapikey_header(referral, http, api_key):
    http.get(
        f"{referral.base_url}/me",
        json={"id": "p-1"},
        match=[matchers.header_matcher({"XApiKey": api_key, "Accept": "application/json"})],
    )

    referral.me()


@pytest.mark.parametrize(("status", "ready"), [(201, True), (202, False)])
def test_create_client_reports_ready_or_onboarding_from_the_status(referral, http, status, ready):
    http.post(
        f"{referral.base_url}/clients",
        status=status,
        json={
            "externalTenantId": "tenant-1",
            "onboardingDone": ready,
            "onboardingLinks": {"url": None if ready else "https://x/onboarding/companydetails/1"},
        },
        match=[matchers.json_params_matcher(CLIENT_PAYLOAD)],
    )

    result = referral.create_client(raw(CLIENT_PAYLOAD))

    assert isinstance(result, ClientResult)
    assert result.status == status
    assert result.ready is ready
    assert result.client.external_tenant_id == "tenant-1"


def test_a_tenant_id_is_quoted_as_one_path_segment(referral, http):
    http.get(f"{referral.base_url}/clients/acme%2Fde%20%231", json={"externalTenantId": "acme/de #1"})

    assert referral.get_client("acme/de #1").external_tenant_id == "acme/de #1"


def test_list_clients_sends_the_spec_query_names_and_skips_unset_filters(referral, http):
    http.get(
        f"{referral.base_url}/clients",
        json=_page("clients", [{"externalTenantId": "tenant-1"}], page=2, total_pages=3),
        match=[
            matchers.query_param_matcher(
                {"Page": "2", "PageSize": "50", "Query": "acme", "OnboardingDone": "false", "Sort": "dateCreated:desc"}
            )
        ],
    )

    page = referral.list_clients(page=2, page_size=50, query="acme", onboarding_done=False, sort="dateCreated:desc")

    assert page.items[0].external_tenant_id == "tenant-1"
    assert (page.current_page, page.total_pages, page.total_results) == (2, 3, 237)


def test_iter_clients_follows_three_pages_to_the_end_with_page_size_100(referral, http):
    for number, count in enumerate((100, 100, 37), start=1):
        items = [{"externalTenantId": f"tenant-{number}-{index}"} for index in range(count)]
        http.get(
            f"{referral.base_url}/clients",
            json=_page("clients", items, page=number, total_pages=3),
            match=[
                matchers.query_param_matcher({"Page": str(number), "PageSize": "100", "IsAttributedClient": "true"})
            ],
        )

    clients = list(referral.iter_clients(is_attributed_client=True))

    assert len(clients) == 237
    assert len({client.external_tenant_id for client in clients}) == 237
    assert len(http.calls) == 3


def test_iter_cases_follows_three_pages_to_the_end_with_page_size_100(referral, http):
    for number, count in enumerate((100, 100, 37), start=1):
        items = [{"id": f"case-{number}-{index}"} for index in range(count)]
        http.get(
            f"{referral.base_url}/cases",
            json=_page("cases", items, page=number, total_pages=3),
            match=[
                matchers.query_param_matcher({"Page": str(number), "PageSize": "100", "ExternalTenantId": "tenant-1"})
            ],
        )

    assert len(list(referral.iter_cases(external_tenant_id="tenant-1"))) == 237


def test_iterating_stops_at_a_short_page_when_debitura_omits_total_pages(referral, http):
    http.get(f"{referral.base_url}/cases", json={"cases": [{"id": "only"}], "page": {}})

    assert [case.id for case in referral.iter_cases()] == ["only"]


def test_list_cases_sends_repeated_statuses_and_iso_dates(referral, http):
    http.get(
        f"{referral.base_url}/cases",
        json={"cases": [], "page": {"totalPages": 0}, "summary": {"totalCases": 0}},
        match=[
            matchers.query_string_matcher(
                "FromDate=2025-01-01&ToDate=2025-06-30T23%3A59%3A59%2B00%3A00&Statuses=Active&Statuses=Paused&Query=Q8OAXF3W&Page=1&PageSize=100&Sort=GrossAmount%3Adesc"
            )
        ],
    )

    page = referral.list_cases(
        from_date=date(2025, 1, 1),
        to_date=datetime(2025, 6, 30, 23, 59, 59, tzinfo=timezone.utc),
        statuses=["Active", "Paused"],
        query="Q8OAXF3W",
        sort="GrossAmount:desc",
    )

    assert page.items == ()


def test_get_case_returns_the_detail_with_potential_revenue(referral, http):
    http.get(
        f"{referral.base_url}/cases/case-1", json={"id": "case-1", "potentialRevenue": {"referralRevenueUsd": 19.5}}
    )

    assert referral.get_case("case-1").potential_revenue.referral_revenue_usd == Decimal("19.5")


def test_submit_kyc_posts_the_director_and_the_chat_flag(referral, http):
    http.post(
        f"{referral.base_url}/clients/tenant-1/kyc-verification",
        status=201,
        json={
            "directorFullName": "Jane Smith",
            "directorDateOfBirth": "1980-02-29",
            "dateCreated": "2025-06-01T12:00:00Z",
        },
        match=[
            matchers.query_param_matcher({"sendChatNotification": "false"}),
            matchers.json_params_matcher(
                {
                    "directorFullName": "Jane Smith",
                    "directorHomeAddress": "1 High Street, London",
                    "directorDateOfBirth": "1980-02-29",
                }
            ),
            matchers.header_matcher({"Idempotency-Key": "kyc-1"}),
        ],
    )

    kyc = referral.submit_kyc("tenant-1", KycSubmission(director_full_name="Jane Smith", director_home_address="1 High Street, London", director_date_of_birth=date(1980, 2, 29)), send_chat_notification=False, idempotency_key="kyc-1")

    assert kyc.director_date_of_birth == date(1980, 2, 29)


def test_mint_token_sends_the_tenant_and_reads_the_token(referral, http):
    http.post(
        f"{referral.base_url}/oauth/token",
        json={
            "accessToken": "eyJ0.eyJ1.sig",
            "tokenType": "Bearer",
            "expiresIn": 1800,
            "externalTenantId": "tenant-1",
            "creditorId": "cr-1",
        },
        match=[matchers.json_params_matcher({"externalTenantId": "tenant-1"})],
    )

    token = referral.mint_token("tenant-1")

    assert (token.access_token, token.expires_in, token.creditor_id) == ("eyJ0.eyJ1.sig", 1800, "cr-1")


def test_preview_case_returns_the_pricing(referral, http):
    payload = {
        "amountToRecover": Decimal("4000"),
        "currencyCode": "EUR",
        "debtor": {"type": "Company", "countryAlpha2": "PT"},
        "dueDate": "2025-04-22",
    }
    http.post(
        f"{referral.base_url}/cases/preview",
        json={"isEligible": True, "pricingPreview": {"totalSuccessFeePercentage": 18.0}},
        match=[matchers.json_params_matcher({**payload, "amountToRecover": 4000})],
    )

    assert referral.preview_case(raw(payload)).pricing.total == Decimal("18.0")


def test_upload_file_sends_multipart_field_file_with_the_chat_flag(referral, http):
    http.post(
        f"{referral.base_url}/cases/case-1/files",
        json={"id": "f-1", "fileName": "invoice.pdf", "dateCreated": "2025-06-01T12:00:00Z"},
        match=[matchers.query_param_matcher({"sendChatNotification": "true"})],
    )

    uploaded = referral.upload_file("case-1", file_name="invoice.pdf", stream=io.BytesIO(b"%PDF-1.7"))

    request = http.calls[0].request
    assert request.headers["Content-Type"].startswith("multipart/form-data; boundary=")
    assert b'name="file"; filename="invoice.pdf"' in request.body
    assert b"Content-Type: application/pdf" in request.body
    assert uploaded.file_name == "invoice.pdf"
    assert uploaded.date_created == datetime(2025, 6, 1, 12, 0, tzinfo=timezone.utc)


def test_an_upload_answered_with_an_empty_200_still_reports_the_file_name(referral, http):
    http.post(f"{referral.base_url}/cases/case-1/files", body=b"")

    uploaded = referral.upload_file(
        "case-1", file_name="notes.txt", stream=io.BytesIO(b"hello"), send_chat_notification=False
    )

    assert (uploaded.id, uploaded.file_name) == (None, "notes.txt")


def test_withdraw_client_posts_to_withdraw_and_returns_nothing(referral, http):
    http.post(f"{referral.base_url}/clients/tenant-1/withdraw", status=204)

    assert referral.withdraw_client("tenant-1") is None


def test_list_transactions_sends_its_filters_and_reads_the_summary(referral, http):
    http.get(
        f"{referral.base_url}/reporting/transactions",
        json={
            "data": [],
            "page": {"totalPages": 1},
            "summary": {"revenue": {"paidReferralFeeUsd": 120.50, "paidCount": 3}, "totalDebituraRevenueUsd": 241.0},
        },
        match=[
            matchers.query_string_matcher(
                "ExternalTenantId=tenant-1&Search=Acme&ReferralInvoicingStatuses=0&ReferralInvoicingStatuses=3&Page=1&PageSize=100"
            )
        ],
    )

    page = referral.list_transactions(external_tenant_id="tenant-1", search="Acme", referral_invoicing_statuses=[0, 3])

    assert page.revenue.paid.fee == Decimal("120.50")
    assert page.revenue.paid.count == 3


def test_iter_transactions_walks_every_page(referral, http):
    for number in (1, 2):
        http.get(
            f"{referral.base_url}/reporting/transactions",
            json={"data": [{"transactionId": f"tx-{number}"}], "page": {"totalPages": 2, "currentPage": number}},
            match=[matchers.query_param_matcher({"Page": str(number), "PageSize": "100"})],
        )

    assert [tx.transaction_id for tx in referral.iter_transactions()] == ["tx-1", "tx-2"]


def test_webhook_subscriptions_can_be_created_read_updated_and_deleted(referral, http):
    base = f"{referral.base_url}/v1/Webhooks"
    webhook = {
        "id": "w-1",
        "url": "https://hooks.example/debitura",
        "events": ["case.created"],
        "isActive": True,
        "isTestMode": True,
    }
    http.post(
        base,
        json={**webhook, "secret": "bmV3LXNlY3JldC12YWx1ZQ=="},
        match=[
            matchers.json_params_matcher(
                {"url": "https://hooks.example/debitura", "events": ["case.created"], "isTestMode": True}
            )
        ],
    )
    http.get(base, json=[webhook])
    http.get(f"{base}/w-1", json=webhook)
    http.put(
        f"{base}/w-1",
        json={**webhook, "isActive": False},
        match=[matchers.json_params_matcher({"regenerateSecret": False, "isActive": False})],
    )
    http.delete(f"{base}/w-1", status=204)

    created = referral.create_webhook(WebhookSubscription(url="https://hooks.example/debitura", events=["case.created"], is_test_mode=True))
    listed = referral.list_webhooks()
    fetched = referral.get_webhook("w-1")
    updated = referral.update_webhook("w-1", WebhookUpdate(is_active=False))
    referral.delete_webhook("w-1")

    assert created.secret == "bmV3LXNlY3JldC12YWx1ZQ=="
    assert [item.id for item in listed] == ["w-1"]
    assert fetched.secret is None
    assert updated.is_active is False


def test_trigger_test_webhook_returns_debituras_answer(referral, http):
    http.post(
        f"{referral.base_url}/v1/Webhooks/test",
        json={"eventType": "client.linked", "enqueuedCount": 1, "message": "queued"},
        match=[matchers.json_params_matcher({"eventType": "client.linked", "externalTenantId": "tenant-1"})],
    )

    answer = referral.trigger_test_webhook(raw({"eventType": "client.linked", "externalTenantId": "tenant-1"}))

    assert answer.enqueued_count == 1


def test_me_reads_the_partner_profile(referral, http):
    http.get(
        f"{referral.base_url}/me",
        json={"id": "p-1", "companyName": "Chaser", "referralFeePercentage": 50.0, "isActive": True},
    )

    partner = referral.me()

    assert (partner.company_name, partner.referral_fee_percentage, partner.is_active) == (
        "Chaser",
        Decimal("50.0"),
        True,
    )


def test_rate_limit_headroom_is_recorded_when_debitura_sends_it(referral, http):
    http.get(
        f"{referral.base_url}/me",
        json={"id": "p-1"},
        headers={"X-RateLimit-Limit": "2000", "X-RateLimit-Remaining": "1998"},
    )

    assert referral.last_rate_limit is None
    referral.me()

    assert referral.last_rate_limit == {"limit": 2000, "remaining": 1998}


def test_a_success_body_that_is_not_json_is_reported_not_crashed_on(referral, http):
    http.get(f"{referral.base_url}/me", body=b"<html>maintenance</html>", headers={"Request-Id": "r-1"})

    with pytest.raises(DebituraError) as caught:
        referral.me()

    assert caught.value.request_id == "r-1"
    assert "could not read" in caught.value.user_message


def test_an_api_object_refuses_to_start_without_a_key():
    with pytest.raises(ValueError):
        ReferralApi("https://referral-api.debitura.invalid", "")


def test_the_request_json_is_the_payload_unchanged(referral, http):
    http.post(f"{referral.base_url}/clients", status=202, json={"externalTenantId": "tenant-1"})

    referral.create_client(raw(CLIENT_PAYLOAD))

    assert json.loads(http.calls[0].request.body) == CLIENT_PAYLOAD
    assert http.calls[0].request.headers["Content-Type"] == "application/json"
