"""The facade the app holds: both APIs plus the token cache, with Debitura's retry-on-401 rule built in."""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime
from typing import TypeVar

from .customer import CustomerApi
from .errors import AuthenticationError, ClientLinkInvalid, ClientNotLinked, NotFound
from .referral import ReferralApi
from .tokens import TokenCache
from .types import (
    Case,
    ContractStatus,
    CreateCaseRequest,
    PreviewCaseRequest,
    PreviewResult,
)

R = TypeVar("R")


class DebituraClient:
    """``.referral`` and ``.customer`` are the raw APIs; the methods here act as one client (tenant)."""

    def __init__(
        self, referral: ReferralApi, customer: CustomerApi, tokens: TokenCache, *, clock_path: str | None = None
    ) -> None:
        self.referral = referral
        self.customer = customer
        self.tokens = tokens
        self.clock_path = clock_path

    def for_another_thread(self) -> DebituraClient:
        """A client for a worker thread: the Referral API and the clock over their own session."""
        return DebituraClient(
            self.referral.for_another_thread(), self.customer, self.tokens, clock_path=self.clock_path
        )

    def __repr__(self) -> str:
        return f"DebituraClient(referral={self.referral!r}, customer={self.customer!r})"

    def now(self) -> datetime:
        """Debitura's clock, the one its timestamps are on.

        Real Debitura publishes no clock and keeps UTC, so this is the wall clock. A server that
        keeps its own time (the sandbox, whose clock can be advanced) is built with a `clock_path`
        and asked like any other call.
        """
        if self.clock_path is None:
            return datetime.now(UTC)
        return self.referral.server_time(self.clock_path)

    def create_case(
        self, external_tenant_id: str, request: CreateCaseRequest, *, idempotency_key: str | None = None
    ) -> Case:
        return self._as_client(
            external_tenant_id, lambda token: self.customer.create_case(token, request, idempotency_key=idempotency_key)
        )

    def preview_case(self, external_tenant_id: str, request: PreviewCaseRequest) -> PreviewResult:
        return self._as_client(external_tenant_id, lambda token: self.customer.preview_case(token, request))

    def get_customer_case(self, external_tenant_id: str, case_id: str) -> Case:
        return self._as_client(external_tenant_id, lambda token: self.customer.get_case(token, case_id))

    def contract_status(self, external_tenant_id: str, case_id: str) -> ContractStatus:
        return self._as_client(external_tenant_id, lambda token: self.customer.contract_status(token, case_id))

    def _token(self, external_tenant_id: str) -> str:
        """The client's bearer token; Debitura mints none (404) when it holds no active link for the client."""
        try:
            return self.tokens.token_for(external_tenant_id)
        except NotFound as error:
            raise ClientNotLinked(
                f"No token for {external_tenant_id!r}: Debitura has no active link for it",
                http_status=error.http_status,
                code=error.code,
                request_id=error.request_id,
                body=error.body,
            ) from error

    def _as_client(self, external_tenant_id: str, call: Callable[[str], R]) -> R:
        """Run ``call`` with the client's token. Tokens lapse after 30 minutes with no refresh, so a 401 gets
        one fresh token and one more try; Debitura documents a second 401 as an invalid client link."""
        token = self._token(external_tenant_id)
        try:
            return call(token)
        except AuthenticationError:
            self.tokens.invalidate(external_tenant_id, token)
        token = self._token(external_tenant_id)
        try:
            return call(token)
        except AuthenticationError as error:
            self.tokens.invalidate(external_tenant_id, token)
            raise ClientLinkInvalid(
                f"The client link is invalid: a freshly minted token for {external_tenant_id!r} was rejected",
                http_status=error.http_status,
                code=error.code,
                request_id=error.request_id,
                body=error.body,
            ) from error
