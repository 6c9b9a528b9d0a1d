"""The Referral Partner API (``XApiKey``): clients, tokens, cases, files, KYC, pricing, revenue and webhooks."""

from __future__ import annotations

import copy
import mimetypes
import random
import time
from collections.abc import Callable, Iterable, Iterator
from datetime import date, datetime
from typing import Any, BinaryIO

import requests

from .errors import DebituraError
from .fields import camel_keys, moment
from .paging import MAX_PAGE_SIZE, iterate_pages
from .paths import segment
from .redaction import install_redaction, register_secret
from .retry import RetryPolicy
from .transport import DEFAULT_TIMEOUT, Timeout, Transport
from .types import (
    AccessToken,
    AccessTokenRequest,
    CaseDetail,
    CaseItem,
    CasesPage,
    Client,
    ClientResult,
    CreateClientRequest,
    FilterOptions,
    KycSubmission,
    KycVerification,
    Page,
    Partner,
    PreviewCaseRequest,
    PreviewResult,
    TestWebhookRequest,
    TestWebhookResult,
    Transaction,
    TransactionsPage,
    UploadedFile,
    Webhook,
    WebhookSubscription,
    WebhookUpdate,
)
from .types.requests import body_of

DateFilter = date | datetime | str | None


class ReferralApi:
    """One partner's view of Debitura, authenticated with its API key."""

    def __init__(
        self,
        base_url: str,
        api_key: str,
        *,
        session: requests.Session | None = None,
        timeout: Timeout = DEFAULT_TIMEOUT,
        max_retries: int = 2,
        max_retry_after: float = 10.0,
        sleep: Callable[[float], None] = time.sleep,
        rand: Callable[[], float] = random.random,
    ) -> None:
        if not api_key:
            raise ValueError("ReferralApi needs a Debitura API key")
        install_redaction()
        register_secret(api_key)
        self._transport = Transport(
            base_url,
            session=session,
            timeout=timeout,
            retry=RetryPolicy(max_retries=max_retries, max_retry_after=max_retry_after),
            sleep=sleep,
            rand=rand,
            headers={"XApiKey": api_key},
        )

    def for_another_thread(self) -> ReferralApi:
        """This API over a session of its own, for a worker thread (requests sessions are not shared)."""
        twin = copy.copy(self)
        twin._transport = self._transport.for_another_thread()
        return twin

    def __repr__(self) -> str:
        return f"ReferralApi(base_url={self.base_url!r})"

    @property
    def base_url(self) -> str:
        return self._transport.base_url

    @property
    def session(self) -> requests.Session:
        return self._transport.session

    @property
    def last_rate_limit(self) -> dict[str, int | str] | None:
        """Headroom from the latest response that advertised it, e.g. ``{"limit": 2000, "remaining": 1998}``."""
        return self._transport.last_rate_limit

    # Clients

    def create_client(self, request: CreateClientRequest) -> ClientResult:
        """Create or recheck a client: 201 ready, 202 onboarding; raises Conflict, InvalidRequest, BusinessRuleError."""
        response = self._transport.request("POST", "/clients", json=body_of(request))
        return ClientResult(status=response.status, client=Client.from_json(response.body))

    def get_client(self, external_tenant_id: str) -> Client:
        return Client.from_json(self._transport.request("GET", f"/clients/{segment(external_tenant_id)}").body)

    def list_clients(
        self,
        *,
        page: int = 1,
        page_size: int = MAX_PAGE_SIZE,
        query: str | None = None,
        external_tenant_id: str | None = None,
        onboarding_done: bool | None = None,
        is_attributed_client: bool | None = None,
        sort: str | None = None,
    ) -> Page[Client]:
        params = {
            "Page": page,
            "PageSize": page_size,
            "Query": query,
            "ExternalTenantId": external_tenant_id,
            "OnboardingDone": onboarding_done,
            "IsAttributedClient": is_attributed_client,
            "Sort": sort,
        }
        return Page.parse(self._transport.request("GET", "/clients", params=params).body, "clients", Client.from_json)

    def iter_clients(self, **filters: Any) -> Iterator[Client]:
        return iterate_pages(lambda number: self.list_clients(page=number, page_size=MAX_PAGE_SIZE, **filters))

    def withdraw_client(self, external_tenant_id: str) -> None:
        self._transport.request("POST", f"/clients/{segment(external_tenant_id)}/withdraw")

    def submit_kyc(
        self,
        external_tenant_id: str,
        submission: KycSubmission,
        *,
        send_chat_notification: bool = True,
        idempotency_key: str | None = None,
    ) -> KycVerification:
        response = self._transport.request(
            "POST",
            f"/clients/{segment(external_tenant_id)}/kyc-verification",
            params={"sendChatNotification": send_chat_notification},
            json=body_of(submission),
            idempotency_key=idempotency_key,
        )
        return KycVerification.from_json(response.body)

    def mint_token(self, external_tenant_id: str) -> AccessToken:
        """Mint a 30-minute Customer API token for one client; retried freely because minting changes nothing."""
        response = self._transport.request(
            "POST", "/oauth/token", json=body_of(AccessTokenRequest(external_tenant_id)), retryable=True
        )
        token = AccessToken.from_json(response.body)
        register_secret(token.access_token, ephemeral=True)
        return token

    # Cases

    def list_cases(
        self,
        *,
        page: int = 1,
        page_size: int = MAX_PAGE_SIZE,
        from_date: DateFilter = None,
        to_date: DateFilter = None,
        external_tenant_id: str | None = None,
        statuses: Iterable[str] | None = None,
        query: str | None = None,
        country_ids: Iterable[int] | None = None,
        collection_partner_ids: Iterable[str] | None = None,
        sort: str | None = None,
    ) -> CasesPage:
        params = {
            "FromDate": from_date,
            "ToDate": to_date,
            "ExternalTenantId": external_tenant_id,
            "Statuses": list(statuses) if statuses is not None else None,
            "Query": query,
            "CountryIds": list(country_ids) if country_ids is not None else None,
            "CollectionPartnerIds": list(collection_partner_ids) if collection_partner_ids is not None else None,
            "Page": page,
            "PageSize": page_size,
            "Sort": sort,
        }
        return CasesPage.from_json(self._transport.request("GET", "/cases", params=params).body)

    def iter_cases(self, **filters: Any) -> Iterator[CaseItem]:
        return iterate_pages(lambda number: self.list_cases(page=number, page_size=MAX_PAGE_SIZE, **filters))

    def get_case(self, case_id: str) -> CaseDetail:
        return CaseDetail.from_json(self._transport.request("GET", f"/cases/{segment(case_id)}").body)

    def preview_case(self, request: PreviewCaseRequest) -> PreviewResult:
        """Price a case before submitting it; nothing is created, so the call is retried like a read."""
        return PreviewResult.from_json(
            self._transport.request("POST", "/cases/preview", json=body_of(request), retryable=True).body
        )

    def upload_file(
        self,
        case_id: str,
        *,
        file_name: str,
        stream: BinaryIO,
        content_type: str | None = None,
        send_chat_notification: bool = True,
        idempotency_key: str | None = None,
    ) -> UploadedFile:
        """Attach a file (multipart field ``file``); raises PayloadTooLarge (413) and UnsupportedMediaType (415)."""
        content_type = content_type or mimetypes.guess_type(file_name)[0] or "application/octet-stream"
        response = self._transport.request(
            "POST",
            f"/cases/{segment(case_id)}/files",
            params={"sendChatNotification": send_chat_notification},
            files={"file": (file_name, stream, content_type)},
            idempotency_key=idempotency_key,
        )
        if not isinstance(response.body, dict):
            # The spec documents an empty 200; the guides document {id, fileName, dateCreated}.
            return UploadedFile(file_name=file_name)
        return UploadedFile.from_json(response.body)

    # Revenue

    def list_transactions(
        self,
        *,
        page: int = 1,
        page_size: int = MAX_PAGE_SIZE,
        from_date: DateFilter = None,
        to_date: DateFilter = None,
        external_tenant_id: str | None = None,
        search: str | None = None,
        referral_invoicing_statuses: Iterable[int] | None = None,
    ) -> TransactionsPage:
        params = {
            "FromDate": from_date,
            "ToDate": to_date,
            "ExternalTenantId": external_tenant_id,
            "Search": search,
            "ReferralInvoicingStatuses": list(referral_invoicing_statuses)
            if referral_invoicing_statuses is not None
            else None,
            "Page": page,
            "PageSize": page_size,
        }
        return TransactionsPage.from_json(self._transport.request("GET", "/reporting/transactions", params=params).body)

    def iter_transactions(self, **filters: Any) -> Iterator[Transaction]:
        return iterate_pages(lambda number: self.list_transactions(page=number, page_size=MAX_PAGE_SIZE, **filters))

    # Webhooks

    def list_webhooks(self) -> list[Webhook]:
        body = self._transport.request("GET", "/v1/Webhooks").body
        return [Webhook.from_json(item) for item in body or [] if isinstance(item, dict)]

    def create_webhook(self, subscription: WebhookSubscription) -> Webhook:
        """Subscribe a URL; the returned ``secret`` is shown only now, so the caller must store it."""
        response = self._transport.request("POST", "/v1/Webhooks", json=body_of(subscription))
        return self._remember_secret(Webhook.from_json(response.body))

    def get_webhook(self, webhook_id: str) -> Webhook:
        return Webhook.from_json(self._transport.request("GET", f"/v1/Webhooks/{segment(webhook_id)}").body)

    def update_webhook(self, webhook_id: str, update: WebhookUpdate) -> Webhook:
        """Change only the settings given; ``is_active=True`` re-enables a subscription Debitura disabled."""
        response = self._transport.request("PUT", f"/v1/Webhooks/{segment(webhook_id)}", json=body_of(update))
        return self._remember_secret(Webhook.from_json(response.body))

    def delete_webhook(self, webhook_id: str) -> None:
        self._transport.request("DELETE", f"/v1/Webhooks/{segment(webhook_id)}")

    def trigger_test_webhook(self, request: TestWebhookRequest) -> TestWebhookResult:
        """Have Debitura (test environment only) send a test event; says how many deliveries it queued."""
        return TestWebhookResult.from_json(
            self._transport.request("POST", "/v1/Webhooks/test", json=body_of(request)).body
        )

    # Partner

    def me(self) -> Partner:
        return Partner.from_json(self._transport.request("GET", "/me").body)

    def filter_options(self) -> FilterOptions:
        """The debtor countries and collection partners the case and earnings filters take, by id and name."""
        return FilterOptions.from_json(self._transport.request("GET", "/referral-partner/filter-options").body)

    def server_time(self, path: str) -> datetime:
        """The time a server that keeps its own clock answers at ``path`` as ``{"now": "<ISO 8601>"}``."""
        body = self._transport.request("GET", path).body
        now = moment(camel_keys(body).get("now"))
        if now is None:
            raise DebituraError(
                "Debitura's clock answered without a time",
                user_message=("Debitura sent an answer the dashboard could not read. Try again shortly."),
            )
        return now

    @staticmethod
    def _remember_secret(webhook: Webhook) -> Webhook:
        register_secret(webhook.secret)
        return webhook
