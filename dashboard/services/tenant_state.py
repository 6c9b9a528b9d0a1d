"""The one derived status of a tenant.

Debitura has no single status field: a client's standing is spread over the answer to
POST /clients (201, 202, 409 and its type), `onboardingDone`, the kind of onboarding URL,
the client.link_* webhooks and whether GET /clients/{id} still finds the link. This module
folds those facts into one state with a plain explanation and the next step for support staff.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from flask import current_app

from dashboard.durations import duration
from dashboard.models import Tenant
from dashboard.models.base import debitura_now

# 409 types as Debitura spells them (the docs use two names for "another partner").
NEEDS_LINKING = "ClientExistsNeedsLinking"
OTHER_PARTNER_TYPES = ("AlreadyLinkedToAnotherPartner", "ClientAlreadyLinkedToAnotherPartner")
INVALID_CLIENT_TYPE = "InvalidClientType"
DIFFERENT_TENANT = "AlreadyLinkedDifferentTenant"
CONTRACT_UPGRADE_MARKER = "/contractupgrade/sign/"


@dataclass(frozen=True)
class StateInfo:
    code: str
    label: str
    badge: str  # css modifier: ok|warn|bad|info or "" for a neutral badge
    explanation: str
    next_action: str
    action: str | None  # what the next step button does: copy_url|reissue|contact|None


@dataclass(frozen=True)
class TenantState:
    code: str
    label: str
    badge: str
    explanation: str
    next_action: str
    action: str | None = None

    @property
    def badge_class(self) -> str:
        return f"badge badge--{self.badge}" if self.badge else "badge"


STATES: tuple[StateInfo, ...] = (
    StateInfo(
        "ready",
        "Ready",
        "ok",
        "Onboarding is complete and the agreement is signed: cases can be submitted for this client.",
        "Nothing to chase. Submit cases as they come in.",
        None,
    ),
    StateInfo(
        "onboarding",
        "Onboarding in progress",
        "info",
        "The client exists at Debitura but has not finished onboarding (company details, users, signing the agreement).",
        "Send the customer the onboarding URL. If they abandoned it or it is old, re-issue a fresh URL and send that.",
        "copy_url",
    ),
    StateInfo(
        "resign_needed",
        "Contract re-sign needed",
        "warn",
        "Debitura published a new version of the debt collection agreement; the client must sign it before new cases go ahead.",
        "Send the customer the contract re-sign URL.",
        "copy_url",
    ),
    StateInfo(
        "approval_pending",
        "Link approval pending",
        "warn",
        "The company already had a Debitura account, so Debitura created a link request the customer must approve.",
        "Send the customer the approval URL and ask them to approve the link before it expires.",
        "copy_url",
    ),
    StateInfo(
        "declined",
        "Link declined",
        "bad",
        "The customer declined the link request: no link exists and no cases can be submitted for them.",
        "Talk to the customer first; re-sending the request only helps once they agree to link.",
        "contact",
    ),
    StateInfo(
        "expired",
        "Link expired",
        "bad",
        "The link request expired before the customer approved it.",
        "Re-issue the approval URL and send the fresh URL to the customer.",
        "reissue",
    ),
    StateInfo(
        "other_partner",
        "Linked to another partner",
        "bad",
        "The company is already linked to a different referral partner; Debitura allows one partner per client.",
        "Ask the customer to contact Debitura support to discuss their options.",
        "contact",
    ),
    StateInfo(
        "invalid_client_type",
        "Invalid client type",
        "bad",
        "The e-mail or company matched a Debitura account that is not a creditor (for example a collection partner).",
        "The customer needs a separate Debitura creditor account: create the client with other e-mails, "
        "or ask Debitura support if the match is unexpected.",
        "contact",
    ),
    StateInfo(
        "tenant_conflict",
        "Tenant id conflict",
        "bad",
        "This company is already linked to us under a different externalTenantId.",
        "Find the existing tenant for this company and use its tenant id; do not create a second one.",
        None,
    ),
    StateInfo(
        "withdrawn",
        "Withdrawn / archived",
        "",
        "Debitura has no active link for this tenant id: it was withdrawn or archived.",
        "If the customer should work with us again, create the client again with New client.",
        None,
    ),
)
STATE_BY_CODE = {info.code: info for info in STATES}
STATE_CODES = tuple(info.code for info in STATES)
# States with an active link at Debitura (GET /clients lists them; a 404 means it is gone).
LINKED_STATES = ("ready", "onboarding", "resign_needed")


def approval_ttl_days() -> int:
    """The partner's ApprovalTtlDays (Debitura default 7, 1 to 30); only Debitura knows it, so it is configured."""
    return int(current_app.config["DEBITURA_APPROVAL_TTL_DAYS"])


