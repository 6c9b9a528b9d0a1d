"""Apply Debitura's webhook events to the mirror, in whatever order and however often they arrive.

Events are ordered by their own `timestamp` against the newest fact a facet already holds
(see `mirror`), so a late `client.link_requested` never reopens a link that is approved, and
a replayed `case.updated` never moves a closed case back. The caller stores the event and
commits; this module only changes mirror rows and says what it did.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime
from types import SimpleNamespace
from typing import Any

from sqlalchemy import insert, select, update

from dashboard.debitura.fields import moment
from dashboard.extensions import db
from dashboard.models import PENDING_SIGNING, Case, Tenant
from dashboard.models.webhooks import APPLIED, RECORDED, STALE, UNKNOWN_TYPE
from dashboard.services.mirror import (
    assign,
    at_least_as_new,
    case_search_text,
    fit,
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
    tenant.last_seen_at = debitura_now()  # Debitura's clock, like every fact beside it
    tenant.last_seen_source = "webhook"
    refresh_state(tenant, debitura_now(), since=occurred_at)
    return outcome


# What a case event can change, read and written as plain rows: the receiver applies thousands of
# events a minute, and a whole ORM case (some forty columns) per event was most of its cost.
_CASE_FACTS = (
    Case.reference,
    Case.external_tenant_id,
    Case.tenant_id,
    Case.client_name,
    Case.lifecycle,
    Case.lifecycle_as_of,
    Case.signing_url,
    Case.close_code,
    Case.creditor_reference,
    Case.debtor_name,
)
_NO_CASE = dict.fromkeys(column.key for column in _CASE_FACTS)


def _case_event(event_type: str, data: Mapping[str, Any], occurred_at: datetime) -> str:
    case_id = data.get("caseId")
    if not isinstance(case_id, str) or not case_id:
        return RECORDED
    connection = db.session.connection()
    found = connection.execute(select(*_CASE_FACTS).where(Case.id == case_id).with_for_update()).mappings().first()
    before = dict(found) if found is not None else dict(_NO_CASE)
    after = dict(before)
    if isinstance(data.get("reference"), str):
        after["reference"] = fit(Case, "reference", data["reference"])
    external_tenant_id = data.get("externalTenantId")
    if isinstance(external_tenant_id, str) and external_tenant_id:
        after["external_tenant_id"] = fit(Case, "external_tenant_id", external_tenant_id)
    # A case already tied to its tenant needs no lookup.
    moved = after["external_tenant_id"] != before["external_tenant_id"]
    if after["external_tenant_id"] and (after["tenant_id"] is None or moved):
        owner = connection.execute(
            select(Tenant.id, Tenant.company_name).where(Tenant.external_tenant_id == after["external_tenant_id"])
        ).first()
        if owner is not None:
            after["tenant_id"] = owner.id
            after["client_name"] = after["client_name"] or owner.company_name
    outcome = _case_lifecycle(after, event_type, data, occurred_at)
    after["search_text"] = case_search_text(SimpleNamespace(**after))
    after["last_seen_at"], after["last_seen_source"] = debitura_now(), "webhook"
    if found is None:
        connection.execute(
            insert(Case).values(
                id=fit(Case, "id", case_id),
                is_test=False,
                needs_info=False,
                validation_items=[],
                solution_urls=[],
                **after,
            )
        )
    else:
        changes = {name: value for name, value in after.items() if name not in before or before[name] != value}
        # Only if no newer fact landed since the read: SQLite ignores FOR UPDATE and reads outside the
        # write transaction, so another worker may have written in between; the receiver then tries again.
        as_read = before["lifecycle_as_of"]
        unchanged = Case.lifecycle_as_of.is_(None) if as_read is None else Case.lifecycle_as_of == as_read
        written = connection.execute(update(Case).where(Case.id == case_id, unchanged).values(**changes))
        if written.rowcount == 0:
            raise LostRace(f"case {case_id} changed while this event was applied")
    return outcome


class LostRace(Exception):
    """Another transaction changed the row between this one's read and its write: try the whole event again."""


def _case_lifecycle(case: dict[str, Any], event_type: str, data: Mapping[str, Any], occurred_at: datetime) -> str:
    """The event's lifecycle onto `case`, unless the case already holds a newer fact (then STALE)."""
    lifecycle = data.get("lifecycle") or data.get("newLifecycle")
    if event_type == "case.closed":
        lifecycle = lifecycle or "Closed"
    if not isinstance(lifecycle, str) or not lifecycle:
        return APPLIED
    if not at_least_as_new(case["lifecycle_as_of"], occurred_at):
        return STALE
    case["lifecycle"] = fit(Case, "lifecycle", lifecycle)
    if case["lifecycle"] != PENDING_SIGNING:
        case["signing_url"] = None  # the signing URL only unblocks a case waiting for signatures
    case["lifecycle_as_of"] = occurred_at
    if event_type == "case.closed":
        case["close_code"] = (
            fit(Case, "close_code", data["closeCode"]) if isinstance(data.get("closeCode"), str) else None
        )
    return APPLIED


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
