"""Keep the local mirror of tenants and cases in step with what Debitura says.

Facts arrive three ways: API answers (POST /clients, GET /clients, GET /cases), webhooks
(at least once, in any order) and our own actions (withdraw). Every fact carries a time on
Debitura's clock: an event its `timestamp`, an answer the moment it was fetched. A facet
(a tenant's link, its onboarding, a case's lifecycle) only takes a fact at least as new as
the newest it already holds, so a late webhook or a slow sync page never moves anything back.
An answer is stamped with the moment we asked, never when it arrived: the webhooks a call fires
are stamped while Debitura handles it, and must count as at least as new as its answer.

This module takes answers and our own actions; `mirror_events` applies webhooks by the same rule.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from datetime import datetime, timedelta
from types import SimpleNamespace
from typing import Any
from urllib.parse import urlsplit

from sqlalchemy import select

from dashboard.debitura import CreateClientRequest
from dashboard.debitura.errors import Conflict
from dashboard.debitura.fields import moment
from dashboard.debitura.types import Case as CustomerCase
from dashboard.debitura.types import CaseItem, Client
from dashboard.extensions import db
from dashboard.models import PENDING_SIGNING, Case, Tenant
from dashboard.services.tenant_state import (
    NEEDS_LINKING,
    approval_ttl_days,
    debitura_now,
    refresh_state,
)

# Columns whose change makes a sighting count as "changed" in sync statistics.
_TENANT_FACTS = (
    "creditor_id",
    "company_name",
    "registration_number",
    "country",
    "address",
    "city",
    "zip_code",
    "support_email",
    "users",
    "is_attributed",
    "fee_percentage_snapshot",
    "date_linked",
    "onboarding_done",
    "onboarding_url",
    "conflict_type",
    "link_request_status",
    "approval_url",
    "withdrawn_at",
    "missing_since",
    "kyc_status",
    "kyc_submitted_at",
    "kyc_review_status",
    "cases_total",
    "cases_closed",
    "earnings_usd",
    "state",
)
_CASE_FACTS = (
    "tenant_id",
    "external_tenant_id",
    "client_name",
    "reference",
    "creditor_reference",
    "debtor_name",
    "debtor_country",
    "gross_amount",
    "remainder",
    "currency",
    "lifecycle",
    "close_code",
    "engagement_phase",
    "collection_partner",
    "is_test",
    "due_date",
    "date_finished",
    "needs_info",
    "signing_url",
)


def _snapshot(row: Any, columns: Iterable[str]) -> tuple:
    return tuple(getattr(row, name) for name in columns)


def at_least_as_new(current: datetime | None, candidate: datetime | None) -> bool:
    """True when `candidate` is at least as new as `current` (unknown times never block)."""
    return current is None or candidate is None or candidate >= current


def fit(row: Any, name: str, value: Any) -> Any:
    """Text from Debitura as column `name` of `row` (a model or one of its rows) can hold it: NUL bytes
    dropped (PostgreSQL refuses them) and cut to the column's length, so one oversized or hostile
    value never fails a whole sync or webhook."""
    if not isinstance(value, str):
        return value
    value = value.replace("\x00", "")
    column = row.__table__.columns.get(name)
    length = getattr(column.type, "length", None) if column is not None else None
    return value[:length] if length else value


def assign(row: Any, name: str, value: Any) -> None:
    """Assign only real changes, so unchanged rows are not rewritten and `updated_at` means something."""
    value = fit(row, name, value)
    if getattr(row, name) != value:
        setattr(row, name, value)


# ---------------------------------------------------------------- tenants


def find_tenant(external_tenant_id: str, *, lock: bool = False) -> Tenant | None:
    query = select(Tenant).where(Tenant.external_tenant_id == external_tenant_id)
    if lock:
        query = query.with_for_update()
    return db.session.scalar(query)


def tenant_for(external_tenant_id: str) -> Tenant:
    """The tenant row for this id, locked where the database can; a new (unsaved) row when unknown."""
    tenant = find_tenant(external_tenant_id, lock=True)
    if tenant is None:
        tenant = Tenant(external_tenant_id=external_tenant_id, company_name="", users=[], kyc_blocked_cases=0)
        db.session.add(tenant)
    return tenant


def search_text_for(tenant: Tenant) -> str:
    parts = [tenant.company_name, tenant.external_tenant_id, tenant.registration_number, tenant.support_email]
    parts += [user.get("email") for user in tenant.users or []]
    parts += [user.get("name") for user in tenant.users or []]
    return " ".join(part for part in parts if part).lower()


def _users_from_client(client: Client, previous: list[dict]) -> list[dict]:
    """Debitura reports users without the onboarding flag; keep the flag we sent, matched by e-mail."""
    flagged = {(user.get("email") or "").lower() for user in previous if user.get("isOnboardingUser")}
    return [
        {"email": user.email, "name": user.name, "isOnboardingUser": (user.email or "").lower() in flagged}
        for user in client.users
    ]


def _same_page(stored: str | None, fresh: str | None) -> bool:
    """Both URLs open the same hosted page (they differ at most in the query string)."""
    if not stored or not fresh:
        return False
    return urlsplit(stored)._replace(query="") == urlsplit(fresh)._replace(query="")


def apply_client(tenant: Tenant, client: Client, *, source: str, as_of: datetime, status: int | None = None) -> bool:
    """Copy one `Client` answer onto its tenant row; True when anything meaningful changed."""
    before = _snapshot(tenant, _TENANT_FACTS)
    company = client.company
    if company is not None:
        for column, value in (
            ("creditor_id", company.id),
            ("company_name", company.company_name),
            ("registration_number", company.company_registration_number),
            ("country", company.country),
            ("address", company.address),
            ("city", company.city),
            ("zip_code", company.zip_code),
            ("support_email", company.office_email),
        ):
            if value is not None:
                assign(tenant, column, value)
    if client.users:
        assign(tenant, "users", _users_from_client(client, tenant.users or []))
    if client.is_attributed_client is not None:
        assign(tenant, "is_attributed", client.is_attributed_client)
    if client.date_linked is not None:
        assign(tenant, "date_linked", client.date_linked)
    if client.referral_fee_percentage_snapshot is not None:
        assign(tenant, "fee_percentage_snapshot", client.referral_fee_percentage_snapshot)
    if client.case_stats is not None:
        assign(tenant, "cases_total", client.case_stats.cases_total)
        assign(tenant, "cases_closed", client.case_stats.cases_closed)
        assign(tenant, "earnings_usd", client.case_stats.earnings_usd)
        tenant.case_stats_as_of = as_of
    if client.kyc_status is not None:
        assign(tenant, "kyc_status", client.kyc_status)
    if client.kyc_verification is not None and client.kyc_verification.date_created is not None:
        assign(tenant, "kyc_submitted_at", client.kyc_verification.date_created)
        assign(tenant, "kyc_review_status", client.kyc_verification.verification_status)

    if at_least_as_new(tenant.link_as_of, as_of):
        # An answer describing the client means an active link exists for this tenant id.
        assign(tenant, "withdrawn_at", None)
        assign(tenant, "missing_since", None)
        assign(tenant, "conflict_type", None)
        assign(tenant, "conflict_message", None)
        if tenant.link_request_status in ("pending", "declined", "expired"):
            assign(tenant, "link_request_status", "approved")
        assign(tenant, "approval_url", None)
        assign(tenant, "approval_expires_at", None)
        tenant.link_as_of = as_of
    if at_least_as_new(tenant.onboarding_as_of, as_of):
        done = client.onboarding_done
        if status == 201:
            done = True
        elif status == 202:
            done = False
        assign(tenant, "onboarding_done", done)
        url = None if status == 201 else client.onboarding_url
        # Debitura hands out the same onboarding page with a fresh session parameter on every read; a read
        # keeps the URL we have (and may already have sent), only POST /clients (a re-issue) replaces it.
        if status is not None or not _same_page(tenant.onboarding_url, url):
            assign(tenant, "onboarding_url", url)
        if not done and tenant.onboarding_started_at is None:
            tenant.onboarding_started_at = client.date_linked or as_of
        tenant.onboarding_as_of = as_of

    tenant.last_seen_at = as_of  # Debitura's clock, like every fact beside it
    tenant.last_seen_source = source
    assign(tenant, "search_text", search_text_for(tenant))
    refresh_state(tenant, as_of)
    return _snapshot(tenant, _TENANT_FACTS) != before or tenant.id is None


def upsert_tenant_from_client(
    client: Client, *, source: str, status: int | None = None, as_of: datetime | None = None, commit: bool = True
) -> Tenant:
    """Create or update the tenant a `Client` answer describes (201/202 from POST /clients, GET /clients)."""
    if not client.external_tenant_id:
        raise ValueError("Debitura's answer names no externalTenantId")
    as_of = as_of or debitura_now()
    tenant = tenant_for(client.external_tenant_id)
    apply_client(tenant, client, source=source, as_of=as_of, status=status)
    if commit:
        db.session.commit()
    return tenant


def apply_request_details(tenant: Tenant, request: CreateClientRequest) -> None:
    """Remember what we sent in POST /clients: it is all we know of a client Debitura refused with a 409."""
    details = request.client
    for column, value in (
        ("company_name", details.name),
        ("registration_number", details.registration_number),
        ("country", details.country),
        ("address", details.address),
        ("city", details.city),
        ("zip_code", details.zip_code),
        ("region", details.state),
        ("support_email", details.support_email),
        ("support_phone", details.support_phone),
    ):
        if value:
            assign(tenant, column, value)
    if request.users:
        # Stored as the tenant page and a re-issue read them (`Tenant.users`).
        assign(
            tenant,
            "users",
            [
                {"email": user.email, "name": user.name, "isOnboardingUser": user.is_onboarding_user}
                for user in request.users
            ],
        )
    assign(tenant, "search_text", search_text_for(tenant))


def set_deadline(tenant: Tenant, deadline: datetime | None, requested_at: datetime) -> None:
    """Debitura's own deadline when it sends one; otherwise ApprovalTtlDays from when we saw the request."""
    if deadline is not None:
        assign(tenant, "approval_expires_at", deadline)
        assign(tenant, "approval_deadline_estimated", False)
    else:
        tenant.approval_expires_at = requested_at + timedelta(days=approval_ttl_days())
        tenant.approval_deadline_estimated = True


