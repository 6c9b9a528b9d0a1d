"""Change markers that let open pages refresh themselves cheaply.

A page renders the marker of what it shows and polls with it; while the marker is the same
the answer is an empty 204 (htmx swaps nothing). Each marker is one statement over indexed
`updated_at` columns, so polling costs next to nothing when nothing changed. The markers of pages
that poll also carry the start of a Debitura outage, so an open page raises and clears the outage
banner within one poll, even when nothing it shows has changed.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import func, select

from dashboard.extensions import db
from dashboard.models import Case, DebituraHealth, Tenant, WebhookEvent


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


def tenants_marker() -> str:
    """Changes to any tenant (the tenant list)."""
    row = db.session.execute(select(select(func.max(Tenant.updated_at)).scalar_subquery(), _outage_since())).one()
    return _format(*row)


def cases_marker() -> str:
    """Changes to any case (the case list's counts)."""
    return _format(db.session.scalar(select(func.max(Case.updated_at))))


def triage_marker() -> str:
    """Changes to any tenant or case (the triage queues draw on both)."""
    row = db.session.execute(
        select(
            select(func.max(Tenant.updated_at)).scalar_subquery(),
            select(func.max(Case.updated_at)).scalar_subquery(),
            _outage_since(),
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
            _outage_since(),
        )
    ).one()
    return _format(*row)


def events_marker() -> str:
    """New or updated deliveries (the webhook log)."""
    row = db.session.execute(select(select(func.max(WebhookEvent.id)).scalar_subquery(), _outage_since())).one()
    return _format(*row)
