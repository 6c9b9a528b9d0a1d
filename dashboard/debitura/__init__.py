"""Client for Debitura's Referral Partner API and Customer API.

A plain library: it knows nothing of Flask or the dashboard; the app builds a ``DebituraClient`` and keeps it.

    referral = ReferralApi("https://testreferral-api.debitura.com", api_key)
    customer = CustomerApi("https://testcustomer-api.debitura.com")
    debitura = DebituraClient(referral, customer, TokenCache(referral, MemoryTokenStore()))
    result = debitura.referral.create_client(payload)        # ClientResult(status=201|202, client=Client)
    case = debitura.create_case("tenant-1", case_payload, idempotency_key=form_key)
"""

from .client import DebituraClient
from .customer import CustomerApi
from .error_bodies import BusinessError
from .errors import (
    AuthenticationError,
    BusinessRuleError,
    ClientLinkInvalid,
    ClientNotLinked,
    Conflict,
    DebituraConnectionError,
    DebituraError,
    IdempotencyConflict,
    InvalidRequest,
    NotFound,
    PayloadTooLarge,
    PermissionDenied,
    RateLimited,
    ServerError,
    UnsupportedMediaType,
    error_from_response,
)
from .redaction import RedactSecrets, install_redaction, redact, register_secret
from .referral import ReferralApi
from .retry import RetryPolicy
from .tokens import CachedToken, MemoryTokenStore, TokenCache, TokenStore
from .types import (
    AccessToken,
    Case,
    CaseDetail,
    CaseItem,
    CasesPage,
    CasesSummary,
    Client,
    ClientResult,
    Company,
    ContractItem,
    ContractStatus,
    FilterOptions,
    KycVerification,
    Page,
    Partner,
    PendingAction,
    PreviewResult,
    Pricing,
    RevenueBreakdown,
    RevenueBucket,
    Transaction,
    TransactionsPage,
    UploadedFile,
    Webhook,
)

__all__ = [
    "AccessToken",
    "AuthenticationError",
    "BusinessError",
    "BusinessRuleError",
    "CachedToken",
    "Case",
    "CaseDetail",
    "CaseItem",
    "CasesPage",
    "CasesSummary",
    "Client",
    "ClientLinkInvalid",
    "ClientNotLinked",
    "ClientResult",
    "Company",
    "Conflict",
    "ContractItem",
    "ContractStatus",
    "CustomerApi",
    "DebituraClient",
    "DebituraConnectionError",
    "DebituraError",
    "FilterOptions",
    "IdempotencyConflict",
    "InvalidRequest",
    "KycVerification",
    "MemoryTokenStore",
    "NotFound",
    "Page",
    "Partner",
    "PayloadTooLarge",
    "PendingAction",
    "PermissionDenied",
    "PreviewResult",
    "Pricing",
    "RateLimited",
    "RedactSecrets",
    "ReferralApi",
    "RetryPolicy",
    "RevenueBreakdown",
    "RevenueBucket",
    "ServerError",
    "TokenCache",
    "TokenStore",
    "Transaction",
    "TransactionsPage",
    "UnsupportedMediaType",
    "UploadedFile",
    "Webhook",
    "error_from_response",
    "install_redaction",
    "redact",
    "register_secret",
]