def record_conflict(
    external_tenant_id: str,
    conflict: Conflict,
    *,
    request: CreateClientRequest | None = None,
    source: str = "api",
    as_of: datetime | None = None,
    commit: bool = True,
) -> Tenant:
    """A 409 from POST /clients: the tenant row exists anyway, since the tenant id is ours."""
    as_of = as_of or debitura_now()
    tenant = tenant_for(external_tenant_id)
    if request is not None:
        apply_request_details(tenant, request)
    if at_least_as_new(tenant.link_as_of, as_of):
        assign(tenant, "withdrawn_at", None)
        assign(tenant, "missing_since", None)
        assign(tenant, "conflict_type", conflict.conflict_type)
        assign(
            tenant, "conflict_message", conflict.message if conflict.message != conflict.default_user_message else None
        )
        if conflict.conflict_type == NEEDS_LINKING:
            # A pending request whose URL we lack is this one, announced by its webhook first.
            fresh = tenant.link_request_status != "pending" or tenant.approval_url not in (None, conflict.approval_url)
            assign(tenant, "link_request_status", "pending")
            assign(tenant, "is_attributed", False)
            if conflict.approval_url:
                assign(tenant, "approval_url", conflict.approval_url)
            if fresh or tenant.approval_expires_at is None:
                tenant.approval_requested_at = as_of
                set_deadline(tenant, moment((conflict.data or {}).get("expiresAt")), as_of)
        else:
            assign(tenant, "link_request_status", None)
            assign(tenant, "approval_url", None)
            assign(tenant, "approval_expires_at", None)
        tenant.link_as_of = as_of
    elif (
        conflict.conflict_type == NEEDS_LINKING and tenant.link_request_status == "pending" and not tenant.approval_url
    ):
        # Its webhook was applied first; only this answer carries the URL the customer needs.
        assign(tenant, "approval_url", conflict.approval_url)
    tenant.last_seen_at = as_of  # Debitura's clock, like every fact beside it
    tenant.last_seen_source = source
    refresh_state(tenant, as_of)
    if commit:
        db.session.commit()
    return tenant


