"""Change markers that let open pages refresh themselves cheaply.

A page renders the marker of what it shows and polls with it; while the marker is the same
the answer is an empty 204 (htmx swaps nothing). Each marker is one statement over indexed
`updated_at` columns, so polling costs next to nothing when nothing changed.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import func, select

from dashboard.extensions import db
from dashboard.models import Case, Tenant, WebhookEvent


def _format(*moments: datetime | int | None) -> str:
    parts = []
    for moment in moments:
        if isinstance(moment, datetime):
            parts.append(f"{moment.timestamp():.6f}")
        else:
            parts.append(str(moment or 0))
    return "-".join(parts)


def tenants_marker() -> str:
    """Changes to any tenant (the tenant list)."""
    return _format(db.session.scalar(select(func.max(Tenant.updated_at))))


def cases_marker() -> str:
    """Changes to any case (the case list's counts)."""
    return _format(db.session.scalar(select(func.max(Case.updated_at))))


def triage_marker() -> str:
    """Changes to any tenant or case (the triage queues draw on both)."""
    row = db.session.execute(
        select(
            select(func.max(Tenant.updated_at)).scalar_subquery(),
            select(func.max(Case.updated_at)).scalar_subquery(),
        )
    ).one()
    return _format(*row)


def tenant_marker(tenant_id: int, external_tenant_id: str) -> str:
    """Changes to one tenant, its cases and its events (the tenant page)."""
    row = db.session.execute(
        select(
            select(Tenant.updated_at).where(Tenant.id == tenant_id).scalar_subquery(),
            select(func.max(Case.updated_at)).where(Case.tenant_id == tenant_id).scalar_subquery(),
            select(func.max(WebhookEvent.id)).where(WebhookEvent.external_tenant_id == external_tenant_id).scalar_subquery(),
        )
    ).one()
    return _format(*row)


def events_marker() -> str:
    """New or updated deliveries (the webhook log)."""
    return _format(db.session.scalar(select(func.max(WebhookEvent.id))))