def _code(tenant: Tenant, now: datetime) -> str:
    if tenant.withdrawn_at is not None or tenant.missing_since is not None:
        return "withdrawn"
    conflict = tenant.conflict_type
    if conflict in OTHER_PARTNER_TYPES:
        return "other_partner"
    if conflict == INVALID_CLIENT_TYPE:
        return "invalid_client_type"
    if conflict == DIFFERENT_TENANT:
        return "tenant_conflict"
    request_status = tenant.link_request_status
    if conflict == NEEDS_LINKING or request_status in ("pending", "declined", "expired"):
        if request_status == "declined":
            return "declined"
        if request_status == "expired":
            return "expired"
        if request_status != "approved":
            # Debitura's hourly job may not have fired yet; past the deadline the URL no longer works.
            if tenant.approval_expires_at is not None and now >= tenant.approval_expires_at:
                return "expired"
            return "approval_pending"
    if tenant.onboarding_url and CONTRACT_UPGRADE_MARKER in tenant.onboarding_url.lower():
        return "resign_needed"
    if tenant.onboarding_done:
        return "ready"
    return "onboarding"


def derive_state(tenant: Tenant, now: datetime | None = None) -> TenantState:
    """The tenant's state, with an explanation specific to this tenant where the facts allow."""
    now = now or debitura_now()
    info = STATE_BY_CODE[_code(tenant, now)]
    explanation = info.explanation
    if info.code == "approval_pending" and tenant.approval_expires_at is not None:
        left = tenant.approval_expires_at - now
        explanation += (
            f" It expires in {duration(left)}." if left.total_seconds() >= 60 else " It expires in under a minute."
        )
    elif info.code == "onboarding" and tenant.onboarding_started_at is not None:
        days = (now - tenant.onboarding_started_at).days
        if days >= 1:
            explanation += f" It started {days} day{'s' if days != 1 else ''} ago."
    elif info.code in ("other_partner", "invalid_client_type", "tenant_conflict") and tenant.conflict_message:
        explanation += f" Debitura said: “{tenant.conflict_message}”"
    return TenantState(info.code, info.label, info.badge, explanation, info.next_action, info.action)


def refusal_state(conflict_type: str | None, message: str | None = None) -> TenantState:
    """What a hard 409 from POST /clients means, without touching any tenant (a refusal for a tenant
    we already know leaves its row as it was)."""
    if conflict_type in OTHER_PARTNER_TYPES:
        info = STATE_BY_CODE["other_partner"]
    elif conflict_type == INVALID_CLIENT_TYPE:
        info = STATE_BY_CODE["invalid_client_type"]
    elif conflict_type == DIFFERENT_TENANT:
        info = STATE_BY_CODE["tenant_conflict"]
    else:
        info = StateInfo(
            "refused",
            "Refused by Debitura",
            "bad",
            "Debitura refused to create or link the client.",
            "Check the details and try again; ask Debitura support if the refusal is unexpected.",
            None,
        )
    explanation = info.explanation + (f" Debitura said: “{message}”" if message else "")
    return TenantState(info.code, info.label, info.badge, explanation, info.next_action, info.action)


def refresh_state(tenant: Tenant, now: datetime | None = None, *, since: datetime | None = None) -> TenantState:
    """Store the derived state on the row (lists filter and count on it) and, on Debitura's clock,
    since when it holds: `since` (the moment of the fact that changed it) or `now`."""
    now = now or debitura_now()
    state = derive_state(tenant, now)
    if tenant.state != state.code or tenant.state_changed_at is None:
        tenant.state = state.code
        tenant.state_changed_at = since or now
    return state


def state_info(code: str) -> StateInfo:
    return STATE_BY_CODE.get(code, STATE_BY_CODE["onboarding"])
