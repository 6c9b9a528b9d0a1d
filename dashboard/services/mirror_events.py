"""Apply Debitura's webhook events to the mirror, in whatever order and however often they arrive.

Events are ordered by their own `timestamp` against the newest fact a facet already holds
(see `mirror`), so a late `client.link_requested` never reopens a link that is approved, and
a replayed `case.updated` never moves a closed case back. The caller stores the event and
commits; this module only changes mirror rows and says what it did.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime
from typing import Any

from sqlalchemy import select

from dashboard.debitura.fields import moment
from dashboard.extensions import db
from dashboard.models import Case, Tenant
from dashboard.models.base import now_utc
from dashboard.models.webhooks import APPLIED, RECORDED, STALE, UNKNOWN_TYPE
from dashboard.services.mirror import (
    apply_lifecycle,
    assign,
    at_least_as_new,
    case_search_text,
    search_text_for,
    set_deadline,
    tenant_for,
)
from dashboard.services.tenant_state import NEEDS_LINKING, debitura_now, refresh_state


def _creditor_facts(tenant: Tenant, creditor: Any) -> None:
    if not isinstance(creditor, Mapping):
        return
    if creditor.get("id"):
        assign(tenant, "creditor_id", str(creditor["id"]))
    if creditor.get("companyName") and not tenant.company_name:
        tenant.company_name = str(creditor["companyName"])
    if creditor.get("registrationNumber") and not tenant.registration_number:
        tenant.registration_number = str(creditor["registrationNumber"])
    if isinstance(creditor.get("isAttributed"), bool):
        assign(tenant, "is_attributed", creditor["isAttributed"])
    assign(tenant, "search_text", search_text_for(tenant))


def _link_event(tenant: Tenant, event_type: str, data: Mapping[str, Any], occurred_at: datetime) -> str:
    if not at_least_as_new(tenant.link_as_of, occurred_at):
        return STALE
    assign(tenant, "withdrawn_at", None)
    assign(tenant, "missing_since", None)
    if event_type == "client.linked":
        assign(tenant, "conflict_type", None)
        assign(tenant, "conflict_message", None)
        assign(tenant, "link_request_status", "approved")
        assign(tenant, "approval_url", None)
        assign(tenant, "approval_expires_at", None)
        if tenant.date_linked is None:
            tenant.date_linked = occurred_at
    elif event_type == "client.link_requested":
        opened = tenant.link_request_status != "pending"
        assign(tenant, "conflict_type", NEEDS_LINKING)
        assign(tenant, "link_request_status", "pending")
        assign(tenant, "is_attributed", False)
        if opened or tenant.approval_requested_at is None:
            tenant.approval_requested_at = occurred_at
        deadline = moment(data.get("expiresAt"))
        if deadline is not None or opened or tenant.approval_expires_at is None:
            set_deadline(tenant, deadline, occurred_at)
    else:
        assign(tenant, "conflict_type", NEEDS_LINKING)
        assign(tenant, "link_request_status", "declined" if event_type == "client.link_declined" else "expired")
    tenant.link_as_of = occurred_at
    return APPLIED


def _onboarding_event(tenant: Tenant, event_type: str, occurred_at: datetime) -> str:
    if event_type != "client.onboarding.contract_signed":
        return RECORDED  # the PoA alone does not finish onboarding: wait for contract_signed
    if not at_least_as_new(tenant.onboarding_as_of, occurred_at):
        return STALE
    assign(tenant, "onboarding_done", True)
    assign(tenant, "onboarding_url", None)
    tenant.onboarding_as_of = occurred_at
    return APPLIED


def _client_event(event_type: str, data: Mapping[str, Any], occurred_at: datetime) -> str:
    external_tenant_id = data.get("externalTenantId")
    if not isinstance(external_tenant_id, str) or not external_tenant_id:
        return RECORDED
    tenant = tenant_for(external_tenant_id)
    _creditor_facts(tenant, data.get("creditor"))
    if event_type.startswith("client.onboarding."):
        outcome = _onboarding_event(tenant, event_type, occurred_at)
    else:
        outcome = _link_event(tenant, event_type, data, occurred_at)
    tenant.last_seen_at = now_utc()
    tenant.last_seen_source = "webhook"
    refresh_state(tenant, debitura_now())
    return outcome


def _case_event(event_type: str, data: Mapping[str, Any], occurred_at: datetime) -> str:
    case_id = data.get("caseId")
    if not isinstance(case_id, str) or not case_id:
        return RECORDED
    case = db.session.get(Case, case_id, with_for_update={"of": Case})
    if case is None:
        case = Case(id=case_id, is_test=False, needs_info=False, validation_items=[], solution_urls=[], search_text="")
        db.session.add(case)
    if isinstance(data.get("reference"), str):
        assign(case, "reference", data["reference"])
    external_tenant_id = data.get("externalTenantId")
    if isinstance(external_tenant_id, str) and external_tenant_id:
        assign(case, "external_tenant_id", external_tenant_id)
        owner = db.session.execute(
            select(Tenant.id, Tenant.company_name).where(Tenant.external_tenant_id == external_tenant_id)
        ).first()
        if owner is not None:
            assign(case, "tenant_id", owner.id)
            if not case.client_name:
                case.client_name = owner.company_name
    lifecycle = data.get("lifecycle") or data.get("newLifecycle")
    if event_type == "case.closed":
        lifecycle = lifecycle or "Closed"
    outcome = APPLIED
    if isinstance(lifecycle, str) and lifecycle:
        if at_least_as_new(case.lifecycle_as_of, occurred_at):
            apply_lifecycle(case, lifecycle, as_of=occurred_at)
            if event_type == "case.closed":
                assign(case, "close_code", data.get("closeCode") if isinstance(data.get("closeCode"), str) else None)
        else:
            outcome = STALE
    case.last_seen_at = now_utc()
    case.last_seen_source = "webhook"
    assign(case, "search_text", case_search_text(case))
    return outcome


CLIENT_EVENTS = (
    "client.onboarding.poa_signed",
    "client.onboarding.contract_signed",
    "client.linked",
    "client.link_declined",
    "client.link_requested",
    "client.link_expired",
)
CASE_EVENTS = ("case.created", "case.updated", "case.closed")
KNOWN_EVENTS = (*CLIENT_EVENTS, *CASE_EVENTS, "cases.replay_failed")


def apply_event(event_type: str, data: Mapping[str, Any], *, occurred_at: datetime) -> str:
    """Apply one webhook to the mirror (caller commits); returns the outcome to record on the event."""
    if event_type in CLIENT_EVENTS:
        return _client_event(event_type, data, occurred_at)
    if event_type in CASE_EVENTS:
        return _case_event(event_type, data, occurred_at)
    if event_type in KNOWN_EVENTS:
        return RECORDED  # cases.replay_failed: shown in the log and the tenant timeline, nothing to mirror
    return UNKNOWN_TYPE