def mark_missing(tenant: Tenant, *, source: str, as_of: datetime | None = None) -> bool:
    """GET /clients/{id} answered 404: no active link (withdrawn or archived at Debitura)."""
    as_of = as_of or debitura_now()
    if not at_least_as_new(tenant.link_as_of, as_of):
        return False
    changed = tenant.missing_since is None
    if changed:
        tenant.missing_since = as_of
    tenant.link_as_of = as_of
    tenant.last_seen_at = as_of  # Debitura's clock, like every fact beside it
    tenant.last_seen_source = source
    refresh_state(tenant, as_of)
    return changed


def mark_withdrawn(tenant: Tenant, *, as_of: datetime | None = None) -> None:
    """We withdrew the link ourselves (POST /clients/{id}/withdraw answered 204)."""
    as_of = as_of or debitura_now()
    tenant.withdrawn_at = as_of
    tenant.link_as_of = as_of
    tenant.last_seen_source = "operator"
    refresh_state(tenant, as_of)


def expire_overdue_approvals(now: datetime | None = None) -> int:
    """Link requests past their deadline become expired now, not when the hourly webhook arrives."""
    now = now or debitura_now()
    overdue = db.session.scalars(
        select(Tenant).where(Tenant.state == "approval_pending", Tenant.approval_expires_at <= now)
    ).all()
    for tenant in overdue:
        refresh_state(tenant, now)
    if overdue:
        db.session.commit()
    return len(overdue)


