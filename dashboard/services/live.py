"""Change markers that let open pages refresh themselves cheaply.

A page renders the marker of what it shows and polls with it; while the marker is the same
the answer is an empty 204 (htmx swaps nothing). Each marker is one statement over indexed
`updated_at` columns, so polling costs next to nothing when nothing changed. Pages also change
without a write when time passes a threshold (a link request's deadline, the triage windows), so
markers take Debitura's now and include the latest such moment already passed. The markers of
pages that poll also carry the start of a Debitura outage, so an open page raises and clears the
outage banner within one poll, even when nothing it shows has changed.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import func, select

from dashboard.extensions import db
from dashboard.models import Case, DebituraHealth, Tenant, WebhookEvent
from dashboard.services.tenant_state import debitura_now


def _format(*moments: datetime | int | None) -> str:
    parts = []
    for moment in moments:
        if isinstance(moment, datetime):
            parts.append(f"{moment.timestamp():.6f}")
        else:
            parts.append(str(moment or 0))
    return "-".join(parts)


def _outage_since():
    """When the current Debitura outage began (NULL while Debitura answers), inside a marker's one statement."""
    return select(DebituraHealth.unreachable_since).where(DebituraHealth.id == 1).scalar_subquery()


def _lapsed_deadline(now: datetime):
    """The latest approval deadline already passed of a request still stored as pending."""
    return select(func.max(Tenant.approval_expires_at)).where(Tenant.overdue_at(now)).scalar_subquery()


def tenants_marker(now: datetime | None = None) -> str:
    """Changes to any tenant, or a deadline passing (the tenant list)."""
    now = now or debitura_now()
    row = db.session.execute(
        select(select(func.max(Tenant.updated_at)).scalar_subquery(), _lapsed_deadline(now), _outage_since())
    ).one()
    return _format(*row)


def cases_marker() -> str:
    """Changes to any case (the case list's counts)."""
    return _format(db.session.scalar(select(func.max(Case.updated_at))))


def triage_marker(now: datetime | None = None) -> str:
    """Changes to any tenant or case, or a tenant entering a queue as time passes (the triage queues)."""
    from dashboard.triage.queues import EXPIRY_WINDOW, STUCK_AFTER

    now = now or debitura_now()
    row = db.session.execute(
        select(
            select(func.max(Tenant.updated_at)).scalar_subquery(),
            select(func.max(Case.updated_at)).scalar_subquery(),
            _outage_since(),
            _lapsed_deadline(now),
            select(func.max(Tenant.approval_expires_at))
            .where(Tenant.state == "approval_pending", Tenant.approval_expires_at <= now + EXPIRY_WINDOW)
            .scalar_subquery(),
            select(func.max(Tenant.onboarding_started_at))
            .where(Tenant.state == "onboarding", Tenant.onboarding_started_at <= now - STUCK_AFTER)
            .scalar_subquery(),
        )
    ).one()
    return _format(*row)


def tenant_marker(tenant_id: int, external_tenant_id: str, now: datetime | None = None) -> str:
    """Changes to one tenant, its cases and its events, or its deadline passing (the tenant page)."""
    now = now or debitura_now()
    row = db.session.execute(
        select(
            select(Tenant.updated_at).where(Tenant.id == tenant_id).scalar_subquery(),
            select(func.count()).where(Tenant.id == tenant_id, Tenant.overdue_at(now)).scalar_subquery(),
            select(func.max(Case.updated_at)).where(Case.tenant_id == tenant_id).scalar_subquery(),
            select(func.max(WebhookEvent.id))
            .where(WebhookEvent.external_tenant_id == external_tenant_id)
            .scalar_subquery(),
            _outage_since(),
        )
    ).one()
    return _format(*row)


def events_marker() -> str:
    """New or updated deliveries (the webhook log)."""
    row = db.session.execute(select(select(func.max(WebhookEvent.id)).scalar_subquery(), _outage_since())).one()
    return _format(*row)
