"""All tables, imported here so Alembic and create_all see every model."""

from dashboard.models.audit import AuditEntry
from dashboard.models.cases import LIFECYCLE_GROUPS, PENDING_SIGNING, Case
from dashboard.models.counts import CountCache
from dashboard.models.health import DebituraHealth
from dashboard.models.operators import ROLES, Operator
from dashboard.models.second_factor import RecoveryCode, SecondFactor
from dashboard.models.sessions import OperatorSession
from dashboard.models.submissions import CaseFileUpload, CaseSubmission
from dashboard.models.sync import Lease, SyncRun
from dashboard.models.tenants import Tenant
from dashboard.models.throttle import LoginFailure
from dashboard.models.tokens import BearerToken
from dashboard.models.webhooks import WebhookEvent, WebhookRejection

__all__ = [
    "LIFECYCLE_GROUPS",
    "PENDING_SIGNING",
    "ROLES",
    "AuditEntry",
    "BearerToken",
    "Case",
    "DebituraHealth",
    "CaseFileUpload",
    "CaseSubmission",
    "CountCache",
    "Lease",
    "LoginFailure",
    "Operator",
    "OperatorSession",
    "RecoveryCode",
    "SecondFactor",
    "SyncRun",
    "Tenant",
    "WebhookEvent",
    "WebhookRejection",
]