# ---------------------------------------------------------------- cases


def _case_fields(item: CaseItem | CustomerCase) -> dict[str, Any]:
    """The mirror's columns from either API's case shape (fields a shape lacks are left out)."""
    fields: dict[str, Any] = {
        "reference": item.reference,
        "creditor_reference": item.creditor_reference,
        "gross_amount": item.gross_amount,
        "remainder": item.remainder,
        "currency": item.currency,
        "close_code": item.close_code,
        "engagement_phase": item.current_engagement_phase,
        "date_created": item.date_created,
        "due_date": item.due_date,
        "date_collection_started": item.date_collection_started,
        "date_finished": item.date_finished,
        "needs_info": item.validation.needs_info,
        "validation_items": [
            {"resolutionArea": entry.resolution_area, "description": entry.description}
            for entry in item.validation.items
        ],
    }
    if isinstance(item, CustomerCase):
        fields["is_test"] = item.is_test_case
        fields["collection_partner"] = item.collection_partner_name
        if item.debtor is not None:
            fields["debtor_name"] = item.debtor.name
            fields["debtor_country"] = item.debtor.country or item.debtor.country_alpha2
        if item.creditor is not None and item.creditor.company_name:
            fields["client_name"] = item.creditor.company_name
        if item.signing_handoff_url:
            fields["signing_url"] = item.signing_handoff_url
        if item.solution_url:
            fields["solution_urls"] = [item.solution_url]
    else:
        fields["collection_partner"] = item.collection_partner
        fields["debtor_name"] = item.debtor_name
        fields["debtor_country"] = item.debtor_country
        fields["expected_referral_rate"] = item.expected_referral_rate_percentage
        if item.client is not None:
            fields["external_tenant_id"] = item.client.external_tenant_id
            fields["client_name"] = item.client.company_name
    return {
        name: value for name, value in fields.items() if value is not None or name in ("close_code", "date_finished")
    }


def case_search_text(case: Case | SimpleNamespace) -> str:
    """From an ORM row, or from the column values a webhook writes without one."""
    parts = (case.reference, case.creditor_reference, case.debtor_name, case.client_name, case.external_tenant_id)
    return " ".join(part for part in parts if part).lower()


def apply_lifecycle(case: Case, lifecycle: str | None, *, as_of: datetime) -> None:
    if lifecycle is None or not at_least_as_new(case.lifecycle_as_of, as_of):
        return
    assign(case, "lifecycle", lifecycle)
    if lifecycle != PENDING_SIGNING:
        # The signing URL only unblocks a case waiting for signatures.
        assign(case, "signing_url", None)
    case.lifecycle_as_of = as_of


