"""How a sandbox instance is configured, and the public URLs it hands out."""

from __future__ import annotations

from dataclasses import dataclass
from urllib.parse import quote, urlencode


@dataclass(frozen=True)
class SandboxConfig:
    database_url: str = "sqlite:///instance/sandbox.db"
    api_key: str = "sandbox-key"
    # Absolute base of the URLs handed to customers; mount_prefix is where the app sits under it.
    public_url: str = "http://127.0.0.1:5001"
    mount_prefix: str = ""
    # A fixed default so that several processes sharing one database accept each other's tokens.
    jwt_secret: str = "sandbox-jwt-secret-change-me-0123456789abcdef"
    approval_ttl_days: int = 7
    auto_deliver: bool = True
    rate_limit_per_minute: int = 2000
    # Debitura's 429 may or may not carry a Retry-After header; the body's retryAfter is always there.
    rate_limit_retry_after_header: bool = True
    # Real-HTTP mode only: how long a timeout fault stalls a request (longer than a client waits).
    stall_seconds: float = 15.0

    def __post_init__(self) -> None:
        if not 1 <= self.approval_ttl_days <= 30:
            raise ValueError("approval_ttl_days must be between 1 and 30")
        if self.mount_prefix and (not self.mount_prefix.startswith("/") or self.mount_prefix.endswith("/")):
            raise ValueError("mount_prefix must look like '/sandbox' (or be empty)")

    @property
    def base_url(self) -> str:
        return self.public_url.rstrip("/") + self.mount_prefix


@dataclass(frozen=True)
class SandboxUrls:
    """Every URL the sandbox puts in a response, built from the public base."""

    base: str

    @property
    def referral_api(self) -> str:
        return f"{self.base}/referral-api"

    @property
    def customer_api(self) -> str:
        return f"{self.base}/customer-api"

    @property
    def ui(self) -> str:
        return f"{self.base}/ui"

    @property
    def control(self) -> str:
        return f"{self.base}/control"

    def creditor_app(self, path: str) -> str:
        """A page of Debitura's Creditor app, where a task's human resolution lives (not hosted here)."""
        return f"{self.ui}/Creditor/{path}"

    def onboarding(self, link_id: str) -> str:
        # No query of its own: partners append `?returnUrl=…` to it as handed out.
        return f"{self.ui}/onboarding/companydetails/{link_id}"

    def contract_upgrade(self, link_id: str) -> str:
        return f"{self.ui}/ContractUpgrade/Sign/{link_id}"

    def approve(self, token: str) -> str:
        return f"{self.ui}/ReferralPartner/Approve?token={token}"

    def choice(self, token: str) -> str:
        return f"{self.ui}/ReferralPartner/Choice?token={token}"

    def power_of_attorney(self, link_id: str, collection_partner_id: str) -> str:
        return f"{self.ui}/PowerOfAttorney/Sign/{link_id}?collectionPartnerId={collection_partner_id}"

    def kyc(self, link_id: str) -> str:
        return f"{self.ui}/Kyc/{link_id}"

    def combined_signing(self, link_id: str, return_url: str | None = None) -> str:
        query = {"link": link_id}
        if return_url:
            query["returnUrl"] = return_url
        return f"{self.ui}/Signing/PendingContracts?{urlencode(query, quote_via=quote)}"

    def client(self, external_tenant_id: str) -> str:
        return f"{self.referral_api}/clients/{quote(external_tenant_id, safe='')}"
