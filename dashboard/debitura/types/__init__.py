"""Debitura's answers as frozen dataclasses, parsed once at the boundary.

Every ``from_json`` accepts camelCase, PascalCase or snake_case keys and ignores fields it does not know,
so a Debitura release that adds fields never breaks the dashboard. Money is ``Decimal``, calendar dates
are ``date`` and timestamps are aware UTC ``datetime``.
"""

from .case_listing import (
    CaseClient,
    CaseDetail,
    CaseItem,
    CasesPage,
    CasesSummary,
    PotentialRevenue,
)
from .cases import (
    Case,
    CaseValidation,
    ContractItem,
    ContractStatus,
    UploadedFile,
    ValidationItem,
)
from .clients import (
    CaseCreationFailure,
    CaseResults,
    CaseStats,
    Client,
    ClientResult,
    KycStatus,
    KycVerification,
    kyc_status,
)
from .filter_options import CountryOption, FilterOptions, PartnerOption
from .page import Page
from .parties import Company, ContactUser, Debtor, User
from .partner import AccessToken, Partner, TestWebhookResult, Webhook
from .pricing import Jurisdiction, PendingAction, PreviewResult, Pricing
from .requests import (
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
    wire_date,
)
from .revenue import (
    REVENUE_STAGES,
    RevenueBreakdown,
    RevenueBucket,
    Transaction,
    TransactionsPage,
)

__all__ = [
    "AccessToken",
    "AccessTokenRequest",
    "AgeBuckets",
    "Case",
    "CaseClient",
    "CaseCreationFailure",
    "CaseDebtor",
    "CaseDetail",
    "CaseItem",
    "CaseResults",
    "CaseStats",
    "CaseValidation",
    "CasesPage",
    "CasesSummary",
    "Client",
    "ClientDetails",
    "ClientResult",
    "ClientUser",
    "Company",
    "ContactUser",
    "ContractItem",
    "ContractStatus",
    "CountryOption",
    "CreateCaseRequest",
    "CreateClientRequest",
    "Debtor",
    "FilterOptions",
    "Jurisdiction",
    "KycStatus",
    "KycSubmission",
    "KycVerification",
    "Page",
    "Partner",
    "PartnerOption",
    "PendingAction",
    "PotentialRevenue",
    "PreviewCaseRequest",
    "PreviewResult",
    "Pricing",
    "REVENUE_STAGES",
    "RevenueBreakdown",
    "RevenueBucket",
    "TestWebhookRequest",
    "TestWebhookResult",
    "Transaction",
    "TransactionsPage",
    "UploadedFile",
    "User",
    "ValidationItem",
    "Webhook",
    "WebhookSubscription",
    "WebhookUpdate",
    "kyc_status",
    "wire_date",
]