def apply_case(
    case: Case, item: CaseItem | CustomerCase, *, source: str, as_of: datetime, tenants: Mapping[str, Tenant]
) -> bool:
    """Copy one case answer onto its row; `tenants` maps externalTenantId (or creditor id) to tenant rows."""
    before = _snapshot(case, _CASE_FACTS)
    fields = _case_fields(item)
    lifecycle_fresh = at_least_as_new(case.lifecycle_as_of, as_of)
    for name, value in fields.items():
        if name in ("close_code", "date_finished") and not lifecycle_fresh:
            continue
        assign(case, name, value)
    apply_lifecycle(case, item.lifecycle, as_of=as_of)
    if case.external_tenant_id is None and isinstance(item, CustomerCase) and item.creditor is not None:
        tenant = tenants.get(item.creditor.id or "")
        if tenant is not None:
            case.external_tenant_id = tenant.external_tenant_id
    tenant = tenants.get(case.external_tenant_id or "")
    if tenant is not None:
        if tenant.id is None:
            db.session.flush([tenant])
        assign(case, "tenant_id", tenant.id)
        if not case.client_name:
            case.client_name = tenant.company_name
    case.last_seen_at = as_of
    case.last_seen_source = source
    assign(case, "search_text", case_search_text(case))
    return _snapshot(case, _CASE_FACTS) != before


def tenants_by_key(
    external_tenant_ids: Iterable[str | None], creditor_ids: Iterable[str | None] = ()
) -> dict[str, Tenant]:
    """One query for all tenants a batch of cases refers to, keyed by tenant id and by creditor id."""
    ids = {value for value in external_tenant_ids if value}
    creditors = {value for value in creditor_ids if value}
    if not ids and not creditors:
        return {}
    rows = db.session.scalars(
        select(Tenant).where(Tenant.external_tenant_id.in_(ids) | Tenant.creditor_id.in_(creditors))
    ).all()
    found: dict[str, Tenant] = {}
    for tenant in rows:
        found[tenant.external_tenant_id] = tenant
        if tenant.creditor_id:
            found.setdefault(tenant.creditor_id, tenant)
    return found


def _creditor_id(item: CaseItem | CustomerCase) -> str | None:
    if isinstance(item, CustomerCase):
        return item.creditor.id if item.creditor is not None else None
    return item.client.creditor_id if item.client is not None else None


def _external_tenant_id(item: CaseItem | CustomerCase) -> str | None:
    if isinstance(item, CaseItem) and item.client is not None:
        return item.client.external_tenant_id
    return None


def upsert_cases(
    items: Iterable[CaseItem | CustomerCase],
    *,
    source: str,
    as_of: datetime | None = None,
    external_tenant_id: str | None = None,
) -> tuple[list[Case], int]:
    """Upsert a batch with two queries (existing cases, their tenants); returns the rows and how many changed."""
    identified = [(item.id, item) for item in items if item.id]
    as_of = as_of or debitura_now()
    existing = (
        {case.id: case for case in db.session.scalars(select(Case).where(Case.id.in_([id_ for id_, _ in identified])))}
        if identified
        else {}
    )
    tenants = tenants_by_key(
        [external_tenant_id, *(_external_tenant_id(item) for _, item in identified)],
        (_creditor_id(item) for _, item in identified),
    )
    rows: list[Case] = []
    changed = 0
    for case_id, item in identified:
        case = existing.get(case_id)
        created = case is None
        if case is None:
            case = Case(
                id=case_id, is_test=False, needs_info=False, validation_items=[], solution_urls=[], search_text=""
            )
            db.session.add(case)
            existing[case_id] = case
        if external_tenant_id and not case.external_tenant_id:
            case.external_tenant_id = external_tenant_id
        if apply_case(case, item, source=source, as_of=as_of, tenants=tenants) or created:
            changed += 1
        rows.append(case)
    return rows, changed


def upsert_case(
    item: CaseItem | CustomerCase,
    *,
    source: str,
    external_tenant_id: str | None = None,
    as_of: datetime | None = None,
    commit: bool = True,
) -> Case:
    """Create or update one case from the Referral API (CaseItem/CaseDetail) or the Customer API (Case).

    The Customer API's case does not name the tenant: pass `external_tenant_id` when you know it
    (a submission for a tenant); otherwise the creditor id is matched to a tenant.
    """
    if not item.id:
        raise ValueError("Debitura's answer names no case id")
    rows, _ = upsert_cases([item], source=source, as_of=as_of, external_tenant_id=external_tenant_id)
    if commit:
        db.session.commit()
    return rows[0]
