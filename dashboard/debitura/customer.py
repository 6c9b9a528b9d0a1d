"""The Customer API, used with a bearer token minted for one client: submitting and reading that client's cases."""

from __future__ import annotations

import random
import time
from collections.abc import Callable

import requests

from .paths import segment
from .redaction import install_redaction
from .retry import RetryPolicy
from .transport import DEFAULT_TIMEOUT, Timeout, Transport
from .types import (
    Case,
    ContractStatus,
    CreateCaseRequest,
    PreviewCaseRequest,
    PreviewResult,
)
from .types.requests import body_of


def _bearer(token: str) -> dict[str, str]:
    if not token:
        raise ValueError("a Customer API call needs a bearer token")
    return {"Authorization": f"Bearer {token}"}


class CustomerApi:
    """Stateless about identity: every call names the token, so one instance serves every client."""

    def __init__(
        self,
        base_url: str,
        *,
        session: requests.Session | None = None,
        timeout: Timeout = DEFAULT_TIMEOUT,
        max_retries: int = 2,
        max_retry_after: float = 10.0,
        sleep: Callable[[float], None] = time.sleep,
        rand: Callable[[], float] = random.random,
    ) -> None:
        install_redaction()
        self._transport = Transport(
            base_url,
            session=session,
            timeout=timeout,
            retry=RetryPolicy(max_retries=max_retries, max_retry_after=max_retry_after),
            sleep=sleep,
            rand=rand,
        )

    def __repr__(self) -> str:
        return f"CustomerApi(base_url={self.base_url!r})"

    @property
    def base_url(self) -> str:
        return self._transport.base_url

    @property
    def session(self) -> requests.Session:
        return self._transport.session

    def create_case(self, token: str, request: CreateCaseRequest, *, idempotency_key: str | None = None) -> Case:
        """Submit a case; with an ``idempotency_key`` a lost answer is retried and Debitura replays the first result."""
        response = self._transport.request(
            "POST", "/cases", json=body_of(request), headers=_bearer(token), idempotency_key=idempotency_key
        )
        return Case.from_json(response.body)

    def preview_case(self, token: str, request: PreviewCaseRequest) -> PreviewResult:
        """Price a case as this client: the answer lists what the client itself still has to sign or submit."""
        return PreviewResult.from_customer_json(
            self._transport.request(
                "POST", "/cases/preview", json=body_of(request), headers=_bearer(token), retryable=True
            ).body
        )

    def get_case(self, token: str, case_id: str) -> Case:
        return Case.from_json(self._transport.request("GET", f"/cases/{segment(case_id)}", headers=_bearer(token)).body)

    def contract_status(self, token: str, case_id: str) -> ContractStatus:
        path = f"/cases/{segment(case_id)}/contract-status"
        return ContractStatus.from_json(self._transport.request("GET", path, headers=_bearer(token)).body)
